"""The dashboard's charts: small SVG drawn on the server, numbers in the reader's language.

No script and no external asset: a chart is a piece of markup in the page. In Arabic a
chart is mirrored (time runs from right to left, the value axis stands on the right,
bars grow leftwards), as the bulletin's charts are.

>>> from decimal import Decimal
>>> svg = line_chart([("Total", [("2024-Q1", Decimal("6.5e9")), ("2024-Q2", None)])],
...                  "MAD", "fr")
>>> svg.startswith("<svg") and "milliards de dirhams" in svg and "1er trim." not in svg
True
"""

from __future__ import annotations

import math
from decimal import Decimal
from html import escape

from marsad.publish import fmt
from marsad.publish.axes import nice_step, value_axis
from marsad.publish.marks import WITHHELD

WIDTH, HEIGHT = 640, 300
#: The bar chart is drawn narrower, so that on a phone it is shown at about its own size
#: (its text stays readable) and never enlarged past it on a wide screen.
BARS_WIDTH = 400
_LEFT, _RIGHT, _TOP, _BOTTOM = 76, 16, 34, 48
#: The largest size chart text is drawn at (on a phone, see ``marsad.css``), and the width
#: of one character at most, in ems: a period label centred on the last point is kept
#: inside the chart by a margin of half its width at that size.
LARGEST_TEXT, CHAR_EM = 22, 0.6
# Text is placed in ems (``dy``) so that it keeps clear of the axes at any font size.
#: Colours of the series, in order (colour-blind safe, Okabe-Ito).
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
_AXIS_TITLE = {
    "bn": {"fr": "milliards de dirhams", "en": "billions of dirhams", "ar": "مليار درهم"},
    "mn": {"fr": "millions de dirhams", "en": "millions of dirhams", "ar": "مليون درهم"},
    "percent": {"fr": "%", "en": "%", "ar": "%"},
    "percentage_points": {"fr": "points", "en": "pp", "ar": "نقطة"},
    "jobs": {"fr": "emplois", "en": "jobs", "ar": "منصب شغل"},
}

Series = tuple[str, list[tuple[str, Decimal | None]]]
#: The punctuation of a point's tooltip (``name, period : value``) in each language: the
#: Arabic comma, and French's no-break space before a colon.
_TIP = {"fr": (", ", "\u00a0: "), "en": (", ", ": "), "ar": ("\u060c ", ": ")}


def _axis(values: list[Decimal], unit: str) -> tuple[list[Decimal], Decimal, int, str]:
    """Ticks, divisor, decimals and title key of the value axis of ``values``."""
    if unit == "MAD":
        a = value_axis(values or [Decimal(0)])
        return list(a.ticks), a.divisor, a.decimals, a.unit
    low, high = min([Decimal(0), *values]), max([Decimal(0), *values])
    step = nice_step(high - low)
    first, last = math.floor(low / step) * step, math.ceil(high / step) * step
    if last == first:
        last = first + step
    ticks = [first + k * step for k in range(int((last - first) / step) + 1)]
    return ticks, Decimal(1), max(0, -step.normalize().as_tuple().exponent), unit


class _Frame:
    """Coordinates of a chart's plot area, mirrored when ``rtl``."""

    def __init__(self, ticks: list[Decimal], count: int, rtl: bool, end: float = 0) -> None:
        self.low, self.high = float(ticks[0]), float(ticks[-1])
        self.count, self.rtl = max(count, 1), rtl
        end = max(_RIGHT + 8, math.ceil(end))  # the margin on the side time runs to
        self.x0, self.x1 = (end, WIDTH - _LEFT) if rtl else (_LEFT, WIDTH - end)

    def x(self, i: int) -> float:
        step = (self.x1 - self.x0) / max(self.count - 1, 1)
        offset = i * step if self.count > 1 else (self.x1 - self.x0) / 2
        return round(self.x1 - offset if self.rtl else self.x0 + offset, 1)

    def y(self, v: float) -> float:
        span = (self.high - self.low) or 1.0
        return round(HEIGHT - _BOTTOM - (v - self.low) / span * (HEIGHT - _TOP - _BOTTOM), 1)


def _open(title: str, lang: str, height: int = HEIGHT, kind: str = "line",
          width: int = WIDTH) -> str:  # fmt: skip
    rtl = ' direction="rtl"' if lang == "ar" else ""
    return (f'<svg viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{escape(title)}" class="chart {kind}"{rtl}>'
            f"<title>{escape(title)}</title>")  # fmt: skip


def _value_axis(frame: _Frame, ticks: list[Decimal], decimals: int, key: str, lang: str) -> list:
    # Anchors follow the text's direction (the svg's ``direction``): "end" is the
    # side facing the plot in both languages, "start" the outer edge.
    side, anchor = (frame.x1 + 6, "end") if frame.rtl else (frame.x0 - 6, "end")
    parts = []
    for t in ticks:
        y = frame.y(float(t))
        parts.append(f'<line x1="{frame.x0}" x2="{frame.x1}" y1="{y}" y2="{y}" class="grid"/>')
        label = fmt.number(t, lang, decimals)
        parts.append(f'<text x="{side}" y="{y}" dy="0.35em" text-anchor="{anchor}">{label}</text>')
    title = _AXIS_TITLE.get(key, {}).get(lang, key)
    tx = frame.x1 if frame.rtl else frame.x0
    parts.append(f'<text x="{tx}" y="16" text-anchor="start" '
                 f'class="axis-title">{escape(title)}</text>')  # fmt: skip
    return parts


def _time_axis(frame: _Frame, periods: list[str], lang: str) -> list:
    """At most eight period labels; every other one is ``minor`` (hidden on a phone,
    where the chart's text is drawn larger)."""
    every = max(1, math.ceil(len(periods) / 8))
    parts = []
    for n, i in enumerate(range(0, len(periods), every)):
        label = escape(fmt.period_label(periods[i], lang, short=True))
        minor = ' class="minor"' if n % 2 else ""
        parts.append(f'<text x="{frame.x(i)}" y="{HEIGHT - _BOTTOM + 16}" dy="0.8em" '
                     f'text-anchor="middle"{minor}>{label}</text>')  # fmt: skip
    return parts


def line_chart(series: list[Series], unit: str, lang: str, title: str = "") -> str:
    """An SVG line chart of ``series`` (name, [(period, value or None)]) sharing ``unit``
    (``MAD`` drawn in billions or millions); a withheld value (None) breaks the line."""
    periods = sorted({p for _, points in series for p, _ in points}, key=_order)
    values = [v for _, points in series for _, v in points if v is not None]
    ticks, divisor, decimals, key = _axis(values, unit)
    frame = _Frame(ticks, len(periods), lang == "ar", half_label(periods, lang))
    where = {p: i for i, p in enumerate(periods)}
    parts = [_open(title, lang), *_value_axis(frame, ticks, decimals, key, lang)]
    parts += _time_axis(frame, periods, lang)
    for n, (name, points) in enumerate(series):
        colour = COLOURS[n % len(COLOURS)]
        parts.append(_path(frame, where, points, divisor, colour))
        for p, v in points:
            if v is not None:
                x, y = frame.x(where[p]), frame.y(float(v / divisor))
                parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{colour}">'
                             f"<title>{_tip(name, p, v, unit, lang)}</title></circle>")  # fmt: skip
    return "".join([*parts, "</svg>"])


def _tip(name: str, period: str, value: Decimal, unit: str, lang: str) -> str:
    """A point's tooltip, punctuated as its language is (escaped for the page).

    >>> _tip("Total", "2025-01", Decimal("540965"), "MAD", "fr")
    'Total, janv. 2025\xa0: 540\u202f965 dirhams'
    >>> _tip("المجموع", "2025-01", Decimal("540965"), "MAD", "ar")
    'المجموع، يناير 2025: 540.965 درهم'
    """
    comma, colon = _TIP[lang]
    label = fmt.period_label(period, lang, short=True)
    return f"{escape(name)}{comma}{escape(label)}{colon}{_plain(value, unit, lang)}"


def half_label(periods: list[str], lang: str) -> float:
    """Half the width of the widest period label at the largest text size, in the chart's
    units (the margin that keeps a label centred on the last point inside the chart).

    >>> half_label(["2024-03"], "fr")  # "mars 2024": 9 characters
    59.4
    """
    widest = max((len(fmt.period_label(p, lang, short=True)) for p in periods), default=0)
    return round(widest * CHAR_EM * LARGEST_TEXT / 2, 1)


def _path(frame: _Frame, where: dict, points: list, divisor: Decimal, colour: str) -> str:
    d, pen = [], "M"
    for p, v in points:
        if v is None:
            pen = "M"
            continue
        d.append(f"{pen}{frame.x(where[p])},{frame.y(float(v / divisor))}")
        pen = "L"
    return f'<path d="{" ".join(d)}" fill="none" stroke="{colour}" stroke-width="2"/>'


def bar_chart(bars: list[tuple[str, Decimal | None]], unit: str, lang: str, title: str = "") -> str:
    """An SVG chart of horizontal bars (name, value), e.g. exports by segment: each name
    above its bar, the value at the bar's end; a withheld value shows ``[c]`` and no bar."""
    step, rtl = 46, lang == "ar"
    height = 8 + step * len(bars)
    top = max([Decimal(0), *(v for _, v in bars if v is not None)]) or Decimal(1)
    span, edge = BARS_WIDTH - 190, (BARS_WIDTH - 4 if rtl else 4)
    anchor = "start"  # the outer edge in either direction (the svg's ``direction``)
    parts = [_open(title, lang, height, "bars", BARS_WIDTH)]
    for i, (name, v) in enumerate(bars):
        y = 4 + step * i
        w = 0.0 if v is None else round(float(v / top) * span, 1)
        bar_x = edge - w if rtl else edge
        value_x = bar_x - 6 if rtl else edge + w + 6
        shown = WITHHELD if v is None else _plain(v, unit, lang)
        parts += [
            f'<text x="{edge}" y="{y + 13}" text-anchor="{anchor}">{escape(name)}</text>',
            f'<rect x="{bar_x}" y="{y + 19}" width="{w}" height="18" fill="{COLOURS[0]}"/>',
            f'<text x="{value_x}" y="{y + 33}" text-anchor="{anchor}">{shown}</text>',
        ]
    return "".join([*parts, "</svg>"])


def _plain(value: Decimal, unit: str, lang: str) -> str:
    """A value as a reader sees it (e.g. ``13,4 milliards de dirhams``, ``3,5 %``)."""
    from marsad.web.views import shown

    return escape(shown(value, unit, lang))


def _order(period: str) -> tuple:
    from marsad.web.store import period_order

    return period_order(period)
