"""``marsad reporters`` and the reading options of ``marsad ingest`` end to end:
the decimal mark used and why, a refused file in one plain line, the
reporter's settings declared, listed and applied."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from marsad.cli import app

HEADER = "\t".join(
    [
        "record_id",
        "reporter",
        "firm_id",
        "value_date",
        "flow",
        "amount",
        "currency",
        "service_code",
        "partner_country",
    ]
)


def _tsv(path: Path, *rows: str) -> Path:
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_ambiguous_file_refused_then_loaded_after_the_reporter_is_declared(tmp_path):
    w = str(tmp_path / "w.duckdb")
    jan = _tsv(tmp_path / "jan.tsv", "J1\tBK01\tF1\t2024-01-15\tC\t1.500\tEUR\tSI22\tDE")
    r = _run("ingest", "--kind", "transactions", str(jan), "--warehouse", w)
    assert r.exit_code == 2
    assert "jan.tsv: the decimal mark cannot be told from the data: state --decimal" in r.output
    r = _run("reporters", "set", "BK01", "--decimal", ",", "--date-format", "%d/%m/%Y",
             "--warehouse", w)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "BK01: decimal set to ','" in r.output
    r = _run("ingest", "--kind", "transactions", str(jan), "--warehouse", w)
    assert r.exit_code == 0, r.output
    assert "decimal ',' (reporter BK01's, declared)" in r.output
    r = _run("reporters", "list", "--warehouse", w)
    assert "BK01" in r.output and "%d/%m/%Y" in r.output and "declared" in r.output


def test_map_and_date_format_on_ingest(tmp_path):
    w = str(tmp_path / "w.duckdb")
    p = tmp_path / "a.tsv"
    p.write_text(
        HEADER.replace("record_id", "Record ID") + "\n"
        "A1\tBK02\tF1\t15/01/2024\tC\t10.50\tEUR\tSI22\tDE\n",
        encoding="utf-8",
    )
    r = _run("ingest", "--kind", "transactions", str(p), "--map", "Record ID=record_id",
             "--date-format", "%d/%m/%Y", "--warehouse", w)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "1 loaded" in r.output and "'Record ID' as record_id" in r.output
    r = _run("reporters", "list", "--warehouse", w)
    assert "stated for a.tsv" in r.output


def test_bad_reading_options_are_one_line(tmp_path):
    w = str(tmp_path / "w.duckdb")
    p = _tsv(tmp_path / "a.tsv", "A1\tBK01\tF1\t2024-01-15\tC\t1.5\tEUR\tSI22\tDE")
    r = _run("ingest", "--kind", "transactions", str(p), "--map", "oops", "--warehouse", w)
    assert r.exit_code == 2 and "--map wants NAME=field" in r.output
    r = _run("reporters", "set", "BK01", "--warehouse", w)
    assert r.exit_code == 2 and "say what to set" in r.output


def test_marks_and_separators_are_taken_by_name(tmp_path):
    """The upload took ``sep=semicolon`` but not ``decimal=comma``: a mark is taken by its
    name wherever it is stated, and recorded as the mark, so the same file stated
    ``--decimal ,`` afterwards is the same reading (unchanged, not refused)."""
    w = str(tmp_path / "w.duckdb")
    p = tmp_path / "a.csv"
    p.write_text(HEADER.replace("\t", " ") + "\nA1 BK01 F1 2024-01-15 C 1.500 EUR SI22 DE\n")
    r = _run("ingest", "--kind", "transactions", str(p), "--decimal", "Comma", "--sep", "space",
             "--warehouse", w)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "1 loaded" in r.output and "separator ' ', decimal ',' (stated)" in r.output
    r = _run("ingest", "--kind", "transactions", str(p), "--decimal", ",", "--sep", " ",
             "--warehouse", w)  # fmt: skip
    assert r.exit_code == 0 and "already loaded (load L00001" in r.output, r.output
    for name, mark in (("point", "'.'"), ("period", "'.'"), ("dot", "'.'"), ("comma", "','")):
        r = _run("reporters", "set", "BK02", "--decimal", name, "--warehouse", w)
        assert r.exit_code == 0 and f"BK02: decimal set to {mark}" in r.output, r.output
    r = _run("reporters", "set", "BK02", "--decimal", "semicolon", "--warehouse", w)
    assert r.exit_code == 2
    assert "must be '.' or ',' (point or comma), not 'semicolon'" in r.output


def test_a_declared_map_that_renames_nothing_does_not_replace_the_kept_one(tmp_path):
    """``reporters set BK01 --map reporter=reporter`` replaced BK01's real mapping with one
    renaming nothing (a reviewer's find); renaming pairs beside it are kept alone."""
    w = str(tmp_path / "w.duckdb")
    assert _run("reporters", "set", "BK01", "--map", "Record ID=record_id", "--warehouse", w
                ).exit_code == 0  # fmt: skip
    r = _run("reporters", "set", "BK01", "--map", "reporter=reporter", "--warehouse", w)
    assert r.exit_code == 2 and "--map renames nothing" in r.output
    r = _run("reporters", "set", "BK01", "--map", "Montant=amount", "--map", "reporter=reporter",
             "--warehouse", w)  # fmt: skip
    assert r.exit_code == 0, r.output
    listed = _run("reporters", "list", "--warehouse", w).output
    assert "montant" in listed and "'reporter' -> reporter" not in listed, listed
