"""Every indicator declared once: id, labels in French, English and Arabic, unit, formula.

The exports, the API and the bulletin all read this registry; a test fails when
an indicator is computed but not declared here or not documented.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Indicator:
    """An indicator definition (e.g. ``share``: unit ``percent``, 40.3 for ITO in 2024)."""

    id: str
    unit: str
    label_fr: str
    label_en: str
    label_ar: str
    formula: str
    formula_fr: str

    def label(self, lang: str) -> str:
        return {"fr": self.label_fr, "en": self.label_en, "ar": self.label_ar}[lang]


INDICATORS: dict[str, Indicator] = {
    i.id: i
    for i in (
        Indicator(
            "level",
            "MAD",
            "Montant",
            "Level",
            "المبلغ",
            "sum of the MAD values of the cell's records in period t",
            "somme des valeurs en dirhams des enregistrements de la cellule sur la période t",
        ),
        Indicator(
            "growth_yoy",
            "percent",
            "Variation sur un an",
            "Year-on-year growth",
            "التغير على أساس سنوي",
            "(level(t) / level(t-1y) - 1) x 100",
            "(montant(t) / montant(t-1 an) - 1) x 100",
        ),
        Indicator(
            "share",
            "percent",
            "Part",
            "Share",
            "الحصة",
            "level(cell, t) / level(parent, t) x 100; the parent is the cell with its "
            "first detailed dimension (segment, then service, then partner) set to the total",
            "montant(cellule, t) / montant(ensemble, t) x 100 ; l'ensemble est la cellule dont "
            "la première dimension détaillée (segment, puis service, puis partenaire) est "
            "remplacée par son total",
        ),
        Indicator(
            "contribution",
            "percentage_points",
            "Contribution à la croissance",
            "Contribution to growth",
            "المساهمة في النمو",
            "(level(cell, t) - level(cell, t-1y)) / level(parent, t-1y) x 100; "
            "the contributions of a breakdown add up to the parent's growth",
            "(montant(cellule, t) - montant(cellule, t-1 an)) / montant(ensemble, t-1 an) x 100 ; "
            "les contributions d'une ventilation s'additionnent en la croissance de l'ensemble",
        ),
        Indicator(
            "progress_prev_year",
            "percent",
            "Réalisation par rapport à l'année précédente",
            "Progress against the previous full year",
            "نسبة الإنجاز مقارنة بالسنة السابقة",
            "level(t) / level(previous full calendar year) x 100, for half-years, quarters "
            "and months",
            "montant(t) / montant(année civile précédente complète) x 100, pour les semestres, "
            "trimestres et mois",
        ),
        Indicator(
            "ytd_level",
            "MAD",
            "Cumul depuis le début de l'année",
            "Year to date",
            "المبلغ منذ بداية السنة",
            "sum of the levels from January to the end of month t",
            "somme des montants de janvier à la fin du mois t",
        ),
        Indicator(
            "ytd_growth_yoy",
            "percent",
            "Variation du cumul sur un an",
            "Year-to-date growth",
            "تغير المبلغ منذ بداية السنة",
            "(ytd_level(t) / ytd_level(t-1y) - 1) x 100",
            "(cumul(t) / cumul(t-1 an) - 1) x 100",
        ),
    )
}

#: Columns of the indicator table, in order (DESIGN.md "indicator table").
COLUMNS: tuple[str, ...] = (
    "indicator",
    "flow",
    "period",
    "segment",
    "service",
    "partner",
    "value",
    "unit",
    "obs_status",
    "conf_status",
    "release",
)
