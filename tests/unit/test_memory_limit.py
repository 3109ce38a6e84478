"""Every command's DuckDB connection holds at most ``MARSAD_MEMORY_LIMIT`` (issue 11:
bounded memory everywhere; DuckDB's own default is 80 % of the machine's memory)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from marsad.cli import app
from marsad.engine import open_warehouse
from marsad.errors import BadArgument


def _limit(path) -> str:
    with open_warehouse(path) as wh:
        return wh.scalar("SELECT current_setting('memory_limit')")


def test_the_warehouse_holds_at_most_the_memory_limit(tmp_path, monkeypatch):
    monkeypatch.delenv("MARSAD_MEMORY_LIMIT", raising=False)
    assert _limit(tmp_path / "w.duckdb") == "3.7 GiB"  # 4GB, the default
    monkeypatch.setenv("MARSAD_MEMORY_LIMIT", "1GB")
    assert _limit(tmp_path / "w.duckdb") == "953.6 MiB"


def test_a_memory_limit_duckdb_refuses_is_one_plain_line(tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    _limit(path)
    monkeypatch.setenv("MARSAD_MEMORY_LIMIT", "lots")
    with pytest.raises(BadArgument, match="MARSAD_MEMORY_LIMIT='lots' is not a memory size"):
        _limit(path)
    res = CliRunner().invoke(app, ["loads", "--warehouse", str(path)])
    assert res.exit_code == 2, res.output
    assert res.stderr.splitlines()[-1] == (
        "marsad: error: MARSAD_MEMORY_LIMIT='lots' is not a memory size DuckDB accepts (e.g. 4GB)"
    )
    assert "Traceback" not in res.output
