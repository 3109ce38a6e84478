"""``release verify``: rebuild a release from its recorded inputs and compare byte by byte.

The warehouse keeps every version of every record: the current one in the record
store (``transactions``: the source's Parquet parts that its catalogue names, see
:mod:`marsad.engine.records`), ``firms``, ``rates`` and ``employment``, the ones a
correction replaced or a withdrawal took out in ``<table>_history``, each with the
load that brought it.
Load ids grow with each load, and a record shows the latest version brought by a
load not withdrawn (:mod:`marsad.ingest.withdraw`). So the inputs as they stood
when a release was made are, for each record, the version of the highest load
among the loads the manifest lists in force. The nil returns in force are listed
in the manifest itself.

The rebuild runs in a temporary warehouse, with the settings the manifest records
(the confidentiality parameters are not recorded: the current ones are used), and
freezes the release again with the same id, date and note; every file is compared.

What it cannot prove: a history that was lost (a warehouse rebuilt from scratch,
loads deleted by hand) cannot be reconstructed, and the check on the records in
force per load says so; a different marsad version or reference data (both in the
manifest), or confidentiality parameters changed since, make files differ.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from marsad.engine import Warehouse, open_warehouse, quote_ident, quote_literal
from marsad.engine.records import VIEW, RecordStore, store_folder
from marsad.engine.sql import part_fault
from marsad.ingest.schema import KINDS
from marsad.release.freeze import write_release
from marsad.release.snapshot import RECORD_KINDS, inputs
from marsad.release.store import EXACT_CSV, Release, ReleaseError, find

_NUMBER = "TRY_CAST(substr(load_id, 2) AS BIGINT)"
#: A fixed time for the ledger rows of the rebuilt warehouse (never written to a file).
_EPOCH = "TIMESTAMP '2000-01-01 00:00:00'"


@dataclass
class Verdict:
    """The outcome: files that differ, are missing or extra; problems met on the way."""

    release: str
    differing: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.differing or self.missing or self.extra or self.problems)


def verify(source: Path, root: Path, release_id: str, *, work: Path | None = None) -> Verdict:
    """Rebuild release ``release_id`` (under ``root``) from the inputs kept in the
    warehouse file ``source``, and compare it file by file."""
    release = find(root, release_id)
    manifest = release.manifest
    # the earlier releases it was made on: one damaged is refused before the rebuild
    previous = [find(root, r) for r in manifest.get("previous_releases", [])]
    verdict = Verdict(release_id)
    with tempfile.TemporaryDirectory(prefix="marsad-verify-", dir=work) as tmp:
        rebuilt = Path(tmp) / "w.duckdb"
        with open_warehouse(rebuilt) as wh:
            reconstruct(wh, source, manifest)
            verdict.problems += _check_inputs(wh, manifest)
            with _settings(manifest.get("settings", {})):
                _rebuild(wh, previous)
                out = Path(tmp) / "release" / release_id
                write_release(
                    wh, out, release_id, date=dt.date.fromisoformat(manifest["date"]),
                    note=manifest.get("note", ""), previous=previous,
                    accepted=int(manifest.get("earlier_disclosure", 0)),
                )  # fmt: skip
        _compare(release, out, verdict)
    return verdict


def reconstruct(wh: Warehouse, source: Path, manifest: dict) -> None:
    """Fill the empty warehouse ``wh`` with the inputs of ``source`` as they stood when
    the release of ``manifest`` was made: records, firms, rates, nil returns, ledger."""
    from marsad.ingest.store import ensure_tables

    ensure_tables(wh)
    wh.sql(f"ATTACH {quote_literal(str(source))} AS src (READ_ONLY)")
    try:
        if not _has_ledger(wh):
            raise ReleaseError(
                f"{source} has no load ledger: the inputs of the release cannot be found"
            )
        state = manifest.get("inputs", {})
        active = [load["load_id"] for load in state.get("loads", [])]
        for kind in RECORD_KINDS:
            _versions(wh, kind, active, source)
        _ledger(wh, state)
    finally:
        wh.sql("DETACH src")


def _has_ledger(wh: Warehouse) -> bool:
    found = wh.scalar(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'src' "
        "AND table_name IN ('ingest_loads', 'transactions_history')"
    )
    return found == 2


def _versions(wh: Warehouse, kind_name: str, active: list[str], source: Path) -> None:
    """For each record, the version of the highest load among ``active``."""
    kind = KINDS[kind_name]
    current = _current(wh, kind.table, source)
    if current is None:
        return  # a warehouse made before this kind existed: none of its records to replay
    names = [*kind.field_names, "load_id", "line"]
    cols = ", ".join(quote_ident(c) for c in names)
    keys = ", ".join(quote_ident(k) for k in kind.key)
    editing = (
        wh.records.editing(wh.records.ALL_MONTHS)
        if kind.table == VIEW
        else contextlib.nullcontext()
    )
    with wh.transaction(), editing:
        wh.sql(
            f"""INSERT INTO {kind.table} ({cols})
                SELECT {cols} FROM (
                    SELECT *, row_number() OVER (PARTITION BY {keys} ORDER BY {_NUMBER} DESC)
                        AS rn
                    FROM (SELECT {cols} FROM {current}
                          UNION ALL SELECT {cols} FROM src.{kind.table}_history)
                    WHERE list_contains(?, load_id))
                WHERE rn = 1""",
            [active],
        )


def _current(wh: Warehouse, table: str, source: Path) -> str | None:
    """The source's current versions of ``table`` as a FROM item; None without its
    history. The records are read from the source's record store (its catalogue names
    the parts), or from its ``transactions`` table when it was made before the store."""
    found = {
        name
        for (name,) in wh.sql(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'src' "
            "AND table_name IN (?, ?, 'record_files')",
            [table, f"{table}_history"],
        )
    }
    if f"{table}_history" not in found:
        return None
    if table in found:
        return f"src.{quote_ident(table)}"
    if table != VIEW:
        return None
    root = store_folder(source.absolute())
    files = []
    if "record_files" in found:
        files = [root / f for (f,) in wh.sql("SELECT file FROM src.record_files ORDER BY file")]
    missing = [f for f in files if not f.exists()]
    if missing:
        raise part_fault(missing[0], "is missing")
    return f"({RecordStore.select(files)})"


def _ledger(wh: Warehouse, state: dict) -> None:
    """The ledger rows of the loads made by then, withdrawn as the manifest says; the
    nil returns in force."""
    last = state.get("last_load") or "L0"
    wh.sql(
        f"""INSERT INTO ingest_loads BY NAME
            SELECT * FROM src.ingest_loads
            WHERE {_NUMBER} <= TRY_CAST(substr(?, 2) AS BIGINT)""",
        [last],
    )
    withdrawn = [w["load_id"] for w in state.get("withdrawn", [])]
    wh.sql(
        f"UPDATE ingest_loads SET withdrawn_at = CASE WHEN list_contains(?, load_id) "
        f"THEN {_EPOCH} END",
        [withdrawn],
    )
    for nil in state.get("nil_returns", []):
        year, month = (int(x) for x in nil["month"].split("-"))
        wh.sql(
            f"INSERT INTO ingest_nil_returns VALUES (?, ?, ?, ?, {_EPOCH}, NULL)",
            [nil["load_id"], nil["reporter"], year, month],
        )


def _check_inputs(wh: Warehouse, manifest: dict) -> list[str]:
    """Plain lines for each load whose records in force could not be found again."""
    recorded = {load["load_id"]: load for load in manifest.get("inputs", {}).get("loads", [])}
    found = {load["load_id"]: load for load in inputs(wh)["loads"]}
    problems = []
    for load_id, load in recorded.items():
        want, got = load["records_in_force"], found.get(load_id, {}).get("records_in_force", 0)
        if want != got:
            problems.append(
                f"load {load_id} ({load['file']}) had {want:,} records in force at the release; "
                f"{got:,} could be reconstructed (its history is incomplete)"
            )
    return problems


def _rebuild(wh: Warehouse, previous: list[Release]) -> None:
    """Build as the release was built: the intruder's a priori information is that of
    the releases made before it (not of those made since)."""
    from marsad.build import build_with_settings
    from marsad.release.apriori import of_releases

    build_with_settings(wh, earlier=of_releases(previous))


@contextlib.contextmanager
def _settings(recorded: dict[str, object]) -> Iterator[None]:
    """The environment with the recorded settings, restored afterwards."""
    saved = {name: os.environ.get(name) for name in recorded}
    try:
        for name, value in recorded.items():
            if value is None or value == []:  # unset, as when the release was made
                os.environ.pop(name, None)
            else:
                os.environ[name] = ",".join(value) if isinstance(value, list) else str(value)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _compare(release: Release, rebuilt: Path, verdict: Verdict) -> None:
    """Fill ``verdict`` with the files of ``release`` that differ from the ``rebuilt``
    folder's, are missing from it, or are only in it. A file the manifest lists and the
    release lacks (deleted) is only in the rebuild like any other; only
    :data:`EXACT_CSV` of a release frozen before it was kept (its manifest does not list
    it) is not counted."""
    frozen = {name for name, _ in release.files()}
    again = {p.relative_to(rebuilt).as_posix() for p in rebuilt.rglob("*") if p.is_file()}
    verdict.missing = sorted(frozen - again)
    listed = release.manifest.get("files", {})
    # a release frozen before the exact values were kept (EXACT_CSV) has none to compare
    older = set() if EXACT_CSV in listed else {EXACT_CSV}
    verdict.extra = sorted(again - frozen - older)
    verdict.differing = [
        name
        for name in sorted(frozen & again)
        if (release.path / name).read_bytes() != (rebuilt / name).read_bytes()
    ]
