"""The dashboard's own words in French, English and Arabic (codes are named by
:mod:`marsad.web.labels`, numbers by :mod:`marsad.publish.fmt`).

>>> text("fr")["explore"], text("ar")["dir"]
('Explorer', 'rtl')
"""

from __future__ import annotations

_WORDS: dict[str, tuple[str, str, str]] = {
    "title": (
        "Observatoire des exportations de services numériques",
        "Observatory of digital services exports",
        "مرصد صادرات الخدمات الرقمية",
    ),
    "home": ("Accueil", "Home", "الرئيسية"),
    "explore": ("Explorer", "Explore", "استكشاف"),
    "releases": ("Publications", "Releases", "الإصدارات"),
    "api": ("API", "API", "واجهة البرمجة"),
    "release": ("Publication", "Release", "الإصدار"),
    "dated": ("du", "of", "بتاريخ"),
    "synthetic": (
        "Données synthétiques : ces chiffres ne décrivent aucune entreprise réelle.",
        "Synthetic data: these figures describe no real firm.",
        "بيانات اصطناعية: هذه الأرقام لا تصف أي مقاولة حقيقية.",
    ),
    "headline": ("Chiffres clés", "Headline figures", "الأرقام الرئيسية"),
    "exports": ("Exportations", "Exports", "الصادرات"),
    "growth": ("Croissance sur un an", "Year-on-year growth", "النمو على أساس سنوي"),
    "segments": ("Par segment", "By segment", "حسب القطاع الفرعي"),
    "segment": ("Segment", "Segment", "القطاع الفرعي"),
    "share": ("Part", "Share", "الحصة"),
    "tracker": ("Objectifs 2030", "2030 targets", "أهداف 2030"),
    "changes": (
        "Ce qui a changé depuis la publication précédente",
        "What changed since the previous release",
        "ما الذي تغير منذ الإصدار السابق",
    ),
    "first": (
        "Première publication : rien à comparer.",
        "First release: nothing to compare.",
        "الإصدار الأول: لا شيء للمقارنة.",
    ),
    "compare_damaged": (
        "la publication précédente ne peut pas être lue, la comparaison est omise.",
        "the previous release cannot be read, so the comparison is left out.",
        "تعذرت قراءة الإصدار السابق، لذا أُغفلت المقارنة.",
    ),
    "release_damaged": (
        "cette publication ne peut pas être lue (son manifest.json est endommagé) : elle est "
        "omise.",
        "this release cannot be read (its manifest.json is damaged), so it is left out.",
        "تعذرت قراءة هذا الإصدار (ملف manifest.json الخاص به تالف)، لذا أُغفل.",
    ),
    "compare_missing": (
        "la publication précédente manque sur ce serveur, la comparaison est omise.",
        "the previous release is missing on this server, so the comparison is left out.",
        "الإصدار السابق مفقود على هذا الخادم، لذا أُغفلت المقارنة.",
    ),
    "release_missing": (
        "cette publication manque sur ce serveur : elle est omise.",
        "this release is missing on this server, so it is left out.",
        "هذا الإصدار مفقود على هذا الخادم، لذا أُغفل.",
    ),
    "latest_unavailable": (
        "cette publication est peut-être plus récente que celle affichée, et elle est "
        "momentanément indisponible sur ce serveur.",
        "this release may be later than the one shown, and it is unavailable for the "
        "moment on this server.",
        "قد يكون هذا الإصدار أحدث من المعروض، وهو غير متاح حاليا على هذا الخادم.",
    ),
    "unavailable": (
        "Publication momentanément indisponible sur ce serveur : {ids}. Réessayez plus tard.",
        "Release unavailable for the moment on this server: {ids}. Try again later.",
        "إصدار غير متاح حاليا على هذا الخادم: {ids}. أعد المحاولة لاحقا.",
    ),
    "largest": (
        "Plus fortes révisions des séries principales",
        "Largest revisions of headline series",
        "أكبر مراجعات السلاسل الرئيسية",
    ),
    "downloads": ("Téléchargements", "Downloads", "التنزيلات"),
    "indicator": ("Indicateur", "Indicator", "المؤشر"),
    "flow": ("Flux", "Flow", "التدفق"),
    "service": ("Service", "Service", "الخدمة"),
    "partner": ("Pays partenaire", "Partner country", "البلد الشريك"),
    "freq": ("Fréquence", "Frequency", "التواتر"),
    "start": ("Début", "Start", "البداية"),
    "end": ("Fin", "End", "النهاية"),
    "period": ("Période", "Period", "الفترة"),
    "value": ("Valeur", "Value", "القيمة"),
    "unit": ("Unité", "Unit", "الوحدة"),
    "status": ("Statut", "Status", "الحالة"),
    "old": ("Ancienne valeur", "Old value", "القيمة السابقة"),
    "new_value": ("Nouvelle valeur", "New value", "القيمة الجديدة"),
    "show": ("Afficher", "Show", "عرض"),
    "compare": ("Comparer", "Compare", "مقارنة"),
    "from": ("De", "From", "من"),
    "to": ("À", "To", "إلى"),
    "date": ("Date", "Date", "التاريخ"),
    "note": ("Note", "Note", "ملاحظة"),
    "last_period": ("Dernière période", "Last period", "آخر فترة"),
    "files": ("Fichiers", "Files", "الملفات"),
    "bulletins": ("Bulletins", "Bulletins", "النشرات"),
    "yes": ("synthétique", "synthetic", "اصطناعي"),
    "no_rows": (
        "Aucune observation pour cette sélection.",
        "No observation for this selection.",
        "لا توجد ملاحظات لهذا الاختيار.",
    ),
    "published_for": (
        "Cet indicateur est publié pour",
        "This indicator is published for",
        "هذا المؤشر منشور لـ",
    ),
    "nothing_drawn": (
        "Rien à tracer\u00a0: toutes les valeurs de cette sélection sont confidentielles [c].",
        "Nothing to draw: every value of this selection is confidential [c].",
        "لا شيء للرسم: كل قيم هذا الاختيار سرية [c].",
    ),
    "missing": (
        "[x] : non disponible (la table n'a pas cette cellule).",
        "[x]: not available (the table has no such cell).",
        "[x]: غير متوفر (لا توجد هذه الخلية في الجدول).",
    ),
    "withheld": (
        "[c] : valeur confidentielle, non publiée pour ne pas révéler les chiffres"
        " d'entreprises individuelles (secret statistique).",
        "[c]: confidential value, not published so as not to reveal the figures of"
        " individual firms (statistical confidentiality).",
        "[c]: قيمة سرية غير منشورة حتى لا تكشف أرقام مقاولات بعينها (السر الإحصائي).",
    ),
    "no_release": (
        "Cette publication n'existe pas.",
        "This release does not exist.",
        "هذا الإصدار غير موجود.",
    ),
    "unknown_code": (
        "{what}\u00a0: valeur inconnue «\u00a0{code}\u00a0» (valeurs possibles\u00a0: {codes}).",
        "{what}: unknown value '{code}' (possible values: {codes}).",
        "{what}: قيمة غير معروفة «{code}» (القيم الممكنة: {codes}).",
    ),
    "bad_period": (
        "«\u00a0{value}\u00a0» n'est pas une période\u00a0: écrivez une année, un semestre, "
        "un trimestre ou un mois, comme 2025, 2025-S1, 2025-Q2 ou 2025-06 (chiffres 0 à 9).",
        "'{value}' is not a period: write a year, half, quarter or month, such as 2025, "
        "2025-S1, 2025-Q2 or 2025-06 (digits 0-9).",
        "«{value}» ليست فترة: اكتب سنة أو نصف سنة أو ربع سنة أو شهرا، مثل 2025 أو 2025-S1 "
        "أو 2025-Q2 أو 2025-06 (بالأرقام 0-9).",
    ),
    "bad_release_id": (
        "«\u00a0{value}\u00a0» n'est pas un identifiant de publication\u00a0: des lettres, "
        "des chiffres, «\u00a0.\u00a0», «\u00a0-\u00a0» et «\u00a0_\u00a0», au plus 64, "
        "commençant et finissant par une lettre ou un chiffre, comme 2025-S1.",
        "'{value}' is not a release id: letters, digits, '.', '-' and '_', at most 64, "
        "beginning and ending with a letter or digit, such as 2025-S1.",
        "«{value}» ليس معرّف إصدار: حروف وأرقام و«.» و«-» و«_»، 64 على الأكثر، يبدأ وينتهي "
        "بحرف أو رقم، مثل 2025-S1.",
    ),
    "inverted": (
        "Le début {start} vient après la fin {end}\u00a0: aucune période ne peut correspondre.",
        "The start {start} comes after the end {end}: no period can match.",
        "البداية {start} تأتي بعد النهاية {end}: لا يمكن أن تطابقها أي فترة.",
    ),
    "unknown_param": (
        "Paramètre inconnu «\u00a0{name}\u00a0» (paramètres de cette page\u00a0: {names}).",
        "Unknown parameter '{name}' (this page's parameters: {names}).",
        "معامل غير معروف «{name}» (معاملات هذه الصفحة: {names}).",
    ),
    "repeated_param": (
        "Le paramètre «\u00a0{name}\u00a0» est donné {count}\u00a0fois\u00a0: "
        "donnez-le une seule fois.",
        "The parameter '{name}' is given {count} times: give it once.",
        "المعامل «{name}» مذكور {count} مرات: اذكره مرة واحدة.",
    ),
    "compare_both": (
        "Choisissez les deux publications à comparer («\u00a0from\u00a0» et «\u00a0to\u00a0»).",
        "Choose both releases to compare (from and to).",
        "اختر الإصدارين المراد مقارنتهما (from و to).",
    ),
    "no_param": ("aucun", "none", "لا شيء"),
    "not_found": ("Page introuvable", "Page not found", "الصفحة غير موجودة"),
    "download_csv": ("Télécharger (CSV)", "Download (CSV)", "تنزيل (CSV)"),
    "download_xlsx": ("Télécharger (Excel)", "Download (Excel)", "تنزيل (Excel)"),
    "revisions": (
        "Révisions entre deux publications",
        "Revisions between two releases",
        "المراجعات بين إصدارين",
    ),
    "no_revision": ("Aucune cellule révisée.", "No revised cell.", "لا توجد خلايا معدلة."),
    "chart": ("Graphique", "Chart", "رسم بياني"),
    "language": ("Langue", "Language", "اللغة"),
    "all": ("Tous", "All", "الكل"),
    "more": (
        "Seules les premières lignes sont affichées ; toutes les cellules modifiées :",
        "Only the first rows are shown; every changed cell:",
        "تظهر الأسطر الأولى فقط؛ كل الخلايا المعدلة:",
    ),
}
_LANGS = ("fr", "en", "ar")
_FIXED = {  # the colon: a space before it in French only; the arrow points the reading way
    "fr": {"dir": "ltr", "name": "Français", "colon": "\u00a0: ", "arrow": "→", "comma": ", "},
    "en": {"dir": "ltr", "name": "English", "colon": ": ", "arrow": "→", "comma": ", "},
    "ar": {"dir": "rtl", "name": "العربية", "colon": ": ", "arrow": "←", "comma": "، "},
}

#: The words a count of cells is said with, by language and CLDR plural category
#: (Babel's ``Locale.plural_form``): French and English one and other; Arabic the singular
#: for 0, 1, 11-99 and hundreds (``481 خلية معدلة``), the dual for 2, the plural for 3-10
#: and each hundred's 3-10 (``5 خلايا معدلة``, ``105 خلايا``: CLDR's "few"). A reviewer read
#: "481 خلايا معدلة", and "1 cellules".
_COUNTED = {
    "revised": {
        "fr": {"one": "cellule révisée", "other": "cellules révisées"},
        "en": {"one": "revised cell", "other": "revised cells"},
        "ar": {"two": "خليتان معدلتان", "few": "خلايا معدلة", "other": "خلية معدلة"},
    },
    "new": {
        "fr": {"one": "cellule nouvelle", "other": "cellules nouvelles"},
        "en": {"one": "new cell", "other": "new cells"},
        "ar": {"two": "خليتان جديدتان", "few": "خلايا جديدة", "other": "خلية جديدة"},
    },
    # a cell withheld before and published now is no revision (release.compare.CHANGES)
    "newly_released": {
        "fr": {"one": "cellule nouvellement publiée", "other": "cellules nouvellement publiées"},
        "en": {"one": "cell newly released", "other": "cells newly released"},
        "ar": {"two": "خليتان نُشرتا حديثا", "few": "خلايا نُشرت حديثا",
               "other": "خلية نُشرت حديثا"},
    },
    "newly_withheld": {
        "fr": {"one": "cellule nouvellement masquée", "other": "cellules nouvellement masquées"},
        "en": {"one": "cell newly withheld", "other": "cells newly withheld"},
        "ar": {"two": "خليتان حُجبتا حديثا", "few": "خلايا حُجبت حديثا",
               "other": "خلية حُجبت حديثا"},
    },
    "removed": {
        "fr": {"one": "cellule retirée", "other": "cellules retirées"},
        "en": {"one": "removed cell", "other": "removed cells"},
        "ar": {"two": "خليتان محذوفتان", "few": "خلايا محذوفة", "other": "خلية محذوفة"},
    },
}  # fmt: skip


def counted(word: str, n: int, lang: str) -> str:
    """The words of ``n`` cells of a kind (``revised``, ``new``, ``newly_released``,
    ``newly_withheld``, ``removed``) in ``lang``, by its plural rule.

    >>> counted("revised", 1, "fr"), counted("revised", 0, "fr"), counted("new", 2, "en")
    ('cellule révisée', 'cellule révisée', 'new cells')
    >>> [counted("revised", n, "ar") for n in (2, 5, 481, 100)]
    ['خليتان معدلتان', 'خلايا معدلة', 'خلية معدلة', 'خلية معدلة']
    """
    from babel import Locale

    forms = _COUNTED[word][lang]
    return forms.get(Locale.parse(lang).plural_form(n), forms["other"])


def text(lang: str) -> dict[str, str]:
    """Every word of the dashboard in ``lang`` (e.g. ``text("en")["releases"]``)."""
    i = _LANGS.index(lang)
    return {**{k: v[i] for k, v in _WORDS.items()}, **_FIXED[lang]}


#: Each language's own name, for the language switcher.
NAMES = {lang: _FIXED[lang]["name"] for lang in _LANGS}
