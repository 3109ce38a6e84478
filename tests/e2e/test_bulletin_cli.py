"""``marsad bulletin`` for a year, a half, a quarter and a month (the year to date), in
HTML, Markdown and PDF, on a warehouse holding a known indicator table (no build: fast)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marsad.cli import app
from marsad.engine import open_warehouse
from marsad.indicators.rows import export_rows

from ..unit.publish import pdf_reader
from ..unit.publish.conftest import DEMO_LEVELS, DEMO_PARTNERS, build_table

#: The demo levels and two months (May 2024 and 2025), in bn MAD.
LEVELS = {
    **DEMO_LEVELS,
    ("2024-05", "TOTAL"): "2.150",
    ("2024-05", "ITO"): "0.900",
    ("2025-05", "TOTAL"): "2.240",
    ("2025-05", "ITO"): "0.950",
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bulletin") / "w.duckdb"
    table = build_table(LEVELS, DEMO_PARTNERS)
    with open_warehouse(path) as wh:
        wh.replace_table("indicators", export_rows(table))
    return path


def _bulletin(warehouse: Path, *args: str):
    return CliRunner().invoke(app, ["bulletin", "--warehouse", str(warehouse), *args])


@pytest.mark.parametrize(
    ("period", "label"),
    [
        ("2024", "2024"),
        ("2025-S1", "premier semestre 2025"),
        ("2024-Q3", "troisième trimestre 2024"),
        ("2025-05", "mai 2025"),
    ],
)
def test_every_kind_of_period_has_its_bulletin(warehouse, tmp_path, period, label):
    out = tmp_path / f"b-{period}.html"
    result = _bulletin(warehouse, "--period", period, "--lang", "fr", "--out", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert label in html.lower()
    assert f"Wrote the fr bulletin for {period} to {out}" in result.output


@pytest.mark.parametrize("typed", ["2025-s1", "2024-q3"])
def test_a_period_typed_in_lower_case_is_its_canonical_code(warehouse, tmp_path, typed):
    """``--period 2025-s1`` was refused ("not a period") where ``2025-S1`` was taken."""
    out = tmp_path / "b.html"
    result = _bulletin(warehouse, "--period", typed, "--lang", "fr", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"Wrote the fr bulletin for {typed.upper()} to {out}" in result.output


def test_the_bulletin_as_pdf(warehouse, tmp_path):
    out = tmp_path / "b.pdf"
    result = _bulletin(warehouse, "--period", "2025-S1", "--lang", "en", "--out", str(out))
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and pdf_reader.page_count(data) >= 2
    assert "first half of 2025" in pdf_reader.text(data)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_the_markdown_bulletin_writes_its_charts(warehouse, tmp_path):
    out = tmp_path / "b.md"
    result = _bulletin(warehouse, "--period", "2024-Q3", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "b-segments.svg").exists()
    charts = len(list(tmp_path.glob("b-*.svg")))
    said = "1 chart file beside it" if charts == 1 else f"{charts} chart files beside it"
    assert f"(and {said})" in result.output


@pytest.mark.parametrize("suffix", ["html", "pdf"])
def test_the_arabic_bulletin(warehouse, tmp_path, suffix):
    out = tmp_path / f"b.{suffix}"
    result = _bulletin(warehouse, "--period", "2025-S1", "--lang", "ar", "--out", str(out))
    assert result.exit_code == 0, result.output
    if suffix == "html":
        assert 'dir="rtl"' in out.read_text(encoding="utf-8")


def test_a_wrong_format_is_one_line(warehouse, tmp_path):
    result = _bulletin(warehouse, "--period", "2025-S1", "--out", str(tmp_path / "b.docx"))
    assert result.exit_code == 2  # a wrong argument, as the README says
    assert "ends .docx, and the suffix chooses the bulletin's format" in result.output
    assert ".html (HTML, charts inside), .md (Markdown" in result.output


def test_a_read_only_target_is_one_plain_line(warehouse, tmp_path, monkeypatch):
    """A PDF that cannot be renamed into place (read-only file system) is one line, exit 2,
    and leaves neither the target nor a temporary file."""

    def read_only(src, dst):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(dst))

    monkeypatch.setattr("marsad.publish.files.os.replace", read_only)
    out = tmp_path / "b.pdf"
    result = _bulletin(warehouse, "--period", "2025-S1", "--out", str(out))
    assert result.exit_code == 2, result.output
    assert f"marsad: error: cannot write {out}: the file system is read-only" in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("typed", ["0001", "0999-S1", "0001-07", " 2030"])
def test_a_period_without_data_is_quoted_as_typed(warehouse, tmp_path, typed):
    """``--period 0000`` was quoted ``'0'`` (the period written back without its leading
    zeros): an error quotes what the user typed, as typed."""
    result = _bulletin(warehouse, "--period", typed, "--out", str(tmp_path / "b.html"))
    assert result.exit_code == 1, result.output
    assert f"no exports figure for the period {typed!r};" in result.output
    assert "Traceback" not in result.output


def test_the_year_0000_is_no_period(warehouse, tmp_path):
    """Years run from 0001 to 9999, for a command's period as for the web's (one rule,
    marsad.dates.YEAR): ``--period 0000`` is one plain line quoting it, exit 2."""
    result = _bulletin(warehouse, "--period", "0000", "--out", str(tmp_path / "b.html"))
    assert result.exit_code == 2, result.output
    assert "not a period: '0000': it has no year: years run from 0001 to 9999" in result.output
    assert "Traceback" not in result.output
