"""What each command does, with progress bars and plain-words errors.

``cli.py`` only parses options; this module calls the stages in order.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from marsad.cli import console, fail, out
from marsad.ingest import IngestError
from marsad.settings import get_settings

#: Errors a user can act on: shown as one plain line, exit code 2.
_USER_ERRORS: tuple[type[BaseException], ...] = (
    ValueError, FileNotFoundError, RuntimeError, IngestError,
)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn a user-fixable error into a plain message and exit code 2."""
    try:
        yield
    except typer.Exit:
        raise
    except _USER_ERRORS as exc:
        raise fail(str(exc)) from None


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _bar(progress: Progress, description: str) -> Callable[[int, int], None]:
    task = progress.add_task(description, total=None)

    def update(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    return update


def run_synth(out_dir: Path, *, rows_per_year: int, seed: int, fmt: str) -> None:
    from marsad.synth import generate

    with user_errors(), _progress() as progress:
        result = generate(
            out_dir, rows_per_year=rows_per_year, seed=seed, fmt=fmt,
            progress=_bar(progress, "synthetic records"),
        )
    out.print(
        f"Wrote synthetic data to {out_dir}: {result.n_firms:,} firms, {result.n_rates:,} rates, "
        f"{result.n_transactions:,} records in {len(result.transaction_paths)} files. "
        "They are synthetic, calibrated to the published aggregates (see README.txt)."
    )


def run_build(warehouse: Path) -> None:
    from marsad.build import STEPS, build
    from marsad.engine import open_warehouse

    settings = get_settings()
    with user_errors(), open_warehouse(warehouse) as wh, _progress() as progress:
        task = progress.add_task("build", total=len(STEPS))

        def step(name: str) -> None:
            progress.update(task, description=f"build: {name}",
                            completed=STEPS.index(name))

        report = build(
            wh, provisional_from=settings.provisional_from,
            percent_decimals=settings.percent_decimals, progress=step,
        )
        progress.update(task, description="build", completed=len(STEPS))
    out.print(
        f"Built release {report.release}: {report.records:,} records "
        f"({report.first_month} to {report.last_month}), {report.cube_cells:,} cube cells, "
        f"{report.observations:,} observations."
    )
    sources = ", ".join(f"{n:,} by {s}" for s, n in report.by_source.items())
    out.print(f"Segments given: {sources}.")
    if report.unallocated:
        out.print(
            f"[yellow]{report.unallocated:,} record(s) are UNALLOCATED[/] (firm not in the "
            "registry and no concordance for their service code); they are counted in the "
            "totals under segment UNALLOCATED."
        )


def run_export(warehouse: Path, fmt: str, out_file: Path) -> None:
    from marsad.engine import open_warehouse
    from marsad.publish.export import export_table

    with user_errors(), open_warehouse(warehouse, read_only=True) as wh:
        rows = export_table(wh, fmt, out_file)
    out.print(f"Wrote {rows:,} observations to {out_file}.")


def run_bulletin(warehouse: Path, period: str, lang: str, out_file: Path) -> None:
    from marsad.build import load_indicators
    from marsad.engine import open_warehouse
    from marsad.publish.bulletin import write_bulletin

    settings = get_settings()
    with user_errors(), open_warehouse(warehouse, read_only=True) as wh:
        table = load_indicators(wh, provisional_from=settings.provisional_from)
        synthetic = _is_synthetic(wh)
        written = write_bulletin(table, period, lang, out_file, synthetic=synthetic)
    extra = f" (and {len(written) - 1} chart files beside it)" if len(written) > 1 else ""
    out.print(f"Wrote the {lang} bulletin for {period} to {written[0]}{extra}.")


def _is_synthetic(wh) -> bool:
    """Whether the loaded firms are the synthetic generator's (its firm names say so)."""
    return bool(wh.scalar("SELECT count(*) FROM firms WHERE name LIKE 'Synthetic %'"))


def run_demo(out_dir: Path, *, rows_per_year: int, seed: int) -> None:
    from marsad.build import build
    from marsad.engine import open_warehouse
    from marsad.ingest import load_files
    from marsad.publish.bulletin import write_bulletin
    from marsad.publish.export import export_table
    from marsad.synth import generate

    started = time.perf_counter()
    data_dir = out_dir / "data"
    warehouse = out_dir / "marsad.duckdb"
    settings = get_settings()
    with user_errors():
        out_dir.mkdir(parents=True, exist_ok=True)
        for stale in (warehouse, warehouse.with_suffix(".duckdb.wal")):
            stale.unlink(missing_ok=True)
        if data_dir.exists():
            shutil.rmtree(data_dir)
        with _progress() as progress:
            generate(data_dir, rows_per_year=rows_per_year, seed=seed,
                     progress=_bar(progress, "1/4 synthetic records"))
        with open_warehouse(warehouse) as wh:
            with _progress() as progress:
                files = sorted((data_dir / "transactions").glob("*.csv"))
                task = progress.add_task("2/4 ingest", total=len(files) + 2)

                def file_done(event) -> None:
                    if event.phase == "done":
                        progress.update(task, advance=1)

                reports = []
                for kind, paths in (("firms", [data_dir / "firms.csv"]),
                                    ("rates", [data_dir / "rates.csv"]),
                                    ("transactions", files)):
                    reports += load_files(wh, kind, paths, progress=file_done)
            with _progress() as progress:
                task = progress.add_task("3/4 build", total=None)
                report = build(wh, provisional_from=settings.provisional_from,
                               percent_decimals=settings.percent_decimals)
                progress.update(task, total=1, completed=1)
            with _progress() as progress:
                task = progress.add_task("4/4 publish", total=4)
                csv_path = out_dir / "indicators.csv"
                export_table(wh, "csv", csv_path)
                progress.update(task, advance=1)
                table = report.table
                period = _latest_half(table)
                years = table.periods("year")[-1:]  # the latest complete year, if any
                bulletins = [(period, "html"), (period, "md"), *((y, "html") for y in years)]
                paths = [csv_path]
                for bulletin_period, suffix in bulletins:
                    target = out_dir / f"bulletin-{bulletin_period}-fr.{suffix}"
                    paths.append(write_bulletin(table, bulletin_period, "fr", target,
                                                synthetic=True)[0])
                    progress.update(task, advance=1)
                progress.update(task, completed=4)
    _demo_summary(out_dir, reports, report, table, period, [*paths, warehouse],
                  time.perf_counter() - started)


def _latest_half(table) -> str:
    halves = table.periods("half")
    if not halves:
        raise ValueError("The data cover no complete half-year: no bulletin to write.")
    return halves[-1]


def _demo_summary(out_dir, reports, report, table, period, paths, seconds) -> None:
    from marsad.publish import fmt

    read = sum(r.rows_read for r in reports)
    loaded = sum(r.loaded for r in reports)
    quarantined = sum(r.quarantined for r in reports)
    out.print(
        f"\nIngested {read:,} rows: {loaded:,} loaded, {quarantined:,} quarantined. "
        f"Release {report.release}."
    )
    level = table.get("level", period)
    growth = table.get("growth_yoy", period)
    headline = f"Exports {period}: {fmt.money(level, 'fr')}"
    if growth is not None:
        headline += f", {fmt.percent(growth, 'fr', signed=True)} sur un an"
    out.print(headline + ".")
    summary = Table(title=f"Outputs in {out_dir}", show_header=False, box=None)
    for path in paths:
        summary.add_row(str(path))
    out.print(summary)
    out.print(f"Done in {seconds:.1f} s. The records are synthetic, calibrated to the "
              "published aggregates.")
