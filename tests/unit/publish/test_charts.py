"""Charts of the bulletin (marsad.publish.charts): SVG, accessible, deterministic, data-driven."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marsad.periods import Period
from marsad.publish import fmt
from marsad.publish.axes import value_axis
from marsad.publish.charts import (
    PERIOD_COLOURS,
    SEGMENT_COLOURS,
    _ends_by,
    bulletin_charts,
    history_chart,
    segments_chart,
    target_chart,
)
from marsad.publish.lang import phrasebook, say
from marsad.publish.story import Message

from .conftest import DEMO_LEVELS, DEMO_PARTNERS, build_table, withhold


@pytest.fixture(scope="module")
def charts(demo_table):
    return {c.name: c for c in bulletin_charts(demo_table, "2025-S1", "fr")}


def test_three_charts_for_a_half_year(charts):
    assert list(charts) == ["segments", "history", "target"]
    for chart in charts.values():
        assert chart.svg.startswith("<svg ")
        assert chart.svg.rstrip().endswith("</svg>")


def test_every_svg_has_a_title_and_a_description(charts):
    for name, chart in charts.items():
        assert f'aria-labelledby="chart-{name}-title chart-{name}-desc"' in chart.svg
        assert 'role="img"' in chart.svg
        assert f'<title id="chart-{name}-title">' in chart.svg
        assert f'<desc id="chart-{name}-desc">' in chart.svg
    assert charts["segments"].title == (
        "Exportations par segment, premier semestre 2025 et premier semestre 2024"
    )
    # the description states the figures, in French
    assert "ESO 2,58 contre 1,80" in charts["segments"].description
    assert "KPO 0,027 contre 0,023" in charts["segments"].description


def test_french_labels_and_locale(charts):
    segments = charts["segments"].svg
    assert "Milliards de dirhams" in segments
    assert "S1 2024" in segments and "S1 2025" in segments
    assert "S2 2024" in charts["history"].svg
    assert "Objectif 40" in charts["target"].svg
    assert "Trajectoire nécessaire" in charts["target"].svg


def test_segment_colours_are_the_same_in_every_chart(charts):
    """The segments chart colours its bars by period (its legend), the history by segment."""
    for code in ("ITO", "CRM", "ESO", "BPO", "KPO"):
        assert SEGMENT_COLOURS[code].lower() in charts["history"].svg.lower(), code


def test_charts_are_deterministic(demo_table):
    first = [c.svg for c in bulletin_charts(demo_table, "2025-S1", "fr")]
    second = [c.svg for c in bulletin_charts(build_table(), "2025-S1", "fr")]
    assert first[0] == second[0]  # same segment data, same bytes
    again = [c.svg for c in bulletin_charts(demo_table, "2025-S1", "fr")]
    assert first == again


def test_charts_follow_the_data(levels):
    levels[("2025-S1", "ESO")] = "3.580"
    levels[("2025-S1", "TOTAL")] = "14.377"
    changed = segments_chart(build_table(levels), "2025-S1", "fr")
    assert "ESO 3,58 contre 1,80" in changed.description
    assert changed.svg != segments_chart(build_table(), "2025-S1", "fr").svg


def test_no_previous_year_gives_plain_bars_and_missing_charts_are_skipped():
    table = build_table({("2024-S1", "TOTAL"): "12.925", ("2024-S1", "ITO"): "12.925"})
    chart = segments_chart(table, "2024-S1", "fr")
    assert chart.description.startswith("Diagramme en barres,")
    assert history_chart(table, "2024-S1", "fr") is None  # a single period
    assert target_chart(table, "2024-S1", "fr") is None  # no full year


def test_english_charts(demo_table):
    chart = segments_chart(demo_table, "2025-S1", "en")
    assert "Billion dirhams" in chart.svg
    assert "H1 2025" in chart.svg
    assert re.search(r"ESO 2\.58 against 1\.80", chart.description)


def test_quarter_history_uses_quarters():
    levels = {k: v for k, v in DEMO_LEVELS.items() if k[0].endswith(("Q3",))}
    chart = history_chart(build_table(levels), "2024-Q3", "fr")
    assert chart.title == "Exportations par trimestre et par segment"
    assert "T3 2023" in chart.svg and "T3 2024" in chart.svg


# -- axes, months, legends, right to left, synthetic (issue 9) --------------------------------

_LABEL = re.compile(r'<text[^>]*transform="translate\(([-\d.]+),([-\d.]+)\)[^>]*>([^<]*)</text>')


def _y_axis(svg: str) -> str:
    """The SVG of the value axis onwards: the axis with a title (the time axis has none;
    Vega's "Y-axis" label is taken off the chart: its marks have no accessible text)."""
    found = [a for a in svg.split('class="mark-group role-axis"')[1:] if 'role-axis-title"' in a]
    return found[0]


def _y_ticks(svg: str) -> list[str]:
    """The tick labels of the value axis, read from the SVG."""
    axis = _y_axis(svg).split('role-axis-title"', 1)[0]
    labels = axis.split('role-axis-label"', 1)[1]
    return [m.group(3) for m in _LABEL.finditer(labels)]


def _x_of(svg: str, text: str) -> float:
    """The horizontal position of the first label ``text`` (axis labels are translated)."""
    return next(float(m.group(1)) for m in _LABEL.finditer(svg) if m.group(3) == text)


def test_small_values_get_an_axis_in_millions_that_never_repeats_a_tick():
    """The KPO-sized data (tens of millions) drew an axis of 0 0 0 1 1 in billions."""
    table = build_table({("2025-S1", "TOTAL"): "0.027", ("2025-S1", "KPO"): "0.027"})
    chart = segments_chart(table, "2025-S1", "fr")
    assert "Millions de dirhams" in chart.svg and "Milliards" not in chart.svg
    ticks = _y_ticks(chart.svg)
    assert ticks == ["0", "10", "20", "30"]


def test_billions_axis_ticks_are_distinct(charts):
    for name in ("segments", "history", "target"):
        ticks = _y_ticks(charts[name].svg)
        assert len(ticks) == len(set(ticks)) >= 3, (name, ticks)
    assert _y_ticks(charts["history"].svg) == ["0", "5", "10", "15"]


@given(
    st.lists(
        st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False),
        min_size=1,
        max_size=12,
    )
)
def test_value_axis_covers_the_data_with_distinct_round_ticks(values):
    axis = value_axis(values)
    ticks = [fmt.number(t, "fr", axis.decimals) for t in axis.ticks]
    assert len(set(ticks)) == len(ticks) >= 2
    assert axis.ticks[0] <= 0 and axis.ticks[-1] * axis.divisor >= max(values)
    assert len(ticks) <= 12
    assert axis.unit == ("bn" if max(values) >= 10**9 else "mn")


def test_month_labels_are_standard_french_english_and_moroccan_arabic():
    """fr_MA abbreviates June as "jui." (and January as "jan."): standard French is juin, janv."""
    assert Period.parse("2025-06").label("fr", short=True) == "juin 2025"
    assert Period.parse("2025-01").label("fr", short=True) == "janv. 2025"
    assert Period.parse("2025-06").label("en", short=True) == "Jun 2025"
    assert Period.parse("2025-08").label("ar", short=True) == "غشت 2025"


def test_monthly_history_uses_standard_month_labels():
    levels = {(f"2025-{m:02d}", "TOTAL"): "2.0" for m in range(1, 7)}
    levels.update({(f"2025-{m:02d}", "ITO"): "1.0" for m in range(1, 7)})
    chart = history_chart(build_table(levels), "2025-06", "fr")
    assert "janv. 2025" in chart.svg and "juin 2025" in chart.svg and "jui. " not in chart.svg


def test_a_year_of_months_slants_its_labels_so_they_do_not_run_together():
    """Regression: twelve upright month labels ran together ("juin 2024juil. 2024")."""
    months = [f"2024-{m:02d}" for m in range(6, 13)] + [f"2025-{m:02d}" for m in range(1, 6)]
    levels = {(m, seg): v for m in months for seg, v in (("TOTAL", "2.0"), ("ITO", "1.0"))}
    svg = history_chart(build_table(levels), "2025-05", "fr").svg
    assert "rotate(315)" in svg or "rotate(-45)" in svg
    few = {
        (f"2025-{m:02d}", seg): v for m in range(1, 4) for seg, v in (("TOTAL", "2"), ("ITO", "1"))
    }
    upright = history_chart(build_table(few), "2025-03", "fr").svg
    assert "rotate(315)" not in upright and "rotate(-45)" not in upright


def test_segments_legend_shows_the_bars_colours_in_order(charts):
    svg = charts["segments"].svg
    legend = svg.split('role-legend"', 1)[1]
    assert legend.index("S1 2024") < legend.index("S1 2025")
    for colour in PERIOD_COLOURS:
        assert legend.count(colour) >= 1 and svg.count(colour) >= 6  # 5 bars + the legend


def test_withheld_bars_leave_the_legend_too():
    levels = {k: v for k, v in DEMO_LEVELS.items() if k[0] in ("2024-S1", "2024-S2", "2025-S1")}
    table = withhold(build_table(levels), {("level", p, "KPO"): "C" for p in ("2024-S2",)})
    table = withhold(
        build_table(levels),
        {("level", p, "KPO"): "C" for p in ("2024-S1", "2024-S2", "2025-S1")},
    )
    chart = history_chart(table, "2025-S1", "fr")
    legend = chart.svg.split('role-legend"', 1)[1]
    assert "KPO" not in legend and "BPO" in legend
    assert SEGMENT_COLOURS["KPO"].lower() not in chart.svg.lower()
    assert chart.note  # and the caption says why


def test_history_legend_lists_segments_as_they_are_stacked(charts):
    legend = charts["history"].svg.split('role-legend"', 1)[1]
    order = [legend.index(f">{code}<") for code in ("ITO", "CRM", "ESO", "BPO", "KPO")]
    assert order == sorted(order)  # ITO first in the legend, and on top of each bar
    svg = charts["history"].svg
    tops = {
        code: min(
            float(y)
            for y in re.findall(
                rf'<path d="M[-\d.]+,([-\d.]+)[^"]*" fill="{SEGMENT_COLOURS[code]}"', svg
            )
        )
        for code in ("ITO", "KPO")
    }
    ito_top, kpo_top = tops["ITO"], tops["KPO"]
    assert ito_top < kpo_top  # smaller y is higher up


def test_right_to_left_charts_are_mirrored(demo_table, monkeypatch):
    """Time runs from right to left and the value axis stands on the right."""
    ltr = bulletin_charts(demo_table, "2025-S1", "fr")
    monkeypatch.setattr(phrasebook("fr"), "DIR", "rtl")
    rtl = {c.name: c for c in bulletin_charts(demo_table, "2025-S1", "fr")}
    before = {c.name: c for c in ltr}
    assert _x_of(before["history"].svg, "S1 2024") < _x_of(before["history"].svg, "S1 2025")
    assert _x_of(rtl["history"].svg, "S1 2024") > _x_of(rtl["history"].svg, "S1 2025")
    assert _x_of(rtl["segments"].svg, "ITO") > _x_of(rtl["segments"].svg, "KPO")
    assert _x_of(rtl["target"].svg, "2024") > _x_of(rtl["target"].svg, "2030")
    # value axis: its labels right of the plot (x beyond the width) rather than left of it
    assert float(_LABEL.search(_y_axis(rtl["segments"].svg)).group(1)) >= 0
    y_ltr = _y_axis(before["segments"].svg)
    rtl_y = _y_axis(rtl["segments"].svg)
    assert re.search(r"translate\((\d{3})[.\d]*,", rtl_y[:300])
    assert not re.search(r"translate\((\d{3})[.\d]*,", y_ltr[:300])


def test_arabic_charts_have_arabic_text(demo_table):
    for chart in bulletin_charts(demo_table, "2025-S1", "ar"):
        assert re.search("[\u0600-\u06ff]", chart.svg)


def test_a_synthetic_build_says_so_on_every_chart(demo_table):
    synthetic = build_table(DEMO_LEVELS, DEMO_PARTNERS, release="2025-06.synthetic.3fa9c2d1")
    charts = bulletin_charts(synthetic, "2025-S1", "fr")
    assert len(charts) == 3
    for chart in charts:
        assert "données synthétiques" in chart.svg.split("<desc", 1)[1].split("</desc>")[0]
        assert chart.svg.count("Démonstration — données synthétiques") >= 2  # desc + subtitle
    for chart in bulletin_charts(demo_table, "2025-S1", "fr"):
        assert "synthétiques" not in chart.svg


def test_history_never_draws_a_period_that_ends_after_the_bulletins():
    """A year to date (2025 through May) drawn beside whole years would state a fall."""
    assert not _ends_by(Period.parse("2025"), Period.parse("2025-05"))
    assert Period.parse("2025") <= Period.parse("2025-05")  # why ordering was not enough
    assert _ends_by(Period.parse("2024-S2"), Period.parse("2024"))


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_marks_carry_no_english_aria_text_of_their_own(demo_table, lang):
    """Symptom: every bar and point of the French and Arabic charts carried Vega's own
    English accessible text (``aria-label="year: 2024; Milliards de dirhams: 26; series:
    …"``, ``aria-roledescription="bar"``, "X-axis titled …"), read by a screen reader
    beside the chart's French or Arabic title and description. The chart is one image
    (``role="img"``) named by its title and described by its ``<desc>``, in the
    bulletin's language and stating the figures; the marks and guides are hidden."""
    for chart in bulletin_charts(demo_table, "2025-S1", lang):
        svg = chart.svg
        assert "aria-roledescription" not in svg, chart.name
        assert re.findall(r'aria-label="[^"]*"', svg) == [], chart.name
        assert not re.search(r'<[^>]+ role="graphics-(symbol|object|document)"', svg), chart.name
        assert svg.count('role="img"') == 1
        assert f'aria-labelledby="chart-{chart.name}-title chart-{chart.name}-desc"' in svg
        desc = re.search(rf'<desc id="chart-{chart.name}-desc">(.*?)</desc>', svg).group(1)
        assert desc == escape(chart.description) and re.search(r"\d", desc)


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_withheld_segments_stack_as_one_band_reaching_the_total(lang, monkeypatch):
    """Symptom: with segments withheld, the history chart's stacks stopped short of the
    published total (the caption said so). The withheld segments of a period now stand
    together as one band, the total less the published segments, drawn unlike any
    segment (light, dashed outline) and named "[c] …" in the legend, so that each bar
    reaches the total; never where one segment alone is withheld (the band would be it)."""
    import json

    from marsad.publish import charts as drawing

    flags = {
        ("level", p, s): c for p in ("2024-S2", "2025-S1") for s, c in (("KPO", "A"), ("BPO", "D"))
    }
    flags[("level", "2024-S1", "KPO")] = "A"  # alone in its period: no band there
    levels = {k: v for k, v in DEMO_LEVELS.items() if k[0] in ("2024-S1", "2024-S2", "2025-S1")}
    table = withhold(build_table(levels), flags)
    drawn, real = [], drawing._svg.__wrapped__
    monkeypatch.setattr(drawing, "_svg", lambda spec, lg: drawn.append(spec) or real(spec, lg))
    chart = history_chart(table.public(), "2025-S1", lang)
    band = phrasebook(lang).LABELS["legend_withheld"]
    assert band.startswith("[c] ")
    rows = json.loads(drawn[-1])["data"]["values"]
    banded = {r["period"]: r["value"] for r in rows if r["segment"] == band}
    labels = {p: Period.parse(p).label(lang, short=True) for p in ("2024-S1", "2024-S2", "2025-S1")}
    assert set(banded) == {labels["2024-S2"], labels["2025-S1"]}
    for period in ("2024-S2", "2025-S1"):
        stacked = sum(r["value"] for r in rows if r["period"] == labels[period])
        assert stacked == pytest.approx(float(levels[(period, "TOTAL")]), abs=0.002)
        hidden = [float(levels[(period, s)]) for s in ("KPO", "BPO")]
        assert banded[labels[period]] == pytest.approx(sum(hidden), abs=0.002)
        assert all(banded[labels[period]] != pytest.approx(h, abs=0.002) for h in hidden)
    legend = chart.svg.split('role-legend"', 1)[1]
    assert escape(band) in legend and "KPO" not in legend and "BPO" in legend
    assert 'stroke-dasharray="3,2"' in chart.svg and "#e8e8e8" in chart.svg
    said = {"fr": "bande claire « confidentiel »", "en": "\u201cconfidential\u201d band",
            "ar": "الشريط الفاتح «سري»"}[lang]  # fmt: skip
    assert said in chart.note.replace("\u00a0", " ") and chart.note in chart.description
    # 2024-S1's KPO is not in any band: the caption still says a value is not shown
    assert say(Message("chart.withheld"), lang) in chart.note
