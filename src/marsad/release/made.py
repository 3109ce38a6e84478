"""The releases a warehouse made, kept in the warehouse too: a second copy of the
releases folder's log of the releases made (:data:`~marsad.release.store.MADE_LOG`).

The log lives in the releases folder, so it could be lost with the latest release it
is there to remember (the folder restored from a backup taken before that release,
or both removed by hand): the latest release was then forgotten without a word, the
next build chose other complements, and its id could be taken again (a reviewer's
scenario: a two-firm segment came out of the two releases). The warehouse, the
office's system of record, kept and backed up with its record store, keeps the list
as well (table ``releases_made``: id, date, releases folder, SHA-256 of the manifest),
written by ``release create``; ``build`` and ``release create`` (:func:`reconcile`)

- put back in the log every release the warehouse records as made in this folder
  that the log lacks, and say so; a release so put back whose folder is gone is then
  missing for every reader of the folder, as any release recorded made and gone
  (``release list``: MISSING; ``serve``; the build refuses; its id is not taken
  again);
- record in the warehouse every release of the folder, and of its log, that the
  warehouse did not know (made by an older marsad, or by a copy of the warehouse).

The warehouse's record applies to a releases folder when it is the folder recorded
(the same absolute path), or when it holds a recorded release with the same manifest
(the warehouse and its releases moved together). A copy of the warehouse taken
elsewhere without its releases does not make releases of its new folder missing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from marsad.release.store import MADE_LOG, MANIFEST, Release, made_ids, record_made, survey

if TYPE_CHECKING:
    from marsad.engine import Warehouse

TABLE = "releases_made"
_DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (release_id TEXT NOT NULL, date TEXT, "
    "root TEXT NOT NULL, manifest_sha256 TEXT, PRIMARY KEY (release_id, root))"
)


def _digest(folder: Path) -> str | None:
    """The SHA-256 of the manifest of the release in ``folder``; None when unreadable."""
    try:
        return hashlib.sha256((folder / MANIFEST).read_bytes()).hexdigest()
    except OSError:
        return None


def _recorded(wh: Warehouse) -> list[tuple[str, str, str, str | None, bool]]:
    """(id, date, root, manifest SHA-256, made by this warehouse) of every release the
    warehouse records; made by this one: recorded with its path, or with none (an older
    marsad), not by a warehouse it is a copy of."""
    if not wh.has_table(TABLE):
        return []
    ours, params = "true", None
    if wh.has_column(TABLE, "warehouse"):
        ours, params = "warehouse IS NULL OR warehouse = ?", [str(wh.path.absolute())]
    return wh.sql(f"SELECT release_id, date, root, manifest_sha256, {ours} FROM {TABLE} "
                  "ORDER BY date, rowid", params)  # fmt: skip


def _roots_here(rows: list[tuple], root: Path) -> set[str]:
    """The recorded folders that ``root`` stands for: itself, and those whose recorded
    releases it holds (same manifest: the folder moved)."""
    return {str(root)} | {
        where for rid, _d, where, digest, _ours in rows
        if where != str(root) and digest is not None and _digest(root / rid) == digest
    }  # fmt: skip


def remember(wh: Warehouse, root: Path, release_id: str, date: str, folder: Path | None) -> None:
    """Record in the warehouse that release ``release_id`` of ``date`` was made under
    ``root`` (its manifest's SHA-256 read from ``folder`` when given) by this warehouse
    (its path: a copy of it elsewhere is told apart); once."""
    wh.sql(_DDL)
    wh.sql(f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS warehouse TEXT")
    wh.sql(
        f"INSERT INTO {TABLE} (release_id, date, root, manifest_sha256, warehouse) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [release_id, date, str(root), _digest(folder) if folder is not None else None,
         str(wh.path.absolute())],
    )  # fmt: skip


def known_here(wh: Warehouse, root: Path) -> list[tuple[str, str]]:
    """(id, date) of the releases the warehouse records as made in the folder ``root``:
    recorded there, or under a folder whose recorded releases ``root`` holds (same
    manifest), in the order made."""
    rows = _recorded(wh)
    roots = _roots_here(rows, root)
    seen: dict[str, str] = {}
    for rid, date, where, _sha, _ours in rows:
        if where in roots:
            seen.setdefault(rid, date or "")
    return list(seen.items())


def held_elsewhere(wh: Warehouse, root: Path) -> tuple[str, list[str]] | None:
    """(folder, ids) of the releases this warehouse (not one it is a copy of) records as
    made in another folder than ``root``, which still holds them as made (their
    manifests), when ``root`` is not that folder moved (:func:`known_here`); None when
    there are none."""
    rows = _recorded(wh)
    here = _roots_here(rows, root)
    held: dict[str, list[str]] = {}
    for rid, _date, where, digest, ours in rows:
        elsewhere = ours and where not in here and digest is not None
        if elsewhere and _digest(Path(where) / rid) == digest:  # (still there, as made)
            held.setdefault(where, []).append(rid)
    return next(iter(held.items()), None)


def check_not_elsewhere(wh: Warehouse, root: Path) -> None:
    """Refuse (:class:`~marsad.errors.BadArgument`, exit 2) to build or release for the
    releases folder ``root`` while the releases this warehouse made are in another folder
    that still holds them: a reviewer set ``MARSAD_RELEASES_DIR`` to an empty folder, the
    build chose other complements than the releases already published, and a one-firm
    cell came out to the centime from two public tables (one of each folder)."""
    from marsad.errors import BadArgument

    found = held_elsewhere(wh, root)
    if found is None:
        return
    where, ids = found
    shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    raise BadArgument(
        f"this warehouse's releases {shown} are in {where}, which still holds them, but the "
        f"releases folder is now {root} (MARSAD_RELEASES_DIR): a build or release here "
        "would not see them, and could undo their disclosure control. Set "
        f"MARSAD_RELEASES_DIR={where}, or move its releases (with {MADE_LOG}) into {root}"
    )


def reconcile(wh: Warehouse, root: Path) -> list[str]:
    """Put back in the log under ``root`` the releases the warehouse records as made
    there that it lacks (their ids returned, in the order made), then record in the
    warehouse the releases of the folder and of the log it did not know. Refused when
    the warehouse's releases are in another folder still (:func:`check_not_elsewhere`)."""
    check_not_elsewhere(wh, root)
    logged = set(made_ids(root))
    restored = [(rid, date) for rid, date in known_here(wh, root) if rid not in logged]
    if restored:
        # (the whole folder removed: made again, to hold the log; its parent must exist)
        root.mkdir(exist_ok=True)
        for rid, date in restored:
            record_made(root, rid, date)
    found, _faults = survey(root)
    _learn(wh, root, ((r.id, str(r.manifest.get("date", "")), r.path) for r in found))
    _learn(wh, root, ((rid, date, None) for rid, date in _log_lines(root)))
    return [rid for rid, _date in restored]


def _learn(wh: Warehouse, root: Path, releases: Iterable[tuple[str, str, Path | None]]) -> None:
    for rid, date, folder in releases:
        remember(wh, root, rid, date, folder)


def _log_lines(root: Path) -> list[tuple[str, str]]:
    """(id, date) of each line of the log under ``root`` (none when it cannot be read)."""
    try:
        text = (root / MADE_LOG).read_text(encoding="utf-8")
    except OSError:
        return []
    return [(*line.split("\t", 1), "")[:2] for line in text.splitlines() if line.strip()]


def restored_note(root: Path, ids: list[str]) -> str:
    """What ``build`` and ``release create`` say of the releases put back in the log."""
    return (
        f"the log of the releases made, {root / MADE_LOG}, lacked {', '.join(ids)}, which "
        "this warehouse records as made there: put back (a release whose folder is gone "
        "is missing: restore it from its backup)"
    )


def release_made(wh: Warehouse, root: Path, release: Release, date: str) -> None:
    """Record a release just made (``release create``) in the warehouse."""
    remember(wh, root, release.id, date, release.path)
