"""The folder of ``marsad demo --out DIR``: which one the demo may write into, and what
it may remove there.

The rule: the demo takes a folder that does not exist, is empty, or holds its marker
(:data:`MARKER`, the list of every file and folder an earlier demo made there) and
nothing the marker does not list; it then removes exactly what the marker lists, and
nothing else, before writing again. A frozen release (a folder holding a
``manifest.json``), a folder in a release or in a releases folder is never taken.
Anything else is refused (:class:`NotADemoFolder`, exit 2) with one line naming a few
of the files no demo made, having changed nothing.

Safe by construction: the folder is read without following a symlink (a symlink is
never the demo's: it makes none), only entries found so are removed, a folder only
once it is empty, and the marker is written as the demo goes (after each stage), so
that what it lists was made by the demo.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from pathlib import Path

from marsad.errors import MarsadError
from marsad.release.store import MANIFEST

#: The demo's marker in its folder: JSON, ``{"made_by": "marsad demo", "entries": [...]}``
#: with paths relative to the folder, POSIX, folders ending in ``/``.
MARKER = ".marsad-demo.json"
MADE_BY = "marsad demo"
#: How many of the files no demo made the refusal names.
SHOWN = 3


class NotADemoFolder(MarsadError):
    """The demo's folder holds what no demo made (or is a release): nothing is changed."""

    exit_code = 2


def check(out_dir: Path) -> list[str]:
    """What an earlier demo made in ``out_dir`` and is there now (the entries to remove,
    relative, folders ending in ``/``); ``[]`` for a folder that does not exist or is
    empty. Raises :class:`NotADemoFolder` for any other folder, having changed nothing."""
    _not_a_release(out_dir)
    try:
        mode = out_dir.stat().st_mode
    except FileNotFoundError:
        return []
    if not stat.S_ISDIR(mode):
        raise _refused(f"{out_dir} is a file, not a folder: give the demo a new or empty folder")
    names = sorted(os.listdir(out_dir))
    if not names:
        return []
    if MARKER not in names:
        if _older_demo(out_dir):
            raise NotADemoFolder(
                f"{out_dir} was made by an older marsad demo, which did not list its files: "
                "remove it or choose another folder (nothing was changed)"
            )
        raise _refuse(out_dir, [_shown(out_dir, n) for n in names])
    listed = read_marker(out_dir)
    if listed is None:
        raise NotADemoFolder(
            f"{out_dir} holds a {MARKER} that cannot be read: remove the folder or "
            "choose another one (nothing was changed)"
        )
    found, stray = _walk(out_dir, listed)
    if stray:
        raise _refuse(out_dir, stray)
    return found


def _refused(message: str) -> NotADemoFolder:
    return NotADemoFolder(f"{message} (nothing was changed)")


def _refuse(out_dir: Path, stray: list[str]) -> NotADemoFolder:
    shown = stray[:SHOWN] + (["more"] if len(stray) > SHOWN else [])
    named = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
    return NotADemoFolder(
        f"{out_dir} holds {named}, which no demo made: give the demo a new or empty "
        "folder, or one a demo made (nothing was changed)"
    )


def _shown(out_dir: Path, name: str) -> str:
    path = out_dir / name
    return f"{name}/" if path.is_dir() and not path.is_symlink() else name


def _older_demo(out_dir: Path) -> bool:
    """Whether ``out_dir`` looks made by a demo that wrote no marker (its ``data/`` has
    the synthetic generator's README): refused all the same, with its own words."""
    from marsad.synth.generate import README_START

    readme = out_dir / "data" / "README.txt"
    try:
        return readme.read_text(encoding="utf-8").startswith(README_START)
    except (OSError, UnicodeDecodeError):
        return False


def read_marker(out_dir: Path) -> set[str] | None:
    """The entries the marker lists, or None when it cannot be read or lists a path
    outside the folder."""
    path = out_dir / MARKER
    try:
        if path.is_symlink():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("made_by") != MADE_BY:
        return None
    entries = data.get("entries")
    if not isinstance(entries, list):
        return None
    if not all(isinstance(e, str) and _inside(e) for e in entries):
        return None
    return set(entries)


def _inside(entry: str) -> bool:
    """Whether a listed entry names a path under the folder (relative, no ``..``)."""
    parts = entry.rstrip("/").split("/")
    return (
        bool(entry) and not entry.startswith("/") and all(p not in ("", ".", "..") for p in parts)
    )


def _walk(out_dir: Path, listed: set[str]) -> tuple[list[str], list[str]]:
    """The entries under ``out_dir`` the marker lists, and those it does not (a few):
    read without following a symlink, and not inside a folder the marker does not list."""
    found: list[str] = []
    stray: list[str] = []
    todo = [""]
    while todo and len(stray) <= SHOWN:
        rel = todo.pop()
        with os.scandir(out_dir / rel if rel else out_dir) as entries:
            ordered = sorted(entries, key=lambda e: e.name)
        for entry in ordered:
            name = rel + entry.name
            if not rel and entry.name in (MARKER, _TEMP):
                continue
            if entry.is_dir(follow_symlinks=False):
                if name + "/" in listed:
                    found.append(name + "/")
                    todo.append(name + "/")
                else:
                    stray.append(name + "/")
            elif entry.is_file(follow_symlinks=False) and name in listed:
                found.append(name)
            else:  # a symlink, a file where the demo made a folder, or not the demo's
                stray.append(name)
    return found, stray


def remove(out_dir: Path, found: list[str]) -> None:
    """Remove the entries :func:`check` found (files, then folders once empty, deepest
    first) and the marker. Only what was found without following a symlink is removed;
    a read-only folder of a frozen release is made writable first."""
    for entry in sorted(found, key=lambda e: (e.rstrip("/").count("/"), e), reverse=True):
        path = out_dir / entry.rstrip("/")
        parent = path.parent
        if parent != out_dir:  # a folder the demo made (found as one): may be read-only
            mode = os.lstat(parent).st_mode
            if stat.S_ISDIR(mode) and mode & 0o700 != 0o700:
                os.chmod(parent, stat.S_IMODE(mode) | 0o700)
        if entry.endswith("/"):
            os.rmdir(path)  # empty by now: a folder holding anything else stays
        else:
            os.unlink(path)
    for name in (MARKER, _TEMP):
        with contextlib.suppress(FileNotFoundError):
            (out_dir / name).unlink()


_TEMP = MARKER + ".tmp"


class Marker:
    """The marker the demo writes as it goes: :meth:`add` what it made, then it is saved."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.entries: set[str] = set()
        self.save()

    def add(self, *paths: Path) -> None:
        """Add files and folders the demo made (a folder with all it holds, and the
        folders between the demo's folder and each), then save the marker."""
        for path in paths:
            self._add(Path(path))
        self.save()

    def expect(self, *files: Path) -> None:
        """Add files that may appear later as part of what the demo made (the warehouse's
        write-ahead log, when the warehouse is opened again), then save the marker."""
        for path in files:
            if (rel := self._relative(Path(path))) is not None:
                self.entries.add(rel.as_posix())
        self.save()

    def _relative(self, path: Path) -> Path | None:
        """``path`` relative to the demo's folder, or None when it is not in it: the two
        compared as absolute paths, then with their folders' symlinks resolved (``--out
        demo-out`` is relative, the releases folder absolute; the name itself is never
        resolved, so a symlink is seen as one)."""
        here, there = self.out_dir.absolute(), path.absolute()
        with contextlib.suppress(ValueError):
            return there.relative_to(here)
        with contextlib.suppress(ValueError):
            return there.parent.resolve().relative_to(here.resolve()) / there.name
        return None

    def _add(self, path: Path) -> None:
        rel = self._relative(path)
        if rel is None:
            return  # not in the demo's folder
        path = self.out_dir / rel
        if not rel.parts or path.is_symlink() or not path.exists():
            return
        for parent in list(rel.parents)[:-1]:
            self.entries.add(parent.as_posix() + "/")
        if path.is_dir():
            self.entries.add(rel.as_posix() + "/")
            for folder, dirs, files in os.walk(path):
                here = Path(folder).relative_to(self.out_dir).as_posix()
                for name in dirs:
                    if not (Path(folder) / name).is_symlink():
                        self.entries.add(f"{here}/{name}/")
                for name in files:
                    if not (Path(folder) / name).is_symlink():
                        self.entries.add(f"{here}/{name}")
        else:
            self.entries.add(rel.as_posix())

    def save(self) -> None:
        data = {
            "made_by": MADE_BY,
            "about": "The files and folders marsad demo made here: the next demo into this "
            "folder removes them, and refuses the folder if it holds anything else.",
            "entries": sorted(self.entries),
        }
        temp = self.out_dir / _TEMP
        temp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        os.replace(temp, self.out_dir / MARKER)


def _not_a_release(out_dir: Path) -> None:
    """Refuse a frozen release (a folder holding a ``manifest.json``), a folder in one,
    a releases folder (one holding releases) or a new folder in one (:func:`_near`), and
    the folder ``MARSAD_RELEASES_DIR`` names or one in it."""
    from marsad.settings import get_settings

    where = out_dir.expanduser().absolute().resolve()
    if os.path.lexists(where / MANIFEST):
        raise _refused(
            f"{out_dir} holds a {MANIFEST}: it is a frozen release, "
            "which the demo never writes into"
        )
    for up in where.parents:
        if _is_release(up):
            raise _refused(f"{out_dir} is in the release {up}, which the demo never writes into")
    for up in _near(where):
        if _holds_releases(up):
            place = "is a releases folder" if up == where else f"is in the releases folder {up}"
            raise _refused(f"{out_dir} {place}: give the demo a folder of its own")
    chosen = get_settings().releases_dir
    if chosen is not None:
        root = Path(chosen).expanduser().absolute().resolve()
        if where == root or where.is_relative_to(root):
            raise _refused(
                f"{out_dir} is in the releases folder {root} (MARSAD_RELEASES_DIR): "
                "give the demo a folder of its own"
            )


def _near(where: Path) -> list[Path]:
    """``where`` and its parents up to the first that exists: the folders that, holding
    releases, make ``where`` a releases folder or a folder in one (not every parent: a
    release downloaded to a home folder does not make every folder there one)."""
    near = [where]
    for up in where.parents:
        near.append(up)
        if up.exists():
            break
    return near


def _is_release(folder: Path) -> bool:
    """Whether ``folder`` holds a release's manifest (JSON naming its build)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(data, dict) and "build" in data


def _holds_releases(folder: Path) -> bool:
    """Whether a folder directly in ``folder`` is a release."""
    try:
        with os.scandir(folder) as entries:
            subs = [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)]
    except OSError:
        return False
    return any((sub / MANIFEST).is_file() and _is_release(sub) for sub in subs)
