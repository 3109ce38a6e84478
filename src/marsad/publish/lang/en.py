"""English phrasebook of the bulletin: the wording of every message, the labels of the layout.

>>> from decimal import Decimal
>>> from marsad.publish.lang import say
>>> from marsad.publish.story import Message, Mention
>>> say(Message("segment.decline", segment=Mention("CRM", first=True), fall=Decimal("12.7"),
...             level=Decimal("4.19e9")), "en")
'The CRM segment (customer relationship management) fell by 12.7%, to 4.2 billion dirhams.'
"""

from __future__ import annotations

from marsad.publish.marks import MISSING, WITHHELD
from marsad.publish.story import Mention
from marsad.reference import UNALLOCATED, segments

LANG = "en"
DIR = "ltr"
AND = "and"
LIST_SEP = "; "

LABELS = {
    "sector": "Exports of digital and outsourcing services",
    "bulletin": "Statistical bulletin",
    "provisional": "Provisional figures",
    "synthetic": "Demonstration: synthetic data, not official statistics",
    "h_key": "Key figures",
    "h_segments": "Exports by segment",
    "h_movements": "Highlights",
    "h_target": "2030 target",
    "h_charts": "Charts",
    "h_method": "Methodological note",
    "col_segment": "Segment",
    "table_note": "Amounts in millions of dirhams; shares and growth in percent; "
    "contributions to growth in percentage points.",
    "table_note_levels": "Amounts in millions of dirhams; shares in percent.",
    "total": "Total",
    "unallocated": "Unallocated",
    "confidential_mark": WITHHELD,
    "missing_mark": MISSING,
    "figure": "Chart",
    "source_line": "Source: Office des Changes (bank settlements); marsad calculations.",
    "source_line_synthetic": "Source: synthetic demonstration data; marsad calculations.",
    "release": "Data release",
    "axis_bn": "Billion dirhams",
    "axis_mn": "Million dirhams",
    "legend_period": "Period",
    "legend_segment": "Segment",
    "legend_withheld": f"{WITHHELD} confidential",
    "legend_series": "Series",
    "series_actual": "Exports",
    "series_required": "Required path",
    "series_recent": "Recent pace",
    "series_target": "Target",
    "year": "Year",
    "colon": ":",
    "published": "Published",
    "next_release": "Next release",
    "contact": "Contact",
    "synthetic_badge": "Synthetic data",
}

_NOUN = {"half": "half-year", "quarter": "quarter", "month": "month", "year": "year"}


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym (e.g. ``IT``)."""
    first = text.split(" ", 1)[0]
    return text if first.isupper() else text[:1].lower() + text[1:]


def _the(m: Mention) -> str:
    """``the ESO segment (engineering services outsourcing)`` the first time,
    ``the ESO segment`` afterwards."""
    if m.code == UNALLOCATED:
        return "unallocated exports"
    if not m.first:
        return f"the {m.code} segment"
    seg = segments().get(m.code)
    name = seg.name(LANG) if seg else m.code
    return f"the {m.code} segment ({_lower_first(name)})"


FORMS = {
    "the": _the,
    "years": lambda n: f"{n} year" if n == 1 else f"{n} years",
    "noun": _NOUN.__getitem__,
}

_LEVEL = "Exports of digital and outsourcing services reached {total:money} {period:in}"
_FASTEST = "{segment:The} grew fastest ({growth:growth}, to {level:money})"
_DECLINE = "{segment:The} fell by {fall:percent}, to {level:money}"
_YTD = "From January to the end of {month:label}, exports totalled {total:money}"
_BREAK = (
    "These figures cover the new scope of digital and outsourcing services (segments "
    "{codes:and}), wider than the former \u201coffshoring\u201d series. The new series "
    "starts in {year}, with a break in series."
)
_NOT_CHAINED = " The two series are not comparable and are not chained."
_UNALLOCATED = " could not be allocated to a segment."


def _withheld(m, what: str) -> str:
    """``Figures for some segments are not published (statistical confidentiality).``"""
    whose = f"one {what} are" if m["one"] else f"some {what}s are"
    return f"Figures for {whose} not published (statistical confidentiality)."


WORDS = {
    "title": "{L[sector]}: {period:label}",
    "key.level": "Exports, {period:label}",
    "key.growth": "{indicator:indicator}",
    "key.target": "{target_year} target reached in {latest_year}",
    "headline.level": _LEVEL + ".",
    "headline.level_growth": _LEVEL + ", up {growth:percent} on {previous:to}.",
    "headline.level_fall": _LEVEL + ", down {fall:percent} on {previous:to}.",
    "headline.level_stable": _LEVEL + ", unchanged on {previous:to}.",
    "headline.ytd": _YTD + ".",
    "headline.ytd_growth": _YTD + ", up {growth:percent} on a year earlier.",
    "headline.ytd_fall": _YTD + ", down {fall:percent} on a year earlier.",
    "headline.ytd_stable": _YTD + ", unchanged on a year earlier.",
    "headline.leader": "{leader:The} accounted for {share:percent}.",
    "headline.leader_runner_up": "{leader:The} accounted for {share:percent}, "
    "ahead of {runner_up:the} ({runner_up_share:percent}).",
    "segments.withheld": lambda m: _withheld(m, "segment"),
    "segment.fastest": _FASTEST + ".",
    "segment.fastest_top_contributor": _FASTEST
    + " and made the largest contribution to growth ({contribution:points}).",
    "segment.top_contributor": "The largest contribution to growth, {contribution:points}, "
    "came from {segment:the}.",
    "segment.decline": _DECLINE + ".",
    "segment.decline_drag": _DECLINE + ", taking {drag:points_plain} off overall growth.",
    "progress.sector_so_far": "The sector as a whole has already achieved "
    "{progress:percent} of its {year} exports.",
    "progress.segment_so_far": "{segment:The} has already achieved {progress:percent} "
    "of its {year} exports.",
    "progress.segment_behind": "{segment:The} has achieved only {progress:percent} "
    "of its {year} exports.",
    "partners": "Main markets: {partners:and}.",
    "partner.name": "{partner:country}",
    "partner.share": "{partner:country} ({share:percent})",
    "partner.share_of_exports": "{partner:country} ({share:percent} of exports)",
    "partners.withheld": lambda m: _withheld(m, "partner market"),
    "target.reached_share": "In {latest_year}, the latest full year, exports reached "
    "{latest_level:money}, {percent:percent} of the {target_year} target of {target:money}.",
    "target.reached": "The target has already been reached.",
    "target.required_growth": "Reaching it requires growth of {rate:percent} a year "
    "until {target_year}{pace}.",
    "pace.positive": ", against {rate:percent} from {start} to {end}",
    "pace.negative": ", against a fall of {rate:percent} from {start} to {end}",
    "pace.average_positive": ", against an average of {rate:percent} a year from {start} to {end}",
    "pace.average_negative": ", against an average fall of {rate:percent} a year "
    "from {start} to {end}",
    "target.on_track": "At that pace the target would be met: exports would reach "
    "{projected:money} in {target_year}.",
    "target.off_track": "At that pace, exports would reach {projected:money} in "
    "{target_year}, short of the target.",
    "target.jobs": "The sector employed {jobs:count} people in {year}, "
    "{share:percent} of the target of {target:count} jobs set for {target_year}.",
    "column.period": "{period:short}",
    "column.share": "Share (%)",
    "column.growth": "Growth (%)",
    "column.contribution": "Contribution (points)",
    "column.progress": "Progress / {year} (%)",
    "table.legend": "{marks:list}.",
    "table.legend_confidential": "[c]: confidential (statistical confidentiality)",
    "table.legend_missing": "[x]: not available",
    "section.sources": "Sources",
    "section.definitions": "Definitions",
    "section.classification": "Classification",
    "section.conversion": "Conversion",
    "section.break": "Break in series",
    "section.status": "Status of the figures",
    "method.synthetic": "This bulletin is a demonstration: its figures are computed from "
    "synthetic records generated by marsad and calibrated to the aggregates published by "
    "the Office des Changes and the Ministry of Digital Transition. They are not official "
    "statistics.",
    "method.sources": "The figures come from bank settlement reports (receipts for "
    "services exports, in the sense of the sixth edition of the IMF Balance of Payments "
    "Manual) compiled by the Office des Changes.",
    "method.target_source": "{target_year} target: \u201c{source}\u201d.",
    "method.definitions": "t: period; t-1y: the same period a year earlier; TOTAL: all segments.",
    "method.classification": "Each transaction is given a segment ({codes:and}) from the "
    "register of the sector's firms; failing that, from its EBOPS 2010 service code, "
    "through a concordance proposed by marsad (no official concordance is published); "
    "failing that, it is held for review, outside the sector total, until its segment is "
    "established. The sector total is the sum of the five segments.",
    "method.unallocated": "{period:In}, {level:money}" + _UNALLOCATED,
    "method.unallocated_share": "{period:In}, {level:money} ({share:percent} of the total)"
    + _UNALLOCATED,
    "method.conversion": "Amounts received in foreign currency are converted to dirhams at "
    "the reference rate of the value date (failing that, the latest earlier rate) and "
    "rounded to the centime. Totals are computed on exact amounts; figures shown are "
    "rounded separately and may not add up to the total.",
    "method.break": _BREAK + _NOT_CHAINED,
    "method.break_old": _BREAK + " For {year}, the old series gave {old:money}." + _NOT_CHAINED,
    "method.break_both": _BREAK + " For {year}, the old series gave {old:money}, "
    "the new one {new:money}." + _NOT_CHAINED,
    "status.provisional": "The figures in this bulletin are provisional and may be revised.",
    "status.final": "The figures in this bulletin are final. They are revised only to "
    "correct an error.",
    "status.estimated": "Some figures are estimates.",
    "status.confidential": "Cells marked \u201c[c]\u201d are withheld under statistical secrecy.",
    "status.release": "{L[release]}{L[colon]} {release}.",
    "chart.segments.title": "Exports by segment, {period:label}",
    "chart.segments.title_vs": "Exports by segment, {period:label} and {previous:label}",
    "chart.segments.description": "Bar chart, billion dirhams: {items:list}.",
    "chart.segments.description_vs": "Grouped bar chart, billion dirhams: {items:list}.",
    "chart.segments.item": "{code} {level:bn}",
    "chart.segments.item_vs": "{code} {level:bn} against {previous:bn}",
    "chart.history.title": "Exports by {kind:noun} and segment",
    "chart.history.description": "Bars stacked by segment; total in billion dirhams: {items:list}.",
    "chart.history.item": "{period:short} {level:bn}",
    "chart.target.title": "Path to the {target_year} target",
    "chart.target.description": "Annual exports up to {latest_year} ({latest_level:money}) "
    "and the target of {target:money} in {target_year}{required}{recent}.",
    "chart.target.required": "; required path: {rate:growth} a year",
    "chart.target.recent": "; at the recent pace ({rate:growth} a year): "
    "{projected:money} in {target_year}",
    "chart.withheld": "Confidential values (statistical confidentiality) are not shown.",
    "chart.history.withheld": "The confidential segments (statistical confidentiality) are "
    "shown together as the light \u201cconfidential\u201d band, the published total less the "
    "published segments: each bar reaches the total.",
}
