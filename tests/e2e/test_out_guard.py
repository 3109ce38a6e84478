"""``--out`` never writes over the warehouse a command reads, its record store or its
releases, and a folder is not a file: ``marsad export --out marsad.duckdb`` wrote a CSV
over the warehouse, and every later command then failed; ``--out ''`` crashed."""

from __future__ import annotations

import pytest

from tests.support import run

COMMANDS = {
    "export": ("export", "--format", "csv"),
    "bulletin": ("bulletin", "--period", "2025-S1"),
    "quarantine export": ("quarantine", "export"),
    "release revisions": ("release", "revisions"),
}


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    monkeypatch.delenv("MARSAD_RELEASES_DIR", raising=False)
    wh = tmp_path / "marsad.duckdb"
    wh.write_bytes(b"not touched")
    for folder in ("marsad.records/_y=2024", "releases/R1"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "releases" / "R1" / "indicators.csv").write_bytes(b"frozen")
    return wh


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("out", "said"),
    [
        ("marsad.duckdb", "is the warehouse's own file"),
        ("marsad.duckdb.wal", "is the warehouse's own file"),
        ("marsad.records/_y=2024/part.parquet", "is in the warehouse's record store"),
        ("releases/R1/indicators.csv", "is in the releases folder"),
        ("releases/R2.csv", "is in the releases folder"),
        ("", "is a folder, not a file"),
        (".", "is a folder, not a file"),
        ("releases", "is a folder, not a file"),
    ],
)
def test_out_is_refused_and_nothing_is_written(warehouse, monkeypatch, command, out, said):
    monkeypatch.chdir(warehouse.parent)
    before = {p: p.read_bytes() for p in warehouse.parent.rglob("*") if p.is_file()}
    result = run(*COMMANDS[command], "--out", out, "--warehouse", str(warehouse), code=2)
    assert said in result.output and "Traceback" not in result.output
    after = {p: p.read_bytes() for p in warehouse.parent.rglob("*") if p.is_file()}
    assert after == before
