"""Faults of the machine, however they surface, are one plain line (exit 2), and the
warehouse they met is left as it was: a rerun works.

A file-size limit (``ulimit -f``; a FAT32 volume gives the same ``EFBIG``) met while an
ingest committed was ``internal error (TransactionException): this is a bug``, exit 70:
only a full disk, a quota and a read-only file system were known.
"""

from __future__ import annotations

import errno
import os
import resource
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from marsad.cli import app
from marsad.engine import Warehouse, classify_error, open_warehouse
from marsad.engine.sql import SqlError

HEADER = "record_id,reporter,firm_id,value_date,flow,amount,currency,service_code,partner_country"
FIRMS = "firm_id,name,segment,isic,city\nF001,Alpha Services,ITO,6201,Rabat\n"
RATES = "date,currency,mad_per_unit\n2024-01-02,EUR,10.800000\n"


def _marsad(*args: str, fsize: int | None = None) -> subprocess.CompletedProcess:
    def limit() -> None:  # as `ulimit -f` in the shell that starts it
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run(
        [sys.executable, "-m", "marsad", *args],
        env={**os.environ, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        preexec_fn=limit,
        timeout=300,
    )


def _transactions(path: Path, rows: int) -> Path:
    lines = [HEADER] + [
        f"R{i:06d},BANKA,F001,2024-01-{1 + i % 28:02d},C,{100 + i}.00,EUR,SI22,FR"
        for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_file_size_limit_during_ingest_is_one_line_and_a_rerun_loads(tmp_path):
    """EFBIG writing the write-ahead log: ``internal error (TransactionException)``, exit 70."""
    wh = tmp_path / "w.duckdb"
    (tmp_path / "firms.csv").write_text(FIRMS, encoding="utf-8")
    (tmp_path / "rates.csv").write_text(RATES, encoding="utf-8")
    for kind in ("firms", "rates"):
        done = _marsad(
            "ingest", "--warehouse", str(wh), "--kind", kind, str(tmp_path / f"{kind}.csv")
        )
        assert done.returncode == 0, done.stderr
    tx = _transactions(tmp_path / "tx.csv", 20_000)
    done = _marsad(
        "ingest", "--warehouse", str(wh), "--kind", "transactions", str(tx), fsize=16 * 1024
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith("marsad: error: cannot write ") and "file too large" in line, line
    assert str(tmp_path) in line  # the file is named
    again = _marsad("ingest", "--warehouse", str(wh), "--kind", "transactions", str(tx))
    assert again.returncode == 0, again.stderr
    assert "20,000 loaded" in again.stderr + again.stdout


@pytest.mark.parametrize(
    ("exc", "said"),
    [
        (
            SqlError('Failed to commit: Could not write file "/d/w.duckdb.wal": File too large'),
            "cannot write /d/w.duckdb.wal: file too large",
        ),
        (
            SqlError('IO Error: Could not write file "/d/w.duckdb": Input/output error'),
            "/d/w.duckdb: input/output error",
        ),
        (  # pyarrow writing a Parquet file: its errno, no file name
            OSError(errno.EFBIG, "Error writing bytes to file. Detail: [errno 27] File too large"),
            "file too large",
        ),
        (  # pyarrow opening one: no errno, the words and the file in its text
            OSError(
                "Failed to open local file '/d/x.parquet'. Detail: [errno 30] Read-only file system"
            ),
            "cannot write /d/x.parquet: the file system is read-only",
        ),
    ],
)
def test_every_way_a_machine_fault_surfaces_is_told_apart_from_a_bug(exc, said):
    """EFBIG and EIO, in DuckDB's words or pyarrow's, were bugs (exit 70)."""
    fault = classify_error(exc)
    assert fault is not None and fault.exit_code == 2
    assert str(fault).startswith(said), str(fault)


@pytest.mark.parametrize(
    "raised",
    [
        RuntimeError("Query interrupted"),  # Ibis fetching a result as Arrow
        duckdb.InterruptException("INTERRUPT Error: Interrupted!"),
    ],
)
def test_ctrl_c_met_by_the_sql_engine_exits_130_quietly_and_changes_nothing(
    tmp_path, monkeypatch, raised
):
    """Ctrl-C during the build's cube step: ``internal error (RuntimeError)``, exit 70,
    with a traceback ending ``RuntimeError: Query interrupted`` (4 tries of 5)."""
    wh = tmp_path / "w.duckdb"
    (tmp_path / "firms.csv").write_text(FIRMS, encoding="utf-8")
    args = ["ingest", "--warehouse", str(wh), "--kind", "firms", str(tmp_path / "firms.csv")]
    real = Warehouse.sql

    def interrupted_insert(self, query, params=None):
        if query.lstrip().upper().startswith("INSERT"):
            raise raised
        return real(self, query, params)

    monkeypatch.setattr(Warehouse, "sql", interrupted_insert)
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 130, res.output
    assert "internal error" not in res.output and "error" not in res.stderr
    monkeypatch.setattr(Warehouse, "sql", real)
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    with open_warehouse(wh, read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM firms") == 1


def test_spark_leaves_ctrl_c_to_python():
    """A Spark build interrupted: pyspark's SIGINT handler called Java on the connection
    the Ctrl-C interrupted (``RuntimeError: reentrant call``), and the build ended as
    ``internal error (Py4JError)``, after two tracebacks logged by py4j."""
    pytest.importorskip("pyspark")
    import signal

    from marsad.engine.spark import _own_sigint

    before = signal.getsignal(signal.SIGINT)
    with _own_sigint():
        signal.signal(signal.SIGINT, lambda *_: None)  # as SparkContext() does
    assert signal.getsignal(signal.SIGINT) is before


def test_a_logged_ctrl_c_is_not_shown():
    """py4j logs ``ERROR root: KeyboardInterrupt while sending command.`` with its traceback."""
    import logging

    from marsad.cli import _not_an_interrupt

    def record(exc: BaseException) -> logging.LogRecord:
        return logging.LogRecord("root", logging.ERROR, "", 0, "x", None, (type(exc), exc, None))

    assert not _not_an_interrupt(record(KeyboardInterrupt()))
    assert _not_an_interrupt(record(ValueError("shown")))
