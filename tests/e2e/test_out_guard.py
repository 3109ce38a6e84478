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


#: The suffix each export format writes (docs/open-data.md), and that of the CSV
#: commands without --format; then how the refusal names what is written.
FORMAT_SUFFIX = {
    ("export", "--format", "csv"): (".csv", "--format csv"),
    ("export", "--format", "xlsx"): (".xlsx", "--format xlsx"),
    ("export", "--format", "sdmx-csv"): (".csv", "--format sdmx-csv"),
    ("export", "--format", "sdmx-ml"): (".xml", "--format sdmx-ml"),
    ("export", "--format", "sdmx-structure"): (".xml", "--format sdmx-structure"),
    ("export", "--format", "csv-bundle"): (".zip", "--format csv-bundle"),
    ("export", "--release", "R1", "--format", "xlsx"): (".xlsx", "--format xlsx"),
    ("export", "--release", "R1", "--format", "csv"): (".csv", "--format csv"),
    ("quarantine", "export"): (".csv", "quarantine export"),
    ("release", "revisions"): (".csv", "release revisions"),
}
SUFFIXES = (".csv", ".xlsx", ".xml", ".zip", ".pdf", ".html", ".md", ".txt", ".parquet")


@pytest.mark.parametrize("command", FORMAT_SUFFIX, ids=" ".join)
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_a_suffix_that_says_another_format_is_refused(warehouse, monkeypatch, command, suffix):
    """``export --format xlsx --out x.csv`` wrote a workbook named .csv: a file name whose
    suffix is not the format's is refused before any work (exit 2, one line saying the
    suffix it takes, nothing written); the format's own suffix, in any case, and no
    suffix at all pass (the command then stops on the fixture's unreadable warehouse)."""
    from typer.testing import CliRunner

    from marsad.cli import app

    monkeypatch.chdir(warehouse.parent)
    expected, what = FORMAT_SUFFIX[command]
    before = sorted(warehouse.parent.rglob("*"))
    if suffix == expected:
        for name in (f"x{suffix}", f"x{suffix.upper()}", "x"):
            args = [*command, "--out", name, "--warehouse", str(warehouse)]
            assert "writes a" not in CliRunner().invoke(app, args).output
        return
    result = run(*command, "--out", f"x{suffix}", "--warehouse", str(warehouse), code=2)
    assert result.stderr.strip().splitlines() == [
        f"marsad: error: --out x{suffix}: {what} writes a {expected} file, not {suffix}; "
        f"give a name ending {expected} (nothing was written)"
    ]
    assert sorted(warehouse.parent.rglob("*")) == before
