"""Loading files: atomic, idempotent loads with a ledger, quarantine and history.

For the files of one call:

1. stream through each file once for its SHA-256; if the ledger already holds
   that content (under any name, or earlier in the same call) read with the
   options stated (:mod:`~marsad.ingest.identity`), report ``already loaded``
   and change nothing; read otherwise by a load in force, refuse it;
2. stage each file as text (temporary tables only, :mod:`~marsad.ingest.readers`)
   and run the row checks of all the files together, in one vectorised pass
   (:mod:`~marsad.ingest.validate`); a record repeated within its file is
   ``duplicate_in_file``; a rate that is an isolated spike is ``implausible``
   (:mod:`~marsad.ingest.plausible`);
3. in **one transaction** per batch (all the files of the call, up to the
   ``MARSAD_BATCH_BYTES`` setting), taking the files in order exactly as if
   they were loaded one after the other, write the records and their versions
   (:mod:`~marsad.ingest.versions`), the quarantine
   (:mod:`~marsad.ingest.quarantine`), and the control totals and one ledger
   row per file (:mod:`~marsad.ingest.ledger`).

A load killed at any point leaves the warehouse as it was before the batch
(the transaction never committed) or holding all of it; loading again
completes it. One quarantine row per rejected input row (its first failing
rule), so ``loaded + quarantined == rows_read`` for every file.
"""

from __future__ import annotations

import contextlib
import errno
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from marsad.engine import SqlError, Warehouse, quote_literal
from marsad.errors import BadArgument
from marsad.ingest import (
    deliveries,
    idcase,
    keyindex,
    ledger,
    mojibake,
    plausible,
    quarantine,
    reporters,
    store,
    validate,
    versions,
)
from marsad.ingest.containers import PARQUET
from marsad.ingest.errors import FileRefused, IngestError, not_a_file
from marsad.ingest.keys import CHK
from marsad.ingest.ledger import LoadReport
from marsad.ingest.options import ProgressEvent, ProgressFn, ReadOptions
from marsad.ingest.readers import stage_batch
from marsad.ingest.scan import FileScan, changed, scan_file, stated_format
from marsad.ingest.schema import Kind, get_kind
from marsad.ingest.staging import BatchFile, drop_staging, temp_folder


def load_files(
    wh: Warehouse,
    kind: str,
    paths: Sequence[Path | str],
    *,
    options: ReadOptions | None = None,
    progress: ProgressFn | None = None,
    on_refused: str = "raise",
) -> list[LoadReport]:
    """Load ``paths`` as files of ``kind`` (``transactions``, ``firms`` or ``rates``).

    One report per file (per sheet of a workbook), in order. Files are checked
    together and written in
    one transaction per batch (all the files of a call, up to the
    ``MARSAD_BATCH_BYTES`` setting), in order, exactly as if loaded one after
    the other: a load interrupted at any point leaves none or all of a batch's
    files.

    A file that cannot be read at all raises :class:`FileRefused` before its
    batch is written (``on_refused="raise"``), or gets a report with status
    ``refused`` while the other files load (``on_refused="report"``).
    """
    if on_refused not in ("raise", "report"):
        raise ValueError("on_refused must be 'raise' or 'report'")
    spec = get_kind(kind)
    options = (options or ReadOptions()).with_settings()
    validate.check_date_range(*options.date_range())
    store.ensure_tables(wh)
    validate.register_references(wh)
    reporters.ensure_table(wh)
    files = [BatchFile(i, Path(p)) for i, p in enumerate(paths)]
    every: list[BatchFile] = []
    earlier: dict[str, str] = {}  # the loads of the call's earlier batches: id -> file name
    with _bulk_settings(wh, options.memory_limit):
        for batch in _batches(wh, spec, files, options, progress, on_refused, every):
            _load_batch(wh, spec, batch, options, progress, on_refused, earlier)
            earlier.update((f.load_id, f.path.name) for f in batch if f.report is not None)
    return [_report(f, spec) for f in every]


def load_file(
    wh: Warehouse, kind: Kind, path: Path, options: ReadOptions, progress: ProgressFn | None = None
) -> LoadReport:
    """Load one file; see :func:`load_files`."""
    return load_files(wh, kind.name, [path], options=options, progress=progress)[0]


def _batches(
    wh: Warehouse,
    kind: Kind,
    files: list[BatchFile],
    options: ReadOptions,
    progress: ProgressFn | None,
    on_refused: str,
    every: list[BatchFile],
) -> Iterator[list[BatchFile]]:
    """Scan each file (a workbook: each sheet to load); yield the new contents
    in batches of about ``MARSAD_BATCH_BYTES`` (a file or sheet already loaded
    gets its report here). ``every`` receives every file and sheet, in order."""
    from marsad.settings import get_settings

    batch_bytes = int(get_settings().batch_bytes)
    by_key: dict[tuple, BatchFile] = {}
    batch: list[BatchFile] = []
    size = 0
    for f in files:
        try:
            f.scan = _scan(f.path, progress, options)
            parts = _sheets(wh, kind, f, options)
        except FileRefused as exc:
            if on_refused == "raise":
                raise
            f.refused = exc
            every.append(f)
            continue
        for g in parts:
            g.index = len(every)
            every.append(g)
            if _already_loaded(wh, g, options, progress, on_refused):
                continue
            key = (g.scan.sha256, g.sheet)
            if key in by_key:
                g.same_as = by_key[key]
                continue
            by_key[key] = g
            batch.append(g)
            size += batch_weight(g)
            if size >= batch_bytes:
                yield batch
                batch, size = [], 0
    if batch:
        yield batch


def _sheets(wh: Warehouse, kind: Kind, f: BatchFile, options: ReadOptions) -> list[BatchFile]:
    """The file, or one file per sheet of a workbook to load."""
    from marsad.ingest.errors import IngestError
    from marsad.ingest.readers import plan_sheets, resolve_sheet
    from marsad.ingest.scan import detect_format

    try:
        if detect_format(f.path, f.scan, options) != "excel":
            return [f]
        if options.sheet is not None:
            # a sheet already loaded is not read again
            f.sheet = resolve_sheet(f.path, options.sheet)
            if ledger.previous_load(wh, f.scan.sha256, f.sheet, options) is not None:
                return [f]
        return plan_sheets(wh, kind, f, options)
    except IngestError as exc:
        raise FileRefused(f.path, str(exc)) from None


#: Bytes a value of a Parquet file is counted as, for its batch: about what it takes as
#: text in a CSV file (a month of 83,333 records in 9 columns: 4.8 MB of CSV, 1.2 MB of
#: Parquet).
PARQUET_VALUE_BYTES = 7


def batch_weight(f: BatchFile) -> int:
    """What a file or sheet counts for in its batch (``MARSAD_BATCH_BYTES``): its size, or
    for a Parquet file, its values at :data:`PARQUET_VALUE_BYTES` each if more (from its
    footer). Compressed, a Parquet file of 10M records was one batch: its checks held
    them all at once (2.5 GB at peak, against 1.6 GB for the same records as CSV)."""
    size = f.scan.size
    if f.sheet is not None or not f.scan.head.startswith(PARQUET):
        return size
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(f.path)
    except (OSError, pa.ArrowException):  # (refused when it is read, saying why)
        return size
    return max(size, meta.num_rows * meta.num_columns * PARQUET_VALUE_BYTES)


def _already_loaded(
    wh: Warehouse, f: BatchFile, options: ReadOptions, progress: ProgressFn | None, on_refused: str
) -> bool:
    """Whether the ledger holds the file's content (and sheet) read as ``options``
    read it: its report if so (:mod:`marsad.ingest.identity`). A content read
    otherwise by a load in force is refused (True, ``f.refused``)."""
    t0 = time.perf_counter()
    try:
        previous = ledger.previous_load(wh, f.scan.sha256, f.sheet, options)
    except IngestError as exc:
        f.refused = FileRefused(f.path, str(exc))
        if on_refused == "raise":
            raise f.refused from None
        return True
    if previous is None:
        return False
    f.report = ledger.already_loaded(wh, f.path, f.scan, previous)
    f.report.seconds = time.perf_counter() - t0
    if progress:
        progress(ProgressEvent(f.path, "done", f.scan.size, f.scan.size, 0))
    return True


def _report(f: BatchFile, spec: Kind) -> LoadReport:
    """The file's report: its own, a copy of an earlier same file's, or refused."""
    if f.same_as is not None:
        first = f.same_as
        if first.report is None or first.report.status == "refused":  # the first was refused
            f.refused = first.refused
        else:
            f.report = ledger.copy_report(first.report, f.path)
    if f.report is None:
        assert f.refused is not None
        f.report = ledger.refused_report(f, spec.name)
    return f.report


@contextlib.contextmanager
def _bulk_settings(wh: Warehouse, memory_limit: str | None = None) -> Iterator[None]:
    """Settings for the time of a load, restored after it.

    ``checkpoint_threshold``: let a whole batch write its WAL before
    checkpointing (with an indexed table, the primary keys of the core tables,
    a checkpoint after every small load makes each following insert reload the
    index). ``memory_limit``: what DuckDB may hold in memory before spilling
    the staged rows to disk (setting ``MARSAD_MEMORY_LIMIT``, 4GB).
    """
    if memory_limit is None:
        from marsad.settings import get_settings

        memory_limit = get_settings().memory_limit
    wanted = {"checkpoint_threshold": "1GB", "memory_limit": memory_limit}
    old = {}
    for name, value in wanted.items():
        try:
            old[name] = wh.scalar(f"SELECT current_setting('{name}')")
            wh.sql(f"SET {name} = {quote_literal(value)}")
        except Exception as exc:
            if name == "memory_limit":
                raise BadArgument(f"memory limit {value!r} not accepted: {exc}") from None
    try:
        yield
    finally:
        for name, value in old.items():
            with contextlib.suppress(Exception):
                wh.sql(f"SET {name} = {quote_literal(str(value))}")


def _scan(path: Path, progress: ProgressFn | None, options: ReadOptions) -> FileScan:
    if (why := not_a_file(path)) is not None:
        raise FileRefused(path, why)
    text = stated_format(options.format) == "csv" if options.format else None
    try:
        return scan_file(path, progress, text)
    except OSError as exc:
        raise FileRefused(path, f"cannot be read: {exc.strerror or exc}") from None


def _tell(progress: ProgressFn | None, files: list[BatchFile], phase: str) -> None:
    if progress:
        for f in files:
            rows = f.report.rows_read if phase == "done" else None
            progress(ProgressEvent(f.path, phase, f.scan.size, f.scan.size, rows))


@contextlib.contextmanager
def _copies_named(options: ReadOptions) -> Iterator[None]:
    """A full disk met while writing the temporary copies of the files (text transcoded
    to UTF-8) names their folder: the error said "no space left on the disk", and the
    warehouse's disk, the one a user checks, had room."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            where = options.temp_dir or tempfile.gettempdir()
            exc.filename = f"a temporary copy of the files in {where} (MARSAD_TEMP_DIR)"
        raise


def _load_batch(
    wh: Warehouse,
    kind: Kind,
    files: list[BatchFile],
    options: ReadOptions,
    progress: ProgressFn | None,
    on_refused: str,
    earlier: dict[str, str] | None = None,
) -> None:
    """Read, check, write: one batch, written in one transaction (``earlier``: the loads
    of the call's earlier batches, load id -> file name)."""
    t0 = time.perf_counter()
    live: list[BatchFile] = []
    try:
        with _copies_named(options), temp_folder(options) as tmp:
            stage_batch(wh, kind, files, options, Path(tmp), progress, on_refused)
        live = [f for f in files if f.staged is not None]
        if not live:
            return
        _tell(progress, live, "check")
        validate.check_batch(wh, kind, live, options.date_range())
        mojibake.note_double_encoding(wh, kind, live)
        idcase.note_case_variants(wh, kind, live)
        deliveries.note_over_nil_returns(wh, kind, live)
        versions.mark_duplicates_in_file(wh, kind)
        if kind.name == "rates":  # isolated spikes, against the warehouse's rates too
            plausible.check_rates(wh, live)
        _tell(progress, live, "write")
        with wh.transaction():
            _write(wh, kind, live, options, t0, earlier)
            _unchanged(files)  # (raised here: rolled back, nothing of the batch kept)
    except (OSError, SqlError, IngestError) as exc:
        _unchanged(files, exc)  # a file gone or rewritten meanwhile: that, not its effect
        raise
    finally:
        drop_staging(wh)
    seconds = time.perf_counter() - t0
    total_rows = sum(f.report.rows_read for f in live) or 1
    for f in live:
        # the batch's time, shared out by rows
        f.report.seconds = seconds * f.report.rows_read / total_rows if len(live) > 1 else seconds
    _tell(progress, live, "done")


def _unchanged(files: list[BatchFile], cause: BaseException | None = None) -> None:
    """Refuse the batch (:class:`FileRefused`, exit 2; rolled back) when one of its files
    is no longer the one hashed (:func:`~marsad.ingest.scan.changed`): its records and
    its ledger row would be of two versions. ``cause``: the error it led to, if any."""
    for f in files:
        if f.scan is not None and (why := changed(f.scan)):
            raise FileRefused(f.path, why) from cause


def _write(
    wh: Warehouse,
    kind: Kind,
    files: list[BatchFile],
    options: ReadOptions,
    t0: float,
    earlier: dict[str, str] | None = None,
) -> None:
    """Everything a batch writes to the warehouse (called inside the transaction); a
    record that several files of the call give with different content is said in the
    report of the file kept (named last)."""
    ids = ledger.assign_load_ids(wh, files, options)
    records = _records(wh, kind)
    indexed = kind.table == "transactions" and keyindex.valid(wh)
    with records:
        corrections = versions.write_versions(wh, kind, ids, len(files))
    shown = {f.index: f.path.name + (f" (sheet {f.sheet})" if f.sheet is not None else "")
             for f in files}  # fmt: skip
    repeats = versions.across_files(wh, kind, ids, earlier, shown)
    if indexed:  # the versions written, in the key index
        keyindex.add(wh, f"SELECT reporter, record_id, value_date FROM {CHK} WHERE _fail IS NULL")
    quarantine.write_quarantine(wh, kind, files, ids, options)
    ledger.write_ledger(wh, kind.name, files, ids, corrections, t0)
    for f in files:
        if f.index in repeats:
            f.report.notes.append(versions.across_files_note(*repeats[f.index]))
    ledger.write_notes(wh, files)
    reporters.remember(wh, files)


def _records(wh: Warehouse, kind: Kind) -> contextlib.AbstractContextManager:
    """For records, the months of the record store the batch may touch, as the table
    ``transactions``: those that may hold a key of the batch's good rows (a repeat or
    a correction), from the key index (:mod:`~marsad.ingest.keyindex`), not a scan of
    the store. The batch's new records are appended to their months as new parts."""
    if kind.table != "transactions":
        return contextlib.nullcontext()
    return wh.records.editing(keyindex.months_holding(wh))


__all__ = ["LoadReport", "load_file", "load_files"]
