"""Rows left in quarantine (neither corrected by a later load nor waived) are said at
build and release time, per month and reporter, counts only; a month none of whose
rows of a bank could be loaded says that the bank's rows are in quarantine, not that
it never delivered."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from marsad.cli import app

HEADER = "record_id,reporter,firm_id,value_date,flow,amount,currency,service_code,partner_country"
AMOUNT = "7373.37"  # no output may show it: counts only


@pytest.fixture
def run(tmp_path):
    """``run("build")``: a command on ``tmp_path/w.duckdb``, in process."""
    runner = CliRunner()

    def invoke(*args: str, code: int = 0):
        res = runner.invoke(app, [*args, "--warehouse", str(tmp_path / "w.duckdb")])
        assert res.exit_code == code, res.output
        return res

    return invoke


def _rows(path: Path, reporter: str, month: str, countries: list[str], prefix: str) -> Path:
    lines = [HEADER]
    for k, country in enumerate(countries):
        firm = f"F{k + 1:03d}"
        lines.append(f"{prefix}{k},{reporter},{firm},{month}-10,C,{AMOUNT},MAD,SI22,{country}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def loaded(tmp_path, run):
    """BK01 and BK02 deliver February to April; every March row of BK02 and 9 of its
    10 April rows are refused (country XX)."""
    firms = ["firm_id,name,segment,isic,city"]
    firms += [f"F{k:03d},Firm {k},ITO,6201,Rabat" for k in range(1, 11)]
    (tmp_path / "firms.csv").write_text("\n".join(firms) + "\n", encoding="utf-8")
    run("ingest", "--kind", "firms", str(tmp_path / "firms.csv"))
    files = [
        _rows(tmp_path / "a2.csv", "BK01", "2024-02", ["FR"] * 10, "A2"),
        _rows(tmp_path / "b2.csv", "BK02", "2024-02", ["FR"] * 10, "B2"),
        _rows(tmp_path / "a3.csv", "BK01", "2024-03", ["FR"] * 10, "A3"),
        _rows(tmp_path / "a4.csv", "BK01", "2024-04", ["FR"] * 10, "A4"),
        _rows(tmp_path / "b3.csv", "BK02", "2024-03", ["XX"] * 10, "B3"),
        _rows(tmp_path / "b4.csv", "BK02", "2024-04", ["FR"] + ["XX"] * 9, "B4"),
    ]
    run("ingest", "--kind", "transactions", *map(str, files))
    return tmp_path


def test_build_and_release_say_which_rows_wait_in_quarantine(loaded, run):
    """9 of BK02's 10 April rows were refused, neither corrected nor waived: the build
    said nothing of them and the release froze April without them, silently."""
    out = run("build").stdout
    assert (
        "In quarantine, not corrected or waived: 19 rows; review with marsad quarantine list:"
        in out
    )
    assert "  2024-03: 10 rows (BK02: 10)\n  2024-04: 9 rows (BK02: 9)\n" in out
    assert AMOUNT.split(".")[0] not in out
    res = run("release", "create", "--id", "R1", "--date", "2025-01-15")  # a warning, made
    assert "warning: in quarantine, not corrected or waived: 19 rows" in res.stderr
    assert "  2024-04: 9 rows (BK02: 9)" in res.stderr
    assert AMOUNT.split(".")[0] not in res.output
    assert "Release R1" in res.stdout


def test_a_bank_whose_rows_are_all_in_quarantine_is_not_said_to_have_delivered_nothing(loaded, run):
    """The gap line said '2024-03: no delivery from BK02' (and offered a nil return)
    though BK02 had sent March: its every row was in quarantine."""
    out = run("build").stdout
    assert "  2024-03: no record loaded from BK02 (10 rows in quarantine)\n" in out
    assert "no delivery" not in out and "nil-return" not in out
    coverage = run("coverage").stdout
    assert "  2024-03: no record loaded from BK02 (10 rows in quarantine)" in coverage
    refused = run("bulletin", "--period", "2024-03", "--out", str(loaded / "b.html"), code=1)
    assert "2024-03: no record loaded from BK02 (10 rows in quarantine)" in refused.stderr


def test_rows_waived_or_corrected_are_no_longer_counted(loaded, run, tmp_path):
    run("quarantine", "waive", "--load", "L00006", "--reason", "the bank withdrew March")
    out = run("build").stdout
    line = "In quarantine, not corrected or waived: 9 rows of 2024-04 (BK02: 9); review with"
    assert line in out
    assert "2024-03: no delivery from BK02" in out  # waived: nothing of BK02 stands for March
    fixed = _rows(tmp_path / "b4-fixed.csv", "BK02", "2024-04", ["FR"] * 10, "B4")
    run("ingest", "--kind", "transactions", str(fixed))
    assert "In quarantine" not in run("build").stdout
