"""Where releases live, their ids, and reading them back.

A release is a folder ``<releases dir>/<ID>/`` (default ``releases/`` beside the
warehouse, setting ``MARSAD_RELEASES_DIR``) holding :data:`PUBLIC_CSV`,
:data:`INTERNAL_CSV`, :data:`SDC_CSV` (when the build had them), :data:`EXACT_CSV`,
:data:`KEY_FILE`, the bulletins, :data:`REVISIONS_CSV` and :data:`MANIFEST`. Its files are
read-only once written; the manifest's digests of the internal files are keyed
(:func:`file_digest`).
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from marsad.errors import BadArgument, MarsadError, NotAReleaseId, UnreadableInput

PUBLIC_CSV = "indicators.csv"
INTERNAL_CSV = "internal/indicators.csv"
SDC_CSV = "internal/sdc_cells.csv"
#: The exact value of each public cell that the public table rounds (a percentage's
#: ``3.44996`` published ``3.4500``), by key: what the web rounds once for display, so
#: that its pages show the bulletin's digits (:mod:`marsad.web.exact`). Internal: it holds
#: more digits than the public table, of public cells only (never a withheld one).
EXACT_CSV = "internal/exact.csv"
#: Its header: the cell's key, then ``exact``.
EXACT_COLUMNS = ("indicator", "flow", "period", "segment", "service", "partner", "exact")
#: The secret of the release's records (:func:`~marsad.engine.records_key.records_key`) that
#: keys the manifest's digests of the other internal files (:func:`file_digest`).
KEY_FILE = "internal/key"
#: How the manifest marks a keyed digest (``hmac-sha256:<64 hex digits>``).
KEYED = "hmac-sha256:"
REVISIONS_CSV = "revisions.csv"
MANIFEST = "manifest.json"

#: A release id (:func:`check_id`): ASCII letters and digits, with ``.``, ``-`` and ``_``
#: between them, at most 64 characters.
_ID = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?")
#: A name a release folder may have (:func:`check_name`): ids used to be allowed to end
#: in ``.``, ``-`` or ``_`` (``R3.``); such a release is still read (an intruder may hold
#: it: a build must not pass over it), never made.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: What the web takes as a release id, as a JSON Schema pattern (its OpenAPI schema says
#: it): any name a release may have, the older ones too.
ID_PATTERN = f"^{_NAME.pattern}$"
#: The form of an id a new release may take (:func:`check_id`), as a JSON Schema pattern:
#: ``latest`` and the names Windows keeps for a device have it, and are refused apart.
NEW_ID_PATTERN = f"^{_ID.pattern}$"
#: The id naming the newest release (``/downloads/latest/``, ``release=latest``): no
#: release may take it, in any case.
LATEST = "latest"


class ReleaseError(MarsadError):
    """A release that cannot be made or read; the message says why (exit 1)."""


class DamagedRelease(ReleaseError, UnreadableInput):
    """A frozen release whose files are not as frozen: one changed since (its SHA-256
    differs from the manifest's), missing, unreadable, or a manifest that cannot be read.
    A fault of the disk or of a hand, not of marsad: one plain line naming the file
    within its release (the commands say the releases folder; the web shows no server
    path), exit 2 as for any input that cannot be read (still a :class:`ReleaseError`)."""

    exit_code = 2

    def __init__(self, message: str, *, release: str = "", holds: str = "") -> None:
        super().__init__(message)
        #: The id of the release concerned (e.g. ``R1``), so that a server can tell the
        #: public plainly which release it cannot serve, the message going to its log.
        self.release = release
        #: The release a renamed folder holds (its manifest's id), else empty.
        self.holds = holds


class MissingRelease(DamagedRelease):
    """A release that a later release's manifest lists as made before it, or that the
    releases folder's log of the releases made (:data:`MADE_LOG`) records, gone from the
    releases folder (moved, deleted): damage as well (an intruder may hold it), named by
    ``release list`` and ``serve`` as missing, refused by what needs every release."""


class UnknownRelease(BadArgument):
    """A release id that names no release (exit 2, as for any argument naming nothing)."""


def check_id(release_id: str) -> str:
    """``release_id`` when it is a valid id for a new release: ASCII letters, digits,
    ``.``, ``-``, ``_``, starting and ending with a letter or digit, at most 64
    characters, not :data:`LATEST` (which names the newest release) nor a name Windows
    keeps for a device (``con``, ``nul.1``). ``R3.`` was
    accepted: a trailing dot is dropped from folder names on some disks (Windows), and
    a URL or a sentence ending in one reads as another id.

    >>> check_id("2025-S1.v1")
    '2025-S1.v1'
    >>> check_id("R3.")
    Traceback (most recent call last):
    ...
    marsad.errors.NotAReleaseId: not a release id: 'R3.' (use letters, digits, ., - and _, beginning and ending with a letter or digit, e.g. 2025-S1)
    >>> check_id("Latest")
    Traceback (most recent call last):
    ...
    marsad.errors.BadArgument: 'Latest' cannot be a release id: latest names the newest release; choose another id
    """  # noqa: E501
    if not _ID.fullmatch(release_id or ""):
        raise _not_an_id(release_id)
    if release_id.split(".")[0].upper() in _RESERVED:
        raise BadArgument(
            f"{release_id!r} cannot be a release id: Windows keeps {release_id.split('.')[0]!r} "
            "for a device, and its folder could not be copied there; choose another id"
        )
    return check_name(release_id)


#: Names Windows keeps for devices, with any suffix (``con``, ``NUL.txt``): a release
#: folder so named cannot be made or copied there.
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"{d}{i}" for d in ("COM", "LPT") for i in range(1, 10)]
)


def check_name(release_id: str) -> str:
    """``release_id`` when it may name a release already made: a valid id
    (:func:`check_id`), or one that an earlier marsad allowed (ending in ``.``, ``-`` or
    ``_``), so that such a release is still listed, read and served.

    >>> check_name("R3.")
    'R3.'
    """
    if not _NAME.fullmatch(release_id or ""):
        raise _not_an_id(release_id)
    if release_id.lower() == LATEST:
        raise BadArgument(
            f"{release_id!r} cannot be a release id: {LATEST} names the newest release; "
            "choose another id"
        )
    return release_id


def _not_an_id(release_id: str) -> NotAReleaseId:
    if len(release_id or "") > 64 and _NAME.fullmatch((release_id or "")[:64]):
        return NotAReleaseId(
            f"not a release id: {len(release_id)} characters, {release_id[:20]!r}…: at most 64",
            release_id,
        )
    return NotAReleaseId(
        f"not a release id: {release_id!r} (use letters, digits, ., - and _, "
        "beginning and ending with a letter or digit, e.g. 2025-S1)",
        release_id or "",
    )


def check_new_id(root: Path, release_id: str) -> str:
    """``release_id`` when a new release may take it under ``root``: a valid id
    (:func:`check_id`) that no release has already, in any case (``2025-s1`` beside
    ``2025-S1`` would be one folder on a case-insensitive disk, and two releases that
    readers cannot tell apart).

    >>> check_new_id(Path("/nonexistent"), "2025-S1")
    '2025-S1'
    """
    check_id(release_id)
    if (root / release_id).exists():
        raise ReleaseError(f"release {release_id} exists already: a release is never "
                           "changed; choose another id")  # fmt: skip
    same = [p.name for p in _folders(root) if p.name.lower() == release_id.lower()]
    if same:
        raise ReleaseError(
            f"release {same[0]} exists already, and {release_id} differs from it "
            "only by case: choose an id that differs in more than case"
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
    root = root.expanduser().absolute()
    if chosen is not None:
        _refuse_warehouse_parts(root, Path(warehouse).expanduser().absolute())
    return root


def _refuse_warehouse_parts(root: Path, warehouse: Path) -> None:
    """Refuse a ``MARSAD_RELEASES_DIR`` that is the warehouse file (or its log), in its
    record store, or a folder holding either (:class:`BadArgument`, exit 2): ``release
    create`` wrote a release into ``marsad.records/``, and with the warehouse file as
    the setting ``release list`` said ``No release yet in …/marsad.duckdb``."""
    from marsad.engine.records import store_folder

    real, wh = root.resolve(), warehouse.resolve()
    store = store_folder(warehouse).resolve()
    said = None
    if real in (wh, warehouse.with_name(warehouse.name + ".wal").resolve()):
        said = "is the warehouse's own file"
    elif real.is_relative_to(store):
        said = "is in the warehouse's record store"
    elif wh.is_relative_to(real) or store.is_relative_to(real):
        said = "holds the warehouse"
    if said:
        raise BadArgument(
            f"setting MARSAD_RELEASES_DIR: {root} {said}: give a folder of its own "
            "(e.g. releases/ beside the warehouse, the default)"
        )


@dataclass(frozen=True)
class Release:
    """A release on disk (e.g. ``Release(Path("/data/releases/2025-S1"))``) and its manifest."""

    path: Path

    @property
    def id(self) -> str:
        return self.path.name

    @property
    def manifest(self) -> dict:
        """The manifest, checked for what every reader relies on (:func:`_malformed`);
        one that cannot be read, is not JSON or lacks a field is :class:`DamagedRelease`
        naming the reason, never the file's contents."""
        try:
            found = json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise self._damaged(_reason(exc)) from exc
        reason = _malformed(found)
        if reason:
            raise self._damaged(reason)
        if isinstance(found.get("id"), str) and found["id"] != self.id:
            # a release folder renamed (or copied under another name): the folder would be
            # served under a name its files do not bear, and the release it holds be missed
            raise DamagedRelease(
                f"release folder {self.id} holds release {found['id']} (its manifest's id): "
                f"rename the folder back to {found['id']}",
                release=found["id"],  # the release that cannot be served (R1, not R1x)
                holds=found["id"],
            )
        return found

    def _damaged(self, reason: str) -> DamagedRelease:
        return DamagedRelease(
            f"release {self.id}: {MANIFEST} cannot be read ({reason}): "
            "restore the release folder from its backup",
            release=self.id,
        )

    def file(self, name: str) -> Path:
        """One file of the release (e.g. ``indicators.csv``); a missing one is an error."""
        path = self.path / name
        if not path.is_file():
            raise DamagedRelease(f"release {self.id} has no file {name}", release=self.id)
        return path

    def checked_file(self, name: str) -> Path:
        """:meth:`file`, after checking its SHA-256 against the manifest: a frozen file
        changed since (read-only modes do not stop every user) is refused in one line."""
        path = self.file(name)
        recorded = self.manifest.get("files", {}).get(name)
        try:
            key = None
            if str(recorded).startswith(KEYED):  # an internal file, keyed (file_digest)
                key = self.checked_file(KEY_FILE).read_text(encoding="utf-8").strip()
            found = file_digest(name, path.read_bytes(), key)
        except OSError as exc:
            reason = _reason(exc)
            raise DamagedRelease(
                f"release {self.id}: {name} cannot be read ({reason})", release=self.id
            ) from exc
        if recorded != found:
            raise DamagedRelease(
                f"release {self.id}: {name} is not the file that was frozen (its SHA-256 "
                "differs from the manifest's); see marsad release verify",
                release=self.id,
            )
        return path

    def files(self) -> list[tuple[str, int]]:
        """Every file of the release as (relative path, size in bytes), sorted."""
        return sorted(
            (p.relative_to(self.path).as_posix(), p.stat().st_size)
            for p in self.path.rglob("*")
            if p.is_file()
        )


def file_digest(name: str, content: bytes, key: str | None) -> str:
    """What the manifest records of a release file: its SHA-256 (hex), or, for an
    internal file other than the key itself when the release has a ``key``, its
    HMAC-SHA-256 keyed with it (``hmac-sha256:…``). A plain digest of an internal file
    let anyone holding the public table and the manifest try every value of a withheld
    cell until the digest matched (a one-firm value, then p, came back that way).

    >>> file_digest("indicators.csv", b"x", "k")[:12]
    '2d711642b726'
    >>> file_digest("internal/indicators.csv", b"x", "k").startswith(KEYED)
    True
    >>> file_digest("internal/indicators.csv", b"x", None)[:12]
    '2d711642b726'
    """
    import hashlib
    import hmac

    if key is None or not name.startswith("internal/") or name == KEY_FILE:
        return hashlib.sha256(content).hexdigest()
    return KEYED + hmac.new(key.encode(), content, "sha256").hexdigest()


def _reason(exc: Exception) -> str:
    """Why a file could not be read, in words (``permission denied``, ``missing``; a
    manifest that is not JSON: ``not valid JSON``)."""
    if isinstance(exc, FileNotFoundError):
        return "missing"
    if isinstance(exc, OSError):
        return (exc.strerror or type(exc).__name__).lower()
    return "not valid JSON"


#: The fields a manifest must have, each with the JSON type it must be (``date``,
#: ``previous_releases`` and the others are checked only when present: releases made
#: before they were recorded lack them).
_REQUIRED = {"files": dict}
_TYPED = {"date": str, "previous_releases": list, "build": str, "note": str,
          "last_period": (str, type(None)), "settings": dict, "inputs": dict}  # fmt: skip


def _malformed(manifest: object) -> str:
    """Why ``manifest`` (parsed JSON) is not one a reader can rely on, in words; empty
    when it is.

    >>> _malformed([]), _malformed({}), _malformed({"files": {}, "date": 20250101})
    ('not a JSON object', 'no field files', 'field date is not a text')
    >>> _malformed({"files": {"indicators.csv": "ab"}, "date": "2025-10-15"})
    ''
    """
    if not isinstance(manifest, dict):
        return "not a JSON object"
    for name in _REQUIRED:
        if name not in manifest:
            return f"no field {name}"
    for name, kind in {**_REQUIRED, **_TYPED}.items():
        if name in manifest and not isinstance(manifest[name], kind):
            return f"field {name} is not {_KIND_WORDS.get(kind, 'as expected')}"
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in manifest["files"].items()):
        return "field files does not map names to SHA-256 texts"
    if not all(isinstance(r, str) for r in manifest.get("previous_releases", [])):
        return "field previous_releases is not a list of release ids"
    date = manifest.get("date")
    if date is not None and not _DATE.fullmatch(date):
        return "field date is not a date YYYY-MM-DD"
    return ""


_KIND_WORDS = {str: "a text", list: "a list", dict: "an object", (str, type(None)): "a text"}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def survey(root: Path) -> tuple[list[Release], dict[str, DamagedRelease]]:
    """The releases under ``root`` whose manifests can be read, in the order they were
    made (:func:`made_order`), and the fault of each one that cannot be read, by id (in
    id order), then of each one missing (:class:`MissingRelease`: a later release's
    manifest lists it, its folder is gone; in id order): a server lists and serves the
    others, naming these (a damaged manifest made every page fail, and a missing release
    went unsaid, the release after it shown as the first). A folder renamed (``R1``
    moved to ``R1x``, its manifest saying R1) is the fault of release R1, not of a
    release R1x (which was listed, and R1 called "no release"); a copy of a release
    beside it (R1 there too) is the fault of its folder.

    >>> survey(Path("/nonexistent"))
    ([], {})
    """
    found, damaged = [], {}
    for path in sorted(p for p in _folders(root) if _is_release(p)):
        release = Release(path)
        try:
            found.append((made_order(release.id, release.manifest), release))
        except DamagedRelease as exc:
            damaged[release.id] = exc
    readable = [r for _, r in sorted(found, key=lambda x: x[0])]
    gone = _missing(readable, damaged, root)
    held = {r.id for r in readable} | {k for k, f in damaged.items() if not f.holds}
    faults: dict[str, DamagedRelease] = {}
    for folder, fault in damaged.items():
        moved = fault.holds and fault.holds not in held and fault.holds not in faults
        faults[fault.holds if moved else folder] = fault
    return readable, {**dict(sorted(faults.items())), **gone}


#: The log of the releases made under a releases folder (a hidden file in it): one line
#: per release, ``id<TAB>date``, appended by ``release create`` once the release is in
#: place. A release it names whose folder is gone is missing, even the latest (which no
#: later manifest lists): removed, or renamed aside, it was published all the same.
MADE_LOG = ".releases-made"


def made_ids(root: Path) -> list[str]:
    """The ids :data:`MADE_LOG` under ``root`` records, in the order they were made
    (none when there is no log: releases made by an older marsad are listed by the
    later manifests only).

    >>> made_ids(Path("/nonexistent"))
    []
    """
    try:
        text = (root / MADE_LOG).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise DamagedRelease(
            f"the log of the releases made, {root / MADE_LOG}, cannot be read: "
            f"{exc.strerror or exc}"
        ) from None
    return [line.split("\t", 1)[0] for line in text.splitlines() if line.strip()]


def record_made(root: Path, release_id: str, date: str) -> None:
    """Append ``release_id`` to :data:`MADE_LOG` under ``root`` and flush it to the disk."""
    with open(root / MADE_LOG, "a", encoding="utf-8") as log:
        log.write(f"{release_id}\t{date}\n")
        log.flush()
        os.fsync(log.fileno())


def _missing(
    found: list[Release], damaged: dict[str, DamagedRelease], root: Path
) -> dict[str, DamagedRelease]:
    """The releases that a release of ``found`` lists as made before it, or that the log
    of the releases made under ``root`` records, and that are neither there nor held by a
    renamed folder of ``damaged``, by id, each naming the first release made after it
    (or the log)."""
    # a renamed folder's name is not a release there (R2 moved aside, R1 renamed R2)
    there = {r.id for r in found} | {f.holds or k for k, f in damaged.items()}
    gone: dict[str, DamagedRelease] = {}
    for earlier, why in _made(found, root):  # the first saying why it was made is kept
        if earlier not in there and earlier not in gone:
            gone[earlier] = MissingRelease(
                f"release {earlier} is not in the releases folder, though {why}: restore it "
                "from its backup (an intruder may hold it: the next build must read it)",
                release=earlier,
            )
    return dict(sorted(gone.items()))


def _made(found: list[Release], root: Path) -> Iterator[tuple[str, str]]:
    """Each release known to have been made, with how it is known: listed by the manifest
    of a release of ``found`` (in the order made: the first naming it is the one right
    after it), then recorded by the log :data:`MADE_LOG` under ``root``."""
    for release in found:
        for earlier in release.manifest.get("previous_releases", []):
            yield earlier, f"release {release.id} was made after it (its manifest lists it)"
    for earlier in made_ids(root):
        yield earlier, f"it was made there ({root / MADE_LOG} records it)"


def find(root: Path, release_id: str) -> Release:
    """The release ``release_id`` under ``root`` (:data:`LATEST`: the newest one); an
    unknown one is one plain line."""
    if release_id == LATEST:  # a damaged release may be the newest: refused (all_releases)
        every = all_releases(root)
        if not every:
            raise UnknownRelease(f"no release yet in {root}: make one with marsad release create")
        return every[-1]
    check_name(release_id)
    path = root / release_id
    if not _is_release(path):
        gone = survey(root)[1].get(release_id)
        # not "no release R1": one was made, and is gone, or its folder was renamed (R1x)
        if isinstance(gone, MissingRelease) or (gone is not None and gone.holds == release_id):
            raise gone
        known = ", ".join(sorted(p.name for p in _folders(root) if _is_release(p)))
        raise UnknownRelease(f"no release {release_id} in {root} (releases: {known or 'none yet'})")
    release = Release(path)
    _ = release.manifest  # a damaged one refused at once, naming it
    return release


def all_releases(root: Path) -> list[Release]:
    """Every release under ``root``, in the order they were made (:func:`made_order`);
    a release whose manifest cannot be read (the first by id), else one that a later
    release's manifest lists as made before it and is gone (:class:`MissingRelease`), is
    :class:`DamagedRelease`: what needs every release (a build's a priori information, a
    new release's revisions) cannot leave one out. :func:`survey` lists the others."""
    found, damaged = survey(root)
    if damaged:
        raise next(iter(damaged.values()))
    return found


def stamps(root: Path) -> dict[str, tuple[int, ...]]:
    """What each release folder under ``root`` looks like to ``stat`` (by id): the size,
    modification and change times and inode of its manifest and its public table, no
    file opened. A release made, removed, damaged or restored from a backup (even one
    keeping its files' modification times) changes its stamp; a server compares stamps
    to know when what it keeps of the releases is out of date.

    >>> stamps(Path("/nonexistent"))
    {}
    """
    try:
        entries = list(os.scandir(root))
    except OSError:
        return {}
    found = {}
    for entry in entries:  # as _folders has them, by os calls alone: a server asks often
        if not (_NAME.fullmatch(entry.name) and entry.is_dir()):
            continue
        parts: list[int] = []
        for name in (MANIFEST, PUBLIC_CSV):
            try:
                s = os.stat(os.path.join(entry.path, name))
            except OSError:
                parts += (-1, -1, -1, -1)
            else:
                parts += (s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino)
        found[entry.name] = tuple(parts)
    try:  # a release recorded made and gone is missing (survey): the log changes that
        s = os.stat(os.path.join(root, MADE_LOG))
    except OSError:
        pass
    else:
        found[MADE_LOG] = (s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino)
    return found


def made_order(release_id: str, manifest: dict) -> tuple[str, int, str]:
    """The key sorting releases in the order they were made: their date, then how many
    releases came before (each manifest lists every earlier release, so several made on
    one day keep their order), then the id.

    >>> made = [("Z", {"date": "2025-10-15", "previous_releases": []}),
    ...         ("A", {"date": "2025-10-15", "previous_releases": ["Z"]}),
    ...         ("M", {"date": "2025-10-15", "previous_releases": ["Z", "A"]})]
    >>> [i for i, m in sorted(made, key=lambda r: made_order(*r))]
    ['Z', 'A', 'M']
    """
    earlier = manifest.get("previous_releases") or []
    return (str(manifest.get("date", "")), len(earlier), release_id)


def _is_release(folder: Path) -> bool:
    """Whether ``folder`` (named as a release) is a release: it has a manifest, or a
    public table without one (its manifest lost: damaged, never a folder to pass over,
    since a release is made in a hidden folder and renamed whole)."""
    return (folder / MANIFEST).is_file() or (folder / PUBLIC_CSV).is_file()


def _folders(root: Path) -> list[Path]:
    """The folders under ``root`` whose names are release ids (not temporary ones)."""
    if not root.is_dir():
        return []
    return [p for p in root.iterdir() if p.is_dir() and _NAME.fullmatch(p.name)]


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
