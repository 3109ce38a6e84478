"""The commands of DESIGN.md end to end, as a user runs them, on a small data set
with known answers and bad rows mixed in."""

from __future__ import annotations

import csv
import os
import re
import stat
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import pytest

FIRMS = """firm_id,name,segment,isic,city
F1,Atlas Code,ITO,6201,Rabat
F2,Sahara Calls,CRM,8220,Fès
F3,Rif Engineering,ESO,7112,Tanger
"""
RATES = """date,currency,mad_per_unit
2023-01-02,EUR,11.000000
2023-06-30,EUR,10.500000
2023-01-02,USD,10.000000
"""
# 2023 and 2024 (first half), known answers in MAD:
#  ITO 2023-S1: 100 EUR x 11 = 1100.00 ; 2024-S1: 200 EUR x 10.5 = 2100.00
#  CRM 2023-S1: 50.005 USD x 10 = 500.05 ; 2024-S1: 30 USD x 10 = 300.00
#  ESO via concordance (unregistered firm, SJ312) 2024-S1: 1000 MAD
#  imports 2024-S1: 10 EUR x 10.5 = 105.00
HEADER = "record_id,reporter,firm_id,value_date,flow,amount,currency,service_code,partner_country"
TRANSACTIONS = (
    HEADER
    + """
r1,BK1,F1,2023-02-04,C,100.00,EUR,SI21,FR
r2,BK1,F2,2023-03-10,C,50.005,USD,SJ35,US
r3,BK1,F1,2024-04-01,C,200.00,EUR,SI22,FR
r4,BK2,F2,2024-05-15,C,30,USD,SJ35,US
r5,BK2,UNREG-9,2024-06-01,C,1000,MAD,SJ312,DE
r6,BK2,F1,2024-06-02,D,10,EUR,SI22,FR
bad1,BK1,F1,2024-13-01,C,5,EUR,SI21,FR
bad2,BK1,F1,2024-02-01,C,-5,EUR,SI21,FR
bad3,BK1,F1,2024-02-01,X,5,EUR,SI21,FR
bad4,BK1,F1,2024-02-01,C,5,EUR,ZZ99,FR
bad5,BK1,F1,2024-02-01,C,5,EUR,SI21,QQ
bad6,BK1,F1,2024-02-01,C,5,EUX,SI21,FR
"""
)
# months Jan 2023 .. Jun 2024 must all be complete for half-years to be published:
# BK1 and BK3 deliver every month; BK2 starts in May 2024 (not expected before)
FILLER = "".join(
    f"m{y}{m:02d},{bank},F3,{y}-{m:02d}-15,D,1,MAD,SJ312,FR\n"
    for bank in ("BK1", "BK3")
    for y, months in ((2023, range(1, 13)), (2024, range(1, 7)))
    for m in months
)


def marsad(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "MARSAD_WAREHOUSE": str(cwd / "w.duckdb"), "COLUMNS": "200"}
    # the known answers use two EUR rates a year, carried forward on purpose
    env["MARSAD_RATE_MAX_AGE_DAYS"] = "1000"
    proc = subprocess.run(
        [sys.executable, "-m", "marsad", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("e2e")
    (d / "firms.csv").write_text(FIRMS, encoding="utf-8")
    (d / "rates.csv").write_text(RATES, encoding="utf-8")
    (d / "tx.csv").write_text(TRANSACTIONS + FILLER, encoding="utf-8")
    marsad("ingest", "--kind", "firms", "firms.csv", cwd=d)
    marsad("ingest", "--kind", "rates", "rates.csv", cwd=d)
    proc = marsad("ingest", "--kind", "transactions", "tx.csv", cwd=d)
    (d / "ingest.out").write_text(proc.stdout + proc.stderr)
    marsad("build", cwd=d)
    (d / "out").mkdir()  # --out makes no folder: a missing one is refused
    marsad("export", "--format", "csv", "--out", "out/public.csv", cwd=d)
    marsad("export", "--internal", "--format", "csv", "--out", "out/indicators.csv", cwd=d)
    return d


def _rows(d: Path, name: str = "indicators.csv") -> dict[tuple, str]:
    with (d / "out" / name).open(encoding="utf-8") as f:
        return {
            (r["indicator"], r["flow"], r["period"], r["segment"], r["service"], r["partner"]): r[
                "value"
            ]
            for r in csv.DictReader(f)
        }


def test_ingest_reports_loaded_and_quarantined_counts(built):
    out = (built / "ingest.out").read_text()
    assert "48 rows read, 42 loaded, 6 quarantined" in out


def test_three_firms_publish_the_total_and_withhold_each_one_alone(built):
    """Each segment is one firm: withheld (A) in the public table, with an empty value;
    the total of three firms passes both rules and is published."""
    public = _rows(built, "public.csv")
    assert public[("level", "exports", "2024-S1", "TOTAL", "_T", "_T")] == "3400.00"
    for segment in ("ITO", "CRM", "ESO"):
        assert public[("level", "exports", "2024-S1", segment, "_T", "_T")] == ""
    assert public[("share", "exports", "2024-S1", "ITO", "_T", "_T")] == ""


def test_exported_levels_match_the_known_answers(built):
    """On the internal table (every value, for the office's own use)."""
    rows = _rows(built)
    assert rows[("level", "exports", "2023-S1", "ITO", "_T", "_T")] == "1100.00"
    assert rows[("level", "exports", "2023-S1", "CRM", "_T", "_T")] == "500.05"
    assert rows[("level", "exports", "2024-S1", "ITO", "_T", "_T")] == "2100.00"
    assert rows[("level", "exports", "2024-S1", "ESO", "_T", "_T")] == "1000.00"
    assert rows[("level", "exports", "2024-S1", "TOTAL", "_T", "_T")] == "3400.00"
    assert rows[("level", "exports", "2024-S1", "TOTAL", "_T", "DE")] == "1000.00"
    assert rows[("level", "imports", "2024-S1", "ITO", "SI22", "_T")] == "105.00"
    # growth (3400 / 1600.05 - 1) x 100, share 2100 / 3400, rounded to 4 decimals
    growth = (Decimal(3400) / Decimal("1600.05") - 1) * 100
    assert rows[("growth_yoy", "exports", "2024-S1", "TOTAL", "_T", "_T")] == str(
        growth.quantize(Decimal("0.0001"))
    )
    assert rows[("share", "exports", "2024-S1", "ITO", "_T", "_T")] == "61.7647"
    assert rows[("progress_prev_year", "exports", "2024-S1", "ITO", "_T", "_T")] == "190.9091"
    # 2023 as a year is complete; 2024 is not, so it has no annual level
    assert ("level", "exports", "2023", "TOTAL", "_T", "_T") in rows
    assert ("level", "exports", "2024", "TOTAL", "_T", "_T") not in rows


def test_the_table_has_exactly_the_design_columns(built):
    header = (built / "out" / "indicators.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == (
        "indicator,flow,period,segment,service,partner,value,unit,obs_status,conf_status,release"
    )


def test_bulletin_for_a_half_year_in_french(built):
    marsad("bulletin", "--period", "2024-S1", "--lang", "fr", "--out", "b.html", cwd=built)
    html = (built / "b.html").read_text(encoding="utf-8")
    html = html.replace("\u202f", " ").replace("\xa0", " ")
    assert 'lang="fr"' in html
    assert "premier semestre 2024" in html
    assert "3 400 dirhams" in html  # the published total
    assert "2 100" not in html  # ITO alone: confidential
    assert "secret statistique" in html


def test_errors_are_one_plain_line_not_a_traceback(tmp_path):
    proc = marsad("export", "--format", "csv", "--out", "x.csv", cwd=tmp_path, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [
        f"warehouse: {tmp_path / 'w.duckdb'}",
        f"marsad: error: no warehouse at {tmp_path / 'w.duckdb'}: "
        "load files first with marsad ingest",
    ]
    assert not (tmp_path / "w.duckdb").exists()
    proc = marsad("ingest", "--kind", "transactions", "missing.csv", cwd=tmp_path, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_bulletin_refuses_a_period_without_data_in_one_line(built):
    proc = marsad("bulletin", "--period", "2019-S1", "--out", "b.html", cwd=built, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "marsad: error: the data have no exports figure for the period '2019-S1'" in (
        proc.stderr
    )
    proc = marsad("bulletin", "--period", "2024-H1", "--out", "b.html", cwd=built, check=False)
    assert proc.returncode == 2 and "marsad: error: not a period: '2024-H1'" in proc.stderr


def test_each_command_says_which_warehouse_it_used(built):
    proc = marsad("loads", cwd=built)
    assert proc.stderr.splitlines()[0] == f"warehouse: {built / 'w.duckdb'}"


def test_synth_writes_the_input_files_and_says_they_are_synthetic(tmp_path):
    proc = marsad("synth", "--out", "syn", "--rows-per-year", "2000", "--seed", "7", cwd=tmp_path)
    assert "synthetic" in proc.stdout
    d = tmp_path / "syn"
    assert (d / "firms.csv").exists() and (d / "rates.csv").exists()
    assert len(list((d / "transactions").glob("*.csv"))) == 30
    header = (d / "transactions" / "2024-07.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == HEADER
    assert "SYNTHETIC" in (d / "README.txt").read_text(encoding="utf-8").upper()


# -- --out - is standard output -------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "sdmx-csv", "sdmx-ml"])
def test_export_out_dash_writes_the_file_to_stdout_and_nothing_else(built, fmt):
    """`marsad export --out -` wrote a file named `-`: it is standard output, holding the
    bytes of the file and nothing else (what the command says goes to stderr)."""
    suffix = ".xml" if fmt == "sdmx-ml" else ".csv"
    proc = marsad("export", "--format", fmt, "--out", "-", cwd=built)
    marsad("export", "--format", fmt, "--out", f"out/same{suffix}", cwd=built)
    same = (built / "out" / f"same{suffix}").read_text(encoding="utf-8")
    prepared = re.compile(r"<mes:Prepared>[^<]*</mes:Prepared>")  # the time it was written
    assert prepared.sub("", proc.stdout) == prepared.sub("", same)
    assert "observations to standard output" in proc.stderr
    assert not (built / "-").exists()


def test_export_of_the_sdmx_structure_says_it_wrote_a_structure(built):
    """``--format sdmx-structure`` said "Wrote 42 observations": a structure has none."""
    proc = marsad("export", "--format", "sdmx-structure", "--out", "out/dsd.xml", cwd=built)
    assert "observations" not in proc.stdout + proc.stderr
    assert "Wrote the SDMX structure (code lists, concepts, data structure, dataflow) to " in (
        proc.stdout
    )
    assert (built / "out" / "dsd.xml").is_file()


def _env(d: Path) -> dict[str, str]:
    return {**os.environ, "MARSAD_WAREHOUSE": str(d / "w.duckdb")}


def test_a_binary_export_to_stdout_needs_a_pipe(built):
    """xlsx or zip bytes go to a pipe or a file (`> x.xlsx`), never to a terminal."""
    piped = subprocess.run(
        [sys.executable, "-m", "marsad", "export", "--format", "xlsx", "--out", "-"],
        cwd=built, capture_output=True, env=_env(built),
    )  # fmt: skip
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout[:2] == b"PK" and not (built / "-").exists()
    import pty

    leader, follower = pty.openpty()
    try:
        tty = subprocess.run(
            [sys.executable, "-m", "marsad", "export", "--format", "csv-bundle", "--out", "-"],
            cwd=built, stdout=follower, stderr=subprocess.PIPE, text=True,
            env=_env(built),
        )  # fmt: skip
    finally:
        os.close(follower)
        os.close(leader)
    assert tty.returncode == 2
    assert "--format csv-bundle writes a binary .zip file, which a terminal cannot show" in (
        tty.stderr
    )


def test_quarantine_export_and_revisions_take_out_dash_and_the_bulletin_refuses_it(built):
    proc = marsad("quarantine", "export", "--out", "-", cwd=built)
    assert proc.stdout.splitlines()[0].startswith("record_id,reporter,")
    assert len(proc.stdout.splitlines()) == 1 + 6  # the six bad rows
    assert "quarantined rows written to standard output" in proc.stderr
    bulletin = marsad("bulletin", "--period", "2024-S1", "--out", "-", cwd=built, check=False)
    assert bulletin.returncode == 2 and bulletin.stdout == ""
    assert "the bulletin cannot be written to standard output" in bulletin.stderr
    assert not (built / "-").exists()


# -- --out onto a named pipe or a device ----------------------------------------------------
#
# `marsad export --out /dev/null` run as root replaced /dev/null with a regular file (a
# temporary file renamed over it), and a program reading a named pipe got nothing. No test
# points at a real device: pipes are made in the test's folder, and a character device only
# as root, as a private one there.

#: Each command that writes --out, the start of what it writes, and a name for the pipe
#: (a suffix that is not the format's: a pipe's name does not say a format).
INTO_PIPE = {
    "export csv": (("export", "--format", "csv"), b"indicator,flow,", "out.pipe"),
    "export sdmx-csv": (("export", "--format", "sdmx-csv"), b"STRUCTURE,", "out.pipe"),
    "export sdmx-ml": (("export", "--format", "sdmx-ml"), b"<?xml", "out.pipe"),
    "export sdmx-structure": (("export", "--format", "sdmx-structure"), b"<?xml", "out.pipe"),
    "export xlsx": (("export", "--format", "xlsx"), b"PK", "out.pipe"),
    "export csv-bundle": (("export", "--format", "csv-bundle"), b"PK", "out.pipe"),
    "quarantine export": (("quarantine", "export"), b"record_id,reporter,", "out.pipe"),
    "release revisions": (("release", "revisions"), b"", "out.pipe"),
    "bulletin html": (("bulletin", "--period", "2024-S1"), b"<!DOCTYPE html>", "b.html"),
    "bulletin md": (("bulletin", "--period", "2024-S1"), b"", "b.md"),
    "bulletin pdf": (("bulletin", "--period", "2024-S1"), b"%PDF-", "b.pdf"),
}


def _read_pipe(fifo: Path, limit: int = -1) -> tuple[threading.Thread, list[bytes]]:
    """A thread reading ``fifo`` to its end (or ``limit`` bytes, then closing it)."""
    got: list[bytes] = []

    def read() -> None:
        with fifo.open("rb") as f:
            got.append(f.read(limit))

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread, got


def _join(thread: threading.Thread, fifo: Path) -> None:
    """Wait for the reader; if the command never opened the pipe, open it to free it."""
    thread.join(0.5)
    if thread.is_alive():
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(10)


@pytest.mark.parametrize("command", INTO_PIPE)
def test_out_onto_a_named_pipe_streams_into_it(built, tmp_path, command):
    args, start, name = INTO_PIPE[command]
    folder = tmp_path / "pipes"
    folder.mkdir()
    fifo = folder / name
    os.mkfifo(fifo)
    thread, got = _read_pipe(fifo)
    proc = marsad(*args, "--out", str(fifo), cwd=built, check=False)
    _join(thread, fifo)
    assert proc.returncode == 0, proc.stderr
    assert got and got[0].startswith(start) and len(got[0]) > 100
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert sorted(p.name for p in folder.iterdir()) == [name]  # no chart, no temporary file
    if command == "bulletin md":
        assert "the chart files it links are not written" in proc.stderr
    if command in ("export csv", "quarantine export"):
        same = marsad(*args, "--out", str(tmp_path / "same.csv"), cwd=built)
        assert got[0] == (tmp_path / "same.csv").read_bytes(), same.stderr


def test_a_reader_closing_the_named_pipe_early_is_said_in_one_line(built, tmp_path):
    """``head -c 10 < fifo``: the command still said ``Wrote N observations`` (exit 0),
    the reader having 10 bytes of them; it now says that the reader closed the pipe early,
    in one line, exit 2, no traceback. (The internal SDMX-ML message is larger than a
    pipe's buffer, 64 KiB, so that the writer sees the reader go.)"""
    fifo = tmp_path / "out.pipe"
    os.mkfifo(fifo)
    thread, got = _read_pipe(fifo, limit=10)
    args = ("export", "--internal", "--format", "sdmx-ml")
    proc = marsad(*args, "--out", str(fifo), cwd=built, check=False)
    _join(thread, fifo)
    assert len(got[0]) == 10
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Wrote" not in proc.stdout and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        f"marsad: error: the program reading the pipe {fifo} closed it before the end of the "
        "output: it read only a part of it (nothing more was written)"
    )
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_out_onto_the_pipe_of_standard_output_is_as_out_dash(built, tmp_path):
    """``--out /dev/stdout``, played by a pipe that is both standard output and ``--out``
    (the real /dev/stdout is not used): the pipe holds the file and nothing else."""
    fifo = tmp_path / "stdout"
    os.mkfifo(fifo)
    thread, got = _read_pipe(fifo)
    with fifo.open("wb") as stdout:
        proc = subprocess.run(
            [sys.executable, "-m", "marsad", "export", "--format", "csv", "--out", str(fifo)],
            cwd=built, stdout=stdout, stderr=subprocess.PIPE, text=True, env=_env(built),
        )  # fmt: skip
    _join(thread, fifo)
    assert proc.returncode == 0, proc.stderr
    assert got[0] == (built / "out" / "public.csv").read_bytes()
    assert f"observations to {fifo}" in proc.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="making a character device needs root")
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_out_onto_a_character_device_writes_into_it(built, tmp_path, fmt):
    """A private null device (1, 3) in the test's folder, never the real /dev/null."""
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    null.chmod(0o666)
    proc = marsad("export", "--format", fmt, "--out", str(null), cwd=built)
    assert "Wrote " in proc.stdout
    mode = null.stat().st_mode
    assert stat.S_ISCHR(mode) and stat.S_IMODE(mode) == 0o666
    assert null.stat().st_rdev == os.makedev(1, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


@pytest.mark.parametrize(
    "args",
    [
        ("export", "--format", "csv", "--out", "-"),
        ("export", "--internal", "--format", "xlsx", "--out", "-"),
        ("loads",),
    ],
)
def test_a_reader_closing_standard_output_stops_the_command_quietly(built, args):
    """``marsad export --format csv --out - | head -1`` printed ``Wrote 55,754 observations
    to standard output.``, exit 0, and ``marsad loads | head -1`` exited 1 (rich's
    choice): as ``yes | head -1``, nothing more is said and the exit code is the shell's
    for a program killed by SIGPIPE, 141. (Standard output is a pipe whose reader has
    already gone, so that the first write meets it closed.)"""
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "marsad", *args],
            cwd=built, stdout=write, stderr=subprocess.PIPE, text=True, env=_env(built),
        )  # fmt: skip
    finally:
        os.close(write)
    assert proc.returncode == 141, proc.stderr
    assert "Wrote" not in proc.stderr and "error" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr


def test_all_of_the_output_is_written_to_an_unbuffered_standard_output():
    """With ``PYTHONUNBUFFERED=1`` ``sys.stdout.buffer`` is a raw file, which writes once
    and says how much it took: the rest of ``--out -`` was dropped without a word."""
    from marsad.cli.common import _write_all

    class Raw:
        def __init__(self) -> None:
            self.got = b""

        def write(self, data) -> int:  # at most 3 bytes a time, as a pipe may take
            self.got += bytes(data[:3])
            return min(3, len(data))

    raw = Raw()
    _write_all(raw, b"indicator,value\n")
    assert raw.got == b"indicator,value\n"
