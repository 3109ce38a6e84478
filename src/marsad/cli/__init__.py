"""The ``marsad`` command: one Typer app, each command a thin call into a stage.

One module per command group, in the order of the work: :mod:`.ingest`,
:mod:`.reporters`, :mod:`.quarantine`, :mod:`.loads`, :mod:`.coverage`,
:mod:`.review`, :mod:`.build`, :mod:`.export`, :mod:`.bulletin`,
:mod:`.release`, :mod:`.serve`, then :mod:`.demo` and :mod:`.synth`. What they share (the
``--warehouse`` option, consoles, progress bars, errors) is in :mod:`.common`.

A user-fixable error ends as one line ``marsad: error: <message>``; a bug keeps
its traceback (``marsad --debug``) or has it written to a log file. The heavy
libraries (Ibis, DuckDB, pandas, pyarrow, Altair) are imported inside the
commands, so ``marsad --help`` answers at once.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from marsad.cli import (
    build,
    bulletin,
    coverage,
    demo,
    export,
    ingest,
    loads,
    quarantine,
    release,
    reporters,
    review,
    sdc,
    serve,
    synth,
)
from marsad.cli.common import MarsadGroup

app = typer.Typer(
    name="marsad",
    cls=MarsadGroup,
    help="Observatory of digital-services exports: ingest settlement records, build the "
    "indicators, publish the bulletin and open data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: no boxes, one line per command
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"marsad {version('marsad')}")
        raise typer.Exit()


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens.")] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="On an internal error, show the full traceback.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(_not_an_interrupt)


def _not_an_interrupt(record: logging.LogRecord) -> bool:
    """Drop a log record of a Ctrl-C (py4j logs ``ERROR root: KeyboardInterrupt while
    sending command.`` and its traceback when a Spark build is interrupted): the command
    stops quietly, exit 130, as for any other Ctrl-C."""
    return not (record.exc_info and isinstance(record.exc_info[1], KeyboardInterrupt))


for _module in (
    ingest,
    reporters,
    quarantine,
    loads,
    coverage,
    review,
    build,
    sdc,
    export,
    bulletin,
    release,
    serve,
    demo,
    synth,
):
    _module.register(app)

__all__ = ["app"]
