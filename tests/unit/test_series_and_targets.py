"""Issue 9: the old series, the 2030 tracker, jobs and the break flag, stored by the build.

``tests/data/employment.csv`` holds the ministry's count of jobs at the end of 2024
(148,500) against the 270,000 targeted for 2030.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marsad.build import build, load_indicators
from marsad.coverage import CoverageRule
from marsad.engine import open_warehouse
from marsad.errors import UnreadableInput
from marsad.indicators.assemble import jobs_rows, with_series_and_targets
from marsad.indicators.compute import CubeCell, compute_indicators
from marsad.indicators.rows import export_rows
from marsad.indicators.table import Observation
from marsad.ingest import load_files
from marsad.protect.indicators import cell_key, flagged, protect_indicators, uses
from marsad.protect.primary import SdcRule
from marsad.release.snapshot import check_built
from marsad.release.store import ReleaseError

DATA = Path(__file__).resolve().parents[1] / "data"
TOTAL_KEY = ("TOTAL", "_T", "_T")
FIRMS = [f"F{i}" for i in range(8)]


def _table(years=(2022, 2023, 2024)):
    cells = [
        CubeCell(y, m, "C", "ITO" if i % 2 else "CRM", "SI22", "FR", 10**11 + i, 1)
        for y in years
        for m in range(1, 13)
        for i in range(2)
    ]
    return compute_indicators(cells, release="r")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A small warehouse (eight even firms, 2023 and 2024) with the employment file loaded."""
    wh = open_warehouse(tmp_path_factory.mktemp("series") / "w.duckdb")
    for n, firm in enumerate(FIRMS):
        wh.sql(
            "INSERT INTO firms (firm_id, name, segment) VALUES (?, ?, ?)",
            [firm, f"Firm {firm}", ("ITO", "CRM")[n % 2]],
        )
    rows = [
        (f"R{y}{m}{f}", "BK1", f, dt.date(y, m, 5), "C", Decimal("100000.00"), "MAD", "SI22", "FR")
        for y in (2023, 2024)
        for m in range(1, 13)
        for f in FIRMS
    ]
    with wh.transaction(), wh.records.editing(wh.records.ALL_MONTHS):  # the record store
        wh._con.executemany(
            "INSERT INTO transactions (record_id, reporter, firm_id, value_date, flow, amount, "
            "currency, service_code, partner_country) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    load_files(wh, "employment", [DATA / "employment.csv"])
    build(wh, coverage_rule=CoverageRule(window=3), sdc_rule=SdcRule(3, Decimal(10)))
    yield wh
    wh.close()


def test_the_build_stores_the_old_series_the_tracker_and_the_jobs(built):
    """The build left out the old series, the tracker and the jobs: the bulletin had to
    compute them on the side, untraceable to a row of the table."""
    table = load_indicators(built)
    assert table.get("level_old_scope", "2023") == Decimal("17900000000.00")
    assert [o.period for o in table.select(indicator="level_old_scope")] == [
        "2011",
        "2015",
        "2023",
    ]
    assert table.get("target_level", "2030") == Decimal("40000000000.00")
    level = table.get("level", "2024")
    assert level == Decimal("9600000.00")
    assert table.get("target_share", "2024") == level * 100 / Decimal("40e9")
    for indicator in ("target_share", "target_required_growth"):
        assert table.get(indicator, "2023") is not None
    assert table.get("target_recent_growth", "2024") == Decimal(0)
    assert table.get("jobs", "2024", flow="_Z") == 148500
    assert table.get("jobs", "2024", "ITO", flow="_Z") == 61000
    assert table.get("jobs_target_level", "2030", flow="_Z") == 270000
    assert table.get("jobs_target_share", "2024", flow="_Z") == 55
    for o in table.select(flow="_Z"):
        assert (o.conf_status, o.obs_status, o.unit) == ("F", "A", "jobs" if "share" not in
                                                          o.indicator else "percent")  # fmt: skip


def test_the_first_year_of_the_new_series_is_flagged_as_a_break(built):
    """The 2023 level of the new series was published as a plain figure beside the old
    series' 17.9 bn: a reader could chain them. It is flagged B, the old series kept apart."""
    table = load_indicators(built)
    assert table.observation("level", "2023").obs_status == "B"
    assert table.observation("level", "2024").obs_status in ("A", "P")
    assert table.observation("level", "2023", "ITO").obs_status != "B"


def test_stored_values_keep_their_unit(built):
    """Jobs are written whole, MAD rows to the centime, percent rows as other percents."""
    values = {
        (r[0], r[1], r[2], r[3]): r[6]
        for r in built.sql("SELECT * FROM indicators WHERE segment = 'TOTAL'")
    }
    assert values[("jobs", "_Z", "2024", "TOTAL")] == "148500"
    assert values[("jobs_target_level", "_Z", "2030", "TOTAL")] == "270000"
    assert values[("jobs_target_share", "_Z", "2024", "TOTAL")] == "55.0000"
    assert values[("target_level", "exports", "2030", "TOTAL")] == "40000000000.00"
    assert values[("level_old_scope", "exports", "2023", "TOTAL")] == "17900000000.00"
    assert values[("target_share", "exports", "2024", "TOTAL")] == "0.0240"


def test_an_employment_file_loaded_after_the_build_makes_it_stale(built):
    """A release could freeze jobs older than the ones loaded: the build did not know them."""
    check_built(built)
    path = Path(built.path).parent / "more.csv"
    path.write_text("period,segment,jobs\n2024,TOTAL,150000\n", encoding="utf-8")
    load_files(built, "employment", [path])
    try:
        with pytest.raises(ReleaseError, match="employment changed"):
            check_built(built)
    finally:
        built.sql("DELETE FROM employment WHERE load_id = (SELECT max(load_id) FROM employment)")
        built.sql("INSERT INTO employment SELECT * EXCLUDE (superseded_by, superseded_at) "
                  "FROM employment_history")  # fmt: skip
        built.sql("DELETE FROM employment_history")


def test_tracker_rows_of_a_withheld_year_are_withheld():
    """The tracker's share of target for 2024 revealed the 2024 total exactly when that
    total was withheld: every tracker row reading it is now D, and blank in public."""
    table = with_series_and_targets(_table())
    withheld = {("exports", "2024", *TOTAL_KEY): "A"}
    found = {(o.indicator, o.period): flagged(o, withheld) for o in table}
    for indicator in ("target_share", "target_required_growth", "target_recent_growth",
                      "target_projected_level"):  # fmt: skip
        assert found[(indicator, "2024")].conf_status == "D", indicator
    assert found[("target_share", "2023")].conf_status == "F"
    assert found[("target_recent_growth", "2023")].conf_status == "F"
    assert found[("target_level", "2030")].conf_status == "F"
    assert found[("level_old_scope", "2023")].conf_status == "F"


def test_the_recent_pace_is_withheld_when_an_earlier_year_of_it_is():
    table = with_series_and_targets(_table())
    withheld = {("exports", "2022", *TOTAL_KEY): "D"}
    status = {(o.indicator, o.period): flagged(o, withheld).conf_status for o in table}
    assert status[("target_recent_growth", "2024")] == "D"
    assert status[("target_projected_level", "2024")] == "D"
    assert status[("target_share", "2024")] == "F"


def test_protection_never_assesses_the_new_rows_as_cells():
    """One firm: every level is withheld, and so is every tracker row; the old series,
    the targets and the jobs come from no firm and stay published."""
    table = with_series_and_targets(_table((2023, 2024)), [("2024", "TOTAL", 148500)])
    stats = [
        (*cell_key(o), 1, o.value, o.value, None)
        for o in table
        if o.indicator in ("level", "ytd_level") and o.flow == "exports"
    ]
    protected = protect_indicators(table, stats).table.public()
    for o in protected:
        if o.indicator.startswith("target_") and o.indicator != "target_level":
            assert o.conf_status == "D" and o.value is None, o
        if o.indicator in ("level_old_scope", "target_level") or o.flow == "_Z":
            assert o.conf_status == "F" and o.value is not None, o
    assert not any(list(uses(o)) for o in protected if o.flow == "_Z")


def test_employment_file_lines_are_loaded_quarantined_or_the_file_refused(tmp_path):
    """Every line of an employment file is accounted for; a correction replaces the earlier
    figure; the same file twice counts once; a file without the columns is refused whole."""
    path = tmp_path / "jobs.csv"
    path.write_text(
        'period,segment,jobs\n2024,TOTAL,148500\n2024-s1,ito,"60 000"\n2024,XYZ,3\n'
        "2024-13,TOTAL,1\n2024,BPO,-2\n2024,KPO,1.5\n2023,CRM,x\n",
        encoding="utf-8",
    )
    with open_warehouse(tmp_path / "w.duckdb") as wh:
        (report,) = load_files(wh, "employment", [path])
        assert (report.rows_read, report.loaded, report.quarantined) == (7, 2, 5)
        assert report.rules == {"segment_total": 1, "period": 1, "negative": 1, "precision": 1,
                                "type": 1}  # fmt: skip
        assert sorted(wh.sql("SELECT period, segment, jobs FROM employment")) == [
            ("2024", "TOTAL", 148500),
            ("2024-S1", "ITO", 60000),
        ]
        (again,) = load_files(wh, "employment", [path])
        assert again.status == "already loaded"
        fix = tmp_path / "fix.csv"
        fix.write_text("period,segment,jobs\n2024,TOTAL,150000\n", encoding="utf-8")
        (corrected,) = load_files(wh, "employment", [fix])
        assert corrected.corrections == 1
        assert wh.scalar("SELECT jobs FROM employment WHERE period = '2024' "
                         "AND segment = 'TOTAL'") == 150000  # fmt: skip
        bad = tmp_path / "bad.csv"
        bad.write_text("year,jobs\n2024,1\n", encoding="utf-8")
        with pytest.raises(UnreadableInput):
            load_files(wh, "employment", [bad])


@given(st.integers(0, 10**9 - 1))
def test_the_share_of_the_jobs_target_gives_the_jobs_back(jobs):
    """jobs_target_share x 270,000 / 100 is the count loaded, to 28 significant digits."""
    rows = {o.indicator: o for o in jobs_rows([("2024", "TOTAL", jobs)])}
    share = rows["jobs_target_share"].value
    assert abs(share * 270000 / 100 - jobs) <= Decimal(jobs or 1) * Decimal("1e-26")
    assert export_rows_value(rows["jobs"]) == str(jobs)


def export_rows_value(obs: Observation) -> str:
    from marsad.indicators.table import IndicatorTable

    return export_rows(IndicatorTable([obs])).to_pylist()[0]["value"]


@pytest.mark.slow
def test_a_release_records_the_employment_loads_and_verify_replays_them(tmp_path, monkeypatch):
    """A release's jobs could not be rebuilt: verify replayed transactions, firms and rates
    only. Now the manifest lists the employment load and verify rebuilds the jobs as they
    stood, even after a later correction."""
    from marsad.build import build_with_settings
    from marsad.release.freeze import create
    from marsad.release.verify import verify

    monkeypatch.setenv("MARSAD_SDC_MIN_CONTRIBUTORS", "3")
    monkeypatch.setenv("MARSAD_SDC_P", "10")
    path = tmp_path / "w.duckdb"
    firms = tmp_path / "firms.csv"
    firms.write_text(
        "firm_id,name,segment\n"
        + "".join(f"{f},Firm {f},{('ITO', 'CRM')[n % 2]}\n" for n, f in enumerate(FIRMS)),
        encoding="utf-8",
    )
    records = tmp_path / "tx.csv"
    records.write_text(
        "record_id,reporter,firm_id,value_date,flow,amount,currency,service_code,partner_country\n"
        + "".join(f"R{m}{f},BK1,{f},2024-{m:02d}-05,C,1000,MAD,SI22,FR\n"
                  for m in range(1, 13) for f in FIRMS),
        encoding="utf-8",
    )  # fmt: skip
    with open_warehouse(path) as wh:
        load_files(wh, "firms", [firms])
        load_files(wh, "transactions", [records])
        load_files(wh, "employment", [DATA / "employment.csv"])
        build_with_settings(wh)
        frozen = create(wh, tmp_path / "releases", "R1", date=dt.date(2025, 10, 17))
        fix = tmp_path / "fix.csv"
        fix.write_text("period,segment,jobs\n2024,TOTAL,150000\n", encoding="utf-8")
        load_files(wh, "employment", [fix])
        build_with_settings(wh)
    kinds = {load["kind"] for load in frozen.release.manifest["inputs"]["loads"]}
    assert "employment" in kinds
    internal = (frozen.release.path / "indicators.csv").read_text(encoding="utf-8")
    assert "jobs,_Z,2024,TOTAL,_T,_T,148500," in internal
    verdict = verify(path, tmp_path / "releases", "R1", work=tmp_path)
    assert verdict.ok, verdict


def _projected(cells):
    table = with_series_and_targets(compute_indicators(cells, release="r"))
    return [o for o in table if o.indicator == "target_projected_level" and o.period == "2024"]


def test_a_projected_level_past_28_digits_is_exact_to_the_centime():
    """The projection was rounded to 28 significant digits, then to the centime: past
    28 digits its last ones were wrong (zeros). 2023 at 12k, 2024 at 24k: the pace is
    x2 a year, 2030 is 24k x 2^6 = 1536k exactly, 32 digits (a cube cell is in
    centimes)."""
    k = 10**28 + 7
    cells = [
        CubeCell(y, m, "C", "ITO", "SI22", "FR", k * (y - 2022), 1)
        for y in (2023, 2024)
        for m in range(1, 13)
    ]
    (projected,) = _projected(cells)
    assert f"{projected.value:f}" == "153600000000000000000000000107.52"
    assert projected.value == Decimal(f"{1536 * k}e-2")


def test_a_projected_level_no_mad_level_can_hold_is_left_out(caplog):
    """A reviewer's history: one record of 10^20 MAD (an amount and a rate the checks
    accept) after years of small ones: the projected 2030 level passed the 28 digits of
    Python's default context and the build stopped (exit 70); then it was written with
    43 digits, more than the DECIMAL(38,2) of a MAD level, all past the 28th zeros.
    Beyond 10^36 MAD it is not meaningful: left out, with a warning naming the year."""
    cells = [
        CubeCell(y, m, "C", "ITO", "SI22", "FR", 10**22 if y == 2024 else 10**4, 1)
        for y in (2022, 2023, 2024)
        for m in range(1, 13)
    ]
    with caplog.at_level("WARNING"):
        assert _projected(cells) == []
    assert "target_projected_level 2024" in caplog.text and "not meaningful" in caplog.text
    table = with_series_and_targets(compute_indicators(cells, release="r"))
    assert table.get("target_recent_growth", "2024") is not None  # the rest stays
