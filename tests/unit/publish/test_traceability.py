"""Every figure the bulletin states is one row of the indicator table (issue 9, item 4).

In the HTML bulletin each figure is ``<data value="EXACT" data-key="KEY">shown</data>``:
KEY is a row of the table, EXACT its value as the CSV export writes it, and ``shown``
the row's exact value rounded once to display precision (in billions or millions when
the text says so, or in millions in the segment table), never EXACT rounded again (a
growth of 3.44996 % is published 3.4500 and said 3,4 %). Rule for falls: a fall is
shown as its size ("en baisse de 12,7 %", "down 12.7%"), while ``value`` keeps the row's
signed value (-12.7…); so the shown number equals the rounded exact value or, with no
sign shown, its magnitude.

Once the ``<data>`` elements, years, period labels, dates (``<time>``), the release id,
the quoted source of the target and the method note's formulas (``<code>``, the ``t-1y``
notation) are removed, no digit is left in the prose: nothing is computed in the text.
Charts (``<figure>``) are drawn from the same rows and are left out here.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from babel.numbers import parse_decimal

from marsad.indicators.rows import format_value
from marsad.indicators.table import IndicatorTable, Observation
from marsad.periods import Period
from marsad.publish.bulletin import render_bulletin
from marsad.publish.fmt import LOCALES, round_half_up, shifted

from .conftest import DEMO_LEVELS, DEMO_PARTNERS, build_table

LANGS = ("fr", "en", "ar")
PERIODS = ("2024", "2025-S1", "2024-Q3", "2025-05")
_SKIP = {"head", "figure", "svg", "style", "code", "time", "data"}
_BILLION = ("milliard", "billion", "مليار")
_MILLION = ("million", "مليون")


def _month_levels() -> dict[tuple[str, str], str]:
    """May 2025 and May 2024 by segment (bn MAD)."""
    segs = ("ITO", "CRM", "ESO", "BPO", "KPO")
    out = {}
    for period, total, parts in (
        ("2025-05", "2.300", ("0.900", "0.700", "0.450", "0.245", "0.005")),
        ("2024-05", "2.150", ("0.850", "0.720", "0.340", "0.236", "0.004")),
    ):
        out[(period, "TOTAL")] = total
        out.update({(period, s): v for s, v in zip(segs, parts, strict=True)})
    return out


def _row(indicator: str, flow: str, period: str, value: str, unit: str) -> Observation:
    return Observation(
        indicator, flow, period, "TOTAL", "_T", "_T", Decimal(value), unit, "P", "F", "t"
    )


#: Year to date and employment rows, as the build adds them.
EXTRA = [
    _row("ytd_level", "exports", "2025-05", "11100000000.00", "MAD"),
    _row("ytd_level", "exports", "2024-05", "10650000000.00", "MAD"),
    _row("ytd_growth_yoy", "exports", "2025-05", "4.225352112676056338028169014", "percent"),
    _row("ytd_level", "exports", "2024-09", "19901000000.00", "MAD"),
    _row("ytd_level", "exports", "2023-09", "20100000000.00", "MAD"),
    _row("ytd_growth_yoy", "exports", "2024-09", "-0.9900497512437810945273631841", "percent"),
    _row("jobs", "_Z", "2024", "148500", "jobs"),
    _row("jobs_target_level", "_Z", "2030", "270000", "jobs"),
    _row("jobs_target_share", "_Z", "2024", "55.0", "percent"),
]


@pytest.fixture(scope="module")
def table() -> IndicatorTable:
    base = build_table({**DEMO_LEVELS, **_month_levels()}, DEMO_PARTNERS)
    return IndicatorTable.from_rows(base.rows + EXTRA, release=base.release)


class _Bulletin(HTMLParser):
    """The ``<data>`` elements of a page and its prose without what is left out."""

    def __init__(self) -> None:
        super().__init__()
        self.data: list[tuple[dict, str]] = []
        self.prose: list[str] = []
        self.open: list[str] = []
        self._attrs: dict = {}

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.open.append(tag)
        if tag == "data":
            self._attrs, self._text = dict(attrs), ""

    def handle_endtag(self, tag):
        if tag in _SKIP and self.open and self.open[-1] == tag:
            self.open.pop()
        if tag == "data":
            self.data.append((self._attrs, self._text))

    def handle_data(self, text):
        if self.open and self.open[-1] == "data":
            self._text += text
        if not self.open:
            self.prose.append(text)


def _number(shown: str, lang: str) -> tuple[Decimal, int, bool]:
    """The number of a shown figure (value, decimals, sign shown)."""
    match = re.search(r"[+\u2212-]?\u200e?[+\u2212-]?\d[\d.,\u202f\u00a0]*", shown)
    assert match, shown
    text = match[0].rstrip(".,\u00a0\u202f")
    signed = bool(re.match(r"\u200e?[+\u2212-]", text))
    negative = "\u2212" in text or "-" in text
    digits = re.sub(r"[^\d.,]", "", text)
    decimal_mark = "." if lang == "en" else ","
    decimals = len(digits.rsplit(decimal_mark, 1)[1]) if decimal_mark in digits else 0
    value = parse_decimal(digits, locale=LOCALES[lang], strict=False)
    return (-value if negative else value), decimals, signed


def _scale(obs: Observation, shown: str) -> Decimal:
    if obs.unit != "MAD":
        return Decimal(1)
    if any(w in shown for w in _BILLION):
        return Decimal(10) ** 9
    if any(w in shown for w in _MILLION) or not re.search(r"[^\W\d_]", shown):
        return Decimal(10) ** 6  # the segment table is in millions
    return Decimal(1)


def _labels(table: IndicatorTable, lang: str) -> list[str]:
    found = {o.period for o in table}
    labels = set()
    for p in found:
        period = Period.parse(p)
        labels |= {period.label(lang), period.label(lang, short=True)}
    return sorted(labels, key=len, reverse=True)


def _leftover(prose: str, table: IndicatorTable, lang: str) -> str:
    text = prose.replace(table.release, "")
    for label in _labels(table, lang):
        text = re.sub(re.escape(label), "", text, flags=re.I)
    text = re.sub(r"«[^»]*»|“[^”]*”", "", text)  # the target's quoted source
    text = re.sub(r"t-1\s?(y|an)?", "", text)  # formula notation in the definitions
    return re.sub(r"(?<!\d)(19|20)\d\d(?!\d)", "", text)  # years


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("lang", LANGS)
def test_every_figure_is_a_row_of_the_table(table, lang, period, monkeypatch):
    monkeypatch.setenv("MARSAD_RELEASE_DATE", "2025-10-15")
    monkeypatch.setenv("MARSAD_NEXT_RELEASE_DATE", "2026-04-15")
    page = _Bulletin()
    page.feed(render_bulletin(table, period, lang))
    rows = {o.key: o for o in table}
    assert len(page.data) >= 10
    for attrs, shown in page.data:
        obs = rows.get(attrs["data-key"])
        assert obs is not None, attrs
        assert attrs["value"] == format_value(obs), (attrs, shown)
        value, decimals, signed = _number(shown, lang)
        expected = round_half_up(shifted(obs.value, _scale(obs, shown).adjusted()), decimals)
        if expected < 0 and not signed:
            expected = -expected  # a fall, shown as its size
        assert value == expected, (attrs, shown)
    leftover = _leftover("".join(page.prose), table, lang)
    assert not re.findall(r".{0,30}\d.{0,30}", leftover)


def test_a_fall_keeps_its_signed_value(table):
    """``en baisse de 0,99 %`` shows the size; ``value`` is the row's -0.9900."""
    html = render_bulletin(table, "2024-Q3", "fr")
    assert (
        '<data value="-0.9900" data-key="ytd_growth_yoy/exports/2024-09/TOTAL/_T/_T">'
        "1,0\u202f%</data>"
    ) in html


def test_a_figure_is_rounded_once_from_its_exact_value(table):
    """A growth of 3.44996 % is published 3.4500: the bulletin said 3,5 % (the published
    text rounded again); once rounded from the exact value it is 3,4 %."""
    key = "ytd_growth_yoy/exports/2025-05/TOTAL/_T/_T"
    rows = [o if o.key != key else replace(o, value=Decimal("3.44996")) for o in table]
    html = render_bulletin(IndicatorTable(rows, release=table.release), "2025-05", "fr")
    found = re.search(rf'<data value="([^"]*)" data-key="{re.escape(key)}">([^<]*)<', html)
    assert found, "the bulletin states the year-to-date growth"
    assert found[1] == "3.4500"  # the published text, as the CSV has it
    assert found[2].replace("+", "") == "3,4\u202f%"
