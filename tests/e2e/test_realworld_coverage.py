"""Real-world cases 06 and 07 through the command line: a month whose file never
arrived, and a stray record with a mistyped year, must not publish incomplete
periods; ``coverage``, ``review`` and ``ingest --nil-return`` as a compiler uses them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marsad.cli import app

DATA = Path(__file__).parent / "data" / "realworld"


def _run(runner: CliRunner, wh: Path, *args: str, code: int = 0):
    res = runner.invoke(app, [*args, "--warehouse", str(wh)])
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    return res


def _exports(runner: CliRunner, wh: Path, tmp: Path) -> dict[tuple[str, str], str]:
    out = tmp / "indicators.csv"
    _run(runner, wh, "export", "--internal", "--format", "csv", "--out", str(out))
    with out.open(encoding="utf-8") as f:
        return {
            (r["indicator"], r["period"]): r["value"]
            for r in csv.DictReader(f)
            if (r["flow"], r["segment"], r["service"], r["partner"])
            == ("exports", "TOTAL", "_T", "_T")
        }


def _load(runner: CliRunner, wh: Path, case: str) -> None:
    _run(runner, wh, "ingest", "--kind", "firms", str(DATA / case / "firms.csv"))
    _run(runner, wh, "ingest", "--kind", "transactions", str(DATA / case / "tx.csv"))


@pytest.fixture
def runner(monkeypatch) -> CliRunner:
    monkeypatch.delenv("MARSAD_EXPECTED_REPORTERS", raising=False)
    monkeypatch.delenv("MARSAD_COVERAGE_WINDOW", raising=False)
    return CliRunner()


def test_case_06_a_month_that_never_arrived(runner, tmp_path):
    """2024-02 had no record: 2024-Q1 was published at 2000.00 (-33.3 %), 2024 at
    11000.00, ytd 2024-02 at 1000.00 (-50 %), and the bulletin told of a fall."""
    wh = tmp_path / "w.duckdb"
    _load(runner, wh, "06-missing-month-periods")
    built = _run(runner, wh, "build")
    assert "2024-02: no delivery from BANKA" in built.stdout
    # the hint names the month and the bank missing, not an example
    assert "marsad ingest --nil-return --reporter BANKA --month 2024-02" in built.stdout
    rows = _exports(runner, wh, tmp_path)
    for period in ("2024-02", "2024-Q1", "2024-S1", "2024"):
        assert ("level", period) not in rows and ("growth_yoy", period) not in rows, period
    for month in range(2, 13):
        assert ("ytd_level", f"2024-{month:02d}") not in rows
        assert ("ytd_growth_yoy", f"2024-{month:02d}") not in rows
    assert rows[("level", "2024-01")] == "1000.00"
    assert rows[("level", "2024-Q2")] == "3000.00"
    assert rows[("growth_yoy", "2024-Q2")] == "0.0000"
    res = _run(
        runner, wh, "bulletin", "--period", "2024-Q1", "--out", str(tmp_path / "b.md"), code=1
    )
    assert "2024-Q1 is not published: the period is not complete (2024-02: no delivery from " in (
        res.stderr
    )
    assert not (tmp_path / "b.md").exists()
    # the bank says it had nothing that month: the periods are complete again
    _run(runner, wh, "ingest", "--nil-return", "--reporter", "BANKA", "--month", "2024-02")
    assert "no delivery" not in _run(runner, wh, "build").stdout
    rows = _exports(runner, wh, tmp_path)
    assert rows[("level", "2024-Q1")] == "2000.00"
    assert rows[("ytd_level", "2024-02")] == "1000.00"


def test_case_07_a_stray_record_does_not_publish_a_year(runner, tmp_path):
    """One record dated 2025-12 made 2025 a year of 500.00 (-95.8 %)."""
    wh = tmp_path / "w.duckdb"
    _load(runner, wh, "07-stray-date-publishes-year")
    built = _run(runner, wh, "build")
    assert "2025-01 to 2025-11: no delivery from BANKA" in built.stdout
    rows = _exports(runner, wh, tmp_path)
    shown = ("level", "growth_yoy", "ytd_level", "ytd_growth_yoy")  # what run.sh prints
    in_2025 = {k: v for k, v in rows.items() if k[1].startswith("2025") and k[0] in shown}
    assert in_2025 == {("level", "2025-12"): "500.00", ("growth_yoy", "2025-12"): "-50.0000"}
    # December 2025 against the whole of 2024 (complete): 500 / 12000
    assert rows[("progress_prev_year", "2025-12")] == "4.1667"
    assert {k[1] for k in rows if k[1].startswith("2025")} == {"2025-12"}
    res = _run(runner, wh, "bulletin", "--period", "2025", "--out", str(tmp_path / "b.md"), code=1)
    assert "2025 is not published: the period is not complete (2025-01 to 2025-11: no " in (
        res.stderr
    )
    assert "baisse" not in res.output


def test_coverage_shows_the_grid_and_the_complete_months(runner, tmp_path):
    wh = tmp_path / "w.duckdb"
    _load(runner, wh, "07-stray-date-publishes-year")
    out = _run(runner, wh, "coverage").stdout
    assert "BANKA     2025  ! ! ! ! ! ! ! ! ! ! ! #        1" in out
    assert "complete  2025  - - - - - - - - - - - +" in out
    assert "Complete months: 2023-01 to 2024-12, 2025-12." in out
    assert "2025-01 to 2025-11: no delivery from BANKA" in out
    detail = _run(runner, wh, "coverage", "--detail").stdout
    assert "BANKA     2024-12  delivered            1" in detail
    assert "BANKA     2025-01  missing              0" in detail


def test_nil_returns_are_in_the_ledger_and_can_be_withdrawn(runner, tmp_path):
    wh = tmp_path / "w.duckdb"
    _load(runner, wh, "06-missing-month-periods")
    args = ("ingest", "--nil-return", "--reporter", "BANKA", "--month", "2024-02")
    assert "nil return declared - load L00003" in _run(runner, wh, *args).stdout
    assert "already declared" in _run(runner, wh, *args).stdout
    assert "nil return BANKA 2024-02" in _run(runner, wh, "loads").stdout
    assert "BANKA     2024  # 0 #" in _run(runner, wh, "coverage").stdout
    assert "withdrawn" in _run(runner, wh, *args, "--withdraw").stdout
    assert "BANKA     2024  # ! #" in _run(runner, wh, "coverage").stdout


def test_a_nil_return_for_a_month_with_records_is_refused(runner, tmp_path):
    wh = tmp_path / "w.duckdb"
    _load(runner, wh, "06-missing-month-periods")
    args = ("ingest", "--nil-return", "--reporter", "BANKA", "--month", "2024-03")
    res = _run(runner, wh, *args, code=1)
    assert "marsad: error: BANKA delivered 1 record(s) for 2024-03" in res.stderr
    res = _run(runner, wh, "ingest", "--nil-return", "--reporter", "BANKA", code=2)
    assert "needs --reporter (e.g. BK01) and --month" in res.stderr


def test_review_lists_the_records_outside_the_sector(runner, tmp_path):
    wh = tmp_path / "w.duckdb"
    _load(runner, wh, "06-missing-month-periods")
    extra = tmp_path / "extra.csv"
    extra.write_text(
        "record_id,reporter,firm_id,value_date,flow,amount,currency,service_code,partner_country\n"
        "X-1,BANKA,NOFIRM,2024-03-20,C,77.00,MAD,SC12,FR\n"
        "X-2,BANKA,,2024-04-20,C,5.00,MAD,SG1,DE\n",
        encoding="utf-8",
    )
    _run(runner, wh, "ingest", "--kind", "transactions", str(extra))
    built = _run(runner, wh, "build").stdout
    assert "2 record(s) of 1 firm(s) are held for review" in built
    assert _exports(runner, wh, tmp_path)[("level", "2024-03")] == "1000.00"
    out = _run(runner, wh, "review").stdout
    assert "2 record(s) of 1 firm(s) held for review" in out
    for text in ("X-1", "NOFIRM", "SC12", "2024-03-20", "77.000", "X-2", "SG1", "MAD"):
        assert text in out, text


def test_loads_withdraw_of_a_nil_return_makes_the_month_incomplete_again(runner, tmp_path):
    """`marsad loads withdraw` of a nil return's ledger row failed (no such kind of
    records), and the month would have stayed complete."""
    wh = tmp_path / "w.duckdb"
    _load(runner, wh, "06-missing-month-periods")
    _run(runner, wh, "ingest", "--nil-return", "--reporter", "BANKA", "--month", "2024-02")
    assert "BANKA     2024  # 0 #" in _run(runner, wh, "coverage").stdout
    res = _run(runner, wh, "loads", "withdraw", "L00003", "--reason", "sent by mistake")
    assert "load L00003 withdrawn" in res.stdout
    assert "BANKA     2024  # ! #" in _run(runner, wh, "coverage").stdout
    again = _run(runner, wh, "loads", "withdraw", "L00003", "--reason", "twice")
    assert "already withdrawn" in again.stdout
