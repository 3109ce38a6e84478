"""The handed cases of issue 7 run as a user would (rules, quarantine export,
waivers, withdrawals), through the command line, built and exported."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marsad.cli import app

CASES = Path(__file__).resolve().parents[1] / "cases"


@pytest.fixture
def run(tmp_path):
    runner = CliRunner()
    wh = ["--warehouse", str(tmp_path / "wh.duckdb")]

    def invoke(*args: str):
        return runner.invoke(app, [*args, *wh])

    return invoke


def _levels(run, tmp_path) -> dict[str, str]:
    """level, exports, TOTAL, _T, partner -> value, of the month 2024-03."""
    out = tmp_path / "ind.csv"
    res = run("build")
    assert res.exit_code == 0, res.output
    assert run("export", "--internal", "--format", "csv", "--out", str(out)).exit_code == 0
    rows = csv.DictReader(out.open())
    return {
        r["partner"]: r["value"]
        for r in rows
        if (r["indicator"], r["flow"], r["period"], r["segment"], r["service"])
        == ("level", "exports", "2024-03", "TOTAL", "_T")
    }


def test_case_05_correction_loop_keeps_the_amounts(run, tmp_path):
    """Case 05: the corrected export reloaded at a thousandth of the amounts."""
    for kind, name in (
        ("firms", "firms.csv"),
        ("rates", "rates.csv"),
        ("transactions", "bank_fr.csv"),
    ):
        assert run("ingest", "--kind", kind, str(CASES / "rw05" / name)).exit_code == 0
    q = tmp_path / "q.csv"
    assert run("quarantine", "export", "--out", str(q)).exit_code == 0
    fixed = tmp_path / "q_fixed.csv"
    fixed.write_text(
        q.read_text().replace(",SI22,ALL,", ",SI22,AL,").replace(",SI22,UK,", ",SI22,GB,")
    )
    res = run("ingest", "--kind", "transactions", str(fixed))
    assert "2 rows read, 2 loaded, 0 quarantined" in res.stdout
    res = run("loads", "--load", "q_fixed.csv")
    assert "4,700.000" in res.stdout and "4.700" not in res.stdout.replace("4,700.000", "")
    levels = _levels(run, tmp_path)
    assert (levels["_T"], levels["AL"], levels["GB"], levels["DE"]) == (
        "80465.40", "16200.00", "34560.00", "29705.40",
    )  # fmt: skip


def test_case_f04_huge_amount_no_traceback(run, tmp_path):
    """Fault 04: 10^14 MAD passed ingest and the build died with a traceback
    printing the record's amount."""
    for kind, name in (("firms", "firms.csv"), ("rates", "rates.csv"), ("transactions", "tx.csv")):
        res = run("ingest", "--kind", kind, str(CASES / "f04" / name))
        assert res.exit_code == 0
    assert "quarantined by rule: too_large 1" in res.stdout
    res = run("build")
    assert "Traceback" not in res.output and "100000000000000" not in res.output
    assert res.exit_code in (0, 1)


def test_case_f06_resident_partner_not_published(run, tmp_path, monkeypatch):
    monkeypatch.setenv("MARSAD_RATE_MAX_AGE_DAYS", "31")  # the probe's one rate is of the 1st
    for kind, name in (("firms", "firms.csv"), ("rates", "rates.csv"), ("transactions", "tx.csv")):
        assert run("ingest", "--kind", kind, str(CASES / "f06" / name)).exit_code == 0
    levels = _levels(run, tmp_path)
    assert "MA" not in levels and levels["_T"] == levels["FR"]


def test_case_f15_inverted_range_exit_2_no_warehouse(tmp_path):
    res = CliRunner().invoke(
        app,
        [
            "ingest", "--kind", "transactions", "--min-date", "2025-01-01",
            "--max-date", "2024-01-01", str(CASES / "f15" / "tx.csv"),
            "--warehouse", str(tmp_path / "w.duckdb"),
        ],
    )  # fmt: skip
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines()[-1].startswith("marsad: error: the earliest date")
    assert not (tmp_path / "w.duckdb").exists()


def test_waive_withdraw_and_control_totals_commands(run, tmp_path):
    src = tmp_path / "bank.csv"
    src.write_text(
        "record_id,reporter,firm_id,value_date,flow,amount,currency,service_code,partner_country\n"
        "R1,BK,F1,2024-03-01,C,100,EUR,SI22,FR\n"
        "R2,BK,F1,2024-03-01,C,(40),EUR,SI22,FR\n"
        "R3,BK,F1,2024-03-01,D,25,USD,SI22,US\n"
    )
    assert run("ingest", "--kind", "transactions", str(src)).exit_code == 0
    res = run("loads")
    assert "60.000" in res.stdout and "-40.000" in res.stdout and "25.000" in res.stdout
    res = run("quarantine", "waive", "L00001:3")
    assert res.exit_code == 2  # --reason is required
    res = run("quarantine", "waive", "L00001:3", "--reason", "reversal, see cover note")
    assert res.exit_code == 0 and "1 quarantined rows waived" in res.stdout
    res = run("quarantine", "show", "L00001", "--all")
    assert "reversal, see cover note" in res.stdout
    assert "nothing in quarantine to fix" in run("quarantine", "list").stdout
    assert run("quarantine", "unwaive", "L00001:3").exit_code == 0
    res = run("loads", "withdraw", "L00001", "--reason", "sent twice")
    assert res.exit_code == 0 and "2 transactions records left the warehouse" in res.stdout
    res = run("loads", "withdraw", "L00001", "--reason", "sent twice")
    assert res.exit_code == 0 and "already withdrawn" in res.stdout
    res = run("loads", "--load", "L00001")
    assert "withdrawn on" in res.stdout and "sent twice" in res.stdout
    assert run("loads", "withdraw", "L9", "--reason", "x").exit_code == 2
