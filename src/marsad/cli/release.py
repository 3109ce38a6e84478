"""``marsad release``: freeze the current build as a release; list, show, compare, verify
releases; the revision triangle.

Releases live in ``releases/`` beside the warehouse (``MARSAD_RELEASES_DIR`` to
change it). Every command says on stderr which warehouse and which releases folder
it used. Only ``create`` reads the warehouse's build; ``verify`` rebuilds in a
temporary warehouse and never writes the one given.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

from marsad.cli.common import (
    WarehouseOption,
    check_out,
    check_suffix,
    console,
    is_stdout,
    iso_date,
    open_store,
    out_path,
    say,
    warehouse_path,
    writing,
)
from marsad.cli.sdc import without_cells

release_app = typer.Typer(
    help="Releases: freeze the current build (create), list, show, diff, verify, revisions.",
    no_args_is_help=True,
)

#: Cells listed per kind of change by ``release diff`` before "and N more".
SHOWN = 20


def _root(warehouse: Path | None) -> Path:
    from marsad.release.store import releases_root

    path = warehouse_path(warehouse)
    root = releases_root(path)
    say(f"warehouse: {path}")
    say(f"releases: {root}")
    return root


@release_app.command("create")
def create(
    release_id: Annotated[str, typer.Option("--id", help="Release id (e.g. 2025-S1).")],
    date: Annotated[
        str | None,
        typer.Option("--date", help="Release date YYYY-MM-DD (default MARSAD_TODAY, else today)."),
    ] = None,
    note: Annotated[str, typer.Option("--note", help="A note kept in the manifest.")] = "",
    accept_earlier: Annotated[
        bool,
        typer.Option(
            "--accept-earlier-disclosure",
            help="Make the release although the audit finds confidential cells that the "
            "earlier releases alone give away (published then with the value they have "
            "now, e.g. after firms were grouped): no suppression can take them back. "
            "Counted in the manifest. Never for a cell this build exposes.",
        ),
    ] = False,
    warehouse: WarehouseOption = None,
) -> None:
    """Freeze the current build: public and internal tables, bulletins, revisions, manifest."""
    from marsad.build import unconverted_lines
    from marsad.dates import source_date_epoch
    from marsad.open_quarantine import open_rows
    from marsad.release.freeze import create as freeze
    from marsad.release.made import reconcile, restored_note
    from marsad.release.store import check_id, releases_root

    source_date_epoch()  # a SOURCE_DATE_EPOCH that is no time: refused before any work
    check_id(release_id)
    day = _date(date)
    root = releases_root(warehouse_path(warehouse))  # a bad setting stops before any work
    # written: the warehouse records the release too (marsad.release.made), a copy of the
    # releases folder's log, and puts back in the log what it lacks
    with open_store(warehouse, read_only=False, must_exist=True) as wh:
        say(f"releases: {root}")
        with writing(root):
            restored = reconcile(wh, root)
        if restored:
            say(f"note: {restored_note(root, restored)}")
        with writing(root / release_id):
            frozen = freeze(
                wh, root, release_id, date=day, note=note, accept_earlier=accept_earlier
            )
        held = open_rows(wh).lines()
        unconverted = unconverted_lines(wh)
    out = console()
    for line in frozen.notes:
        say(f"note: {line}")
    for k, line in enumerate(held):  # counts only: in no figure of the release
        say(line if k else f"warning: {line[0].lower()}{line[1:]}")
    if unconverted:  # in months not complete: in no period of the release
        say(
            "warning: records without a usable exchange rate in months not complete, in no "
            "period of the release:"
        )
        for line in unconverted:
            say(f"  {line}")
    without_cells(console(stderr=True), frozen.without_cells)  # as the other notes
    files = frozen.release.files()
    out.print(
        f"Release {release_id} ({day}, last period {frozen.period or 'none'}): "
        f"{len(files)} files in {frozen.release.path}, read-only."
    )


def _date(text: str | None) -> dt.date:
    """The release date: YYYY-MM-DD exactly (``20250101`` is refused), default today:
    ``MARSAD_TODAY`` when set (the day the build took as today), else the clock's."""
    if text is not None:
        return iso_date(text, "--date")
    from marsad.settings import get_settings

    return get_settings().today or dt.date.today()


@release_app.command("list")
def list_(warehouse: WarehouseOption = None) -> None:
    """The releases: id, date, last period, build, note. A release whose manifest cannot
    be read, or that a later release lists and is gone from the folder, is listed last,
    its note saying why (DAMAGED, MISSING); the others are listed all the same."""
    from marsad.release.store import MADE_LOG, survey

    root = _root(warehouse)
    releases, damaged = survey(root)
    out = console()
    if not releases and not damaged:
        out.print(f"No release yet in {root}: make one with marsad release create --id ID.")
        return
    if not (root / MADE_LOG).exists():  # (made by release create: lost, or an older marsad)
        say(f"note: no log of the releases made in {root} ({MADE_LOG}): a latest release "
            "removed with it is not named here; marsad build or release create puts it back "
            "from the warehouse")  # fmt: skip
    rows = [("id", "date", "last period", "build", "note")]
    for r in releases:
        m = r.manifest
        rows.append(
            (r.id, m.get("date", ""), m.get("last_period") or "", m.get("build", ""),
             m.get("note", ""))
        )  # fmt: skip
    for release_id, fault in damaged.items():
        rows.append((release_id, "?", "?", "?", _fault_note(release_id, fault)))
    widths = [max(len(str(row[i])) for row in rows) for i in range(4)]
    for row in rows:
        cells = [str(c).ljust(w) for c, w in zip(row, widths, strict=False)]
        out.print("  ".join([*cells, str(row[4])]).rstrip())


def _fault_note(release_id: str, fault: Exception) -> str:
    """The note of a release ``release list`` cannot list: ``MISSING: not in the releases
    folder, though …`` for one gone, ``DAMAGED: manifest.json cannot be read …`` else."""
    from marsad.release.store import MissingRelease

    if isinstance(fault, MissingRelease):
        return "MISSING: " + str(fault).removeprefix(f"release {release_id} is ")
    return "DAMAGED: " + str(fault).removeprefix(f"release {release_id}: ")


@release_app.command("show")
def show(
    release_id: Annotated[str, typer.Argument(help="Release id.")],
    warehouse: WarehouseOption = None,
) -> None:
    """A release's manifest in short, and its files with their sizes."""
    from marsad.release.store import find

    release = find(_root(warehouse), release_id)
    m = release.manifest
    inputs = m.get("inputs", {})
    out = console()
    out.print(f"release {release.id}: {m.get('date')}, note: {m.get('note') or '-'}")
    out.print(f"build {m.get('build')}, last period {m.get('last_period') or 'none'}")
    out.print(f"marsad {m.get('marsad_version')}; earlier releases: "
              f"{', '.join(m.get('previous_releases', [])) or 'none'}")  # fmt: skip
    out.print(
        f"inputs: {len(inputs.get('loads', []))} loads in force, "
        f"{len(inputs.get('nil_returns', []))} nil returns, "
        f"{len(inputs.get('withdrawn', []))} loads withdrawn (last load {inputs.get('last_load')})"
    )
    settings = ", ".join(f"{k}={v}" for k, v in m.get("settings", {}).items())
    out.print(f"settings: {settings}")
    for line in m.get("notes", []):
        out.print(f"note: {line}")
    out.print("files:")
    for name, size in release.files():
        out.print(f"  {name}  {size:,} bytes")


@release_app.command("diff")
def diff(
    old: Annotated[str, typer.Argument(help="The earlier release id.")],
    new: Annotated[str, typer.Argument(help="The later release id.")],
    limit: Annotated[int, typer.Option(help="Cells listed per kind of change.")] = SHOWN,
    warehouse: WarehouseOption = None,
) -> None:
    """What changed between two releases' public tables: revised cells (old, new,
    revision), cells newly withheld or released, added or removed."""
    from marsad.release import compare as words
    from marsad.release.compare import diff as compare
    from marsad.release.compare import read_public
    from marsad.release.store import PUBLIC_CSV, find

    root = _root(warehouse)
    a, b = find(root, old), find(root, new)
    d = compare(read_public(a.checked_file(PUBLIC_CSV)), read_public(b.checked_file(PUBLIC_CSV)))
    out = console()
    counts = ", ".join(f"{n:,} {what}" for what, n in d.counts().items())
    out.print(f"{old} -> {new}: {counts}.")
    _listed(out, f"{words.REVISED} (old -> new, revision)", d.revised, limit, _revision)
    for title, keys in (
        (words.NEWLY_WITHHELD, d.withheld),
        (words.NEWLY_RELEASED, d.released),
        (words.ADDED, d.added),
        (words.REMOVED, d.removed),
    ):
        _listed(out, title, keys, limit, _key)


def _key(key) -> str:
    return " ".join(key)


def _revision(item) -> str:
    key, before, after, change = item
    return f"{_key(key)}: {before} -> {after} ({'+' if change >= 0 else ''}{change})"


def _listed(out, title: str, items: list, limit: int, show) -> None:
    if not items:
        return
    out.print(f"{title}:")
    for item in items[:limit]:
        out.print(f"  {show(item)}")
    if len(items) > limit:
        out.print(f"  … and {len(items) - limit:,} more (--limit)")


@release_app.command("verify")
def verify(
    release_id: Annotated[str, typer.Argument(help="Release id.")],
    warehouse: WarehouseOption = None,
) -> None:
    """Rebuild a release from its recorded inputs and compare every file, byte by byte."""
    from marsad.errors import WarehouseMissing
    from marsad.release.verify import verify as check
    from marsad.settings import get_settings

    root = _root(warehouse)
    source = warehouse_path(warehouse)
    if not source.exists():
        raise WarehouseMissing(f"no warehouse at {source}: load files first with marsad ingest")
    verdict = check(source, root, release_id, work=get_settings().temp_dir)
    out = console()
    for line in verdict.problems:
        out.print(f"cannot reconstruct: {line}")
    for title, names in (
        ("differs", verdict.differing),
        ("missing from the rebuild", verdict.missing),
        ("only in the rebuild", verdict.extra),
    ):
        for name in names:
            out.print(f"{title}: {name}")
    if not verdict.ok:
        out.print(f"Release {release_id} is NOT reproduced from its recorded inputs.")
        if verdict.differing:  # (the one setting a release cannot record: its values)
            out.print(
                "note: a release does not record its confidentiality parameters "
                "(MARSAD_SDC_P, MARSAD_SDC_MIN_CONTRIBUTORS): the rebuild used this "
                "machine's; if they are not those the release was made with, its files "
                "differ. Verify with the parameters of the release."
            )
        raise typer.Exit(1)
    out.print(f"OK: release {release_id} rebuilt from its recorded inputs, every file identical.")


@release_app.command("revisions")
def revisions(
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            parser=out_path,
            help="Write the triangle as CSV to this file (- or none: standard output).",
        ),
    ] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """The revision triangle of the headline series (exports levels of the sector and the
    five segments) over every release: first value, later ones, mean revisions."""
    import csv
    import io

    from marsad.dates import source_date_epoch
    from marsad.publish.files import write_text
    from marsad.release.compare import read_public, triangle
    from marsad.release.store import PUBLIC_CSV, all_releases

    source_date_epoch()  # a SOURCE_DATE_EPOCH that is no time: refused before any work
    if out_file is not None:
        check_suffix(check_out(out_file, warehouse), ".csv", "release revisions")
    releases = all_releases(_root(warehouse))
    header, rows = triangle((r.id, read_public(r.checked_file(PUBLIC_CSV))) for r in releases)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    if out_file is None or is_stdout(out_file):
        sys.stdout.write(buffer.getvalue())  # CSV as it is: no markup, no escaping
        return
    with writing(out_file):
        write_text(out_file, buffer.getvalue())
    console().print(f"Wrote {len(rows):,} series periods over {len(releases)} releases to "
                    f"{out_file}.")  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add ``release`` to the ``marsad`` app."""
    app.add_typer(release_app, name="release")
