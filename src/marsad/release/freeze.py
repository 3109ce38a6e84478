"""Freezing the current build into a release folder.

:func:`create` checks (something built, the build not older than the data, the
intruder audit finds no exposed cell), writes every file into a temporary folder
beside the releases (``.<ID>.tmp-…``), makes it read-only and renames it to
``<ID>``: a release is whole or absent. :func:`write_release` writes the files
themselves, from the warehouse only; ``release verify`` calls it on a rebuilt
warehouse and compares.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import logging
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from marsad.engine import Warehouse, queries
from marsad.engine.records_key import records_key
from marsad.errors import MarsadError
from marsad.indicators.registry import COLUMNS
from marsad.periods import KINDS, Period
from marsad.release import snapshot
from marsad.release.compare import read_public, triangle
from marsad.release.made import release_made
from marsad.release.store import (
    EXACT_COLUMNS,
    EXACT_CSV,
    INTERNAL_CSV,
    KEY_FILE,
    MANIFEST,
    PUBLIC_CSV,
    REVISIONS_CSV,
    SDC_CSV,
    Release,
    ReleaseError,
    all_releases,
    check_new_id,
    file_digest,
    make_read_only,
    make_writable,
    record_made,
)

if TYPE_CHECKING:
    from marsad.protect.audit import AuditResult

log = logging.getLogger(__name__)

#: Languages of the bulletins frozen with a release.
BULLETIN_LANGS = ("fr", "en", "ar")


@dataclass(frozen=True)
class Frozen:
    """What was frozen: the release folder, its last period, notes (e.g. a bulletin
    that could not be made), and the earlier releases its audit held without their
    protected cells (``without_cells``: rules A and B only, which protects less)."""

    release: Release
    period: str | None
    notes: list[str]
    without_cells: tuple[str, ...] = ()


def create(
    wh: Warehouse,
    root: Path,
    release_id: str,
    *,
    date: dt.date,
    note: str = "",
    accept_earlier: bool = False,
) -> Frozen:
    """Freeze the current build as release ``release_id`` under ``root``.

    Refuses an id already used (in any case) or reserved (``latest``), a date after
    today or before the build's months were over, a warehouse with nothing built or a
    build older than the data, and a build whose public table exposes a confidential
    cell. A cell the earlier releases alone give away (``AuditResult.earlier``) refuses
    it too, unless ``accept_earlier``: no release after could do better, and the
    manifest counts them.
    """
    check_new_id(root, release_id)
    final = root / release_id
    previous = [r for r in all_releases(root) if r.id != release_id]
    _check_date(date, previous)
    _check_not_future(date)
    snapshot.check_built(wh)
    _check_over(date, snapshot.built_today(wh))
    audited = _audit(wh, previous, accept_earlier)
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{release_id}.tmp-{secrets.token_hex(4)}"
    try:
        period, notes = write_release(
            wh, tmp, release_id, date=date, note=note, previous=previous, accepted=audited.earlier
        )
        make_read_only(tmp)
        if final.exists():  # made meanwhile by another process
            raise ReleaseError(f"release {release_id} exists already in {root}")
        os.rename(tmp, final)
        record_made(root, release_id, date.isoformat())  # gone later, it is missing (survey)
        release_made(wh, root, Release(final), date.isoformat())  # the log's copy (made)
    finally:
        if tmp.exists():
            make_writable(tmp)
            shutil.rmtree(tmp, ignore_errors=True)
    return Frozen(Release(final), period, notes, audited.without_cells)


def _check_date(date: dt.date, previous: list[Release]) -> None:
    """Releases are dated in the order they are made: the revision triangle and the
    diffs read them in that order, so a date before the latest release's is refused."""
    if not previous:
        return
    latest = previous[-1]
    if date.isoformat() < str(latest.manifest.get("date", "")):
        raise ReleaseError(
            f"a release dated {date.isoformat()} would come before release {latest.id} "
            f"({latest.manifest.get('date')}): releases are dated in the order they are made"
        )


def _check_not_future(date: dt.date) -> None:
    """A release is dated the day it is published, at the latest today (the clock's, or
    ``MARSAD_TODAY`` when that is later: a day simulated). A reviewer's mistyped
    2030-01-01 was made: served at once as the latest, years before its date (an
    embargo broken), and every release after it refused as dated before it, with no
    way back."""
    from marsad.settings import get_settings

    today = max(dt.date.today(), get_settings().today or dt.date.min)
    if date > today:
        raise ReleaseError(
            f"a release dated {date.isoformat()} is dated after today ({today.isoformat()}): "
            "a release is served as soon as it is made, and none after it could be dated "
            "before it; date it today or earlier (--date)"
        )


def _check_over(date: dt.date, over: str | None) -> None:
    """A release is dated on or after the day its build took as today (the months it
    publishes were over by then): dated before, ``asOf`` would serve figures before they
    existed (a reviewer dated a release of 2025-S1 on 2025-03-01)."""
    if over and date.isoformat() < over:
        raise ReleaseError(
            f"a release dated {date.isoformat()} would publish months not over that day: "
            f"the build took the months before {over} as over; date it {over} or later"
        )


def _audit(wh: Warehouse, previous: list[Release], accept_earlier: bool = False) -> AuditResult:
    """Run the intruder audit on the current build, the intruder holding the ``previous``
    releases (:mod:`marsad.protect.apriori`); refuse a release that exposes a cell. The
    cells only the earlier releases give away (``earlier``) refuse it unless
    ``accept_earlier``: no suppression now can take them back, and every later release
    would find them again."""
    from marsad.protect.stored import audit_stored
    from marsad.release.apriori import of_releases

    result = audit_stored(wh, of_releases(previous))
    if result.revealed or result.exposed > result.earlier:
        raise ReleaseError(
            f"the intruder audit finds {result.exposed:,} confidential cell(s) exposed in the "
            f"public table ({result.revealed:,} withheld cell(s) given away by a published "
            "derived figure): no release is made; run `marsad build --full`, then "
            "`marsad sdc audit`"
        )
    if result.earlier and not accept_earlier:
        raise ReleaseError(
            f"the intruder audit finds {result.earlier:,} confidential cell(s) that the "
            f"earlier releases alone give away ({result.known:,} published then with the value "
            "they have now, e.g. after firms were grouped or a segment changed hands): no "
            "suppression now can take that back, and every later release would find them "
            "too: no release is made. Check them with `marsad sdc audit`; to publish anyway, "
            "run release create again with --accept-earlier-disclosure (the manifest counts "
            "them); see 'Across releases' in docs/methodology.md"
        )
    return result


def write_release(
    wh: Warehouse,
    folder: Path,
    release_id: str,
    *,
    date: dt.date,
    note: str,
    previous: list[Release],
    accepted: int = 0,
) -> tuple[str | None, list[str]]:
    """Write every file of a release into ``folder`` (created); return its last period
    and the notes (bulletins not made). The previous releases make the revision triangle;
    ``accepted``: the confidential cells the earlier releases alone gave away, made
    anyway (``--accept-earlier-disclosure``), counted in the manifest and its notes."""
    folder.mkdir(parents=True)
    _write_csv(
        folder / PUBLIC_CSV, COLUMNS, snapshot.indicator_rows(wh, release_id, internal=False)
    )
    _write_csv(
        folder / INTERNAL_CSV, COLUMNS, snapshot.indicator_rows(wh, release_id, internal=True)
    )
    _write_csv(folder / EXACT_CSV, EXACT_COLUMNS, snapshot.exact_rows(wh))
    sdc = snapshot.sdc_rows(wh)
    if sdc is not None:
        _write_csv(folder / SDC_CSV, *sdc)
    key = records_key(wh)
    (folder / KEY_FILE).write_text(key + "\n", encoding="utf-8")
    public = read_public(folder / PUBLIC_CSV)
    period = last_period(public)
    notes = (
        _bulletins(wh, folder, period, release_id, date)
        if period
        else ["no complete period: no bulletin"]
    )
    latest = last_period(public, withheld=True)
    if latest != period:
        said = f"the exports total of {latest} is withheld (confidential cells): the last "
        notes.insert(0, f"{said}period published, and its bulletin, is {period or 'none'}")
    # (the triangle's headline series are exports levels: the rest of each table is not read)
    history = [
        (r.id, read_public(r.checked_file(PUBLIC_CSV), {"level"}, {"exports"})) for r in previous
    ]
    header, rows = triangle([*history, (release_id, public)])
    _write_csv(folder / REVISIONS_CSV, header, rows)
    if accepted:
        notes.append(
            f"{accepted:,} confidential cell(s) were given away by earlier releases alone "
            "(published then with the value they have now, or computable from such cells): "
            "released with --accept-earlier-disclosure"
        )
    manifest = {
        "id": release_id,
        "date": date.isoformat(),
        "note": note,
        "marsad_version": _version(),
        "build": snapshot.build_id(wh),
        "last_period": period,
        "previous_releases": [r.id for r in previous],
        "inputs": snapshot.inputs(wh),
        "reference_data": snapshot.reference_versions(),
        "settings": {**snapshot.figure_settings(), "MARSAD_TODAY": snapshot.built_today(wh)},
        "notes": notes,
        **({"earlier_disclosure": accepted} if accepted else {}),
        "files": _hashes(folder, key),
    }
    text = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    (folder / MANIFEST).write_text(text, encoding="utf-8")
    return period, notes


def last_period(cells: dict, withheld: bool = False) -> str | None:
    """The latest complete period with a published exports level, the longest of those
    ending last (e.g. ``2025-S1`` when the data end in June 2025); ``withheld``: with a
    withheld one too (what the last period would be without disclosure control).

    >>> from marsad.release.compare import Cell
    >>> cells = {("level", "exports", p, "TOTAL", "_T", "_T"): Cell("", "P", s)
    ...          for p, s in (("2024", "D"), ("2024-S2", "F"), ("2024-S1", "F"))}
    >>> last_period(cells), last_period(cells, withheld=True)
    ('2024-S2', '2024')
    """
    periods = {
        Period.parse(k[2])
        for k, cell in cells.items()
        if k[0] == "level"
        and k[1] == "exports"
        and k[3:] == ("TOTAL", "_T", "_T")
        and (withheld or not cell.withheld)  # (a withheld total has no bulletin)
    }
    if not periods:
        return None
    best = max(periods, key=lambda p: (p.months[-1], -KINDS.index(p.kind)))
    return str(best)


def _bulletins(
    wh: Warehouse, folder: Path, period: str, release_id: str, date: dt.date
) -> list[str]:
    """The HTML bulletins of ``period``, one per language, naming the release and dated by
    it (as the web dates a bulletin it makes later from the release's table,
    :meth:`~marsad.publish.columns.Publication.of_release`); a bulletin that cannot be
    made (e.g. its total is confidential) is left out with a plain note."""
    from dataclasses import replace

    from marsad.build import load_indicators
    from marsad.indicators.table import IndicatorTable
    from marsad.publish.bulletin import write_bulletin
    from marsad.publish.columns import Publication

    built = load_indicators(wh)
    table = IndicatorTable.from_rows(
        (replace(o, release=release_id) for o in built), release=release_id
    )
    synthetic = queries.has_synthetic_firms(wh)
    published = Publication.of_release(release_id, date, synthetic=synthetic)
    notes = []
    for lang in BULLETIN_LANGS:
        out = folder / f"bulletin-{period}-{lang}.html"
        try:
            write_bulletin(table, period, lang, out, synthetic=synthetic, published=published)
        except MarsadError as exc:  # the release goes without it
            log.warning("bulletin %s %s not made: %s", period, lang, exc)
            notes.append(f"the {lang} bulletin of {period} could not be made: {exc}")
    return notes


def _write_csv(path: Path, header, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _hashes(folder: Path, key: str) -> dict[str, str]:
    """The digest of every file written so far, by relative path: SHA-256, keyed with the
    records' secret for the internal files (:func:`~marsad.release.store.file_digest`)."""
    found = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            name = p.relative_to(folder).as_posix()
            found[name] = file_digest(name, p.read_bytes(), key)
    return found


def _version() -> str:
    from importlib.metadata import version

    with contextlib.suppress(Exception):
        return version("marsad")
    return "unknown"
