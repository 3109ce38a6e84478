"""The ``marsad`` command's entry point (``[project.scripts]``, ``python -m marsad``).

Importing the command line takes about half a second (Typer, rich, the commands'
modules): a Ctrl-C in that time printed Python's raw traceback (``Traceback … from
marsad.cli import ( … KeyboardInterrupt``), where a Ctrl-C once the command runs exits
130 quietly. Here the import is inside the same ``try`` as the run, so that a Ctrl-C
anywhere ends the same way: no output, exit code 130 (128 + SIGINT, as the shell
reports a program stopped by Ctrl-C). Nothing heavy is imported before it.
"""

from __future__ import annotations

import sys

#: Exit code of a command stopped by Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130


def main() -> None:
    """Run ``marsad``; a Ctrl-C at any point, the imports included, exits 130 quietly."""
    try:
        from marsad.cli import app

        app(prog_name="marsad")
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
