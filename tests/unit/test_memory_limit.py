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


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("lots", "not a size written in digits 0-9 and a unit"),
        ("-1", "not a size written in digits 0-9 and a unit"),
        ("1KB", "out of range (1KB)"),  # DuckDB crashed: OutOfMemoryException, exit 70
        ("63MB", "out of range (63MB)"),
    ],
)
def test_a_memory_limit_out_of_range_is_one_plain_line(tmp_path, monkeypatch, value, said):
    path = tmp_path / "w.duckdb"
    _limit(path)
    monkeypatch.setenv("MARSAD_MEMORY_LIMIT", value)
    with pytest.raises(BadArgument, match=r"^setting MARSAD_MEMORY_LIMIT: "):
        _limit(path)
    res = CliRunner().invoke(app, ["loads", "--warehouse", str(path)])
    assert res.exit_code == 2, res.output
    assert res.stderr.splitlines()[-1] == (
        f"marsad: error: setting MARSAD_MEMORY_LIMIT: {said}: "
        "give a size from 64MB to 1000TB (e.g. 4GB)"
    )
    assert "Traceback" not in res.output


def test_ingest_memory_limit_flag_is_checked_as_the_setting(tmp_path):
    (tmp_path / "r.csv").write_text("x\n", encoding="utf-8")
    res = CliRunner().invoke(
        app,
        ["ingest", "--kind", "rates", "--memory-limit", "1KB", "--warehouse",
         str(tmp_path / "w.duckdb"), str(tmp_path / "r.csv")],
    )  # fmt: skip
    assert res.exit_code == 2, res.output
    assert res.stderr.splitlines()[-1].startswith("marsad: error: --memory-limit '1KB': out of")
    assert not (tmp_path / "w.duckdb").exists()


def test_running_out_of_memory_is_one_plain_line_naming_the_setting(tmp_path, monkeypatch):
    """Any command that runs out of memory says which setting to raise (exit 2)."""
    import duckdb

    from marsad.engine import classify_error

    monkeypatch.setenv("MARSAD_MEMORY_LIMIT", "2GB")
    oom = duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")
    fault = classify_error(oom)
    assert fault is not None and fault.exit_code == 2
    assert "MARSAD_MEMORY_LIMIT=2GB" in str(fault) and "raise it" in str(fault)
    try:  # wrapped by a stage: the cause is found
        try:
            raise oom
        except duckdb.Error as exc:
            raise RuntimeError("stage failed") from exc
    except RuntimeError as wrapped:
        assert classify_error(wrapped) is not None
    path = tmp_path / "w.duckdb"
    _limit(path)
    monkeypatch.setenv("MARSAD_MEMORY_LIMIT", "64MB")
    res = CliRunner().invoke(
        app, ["loads", "--warehouse", str(path)], catch_exceptions=False
    )  # a small limit a command can live with
    assert res.exit_code == 0, res.output
