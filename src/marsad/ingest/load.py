"""Loading files: atomic, idempotent loads with a ledger, quarantine and history.

For the files of one call:

1. stream through each file once for its SHA-256; if the ledger already holds
   that content (under any name, or earlier in the same call), report
   ``already loaded`` and change nothing;
2. stage each file as text (temporary tables only) and run the row checks of
   all the files together, in one vectorised pass (``validate.check_sql``);
   a record repeated within its file is ``duplicate_in_file``;
3. in **one transaction** per batch (all the files of the call, up to
   ``BATCH_BYTES``), taking the files in order exactly as if they were loaded
   one after the other: a record whose key (reporter + record id; firm id;
   date + currency) is already in the warehouse or in an earlier file with the
   same content is ``duplicate_in_warehouse`` (quarantined, nothing to fix);
   with other content it is a *correction*: the new version replaces the old,
   which goes to the ``*_history`` table with the load that replaced it. Then
   the new records, the quarantine, the control totals and one ledger row per
   file are written.

A load killed at any point leaves the warehouse as it was before the batch
(the transaction never committed) or holding all of it; loading again
completes it. One quarantine row per rejected input row (its first failing
rule), so ``loaded + quarantined == rows_read`` for every file.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from marsad.engine.warehouse import Warehouse
from marsad.ingest import readers, store, validate
from marsad.ingest.readers import (
    FileRefused,
    FileScan,
    IngestError,
    ProgressEvent,
    ProgressFn,
    ReadOptions,
    Staged,
    _lit,
    _q,
)
from marsad.ingest.schema import Kind, get_kind

CHK = validate.CHK
DUPF = "_ing_dupf"


@dataclass
class LoadReport:
    """What happened to one file. ``loaded + quarantined == rows_read``.

    ``duplicates`` counts the quarantined rows that repeat a record (earlier in
    the file, or already in the warehouse with the same content);
    ``unchanged`` those of them already in the warehouse; ``corrections`` the
    loaded rows that replaced an earlier version of their record. ``totals``
    maps each currency (firms: segment) to (rows read, sum of amounts read,
    rows loaded, sum of amounts loaded), sums exact.
    """

    file: Path
    kind: str
    sha256: str
    size_bytes: int
    status: str  # "loaded" | "already loaded"
    load_id: str
    rows_read: int = 0
    loaded: int = 0
    quarantined: int = 0
    duplicates: int = 0
    unchanged: int = 0
    corrections: int = 0
    blank_rows: int = 0
    format: str = ""
    encoding: str | None = None
    separator: str | None = None
    decimal: str | None = None
    sheet: str | None = None
    header_line: int | None = None
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rules: dict[str, int] = field(default_factory=dict)
    totals: dict[str, tuple[int, Decimal | None, int, Decimal | None]] = field(default_factory=dict)
    previous_file: str | None = None
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0

    def detected(self) -> str:
        """What was used to read the file, in plain words."""
        parts = [self.format]
        if self.encoding:
            parts.append(f"encoding {self.encoding}")
        if self.separator:
            shown = {"\t": "tab"}.get(self.separator, self.separator)
            parts.append(f"separator {shown!r}" if shown != "tab" else "separator tab")
        if self.decimal:
            parts.append(f"decimal {self.decimal!r}")
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.header_line and self.header_line > 1:
            parts.append(
                f"header on {'row' if self.format == 'excel' else 'line'} {self.header_line}"
            )
        return ", ".join(parts)


#: Files are checked together and written in one transaction, in batches of
#: about this many bytes (a larger file is a batch of its own).
BATCH_BYTES = 256 * 1024 * 1024


@dataclass
class _File:
    index: int
    path: Path
    scan: FileScan | None = None
    staged: Staged | None = None
    load_id: str = ""
    report: LoadReport | None = None
    refused: FileRefused | None = None
    same_as: _File | None = None  # an earlier file of the call with the same content


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

    One report per file, in order. Files are checked together and written in
    one transaction per batch (all the files of a call, up to ``BATCH_BYTES``),
    in order, exactly as if loaded one after the other: a load interrupted at
    any point leaves none or all of a batch's files.

    A file that cannot be read at all raises :class:`FileRefused` before its
    batch is written (``on_refused="raise"``), or gets a report with status
    ``refused`` while the other files load (``on_refused="report"``).
    """
    if on_refused not in ("raise", "report"):
        raise ValueError("on_refused must be 'raise' or 'report'")
    spec = get_kind(kind)
    options = options or ReadOptions()
    store.ensure_tables(wh)
    validate.register_references(wh)
    files = [_File(i, Path(p)) for i, p in enumerate(paths)]
    by_sha: dict[str, _File] = {}
    with _bulk_settings(wh, options.memory_limit):
        batch: list[_File] = []
        size = 0
        for f in files:
            t0 = time.perf_counter()
            try:
                f.scan = _scan(f.path, progress)
            except FileRefused as exc:
                if on_refused == "raise":
                    raise
                f.refused = exc
                continue
            previous = wh.sql(_LEDGER_SELECT + " WHERE sha256 = ?", [f.scan.sha256])
            if previous:
                f.report = _already_loaded(wh, f.path, f.scan, previous[0], t0, progress)
                continue
            if f.scan.sha256 in by_sha:
                f.same_as = by_sha[f.scan.sha256]
                continue
            by_sha[f.scan.sha256] = f
            batch.append(f)
            size += f.scan.size
            if size >= BATCH_BYTES:
                _load_batch(wh, spec, batch, options, progress, on_refused)
                batch, size = [], 0
        if batch:
            _load_batch(wh, spec, batch, options, progress, on_refused)
    reports = []
    for f in files:
        if f.same_as is not None:
            first = f.same_as
            if first.report is None:  # the first copy was refused
                f.refused = first.refused
            else:
                f.report = _copy_report(first.report, f)
        if f.report is None:
            assert f.refused is not None
            f.report = LoadReport(
                file=f.path,
                kind=spec.name,
                sha256=f.scan.sha256 if f.scan else "",
                size_bytes=f.scan.size if f.scan else 0,
                status="refused",
                load_id="",
                notes=[f.refused.reason],
            )
        reports.append(f.report)
    return reports


def load_file(
    wh: Warehouse, kind: Kind, path: Path, options: ReadOptions, progress: ProgressFn | None = None
) -> LoadReport:
    """Load one file; see :func:`load_files`."""
    return load_files(wh, kind.name, [path], options=options, progress=progress)[0]


_LEDGER_SELECT = (
    "SELECT load_id, kind, file_name, rows_read, loaded, quarantined, duplicates, corrections,"
    " format, encoding, separator, decimal_sep, sheet, header_line, blank_rows FROM ingest_loads"
)


#: What DuckDB may hold in memory during a load unless told otherwise: beyond it
#: the staged rows spill to disk, so a file of any size loads in bounded memory
#: (measured: a 10M-row, 559 MB file peaks at 4.3 GB unbounded, 1.3 GB at 1GB).
DEFAULT_MEMORY_LIMIT = "4GB"


@contextlib.contextmanager
def _bulk_settings(wh: Warehouse, memory_limit: str | None = None) -> Iterator[None]:
    """Settings for the time of a load, restored after it.

    ``checkpoint_threshold``: let a whole batch write its WAL before
    checkpointing (with an indexed table, the primary keys of the core tables,
    a checkpoint after every small load makes each following insert reload the
    index). ``memory_limit``: what DuckDB may hold in memory before spilling
    the staged rows to disk (default :data:`DEFAULT_MEMORY_LIMIT`).
    """
    wanted = {"checkpoint_threshold": "1GB", "memory_limit": memory_limit or DEFAULT_MEMORY_LIMIT}
    old = {}
    for name, value in wanted.items():
        try:
            old[name] = wh.scalar(f"SELECT current_setting('{name}')")
            wh.sql(f"SET {name} = {_lit(value)}")
        except Exception as exc:
            if name == "memory_limit":
                raise IngestError(f"memory limit {value!r} not accepted: {exc}") from None
    try:
        yield
    finally:
        for name, value in old.items():
            with contextlib.suppress(Exception):
                wh.sql(f"SET {name} = {_lit(str(value))}")


def _scan(path: Path, progress: ProgressFn | None) -> FileScan:
    if not path.exists():
        raise FileRefused(path, "no such file")
    if path.is_dir():
        raise FileRefused(path, "is a folder, not a file")
    try:
        return readers.scan_file(path, progress)
    except OSError as exc:
        raise FileRefused(path, f"cannot be read: {exc.strerror or exc}") from None


def _already_loaded(
    wh: Warehouse, path: Path, scan: FileScan, row: tuple, t0: float, progress: ProgressFn | None
) -> LoadReport:
    (load_id, kind, file_name, read, loaded, quarantined, duplicates, corrections,
     fmt, enc, sep, dec, sheet, header_line, blank) = row  # fmt: skip
    report = LoadReport(
        file=path, kind=kind, sha256=scan.sha256, size_bytes=scan.size,
        status="already loaded", load_id=load_id, rows_read=read, loaded=loaded,
        quarantined=quarantined, duplicates=duplicates, corrections=corrections,
        blank_rows=blank, format=fmt, encoding=enc, separator=sep, decimal=dec, sheet=sheet,
        header_line=header_line, previous_file=file_name,
    )  # fmt: skip
    report.totals = _totals(wh, [load_id]).get(load_id, {})
    report.notes.append(f"same content as {file_name} (load {load_id}): nothing was changed")
    report.seconds = time.perf_counter() - t0
    if progress:
        progress(ProgressEvent(path, "done", scan.size, scan.size, 0))
    return report


def _copy_report(first: LoadReport, f: _File) -> LoadReport:
    """Report of a file whose content is the same as an earlier one of the call."""
    r = LoadReport(
        file=f.path, kind=first.kind, sha256=first.sha256, size_bytes=first.size_bytes,
        status="already loaded", load_id=first.load_id, rows_read=first.rows_read,
        loaded=first.loaded, quarantined=first.quarantined, duplicates=first.duplicates,
        corrections=first.corrections, blank_rows=first.blank_rows, format=first.format,
        encoding=first.encoding, separator=first.separator, decimal=first.decimal,
        sheet=first.sheet, header_line=first.header_line, totals=dict(first.totals),
        previous_file=first.file.name,
    )  # fmt: skip
    r.notes.append(f"same content as {first.file.name} (load {first.load_id}): nothing was changed")
    return r


# --------------------------------------------------------------------------
# SQL helpers
# --------------------------------------------------------------------------


def _key_cols(kind: Kind, alias: str = "") -> str:
    pre = f"{alias}." if alias else ""
    return ", ".join(pre + _q(k) for k in kind.key)


def _same(kind: Kind, a: str, b: str, prefix: str = "") -> str:
    """SQL: the value fields of ``a`` equal those of ``b`` (``b``'s columns prefixed)."""
    return (
        " AND ".join(
            f"{a}.{_q(f)} IS NOT DISTINCT FROM {b}.{_q(prefix + f)}" for f in kind.value_fields
        )
        or "true"
    )


def _key_text(kind: Kind, alias: str = "") -> str:
    pre = f"{alias}." if alias else ""
    return "concat_ws('|', " + ", ".join(f"{pre}{_q(k)}::VARCHAR" for k in kind.key) + ")"


def _key_words(kind: Kind, alias: str) -> str:
    """SQL text naming a record in messages (no amounts)."""
    a = alias
    if kind.name == "transactions":
        return f"'record ' || {a}.record_id || ' of reporter ' || {a}.reporter"
    if kind.name == "firms":
        return f"'firm ' || {a}.firm_id"
    return f"'the rate of ' || {a}.currency || ' on ' || {a}.date::VARCHAR"


def _key_column(kind: Kind) -> str:
    return {"transactions": "record_id", "firms": "firm_id", "rates": "date"}[kind.name]


def _case(column: str, mapping: dict[int, str]) -> str:
    """SQL: ``mapping[column]`` (file number -> text)."""
    if len(set(mapping.values())) == 1:
        return _lit(next(iter(mapping.values())))
    whens = " ".join(f"WHEN {i} THEN {_lit(v)}" for i, v in mapping.items())
    return f"(CASE {column} {whens} END)"


def _record_json(kind: Kind, alias: str) -> str:
    fields = ", ".join(f"{_q(f)} := {alias}.{_q(f)}::VARCHAR" for f in kind.field_names)
    return f"to_json(struct_pack({fields}))::VARCHAR"


def _table_columns(wh: Warehouse, table: str) -> list[str]:
    return [r[0] for r in wh.sql(f"DESCRIBE {table}")]


def _count(wh: Warehouse, table: str) -> int:
    return int(wh.scalar(f"SELECT count(*) FROM {table}"))


# --------------------------------------------------------------------------
# one batch
# --------------------------------------------------------------------------


def _load_batch(
    wh: Warehouse,
    kind: Kind,
    files: list[_File],
    options: ReadOptions,
    progress: ProgressFn | None,
    on_refused: str,
) -> None:
    t0 = time.perf_counter()
    date_range = options.date_range()
    live: list[_File] = []
    try:
        with readers.tempdir_for(files[0].path) as tmp:
            _stage_all(wh, kind, files, options, Path(tmp), progress, on_refused)
        live = [f for f in files if f.staged is not None]
        if not live:
            return
        if progress:
            for f in live:
                progress(ProgressEvent(f.path, "check", f.scan.size, f.scan.size, None))
        parts = [(f.index, f.staged) for f in live]
        staged_rows = {
            f.index: f.staged.rows_staged
            if f.staged.rows_staged is not None
            else _count(wh, readers.raw_table(f.index))
            for f in live
        }
        stage = None
        if len(validate.sources(parts)) > 1:
            # many small tables: one table, so that the checks run in parallel
            stage = "_ing_stage"
            wh.sql(f"CREATE OR REPLACE TEMP TABLE {stage} AS {validate.union_sql(parts)}")
            readers.drop_staging(wh, keep=(stage,))
        wh.sql(
            f"CREATE OR REPLACE TEMP TABLE {CHK} AS "
            + validate.check_sql(kind, parts, date_range, stage)
        )
        readers.drop_staging(wh, keep=(CHK,))
        per_file = dict(wh.sql(f"SELECT _file, count(*) FROM {CHK} GROUP BY _file"))
        for f in live:
            f.staged.blank_rows = staged_rows[f.index] - int(per_file.get(f.index, 0))
        _mark_duplicates_in_file(wh, kind)
        if progress:
            for f in live:
                progress(ProgressEvent(f.path, "write", f.scan.size, f.scan.size, None))
        with wh.transaction():
            _write(wh, kind, live, options, t0)
    finally:
        readers.drop_staging(wh)
    seconds = time.perf_counter() - t0
    total_rows = sum(f.report.rows_read for f in live) or 1
    for f in live:
        # the batch's time, shared out by rows
        f.report.seconds = seconds * f.report.rows_read / total_rows if len(live) > 1 else seconds
        if progress:
            progress(ProgressEvent(f.path, "done", f.scan.size, f.scan.size, f.report.rows_read))


#: Text files up to this size, of one dialect, are read with one ``read_csv``.
GROUP_BYTES = 64 * 1024 * 1024


def _stage_all(
    wh: Warehouse,
    kind: Kind,
    files: list[_File],
    options: ReadOptions,
    tmp: Path,
    progress: ProgressFn | None,
    on_refused: str,
) -> None:
    """Stage every file of the batch (``f.staged``), or mark it refused."""

    def refuse(f: _File, exc: IngestError) -> None:
        refused = FileRefused(f.path, str(exc))
        if on_refused == "raise":
            raise refused from None
        f.refused = refused

    plans: dict[int, readers.TextPlan] = {}
    for f in files:
        try:
            assert f.scan is not None
            fmt = readers.detect_format(f.path, f.scan, options)
            if fmt == "csv":
                plans[f.index] = readers.prepare_text(kind, f.path, f.scan, options, tmp, progress)
            else:
                f.staged = readers.stage_file(
                    wh, kind, f.path, f.scan, fmt, options, tmp, progress, tag=f.index
                )
        except IngestError as exc:
            refuse(f, exc)
    groups: dict[tuple, list[_File]] = {}
    for f in files:
        plan = plans.get(f.index)
        if plan is None:
            continue
        small = plan.read_path == f.path and plan.size <= GROUP_BYTES
        key = plan.dialect if small else ("alone", f.index)
        groups.setdefault(key, []).append(f)
    for members in groups.values():
        try:
            if len(members) == 1:
                (f,) = members
                f.staged = readers.read_text(wh, kind, plans[f.index], tmp, progress, f.index)
            else:
                staged = readers.stage_text_group(
                    wh, kind, [(f.index, plans[f.index]) for f in members], tmp, progress,
                    tag=members[0].index,
                )  # fmt: skip
                for f in members:
                    result = staged[f.index]
                    if isinstance(result, IngestError):
                        refuse(f, result)
                    else:
                        f.staged = result
        except IngestError as exc:
            for f in members:
                if f.staged is None:
                    refuse(f, exc)


def _mark_duplicates_in_file(wh: Warehouse, kind: Kind) -> None:
    """A record repeated in its file: the first occurrence that passes the
    checks is kept, the later ones are ``duplicate_in_file``."""
    keys = _key_cols(kind)
    firsts = ", ".join(
        f"first_value({_q(f)}) OVER w AS {_q('first_' + f)}" for f in kind.value_fields
    )
    same = (
        " AND ".join(f"{_q(f)} IS NOT DISTINCT FROM {_q('first_' + f)}" for f in kind.value_fields)
        or "true"
    )
    wh.sql(
        f"""CREATE OR REPLACE TEMP TABLE {DUPF} AS
        WITH ok AS (SELECT * FROM {CHK} WHERE _fail IS NULL),
        d AS (SELECT _file, {keys} FROM ok GROUP BY ALL HAVING count(*) > 1),
        x AS (SELECT ok.*, row_number() OVER w AS rn, first_value(_line) OVER w AS first_line,
                     {firsts}
              FROM ok SEMI JOIN d USING (_file, {keys})
              WINDOW w AS (PARTITION BY _file, {keys} ORDER BY _line))
        SELECT _file, _line, first_line, {same} AS same FROM x WHERE rn > 1"""
    )
    if not _count(wh, DUPF):
        return
    col = _key_column(kind)
    wh.sql(
        f"""UPDATE {CHK} SET
              _fail = 'duplicate_in_file|{col}|',
              _value = {_key_text(kind, CHK)},
              _record = {_record_json(kind, CHK)},
              _msg = {CHK}._unit || ' ' || {CHK}._line || ', column {col}: '
                     || {_key_words(kind, CHK)} || ' already appears on '
                     || {CHK}._unit || ' ' || d.first_line || ' of this file'
                     || CASE WHEN d.same THEN ', with the same content'
                        ELSE ', with different content (the first one was kept)' END,
              _resolved = CASE WHEN d.same THEN '@self' END
            FROM {DUPF} d WHERE {CHK}._file = d._file AND {CHK}._line = d._line"""
    )


# --------------------------------------------------------------------------
# the transaction
# --------------------------------------------------------------------------


def _write(wh: Warehouse, kind: Kind, files: list[_File], options: ReadOptions, t0: float) -> None:
    """Everything a batch writes to the warehouse (called inside the transaction)."""
    shas = [f.scan.sha256 for f in files]
    meanwhile = dict(
        wh.sql("SELECT sha256, load_id FROM ingest_loads WHERE list_contains(?, sha256)", [shas])
    )
    for f in files:
        if f.scan.sha256 in meanwhile:  # loaded by another process since we looked
            prev = meanwhile[f.scan.sha256]
            raise FileRefused(f.path, f"its content was loaded meanwhile (load {prev})")
    n = int(
        wh.scalar(
            "SELECT coalesce(max(TRY_CAST(substr(load_id, 2) AS BIGINT)), 0) FROM ingest_loads"
        )
    )
    for k, f in enumerate(files):
        f.load_id = f"L{n + 1 + k:05d}"
    loads = {f.index: f.load_id for f in files}
    names = {f.index: f.path.name for f in files}
    load_of = _case("_file", loads)
    table = kind.table
    keys = _key_cols(kind)
    col = _key_column(kind)
    cols = _table_columns(wh, table)

    # -- records already in the warehouse, or in several files of the batch -------
    has_rows = bool(wh.scalar(f"SELECT EXISTS (SELECT 1 FROM {table})"))
    w_cols = ", ".join(f"t.{_q(v)} AS {_q('w_' + v)}" for v in kind.value_fields)
    if has_rows:
        wh.sql(
            f"""CREATE OR REPLACE TEMP TABLE _ing_w AS
                SELECT c._file, c._line, {w_cols}, t.load_id AS w_load, t.line AS w_line
                FROM {CHK} c JOIN {table} t USING ({keys}) WHERE c._fail IS NULL"""
        )
    multi = False
    if len(files) > 1:
        wh.sql(
            f"""CREATE OR REPLACE TEMP TABLE _ing_multi AS
                SELECT {keys} FROM {CHK} WHERE _fail IS NULL GROUP BY ALL HAVING count(*) > 1"""
        )
        multi = _count(wh, "_ing_multi") > 0
    in_w = has_rows and _count(wh, "_ing_w") > 0
    corrections: dict[int, int] = {}
    unchanged_total = 0
    if in_w or multi:
        conds = []
        if in_w:
            conds.append("w._file IS NOT NULL")
        if multi:
            conds.append(f"({keys}) IN (SELECT ({keys}) FROM _ing_multi)")
        w_join = (
            "LEFT JOIN _ing_w w ON w._file = c._file AND w._line = c._line"
            if in_w
            else f"LEFT JOIN (SELECT NULL::INTEGER AS _file, NULL::BIGINT AS _line, {w_cols}, "
            f"NULL::VARCHAR AS w_load, NULL::BIGINT AS w_line FROM {table} t LIMIT 0) w ON false"
        )
        lags = ", ".join(f"lag(c.{_q(v)}) OVER k AS {_q('p_' + v)}" for v in kind.value_fields)
        wh.sql(
            f"""CREATE OR REPLACE TEMP TABLE _ing_seq AS
                SELECT c._file, c._line, {_key_cols(kind, "c")},
                       {", ".join("c." + _q(v) for v in kind.value_fields)},
                       {", ".join("w." + _q("w_" + v) for v in kind.value_fields)},
                       w._file IS NOT NULL AS w_exists, w.w_load, w.w_line,
                       lag(c._file) OVER k AS prev_file, lag(c._line) OVER k AS prev_line,
                       {lags}, row_number() OVER k AS rn
                FROM {CHK} c {w_join}
                WHERE c._fail IS NULL AND ({" OR ".join(conds)})
                WINDOW k AS (PARTITION BY {_key_cols(kind, "c")} ORDER BY c._file)"""
        )
        same = (
            f"CASE WHEN s.rn = 1 THEN s.w_exists AND {_same(kind, 's', 's', 'w_')} "
            f"ELSE {_same(kind, 's', 's', 'p_')} END"
        )
        wh.sql("ALTER TABLE _ing_seq ADD COLUMN same BOOLEAN")
        wh.sql(f"UPDATE _ing_seq s SET same = {same}")
        # same content as the version already there: quarantined, nothing to fix
        unchanged_total = _count(wh, "_ing_seq WHERE same")
        if unchanged_total:
            holder_load = f"CASE WHEN s.rn = 1 THEN s.w_load ELSE {_case('s.prev_file', loads)} END"
            holder_file = (
                f"CASE WHEN s.rn = 1 THEN l.file_name ELSE {_case('s.prev_file', names)} END"
            )
            holder_line = "CASE WHEN s.rn = 1 THEN s.w_line ELSE s.prev_line END"
            wh.sql(
                f"""UPDATE {CHK} SET
                      _fail = 'duplicate_in_warehouse|{col}|',
                      _value = {_key_text(kind, CHK)},
                      _record = {_record_json(kind, CHK)},
                      _msg = {CHK}._unit || ' ' || {CHK}._line || ', column {col}: '
                             || {_key_words(kind, CHK)}
                             || ' is already in the warehouse with the same content'
                             || coalesce(' (load ' || h.hl || coalesce(', file ' || h.hf, '')
                                         || coalesce(', line ' || h.hn, '') || ')', ''),
                      _resolved = coalesce(h.hl, '(warehouse)')
                    FROM (SELECT s._file, s._line, {holder_load} AS hl, {holder_file} AS hf,
                                 {holder_line} AS hn
                          FROM _ing_seq s LEFT JOIN ingest_loads l ON l.load_id = s.w_load
                          WHERE s.same) h
                    WHERE {CHK}._file = h._file AND {CHK}._line = h._line"""
            )
        # the other occurrences are successive versions of their record
        wh.sql(
            f"""CREATE OR REPLACE TEMP TABLE _ing_v AS
                SELECT s.*, lead(s._file) OVER k AS next_file, row_number() OVER k AS vn
                FROM _ing_seq s WHERE NOT s.same
                WINDOW k AS (PARTITION BY {_key_cols(kind, "s")} ORDER BY s._file)"""
        )
        corrections = dict(
            wh.sql("SELECT _file, count(*) FROM _ing_v WHERE vn > 1 OR w_exists GROUP BY _file")
        )
        if corrections:
            now = "now()::TIMESTAMP"
            # the version in the warehouse, replaced by the batch's first version
            wh.sql(
                f"""INSERT INTO {table}_history
                    SELECT {", ".join("t." + _q(c) for c in cols)}, {_case("v._file", loads)}, {now}
                    FROM {table} t
                    JOIN (SELECT {keys}, _file FROM _ing_v WHERE vn = 1 AND w_exists) v
                    USING ({keys})"""
            )
            # versions of the batch replaced by a later file of the batch
            hist_cols = ", ".join(
                _insert_value(c, "c", load_of.replace("_file", "c._file")) for c in cols
            )
            wh.sql(
                f"""INSERT INTO {table}_history
                    SELECT {hist_cols}, {_case("v.next_file", loads)}, {now}
                    FROM _ing_v v JOIN {CHK} c ON c._file = v._file AND c._line = v._line
                    WHERE v.next_file IS NOT NULL"""
            )
            # the last version replaces the one in the warehouse
            sets = ", ".join(f"{_q(v)} = c.{_q(v)}" for v in kind.value_fields)
            wh.sql(
                f"""UPDATE {table} SET {sets}, load_id = {load_of.replace("_file", "c._file")},
                           line = c._line
                    FROM (SELECT c.* FROM {CHK} c JOIN _ing_v v
                          ON c._file = v._file AND c._line = v._line
                          WHERE v.next_file IS NULL AND v.w_exists) c
                    WHERE {" AND ".join(f"{table}.{_q(k)} = c.{_q(k)}" for k in kind.key)}"""
            )
        wh.sql(
            """CREATE OR REPLACE TEMP TABLE _ing_noins AS
               SELECT _file, _line FROM _ing_v WHERE next_file IS NOT NULL OR w_exists"""
        )
    noins = in_w or multi

    # -- new records ---------------------------------------------------------------
    select = ", ".join(_insert_value(c, "c", load_of.replace("_file", "c._file")) for c in cols)
    anti = (
        "AND NOT EXISTS (SELECT 1 FROM _ing_noins x WHERE x._file = c._file AND x._line = c._line)"
        if noins
        else ""
    )
    wh.sql(
        f"""INSERT INTO {table} ({", ".join(_q(c) for c in cols)})
            SELECT {select} FROM {CHK} c WHERE c._fail IS NULL {anti}"""
    )

    # -- quarantine -------------------------------------------------------------------
    message = validate.message_sql(kind, options.date_range())
    wh.sql(
        f"""INSERT INTO ingest_quarantine
            SELECT {load_of}, '{kind.name}', {_case("_file", names)}, _line,
                   split_part(_fail, '|', 2), split_part(_fail, '|', 1), _value, {message},
                   _others, {_key_text(kind)}, _record,
                   CASE WHEN _resolved = '@self' THEN {load_of} ELSE _resolved END
            FROM {CHK} WHERE _fail IS NOT NULL"""
    )
    for f in files:
        rej = f.staged.rejects
        if rej:
            wh.sql(
                """INSERT INTO ingest_quarantine
                   SELECT ?, ?, ?, unnest(?::BIGINT[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),
                          unnest(?::VARCHAR[]) AS v, unnest(?::VARCHAR[]), NULL, NULL,
                          to_json(struct_pack(_raw := unnest(?::VARCHAR[])))::VARCHAR, NULL""",
                [
                    f.load_id, kind.name, f.path.name,
                    [r.line for r in rej], [r.column for r in rej], [r.rule for r in rej],
                    [r.value for r in rej], [r.message for r in rej], [r.value for r in rej],
                ],
            )  # fmt: skip
    # earlier quarantined versions of the records now loaded are resolved
    # (rows of the batch's own files matter only when a later file may fix them)
    own = [f.load_id for f in files] if len(files) == 1 else []
    open_rows = wh.scalar(
        "SELECT count(*) FROM ingest_quarantine WHERE resolved_by IS NULL AND kind = ?"
        " AND NOT list_contains(?, load_id)",
        [kind.name, own],
    )
    if open_rows:
        file_of_load = " ".join(f"WHEN {_lit(v)} THEN {i}" for i, v in loads.items())
        wh.sql(
            f"""UPDATE ingest_quarantine q SET resolved_by = x.load_id
                FROM (SELECT {_key_text(kind)} AS k, max(_file) AS lf,
                             {load_of.replace("_file", "max(_file)")} AS load_id
                      FROM {CHK} WHERE _fail IS NULL GROUP BY 1) x
                WHERE q.resolved_by IS NULL AND q.kind = '{kind.name}' AND q.record_key = x.k
                  AND coalesce(CASE q.load_id {file_of_load} END, -1) < x.lf"""
        )

    # -- counts, totals, ledger ---------------------------------------------------------
    wh.sql(
        f"""INSERT INTO ingest_totals
            SELECT {load_of}, _grp, count(*), sum(_amt),
                   count(*) FILTER (WHERE _fail IS NULL), sum(_amt) FILTER (WHERE _fail IS NULL)
            FROM {CHK} GROUP BY _file, _grp"""
    )
    counts = {
        r[0]: r[1:]
        for r in wh.sql(
            f"""SELECT _file, count(*), count(*) FILTER (WHERE _fail IS NULL),
                       count(*) FILTER (WHERE _fail LIKE 'duplicate%'),
                       count(*) FILTER (WHERE _fail LIKE 'duplicate_in_warehouse%')
                FROM {CHK} GROUP BY _file"""
        )
    }
    rules: dict[int, dict[str, int]] = {}
    for i, rule, n_rule in wh.sql(
        f"""SELECT _file, split_part(_fail, '|', 1), count(*) FROM {CHK}
            WHERE _fail IS NOT NULL GROUP BY ALL ORDER BY 1, 2"""
    ):
        rules.setdefault(i, {})[rule] = int(n_rule)
    total_rows = sum(int(c[0]) for c in counts.values()) or 1
    for f in files:
        st = f.staged
        n_chk, loaded, duplicates, unchanged = (int(x) for x in counts.get(f.index, (0, 0, 0, 0)))
        rows_read = n_chk + len(st.rejects)
        file_rules = dict(rules.get(f.index, {}))
        for r in st.rejects:
            file_rules[r.rule] = file_rules.get(r.rule, 0) + 1
        if st.rejects:
            wh.sql(
                "INSERT INTO ingest_totals VALUES (?, '(unreadable)', ?, NULL, 0, NULL)",
                [f.load_id, len(st.rejects)],
            )
        n_corr = int(corrections.get(f.index, 0))
        seconds = (time.perf_counter() - t0) * max(n_chk, 1) / total_rows
        wh.sql(
            """INSERT INTO ingest_loads VALUES
               (?, ?, ?, ?, ?, ?, now()::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                f.load_id, kind.name, f.path.name, str(f.path.resolve()), f.scan.sha256,
                f.scan.size, st.format, st.encoding, st.separator, st.decimal, st.sheet,
                st.header_line, rows_read, loaded, rows_read - loaded, duplicates, n_corr,
                st.blank_rows, seconds,
            ],
        )  # fmt: skip
        f.report = LoadReport(
            file=f.path, kind=kind.name, sha256=f.scan.sha256, size_bytes=f.scan.size,
            status="loaded", load_id=f.load_id, rows_read=rows_read, loaded=loaded,
            quarantined=rows_read - loaded, duplicates=duplicates, unchanged=unchanged,
            corrections=n_corr, blank_rows=st.blank_rows, format=st.format,
            encoding=st.encoding, separator=st.separator, decimal=st.decimal, sheet=st.sheet,
            header_line=st.header_line, ignored_columns=st.ignored_columns,
            notes=list(st.notes), rules=file_rules,
        )  # fmt: skip
    totals = _totals(wh, [f.load_id for f in files])
    for f in files:
        f.report.totals = totals.get(f.load_id, {})


def _insert_value(column: str, alias: str, load_expr: str) -> str:
    """SQL value of a warehouse column for a row of ``_ing_chk``."""
    if column == "load_id":
        return load_expr
    if column == "line":
        return f"{alias}._line"
    return f"{alias}.{_q(column)}"


Totals = dict[str, tuple[int, Decimal | None, int, Decimal | None]]


def _totals(wh: Warehouse, load_ids: list[str]) -> dict[str, Totals]:
    """Control totals of each load: group -> (rows read, amount read, rows loaded,
    amount loaded)."""
    out: dict[str, Totals] = {i: {} for i in load_ids}
    rows = wh.sql(
        """SELECT load_id, grp, rows_read, amount_read, rows_loaded, amount_loaded
           FROM ingest_totals WHERE list_contains(?, load_id) ORDER BY load_id, grp""",
        [load_ids],
    )
    for load_id, grp, n_read, a_read, n_loaded, a_loaded in rows:
        out[load_id][grp] = (int(n_read), a_read, int(n_loaded), a_loaded)
    return out
