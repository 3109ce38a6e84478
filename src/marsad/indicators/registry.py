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
    formula_ar: str

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
            "مجموع قيم عمليات الخلية بالدرهم خلال الفترة t",
        ),
        Indicator(
            "growth_yoy",
            "percent",
            "Variation sur un an",
            "Year-on-year growth",
            "التغير على أساس سنوي",
            "(level(t) / level(t-1y) - 1) x 100",
            "(montant(t) / montant(t-1 an) - 1) x 100",
            "(المبلغ(t) / المبلغ(t-1y) - 1) x 100",
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
            "المبلغ(الخلية، t) / المبلغ(المجموع، t) x 100؛ المجموع هو الخلية نفسها وقد "
            "عُوِّض أول بُعد مفصَّل فيها (الفرع، ثم الخدمة، ثم الشريك) بمجموعه",
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
            "(المبلغ(الخلية، t) - المبلغ(الخلية، t-1y)) / المبلغ(المجموع، t-1y) x 100؛ "
            "مساهمات تفصيلٍ ما مجموعها نمو المجموع",
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
            "المبلغ(t) / المبلغ(السنة المدنية الكاملة السابقة) x 100، لأنصاف السنوات "
            "والفصول والأشهر",
        ),
        Indicator(
            "ytd_level",
            "MAD",
            "Cumul depuis le début de l'année",
            "Year to date",
            "المبلغ منذ بداية السنة",
            "sum of the levels from January to the end of month t",
            "somme des montants de janvier à la fin du mois t",
            "مجموع المبالغ من يناير إلى نهاية الشهر t",
        ),
        Indicator(
            "ytd_growth_yoy",
            "percent",
            "Variation du cumul sur un an",
            "Year-to-date growth",
            "تغير المبلغ منذ بداية السنة",
            "(ytd_level(t) / ytd_level(t-1y) - 1) x 100",
            "(cumul(t) / cumul(t-1 an) - 1) x 100",
            "(المبلغ منذ بداية السنة(t) / المبلغ منذ بداية السنة(t-1y) - 1) x 100",
        ),
        Indicator(
            "level_old_scope",
            "MAD",
            "Exportations, ancienne série « offshoring »",
            "Exports, former offshoring series",
            "الصادرات، السلسلة القديمة «الأوفشورينغ»",
            "annual exports of the former, narrower offshoring scope as published by the "
            "Office des Changes (a different series: never chained with level)",
            "exportations annuelles de l'ancien périmètre « offshoring », plus étroit, telles "
            "que publiées par l'Office des Changes (une autre série : jamais enchaînée avec "
            "le montant)",
            "الصادرات السنوية للنطاق القديم الأضيق «الأوفشورينغ» كما نشرها مكتب الصرف "
            "(سلسلة مختلفة: لا تُربط أبداً بالمبلغ)",
        ),
        Indicator(
            "target_level",
            "MAD",
            "Objectif d'exportations",
            "Exports target",
            "هدف الصادرات",
            "the exports target of the Digital Morocco 2030 strategy, in the target year",
            "l'objectif d'exportations de la stratégie Maroc Digital 2030, l'année cible",
            "هدف الصادرات في استراتيجية المغرب الرقمي 2030، في سنة الهدف",
        ),
        Indicator(
            "target_share",
            "percent",
            "Part de l'objectif atteinte",
            "Share of the target reached",
            "نسبة تحقيق الهدف",
            "level(Y) / target_level x 100, for each complete year Y",
            "montant(Y) / objectif x 100, pour chaque année complète Y",
            "المبلغ(Y) / الهدف x 100، لكل سنة كاملة Y",
        ),
        Indicator(
            "target_required_growth",
            "percent",
            "Croissance annuelle nécessaire",
            "Annual growth needed",
            "النمو السنوي اللازم",
            "((target_level / level(Y)) ^ (1 / (target year - Y)) - 1) x 100",
            "((objectif / montant(Y)) ^ (1 / (année cible - Y)) - 1) x 100",
            "((الهدف / المبلغ(Y)) ^ (1 / (سنة الهدف - Y)) - 1) x 100",
        ),
        Indicator(
            "target_recent_growth",
            "percent",
            "Croissance annuelle moyenne récente",
            "Recent average annual growth",
            "متوسط النمو السنوي الأخير",
            "((level(Y) / level(Y0)) ^ (1 / (Y - Y0)) - 1) x 100, Y0 the first of at most "
            "5 consecutive complete years ending in Y",
            "((montant(Y) / montant(Y0)) ^ (1 / (Y - Y0)) - 1) x 100, Y0 la première d'au plus "
            "5 années complètes consécutives finissant en Y",
            "((المبلغ(Y) / المبلغ(Y0)) ^ (1 / (Y - Y0)) - 1) x 100، حيث Y0 أولى خمس سنوات "
            "كاملة متتالية على الأكثر تنتهي في Y",
        ),
        Indicator(
            "target_projected_level",
            "MAD",
            "Exportations projetées à l'année cible",
            "Exports projected to the target year",
            "الصادرات المتوقعة في سنة الهدف",
            "level(Y) x (1 + target_recent_growth / 100) ^ (target year - Y), rounded to the "
            "centime",
            "montant(Y) x (1 + croissance récente / 100) ^ (année cible - Y), arrondi au centime",
            "المبلغ(Y) x (1 + النمو الأخير / 100) ^ (سنة الهدف - Y)، مقرَّباً إلى السنتيم",
        ),
        Indicator(
            "jobs",
            "jobs",
            "Emplois",
            "Jobs",
            "مناصب الشغل",
            "jobs in the sector as counted by the ministry (loaded with "
            "`marsad ingest --kind employment`)",
            "emplois du secteur selon le décompte du ministère (chargés avec "
            "`marsad ingest --kind employment`)",
            "مناصب الشغل في القطاع حسب إحصاء الوزارة (تُحمَّل بالأمر `marsad ingest --kind "
            "employment`)",
        ),
        Indicator(
            "jobs_target_level",
            "jobs",
            "Objectif d'emplois",
            "Jobs target",
            "هدف مناصب الشغل",
            "the jobs target of the Digital Morocco 2030 strategy, in the target year",
            "l'objectif d'emplois de la stratégie Maroc Digital 2030, l'année cible",
            "هدف مناصب الشغل في استراتيجية المغرب الرقمي 2030، في سنة الهدف",
        ),
        Indicator(
            "jobs_target_share",
            "percent",
            "Part de l'objectif d'emplois atteinte",
            "Share of the jobs target reached",
            "نسبة تحقيق هدف مناصب الشغل",
            "jobs(Y) / jobs_target_level x 100",
            "emplois(Y) / objectif d'emplois x 100",
            "مناصب الشغل(Y) / هدف مناصب الشغل x 100",
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
