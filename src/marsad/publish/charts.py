"""Charts of the bulletin, as self-contained inline SVG.

Each chart is built with Altair from the indicator table and rendered offline by
``vl_convert.vegalite_to_svg`` with a d3 number locale matching
:mod:`marsad.publish.fmt` (French: decimal comma, U+202F digit groups).

- :func:`segments_chart`: exports by segment, the period against the same
  period a year earlier (grouped bars, one colour per period: last year's lighter);
- :func:`history_chart`: totals by half-year (or quarter, month, year), segments
  stacked; complete periods only, none ending after the bulletin's period;
- :func:`target_chart`: annual totals, the trajectory needed to reach the 2030
  target and where the recent pace leads.

The value axis follows the size of the data (:mod:`marsad.publish.axes`): billions
or millions of dirhams, round ticks with the decimals they need, its title saying
the unit. Legends show what the marks show, in the same colours and order (the
history legend lists segments top to bottom as they are stacked); a withheld value
(``conf_status`` other than ``F``) is never plotted: the charts read the public view
of the table, leave the bar or point out of the marks and the legend, and say so in a
note (``chart.withheld``) added to the description and the caption. In the history
chart the withheld segments of a period, when two or more, stand together as one band
(``[c] confidentiel``: the published total less the published segments, which anyone
can compute from the table), so that the stack reaches the total
(:func:`_withheld_rest`; ``chart.history.withheld`` says so).

In a right-to-left language (the phrasebook's ``DIR == "rtl"``: Arabic) the charts
are mirrored: time runs from right to left, the value axis and the title stand on
the right, the legend on the left. A chart of a synthetic build says so in a
subtitle and in its ``<desc>``.

Segment colours are the same in every chart that colours segments
(:data:`SEGMENT_COLOURS`, Okabe-Ito, readable by colour-blind readers). The output
is deterministic: the same table gives the same SVG bytes. Every SVG carries a
``<title>`` and a ``<desc>`` that states the figures, referenced by ``aria-labelledby``.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

import altair as alt
import vl_convert as vlc
from babel.dates import get_month_names

from marsad.indicators.table import IndicatorTable
from marsad.periods import Period
from marsad.publish import fmt
from marsad.publish.axes import ValueAxis, value_axis
from marsad.publish.facts import Facts, gather
from marsad.publish.figures import Tracker
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
#: The history chart's band of the withheld segments taken together: a light grey,
#: outlined in dashes (no segment is drawn so), named "[c] confidentiel" in the legend.
WITHHELD_FILL = "#e8e8e8"
WITHHELD_STROKE = "#555555"
#: At most this many periods in the history chart.
HISTORY_LENGTH = 12
WIDTH = 620
#: Category labels shown upright at most this many; more are slanted (months of a year).
UPRIGHT_LABELS = 6
#: Extra room (px) between the value axis and its title, and at the right edge, in RTL charts.
RTL_TITLE_PADDING = 10
RTL_EDGE = 12
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


#: Colours of the segments chart's bars: the same period a year earlier, then the period.
PERIOD_COLOURS = ("#9cc3e0", "#0b4f6c")
#: Colours and dashes of the target chart's lines: actual, required path, recent pace.
SERIES_COLOURS = ("#0072B2", "#D55E00", "#777777")
SERIES_DASHES = ([1, 0], [6, 4], [2, 3])


@dataclass(frozen=True)
class _Look:
    """What every chart of one bulletin shares: language, direction, labels, synthetic."""

    lang: str
    labels: dict[str, str]
    rtl: bool
    synthetic: bool

    @classmethod
    def of(cls, lang: str, facts: Facts) -> _Look:
        pb = phrasebook(lang)
        return cls(lang, pb.LABELS, pb.DIR == "rtl", bool(facts.synthetic))

    def side(self, ltr: str) -> str:
        """A position mirrored in right-to-left (``left`` <-> ``right``, ``top-right`` …)."""
        if not self.rtl:
            return ltr
        swap = {"left": "right", "right": "left"}
        return "-".join(swap.get(part, part) for part in ltr.split("-"))

    def y(self, axis: ValueAxis, field: str = "value", **kwargs) -> alt.Y:
        """The value axis: ticks and unit from the data, on the right in right-to-left."""
        return alt.Y(
            f"{field}:Q",
            title=self.labels[axis.title_key],
            scale=alt.Scale(domain=axis.domain, nice=False, zero=True),
            axis=alt.Axis(
                values=axis.values,
                format=axis.format,
                orient=self.side("left"),
                # Arabic glyphs print wider than Vega measures them: room for the title
                titlePadding=RTL_TITLE_PADDING if self.rtl else alt.Undefined,
            ),
            **kwargs,
        )


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
    """Exports by segment in ``period`` and a year earlier, grouped bars, one colour per
    period (the legend shows the periods that have a bar, in their colours)."""
    f = facts if facts is not None else gather(table, period)
    look = _Look.of(lang, f)
    shown = [c for c in (*f.segments, f.unallocated) if c is not None and c.level is not None]
    if not shown:
        return None
    now, before = _short(f.period, lang), _short(f.previous_period, lang)
    raw = []
    for c in shown:
        if c.previous is not None:
            raw.append((c.code, before, c.previous))
        raw.append((c.code, now, c.level))
    axis = value_axis(v for _, _, v in raw)
    rows = [{"segment": s, "period": p, "value": axis.scaled(v)} for s, p, v in raw]
    periods = [p for p in (before, now) if any(r["period"] == p for r in rows)]
    colours = list(PERIOD_COLOURS[-len(periods) :])
    codes = [c.code for c in shown]
    title, description = (say(m, lang) for m in words.chart_segments(f, shown))
    lines = [c for c in (*f.segments, f.unallocated) if c is not None]
    withheld = any(c.confidential or "previous" in c.withheld for c in lines)
    legend = alt.Legend(title=look.labels["legend_period"], orient=look.side("top-right"))
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            x=alt.X(
                "segment:N",
                sort=codes,
                title=None,
                scale=alt.Scale(reverse=look.rtl),
                axis=alt.Axis(labelAngle=0),
            ),
            xOffset=alt.XOffset("period:N", sort=periods, scale=alt.Scale(reverse=look.rtl)),
            y=look.y(axis),
            color=alt.Color(
                "period:N",
                sort=periods,
                scale=alt.Scale(domain=periods, range=colours),
                legend=_square(legend),
            ),
        )
    )
    return _render(chart, "segments", title, description, look, withheld=withheld)


def history_chart(
    table: IndicatorTable, period: str | Period, lang: str = "fr", facts: Facts | None = None
) -> Chart | None:
    """Totals by half-year (or the period's own kind) up to ``period``, segments stacked.

    Only periods that end by the end of ``period`` are drawn: the table holds complete
    periods only, and none drawn can be cut short by the bulletin's own period (a year
    to date is not drawn beside whole years)."""
    f = facts if facts is not None else gather(table, period)
    look = _Look.of(lang, f)
    kind, last = _history_kind(table, f)
    periods = [p for p in map(Period.parse, table.periods(kind)) if _ends_by(p, last)][
        -HISTORY_LENGTH:
    ]
    codes = [*segments(), UNALLOCATED]
    totals = [(p, t) for p in periods if (t := table.get("level", str(p), TOTAL)) is not None]
    raw = [
        (p, code, order, v)
        for p, _ in totals
        for order, code in enumerate(codes)
        if (v := table.get("level", str(p), code)) is not None
    ]
    if len(totals) < 2 or not raw:
        return None
    band = look.labels["legend_withheld"]
    rests = _withheld_rest(table, totals, codes)
    raw += [(p, band, -1, v) for p, v in rests.items()]  # order -1: on top of the stack
    withheld = any(
        table.withheld("level", str(p), code)
        for p in periods
        for code in (TOTAL, *codes)
        if p not in rests or code == TOTAL
    )
    stacks = {p: sum(v for q, _, _, v in raw if q == p) for p, _ in totals}
    axis = value_axis([*(t for _, t in totals), *stacks.values()])
    rows = [
        {"period": _short(p, lang), "segment": c, "order": o, "value": axis.scaled(v)}
        for p, c, o, v in raw
    ]
    present = [c for c in (band, *codes) if any(r["segment"] == c for r in rows)]
    title, description = (say(m, lang) for m in words.chart_history(kind, totals))
    labels = [_short(p, lang) for p, _ in totals]
    # a dozen months side by side ran together ("juin 2024juil. 2024"): slanted beyond six
    angle = 0 if len(labels) <= UPRIGHT_LABELS else -45
    legend = alt.Legend(title=look.labels["legend_segment"], orient=look.side("right"))
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            x=alt.X(
                "period:O",
                sort=labels,
                title=None,
                scale=alt.Scale(reverse=look.rtl),
                axis=alt.Axis(labelAngle=angle),
            ),
            y=look.y(axis, stack="zero"),
            # the first segment on top of the stack, as it is first in the legend
            color=alt.Color(
                "segment:N", sort=present, scale=_segment_scale(present), legend=_square(legend)
            ),
            order=alt.Order("order:Q", sort="descending"),
            # the withheld band outlined in dashes: told from a segment without its colour
            stroke=alt.condition(
                alt.datum.segment == band, alt.value(WITHHELD_STROKE), alt.value(None)
            ),
            strokeDash=alt.condition(
                alt.datum.segment == band, alt.value([3, 2]), alt.value([1, 0])
            ),
        )
    )
    notes = ("chart.history.withheld",) if rests else ()
    return _render(chart, "history", title, description, look, withheld=withheld, notes=notes)


def _withheld_rest(
    table: IndicatorTable, totals: list[tuple[Period, Decimal]], codes: list[str]
) -> dict[Period, Decimal]:
    """The withheld segments of each period taken together, as one band of the history
    chart, so that the stack reaches the published total: the total less the published
    segments (e.g. ``{S1 2025: Decimal("52000000.00")}``).

    It shows nothing the table does not: the total and the segments are published to
    the centime, and the total is the sum of the segments stacked, so anyone computes
    this difference from the CSV. It is drawn only where at least two segments are
    withheld (it is then their sum, not any one of them) and the total is published.
    Where one alone is withheld beside a published total, the difference *is* that
    segment: secondary confidentiality never leaves that (the relation total = sum of
    the segments is in the protected table, and ``marsad sdc audit`` and ``release
    create`` refuse a cell it pins down), but should a table hold it, the chart does
    not draw the band there and says only that confidential values are not shown.

    >>> from marsad.indicators.table import IndicatorTable, Observation
    >>> def obs(code, value, conf="F"):
    ...     return Observation("level", "exports", "2025-S1", code, "_T", "_T",
    ...                        None if conf != "F" else Decimal(value), "MAD", "P", conf)
    >>> t = IndicatorTable([obs("TOTAL", "100"), obs("ITO", "70"), obs("CRM", "", "A"),
    ...                     obs("KPO", "", "D")])
    >>> p = Period.parse("2025-S1")
    >>> _withheld_rest(t, [(p, Decimal(100))], ["ITO", "CRM", "KPO"])
    {Period(kind='half', year=2025, index=1): Decimal('30')}
    >>> _withheld_rest(t, [(p, Decimal(100))], ["ITO", "CRM"])  # CRM alone: not drawn
    {}
    """
    found = {}
    for p, total in totals:
        hidden = [c for c in codes if table.withheld("level", str(p), c)]
        if len(hidden) < 2:
            continue
        shown = (table.get("level", str(p), c) for c in codes if c not in hidden)
        rest = total - sum((v for v in shown if v is not None), Decimal(0))
        if rest > 0:
            found[p] = rest
    return found


def _history_kind(table: IndicatorTable, f: Facts) -> tuple[str, Period]:
    """The kind of period the history draws and the last one it may draw: halves for
    a year when the table has them (ending with the year's second half)."""
    if f.kind == "year" and table.periods("half"):
        return "half", f.period.children()[-1]
    return f.kind, f.period


def _ends_by(p: Period, last: Period) -> bool:
    """``p`` ends no later than ``last`` (2025 does not end by 2025-05; 2024-S2 does)."""
    return (p.year, p.last_month) <= (last.year, last.last_month)


def target_chart(
    table: IndicatorTable, period: str | Period, lang: str = "fr", facts: Facts | None = None
) -> Chart | None:
    """Annual totals, the trajectory needed to reach the target and the recent pace."""
    f = facts if facts is not None else gather(table, period)
    t = f.tracker  # the rows the text states: the chart draws the same figures
    if t is None or t.required is None:
        return None
    look = _Look.of(lang, f)
    labels = look.labels
    raw = _target_rows(table, t, labels)
    axis = value_axis([*(v for _, v, _ in raw), t.target])
    rows = [{"year": y, "value": axis.scaled(v), "series": s} for y, v, s in raw]
    withheld = any(
        table.withheld("level", p, TOTAL) and Period.parse(p).year <= t.year
        for p in table.periods("year")
    )
    names = [labels[k] for k in ("series_actual", "series_required", "series_recent")]
    kept = [i for i, s in enumerate(names) if any(r["series"] == s for r in rows)]
    series = [names[i] for i in kept]
    years = [str(y) for y in range(int(min(r["year"] for r in rows)), t.target_year + 1)]
    target = fmt.shifted(Decimal(t.target), axis.divisor.adjusted())  # exact, never rounded
    goal = {
        "year": str(t.target_year),
        "value": axis.scaled(t.target),
        "label": f"{labels['series_target']} {fmt.number(target, lang)}",
    }
    title, description = (say(m, lang) for m in words.chart_target(t))
    x = alt.X(
        "year:O",
        sort=years,
        scale=alt.Scale(domain=years, reverse=look.rtl),
        title=None,
        axis=alt.Axis(labelAngle=0),
    )
    # colour and dash share one legend, which draws each line as it is drawn
    legend = alt.Legend(title=None, orient=look.side("top-left"), symbolType="stroke")
    lines = (
        alt.Chart(alt.Data(values=rows))
        .mark_line(point=True)
        .encode(
            x=x,
            y=look.y(axis),
            color=alt.Color(
                "series:N",
                sort=series,
                scale=alt.Scale(domain=series, range=[SERIES_COLOURS[i] for i in kept]),
                legend=legend,
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                sort=series,
                scale=alt.Scale(domain=series, range=[SERIES_DASHES[i] for i in kept]),
                legend=legend,
            ),
        )
    )
    base = alt.Chart(alt.Data(values=[goal])).encode(x=x, y="value:Q")
    target = base.mark_point(
        shape="diamond", size=120, filled=True, color="#000000"
    ) + base.mark_text(dy=-14, color="#000000").encode(text="label:N")
    return _render(lines + target, "target", title, description, look, withheld=withheld)


def _target_rows(
    table: IndicatorTable, t: Tracker, labels: dict[str, str]
) -> list[tuple[str, Decimal, str]]:
    """Annual totals up to the latest full year, then the required and recent paths
    (year, level in MAD, series)."""
    rows = []
    for p in table.periods("year"):
        value = table.get("level", p, TOTAL)
        if value is not None and Period.parse(p).year <= t.year:
            rows.append((p, value, labels["series_actual"]))
    paths = ((labels["series_required"], t.required), (labels["series_recent"], t.recent))
    for name, rate in paths:
        if rate is None:
            continue
        factor = 1 + Decimal(rate) / 100
        for k in range(t.target_year - t.year + 1):
            rows.append((str(t.year + k), Decimal(t.level) * factor**k, name))
    return rows


def _short(p: Period, lang: str) -> str:
    """A period as an axis or legend label (``S1 2025``, ``juin 2025``, ``janv. 2025``)."""
    return p.label(lang, short=True)


def _square(legend: alt.Legend) -> alt.Legend:
    """A legend of bars: square symbols, filled like the bars."""
    legend["symbolType"] = "square"
    return legend


def _segment_scale(codes: list[str]) -> alt.Scale:
    """Each segment's colour; any other entry (the withheld band) :data:`WITHHELD_FILL`."""
    return alt.Scale(domain=codes, range=[SEGMENT_COLOURS.get(c, WITHHELD_FILL) for c in codes])


def _render(
    chart,
    name: str,
    title: str,
    description: str,
    look: _Look,
    *,
    withheld: bool = False,
    notes: tuple[str, ...] = (),
) -> Chart:
    """The chart as SVG, its note said in the description and the caption: ``notes``
    (message ids), then ``chart.withheld`` when a withheld value is left out."""
    keys = [*notes, *(["chart.withheld"] if withheld else [])]
    note = " ".join(say(Message(k), look.lang) for k in keys)
    description = f"{description} {note}" if note else description
    heading = alt.Title(title, anchor="end" if look.rtl else "start")
    if look.synthetic:  # said on the chart itself, which may travel without the bulletin
        heading = alt.Title(
            title,
            subtitle=look.labels["synthetic"],
            subtitleColor="#b35c00",
            anchor="end" if look.rtl else "start",
        )
        description = f"{description} {look.labels['synthetic']}."
    spec = (
        chart.properties(
            width=WIDTH,
            height=HEIGHT,
            title=heading,
            padding={"left": 5, "top": 5, "bottom": 5, "right": 5 + RTL_EDGE * look.rtl},
        )
        .configure(font=FONT, aria=False)  # see :func:`_accessible`
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=12, titleFontSize=12, grid=True, gridColor="#e6e6e6")
        .configure_legend(labelFontSize=12, titleFontSize=12)
        .configure_title(fontSize=15)
        .to_dict()
    )
    svg = _svg(json.dumps(spec, sort_keys=True), look.lang)
    return Chart(name, title, description, _accessible(svg, name, title, description), note)


@functools.lru_cache(maxsize=64)
def _svg(spec: str, lang: str) -> str:
    """The SVG of a Vega-Lite spec (JSON); the same chart is drawn once for the HTML, the
    Markdown and the PDF bulletins of a run."""
    return vlc.vegalite_to_svg(
        json.loads(spec), format_locale=_FORMAT_LOCALES[lang], time_format_locale=_time_locale(lang)
    )


@functools.cache
def _time_locale(lang: str) -> str | dict:
    if lang in _TIME_LOCALES:
        return _TIME_LOCALES[lang]
    base = dict(vlc.get_time_format_locale("ar-EG"))
    base["months"] = list(get_month_names("wide", locale=fmt.LOCALES[lang]).values())
    base["shortMonths"] = list(get_month_names("abbreviated", locale=fmt.LOCALES[lang]).values())
    return base


#: What Vega writes on its marks and guides for assistive technology (English, whatever
#: the chart's language): taken out of the chart, which speaks through its own title and
#: description (:func:`_accessible`).
_VEGA_ARIA = re.compile(r'\s(?:role|aria-roledescription|aria-label)="[^"]*"')


def _accessible(svg: str, name: str, title: str, description: str) -> str:
    """Give the SVG an image role, a ``<title>`` and a ``<desc>`` (ids ``chart-NAME-…``),
    and take Vega's own accessible text off its marks and guides.

    Why not localise that text instead: Vega writes it in English, in words of its own
    that no option translates (``aria-roledescription="bar"``, ``"group mark
    container"``, ``"X-axis titled …"``), and a label per mark (``year: 2024; Milliards
    de dirhams: 26; series: …``) would give a screen reader forty items of bare,
    rounded numbers for one chart. The chart is one image instead, named by its title
    and described by its ``<desc>`` (``aria-labelledby``), both in the bulletin's
    language and direction, and the description states the figures formatted as the
    text formats them (``ESO 2,58 contre 1,80``; the history chart its totals, whose
    segments the table by segment gives); an image's children are presentational, so
    the marks are left with no role or label (``config.aria = false`` stops most; the
    rest, the root group and the title, are taken off here).

    >>> svg = '<svg x="1"><g role="graphics-symbol" aria-roledescription="bar"/></svg>'
    >>> _accessible(svg, "a", "T", "D")
    '<svg role="img" aria-labelledby="chart-a-title chart-a-desc" direction="ltr" x="1"><title \
id="chart-a-title">T</title><desc id="chart-a-desc">D</desc><g/></svg>'
    """
    ident = f"chart-{name}"
    head, sep, rest = svg.partition(">")
    if not head.startswith("<svg") or not sep:
        raise ValueError("vl-convert returned something other than an SVG document")
    rest = _VEGA_ARIA.sub("", rest)
    # direction="ltr": Vega places every text for a left-to-right root; inline in an
    # Arabic page the SVG inherited dir="rtl", which flips each text's anchor, and the
    # titles, the synthetic-data warning and the legends were drawn off the chart (the
    # Arabic runs themselves are still laid out right to left, as in the .svg files)
    head = head.replace(
        "<svg ",
        f'<svg role="img" aria-labelledby="{ident}-title {ident}-desc" direction="ltr" ',
        1,
    )
    return (
        f'{head}><title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>{rest}'
    )
