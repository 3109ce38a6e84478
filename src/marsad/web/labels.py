"""Names of codes in French, English and Arabic, for the API and the dashboard.

One function, :func:`label`, for every dimension of the table: indicators (the
registry's labels), segments (reference ``segments.csv``), EBOPS 2010 services
(reference ``ebops2010.csv``: French and English names; Arabic falls back to English),
partner countries (CLDR territory names through Babel), flows, units and frequencies.
An unknown code is named by itself.

>>> label("segment", "ITO", "fr")
"Externalisation des technologies de l'information"
>>> label("partner", "FR", "ar"), label("partner", "_T", "en")
('فرنسا', 'All partner countries')
>>> label("indicator", "growth_yoy", "en"), label("freq", "Q", "fr")
('Year-on-year growth', 'Trimestrielle')
"""

from __future__ import annotations

from functools import cache

from marsad.reference import ALL, DDS, TOTAL, UNALLOCATED

LANGS = ("fr", "en", "ar")

_FIXED: dict[str, dict[str, tuple[str, str, str]]] = {
    "segment": {
        TOTAL: ("Ensemble du secteur", "Whole sector", "مجموع القطاع"),
        DDS: (
            "Services livrables numériquement",
            "Digitally deliverable services",
            "الخدمات القابلة للتسليم رقمياً",
        ),
        UNALLOCATED: ("Non ventilé", "Unallocated", "غير موزع"),
    },
    "service": {
        ALL: ("Tous les services du secteur", "All the sector's services", "جميع خدمات القطاع")
    },
    "partner": {ALL: ("Tous pays partenaires", "All partner countries", "جميع البلدان الشريكة")},
    "flow": {
        "exports": ("Exportations", "Exports", "الصادرات"),
        "imports": ("Importations", "Imports", "الواردات"),
        "balance": ("Solde", "Balance", "الرصيد"),
        "_Z": ("Sans objet", "Not applicable", "غير منطبق"),
    },
    "unit": {
        "MAD": ("dirhams", "dirhams", "درهم"),
        "percent": ("pour cent", "percent", "في المائة"),
        "percentage_points": ("points de pourcentage", "percentage points", "نقاط مئوية"),
        "jobs": ("emplois", "jobs", "منصب شغل"),
    },
    # a withheld cell's CONF_STATUS, as the public table gives it (primary.py's flags)
    "conf": {
        "A": (
            "Confidentielle\u00a0: trop peu d'entreprises",
            "Confidential: too few firms",
            "سرية: عدد قليل جدا من المقاولات",
        ),
        "O": (
            "Confidentielle\u00a0: une ou deux entreprises dominent",
            "Confidential: one or two firms dominate",
            "سرية: مقاولة أو مقاولتان تهيمنان",
        ),
        "D": (
            "Retenue pour protéger une autre cellule (secret secondaire)",
            "Withheld to protect another cell (secondary suppression)",
            "محجوبة لحماية خلية أخرى (السرية الثانوية)",
        ),
    },
    "freq": {
        "A": ("Annuelle", "Annual", "سنوي"),
        "S": ("Semestrielle", "Half-yearly", "نصف سنوي"),
        "Q": ("Trimestrielle", "Quarterly", "فصلي"),
        "M": ("Mensuelle", "Monthly", "شهري"),
    },
}


def label(dimension: str, code: str, lang: str) -> str:
    """The name of ``code`` of ``dimension`` (indicator, flow, segment, service, partner,
    unit, freq, conf) in ``lang`` (fr, en, ar); the code itself when it has none."""
    i = LANGS.index(lang)
    fixed = _FIXED.get(dimension, {}).get(code)
    if fixed is not None:
        return fixed[i]
    names = _names(dimension, lang)
    return names.get(code, code)


def labels(dimension: str, code: str) -> dict[str, str]:
    """``{"fr": ..., "en": ..., "ar": ...}`` for ``code`` (e.g. in the API's lists)."""
    return {lang: label(dimension, code, lang) for lang in LANGS}


@cache
def _names(dimension: str, lang: str) -> dict[str, str]:
    if dimension == "indicator":
        from marsad.indicators.registry import INDICATORS

        return {k: v.label(lang) for k, v in INDICATORS.items()}
    if dimension == "segment":
        from marsad.reference import segments

        return {k: getattr(s, f"name_{lang}") for k, s in segments().items()}
    if dimension == "service":
        from marsad.reference import ebops

        return {k: s.name_fr if lang == "fr" else s.name_en for k, s in ebops().items()}
    if dimension == "partner":
        from babel import Locale

        return dict(Locale.parse({"fr": "fr", "en": "en", "ar": "ar_MA"}[lang]).territories)
    return {}
