"""``marsad build``: classify, convert to MAD, cube and compute the indicators."""

from __future__ import annotations

from typing import Annotated

import typer

from marsad.cli.common import (
    WarehouseOption,
    console,
    fail,
    open_store,
    progress_bars,
    say,
    visible,
    writing,
)
from marsad.cli.sdc import without_cells

EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help="Engine of classify, convert and cube: duckdb or spark (default MARSAD_ENGINE).",
        show_default=False,
    ),
]

FullOption = Annotated[
    bool,
    typer.Option(
        "--full",
        help="Recompute every month, not only those whose records, rates or firms changed.",
    ),
]


def build(
    warehouse: WarehouseOption = None, engine: EngineOption = None, full: FullOption = False
) -> None:
    """Classify, convert, cube and compute the indicators (only the months that changed
    since the last build, unless --full)."""
    engine = _engine(engine)
    # nothing to build from a missing warehouse: do not leave an empty one behind
    with open_store(warehouse, read_only=False, must_exist=True) as wh:
        _reconcile_releases(wh)
        report = _built(wh, engine, full)
    _summary(report)


def _reconcile_releases(wh) -> None:
    """The releases this warehouse made, put back in the releases folder's log when it
    lacks them, before the build reads them (:mod:`marsad.release.made`)."""
    from marsad.release.made import reconcile, restored_note
    from marsad.release.store import releases_root

    root = releases_root(wh.path)
    with writing(root):
        restored = reconcile(wh, root)
    if restored:
        say(f"note: {restored_note(root, restored)}")


def _built(wh, engine: str, full: bool):
    from marsad.build import STEPS, build_with_settings

    with progress_bars() as progress:
        task = progress.add_task("build", total=len(STEPS))

        def step(name: str) -> None:
            progress.update(task, description=f"build: {name}", completed=STEPS.index(name))

        report = build_with_settings(wh, progress=step, engine=engine, full=full)
        progress.update(task, description="build", completed=len(STEPS))
    return report


def _engine(name: str | None) -> str:
    """The engine to use (``--engine``, else ``MARSAD_ENGINE``), said on stderr with its
    master for Spark (``engine: spark (master local[*])``)."""
    from marsad.engine.compute import ENGINES
    from marsad.settings import get_settings

    settings = get_settings()
    typed = settings.engine if name is None else name  # (--engine "" is refused, as the setting)
    name = typed.lower()  # (--engine Spark is spark, as MARSAD_ENGINE=SPARK)
    if name not in ENGINES:
        fail(f"--engine {typed!r}: choose one of {', '.join(ENGINES)}")
    say(f"engine: {name}" + (f" (master {settings.spark_master})" if name == "spark" else ""))
    return name


def _summary(report) -> None:
    from rich.text import Text

    out = console()
    out.print(
        f"Built release {report.release}: {report.records:,} records "
        f"({report.first_month} to {report.last_month}), {report.cube_cells:,} cube cells, "
        f"{report.observations:,} observations."
    )
    out.print(
        rebuilt_line(
            report.months_built,
            report.months_total,
            report.years_built,
            report.years_total,
            changed=report.changed,
            removed=report.months_removed,
        )
    )
    sources = ", ".join(f"{n:,} by {s}" for s, n in report.by_source.items())
    out.print(f"Segments given: {sources}.")
    if report.unallocated:
        line = Text(
            f"{report.unallocated:,} record(s) of {report.review_firms:,} firm(s) are held for "
            "review",
            style="yellow",
        )
        line.append(
            " (firm not in the registry and no concordance for their service code): they are "
            "outside the sector total and every published figure; see them with marsad review."
        )
        out.print(line)
    _gaps(out, report.gaps, report.nil_return)
    unconverted(out, report.unconverted)
    _quarantine(out, report.quarantine)
    _loss(out, report.loss)
    _unprotectable(out, report.unprotectable)
    without_cells(out, report.earlier_without_cells)


def _unprotectable(out, cells: int) -> None:
    """The sensitive cells that earlier releases leave unprotectable (a count, never
    which nor their values): ``release create`` refuses this build unless told
    ``--accept-earlier-disclosure``."""
    if not cells:
        return
    from rich.text import Text

    line = Text(f"{cells:,} confidential cell(s) cannot be protected", style="red")
    line.append(
        ": an earlier release published their value (or enough to compute it), which no "
        "suppression can take back; release create refuses this build unless run with "
        "--accept-earlier-disclosure (see 'Across releases' in docs/methodology.md)."
    )
    out.print(line)


def rebuilt_line(
    built: int,
    total: int,
    years: int = 0,
    years_total: int = 0,
    *,
    changed: bool = True,
    removed: int = 0,
) -> str:
    """How much of the history the build recomputed: months of the cube, then years
    of indicators and disclosure control (those whose cube changed and the next), and
    whether the table (``changed``) differs from the last build's. "Nothing changed" is
    said only when the table is the same, byte for byte (and so its release id). The
    months ``removed`` (their every record withdrawn) are said first.

    >>> rebuilt_line(0, 120, 0, 10, removed=1)
    'Removed 1 month left without records; no other month rebuilt.'

    >>> rebuilt_line(1, 120, 1, 10)
    'Rebuilt 1 of 120 months; indicators and disclosure control of 1 of 10 years.'
    >>> rebuilt_line(3, 120, 1, 10, changed=False)
    'Rebuilt 3 of 120 months; indicators and disclosure control of 1 of 10 years: no change.'
    >>> rebuilt_line(0, 120, changed=False)
    'Nothing changed since the last build: no month rebuilt.'
    >>> rebuilt_line(0, 120, 0, 10)
    'No month rebuilt; the table changed all the same (revision statuses, jobs).'
    """
    if removed:
        gone = f"Removed {removed:,} month{'' if removed == 1 else 's'} left without records"
        if not built and not years:
            return f"{gone}; no other month rebuilt."
        rest = rebuilt_line(built, total, years, years_total, changed=changed)
        return f"{gone}; {rest[0].lower()}{rest[1:]}"
    if not built and not years:
        if changed:
            return "No month rebuilt; the table changed all the same (revision statuses, jobs)."
        return "Nothing changed since the last build: no month rebuilt."
    line = f"Rebuilt {_of(built, total, 'month')}"
    if years_total:
        line += f"; indicators and disclosure control of {_of(years, years_total, 'year')}"
    return line + ("." if changed else ": no change.")


def _of(part: int, whole: int, noun: str) -> str:
    """``3 of 120 months``, ``all 120 months``, ``the only year``.

    >>> _of(1, 1, "year"), _of(1, 10, "year"), _of(10, 10, "year")
    ('the only year', '1 of 10 years', 'all 10 years')
    """
    if part == whole == 1:
        return f"the only {noun}"
    if part == whole:
        return f"all {whole:,} {noun}s"
    return f"{part:,} of {whole:,} {noun}s"


def _loss(out, losses) -> None:
    """What disclosure control withheld, per table (counts and shares, never a value)."""
    if not losses:
        return
    from marsad.protect.loss import summary_line

    out.print(f"Disclosure control {summary_line(losses)}:")
    for loss in losses:
        if loss.withheld:
            share = "" if loss.share is None else f", {loss.share} % of its value"
            out.print(
                f"  {loss.table}: {loss.withheld:,} of {loss.cells:,} "
                f"({loss.primary:,} primary, {loss.secondary:,} secondary{share})"
            )


#: Lines of incomplete months printed by ``marsad build`` before "and N more".
SHOWN_GAPS = 12


def _gaps(out, gaps: list[str], nil_return: str) -> None:
    """Which months are not complete, and from whom a delivery is missing."""
    if not gaps:
        return
    from rich.text import Text

    line = Text("Months not complete", style="yellow")
    line.append(
        " (not published, nor the quarters, halves, years and year-to-date figures that "
        "contain them):"
    )
    out.print(line)
    for line in gaps[:SHOWN_GAPS]:
        out.print(f"  {line}")
    if len(gaps) > SHOWN_GAPS:
        out.print(f"  … and {len(gaps) - SHOWN_GAPS} more: see marsad coverage")
    if nil_return:
        out.print(f"  A bank with nothing to report declares it: {nil_return}")


def unconverted(out, lines: list[str]) -> None:
    """The records of months not complete without a usable exchange rate: they stop
    nothing while the month is not published, and the build once it is complete."""
    if not lines:
        return
    from rich.text import Text

    line = Text("Records without a usable exchange rate", style="yellow")
    line.append(
        " in months not complete (not published; the build stops once such a month is "
        "complete): load the rates with marsad ingest --kind rates FILE"
    )
    out.print(line)
    for more in lines:
        out.print(f"  {visible(more)}", markup=False, highlight=False)


def _quarantine(out, lines: list[str]) -> None:
    """The rows still in quarantine, neither corrected nor waived: in no figure (counts
    per month and reporter, never an amount)."""
    if not lines:
        return
    from rich.text import Text

    head, sep, rest = lines[0].partition(": ")
    line = Text(head, style="yellow")
    line.append(sep + rest)
    out.print(line)
    for more in lines[1:]:
        out.print(more, markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``build`` to the ``marsad`` app."""
    app.command("build")(build)
