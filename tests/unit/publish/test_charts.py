"""Charts of the bulletin (marsad.publish.charts): SVG, accessible, deterministic, data-driven."""

from __future__ import annotations

import re

import pytest

from marsad.publish.charts import (
    SEGMENT_COLOURS,
    bulletin_charts,
    history_chart,
    segments_chart,
    target_chart,
)

from .conftest import DEMO_LEVELS, build_table


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
