"""The ``marsad`` command's start: a Ctrl-C while it imports exits as any other Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_console_script_and_python_m_run_the_entry_point():
    """The script ran ``marsad.cli:app``, whose import no ``try`` surrounded."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"marsad": "marsad.entry:main"}
    assert "from marsad.entry import main" in (ROOT / "src/marsad/__main__.py").read_text()


def _interrupted(tmp_path: Path, module: str) -> tuple[int, str, str]:
    """Run ``marsad loads`` and send SIGINT once ``module`` is imported: (exit code,
    standard output, standard error without the import times)."""
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "marsad", "loads", "--warehouse",
         str(tmp_path / "none.duckdb")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # (as a terminal's Ctrl-C finds it: a shell's background job inherits SIGINT
        # ignored, and Python then never raises KeyboardInterrupt)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    for line in proc.stderr:
        if line.startswith("import time:") and line.split("|")[-1].strip() == module:
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    err = "\n".join(line for line in err.splitlines() if not line.startswith("import time:"))
    return proc.returncode, out, err


@pytest.mark.parametrize("module", ["typer", "marsad.errors"])
def test_ctrl_c_while_the_command_line_imports_exits_130_without_a_traceback(tmp_path, module):
    """``timeout -s INT 0.4 marsad loads`` printed ``Traceback … from marsad.cli import (
    … KeyboardInterrupt``: the interrupt landed during the imports. Here it is sent once
    ``module`` is imported (``-X importtime`` says when), the others still to come. On a
    busy machine the command can end before the signal is sent (it then says there is
    nothing loaded, exit 2): tried again, up to ten times."""
    for _ in range(10):
        code, out, err = _interrupted(tmp_path, module)
        if not (code == 2 and "load files first" in err):
            break
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert code == 130, (code, err)
    assert out == ""
