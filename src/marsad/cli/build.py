"""``marsad build``: classify, convert to MAD, cube and compute the indicators."""

from __future__ import annotations

import typer

from marsad.cli.common import WarehouseOption, console, open_store, progress_bars


def build(warehouse: WarehouseOption = None) -> None:
    """Classify, convert, cube and compute the indicators."""
    from marsad.build import STEPS
    from marsad.build import build as run_build
    from marsad.settings import get_settings

    settings = get_settings()
    # nothing to build from a missing warehouse: do not leave an empty one behind
    with open_store(warehouse, read_only=False, must_exist=True) as wh, progress_bars() as progress:
        task = progress.add_task("build", total=len(STEPS))

        def step(name: str) -> None:
            progress.update(task, description=f"build: {name}", completed=STEPS.index(name))

        report = run_build(
            wh,
            provisional_from=settings.provisional_from,
            percent_decimals=settings.percent_decimals,
            rate_max_age_days=settings.rate_max_age_days,
            progress=step,
        )
        progress.update(task, description="build", completed=len(STEPS))
    _summary(report)


def _summary(report) -> None:
    from rich.text import Text

    out = console()
    out.print(
        f"Built release {report.release}: {report.records:,} records "
        f"({report.first_month} to {report.last_month}), {report.cube_cells:,} cube cells, "
        f"{report.observations:,} observations."
    )
    sources = ", ".join(f"{n:,} by {s}" for s, n in report.by_source.items())
    out.print(f"Segments given: {sources}.")
    if report.unallocated:
        line = Text(f"{report.unallocated:,} record(s) are UNALLOCATED", style="yellow")
        line.append(
            " (firm not in the registry and no concordance for their service code); they "
            "are counted in the totals under segment UNALLOCATED."
        )
        out.print(line)


def register(app: typer.Typer) -> None:
    """Add ``build`` to the ``marsad`` app."""
    app.command("build")(build)
