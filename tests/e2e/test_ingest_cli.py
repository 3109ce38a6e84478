"""The ingest commands end to end: counts and exit codes, the ledger and
quarantine commands, and atomicity under SIGKILL (a real subprocess killed at
random points)."""

from __future__ import annotations

import random
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from marsad.cli import app as marsad_app
from marsad.engine.warehouse import Warehouse
from marsad.ingest import load_files
from tests.support import copy_warehouse, marsad_process

HEADER = "record_id,reporter,firm_id,value_date,flow,amount,currency,service_code,partner_country"

MESSY = (
    "\ufeffRecord_ID;Reporter;firm_id;value_date;flow;amount;currency;service_code;partner_country\r\n"
    "R1;BANK1;F1;2024-03-01;C;1 234,56;EUR;SI22;FR\r\n"
    'R2;BANK1;"Société; ""Atlas""";2024-03-02;C;99,5;USD;SJ31;US\r\n'
    "R3;BANK1;F2;2024-03-02;C;12,5O;EUR;SI22;FR\r\n"
    "R4;BANK1;F2;2024-03-02;X;10;EUR;SI22;FR\r\n"
    "R5;BANK1;F3;2024-03-03;C;10;EURO;SI22;FR\r\n"
    "R1;BANK1;F1;2024-03-01;C;1 234,56;EUR;SI22;FR\r\n"
    "R6;BANK1;;2024-03-04;D;7;MAD;SI2;ES\r\n"
)


@pytest.fixture
def app() -> typer.Typer:
    return marsad_app


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_messy_file_prints_counts_and_exits_0(app, runner, tmp_path):
    src = tmp_path / "bank-march.csv"
    src.write_bytes(MESSY.encode("cp1252", errors="strict") if False else MESSY.encode("utf-8"))
    wh = tmp_path / "wh.duckdb"
    res = runner.invoke(app, ["ingest", "--kind", "transactions", str(src), "--warehouse", str(wh)])
    assert res.exit_code == 0, res.output
    assert (
        "bank-march.csv: 7 rows read, 3 loaded, 1 unchanged (already loaded with the same "
        "content), 3 quarantined - load L00001" in res.stdout
    )
    assert "separator ';'" in res.stdout and "decimal ','" in res.stdout
    assert "1234" not in res.stdout.replace(",", "")  # no record's amount in the summary
    # again, under another name: nothing changes, and it says so
    copy = tmp_path / "copy.csv"
    shutil.copy(src, copy)
    res = runner.invoke(
        app, ["ingest", "--kind", "transactions", str(copy), "--warehouse", str(wh)]
    )
    assert res.exit_code == 0
    assert (
        "already loaded (load L00001, same content as bank-march.csv); nothing changed"
        in res.stdout
    )


def test_warehouse_from_environment(app, runner, tmp_path, monkeypatch):
    src = tmp_path / "a.csv"
    src.write_text(HEADER + "\nR1,B,F,2024-01-01,C,5,EUR,SI2,FR\n")
    monkeypatch.setenv("MARSAD_WAREHOUSE", str(tmp_path / "env.duckdb"))
    res = runner.invoke(app, ["ingest", "--kind", "transactions", str(src)])
    assert res.exit_code == 0 and (tmp_path / "env.duckdb").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (bytes(range(256)) * 20, "garbage.csv: the file holds binary data"),
        (
            HEADER.replace(",currency", "").encode() + b"\nR1,B,F,2024-01-01,C,5,SI2,FR\n",
            "garbage.csv: required column currency is missing",
        ),
        (b"hello\nworld\n", "garbage.csv: no header row naming the transactions columns"),
        (  # the header's cells as the file writes them, not as they are matched
            HEADER.replace("record_id", "Record_ID ").replace("amount", "MONTANT").encode()
            + b"\nR1,B,F,2024-01-01,C,5,EUR,SI2,FR\n",
            "garbage.csv: required column amount is missing (header has: 'Record_ID', "
            "'reporter', 'firm_id', 'value_date', 'flow', 'MONTANT', 'currency'",
        ),
        (  # (DuckDB said "No magic bytes found at end of file")
            b"PAR1 not really parquet",
            "garbage.csv: the Parquet file is damaged or cut short (it does not end as a "
            "Parquet file does): ask for it again",
        ),
    ],
)
def test_unreadable_file_exits_2_with_one_line(app, runner, tmp_path, content, expected):
    bad = tmp_path / "garbage.csv"
    bad.write_bytes(content)
    res = runner.invoke(
        app,
        ["ingest", "--kind", "transactions", str(bad), "--warehouse", str(tmp_path / "w.duckdb")],
    )
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert lines[0].startswith("warehouse: ") and lines[1].startswith("records: ")
    assert len(lines) == 3 and lines[2].startswith("marsad: error: "), res.stderr
    assert expected in lines[2], res.stderr
    assert "Traceback" not in res.output


def test_one_bad_file_among_good_ones(app, runner, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "\nR1,B,F,2024-01-01,C,5,EUR,SI2,FR\n")
    res = runner.invoke(
        app,
        [
            "ingest",
            "--kind",
            "transactions",
            str(tmp_path / "missing.csv"),
            str(good),
            "--warehouse",
            str(tmp_path / "w.duckdb"),
        ],
    )
    assert res.exit_code == 2
    assert "missing.csv: no such file" in res.stderr
    assert "good.csv: 1 rows read, 1 loaded" in res.stdout


def test_a_named_pipe_is_not_said_to_be_missing(app, runner, tmp_path):
    """Before a warehouse existed, ``marsad ingest pipe.csv`` said ``no such file``."""
    import os

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    args = ["ingest", "--kind", "firms", str(fifo), "--warehouse", str(tmp_path / "w.duckdb")]
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert f"{fifo}: is a named pipe, a device or a socket, not a file" in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.csv"]


def test_loads_and_quarantine_commands_and_reload_of_the_fixed_export(app, runner, tmp_path):
    src = tmp_path / "bank-march.csv"
    src.write_text(MESSY)
    wh = ["--warehouse", str(tmp_path / "wh.duckdb")]
    assert runner.invoke(app, ["ingest", "--kind", "transactions", str(src), *wh]).exit_code == 0

    res = runner.invoke(app, ["loads", *wh])
    assert res.exit_code == 0
    import hashlib

    assert hashlib.sha256(src.read_bytes()).hexdigest() in res.stdout
    assert "1,234.560" in res.stdout  # EUR loaded total (a bank's total, not a record's)

    res = runner.invoke(app, ["quarantine", "list", *wh])
    assert res.exit_code == 0
    for rule in ("type", "flow", "currency"):
        assert rule in res.stdout

    res = runner.invoke(app, ["quarantine", "show", "bank-march.csv", *wh])
    assert res.exit_code == 0
    assert '"12,5O" is not a number' in res.stdout.replace("\n", " ") or "12,5O" in res.stdout

    out = tmp_path / "q.csv"
    res = runner.invoke(app, ["quarantine", "export", "--out", str(out), *wh])
    assert res.exit_code == 0 and "3 quarantined rows written" in res.stdout
    text = out.read_text()
    assert text.splitlines()[0].startswith(HEADER + ",quarantine_load,")
    fixed = tmp_path / "fixed.csv"
    # the export writes amounts with a decimal point (10.0000): so is the correction
    fixed.write_text(
        text.replace("12,5O", "12.50")
        .replace(";X;", ";C;")
        .replace(",X,", ",C,")
        .replace("EURO", "EUR")
    )
    res = runner.invoke(app, ["ingest", "--kind", "transactions", str(fixed), *wh])
    assert res.exit_code == 0, res.output
    assert "3 rows read, 3 loaded, 0 quarantined" in res.stdout
    res = runner.invoke(app, ["quarantine", "list", *wh])
    assert "nothing in quarantine to fix" in res.stdout

    assert runner.invoke(app, ["quarantine", "show", "nope", *wh]).exit_code == 2


# -- atomicity under SIGKILL -----------------------------------------------------------------

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _big_file(path: Path, rows: int) -> None:
    with path.open("w") as fh:
        fh.write(HEADER + "\n")
        for i in range(rows):
            amount = "x" if i % 997 == 5 else f"{(i * 37) % 100000 / 100 + 1:.2f}"
            fh.write(
                f"K{i:07d},BANK{i % 3},F{i % 50},2024-0{1 + i % 9}-1{i % 9},C,{amount},"
                f"{('EUR', 'USD', 'MAD')[i % 3]},SI22,FR\n"
            )


def _state(db: Path) -> tuple:
    wh = Warehouse(db)  # opening replays the WAL, as the next command would
    try:
        return (
            wh.scalar("SELECT count(*) FROM transactions"),
            wh.scalar("SELECT count(*) FROM ingest_loads"),
            wh.scalar("SELECT count(*) FROM ingest_quarantine"),
            wh.scalar("SELECT count(*) FROM ingest_totals"),
            wh.scalar("SELECT coalesce(sum(amount), 0) FROM transactions"),
        )
    finally:
        wh.close()


def _run(args: list[str]) -> subprocess.Popen:
    return marsad_process(*args)


def _kill_test(tmp_path: Path, iterations: int, rows: int) -> None:
    rng = random.Random(20240315)
    first, big = tmp_path / "first.csv", tmp_path / "big.csv"
    _big_file(big, rows)
    first.write_text(
        HEADER
        + "\nA1,BANK9,F1,2024-01-05,C,10.5,EUR,SI22,FR\nA2,BANK9,F1,2024-01-05,C,oops,EUR,SI22,FR\n"
    )
    base = tmp_path / "base.duckdb"
    wh = Warehouse(base)
    load_files(wh, "transactions", [first])
    wh.sql("CHECKPOINT")
    wh.close()
    before = _state(base)

    # the complete state, and how long a full load takes
    full_db = tmp_path / "full.duckdb"
    copy_warehouse(base, full_db)
    t0 = time.perf_counter()
    proc = _run(["ingest", "--kind", "transactions", str(big), "--warehouse", str(full_db)])
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
    duration = time.perf_counter() - t0
    complete = _state(full_db)
    assert complete != before

    outcomes = {"before": 0, "complete": 0}
    for i in range(iterations):
        db = tmp_path / f"kill{i}.duckdb"
        copy_warehouse(base, db)
        proc = _run(["ingest", "--kind", "transactions", str(big), "--warehouse", str(db)])
        time.sleep(rng.uniform(0.2, duration * 1.05))
        proc.kill()  # SIGKILL: no cleanup of any kind
        proc.wait()
        state = _state(db)
        assert state in (before, complete), f"iteration {i}: partial load {state}"
        outcomes["before" if state == before else "complete"] += 1
        # running the load again completes it
        again = _run(["ingest", "--kind", "transactions", str(big), "--warehouse", str(db)])
        assert again.wait(timeout=300) == 0, again.stderr.read().decode()
        assert _state(db) == complete
        for f in tmp_path.glob(f"kill{i}.duckdb*"):
            f.unlink()
        shutil.rmtree(tmp_path / f"kill{i}.records", ignore_errors=True)
    print(f"SIGKILL outcomes over {iterations} runs: {outcomes}")
    assert outcomes["before"] >= 1  # at least one kill landed before the commit


def test_sigkill_leaves_before_or_complete_quick(tmp_path):
    _kill_test(tmp_path, iterations=2, rows=40_000)


@pytest.mark.slow
def test_sigkill_at_random_points_8_times(tmp_path):
    _kill_test(tmp_path, iterations=8, rows=100_000)


def test_memory_limit_option(app, runner, tmp_path):
    src = tmp_path / "a.csv"
    src.write_text(HEADER + "\nR1,B,F,2024-01-01,C,5,EUR,SI2,FR\n")
    wh = ["--warehouse", str(tmp_path / "w.duckdb")]
    res = runner.invoke(
        app, ["ingest", "--kind", "transactions", str(src), "--memory-limit", "200MB", *wh]
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app, ["ingest", "--kind", "transactions", str(src), "--memory-limit", "lots", *wh]
    )
    assert res.exit_code == 2 and "--memory-limit 'lots': not a size" in res.stderr


# -- control characters: shown escaped on the terminal, written raw by the export -----------

CONTROLS = [
    "R\x00N",  # a NUL byte: the line is a damaged one, not a binary file
    "R\x1b[2J",  # Escape: would clear the screen
    "R\x01",
    "R\x9b1",  # a C1 control (CSI on some terminals)
    "=R\x07",  # a formula guard and a bell
]


def _raw_controls(text: str) -> set[str]:
    """The control characters ``text`` holds but the line end."""
    return {c for c in text if (ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0) and c != "\n"}


def test_control_characters_are_escaped_on_the_terminal_and_kept_by_the_export(
    app, runner, tmp_path
):
    """A raw Escape or CR printed by `quarantine show` or in an error line would act on
    the terminal (clear it, rewrite a line); they are shown escaped (``\\x1b``). The
    export keeps them raw, in a CSV that reads back cell for cell, and that loads again:
    each row quarantined again as it was, and loaded once corrected."""
    rows = [f"{rid},BANK1,F001,2024-03-15,C,1500.25,EUR,SI22,FR" for rid in CONTROLS]
    rows.append('R5,BANK1,"F\r1",2024-03-15,C,1500.25,EUR,SI22,FR')  # a CR inside an id
    src = tmp_path / "ctl.csv"
    src.write_bytes(
        ("\n".join([HEADER, "G1,BANK1,F001,2024-03-15,C,1,EUR,SI22,FR", *rows]) + "\n").encode()
    )
    wh = ["--warehouse", str(tmp_path / "wh.duckdb")]
    res = runner.invoke(app, ["ingest", "--kind", "transactions", str(src), *wh])
    assert res.exit_code == 0 and "7 rows read, 1 loaded, 6 quarantined" in res.stdout, res.output
    outputs = [res]
    for args in (["quarantine", "list"], ["quarantine", "show", "ctl.csv"], ["loads"]):
        outputs.append(runner.invoke(app, [*args, *wh]))
    for res in outputs:
        assert res.exit_code == 0
        assert not _raw_controls(res.stdout) and not _raw_controls(res.stderr), res.output
    assert "R\\x1b[2J" in outputs[2].stdout and "R\\x00N" in outputs[2].stdout

    out = tmp_path / "q.csv"
    res = runner.invoke(app, ["quarantine", "export", "--out", str(out), *wh])
    assert res.exit_code == 0 and "6 quarantined rows written" in res.stdout
    import csv

    with out.open(encoding="utf-8", newline="") as fh:
        exported = list(csv.DictReader(fh))
    assert [r["record_id"] for r in exported] == [
        "R\x00N",
        "R\x1b[2J",
        "R\x01",
        "R\x9b1",
        "'=R\x07",
        "R5",
    ]
    assert exported[-1]["firm_id"] == "F\r1"
    res = runner.invoke(app, ["ingest", "--kind", "transactions", str(out), *wh])
    assert res.exit_code == 0 and "6 rows read, 0 loaded, 6 quarantined" in res.stdout, res.output
    fixed = tmp_path / "fixed.csv"
    drop = {c: None for c in (0, 1, 7, 0x1B, 0x9B, 13)}  # (the export's line ends: LF)
    fixed.write_bytes(out.read_bytes().decode().replace("\r\n", "\n").translate(drop).encode())
    res = runner.invoke(app, ["ingest", "--kind", "transactions", str(fixed), *wh])
    assert res.exit_code == 0 and "6 rows read, 6 loaded, 0 quarantined" in res.stdout, res.output
    assert not _raw_controls(res.stdout + res.stderr)


@pytest.mark.parametrize("cell", ["amount\x1b[2K", "amount\r\x01"])
def test_a_header_cell_with_a_control_character_is_one_escaped_line(app, runner, tmp_path, cell):
    src = tmp_path / "h.csv"
    src.write_bytes(
        (HEADER.replace("amount", cell) + "\nR1,B,F,2024-01-01,C,5,EUR,SI2,FR\n").encode()
    )
    res = runner.invoke(
        app,
        ["ingest", "--kind", "transactions", str(src), "--warehouse", str(tmp_path / "w.duckdb")],
    )
    assert res.exit_code == 2
    (line,) = [x for x in res.stderr.splitlines() if x.startswith("marsad: error: ")]
    assert f"h.csv: header cell {cell!r} holds the control character" in line
    assert not _raw_controls(res.stderr), res.stderr


def test_one_correction_is_said_in_the_singular(app, runner, tmp_path):
    """A reviewer read "1 corrections (old versions kept in history)"."""
    header = (
        "record_id,reporter,firm_id,value_date,flow,amount,currency,service_code,partner_country"
    )
    wh = tmp_path / "w.duckdb"
    for name, amounts in (("a.csv", ("10.00", "20.00")), ("b.csv", ("11.00", "20.00"))):
        rows = [f"R{i},BK1,F1,2024-01-0{i},C,{a},MAD,SI22,FR" for i, a in enumerate(amounts, 1)]
        (tmp_path / name).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
        res = runner.invoke(app, ["ingest", "--kind", "transactions", str(tmp_path / name),
                                  "--warehouse", str(wh)])  # fmt: skip
        assert res.exit_code == 0, res.output
    assert ", 1 correction (old versions kept in history)" in res.output


def test_a_long_raw_value_is_cut_on_the_terminal_and_kept_whole_by_the_export(
    app, runner, tmp_path
):
    """A 5,000-digit amount filled about 75 terminal lines per row of ``quarantine show``,
    printed twice (value and message), and a 300-character firm id as many in ``review``.
    A terminal listing shows a long value's start, ``…`` and its length; the export keeps
    it whole, so that it reloads to the same row."""
    huge, firm = "9" * 5000, "F" * 300
    src = tmp_path / "big.csv"
    src.write_text(
        f"{HEADER}\nR1,BANK1,{firm},2024-03-01,C,10.5,MAD,SC12,FR\n"
        f"R2,BANK1,F1,2024-03-01,C,{huge},EUR,SI22,FR\n"
    )
    wh = ["--warehouse", str(tmp_path / "wh.duckdb")]
    assert runner.invoke(app, ["ingest", "--kind", "transactions", str(src), *wh]).exit_code == 0
    shown = runner.invoke(app, ["quarantine", "show", "big.csv", *wh])
    assert shown.exit_code == 0
    # in the value's cell and in the message (both may wrap at the space)
    assert shown.stdout.count("99999999999999999999…") == shown.stdout.count("(5,000") == 2
    assert "9" * 21 not in shown.stdout and len(shown.stdout.splitlines()) < 20
    review = runner.invoke(app, ["review", *wh])
    assert review.exit_code == 0 and "FFFFFFFFFFFFFFFFFFFF… (300 characters)" in review.stdout
    assert "F" * 21 not in review.stdout

    out = tmp_path / "q.csv"
    assert runner.invoke(app, ["quarantine", "export", "--out", str(out), *wh]).exit_code == 0
    assert f",{huge}," in out.read_text()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (  # the compound file's signature, then no header (Cfb error: Invalid sector shift)
            "old.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 16,
            "old.xls: the workbook is damaged: it starts as an Excel 97-2003 workbook (.xls) "
            "but the rest of its header is not one; ask for it again",
        ),
        (  # a zip's first bytes and no more (invalid Zip archive: Could not find EOCD)
            "cut.xlsx",
            b"PK\x03\x04garbage",
            "cut.xlsx: the workbook is damaged or cut short (its zip archive cannot be read: "
            "it has no end)",
        ),
        ("img.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(64), "is not an Excel workbook: it is a PNG"),
        (
            "page.xls",
            b"<html><body><table><tr><td>1</td></tr></table></body></html>",
            "page.xls: the file is a web page (HTML) named .xls, not a workbook",
        ),
    ],
)
def test_a_damaged_or_misnamed_workbook_is_one_line_in_marsads_words(
    app, runner, tmp_path, name, content, expected
):
    """A damaged .xls said "Cfb error: Invalid sector shift, expecting 0x09 or 0x0C found
    1129", a zip cut short "invalid Zip archive: Could not find EOCD": the readers' words."""
    bad = tmp_path / name
    bad.write_bytes(content)
    res = runner.invoke(
        app,
        ["ingest", "--kind", "transactions", str(bad), "--warehouse", str(tmp_path / "w.duckdb")],
    )
    assert res.exit_code == 2
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("marsad: error: ") and expected in last, res.stderr
    assert not any(word in last for word in ("Cfb", "EOCD", "Zip archive", "Traceback"))


def test_a_text_file_named_xlsx_is_read_as_text_and_says_so(app, runner, tmp_path):
    """A CSV named .xlsx was refused with "invalid Zip archive: Could not find EOCD",
    while an .xlsx named .csv was read by its content: both are read as what they hold,
    with a note that the name says otherwise."""
    src = tmp_path / "march.xlsx"
    src.write_text(HEADER + "\nR1,B,F,2024-01-01,C,5,EUR,SI2,FR\n")
    wh = ["--warehouse", str(tmp_path / "w.duckdb")]
    res = runner.invoke(app, ["ingest", "--kind", "transactions", str(src), *wh])
    assert res.exit_code == 0, res.output
    assert "march.xlsx: 1 rows read, 1 loaded" in res.stdout and "read as csv" in res.stdout
    assert "note: the file is named .xlsx but is a text (CSV) file: read as such" in res.stdout


def test_a_file_name_that_is_not_utf8_is_one_line(app, runner, tmp_path):
    """A name of Latin-1 bytes (a file copied from an old system): DuckDB could not encode
    the path, and the crash log could not write the arguments either, so a reviewer saw
    a bare traceback."""
    import os

    name = os.fsdecode(b"lat\xe9.csv")
    (tmp_path / name).write_text(HEADER + "\nR1,B,F,2024-01-01,C,5,EUR,SI2,FR\n")
    res = runner.invoke(
        app,
        ["ingest", "--kind", "transactions", str(tmp_path / name),
         "--warehouse", str(tmp_path / "w.duckdb")],
    )  # fmt: skip
    assert res.exit_code == 2, res.output
    assert "lat\\xe9.csv: the name is not valid UTF-8" in res.stderr
    assert "Traceback" not in res.output and not (tmp_path / "w.duckdb").exists()


def test_format_states_how_the_files_are_read(app, runner, tmp_path):
    """docs/ingestion.md says --format overrides the content; the command had no such
    option (a reviewer's 'No such option: --format')."""
    src = tmp_path / "bank.data"  # a name that says nothing
    src.write_bytes(MESSY.encode("utf-8"))
    wh = ["--warehouse", str(tmp_path / "wh.duckdb")]
    res = runner.invoke(app, ["ingest", "--kind", "transactions", "--format", "CSV", str(src), *wh])
    assert res.exit_code == 0, res.output
    assert "7 rows read" in res.stdout and "read as csv" in res.stdout
    res = runner.invoke(app, ["ingest", "--kind", "transactions", "--format", "orc", str(src), *wh])
    assert res.exit_code == 2 and "--format 'orc' is not a format marsad reads" in res.output
    other = tmp_path / "other.csv"
    other.write_bytes(MESSY.replace("R5", "R7").encode("utf-8"))
    res = runner.invoke(
        app, ["ingest", "--kind", "transactions", "--format", "parquet", str(other), *wh]
    )
    assert res.exit_code == 2 and "it is not a Parquet file" in res.output
    assert "Traceback" not in res.output and "magic bytes" not in res.output
