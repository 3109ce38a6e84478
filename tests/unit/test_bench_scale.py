"""The scale benchmark's runner (``bench/bench_scale.py``) on a tiny input.

Its inputs load without a quarantined row, its three cubes (marsad's heavy stage, the
hand-written DuckDB query, pandas) agree cell for cell, and the whole runner, builds
and incremental month included, runs end to end and writes its JSON.
"""

from __future__ import annotations

import doctest
import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import bench_scale  # noqa: E402
import scale_baselines  # noqa: E402
import scale_data  # noqa: E402
import scale_report  # noqa: E402

from marsad.engine import open_warehouse  # noqa: E402
from marsad.ingest import load_files  # noqa: E402


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, scale_data.Plan]:
    """20,000 records over 2 years, loaded into a warehouse."""
    folder = tmp_path_factory.mktemp("scale")
    plan = scale_data.Plan(records=20_000, years=2, end=scale_data.default_end())
    inputs = scale_data.generate(folder / "inputs", plan)
    with open_warehouse(folder / "w.duckdb") as wh:
        load_files(wh, "firms", [inputs["firms"]])
        load_files(wh, "rates", [inputs["rates"]])
        reports = load_files(wh, "transactions", inputs["months"])
    return folder / "w.duckdb", {"inputs": inputs, "reports": reports}, plan


def test_generated_inputs_load_whole(small) -> None:
    _wh, got, plan = small
    reports = got["reports"]
    assert len(reports) == len(plan.months) == 24
    assert sum(r.loaded for r in reports) == plan.per_month * 24
    assert sum(r.quarantined for r in reports) == 0


def test_inputs_written_whole_before_for_the_same_plan_are_reused(small, tmp_path) -> None:
    _wh, got, plan = small
    inputs = got["inputs"]
    folder = inputs["firms"].parent
    stamps = {p: p.stat().st_mtime_ns for p in [inputs["firms"], *inputs["months"]]}
    assert scale_data.generate(folder, plan) == inputs
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    other = scale_data.Plan(records=2_000, years=1, end=plan.end)
    small_inputs = scale_data.generate(tmp_path, other)
    (tmp_path / "plan.json").write_text("{}")  # a run stopped half-way: written again
    before = small_inputs["months"][0].stat().st_mtime_ns
    assert scale_data.generate(tmp_path, other) == small_inputs
    assert small_inputs["months"][0].stat().st_mtime_ns > before


def test_generated_shape(small) -> None:
    """Seven banks every month, a few thousand firms, some without an id or unregistered."""
    path, _got, _plan = small
    with open_warehouse(path, read_only=True) as wh:
        banks = wh.sql(
            "SELECT min(n) FROM (SELECT count(DISTINCT reporter) AS n FROM transactions "
            "GROUP BY year(value_date), month(value_date))"
        )[0][0]
        no_id, unregistered, partners, currencies = wh.sql(
            "SELECT count(*) FILTER (firm_id IS NULL), "
            "count(*) FILTER (firm_id LIKE 'UNREG-%'), count(DISTINCT partner_country), "
            "list(DISTINCT currency ORDER BY currency) FROM transactions"
        )[0]
        firms = wh.scalar("SELECT count(*) FROM firms")
    assert banks == scale_data.BANKS
    assert firms == scale_data.FIRMS
    assert 0 < no_id < unregistered
    assert partners == len(scale_data.PARTNERS)
    assert currencies == ["CAD", "EUR", "GBP", "MAD", "USD"]


def test_same_bytes_from_same_plan(tmp_path: Path) -> None:
    plan = scale_data.Plan(records=240, years=1, end=(2025, 12))
    a = scale_data.generate(tmp_path / "a", plan)
    b = scale_data.generate(tmp_path / "b", plan)
    assert a["months"][3].read_bytes() == b["months"][3].read_bytes()
    assert a["rates"].read_bytes() == b["rates"].read_bytes()


def test_every_baseline_gives_marsads_cube(small) -> None:
    path, _got, _plan = small
    out = bench_scale.measure_cubes(path, repeat=1, with_pandas=True)
    assert out["equal"] == {"hand-written DuckDB": None, "pandas": None}
    assert out["cells"] > 1000
    assert out["raw_scan"] > 0 and out["hand"] > 0 and out["marsad"] > 0


def test_a_wrong_cent_is_found(small) -> None:
    """The comparison is exact: one centime more in one cell is a difference."""
    path, _got, _plan = small
    with open_warehouse(path, read_only=True) as wh:
        ours = scale_baselines.cube_rows(bench_scale.heavy_stage(wh))
    changed = list(ours)
    cell = changed[0]
    changed[0] = (*cell[:6], cell[6] + Decimal("0.01"), *cell[7:])
    assert scale_baselines.differences(ours, changed).startswith("1 cell(s) differ")


@pytest.mark.slow
def test_runner_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The whole runner on two small sizes over one year, one full build each (the
    incremental build's equality with a full one is tests/unit/test_incremental.py's):
    every measure, equal cubes, how cost grows."""
    out_json = tmp_path / "r.json"
    argv = ["--records", "2k,4k", "--years", "1", "--repeat", "1", "--no-incremental"]
    argv += ["--json", str(out_json)]
    assert bench_scale.main(argv) == 0
    printed = capsys.readouterr().out
    results = json.loads(out_json.read_text())
    assert [round(s["records"], -2) for s in results["sizes"]] == [2000, 4000]
    for size in results["sizes"]:
        assert size["cube"]["equal"] == {"hand-written DuckDB": None, "pandas": None}
        assert size["ingest"]["quarantined"] == 0
        assert size["ingest"]["peak_mb"] > 0
        assert set(size["build_full"]["steps"]) >= {"cube", "indicators"}
    assert "equal cell for cell" in printed and "how cost grows" in printed
    assert results["machine"]["cores"] >= 1


@pytest.mark.parametrize("module", [bench_scale, scale_baselines, scale_data, scale_report])
def test_docstring_examples(module) -> None:
    """``bench/`` is outside the doctest paths: its examples run here."""
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0
