"""Arabic phrasebook of the bulletin: the wording of every message, the labels of the layout.

Written in Modern Standard Arabic as Moroccan official publications write it (the
Office des Changes' ``عند متم``, ``منصب شغل``, ``في أفق``), not word for word from
French: the verb comes first, a change is ``بارتفاع نسبته`` / ``بانخفاض نسبته``.
Numbers follow ``ar_MA`` (:mod:`marsad.publish.fmt`): Latin digits, decimal comma,
``%`` after the number; months are those of ``ar_MA`` (يناير … ماي … غشت … دجنبر).
A segment is a ``فرع`` (``فرع ESO (تعهيد الخدمات الهندسية)`` the first time).

>>> from decimal import Decimal
>>> from marsad.publish.lang import say
>>> from marsad.publish.story import Message, Mention
>>> say(Message("segment.decline", segment=Mention("CRM", first=True), fall=Decimal("12.7"),
...             level=Decimal("4.19e9")), "ar")
'تراجع فرع CRM (إدارة علاقات العملاء) بنسبة 12,7%، إلى 4,2 مليار درهم.'
"""

from __future__ import annotations

from marsad.periods import Period
from marsad.publish.marks import MISSING, WITHHELD
from marsad.publish.story import Mention
from marsad.reference import UNALLOCATED, segments

LANG = "ar"
DIR = "rtl"
AND = "و"
LIST_SEP = "؛ "


def join_and(items: list[str]) -> str:
    """``أ، ب وج``: Arabic commas, and ``و`` joined to the last item (with a space before
    a Latin code, which would otherwise run into it).

    >>> join_and(["ITO", "CRM", "ESO"]), join_and(["فرنسا", "إسبانيا"])
    ('ITO، CRM و ESO', 'فرنسا وإسبانيا')
    """
    if len(items) < 2:
        return "".join(items)
    last = items[-1]
    glue = "و" if last[:1].isalpha() and not last[:1].isascii() else "و "
    return f"{'، '.join(items[:-1])} {glue}{last}"


LABELS = {
    "sector": "صادرات الخدمات الرقمية وخدمات التعهيد",
    "bulletin": "نشرة إحصائية",
    "provisional": "أرقام مؤقتة",
    "synthetic": "عرض توضيحي: بيانات اصطناعية، وليست إحصاءات رسمية",
    "h_key": "أرقام رئيسية",
    "h_segments": "الصادرات حسب الفروع",
    "h_movements": "أبرز المستجدات",
    "h_target": "هدف 2030",
    "h_charts": "رسوم بيانية",
    "h_method": "ملاحظة منهجية",
    "col_segment": "الفرع",
    "table_note": "المبالغ بملايين الدراهم؛ الحصص ونسب التغير بالنسبة المئوية؛ "
    "المساهمات في النمو بالنقاط المئوية.",
    "table_note_levels": "المبالغ بملايين الدراهم؛ الحصص بالنسبة المئوية.",
    "total": "المجموع",
    "unallocated": "غير موزع",
    "confidential_mark": WITHHELD,
    "missing_mark": MISSING,
    "figure": "رسم بياني",
    "source_line": "المصدر: مكتب الصرف (التسويات البنكية)؛ حسابات marsad.",
    "source_line_synthetic": "المصدر: بيانات اصطناعية للعرض التوضيحي؛ حسابات marsad.",
    "release": "إصدار البيانات",
    "axis_bn": "مليارات الدراهم",
    "axis_mn": "ملايين الدراهم",
    "legend_period": "الفترة",
    "legend_segment": "الفرع",
    "legend_withheld": f"{WITHHELD} سري",
    "legend_series": "السلسلة",
    "series_actual": "الصادرات",
    "series_required": "المسار المطلوب",
    "series_recent": "الوتيرة الأخيرة",
    "series_target": "الهدف",
    "year": "السنة",
    "colon": ":",
    "published": "تاريخ النشر",
    "next_release": "النشر المقبل",
    "contact": "للتواصل",
    "synthetic_badge": "بيانات اصطناعية",
}

_NOUN = {"half": "نصف السنة", "quarter": "الربع", "month": "الشهر", "year": "السنة"}


def _the(m: Mention) -> str:
    """``فرع ESO (تعهيد الخدمات الهندسية)`` the first time, ``فرع ESO`` afterwards."""
    if m.code == UNALLOCATED:
        return "الصادرات غير الموزعة"
    if not m.first:
        return f"فرع {m.code}"
    seg = segments().get(m.code)
    name = seg.name(LANG) if seg else m.code
    return f"فرع {m.code} ({name})"


def _vs(period: Period) -> str:
    """``بالنصف الأول من 2024``, ``بيوليوز 2023``; ``بـ2023`` before a number."""
    label = Period.parse(period).label(LANG)
    return f"ب{label}" if not label[:1].isdigit() else f"بـ{label}"


FORMS = {
    "the": _the,
    "vs": _vs,
    "years": lambda n: "سنة واحدة" if n == 1 else f"{n} سنوات",
    "noun": _NOUN.__getitem__,
}

_LEVEL = "بلغت صادرات الخدمات الرقمية وخدمات التعهيد {total:money} {period:in}"
_FASTEST = "سجّل {segment:the} أقوى ارتفاع ({growth:growth}، ليبلغ {level:money})"
_DECLINE = "تراجع {segment:the} بنسبة {fall:percent}، إلى {level:money}"
_YTD = "عند متم {month:label}، بلغت الصادرات المتراكمة منذ بداية السنة {total:money}"
_UNALLOCATED = " إلى أي فرع."
_BREAK = (
    "تغطي هذه الأرقام النطاق الجديد للخدمات الرقمية وخدمات التعهيد (الفروع {codes:and})، "
    "وهو أوسع من نطاق سلسلة «ترحيل الخدمات» (offshoring) السابقة. وتبدأ السلسلة الجديدة "
    "سنة {year}، مع انقطاع في السلسلة."
)
_NOT_CHAINED = " والسلسلتان غير قابلتين للمقارنة، ولا تُربط إحداهما بالأخرى."


def _withheld(m, one: str, some: str) -> str:
    return f"لا تُنشر أرقام {one if m['one'] else some} (السر الإحصائي)."


WORDS = {
    "title": "{L[sector]}: {period:label}",
    "key.level": "الصادرات، {period:label}",
    "key.growth": "{indicator:indicator}",
    "key.target": "نسبة إنجاز هدف {target_year} في {latest_year}",
    "headline.level": _LEVEL + ".",
    "headline.level_growth": _LEVEL + "، بارتفاع نسبته {growth:percent} مقارنةً {previous:vs}.",
    "headline.level_fall": _LEVEL + "، بانخفاض نسبته {fall:percent} مقارنةً {previous:vs}.",
    "headline.level_stable": _LEVEL + "، وهو مستوى مستقر مقارنةً {previous:vs}.",
    "headline.ytd": _YTD + ".",
    "headline.ytd_growth": _YTD + "، بارتفاع نسبته {growth:percent} على أساس سنوي.",
    "headline.ytd_fall": _YTD + "، بانخفاض نسبته {fall:percent} على أساس سنوي.",
    "headline.ytd_stable": _YTD + "، وهو مستوى مستقر على أساس سنوي.",
    "headline.leader": "ويستأثر {leader:the} بحصة {share:percent} منها.",
    "headline.leader_runner_up": "ويستأثر {leader:the} بحصة {share:percent} منها، "
    "متقدماً على {runner_up:the} ({runner_up_share:percent}).",
    "segments.withheld": lambda m: _withheld(m, "أحد الفروع", "بعض الفروع"),
    "segment.fastest": _FASTEST + ".",
    "segment.fastest_top_contributor": _FASTEST
    + " وقدّم أكبر مساهمة في النمو ({contribution:points}).",
    "segment.top_contributor": "جاءت أكبر مساهمة في النمو، {contribution:points}، "
    "من {segment:the}.",
    "segment.decline": _DECLINE + ".",
    "segment.decline_drag": _DECLINE + "، مما خفّض النمو الإجمالي بـ{drag:points_plain}.",
    "progress.sector_so_far": "وقد حقق القطاع ككل حتى الآن {progress:percent} "
    "من صادراته لسنة {year}.",
    "progress.segment_so_far": "وحقق {segment:the} حتى الآن {progress:percent} "
    "من صادراته لسنة {year}.",
    "progress.segment_behind": "ولم يحقق {segment:the} سوى {progress:percent} "
    "من صادراته لسنة {year}.",
    "partners": "أهم الأسواق: {partners:and}.",
    "partner.name": "{partner:country}",
    "partner.share": "{partner:country} ({share:percent})",
    "partner.share_of_exports": "{partner:country} ({share:percent} من الصادرات)",
    "partners.withheld": lambda m: _withheld(m, "إحدى الأسواق الشريكة", "بعض الأسواق الشريكة"),
    "target.reached_share": "في {latest_year}، آخر سنة كاملة، بلغت الصادرات "
    "{latest_level:money}، أي {percent:percent} من هدف {target:money} المحدد "
    "في أفق {target_year}.",
    "target.reached": "وقد تحقق الهدف بالفعل.",
    "target.required_growth": "ولبلوغه، ينبغي أن تنمو الصادرات بنسبة {rate:percent} "
    "سنوياً حتى {target_year}{pace}.",
    "pace.positive": "، مقابل {rate:percent} بين {start} و{end}",
    "pace.negative": "، مقابل تراجع بنسبة {rate:percent} بين {start} و{end}",
    "pace.average_positive": "، مقابل {rate:percent} سنوياً في المتوسط من {start} إلى {end}",
    "pace.average_negative": "، مقابل تراجع بنسبة {rate:percent} سنوياً في المتوسط "
    "من {start} إلى {end}",
    "target.on_track": "وبهذه الوتيرة سيتحقق الهدف: ستبلغ الصادرات {projected:money} "
    "في {target_year}.",
    "target.off_track": "وبهذه الوتيرة ستبلغ الصادرات {projected:money} في {target_year}، "
    "دون الهدف المحدد.",
    "target.jobs": "وبلغ عدد مناصب الشغل في القطاع {jobs:count} منصب سنة {year}، أي "
    "{share:percent} من هدف {target:count} منصب شغل في أفق {target_year}.",
    "column.period": "{period:short}",
    "column.share": "الحصة (%)",
    "column.growth": "التغير (%)",
    "column.contribution": "المساهمة (نقاط)",
    "column.progress": "الإنجاز مقارنة بـ{year} (%)",
    "table.legend": "{marks:list}.",
    "table.legend_confidential": "[c]: سري (السر الإحصائي)",
    "table.legend_missing": "[x]: غير متوفر",
    "section.sources": "المصادر",
    "section.definitions": "التعاريف",
    "section.classification": "التصنيف",
    "section.conversion": "التحويل إلى الدرهم",
    "section.break": "انقطاع السلسلة",
    "section.status": "وضعية الأرقام",
    "method.synthetic": "هذه النشرة عرض توضيحي: أرقامها محسوبة انطلاقاً من سجلات اصطناعية "
    "أنتجها marsad ومعايَرة على المجاميع التي نشرها مكتب الصرف ووزارة الانتقال الرقمي. "
    "وهي ليست إحصاءات رسمية.",
    "method.sources": "تستند الأرقام إلى تصريحات التسويات البنكية (مداخيل صادرات الخدمات "
    "بمفهوم الطبعة السادسة من دليل ميزان المدفوعات لصندوق النقد الدولي) التي يجمعها "
    "مكتب الصرف.",
    "method.target_source": "هدف {target_year}: «{source_ar}».",
    "method.definitions": "t: الفترة؛ t-1y: الفترة نفسها قبل سنة؛ TOTAL: مجموع الفروع.",
    "method.classification": "تُنسب كل عملية إلى فرع ({codes:and}) استناداً إلى سجل "
    "مقاولات القطاع؛ وإن تعذر ذلك فاستناداً إلى رمز خدمتها في تصنيف EBOPS 2010، عبر "
    "جدول تقابل يقترحه marsad (إذ لا يوجد جدول تقابل رسمي منشور)؛ وإن تعذر ذلك توضع "
    "قيد المراجعة، خارج مجموع القطاع، إلى حين تحديد فرعها. ومجموع القطاع هو حاصل جمع "
    "الفروع الخمسة.",
    "method.unallocated": "{period:in}، تعذرت نسبة {level:money}" + _UNALLOCATED,
    "method.unallocated_share": "{period:in}، تعذرت نسبة {level:money} "
    "({share:percent} من المجموع)" + _UNALLOCATED,
    "method.conversion": "تُحوَّل المبالغ المحصلة بالعملات الأجنبية إلى الدرهم بسعر الصرف "
    "المرجعي لتاريخ القيمة (وإلا فبآخر سعر سابق له)، وتُقرَّب إلى السنتيم. وتُحسب المجاميع "
    "على أساس المبالغ الدقيقة، أما الأرقام المعروضة فيُقرَّب كل منها على حدة، وقد لا يساوي "
    "مجموعها المجموع المعروض.",
    "method.break": _BREAK + _NOT_CHAINED,
    "method.break_old": _BREAK + " وقد بلغت السلسلة القديمة {old:money} سنة {year}." + _NOT_CHAINED,
    "method.break_both": _BREAK + " وقد بلغت السلسلة القديمة {old:money} سنة {year}، "
    "مقابل {new:money} في السلسلة الجديدة." + _NOT_CHAINED,
    "status.provisional": "أرقام هذه النشرة مؤقتة وقابلة للمراجعة.",
    "status.final": "أرقام هذه النشرة نهائية، ولا تُراجَع إلا لتصحيح خطأ.",
    "status.estimated": "بعض الأرقام تقديرية.",
    "status.confidential": "الخانات التي تحمل الرمز «[c]» مشمولة بالسر الإحصائي.",
    # the id (2025-06.synthetic.3fa9c2d1) isolated left to right (U+2066 ... U+2069):
    # without it the bidi algorithm printed "synthetic.3fa9c2d1.06-2025"
    "status.release": "{L[release]}{L[colon]} \u2066{release}\u2069.",
    "chart.segments.title": "الصادرات حسب الفروع، {period:label}",
    "chart.segments.title_vs": "الصادرات حسب الفروع، {period:label} و{previous:label}",
    "chart.segments.description": "رسم بالأعمدة، بمليارات الدراهم: {items:list}.",
    "chart.segments.description_vs": "رسم بالأعمدة المجمّعة، بمليارات الدراهم: {items:list}.",
    "chart.segments.item": "{code} {level:bn}",
    "chart.segments.item_vs": "{code} {level:bn} مقابل {previous:bn}",
    "chart.history.title": "الصادرات حسب {kind:noun} والفرع",
    "chart.history.description": "أعمدة مكدسة حسب الفروع؛ المجموع بمليارات الدراهم: {items:list}.",
    "chart.history.item": "{period:short} {level:bn}",
    "chart.target.title": "المسار نحو هدف {target_year}",
    "chart.target.description": "الصادرات السنوية حتى {latest_year} ({latest_level:money}) "
    "وهدف {target:money} في أفق {target_year}{required}{recent}.",
    "chart.target.required": "؛ المسار المطلوب: {rate:growth} سنوياً",
    "chart.target.recent": "؛ بالوتيرة الأخيرة ({rate:growth} سنوياً): "
    "{projected:money} في {target_year}",
    "chart.withheld": "القيم السرية (السر الإحصائي) غير معروضة.",
    "chart.history.withheld": "تظهر الفروع السرية (السر الإحصائي) مجتمعةً في الشريط الفاتح «سري»، "
    "وهو المجموع المنشور ناقص الفروع المنشورة: يبلغ كل عمود المجموع.",
}
