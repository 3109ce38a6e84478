"""A file with as many amounts of each decimal mark (``1.500,50`` and ``1500.50``) was
refused with "the decimal mark cannot be told from the data", as if no number told;
its numbers contradict each other, and the refusal now names one of each with its line
or row (a reviewer's d_amount_strings.parquet and c_text_dates_numbers.xlsx)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marsad.cli import app
from marsad.ingest import FileRefused

from .conftest import WRITERS, amounts, load, quarantine, tx

ROWS = [tx("R1", amount="12"), tx("R2", amount="1.500,50"), tx("R3", amount="1500.50")]
#: where R2 and R3 stand in each format (a Parquet file's rows from 1, under no header)
PLACES = {"csv": ("line 3", "line 4"), "xlsx": ("row 3", "row 4"), "parquet": ("row 2", "row 3")}


def _file(tmp_path: Path, fmt: str) -> Path:
    return WRITERS[fmt](tmp_path / f"mixed.{fmt}", ROWS)


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_a_file_mixing_both_marks_names_one_value_of_each(wh, tmp_path, fmt):
    comma_at, point_at = PLACES[fmt]
    with pytest.raises(FileRefused) as err:
        load(wh, _file(tmp_path, fmt))
    reason = err.value.reason
    assert reason.startswith("the numbers of this file contradict each other: ")
    assert f"1500.50 ({point_at}) has a decimal point" in reason
    assert f"1.500,50 ({comma_at}) a decimal comma" in reason
    assert "state the mark with --decimal . or --decimal ," in reason
    assert "cannot be told" not in reason


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_stated_the_mark_quarantines_the_values_of_the_other_form(wh, tmp_path, fmt):
    r = load(wh, _file(tmp_path, fmt), decimal=",")
    assert (r.loaded, r.quarantined) == (2, 1)
    assert amounts(wh) == {"R1": Decimal(12), "R2": Decimal("1500.5")}
    (held,) = quarantine(wh)
    assert (held["column"], held["rule"], held["value"]) == ("amount", "type", "1500.50")


def test_the_command_exits_2_naming_both_values(tmp_path):
    path = _file(tmp_path, "csv")
    w = str(tmp_path / "w.duckdb")
    r = CliRunner().invoke(app, ["ingest", "--kind", "transactions", str(path), "--warehouse", w])
    assert r.exit_code == 2
    assert "1500.50 (line 4) has a decimal point, 1.500,50 (line 3)" in r.output
