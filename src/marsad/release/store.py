"""Where releases live, their ids, and reading them back.

A release is a folder ``<releases dir>/<ID>/`` (default ``releases/`` beside the
warehouse, setting ``MARSAD_RELEASES_DIR``) holding :data:`PUBLIC_CSV`,
:data:`INTERNAL_CSV`, :data:`SDC_CSV` (when the build had them), the bulletins,
:data:`REVISIONS_CSV` and :data:`MANIFEST`. Its files are read-only once written.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from marsad.errors import BadArgument, MarsadError

PUBLIC_CSV = "indicators.csv"
INTERNAL_CSV = "internal/indicators.csv"
SDC_CSV = "internal/sdc_cells.csv"
REVISIONS_CSV = "revisions.csv"
MANIFEST = "manifest.json"

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class ReleaseError(MarsadError):
    """A release that cannot be made or read; the message says why (exit 1)."""


class UnknownRelease(BadArgument):
    """A release id that names no release (exit 2, as for any argument naming nothing)."""


def check_id(release_id: str) -> str:
    """``release_id`` when it is a valid id: letters, digits, ``.``, ``-``, ``_``, starting
    with a letter or digit, at most 64 characters.

    >>> check_id("2025-S1.v1")
    '2025-S1.v1'
    >>> check_id("../x")
    Traceback (most recent call last):
    ...
    marsad.errors.BadArgument: not a release id: '../x' (use letters, digits, ., - and _, e.g. 2025-S1)
    """  # noqa: E501
    if not _ID.fullmatch(release_id or ""):
        raise BadArgument(
            f"not a release id: {release_id!r} (use letters, digits, ., - and _, e.g. 2025-S1)"
        )
    return release_id


def releases_root(warehouse: Path) -> Path:
    """The releases folder: ``MARSAD_RELEASES_DIR``, else ``releases/`` beside ``warehouse``.

    >>> releases_root(Path("/data/marsad.duckdb"))  # doctest: +SKIP
    PosixPath('/data/releases')
    """
    from marsad.settings import get_settings

    chosen = get_settings().releases_dir
    root = Path(chosen) if chosen is not None else Path(warehouse).parent / "releases"
    return root.expanduser().absolute()


@dataclass(frozen=True)
class Release:
    """A release on disk (e.g. ``Release(Path("/data/releases/2025-S1"))``) and its manifest."""

    path: Path

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def manifest(self) -> dict:
        try:
            return json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ReleaseError(f"release {self.id} has no readable {MANIFEST}: {exc}") from exc

    def file(self, name: str) -> Path:
        """One file of the release (e.g. ``indicators.csv``); a missing one is an error."""
        path = self.path / name
        if not path.is_file():
            raise ReleaseError(f"release {self.id} has no file {name}")
        return path

    def checked_file(self, name: str) -> Path:
        """:meth:`file`, after checking its SHA-256 against the manifest: a frozen file
        changed since (read-only modes do not stop every user) is refused in one line."""
        import hashlib

        path = self.file(name)
        recorded = self.manifest.get("files", {}).get(name)
        if recorded != hashlib.sha256(path.read_bytes()).hexdigest():
            raise ReleaseError(
                f"release {self.id}: {name} is not the file that was frozen (its SHA-256 "
                "differs from the manifest's); see marsad release verify"
            )
        return path

    def files(self) -> list[tuple[str, int]]:
        """Every file of the release as (relative path, size in bytes), sorted."""
        return sorted(
            (p.relative_to(self.path).as_posix(), p.stat().st_size)
            for p in self.path.rglob("*")
            if p.is_file()
        )


def find(root: Path, release_id: str) -> Release:
    """The release ``release_id`` under ``root``; an unknown one is one plain line."""
    check_id(release_id)
    path = root / release_id
    if not (path / MANIFEST).is_file():
        known = ", ".join(r.id for r in all_releases(root)) or "none yet"
        raise UnknownRelease(f"no release {release_id} in {root} (releases: {known})")
    return Release(path)


def all_releases(root: Path) -> list[Release]:
    """Every release under ``root``, in the order they were published (date, then id)."""
    if not root.is_dir():
        return []
    found = [
        Release(p) for p in root.iterdir() if (p / MANIFEST).is_file() and _ID.fullmatch(p.name)
    ]
    return sorted(found, key=lambda r: (str(r.manifest.get("date", "")), r.id))


def make_read_only(folder: Path) -> None:
    """Files 0o444 and folders 0o555 under ``folder`` (itself included), deepest first."""
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        os.chmod(path, 0o555 if path.is_dir() else 0o444)
    os.chmod(folder, 0o555)


def make_writable(folder: Path) -> None:
    """Undo :func:`make_read_only` on a temporary folder, so that it can be removed."""
    if not folder.exists():
        return
    os.chmod(folder, 0o755)
    for path in folder.rglob("*"):
        mode = path.lstat().st_mode
        if stat.S_ISDIR(mode):
            os.chmod(path, 0o755)
