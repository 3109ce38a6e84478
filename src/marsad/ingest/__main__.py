"""``python -m marsad.ingest ingest|loads|quarantine …``: the ingest commands alone."""

import typer

from marsad.ingest.cli import register

app = typer.Typer(
    name="marsad-ingest",
    help="Load bank files into the marsad warehouse.",
    no_args_is_help=True,
    add_completion=False,
)
register(app)

if __name__ == "__main__":
    app()
