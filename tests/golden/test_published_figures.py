"""The demo reproduces every figure of the October 2025 release at its published precision,
in the indicator table and in the bulletins."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from marsad import reference
from marsad.build import load_indicators
from marsad.engine import open_warehouse
from marsad.publish import fmt
from marsad.publish.bulletin import render_bulletin

pytestmark = pytest.mark.slow

#: published measure -> indicator id of the table
MEASURES = {
    "level": "level",
    "share": "share",
    "growth_yoy": "growth_yoy",
    "progress_vs_prev_year": "progress_prev_year",
}
FIGURES = [f for f in reference.published_figures() if f.scope == "digital_outsourcing"]
BILLION = Decimal(10) ** 9


def _round(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _published_units(figure, value: Decimal) -> Decimal:
    return value / BILLION if figure.unit == "bn_MAD" else value


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    proc = subprocess.run(
        [sys.executable, "-m", "marsad", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    (out / "demo.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    return out


@pytest.fixture(scope="session")
def table(demo):
    with open_warehouse(demo / "marsad.duckdb", read_only=True) as wh:
        return load_indicators(wh)


@pytest.fixture(scope="session")
def exported(demo) -> dict[tuple, str]:
    with (demo / "indicators.csv").open(encoding="utf-8") as f:
        return {
            (r["indicator"], r["flow"], r["period"], r["segment"], r["service"], r["partner"]): r[
                "value"
            ]
            for r in csv.DictReader(f)
        }


def test_every_published_figure_is_covered_by_this_test():
    assert len(FIGURES) == 24
    assert {f.measure for f in FIGURES} <= set(MEASURES)


@pytest.mark.parametrize("figure", FIGURES, ids=lambda f: f"{f.period}-{f.segment}-{f.measure}")
def test_indicator_table_reproduces_the_published_figure(exported, figure):
    key = (MEASURES[figure.measure], "exports", figure.period, figure.segment, "_T", "_T")
    assert key in exported, f"no row {key}"
    value = _published_units(figure, Decimal(exported[key]))
    assert _round(value, figure.decimals) == figure.value


def _normalise(text: str) -> str:
    """Plain spaces and minus; the <data> wrapping each figure of the HTML left out."""
    text = re.sub(r"</?data[^>]*>", "", text)
    return text.replace("\u202f", " ").replace("\u00a0", " ").replace("\u2212", "-")


@pytest.fixture(scope="session")
def bulletins(table) -> dict[str, str]:
    periods = sorted({f.period for f in FIGURES})
    return {p: _normalise(render_bulletin(table, p, "fr", "html", synthetic=True)) for p in periods}


def _shown(figure, table) -> str:
    """How the bulletin of the figure's period shows it, in French."""
    indicator = MEASURES[figure.measure]
    value = table.get(indicator, figure.period, figure.segment)
    if indicator == "level":
        return fmt.number(value / 10**6, "fr", 1)  # segment table, millions of dirhams
    return fmt.number(value, "fr", 1, signed=indicator == "growth_yoy")


@pytest.mark.parametrize("figure", FIGURES, ids=lambda f: f"{f.period}-{f.segment}-{f.measure}")
def test_bulletin_carries_the_published_figure(bulletins, table, figure):
    shown = _normalise(_shown(figure, table))
    assert shown in bulletins[figure.period], f"{shown!r} not in the {figure.period} bulletin"
    # and what is shown, read back and rounded to the published precision, is the figure
    number = Decimal(shown.replace(" ", "").replace(",", ".").replace("+", ""))
    if MEASURES[figure.measure] == "level":
        number = number * 10**6
    assert _round(_published_units(figure, number), figure.decimals) == figure.value


def test_demo_bulletin_headline_in_french_format(demo):
    text = _normalise((demo / "bulletin-2025-S1-fr.html").read_text(encoding="utf-8"))
    assert "13,4 milliards de dirhams au premier semestre 2025" in text
    assert "en hausse de 3,5 %" in text
    assert "74,5 %" in text  # ESO's progress against 2024
    assert "synthétiques" in text
    assert text.count("<svg") >= 2
    md = (demo / "bulletin-2025-S1-fr.md").read_text(encoding="utf-8")
    assert "13,4 milliards de dirhams" in _normalise(md)


def test_demo_says_where_the_outputs_are(demo):
    log = (demo / "demo.log").read_text(encoding="utf-8")
    assert "indicators.csv" in log and "bulletin-2025-S1-fr.html" in log
    assert "synthetic" in log
    for name in (
        "indicators.csv",
        "bulletin-2025-S1-fr.html",
        "bulletin-2025-S1-fr.md",
        "bulletin-2024-fr.html",
        "marsad.duckdb",
    ):
        assert (demo / name).exists(), name


_DATA = re.compile(r'<data value="([^"]*)" data-key="([^"]*)"')


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_every_figure_of_the_demo_bulletins_is_a_row_of_the_exported_csv(demo, lang):
    """Traceability end to end: each ``<data>`` of the demo's 2025-S1 bulletin names a row
    of the demo's public CSV and carries that row's value, character for character."""
    rows = {}
    with (demo / "indicators.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            key = "/".join(r[c] for c in ("indicator", "flow", "period", "segment", "service"))
            rows[f"{key}/{r['partner']}"] = r["value"]
    found = _DATA.findall((demo / f"bulletin-2025-S1-{lang}.html").read_text(encoding="utf-8"))
    assert len(found) > 40
    assert [(k, v) for v, k in found if rows.get(k) != v] == []
    keys = {k for _, k in found}
    assert "level/exports/2025-S1/TOTAL/_T/_T" in keys
    assert "jobs/_Z/2024/TOTAL/_T/_T" in keys  # the demo loads its employment file


def test_every_file_of_the_demo_says_synthetic(demo):
    """The CSV's release column, every bulletin, every chart and the Excel cover."""
    with (demo / "indicators.csv").open(encoding="utf-8") as f:
        assert {r["release"] for r in csv.DictReader(f)} == {_release(demo)}
    assert ".synthetic." in _release(demo)
    for path in demo.glob("bulletin-*"):
        if path.suffix in (".html", ".md"):
            text = path.read_text(encoding="utf-8")
            assert "synth" in text.lower() or "اصطناعية" in text, path.name
    for svg in demo.glob("*.svg"):
        assert "synth" in svg.read_text(encoding="utf-8").lower() or "اصطناعية" in svg.read_text(
            encoding="utf-8"
        ), svg.name


def _release(demo: Path) -> str:
    with open_warehouse(demo / "marsad.duckdb", read_only=True) as wh:
        return load_indicators(wh).release


def test_demo_matches_the_generators_own_computation(demo):
    """The cube equals the generator's independent integer computation, to the centime;
    the records no segment can be given (UNALLOCATED) are held for review, outside the
    cube, and add up to the generator's figure for them."""
    expected: dict[tuple, Decimal] = {}
    with (demo / "data" / "expected_mad.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            key = (r["month"], r["flow"], r["segment"])
            expected[key] = expected.get(key, Decimal(0)) + Decimal(r["mad"])
    held = {k: v for k, v in expected.items() if k[2] == "UNALLOCATED"}
    with open_warehouse(demo / "marsad.duckdb", read_only=True) as wh:
        got = {
            (f"{y}-{m:02d}", flow, seg): v
            for y, m, flow, seg, v in wh.sql(
                "SELECT year, month, flow, segment, sum(mad) FROM cube GROUP BY ALL"
            )
        }
        reviewed = {
            (f"{y}-{m:02d}", flow, "UNALLOCATED"): v
            for y, m, flow, v in wh.sql(
                "SELECT year(value_date), month(value_date), flow, sum(mad) FROM records_mad "
                "WHERE segment = 'UNALLOCATED' GROUP BY ALL"
            )
        }
    assert got == {k: v for k, v in expected.items() if k not in held}
    assert held and reviewed == held


def test_rebuilding_gives_identical_files(demo, tmp_path):
    """Same input, same output: a second demo run writes the same table and bulletin."""
    proc = subprocess.run(
        [sys.executable, "-m", "marsad", "demo", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    for name in ("indicators.csv", "bulletin-2025-S1-fr.html"):
        assert (tmp_path / name).read_bytes() == (demo / name).read_bytes(), name
