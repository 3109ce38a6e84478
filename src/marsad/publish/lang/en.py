"""English phrasebook of the bulletin: sentences built from the facts, labels of the layout."""

from __future__ import annotations

from decimal import Decimal

from babel import Locale

from marsad.indicators.registry import INDICATORS
from marsad.indicators.targets import REQUIRED_GROWTH_FORMULA, TargetStatus
from marsad.publish import fmt
from marsad.publish.facts import Cell, Facts
from marsad.publish.lang import Section, join_list
from marsad.reference import TOTAL, UNALLOCATED, segments

LANG = "en"
DIR = "ltr"
_L = LANG

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
    "col_share": "Share (%)",
    "col_growth": "Growth (%)",
    "col_contribution": "Contribution (points)",
    "col_progress": "Progress / {year} (%)",
    "table_note": "Amounts in millions of dirhams; shares and growth in percent; "
    "contributions to growth in percentage points.",
    "total": "Total",
    "unallocated": "Unallocated",
    "confidential_mark": "c",
    "missing_mark": "–",
    "marks_note": "c: confidential (statistical secrecy); –: not available.",
    "figure": "Chart",
    "source_line": "Source: Office des Changes (bank settlements); marsad calculations.",
    "source_line_synthetic": "Source: synthetic demonstration data; marsad calculations.",
    "release": "Data release",
    "axis_bn": "Billion dirhams",
    "legend_period": "Period",
    "legend_segment": "Segment",
    "legend_series": "Series",
    "series_actual": "Exports",
    "series_required": "Required path",
    "series_recent": "Recent pace",
    "series_target": "Target",
    "year": "Year",
    "colon": ":",
}

_KIND_NOUN = {"half": "half-year", "quarter": "quarter", "month": "month"}


def segment_name(code: str) -> str:
    """Full name of a segment (e.g. ``Engineering services outsourcing``)."""
    if code == UNALLOCATED:
        return LABELS["unallocated"]
    if code == TOTAL:
        return LABELS["total"]
    seg = segments().get(code)
    return seg.name(_L) if seg else code


def partner_name(code: str) -> str:
    """Country name in English (e.g. ``US`` -> ``United States``); the code when unknown."""
    return Locale.parse(fmt.LOCALES[_L]).territories.get(code, code)


class _Mentions:
    """Names a segment in full the first time, by its code afterwards."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, code: str) -> str:
        if code in self.seen or code == UNALLOCATED:
            return f"the {code} segment" if code != UNALLOCATED else "unallocated exports"
        self.seen.add(code)
        return f"the {code} segment ({_lower_first(segment_name(code))})"


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym (e.g. ``IT``)."""
    first = text.split(" ", 1)[0]
    return text if first.isupper() else text[:1].lower() + text[1:]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _shown(value: Decimal) -> Decimal:
    return fmt.round_half_up(value, 1)


def title(f: Facts) -> str:
    return f"{LABELS['sector']}: {fmt.period_label(f.period, _L)}"


def key_figures(f: Facts) -> list[tuple[str, str]]:
    out = [(f"Exports, {fmt.period_label(f.period, _L)}", fmt.money(f.total.level, _L))]
    if f.total.growth is not None:
        out.append((INDICATORS["growth_yoy"].label(_L), fmt.growth(f.total.growth, _L)))
    if f.target is not None:
        out.append(
            (
                f"{f.target.target_year} target reached in {f.target.latest_year}",
                fmt.percent(f.target.percent_reached, _L),
            )
        )
    return out


def headline(f: Facts) -> list[str]:
    sentence = (
        f"Exports of digital and outsourcing services reached "
        f"{fmt.money(f.total.level, _L)} {fmt.in_period(f.period, _L)}"
    )
    g = f.total.growth
    if g is not None:
        versus = f"on {fmt.to_period(f.previous_period, _L)}"
        if _shown(g) > 0:
            sentence += f", up {fmt.percent(g, _L)} {versus}"
        elif _shown(g) < 0:
            sentence += f", down {fmt.percent(-g, _L)} {versus}"
        else:
            sentence += f", unchanged {versus}"
    out = [sentence + "."]
    lead, second = f.leader, f.runner_up
    if lead is not None and lead.share is not None:
        text = f"{_cap(_Mentions()(lead.code))} accounted for {fmt.percent(lead.share, _L)}"
        if second is not None and second.share is not None:
            text += f", ahead of the {second.code} segment ({fmt.percent(second.share, _L)})"
        out.append(text + ".")
    return out


def movements(f: Facts) -> list[str]:
    name = _Mentions()
    out: list[str] = []
    fast, top = f.fastest, f.top_contributor
    if fast is not None and top is not None and fast.code == top.code:
        out.append(
            f"{_cap(name(fast.code))} grew fastest ({fmt.growth(fast.growth, _L)}, to "
            f"{fmt.money(fast.level, _L)}) and made the largest contribution to growth "
            f"({fmt.points(fast.contribution, _L)})."
        )
    else:
        if fast is not None:
            out.append(
                f"{_cap(name(fast.code))} grew fastest "
                f"({fmt.growth(fast.growth, _L)}, to {fmt.money(fast.level, _L)})."
            )
        if top is not None:
            out.append(
                f"The largest contribution to growth, {fmt.points(top.contribution, _L)}, "
                f"came from {name(top.code)}."
            )
    for c in f.declines:
        text = (
            f"{_cap(name(c.code))} fell by {fmt.percent(-c.growth, _L)}, "
            f"to {fmt.money(c.level, _L)}"
        )
        if c.contribution is not None and _shown(c.contribution) < 0:
            text += f", taking {fmt.points(-c.contribution, _L, signed=False)} off overall growth"
        out.append(text + ".")
    out.extend(_progress(f, name))
    if f.partners:
        items = []
        for i, p in enumerate(f.partners):
            country = partner_name(p.code)
            if p.share is None:
                items.append(country)
            else:
                tail = " of exports" if i == 0 else ""
                items.append(f"{country} ({fmt.percent(p.share, _L)}{tail})")
        out.append(f"Main markets: {join_list(items, 'and')}.")
    return out


def _progress(f: Facts, name: _Mentions) -> list[str]:
    if f.previous_year is None or f.pace is None:
        return []
    from_january = f.period[5:] in ("S1", "Q1", "01")
    noun = _KIND_NOUN[f.kind]
    year = f.previous_year
    out = []
    already = "already " if from_january else ""
    alone = "" if from_january else f" in a single {noun}"
    if f.total.progress is not None and (f.ahead_of_pace or f.behind_pace):
        done = fmt.percent(f.total.progress, _L)
        out.append(
            f"The sector as a whole has {already}achieved {done} of its {year} exports{alone}."
        )
    for c in f.ahead_of_pace:
        done = fmt.percent(c.progress, _L)
        out.append(
            f"{_cap(name(c.code))} has {already}achieved {done} of its {year} exports{alone}."
        )
    for c in f.behind_pace:
        done = fmt.percent(c.progress, _L)
        out.append(f"{_cap(name(c.code))} has achieved only {done} of its {year} exports.")
    return out


def _target_money(value: Decimal) -> str:
    whole = value % (Decimal(10) ** 9) == 0
    return fmt.money(value, _L, decimals=0 if whole else None)


def target(f: Facts) -> list[str]:
    t: TargetStatus | None = f.target
    if t is None:
        return []
    out = [
        f"In {t.latest_year}, the latest full year, exports reached "
        f"{fmt.money(t.latest_level, _L)}, {fmt.percent(t.percent_reached, _L)} of the "
        f"{t.target_year} target of {_target_money(t.target_level)}."
    ]
    if t.percent_reached >= 100:
        out.append("The target has already been reached.")
        return out
    if t.required_growth is None:
        return out
    years = f"{t.years_left} year" if t.years_left == 1 else f"{t.years_left} years"
    text = f"Reaching it requires growth of {fmt.percent(t.required_growth, _L)} a year for {years}"
    if t.recent_growth is not None:
        span = t.latest_year - t.recent_from
        rate = fmt.growth(t.recent_growth, _L)
        if span == 1:
            text += f", against {rate} from {t.recent_from} to {t.latest_year}"
        else:
            text += f", against an average of {rate} a year from {t.recent_from} to {t.latest_year}"
    out.append(text + ".")
    if t.projected_level is not None:
        projected = fmt.money(t.projected_level, _L)
        if t.on_track:
            out.append(
                f"At that pace the target would be met: exports would reach "
                f"{projected} in {t.target_year}."
            )
        else:
            share = t.projected_level * 100 / t.target_level
            out.append(
                f"At that pace, exports would reach {projected} in {t.target_year}, "
                f"{fmt.percent(share, _L)} of the target."
            )
    return out


def method(f: Facts) -> list[Section]:
    sources = [
        "The figures come from bank settlement reports (receipts for services exports, in "
        "the sense of the IMF Balance of Payments Manual, BPM6) compiled by the Office des "
        "Changes."
    ]
    if f.synthetic:
        sources.insert(
            0,
            "This bulletin is a demonstration: its figures are computed from synthetic "
            "records generated by marsad and calibrated to the aggregates published by the "
            "Office des Changes and the Ministry of Digital Transition. They are not official "
            "statistics.",
        )
    if f.target is not None:
        sources.append(f"{f.target.target_year} target: \u201c{f.target.source}\u201d.")
    definitions = tuple((d.label(_L), d.id, d.formula) for d in f.definitions)
    if f.target is not None:
        definitions += (("Annual growth still needed", "target", REQUIRED_GROWTH_FORMULA),)
    codes = join_list(list(segments()), "and")
    classification = [
        f"Each transaction is given a segment ({codes}) from the register of the sector's "
        "firms; failing that, from its EBOPS 2010 service code, through a concordance "
        "proposed by marsad (no official concordance is published); failing that, it is "
        "reported as unallocated, never dropped."
    ]
    if f.unallocated is not None:
        text = f"{_cap(fmt.in_period(f.period, _L))}, {fmt.money(f.unallocated.level, _L)}"
        if f.unallocated.share is not None:
            text += f" ({fmt.percent(f.unallocated.share, _L)} of the total)"
        classification.append(text + " could not be allocated to a segment.")
    sections = [
        Section("Sources", tuple(sources)),
        Section(
            "Definitions",
            ("t: period; t-1y: the same period a year earlier; TOTAL: all segments.",),
            definitions,
        ),
        Section("Classification", tuple(classification)),
        Section(
            "Conversion",
            (
                "Amounts received in foreign currency are converted to dirhams at the reference "
                "rate of the value date (failing that, the latest earlier rate) and rounded to "
                "the centime. Totals are computed on exact amounts; figures shown are rounded "
                "separately and may not add up to the total.",
            ),
        ),
    ]
    b = f.series_break
    if b is not None:
        old = fmt.money(b.old_level, _L, decimals=b.old_decimals)
        new = fmt.money(b.new_level, _L, decimals=b.new_decimals)
        text = (
            "These figures cover the new scope of digital and outsourcing services "
            f"(segments {codes}), wider than the former \u201coffshoring\u201d series. For "
            f"{b.year}, the old scope gave {old}, the new one {new}, "
            f"{fmt.percent(b.difference, _L)} more. The two series are not comparable and "
            "must not be chained."
        )
        sections.append(Section("Break in series", (text,)))
    status = []
    if f.provisional:
        status.append("The figures in this bulletin are provisional and may be revised.")
    if f.estimated:
        status.append("Some figures are estimates.")
    if f.has_confidential:
        status.append("Cells marked \u201cc\u201d are withheld under statistical secrecy.")
    if f.release:
        status.append(f"{LABELS['release']}: {f.release}.")
    if status:
        sections.append(Section("Status of the figures", tuple(status)))
    return sections


def _bn(value: Decimal) -> str:
    billions = value / 10**9
    return fmt.number(billions, _L, 3 if abs(billions) < Decimal("0.1") else 2)


def chart_segments(f: Facts, shown: list[Cell]) -> tuple[str, str]:
    now, before = fmt.period_label(f.period, _L), fmt.period_label(f.previous_period, _L)
    has_previous = any(c.previous is not None for c in shown)
    heading = f"Exports by segment, {now}" + (f" and {before}" if has_previous else "")
    parts = []
    for c in shown:
        text = f"{c.code} {_bn(c.level)}"
        if c.previous is not None:
            text += f" against {_bn(c.previous)}"
        parts.append(text)
    kind = "Grouped bar chart" if has_previous else "Bar chart"
    return heading, f"{kind}, billion dirhams: {'; '.join(parts)}."


def chart_history(kind: str, totals: list[tuple[str, Decimal]]) -> tuple[str, str]:
    noun = {"half": "half-year", "quarter": "quarter", "month": "month", "year": "year"}[kind]
    listed = "; ".join(f"{fmt.period_label(p, _L, short=True)} {_bn(v)}" for p, v in totals)
    return (
        f"Exports by {noun} and segment",
        f"Bars stacked by segment; total in billion dirhams: {listed}.",
    )


def chart_target(t: TargetStatus) -> tuple[str, str]:
    text = (
        f"Annual exports up to {t.latest_year} ({fmt.money(t.latest_level, _L)}) and the "
        f"target of {_target_money(t.target_level)} in {t.target_year}"
    )
    if t.required_growth is not None:
        text += f"; required path: {fmt.growth(t.required_growth, _L)} a year"
    if t.recent_growth is not None and t.projected_level is not None:
        text += (
            f"; at the recent pace ({fmt.growth(t.recent_growth, _L)} a year): "
            f"{fmt.money(t.projected_level, _L)} in {t.target_year}"
        )
    return f"Path to the {t.target_year} target", text + "."
