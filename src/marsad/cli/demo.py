"""``marsad demo``: from nothing, offline, the whole chain on synthetic records:
generate, ingest, build, export and bulletin, into one folder; then a release
(:data:`DEMO_RELEASE`, in ``releases/`` beside the warehouse) that ``marsad serve``
serves. Which folder it takes, and what it removes there before writing again:
:mod:`marsad.cli.demo_folder`."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer

from marsad.cli import demo_folder
from marsad.cli.common import (
    bar,
    check_parent,
    console,
    open_store,
    plain,
    progress_bars,
    writing,
)
from marsad.cli.synth import MIN_ROWS_PER_YEAR
from marsad.errors import MarsadError

#: The release the demo makes, its date (unless ``MARSAD_RELEASE_DATE``) and note.
DEMO_RELEASE = "2025-S1"
DEMO_RELEASE_DATE = dt.date(2025, 10, 15)
DEMO_NOTE = "demo, synthetic data"


def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the data and outputs.")],
    rows_per_year: Annotated[
        int, typer.Option(help="Synthetic records per year.", min=MIN_ROWS_PER_YEAR)
    ] = 300_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 2025,
) -> None:
    """From nothing, offline: synthetic records, ingest, build, export and bulletin."""
    from marsad.dates import source_date_epoch
    from marsad.engine.records import store_folder  # (DuckDB and Ibis: not for --help)
    from marsad.synth import generate

    source_date_epoch()  # a SOURCE_DATE_EPOCH that is no time: refused before any work
    check_parent(out_dir)  # the folder is made, a missing one above it is a typo: refused
    started = time.perf_counter()
    data_dir = out_dir / "data"
    warehouse = out_dir / "marsad.duckdb"
    with writing(out_dir):
        earlier = demo_folder.check(out_dir)  # refuses a folder no demo made: exit 2
        demo_folder.remove(out_dir, earlier)
        out_dir.mkdir(parents=True, exist_ok=True)
        made = demo_folder.Marker(out_dir)
        with progress_bars() as progress:
            generate(
                data_dir,
                rows_per_year=rows_per_year,
                seed=seed,
                progress=bar(progress, "1/5 synthetic records"),
            )
        made.add(data_dir)
        store = [warehouse, store_folder(warehouse)]
        store += [warehouse.with_suffix(f".duckdb.{end}") for end in ("wal", "tmp")]
        made.expect(warehouse.with_suffix(".duckdb.wal"))
        with open_store(warehouse, read_only=False) as wh:
            made.add(*store)
            reports = _ingest(wh, data_dir)
            made.add(*store)
            report = _build(wh)
            paths, period = _publish(wh, report.table, out_dir)
            made.add(*paths)
            released = _release(wh, warehouse)
        made.add(*store, *_made_release(out_dir, warehouse))
    _summary(out_dir, reports, report, period, [*paths, warehouse], time.perf_counter() - started)
    _serve_hint(warehouse, released)


def _made_release(out_dir: Path, warehouse: Path) -> list[Path]:
    """The demo's release and the log of the releases made (it starts its warehouse
    anew: both go with it), when it made them in its folder (for the marker)."""
    from marsad.release.store import MADE_LOG

    root = _own_releases(out_dir, warehouse)
    return [] if root is None else [root / DEMO_RELEASE, root / MADE_LOG]


def _own_releases(out_dir: Path, warehouse: Path) -> Path | None:
    """The releases folder of ``warehouse`` when it lies in the demo's folder, else None
    (``MARSAD_RELEASES_DIR`` elsewhere: never touched, never written)."""
    from marsad.release.store import releases_root

    root = releases_root(warehouse)
    return root if root.resolve().is_relative_to(out_dir.resolve()) else None


def _release(wh, warehouse: Path) -> str:
    """Freeze the demo's build as release :data:`DEMO_RELEASE`; return what was done.
    A releases folder outside the demo's (``MARSAD_RELEASES_DIR``) gets nothing: it
    may be an office's, whose server would then show the synthetic release as its
    latest. The demo says so and goes on."""
    from marsad.release.freeze import create
    from marsad.release.store import ReleaseError, releases_root
    from marsad.settings import get_settings

    root = releases_root(warehouse)
    if _own_releases(warehouse.parent, warehouse) is None:
        return (
            f"No release made: the releases folder {root} (MARSAD_RELEASES_DIR) is not "
            "the demo's, and a release of synthetic data does not belong beside real ones."
        )
    if (root / DEMO_RELEASE).exists():
        return f"Release {DEMO_RELEASE} exists already in {root}: kept as it was."
    date = get_settings().release_date or DEMO_RELEASE_DATE
    with progress_bars() as progress:
        task = progress.add_task("5/5 release", total=None)
        try:
            frozen = create(wh, root, DEMO_RELEASE, date=date, note=DEMO_NOTE)
        except ReleaseError as exc:
            return f"No release made: {exc}"
        progress.update(task, total=1, completed=1)
    return f"Release {DEMO_RELEASE} ({date.isoformat()}) in {frozen.release.path}."


def _serve_hint(warehouse: Path, released: str) -> None:
    console().print(released, markup=False)
    console().print(
        f"See it on the web: marsad serve --warehouse {warehouse} "
        "(then open http://localhost:8000/fr/).",
        markup=False,
    )


def _ingest(wh, data_dir: Path) -> list:
    from marsad.ingest import load_files

    files = sorted((data_dir / "transactions").glob("*.csv"))
    with progress_bars() as progress:
        task = progress.add_task("2/5 ingest", total=len(files) + 3)

        def file_done(event) -> None:
            if event.phase == "done":
                progress.update(task, advance=1)

        reports = []
        for kind, paths in (
            ("firms", [data_dir / "firms.csv"]),
            ("rates", [data_dir / "rates.csv"]),
            ("employment", [data_dir / "employment.csv"]),
            ("transactions", files),
        ):
            reports += load_files(wh, kind, paths, progress=file_done)
    return reports


def _build(wh):
    """Build the demo's warehouse. Its own releases were removed first, and those of a
    releases folder elsewhere (``MARSAD_RELEASES_DIR``) are no earlier release of these
    synthetic records: nothing is known a priori."""
    from marsad.build import build_with_settings
    from marsad.protect.apriori import Apriori

    with progress_bars() as progress:
        task = progress.add_task("3/5 build", total=None)
        report = build_with_settings(wh, earlier=Apriori())
        progress.update(task, total=1, completed=1)
    return report


#: The open data files of the demo (``marsad export --format``), by file name.
DEMO_DATA = {
    "indicators.csv": "csv",
    "indicators-bundle.zip": "csv-bundle",
    "indicators.xlsx": "xlsx",
    "indicators-sdmx.csv": "sdmx-csv",
    "structure-sdmx.xml": "sdmx-structure",
}
#: The languages and formats of the demo's bulletin of the latest half-year.
DEMO_LANGS = ("fr", "en", "ar")
DEMO_FORMATS = ("html", "md", "pdf")


def _publish(wh, table, out_dir: Path) -> tuple[list[Path], str]:
    """The open data files, the bulletin of the latest half-year in every written language
    and format, and the French bulletin of the latest complete year; returns the paths
    written (charts of the Markdown bulletins too) and the half-year."""
    from marsad.publish.bulletin import write_bulletin
    from marsad.publish.export import export_tables
    from marsad.publish.lang import WRITTEN
    from marsad.publish.pdf import write_pdf

    period = _latest_half(table)
    years = table.periods("year")[-1:]  # the latest complete year, if any
    jobs = [
        (period, lang, suffix) for lang in DEMO_LANGS if lang in WRITTEN for suffix in DEMO_FORMATS
    ]
    jobs += [(y, "fr", "html") for y in years]
    with progress_bars() as progress:
        task = progress.add_task("4/5 publish", total=len(jobs) + len(DEMO_DATA))
        paths = [out_dir / name for name in DEMO_DATA]
        export_tables(wh, dict(zip(paths, DEMO_DATA.values(), strict=True)))
        progress.update(task, advance=len(DEMO_DATA))
        for bulletin_period, lang, suffix in jobs:
            target = out_dir / f"bulletin-{bulletin_period}-{lang}.{suffix}"
            html = target.with_suffix(".html")
            if suffix == "pdf" and html in paths:  # the HTML just written, printed
                write_pdf(html.read_text(encoding="utf-8"), target, lang=lang)
                paths.append(target)
            else:
                paths += write_bulletin(table, bulletin_period, lang, target, synthetic=True)
            progress.update(task, advance=1)
    return paths, period


def _latest_half(table) -> str:
    halves = table.periods("half")
    if not halves:
        raise MarsadError("the data cover no complete half-year: no bulletin to write")
    return halves[-1]


def _summary(out_dir, reports, report, period, paths, seconds) -> None:
    from rich.table import Table

    from marsad.publish import fmt

    out = console()
    table = report.table
    read = sum(r.rows_read for r in reports)
    loaded = sum(r.loaded for r in reports)
    quarantined = sum(r.quarantined for r in reports)
    out.print(
        f"Ingested {read:,} rows: {loaded:,} loaded, {quarantined:,} quarantined. "
        f"Release {report.release}.",
        markup=False,
    )
    level = table.get("level", period)
    growth = table.get("growth_yoy", period)
    headline = f"Exports {period}: {fmt.money(level, 'fr')}"
    if growth is not None:
        headline += f", {fmt.percent(growth, 'fr', signed=True)} sur un an"
    out.print(headline + ".", markup=False)
    summary = Table(title=plain(f"Outputs in {out_dir}"), show_header=False, box=None)
    charts = [p for p in paths if p.suffix == ".svg"]
    for path in paths:
        if path.suffix != ".svg":
            summary.add_row(str(path))
    if charts:
        summary.add_row(f"and {len(charts)} chart files (.svg) beside the Markdown bulletins")
    out.print(summary)
    out.print(
        f"Done in {seconds:.1f} s. The records are synthetic, calibrated to the "
        "published aggregates.",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the ``marsad`` app."""
    app.command("demo")(demo)
