"""Numeric settings outside a sensible range are refused as one plain line, exit 2."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from marsad.cli import app
from marsad.engine import Warehouse
from marsad.errors import BadArgument
from marsad.settings import get_settings


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PERCENT_DECIMALS", "99"),
        ("PERCENT_DECIMALS", "-1"),
        ("PROVISIONAL_FROM", "-5"),
        ("FINAL_AFTER_MONTHS", "99999999999999999999"),
        ("RATE_MAX_AGE_DAYS", "100000000000"),
        ("COVERAGE_WINDOW", "99999999999"),
        ("BATCH_BYTES", "0"),
        ("HEADER_SEARCH_ROWS", "-3"),
        ("HEADER_SEARCH_ROWS", "0"),
    ],
)
def test_a_numeric_setting_out_of_range_is_refused(monkeypatch, name, value):
    """MARSAD_PERCENT_DECIMALS=99 crashed the build with decimal.InvalidOperation and
    -1 published shares rounded to tens (70, 30); other settings took negative or huge
    values that meant nothing."""
    monkeypatch.setenv(f"MARSAD_{name}", value)
    with pytest.raises(BadArgument, match=f"^setting MARSAD_{name}: "):
        get_settings()


@pytest.mark.parametrize("value", ["0", "6"])
def test_percent_decimals_within_range_are_accepted(monkeypatch, value):
    monkeypatch.setenv("MARSAD_PERCENT_DECIMALS", value)
    assert get_settings().percent_decimals == int(value)


@pytest.mark.parametrize(
    "command", [["build"], ["bulletin", "--period", "2024", "--out", "b.html"]]
)
def test_build_and_bulletin_refuse_percent_decimals_99_in_one_line(monkeypatch, tmp_path, command):
    Warehouse(tmp_path / "w.duckdb").close()
    monkeypatch.setenv("MARSAD_PERCENT_DECIMALS", "99")
    monkeypatch.setenv("MARSAD_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1] == (
        "marsad: error: setting MARSAD_PERCENT_DECIMALS: Input should be less than or equal to 6"
    )
