"""Helpers shared by test folders (kept out of conftest files so that any test can import them)."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from marsad.cli import app

#: The month whose first record the release tests correct between two releases.
CORRECTED = "2024-03"


def copy_warehouse(source: Path, target: Path) -> Path:
    """Copy a warehouse: its DuckDB file and its record store (``w.records/`` beside it);
    the file alone would name parts its copy does not have."""
    from marsad.engine.records import store_folder

    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    if store_folder(source).is_dir():
        shutil.copytree(store_folder(source), store_folder(target), dirs_exist_ok=True)
    return target


def run(*args: str, code: int = 0):
    """Run ``marsad ARGS`` in process; assert its exit code (0 unless ``code``)."""
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, (args, result.output)
    return result


def correction(data: Path, out: Path, month: str = CORRECTED) -> Path:
    """A transactions file holding one record of ``month`` (from the synthetic ``data``
    folder), its amount tripled: a correction that revises that month and its totals."""
    with (data / "transactions" / f"{month}.csv").open(newline="") as f:
        header, first = list(csv.reader(f))[:2]
    i = header.index("amount")
    first[i] = str(Decimal(first[i]) * 3)
    with out.open("w", newline="") as f:
        csv.writer(f).writerows([header, first])
    return out


def marsad_process(*args: str) -> subprocess.Popen:
    """``python -m marsad ARGS`` as a child process of this source tree (to be killed at a
    random point): stdout discarded, stderr piped."""
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = dict(os.environ, PYTHONPATH=src + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen(
        [sys.executable, "-m", "marsad", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
