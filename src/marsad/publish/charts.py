"""Charts of the bulletin, as self-contained inline SVG.

Each chart is built with Altair from the indicator table and rendered offline by
``vl_convert.vegalite_to_svg`` with a d3 number locale matching
:mod:`marsad.publish.fmt` (French: decimal comma, U+202F digit groups). Values
are in billions of MAD, rounded half up once for the axis.

- :func:`segments_chart`: exports by segment, the period against the same
  period a year earlier (grouped bars; last year's bars lighter);
- :func:`history_chart`: totals by half-year (or quarter, month, year), segments
  stacked;
- :func:`target_chart`: annual totals, the trajectory needed to reach the 2030
  target and where the recent pace leads.

A withheld value (``conf_status`` other than ``F``) is never plotted: the charts
read the public view of the table, leave the bar or point out, and say so in a
note (``chart.withheld``) added to the description and the caption.

Segment colours are the same in every chart (:data:`SEGMENT_COLOURS`, Okabe-Ito,
readable by colour-blind readers). The output is deterministic: the same table
gives the same SVG bytes. Every SVG carries a ``<title>`` and a ``<desc>`` that
states the figures, referenced by ``aria-labelledby``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from xml.sax.saxutils import escape

import altair as alt
import vl_convert as vlc
from babel.dates import get_month_names

from marsad.indicators.table import IndicatorTable
from marsad.indicators.targets import TargetStatus
from marsad.periods import Period
from marsad.publish import fmt
from marsad.publish.facts import Facts, gather
from marsad.publish.lang import phrasebook, say
from marsad.publish.story import Message
from marsad.publish.story import charts as words
from marsad.reference import TOTAL, UNALLOCATED, segments

SEGMENT_COLOURS: dict[str, str] = {
    "ITO": "#0072B2",
    "CRM": "#E69F00",
    "ESO": "#009E73",
    "BPO": "#CC79A7",
    "KPO": "#D55E00",
    UNALLOCATED: "#999999",
}
#: At most this many periods in the history chart.
HISTORY_LENGTH = 12
WIDTH = 620
HEIGHT = 280
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"

_FORMAT_LOCALES: dict[str, str | dict] = {
    "fr": {
        "decimal": ",",
        "thousands": fmt.NNBSP,
        "grouping": [3],
        "currency": ["", f"{fmt.NBSP}DH"],
        "percent": f"{fmt.NNBSP}%",
    },
    "en": "en-US",
    "ar": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " DH"]},
}
_TIME_LOCALES = {"fr": "fr-FR", "en": "en-US"}


@dataclass(frozen=True)
class Chart:
    """A rendered chart (e.g. name ``segments``, its title, text description and SVG)."""

    name: str
    title: str
    description: str
    svg: str
    #: Said when a withheld value is left out (e.g. "Confidential values … are not shown.").
    note: str = ""


def bulletin_charts(
    table: IndicatorTable, period: str | Period, lang: str = "fr", facts: Facts | None = None
) -> list[Chart]:
    """The charts of the bulletin of ``period`` that the data allow, in order.

    >>> [c.name for c in bulletin_charts(table, "2025-S1", "fr")]   # doctest: +SKIP
    ['segments', 'history', 'target']
    """
    table = table.public()
    f = facts if facts is not None else gather(table, period)
    charts = (
        segments_chart(table, period, lang, f),
        history_chart(table, period, lang, f),
        target_chart(table, period, lang, f),
    )
    return [c for c in charts if c is not None]


def segments_chart(
    table: IndicatorTable, period: str | Period, lang: str = "fr", facts: Facts | None = None
) -> Chart | None:
    """Exports by segment in ``period`` and a year earlier, grouped bars in bn MAD."""
    f = facts if facts is not None else gather(table, period)
    pb = phrasebook(lang)
    shown = [c for c in (*f.segments, f.unallocated) if c is not None and c.level is not None]
    if not shown:
        return None
    now = f.period.label(lang, short=True)
    before = f.previous_period.label(lang, short=True)
    rows = []
    for c in shown:
        if c.previous is not None:
            rows.append({"segment": c.code, "period": before, "bn": fmt.billions(c.previous, 3)})
        rows.append({"segment": c.code, "period": now, "bn": fmt.billions(c.level, 3)})
    periods = [p for p in (before, now) if any(r["period"] == p for r in rows)]
    codes = [c.code for c in shown]
    title, description = (say(m, lang) for m in words.chart_segments(f, shown))
    lines = [c for c in (*f.segments, f.unallocated) if c is not None]
    withheld = any(c.confidential or "previous" in c.withheld for c in lines)
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            x=alt.X("segment:N", sort=codes, title=None, axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("period:N", sort=periods),
            y=alt.Y("bn:Q", title=pb.LABELS["axis_bn"], axis=alt.Axis(format=",.0f")),
            color=alt.Color("segment:N", scale=_segment_scale(codes), legend=None),
            opacity=alt.Opacity(
                "period:N",
                sort=periods,
                scale=alt.Scale(domain=periods, range=[0.45, 1.0][-len(periods) :]),
                legend=alt.Legend(title=pb.LABELS["legend_period"], orient="top-right"),
            ),
        )
    )
    return _render(chart, "segments", title, description, lang, withheld=withheld)


def history_chart(
    table: IndicatorTable, period: str | Period, lang: str = "fr", facts: Facts | None = None
) -> Chart | None:
    """Totals by half-year (or the period's own kind) up to ``period``, segments stacked."""
    f = facts if facts is not None else gather(table, period)
    pb = phrasebook(lang)
    kind, last = f.kind, f.period
    if kind == "year" and table.periods("half"):
        kind, last = "half", f.period.children()[-1]
    periods = [p for p in map(Period.parse, table.periods(kind)) if p <= last][-HISTORY_LENGTH:]
    codes = [*segments(), UNALLOCATED]
    rows, totals, present = [], [], []
    withheld = False
    for p in periods:
        total = table.get("level", str(p), TOTAL)
        withheld |= any(table.withheld("level", str(p), code) for code in (TOTAL, *codes))
        if total is None:
            continue
        totals.append((p, total))
        label = p.label(lang, short=True)
        for order, code in enumerate(codes):
            value = table.get("level", str(p), code)
            if value is not None:
                rows.append(
                    {"period": label, "segment": code, "bn": fmt.billions(value, 3), "order": order}
                )
                if code not in present:
                    present.append(code)
    if len(totals) < 2 or not rows:
        return None
    present.sort(key=codes.index)
    title, description = (say(m, lang) for m in words.chart_history(kind, totals))
    labels = [p.label(lang, short=True) for p, _ in totals]
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            x=alt.X("period:O", sort=labels, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("bn:Q", stack="zero", title=pb.LABELS["axis_bn"], axis=alt.Axis(format=",.0f")),
            color=alt.Color(
                "segment:N",
                scale=_segment_scale(present),
                legend=alt.Legend(title=pb.LABELS["legend_segment"], orient="right"),
            ),
            order=alt.Order("order:Q", sort="ascending"),
        )
    )
    return _render(chart, "history", title, description, lang, withheld=withheld)


def target_chart(
    table: IndicatorTable, period: str | Period, lang: str = "fr", facts: Facts | None = None
) -> Chart | None:
    """Annual totals, the trajectory needed to reach the target and the recent pace."""
    f = facts if facts is not None else gather(table, period)
    t = f.target
    if t is None or t.required_growth is None:
        return None
    labels = phrasebook(lang).LABELS
    rows = _target_rows(table, t, labels)
    withheld = any(
        table.withheld("level", p, TOTAL) and Period.parse(p).year <= t.latest_year
        for p in table.periods("year")
    )
    series = [labels[k] for k in ("series_actual", "series_required", "series_recent")]
    series = [s for s in series if any(r["series"] == s for r in rows)]
    years = [str(y) for y in range(int(min(r["year"] for r in rows)), t.target_year + 1)]
    goal = {
        "year": str(t.target_year),
        "bn": fmt.billions(t.target_level, 3),
        "label": f"{labels['series_target']} {fmt.number(t.target_level / 10**9, lang)}",
    }
    title, description = (say(m, lang) for m in words.chart_target(t))
    x = alt.X(
        "year:O", sort=years, scale=alt.Scale(domain=years), title=None, axis=alt.Axis(labelAngle=0)
    )
    lines = (
        alt.Chart(alt.Data(values=rows))
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y(
                "bn:Q",
                title=labels["axis_bn"],
                scale=alt.Scale(zero=True),
                axis=alt.Axis(format=",.0f"),
            ),
            color=alt.Color(
                "series:N",
                sort=series,
                scale=alt.Scale(
                    domain=series, range=["#0072B2", "#D55E00", "#777777"][: len(series)]
                ),
                legend=alt.Legend(title=None, orient="top-left"),
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                sort=series,
                scale=alt.Scale(domain=series, range=[[1, 0], [6, 4], [2, 3]][: len(series)]),
                legend=None,
            ),
        )
    )
    base = alt.Chart(alt.Data(values=[goal])).encode(x=x, y="bn:Q")
    target = base.mark_point(
        shape="diamond", size=120, filled=True, color="#000000"
    ) + base.mark_text(dy=-14, color="#000000").encode(text="label:N")
    return _render(lines + target, "target", title, description, lang, withheld=withheld)


def _target_rows(table: IndicatorTable, t: TargetStatus, labels: dict[str, str]) -> list[dict]:
    """Annual totals up to the latest full year, then the required and recent paths."""
    rows = []
    for p in table.periods("year"):
        value = table.get("level", p, TOTAL)
        if value is not None and Period.parse(p).year <= t.latest_year:
            rows.append(
                {"year": p, "bn": fmt.billions(value, 3), "series": labels["series_actual"]}
            )
    for name, rate in (
        (labels["series_required"], t.required_growth),
        (labels["series_recent"], t.recent_growth),
    ):
        if rate is None:
            continue
        factor = 1 + rate / 100
        for k in range(t.years_left + 1):
            level = t.latest_level * factor**k
            rows.append(
                {"year": str(t.latest_year + k), "bn": fmt.billions(level, 3), "series": name}
            )
    return rows


def _segment_scale(codes: list[str]) -> alt.Scale:
    return alt.Scale(domain=codes, range=[SEGMENT_COLOURS.get(c, "#999999") for c in codes])


def _render(
    chart, name: str, title: str, description: str, lang: str, *, withheld: bool = False
) -> Chart:
    note = say(Message("chart.withheld"), lang) if withheld else ""
    description = f"{description} {note}" if note else description
    spec = (
        chart.properties(width=WIDTH, height=HEIGHT, title=alt.Title(title, anchor="start"))
        .configure(font=FONT)
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=12, titleFontSize=12, grid=True, gridColor="#e6e6e6")
        .configure_legend(labelFontSize=12, titleFontSize=12)
        .configure_title(fontSize=15)
        .to_dict()
    )
    svg = vlc.vegalite_to_svg(
        spec, format_locale=_FORMAT_LOCALES[lang], time_format_locale=_time_locale(lang)
    )
    return Chart(name, title, description, _accessible(svg, name, title, description), note)


@functools.cache
def _time_locale(lang: str) -> str | dict:
    if lang in _TIME_LOCALES:
        return _TIME_LOCALES[lang]
    base = dict(vlc.get_time_format_locale("ar-EG"))
    base["months"] = list(get_month_names("wide", locale=fmt.LOCALES[lang]).values())
    base["shortMonths"] = list(get_month_names("abbreviated", locale=fmt.LOCALES[lang]).values())
    return base


def _accessible(svg: str, name: str, title: str, description: str) -> str:
    """Give the SVG an image role, a ``<title>`` and a ``<desc>`` (ids ``chart-NAME-…``)."""
    ident = f"chart-{name}"
    head, sep, rest = svg.partition(">")
    if not head.startswith("<svg") or not sep:
        raise ValueError("vl-convert returned something other than an SVG document")
    head = head.replace(
        "<svg ", f'<svg role="img" aria-labelledby="{ident}-title {ident}-desc" ', 1
    )
    return (
        f'{head}><title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>{rest}'
    )
