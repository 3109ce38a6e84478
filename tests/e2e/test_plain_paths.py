"""Paths named plainly in one line: a folder, a device, a file where a folder is
expected, a warehouse file cut short (a reviewer's finds)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from marsad.cli import app

FIRMS = "firm_id,name,segment,isic,city\nF001,Alpha Services,ITO,6201,Rabat\n"


def _line(res, code: int = 2) -> str:
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output and "internal error" not in res.output
    return [ln for ln in res.stderr.splitlines() if ln.startswith("marsad: error:")][-1]


@pytest.fixture
def loaded(tmp_path, monkeypatch):
    """A warehouse with the firms loaded, the working folder ``tmp_path``."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "firms.csv").write_text(FIRMS, encoding="utf-8")
    wh = tmp_path / "w.duckdb"
    res = CliRunner().invoke(
        app, ["ingest", "--warehouse", str(wh), "--kind", "firms", "firms.csv"]
    )
    assert res.exit_code == 0, res.output
    return wh


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (".", ".: is a folder, not a file"),  # was ": is a folder" (the name of '.' is '')
        ("/dev/null", "/dev/null: is a named pipe, a device or a socket"),  # was "null:"
    ],
)
def test_a_path_that_is_no_file_is_named_as_given(loaded, given, said):
    args = ["ingest", "--warehouse", str(loaded), "--kind", "transactions", given]
    assert _line(CliRunner().invoke(app, args)).startswith(f"marsad: error: {said}")


def test_a_file_where_the_warehouse_folder_should_be_is_named(tmp_path):
    """``--warehouse some.csv/w.duckdb`` gave ``[Errno 17] File exists: '…/some.csv'``."""
    (tmp_path / "some.csv").write_text(FIRMS, encoding="utf-8")
    wh = tmp_path / "some.csv" / "w.duckdb"
    args = ["ingest", "--warehouse", str(wh), "--kind", "firms", str(tmp_path / "some.csv")]
    assert _line(CliRunner().invoke(app, args)) == (
        f"marsad: error: cannot make the warehouse {wh}: {tmp_path / 'some.csv'} is a file, "
        "not a folder; give another path (nothing was created)"
    )


@pytest.mark.parametrize("command", [["loads"], ["ingest", "--kind", "firms", "firms.csv"]])
def test_a_warehouse_file_cut_short_is_said_damaged_with_what_to_do(loaded, command):
    """``IO Error: Could not read enough bytes from file …: attempted to read 262144 bytes
    from location …``: DuckDB's words, which said neither what was wrong nor what to do."""
    data = loaded.read_bytes()
    loaded.write_bytes(data[: len(data) // 2])
    line = _line(CliRunner().invoke(app, [*command, "--warehouse", str(loaded)]))
    assert line.startswith(
        f"marsad: error: cannot open the warehouse {loaded}: the file is damaged, cut short"
    ), line
    assert "restore it from a backup" in line and "IO Error" not in line
