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
        # a path typed as a folder: Path drops the / and the . ("new/." is "new"), and
        # the file new.csv/ or marsad.duckdb/. (the warehouse) was written
        ("new.csv/", "is a folder, not a file"),
        ("new.csv/.", "is a folder, not a file"),
        ("new/..", "is a folder, not a file"),
        ("marsad.duckdb/.", "is a folder, not a file"),
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


@pytest.mark.parametrize(
    ("out", "said", "example"),
    [
        ("bulletin", "has no suffix", "bulletin.html"),
        ("b.txt", "ends .txt", "b.html"),
        (".html", "is a suffix without a name", "bulletin.html"),
        ("x.csv.MD5", "ends .MD5", "x.csv.html"),
        # "name." suggested name..html: a name ending with a dot has no suffix to Python
        ("name.", "ends with a dot", "name.html"),
        ("x.html.", "ends with a dot", "x.html"),
        ("x.csv..", "ends with dots", "x.html"),
        ("b.md ", "ends with ' '", "b.md"),
        ("...", "ends with dots", "bulletin.html"),
    ],
)
def test_a_bulletin_name_without_its_format_says_how_to_choose(warehouse, monkeypatch, out, said,
                                                               example):  # fmt: skip
    """``marsad bulletin --out name-without-suffix`` said ``unknown bulletin format ''``:
    one line that names the formats and how to choose one (the suffix: the command has
    no other way), exit 2, nothing written."""
    monkeypatch.chdir(warehouse.parent)
    before = sorted(warehouse.parent.rglob("*"))
    result = run(*COMMANDS["bulletin"], "--out", out, "--warehouse", str(warehouse), code=2)
    assert result.stderr.strip().splitlines() == [
        f"marsad: error: --out {out} {said}, and the suffix chooses the bulletin's format: "
        ".html (HTML, charts inside), .md (Markdown, charts beside it) or .pdf (PDF); "
        f"e.g. --out {example}"
    ]
    assert sorted(warehouse.parent.rglob("*")) == before


@pytest.mark.parametrize("command", FORMAT_SUFFIX, ids=" ".join)
@pytest.mark.parametrize(
    ("end", "said"), [(".", "a dot"), ("SUFFIX.", "a dot"), ("..", "dots"), (" ", "' '")]
)
def test_a_name_ending_with_a_dot_is_refused_with_a_sensible_name(
    warehouse, monkeypatch, command, end, said
):
    """``export --out name.`` wrote a file ``name.`` (no suffix to Python, so taken as a
    name without one), as ``bulletin --out name.`` suggested ``name..html``: refused
    before any work, the example the name without its loose end and with the suffix."""
    monkeypatch.chdir(warehouse.parent)
    expected, what = FORMAT_SUFFIX[command]
    out = "x" + end.replace("SUFFIX", expected)
    before = sorted(warehouse.parent.rglob("*"))
    result = run(*command, "--out", out, "--warehouse", str(warehouse), code=2)
    assert result.stderr.strip().splitlines() == [
        f"marsad: error: --out {out}: the name ends with {said}; {what} writes a {expected} "
        f"file: give a name ending {expected}, e.g. --out x{expected} (nothing was written)"
    ]
    assert sorted(warehouse.parent.rglob("*")) == before


def test_a_name_that_is_all_suffix_says_its_format_too(warehouse, monkeypatch):
    """``export --format xlsx --out .csv`` wrote a workbook named .csv (to Python a hidden
    file without a suffix): the name says a format, refused as ``x.csv`` is."""
    monkeypatch.chdir(warehouse.parent)
    args = ("export", "--format", "xlsx", "--out", ".csv", "--warehouse", str(warehouse))
    result = run(*args, code=2)
    assert "--format xlsx writes a .xlsx file, not .csv" in result.output
    assert not (warehouse.parent / ".csv").exists()


def test_export_without_its_format_names_the_formats_in_one_line(warehouse, monkeypatch):
    """``marsad export --out x.xlsx`` (no --format) listed the formats as
    ``Choose from:\\n\\tcsv,\\n\\txlsx…``, escapes on one line; the format is chosen
    by --format, in any case."""
    monkeypatch.chdir(warehouse.parent)
    result = run("export", "--out", "x.xlsx", "--warehouse", str(warehouse), code=2)
    assert result.stderr.strip().splitlines() == [
        "marsad: error: Missing option '--format'. Choose from: csv, xlsx, sdmx-csv, sdmx-ml, "
        "sdmx-structure, csv-bundle (see: marsad export --help)"
    ]
    typed = run("export", "--format", "XLSX", "--out", "x.xlsx", "--warehouse", str(warehouse),
                code=2)  # fmt: skip
    assert "Invalid value" not in typed.output and "Traceback" not in typed.output


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("out", "said"),
    [
        ("releases/R1/indicators.csv", "is in the releases folder"),  # the default folder
        ("office/R7/revisions.csv", "is in the releases folder"),  # the configured one
        ("kept/R3/indicators.csv", "is in a release (its folder holds a manifest.json)"),
    ],
)
def test_every_releases_folder_is_protected_whatever_the_setting(
    warehouse, monkeypatch, command, out, said
):
    """With MARSAD_RELEASES_DIR set elsewhere, ``export --out releases/2025-S1/
    indicators.csv`` and ``quarantine export --out releases/2025-S1/revisions.csv``
    replaced frozen files of the default releases/ beside the warehouse."""
    folder = warehouse.parent
    for release in ("office/R7", "kept/R3"):
        (folder / release).mkdir(parents=True)
    (folder / "kept" / "R3" / "manifest.json").write_text("{}", encoding="utf-8")
    monkeypatch.setenv("MARSAD_RELEASES_DIR", str(folder / "office"))
    monkeypatch.chdir(folder)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    result = run(*COMMANDS[command], "--out", out, "--warehouse", str(warehouse), code=2)
    assert said in result.output and "Traceback" not in result.output
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("out", ["releases/R1", "releases/new", "marsad.records/x", "kept/R3"])
def test_synth_does_not_write_into_a_release_or_the_record_store(warehouse, monkeypatch, out):
    folder = warehouse.parent
    (folder / "kept" / "R3").mkdir(parents=True)
    (folder / "kept" / "R3" / "manifest.json").write_text("{}", encoding="utf-8")
    monkeypatch.setenv("MARSAD_WAREHOUSE", str(warehouse))
    monkeypatch.chdir(folder)
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    result = run("synth", "--out", out, "--rows-per-year", "1000", code=2)
    assert "give another folder (nothing was written)" in result.output
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ("marsad.records", "is in the warehouse's record store"),
        ("marsad.records/R1", "is in the warehouse's record store"),
        ("marsad.duckdb", "is a file, not a folder"),
        (".", "holds the warehouse"),
    ],
)
@pytest.mark.parametrize("command", [("release", "list"), ("release", "create", "--id", "R1")])
def test_a_releases_dir_in_the_warehouse_is_refused(warehouse, monkeypatch, setting, said, command):
    """MARSAD_RELEASES_DIR=marsad.records made ``release create`` write into the record
    store; =marsad.duckdb made ``release list`` say "No release yet in …/marsad.duckdb"."""
    monkeypatch.chdir(warehouse.parent)
    monkeypatch.setenv("MARSAD_RELEASES_DIR", setting)
    result = run(*command, "--warehouse", str(warehouse), code=2)
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("marsad: error: setting MARSAD_RELEASES_DIR: ") and said in last
    assert not (warehouse.parent / "marsad.records" / "R1").exists()


@pytest.mark.parametrize("command", FORMAT_SUFFIX, ids=" ".join)
def test_a_named_pipe_is_not_refused_for_its_suffix(warehouse, monkeypatch, command):
    """A named pipe's name (``results.txt``, ``/dev/stdout``) is not a file name chosen
    for a format, as ``-`` is not: the suffix check passes it (the command then stops on
    the fixture's unreadable warehouse, before opening the pipe), and it stays a pipe."""
    import os
    import stat

    from typer.testing import CliRunner

    from marsad.cli import app

    monkeypatch.chdir(warehouse.parent)
    os.mkfifo("results.txt")
    args = [*command, "--out", "results.txt", "--warehouse", str(warehouse)]
    assert "writes a" not in CliRunner().invoke(app, args).output
    assert stat.S_ISFIFO(os.stat("results.txt").st_mode)


def test_a_binary_format_to_standard_output_by_its_name_needs_a_pipe(monkeypatch, tmp_path):
    """``--out /dev/stdout`` on a terminal is refused for xlsx as ``--out -`` is (played
    here by a named pipe taken for standard output on a terminal: no real device)."""
    import os

    from marsad.cli import common
    from marsad.errors import BadArgument

    fifo = tmp_path / "stdout"
    os.mkfifo(fifo)
    monkeypatch.setattr(common, "_same_as_stdout", lambda out: out == fifo)
    monkeypatch.setattr(common.sys.stdout, "isatty", lambda: True)
    binary = common.output(fifo, ".xlsx", "--format xlsx", binary=True)
    with pytest.raises(BadArgument, match="a terminal cannot show"), binary:
        pass
    with common.output(fifo, ".csv", "--format csv") as path:  # text: written
        assert path == fifo


def test_a_named_pipe_without_a_reader_stops_in_one_line(tmp_path, monkeypatch):
    """``--out`` a named pipe that no program reads waited forever: the command says so
    in one line (exit 2) after a bounded wait, nothing written, the pipe kept."""
    import os
    import stat

    from marsad.publish import files

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MARSAD_RELEASES_DIR", raising=False)
    monkeypatch.setattr(files, "PIPE_WAIT", 0.2)
    os.mkfifo("triangle.csv")
    result = run("release", "revisions", "--out", "triangle.csv", "--warehouse", "w.duckdb",
                 code=2)  # fmt: skip
    assert result.stderr.strip().splitlines()[-1] == (
        "marsad: error: no program is reading the pipe triangle.csv (waited 0.2 s): start the "
        "program that reads it first (e.g. cat triangle.csv), then run the command again "
        "(nothing was written)"
    )
    assert stat.S_ISFIFO(os.stat("triangle.csv").st_mode) and os.listdir() == ["triangle.csv"]


def _tree(folder):
    return {p: (p.read_bytes() if p.is_file() else None) for p in folder.rglob("*")}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("out", "said"),
    [
        ("nonexist2/sub/x.csv", "there is no folder {folder}/nonexist2/sub; create it first"),
        ("typo/x.csv", "there is no folder {folder}/typo; create it first"),
        ("marsad.duckdb/x.csv", "{folder}/marsad.duckdb is a file, not a folder"),
    ],
)
def test_a_missing_folder_of_out_is_refused_and_not_created(
    warehouse, monkeypatch, command, out, said
):
    """``bulletin --out /nonexistent/a.md`` created ``/nonexistent/`` and ``export --out
    x/nonexist2/sub/x.csv`` two folders: a typo in a folder's name made folders instead
    of an error. Now one plain line, exit 2, as for a mistyped ``--warehouse``."""
    folder = warehouse.parent
    monkeypatch.chdir(folder)
    suffix = ".md" if command == "bulletin" else ".csv"
    out = out.replace(".csv", suffix)
    before = _tree(folder)
    result = run(*COMMANDS[command], "--out", out, "--warehouse", str(warehouse), code=2)
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("marsad: error: ") and out in last
    assert said.format(folder=folder) in last and "Traceback" not in result.output
    assert _tree(folder) == before


@pytest.mark.parametrize("command", ["synth", "demo"])
def test_demo_and_synth_make_their_folder_but_not_a_missing_one_above_it(
    tmp_path, monkeypatch, command
):
    """``synth --out DIR`` and ``demo --out DIR`` make ``DIR`` (a folder tree is what they
    write), but a missing folder above it is a typo, refused as for a file's ``--out``."""
    monkeypatch.chdir(tmp_path)
    result = run(command, "--out", "typo/out", "--rows-per-year", "1000", code=2)
    said = f"--out typo/out: there is no folder {tmp_path}/typo; create it first"
    assert said in result.output and not (tmp_path / "typo").exists()
