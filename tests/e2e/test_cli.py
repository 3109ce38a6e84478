"""The command line as a whole: version, help without the heavy libraries, errors a
user can fix against bugs, read-only commands on a missing warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marsad.cli import app
from marsad.engine import Warehouse
from marsad.errors import MarsadError

HEAVY = ("ibis", "duckdb", "pandas", "pyarrow", "altair")
HEADER = "record_id,reporter,firm_id,value_date,flow,amount,currency,service_code,partner_country"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _marsad(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MARSAD_WAREHOUSE": str(cwd / "w.duckdb"), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "marsad", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_version_comes_from_the_package_metadata(tmp_path):
    proc = _marsad("--version", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"marsad {version('marsad')}"


def test_help_does_not_import_ibis_nor_the_other_heavy_libraries():
    """`marsad --help` took seconds when every command imported Ibis at start."""
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from marsad.cli import app\n"
        "for args in (['--help'], ['ingest', '--help'], ['quarantine', 'show', '--help'],\n"
        "             ['loads', '--help'], ['build', '--help'], ['export', '--help'],\n"
        "             ['bulletin', '--help'], ['demo', '--help'], ['synth', '--help']):\n"
        "    assert CliRunner().invoke(app, args).exit_code == 0, args\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_python_dash_m_marsad_answers_help(tmp_path):
    proc = _marsad("--help", cwd=tmp_path)
    assert proc.returncode == 0
    for command in ("ingest", "quarantine", "loads", "build", "export", "bulletin", "demo"):
        assert command in proc.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["loads"],
        ["coverage"],
        ["review"],
        ["quarantine", "list"],
        ["quarantine", "show", "L00001"],
        ["quarantine", "export", "--out", "q.csv"],
        ["export", "--format", "csv", "--out", "x.csv"],
        ["bulletin", "--period", "2024-S1", "--out", "b.html"],
        ["build"],
    ],
)
def test_read_commands_on_a_missing_warehouse_say_so_and_create_nothing(runner, tmp_path, args):
    missing = tmp_path / "sub" / "w.duckdb"
    res = runner.invoke(app, [*args, "--warehouse", str(missing)])
    assert res.exit_code == 2
    assert f"warehouse: {missing}" in res.stderr
    assert (
        f"marsad: error: no warehouse at {missing}: load files first with marsad ingest"
        in res.stderr
    )
    assert "Traceback" not in res.output
    assert not missing.exists() and not missing.parent.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["ingest", "--kind", "firms", "FILE"],
        ["ingest", "--nil-return", "--reporter", "BK01", "--month", "2024-01"],
        ["ingest", "--nil-return", "--reporter", "BK01", "--month", "2024-01", "--withdraw"],
        ["reporters", "set", "BK01", "--decimal", ","],
    ],
)
def test_a_warehouse_in_a_missing_folder_is_refused_and_nothing_is_made(runner, tmp_path, args):
    """ingest --warehouse /typo/dir/w.duckdb made the folder tree /typo/dir and a new
    warehouse in it: the files were loaded where no later command looked."""
    firms = tmp_path / "firms.csv"
    firms.write_text("firm_id,name,segment,isic,city\nF1,A,ITO,6201,Rabat\n")
    before = sorted(tmp_path.iterdir())
    typo = tmp_path / "typo" / "dir" / "w.duckdb"
    args = [str(firms) if a == "FILE" else a for a in args]
    res = runner.invoke(app, [*args, "--warehouse", str(typo)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert res.stderr.strip().splitlines()[-1] == (
        f"marsad: error: no folder {typo.parent} for the warehouse {typo}: create the folder "
        "first or give another path (nothing was created)"
    )
    assert sorted(tmp_path.iterdir()) == before


def test_ingest_makes_a_new_warehouse_in_a_folder_that_exists(runner, tmp_path):
    firms = tmp_path / "firms.csv"
    firms.write_text("firm_id,name,segment,isic,city\nF1,A,ITO,6201,Rabat\n")
    (tmp_path / "office").mkdir()
    new = tmp_path / "office" / "w.duckdb"
    res = runner.invoke(app, ["ingest", "--kind", "firms", str(firms), "--warehouse", str(new)])
    assert res.exit_code == 0, res.output
    assert new.is_file()


def test_a_file_in_the_way_of_the_warehouse_folder_says_so(runner, tmp_path):
    (tmp_path / "notes").write_text("x")
    path = tmp_path / "notes" / "w.duckdb"
    args = ["reporters", "set", "BK01", "--decimal", ",", "--warehouse", str(path)]
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert res.stderr.strip().splitlines()[-1] == (
        f"marsad: error: cannot make the warehouse {path}: {tmp_path / 'notes'} is a file, "
        "not a folder; give another path (nothing was created)"
    )


def _not_a_warehouse(folder: Path, name: str) -> Path:
    path = folder / name
    if name.endswith(".parquet"):  # a real Parquet file, as a record-store part is
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"a": [1, 2]}), path)
    else:
        path.write_text(HEADER + "\n")
    return path


@pytest.mark.parametrize("name", ["firms.csv", "g00000001.parquet", "w.xlsx", "w.duckdb"])
@pytest.mark.parametrize(
    "args", [["export", "--format", "csv", "--out", "x.csv"], ["build"], ["coverage"]]
)
def test_a_warehouse_path_that_is_not_a_duckdb_file_is_one_line(runner, tmp_path, name, args):
    """--warehouse in/firms.csv (or a record-store part) crashed with CatalogException:
    Cannot launch in-memory database in read-only mode (exit 70), and a build ran on an
    empty in-memory database: DuckDB reads .csv and .parquet paths as data, not as a file
    to open."""
    path = _not_a_warehouse(tmp_path, name)
    before = path.read_bytes()
    res = runner.invoke(app, [*args, "--warehouse", str(path)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert res.stderr.strip().splitlines()[-1] == (
        f"marsad: error: cannot open the warehouse {path}: the file exists, but it is not "
        "a valid DuckDB database file"
    )
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_a_warehouse_path_typed_as_a_folder_makes_nothing(runner, tmp_path, monkeypatch):
    """``ingest --warehouse ./newdir/`` made a warehouse FILE named ``newdir`` (a Path
    drops the ``/``): a path typed as a folder's is refused, nothing made."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.csv").write_text("firm_id,segment\nF1,ITO\n", encoding="utf-8")
    for typed in ("./newdir/", "newdir/.", "."):
        res = runner.invoke(app, ["ingest", "--kind", "firms", "f.csv", "--warehouse", typed])
        assert res.exit_code == 2, res.output
        assert "names a folder, not the warehouse's file: give the file, e.g." in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.csv"]


@pytest.mark.parametrize(
    "args", [["ingest", "--kind", "firms", "f.csv"], ["loads"], ["build"], ["serve"]]
)
def test_a_warehouse_path_that_is_a_folder_says_so(runner, tmp_path, args):
    """--warehouse DIR gave DuckDB's words: "IO Error: Could not read from file "DIR":
    Is a directory"."""
    res = runner.invoke(app, [*args, "--warehouse", str(tmp_path)])
    assert res.exit_code == 2, res.output
    assert res.stderr.strip().splitlines()[-1] == (
        f"marsad: error: cannot open the warehouse {tmp_path}: it is a folder, not a "
        "warehouse file: give the file (e.g. DIR/marsad.duckdb)"
    )


def test_read_only_open_of_a_missing_file_creates_nothing(tmp_path):
    from marsad.errors import WarehouseMissing

    with pytest.raises(WarehouseMissing, match="no warehouse at"):
        Warehouse(tmp_path / "sub" / "w.duckdb", read_only=True)
    assert not (tmp_path / "sub").exists()


@pytest.fixture
def empty_warehouse(tmp_path) -> Path:
    path = tmp_path / "w.duckdb"
    Warehouse(path).close()
    return path


def _export_raises(monkeypatch, exc: BaseException) -> None:
    import marsad.publish.export

    def export_table(*args, **kwargs):
        raise exc

    monkeypatch.setattr(marsad.publish.export, "export_table", export_table)


def test_a_bug_keeps_its_traceback_with_debug(runner, monkeypatch, empty_warehouse):
    _export_raises(monkeypatch, KeyError("boom"))
    args = ["export", "--format", "csv", "--out", "x.csv", "--warehouse", str(empty_warehouse)]
    res = runner.invoke(app, ["--debug", *args])
    assert isinstance(res.exception, KeyError)


def test_a_bug_without_debug_is_one_line_and_a_log_file(
    runner, monkeypatch, tmp_path, empty_warehouse
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _export_raises(monkeypatch, KeyError("boom"))
    args = ["export", "--format", "csv", "--out", "x.csv", "--warehouse", str(empty_warehouse)]
    res = runner.invoke(app, args)
    assert res.exit_code == 70
    assert "internal error (KeyError)" in res.stderr
    assert "Traceback" not in res.output
    logs = list((tmp_path / "cache" / "marsad").glob("marsad-crash-*.log"))
    assert len(logs) == 1 and str(logs[0]) in res.stderr
    text = logs[0].read_text(encoding="utf-8")
    assert "Traceback" in text and "KeyError: 'boom'" in text


def test_a_user_error_is_one_plain_line_verbatim(runner, monkeypatch, empty_warehouse):
    _export_raises(monkeypatch, MarsadError("nothing for [bold]2024[/bold]: load it first"))
    res = runner.invoke(
        app,
        [
            "--debug",
            "export",
            "--format",
            "csv",
            "--out",
            "x.csv",
            "--warehouse",
            str(empty_warehouse),
        ],
    )
    assert res.exit_code == 1
    assert res.stderr.splitlines() == [
        f"warehouse: {empty_warehouse}",
        f"records: {empty_warehouse.with_suffix('.records')}",
        "marsad: error: nothing for [bold]2024[/bold]: load it first",
    ]


def test_a_value_error_is_a_bug_not_a_user_error(runner, monkeypatch, tmp_path, empty_warehouse):
    """ValueError used to be shown as a user error, hiding bugs behind one line."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _export_raises(monkeypatch, ValueError("bad"))
    res = runner.invoke(
        app, ["export", "--format", "csv", "--out", "x.csv", "--warehouse", str(empty_warehouse)]
    )
    assert res.exit_code == 70 and "internal error (ValueError)" in res.stderr


def test_an_output_path_that_cannot_be_written_is_one_line(runner, tmp_path, empty_warehouse):
    (tmp_path / "afile").write_text("x")
    out = tmp_path / "afile" / "q.csv"
    res = runner.invoke(
        app, ["quarantine", "export", "--out", str(out), "--warehouse", str(empty_warehouse)]
    )
    assert res.exit_code == 2, res.output
    assert res.stderr.splitlines()[-1].startswith(f"marsad: error: cannot write {out}")
    assert "Traceback" not in res.output


def test_a_locked_warehouse_is_one_line_naming_the_lock(tmp_path):
    path = tmp_path / "w.duckdb"
    holder = Warehouse(path)  # another process holds it open for writing
    try:
        proc = _marsad("loads", cwd=tmp_path)
    finally:
        holder.close()
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == f"warehouse: {path}"
    assert "marsad: error: cannot open the warehouse" in proc.stderr
    assert "lock" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_data_values_print_verbatim(runner, tmp_path):
    """A file named with brackets was printed as rich markup, losing the brackets."""
    src = tmp_path / "bank[red]march.csv"
    src.write_text(
        HEADER + "\nR1,B,F,2024-01-01,C,5,EUR,SI2,FR\nR2,B,F,2024-01-01,C,x,EUR,SI2,FR\n"
    )
    wh = ["--warehouse", str(tmp_path / "w.duckdb")]
    res = runner.invoke(app, ["ingest", "--kind", "transactions", str(src), *wh])
    assert res.exit_code == 0, res.output
    assert "bank[red]march.csv: 2 rows read" in res.stdout
    res = runner.invoke(app, ["quarantine", "list", *wh])
    assert "bank[red]march.csv" in res.stdout
    res = runner.invoke(app, ["loads", *wh])
    assert "bank[red]march.csv" in res.stdout
    assert f"warehouse: {tmp_path / 'w.duckdb'}" in res.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["bulletin", "--period", "2025-S1", "--lang", "xx", "--out", "b.html"], "'--lang'"),
        (["export", "--format", "nope", "--out", "x"], "'--format'"),
        (["loads", "--bogus"], "--bogus (see: marsad loads --help)"),
        (["ingest", "--kind", "firms", "--sep", '"', "f.csv"], "--sep"),
        (["ingest", "--kind", "firms", "--encoding", "klingon", "f.csv"], "klingon"),
    ],
)
def test_a_usage_error_is_one_line_with_exit_code_2(tmp_path, args, expected):
    """Usage errors were a box of several lines (Typer's rich format), with a stray
    "Value error," and no word of where to look."""
    proc = _marsad(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("warehouse:")]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("marsad: error: ") and expected in lines[0]
    assert "Value error" not in lines[0]
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.parametrize(
    "option", [("ingest", "--kind", "transactions", "--min-date"), ("ingest", "--kind",
               "transactions", "--max-date"), ("release", "create", "--id", "R1", "--date")]
)  # fmt: skip
@pytest.mark.parametrize(
    "value", ["20240101", "2024-1-5", "2024-02-30", "2024-W01-1", "\u0662\u0660\u0662\u0664-01-01"]
)
def test_every_date_option_takes_yyyy_mm_dd_only(runner, tmp_path, option, value):
    """``ingest --min-date 20240101`` was taken, ``release create --date 20240101``
    refused: every date option now reads the same ISO form, digits 0-9, a real day."""
    files = ["tx.csv"] if option[0] == "ingest" else []
    wh = tmp_path / "w.duckdb"
    res = runner.invoke(app, [*option, value, *files, "--warehouse", str(wh)])
    assert res.exit_code == 2, res.output
    lines = [line for line in res.output.splitlines() if line]
    why = (
        "is not a day of the calendar"  # the form is right: say what is wrong
        if value == "2024-02-30"
        else "is not a date: write YYYY-MM-DD (e.g. 2025-10-15)"
    )
    assert lines == [f"marsad: error: {option[-1]} {value!r} {why}"]
    assert not wh.exists()


def test_ingest_of_files_that_cannot_be_read_creates_no_warehouse(tmp_path):
    """`marsad ingest` of a missing file left an empty warehouse behind."""
    proc = _marsad("ingest", "--kind", "firms", "missing.csv", cwd=tmp_path)
    assert proc.returncode == 2
    assert "marsad: error: missing.csv: no such file" in proc.stderr
    assert not (tmp_path / "w.duckdb").exists()


def test_sep_can_be_written_as_a_word(tmp_path):
    (tmp_path / "r.tsv").write_text("date\tcurrency\tmad_per_unit\n2024-01-02\tEUR\t10.8\n")
    proc = _marsad("ingest", "--kind", "rates", "--sep", "tab", "r.tsv", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "separator tab" in proc.stdout


def test_an_output_that_cannot_be_written_is_one_line(tmp_path):
    """A file name too long for the file system was reported as a bug (exit 70)."""
    long_name = tmp_path / ("a" * 300 + ".csv")
    from marsad.cli.common import writing
    from marsad.errors import CannotWrite

    with pytest.raises(CannotWrite, match="cannot write"), writing(long_name):
        long_name.write_text("x")
