"""Reading bank files as they are really sent, into a staging table of text.

A file is read in three steps:

1. :func:`scan_file` streams through the bytes once: SHA-256 (the ledger's
   key), size, and what the text looks like (line ends, quotes, blank lines,
   whether it is valid UTF-8, NUL bytes).
2. The format is recognised (Parquet, Excel, else delimited text) and, for
   text, the encoding, separator, header line and decimal separator are
   detected from the first megabyte, unless the user states them.
3. The rows are staged into a temporary DuckDB table of text columns, every
   row with the physical line of the file where it starts (header = line 1),
   or its row number in an Excel sheet or a Parquet file. Lines that cannot
   be split into the file's columns are kept aside as *rejects* with their
   line, to be quarantined.

Text files are read by DuckDB's ``read_csv`` with every column as text and
``store_rejects``; DuckDB does not give the line of each row, so lines are
rebuilt from the row's rank, the newlines inside quoted values and the lines
DuckDB skipped (blank lines, rejected lines). Files that are not UTF-8 are
first transcoded to a temporary UTF-8 copy. Excel files are read with
python-calamine (DuckDB's excel extension cannot be downloaded here).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import math
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from marsad.engine.warehouse import Warehouse
from marsad.ingest.schema import Kind, normalise_header

CHUNK = 16 * 1024 * 1024
SNIFF_BYTES = 256 * 1024
HEADER_SEARCH_ROWS = 50
SEPARATORS = (",", ";", "\t", "|")
#: Staging tables (temporary: never in the warehouse file).
RAW = "_ing_raw"
REJ_ERRORS = "_ing_rej_errors"
REJ_SCANS = "_ing_rej_scans"
NL = "_ing_nl"
SKIP = "_ing_skip"


class IngestError(Exception):
    """Ingestion failed for a reason the user can act on (message in plain words)."""


class FileRefused(IngestError):
    """The file as a whole cannot be loaded (unreadable, a required column missing, …)."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")


@dataclass
class ReadOptions:
    """What the user states about the files; ``None`` means detect it.

    ``sep`` is the field separator (``,`` ``;`` tab ``|``); ``decimal`` the
    decimal separator (``.`` or ``,``); ``encoding`` any Python codec name
    (``utf-8``, ``cp1252``, ``latin-1``, ``utf-16``); ``sheet`` an Excel sheet
    name or 1-based number. Dates must lie in ``[min_date, max_date]``
    (``max_date`` defaults to today).
    """

    sep: str | None = None
    decimal: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    format: str | None = None  # csv | parquet | excel
    min_date: dt.date = dt.date(2000, 1, 1)
    max_date: dt.date | None = None
    #: DuckDB memory limit while loading (e.g. "2GB"): beyond it, staging spills
    #: to disk. None keeps the connection's setting (DuckDB: 80 % of the RAM).
    memory_limit: str | None = None

    def date_range(self) -> tuple[dt.date, dt.date]:
        return self.min_date, self.max_date or dt.date.today()


@dataclass
class ProgressEvent:
    """Sent to the ``progress`` callback while a file loads.

    ``phase`` is ``hash``, ``read``, ``check``, ``write`` or ``done``; ``done``
    and ``total`` are bytes for ``hash`` and ``read``; ``rows`` is the rows
    read so far, exact when ``phase == "done"`` and estimated before.
    """

    file: Path
    phase: str
    done: float = 0.0
    total: float = 0.0
    rows: int | None = None


ProgressFn = Callable[[ProgressEvent], None]


@dataclass
class FileScan:
    """What one pass over the bytes found."""

    path: Path
    size: int
    sha256: str
    head: bytes
    newlines: int = 0
    quotes: int = 0
    utf8_ok: bool = True
    has_nul: bool = False
    content_lines: int = 0  # physical lines up to the last one holding text


@dataclass
class Reject:
    """A line that could not be split into the file's columns."""

    line: int
    rule: str
    column: str | None
    value: str
    message: str


@dataclass
class Staged:
    """A file staged as text: ``source`` is a SELECT giving ``_line`` and one
    VARCHAR column per field of the kind (NULL when an optional column is
    absent), and ``_blank`` (every cell empty)."""

    source: str
    rejects: list[Reject]
    unit: str  # "line" (text) or "row" (Excel, Parquet)
    format: str
    encoding: str | None = None
    separator: str | None = None
    decimal: str = "."
    sheet: str | None = None
    header_line: int | None = None
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    estimated_rows: int | None = None
    blank_rows: int = 0
    rows_staged: int | None = None
    #: ``source`` already gives ``_file``, ``_dec`` and ``_unit`` (a group of files
    #: read together); an empty source means the rows are in another file's
    full_source: bool = False


# --------------------------------------------------------------------------
# 1. one pass over the bytes
# --------------------------------------------------------------------------


class _TextStats:
    """Counts over a byte stream given in chunks: newlines, quotes, and the
    newlines after the last character that is not a line end or a space."""

    def __init__(self) -> None:
        self.newlines = 0
        self.quotes = 0
        self.trailing_newlines = 0

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        self.newlines += chunk.count(b"\n")
        self.quotes += chunk.count(b'"')
        end = len(chunk)
        i = end - 1
        while i >= 0 and chunk[i] in b"\r\n\t ":
            i -= 1
        if i < 0:
            self.trailing_newlines += chunk.count(b"\n")
        else:
            self.trailing_newlines = chunk.count(b"\n", i + 1)

    @property
    def content_lines(self) -> int:
        """Physical lines up to the last one holding text."""
        return self.newlines - self.trailing_newlines + 1


def scan_file(path: Path, progress: ProgressFn | None = None) -> FileScan:
    """SHA-256 and text statistics of ``path`` in one streaming pass."""
    size = path.stat().st_size
    sha = hashlib.sha256()
    stats = _TextStats()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    has_nul = False
    head = b""
    done = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            if not head:
                head = chunk[:SNIFF_BYTES]
            sha.update(chunk)
            stats.feed(chunk)
            if not has_nul and b"\x00" in chunk:
                has_nul = True
            if utf8_ok and not chunk.isascii():
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8_ok = False
            elif utf8_ok and decoder.getstate()[0]:
                # a multi-byte character cut at the end of the previous chunk
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8_ok = False
            done += len(chunk)
            if progress:
                progress(ProgressEvent(path, "hash", done, size))
    if utf8_ok:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
    return FileScan(
        path=path,
        size=size,
        sha256=sha.hexdigest(),
        head=head,
        newlines=stats.newlines,
        quotes=stats.quotes,
        utf8_ok=utf8_ok,
        has_nul=has_nul,
        content_lines=stats.content_lines,
    )


def detect_format(path: Path, scan: FileScan, options: ReadOptions) -> str:
    """``parquet``, ``excel`` or ``csv``, from the stated format, the magic bytes
    or the file name."""
    if options.format:
        fmt = options.format.lower()
        aliases = {"xlsx": "excel", "xls": "excel", "xlsm": "excel", "txt": "csv", "tsv": "csv"}
        fmt = aliases.get(fmt, fmt)
        if fmt not in ("csv", "parquet", "excel"):
            raise IngestError(f"unknown format {options.format!r}: use csv, parquet or excel")
        return fmt
    head = scan.head
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        return "excel"
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return "parquet"
    if suffix in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        return "excel"
    return "csv"


# --------------------------------------------------------------------------
# 2. encodings
# --------------------------------------------------------------------------


def _latin1_fallback(err: UnicodeError) -> tuple[str, int]:
    """Decode the 5 bytes Windows-1252 leaves undefined as Latin-1."""
    assert isinstance(err, UnicodeDecodeError)
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error("marsad_latin1", _latin1_fallback)

_ENCODING_LABELS = {
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8",
    "cp1252": "windows-1252",
    "latin-1": "latin-1",
    "iso8859-1": "latin-1",
    "utf-16": "utf-16",
    "utf-16-le": "utf-16-le",
    "utf-16-be": "utf-16-be",
}


def choose_encoding(scan: FileScan, options: ReadOptions) -> tuple[str, str, bool]:
    """(python codec, label reported, stated by the user)."""
    if options.encoding:
        try:
            codec = codecs.lookup(options.encoding).name
        except LookupError:
            raise IngestError(
                f"unknown encoding {options.encoding!r} (try utf-8, cp1252, latin-1, utf-16)"
            ) from None
        return codec, _ENCODING_LABELS.get(codec, codec), True
    head = scan.head
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", "utf-8 (with BOM)", False
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "utf-16", False
    if scan.utf8_ok:
        return "utf-8", "utf-8", False
    return "cp1252", "windows-1252", False


def transcode(src: Path, codec: str, dst: Path, progress: ProgressFn | None = None) -> _TextStats:
    """Write ``src`` decoded with ``codec`` to ``dst`` as UTF-8; stats of the output."""
    errors = "marsad_latin1" if codec in ("cp1252",) else "replace"
    decoder = codecs.getincrementaldecoder(codec)(errors=errors)
    stats = _TextStats()
    size = src.stat().st_size
    done = 0
    first = True
    with src.open("rb") as fin, dst.open("wb") as fout:
        while chunk := fin.read(CHUNK):
            text = decoder.decode(chunk)
            if first:
                text = text.lstrip("\ufeff")
                first = False
            out = text.encode("utf-8")
            stats.feed(out)
            fout.write(out)
            done += len(chunk)
            if progress:
                progress(ProgressEvent(src, "read", done * 0.2, size))
        out = decoder.decode(b"", final=True).encode("utf-8")
        stats.feed(out)
        fout.write(out)
    return stats


def normalise_line_ends(src: Path, dst: Path) -> _TextStats:
    """Copy ``src`` to ``dst`` with CRLF line ends turned into LF."""
    stats = _TextStats()
    carry = b""
    with src.open("rb") as fin, dst.open("wb") as fout:
        while chunk := fin.read(CHUNK):
            chunk = carry + chunk
            carry = b""
            if chunk.endswith(b"\r"):
                carry, chunk = b"\r", chunk[:-1]
            out = chunk.replace(b"\r\n", b"\n")
            stats.feed(out)
            fout.write(out)
        if carry:
            stats.feed(carry)
            fout.write(carry)
    return stats


# --------------------------------------------------------------------------
# 3. header, separator and decimal separator
# --------------------------------------------------------------------------


@dataclass
class Header:
    line: int  # physical line of the header (1-based)
    cells: list[str]  # normalised names, one per column of the file
    mapping: dict[str, int]  # field -> column index


def _records(text: str, sep: str) -> Iterator[tuple[int, list[str]]]:
    """(start line, cells) of the records of ``text``; blank lines skipped."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar='"', strict=False)
    start = 1
    try:
        for rec in reader:
            if rec and any(c.strip() for c in rec):
                yield start, rec
            start = reader.line_num + 1
    except csv.Error:
        return


def find_header(
    rows: Iterator[tuple[int, list]], kind: Kind, limit: int = HEADER_SEARCH_ROWS
) -> tuple[Header | None, int, list[str]]:
    """Find the header among the first ``limit`` rows: the first row naming
    every required column. Returns (header or None, best match count, names
    of the best candidate)."""
    required = kind.required_columns
    best = (0, [])
    for n, (line, cells) in enumerate(rows):
        if n >= limit:
            break
        names = [normalise_header(c) for c in cells]
        found = [r for r in required if r in names]
        if len(found) > best[0]:
            best = (len(found), names)
        if len(found) == len(required):
            mapping = {}
            for f in kind.field_names:
                idx = [i for i, name in enumerate(names) if name == f]
                if len(idx) > 1:
                    raise IngestError(f"the column {f} appears {len(idx)} times in the header")
                if idx:
                    mapping[f] = idx[0]
            return Header(line=line, cells=names, mapping=mapping), len(found), names
    return None, best[0], best[1]


def header_problem(kind: Kind, best_names: list[str], where: str) -> str:
    """Plain message for a file whose header lacks required columns."""
    required = kind.required_columns
    names = [n for n in best_names if n]
    found = [r for r in required if r in names]
    if not found:
        return (
            f"no header row naming the {kind.name} columns "
            f"({', '.join(required)}) was found in the first {HEADER_SEARCH_ROWS} "
            f"{where}: is this a {kind.name} file, and is it readable text?"
        )
    missing = [r for r in required if r not in names]
    word = "column" if len(missing) == 1 else "columns"
    verb = "is" if len(missing) == 1 else "are"
    return f"required {word} {', '.join(missing)} {verb} missing (header has: {', '.join(names)})"


def sniff_separator_and_header(text: str, kind: Kind, options: ReadOptions) -> tuple[str, Header]:
    candidates = (options.sep,) if options.sep else SEPARATORS
    best: tuple[int, list[str]] = (-1, [])
    for sep in candidates:
        header, score, names = find_header(_records(text, sep), kind)
        if header is not None:
            return sep, header
        if score > best[0]:
            best = (score, names)
    raise IngestError(header_problem(kind, best[1], "lines"))


_GROUPED = re.compile(r"^[+-]?\d{1,3}([.,  \u202f'])\d{3}(\1\d{3})*$")


def detect_decimal(values: list[str], sep: str | None) -> str:
    """``.`` or ``,``: which one the numbers use as decimal separator."""
    point = comma = ambiguous = 0
    for raw in values:
        v = raw.strip()
        if not v:
            continue
        has_p, has_c = "." in v, "," in v
        if has_p and has_c:
            if v.rfind(".") > v.rfind(","):
                point += 1
            else:
                comma += 1
        elif has_c or has_p:
            mark = "," if has_c else "."
            if v.count(mark) > 1:  # 1.234.567 or 1,234,567: grouping
                comma, point = (comma + 1, point) if mark == "." else (comma, point + 1)
            elif len(v.rsplit(mark, 1)[1]) == 3 and _GROUPED.match(v):
                ambiguous += 1  # 1,234 or 1.234
            elif mark == ",":
                comma += 1
            else:
                point += 1
    if comma > point:
        return ","
    if point > comma:
        return "."
    return "," if sep == ";" and ambiguous else "."


# --------------------------------------------------------------------------
# 4. staging
# --------------------------------------------------------------------------


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def raw_table(tag: int) -> str:
    """Name of the staging table of the ``tag``-th file of a batch."""
    return f"{RAW}_{tag}"


def drop_staging(wh: Warehouse, keep: tuple[str, ...] = ()) -> None:
    """Drop the temporary tables of ingest (staging, checks, helpers) but ``keep``."""
    names = wh.sql(
        "SELECT table_name FROM duckdb_tables() WHERE temporary"
        " AND starts_with(table_name, '_ing_') AND NOT starts_with(table_name, '_ing_ref_')"
    )
    for (name,) in names:
        if name not in keep:
            wh.sql(f"DROP TABLE IF EXISTS {_q(name)}")


@contextlib.contextmanager
def watch_progress(
    wh: Warehouse, path: Path, size: int, progress: ProgressFn | None, rows_est: int | None
) -> Iterator[None]:
    """While a long DuckDB statement runs, report its progress."""
    if progress is None:
        yield
        return
    con = wh.ibis.con
    with contextlib.suppress(duckdb.Error):
        con.execute("SET enable_progress_bar = true")
        con.execute("SET enable_progress_bar_print = false")
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.2):
            try:
                pct = con.query_progress()
            except Exception:
                return
            if pct is not None and pct >= 0:
                rows = int(rows_est * pct / 100) if rows_est else None
                progress(ProgressEvent(path, "read", size * (0.2 + 0.8 * pct / 100), size, rows))

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def stage_file(
    wh: Warehouse,
    kind: Kind,
    path: Path,
    scan: FileScan,
    fmt: str,
    options: ReadOptions,
    tmpdir: Path,
    progress: ProgressFn | None = None,
    tag: int = 0,
) -> Staged:
    """Stage ``path`` into the temporary table ``_ing_raw_<tag>``; see :class:`Staged`."""
    if fmt == "parquet":
        return _stage_parquet(wh, kind, path, options, tag)
    if fmt == "excel":
        return _stage_excel(wh, kind, path, options, tag)
    return _stage_text(wh, kind, path, scan, options, tmpdir, progress, tag)


# -- text ----------------------------------------------------------------------


@dataclass
class TextPlan:
    """What was found about a text file before reading it."""

    path: Path
    read_path: Path  # the UTF-8 bytes DuckDB reads (a transcoded copy when needed)
    size: int
    sep: str
    header: Header
    decimal: str
    encoding: str
    quotes: int
    content_lines: int
    rows_est: int | None
    notes: list[str]

    @property
    def dialect(self) -> tuple:
        """Files with the same dialect can be read together."""
        return (self.sep, self.header.line, tuple(self.header.cells))


def prepare_text(
    kind: Kind,
    path: Path,
    scan: FileScan,
    options: ReadOptions,
    tmpdir: Path,
    progress: ProgressFn | None,
) -> TextPlan:
    if scan.size == 0:
        raise IngestError("the file is empty")
    codec, enc_label, stated = choose_encoding(scan, options)
    if scan.has_nul and not codec.startswith("utf-16"):
        raise IngestError(
            "the file holds binary data (NUL bytes): it is not a text (CSV) file; "
            "Excel and Parquet files are recognised by their content"
        )
    head_text = scan.head.decode(codec, errors="marsad_latin1" if codec == "cp1252" else "replace")
    head_text = head_text.lstrip("\ufeff")
    if len(scan.head) < scan.size:  # cut at the last complete line
        head_text = head_text[: max(head_text.rfind("\n"), 0) + 1]
    if options.sep and len(options.sep) != 1:
        raise IngestError(f"the separator must be one character, not {options.sep!r}")
    sep, header = sniff_separator_and_header(head_text, kind, options)

    # decimal separator, from the sample
    decimal = options.decimal
    dec_field = next((f.name for f in kind.fields if f.type == "decimal"), None)
    if decimal is None:
        values = []
        if dec_field is not None:
            idx = header.mapping[dec_field]
            for n, (line, cells) in enumerate(_records(head_text, sep)):
                if line <= header.line:
                    continue
                if n > 2000:
                    break
                if idx < len(cells):
                    values.append(cells[idx])
        decimal = detect_decimal(values, sep)
    if decimal not in (".", ","):
        raise IngestError(f"the decimal separator must be '.' or ',', not {decimal!r}")

    # the bytes DuckDB reads: UTF-8, transcoded when needed
    read_path = path
    quotes, content_lines = scan.quotes, scan.content_lines
    if codec not in ("utf-8", "utf-8-sig", "ascii"):
        read_path = tmpdir / (path.name + ".utf8")
        stats = transcode(path, codec, read_path, progress)
        quotes, content_lines = stats.quotes, stats.content_lines
    rows_est = None
    sample_lines = head_text.count("\n")
    if sample_lines > header.line:
        rows_est = int(scan.size * (sample_lines - header.line) / max(len(scan.head), 1))
    return TextPlan(
        path=path,
        read_path=read_path,
        size=scan.size,
        sep=sep,
        header=header,
        decimal=decimal,
        encoding=enc_label + (" (stated)" if stated else ""),
        quotes=quotes,
        content_lines=content_lines,
        rows_est=rows_est,
        notes=[],
    )


def _read_csv_sql(paths: list[Path], plan: TextPlan, raw: str, filename: bool) -> str:
    ncols = len(plan.header.cells)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(ncols)) + "}"
    files = "[" + ", ".join(_lit(str(p)) for p in paths) + "]"
    return f"""CREATE OR REPLACE TEMP TABLE {raw} AS SELECT * FROM read_csv({files},
        header = true, skip = {plan.header.line - 1}, auto_detect = false,
        columns = {columns}, delim = {_lit(plan.sep)}, quote = '"', escape = '"',
        strict_mode = true, null_padding = false, ignore_errors = true,
        store_rejects = true, rejects_table = '{REJ_ERRORS}',
        rejects_scan = '{REJ_SCANS}', filename = {str(filename).lower()}, parallel = true)"""


def _fields_sql(kind: Kind, header: Header) -> str:
    cols = []
    for f in kind.fields:
        idx = header.mapping.get(f.name)
        cols.append(
            f"c{idx} AS {_q(f.name)}" if idx is not None else f"NULL::VARCHAR AS {_q(f.name)}"
        )
    blank = "(" + " AND ".join(f"c{i} IS NULL" for i in range(len(header.cells))) + ")"
    return f"{', '.join(cols)}, {blank} AS _blank"


def _ignored(header: Header) -> list[str]:
    return [
        name or f"(column {i + 1})"
        for i, name in enumerate(header.cells)
        if i not in header.mapping.values()
    ]


def _stage_text(
    wh: Warehouse,
    kind: Kind,
    path: Path,
    scan: FileScan,
    options: ReadOptions,
    tmpdir: Path,
    progress: ProgressFn | None,
    tag: int,
) -> Staged:
    plan = prepare_text(kind, path, scan, options, tmpdir, progress)
    return read_text(wh, kind, plan, tmpdir, progress, tag)


def read_text(
    wh: Warehouse,
    kind: Kind,
    plan: TextPlan,
    tmpdir: Path,
    progress: ProgressFn | None,
    tag: int,
) -> Staged:
    raw = raw_table(tag)
    header = plan.header
    ncols = len(header.cells)
    path = plan.path

    def read(p: Path) -> None:
        wh.sql(f"DROP TABLE IF EXISTS {REJ_ERRORS}")
        wh.sql(f"DROP TABLE IF EXISTS {REJ_SCANS}")
        wh.sql(_read_csv_sql([p], plan, raw, filename=False))

    with watch_progress(wh, path, plan.size, progress, plan.rows_est):
        try:
            read(plan.read_path)
        except duckdb.Error as exc:
            msg = str(exc)
            if "state machine" not in msg and "new line" not in msg.lower():
                raise IngestError(f"the file cannot be read as CSV: {_first_line(msg)}") from None
            # mixed line ends (CRLF and LF): read a copy with LF only
            fixed = tmpdir / (path.name + ".lf")
            stats = normalise_line_ends(plan.read_path, fixed)
            plan.quotes, plan.content_lines = stats.quotes, stats.content_lines
            plan.read_path = fixed
            try:
                read(plan.read_path)
            except duckdb.Error as exc2:
                raise IngestError(
                    f"the file cannot be read as CSV: {_first_line(str(exc2))}"
                ) from None
            plan.notes.append("mixed line ends (CRLF and LF) were read as one")

    rejects, skip_lines = _collect_rejects(wh, plan.read_path, header, ncols)
    rows, nl_total = _count_rows(wh, ncols, tag, plan.quotes > 0)
    # lines up to the last record, if no blank line was skipped between records
    expected = header.line + rows + nl_total + len(skip_lines)
    if plan.content_lines > expected:
        skip_lines.extend(_blank_lines(plan.read_path, header.line))
    from_sql = _line_source(wh, header.line, nl_total > 0, sorted(set(skip_lines)), tag)
    return Staged(
        source=f"SELECT _line, {_fields_sql(kind, header)} FROM {from_sql}",
        rejects=rejects,
        unit="line",
        format="csv",
        encoding=plan.encoding,
        separator=plan.sep,
        decimal=plan.decimal,
        header_line=header.line,
        ignored_columns=_ignored(header),
        notes=plan.notes,
        estimated_rows=plan.rows_est,
        rows_staged=rows,
    )


def _read_alone(
    wh: Warehouse, kind: Kind, plan: TextPlan, tmpdir: Path, progress: ProgressFn | None, i: int
) -> Staged | IngestError:
    try:
        return read_text(wh, kind, plan, tmpdir, progress, tag=100_000 + i)
    except IngestError as exc:
        return exc


def stage_text_group(
    wh: Warehouse,
    kind: Kind,
    plans: list[tuple[int, TextPlan]],
    tmpdir: Path,
    progress: ProgressFn | None,
    tag: int,
) -> dict[int, Staged | IngestError]:
    """Read several small text files of one dialect with one ``read_csv``, into
    one table: one DuckDB scan instead of many, and checks that run in
    parallel. The files whose rows need line corrections (a rejected line, a
    newline inside a quoted value, a blank line) are staged on their own."""
    first = plans[0][1]
    raw = raw_table(tag)
    wh.sql(f"DROP TABLE IF EXISTS {REJ_ERRORS}")
    wh.sql(f"DROP TABLE IF EXISTS {REJ_SCANS}")
    try:
        wh.sql(_read_csv_sql([p.read_path for _, p in plans], first, raw, filename=True))
    except duckdb.Error:  # e.g. mixed line ends in one of them: each on its own
        return {i: _read_alone(wh, kind, p, tmpdir, progress, i) for i, p in plans}
    ncols = len(first.header.cells)
    by_name = {str(p.read_path): i for i, p in plans}
    spans = {
        by_name[name]: (int(lo), int(hi), int(n))
        for name, lo, hi, n in wh.sql(
            f"SELECT filename, min(rowid), max(rowid), count(*) FROM {raw} GROUP BY filename"
        )
    }
    try:
        rejected = {
            by_name[r[0]]
            for r in wh.sql(
                f"""SELECT DISTINCT s.file_path FROM {REJ_ERRORS} e
                    JOIN {REJ_SCANS} s USING (scan_id, file_id)"""
            )
        }
    except duckdb.CatalogException:
        rejected = set()
    has_nl = " OR ".join(f"contains(c{i}, chr(10))" for i in range(ncols))
    with_nl = (
        {by_name[r[0]] for r in wh.sql(f"SELECT DISTINCT filename FROM {raw} WHERE {has_nl}")}
        if any(p.quotes for _, p in plans)
        else set()
    )
    simple, out = [], {}
    for i, p in plans:
        lo, hi, n = spans.get(i, (0, -1, 0))
        contiguous = hi - lo + 1 == n
        # without rejects, embedded newlines or blank lines, line = header + 1 + rank
        plain = p.content_lines <= p.header.line + n
        if i in rejected or i in with_nl or not contiguous or not plain:
            out[i] = _read_alone(wh, kind, p, tmpdir, progress, i)
        else:
            simple.append((i, p, lo, n))
    if not simple:
        return out
    decimals = {p.decimal for _, p, _, _ in simple}
    starts = " ".join(f"WHEN {_lit(str(p.read_path))} THEN {lo}" for _, p, lo, _ in simple)
    files = " ".join(f"WHEN {_lit(str(p.read_path))} THEN {i}" for i, p, _, _ in simple)
    decs = (
        _lit(next(iter(decimals)))
        if len(decimals) == 1
        else "CASE filename "
        + " ".join(f"WHEN {_lit(str(p.read_path))} THEN {_lit(p.decimal)}" for _, p, _, _ in simple)
        + " END"
    )
    source = (
        f"SELECT CASE filename {files} END AS _file, {decs} AS _dec, 'line' AS _unit, "
        f"{first.header.line + 1} + rowid - CASE filename {starts} END AS _line, "
        f"{_fields_sql(kind, first.header)} FROM {raw} "
        f"WHERE filename IN ({', '.join(_lit(str(p.read_path)) for _, p, _, _ in simple)})"
    )
    for k, (i, p, _, n) in enumerate(simple):
        out[i] = Staged(
            source=source if k == 0 else "",  # the group's rows are listed once
            rejects=[],
            unit="line",
            format="csv",
            encoding=p.encoding,
            separator=p.sep,
            decimal=p.decimal,
            header_line=p.header.line,
            ignored_columns=_ignored(p.header),
            notes=p.notes,
            estimated_rows=p.rows_est,
            rows_staged=n,
            full_source=True,
        )
    return out


def _first_line(msg: str) -> str:
    lines = [ln.strip() for ln in msg.splitlines() if ln.strip()]
    return lines[0] if lines else msg


_FOUND = re.compile(r"Found:\s*(\d+)")


def _collect_rejects(
    wh: Warehouse, read_path: Path, header: Header, ncols: int
) -> tuple[list[Reject], list[int]]:
    """Rejected lines with their physical line; the list of lines they cover."""
    try:
        rows = wh.sql(
            f"""SELECT line_byte_position, min(error_type)::VARCHAR, min(csv_line),
                       min(error_message), min(column_name)
                FROM {REJ_ERRORS} GROUP BY line_byte_position ORDER BY line_byte_position"""
        )
    except duckdb.CatalogException:  # no rejects table: nothing was rejected
        return [], []
    if not rows:
        return [], []
    positions = [int(r[0]) for r in rows]
    lines = _lines_at(read_path, positions)
    rejects: list[Reject] = []
    covered: list[int] = []
    for (_, etype, csv_line, emsg, column), line in zip(rows, lines, strict=True):
        text = (csv_line or "").strip("\r\n")
        span = text.count("\n") + 1
        covered.extend(range(line, line + span))
        shown = text if len(text) <= 300 else text[:300] + "…"
        if etype == "INVALID ENCODING":
            rule, msg = (
                "encoding",
                (
                    f"line {line} holds bytes that are not valid UTF-8 text "
                    "(state the file's encoding with --encoding, e.g. --encoding cp1252)"
                ),
            )
            column = None
        elif etype in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
            m = _FOUND.search(emsg or "")
            found = m.group(1) if m else "a different number of"
            rule = "malformed"
            msg = f"line {line} has {found} fields where the header has {ncols}"
            column = None
        elif etype == "UNQUOTED VALUE":
            rule = "malformed"
            msg = (
                f"line {line}"
                + (f", column {_colname(header, column)}" if column else "")
                + ": a quoted value is not closed properly"
            )
            column = _colname(header, column) if column else None
        elif etype == "LINE SIZE OVER MAXIMUM":
            rule, msg, column = "malformed", f"line {line} is too long to be a record", None
        else:
            rule, msg, column = "malformed", f"line {line} cannot be read: {emsg}", None
        rejects.append(Reject(line=line, rule=rule, column=column, value=shown, message=msg))
    return rejects, covered


def _colname(header: Header, duck_name: str | None) -> str | None:
    if not duck_name or not duck_name.startswith("c"):
        return duck_name
    try:
        idx = int(duck_name[1:])
    except ValueError:
        return duck_name
    for f, i in header.mapping.items():
        if i == idx:
            return f
    return header.cells[idx] if idx < len(header.cells) else duck_name


def _lines_at(path: Path, positions: list[int]) -> list[int]:
    """Physical line (1-based) of each byte position DuckDB reported."""
    out = []
    count = 0
    offset = 0
    it = iter(sorted(set(positions)))
    found: dict[int, int] = {}
    target = next(it, None)
    with path.open("rb") as fh:
        while target is not None and (chunk := fh.read(CHUNK)):
            end = offset + len(chunk)
            while target is not None and target <= end:
                found[target] = count + chunk.count(b"\n", 0, target - offset) + 1
                target = next(it, None)
            count += chunk.count(b"\n")
            offset = end
    for p in positions:
        out.append(found.get(p, count + 1))
    return out


def _blank_lines(path: Path, header_line: int) -> list[int]:
    """Physical lines after the header that are blank (outside quoted values)."""
    out = []
    in_quotes = False
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            if n > header_line and not in_quotes and not raw.strip(b"\r\n"):
                out.append(n)
            if raw.count(b'"') % 2:
                in_quotes = not in_quotes
    return out


def _count_rows(wh: Warehouse, ncols: int, tag: int, maybe_newlines: bool) -> tuple[int, int]:
    """Rows staged, and newlines inside quoted values; rows holding such
    newlines go to ``_ing_nl_<tag>`` (rank, running count)."""
    raw = raw_table(tag)
    if not maybe_newlines:
        return int(wh.scalar(f"SELECT count(*) FROM {raw}")), 0
    has = " OR ".join(f"contains(c{i}, chr(10))" for i in range(ncols))
    rows, with_nl = wh.sql(f"SELECT count(*), count(*) FILTER (WHERE {has}) FROM {raw}")[0]
    if not with_nl:
        return int(rows), 0
    nl = " + ".join(
        f"coalesce(length(c{i}) - length(replace(c{i}, chr(10), '')), 0)" for i in range(ncols)
    )
    wh.sql(
        f"""CREATE OR REPLACE TEMP TABLE {NL}_{tag} AS
            SELECT _row, sum(nl) OVER (ORDER BY _row) AS cum FROM (
                SELECT rowid AS _row, {nl} AS nl FROM {raw} WHERE {has})"""
    )
    return int(rows), int(wh.scalar(f"SELECT max(cum) FROM {NL}_{tag}"))


def _line_source(
    wh: Warehouse, header_line: int, with_nl: bool, skip_lines: list[int], tag: int
) -> str:
    """FROM clause giving the staged columns ``c0…`` and ``_line``, the physical
    line where each row starts.

    A row's line is ``header + 1 + rank``, plus the newlines inside quoted values
    of the rows before it (table ``_ing_nl``), plus the lines DuckDB skipped
    before it (blank and rejected lines, table ``_ing_skip``). With the skipped
    lines L1 < L2 < … and a row's line without them n, the row comes after the
    k-th skipped line exactly when n >= Lk - (k - 1).
    """
    inner = f"SELECT rowid AS _row, * FROM {raw_table(tag)}"
    first = header_line + 1
    if with_nl:
        inner = (
            f"SELECT r.*, {first} + r._row + coalesce(n.cum, 0) AS _naive FROM ({inner}) r "
            f"ASOF LEFT JOIN {NL}_{tag} n ON r._row > n._row"
        )
    else:
        inner = f"SELECT *, {first} + _row AS _naive FROM ({inner})"
    if not skip_lines:
        return f"(SELECT *, _naive AS _line FROM ({inner})) src"
    # k-th skipped line -> threshold; equal thresholds keep the largest k
    last: dict[int, int] = {}
    for k, line in enumerate(skip_lines):
        last[line - k] = k + 1
    thresholds = list(last)
    wh.register(
        "_ing_skip_arrow",
        pa.table(
            {
                "m": pa.array(thresholds, pa.int64()),
                "k": pa.array(list(last.values()), pa.int64()),
            }
        ),
    )
    try:
        wh.sql(f"CREATE OR REPLACE TEMP TABLE {SKIP}_{tag} AS SELECT m, k FROM _ing_skip_arrow")
    finally:
        wh.unregister("_ing_skip_arrow")
    return (
        f"(SELECT q.*, q._naive + coalesce(s.k, 0) AS _line FROM ({inner}) q "
        f"ASOF LEFT JOIN {SKIP}_{tag} s ON q._naive >= s.m) src"
    )


# -- Excel -----------------------------------------------------------------------


def _cell_text(value: object, decimal: str) -> str | None:
    """An Excel cell as the text a CSV would hold."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = format(Decimal(repr(value)), "f")
        return text.replace(".", ",") if decimal == "," else text
    return str(value)


def _stage_excel(wh: Warehouse, kind: Kind, path: Path, options: ReadOptions, tag: int) -> Staged:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise IngestError(
            f"the file cannot be read as an Excel workbook: {_first_line(str(exc))}"
        ) from None
    try:
        names = list(wb.sheet_names)
        if not names:
            raise IngestError("the workbook has no sheet")
        if options.sheet is None:
            sheet_name = names[0]
        elif options.sheet.isdigit() and options.sheet not in names:
            n = int(options.sheet)
            if not 1 <= n <= len(names):
                raise IngestError(f"the workbook has {len(names)} sheets, not {n}")
            sheet_name = names[n - 1]
        else:
            match = [s for s in names if s.strip().lower() == options.sheet.strip().lower()]
            if not match:
                raise IngestError(
                    f"the workbook has no sheet named {options.sheet!r} "
                    f"(sheets: {', '.join(names)})"
                )
            sheet_name = match[0]
        sheet = wb.get_sheet_by_name(sheet_name)
        rows = sheet.to_python(skip_empty_area=False)
    except IngestError:
        raise
    except Exception as exc:
        raise IngestError(f"the sheet cannot be read: {_first_line(str(exc))}") from None
    finally:
        with contextlib.suppress(Exception):
            wb.close()

    numbered = ((i + 1, row) for i, row in enumerate(rows) if any(_present(c) for c in row))
    header, _, best = find_header(numbered, kind)
    if header is None:
        raise IngestError(header_problem(kind, best, f"rows of sheet {sheet_name!r}"))
    data = rows[header.line :]
    dec_field = next((f.name for f in kind.fields if f.type == "decimal"), None)
    decimal = options.decimal
    if decimal is None:
        sample = []
        if dec_field is not None:
            idx = header.mapping[dec_field]
            for row in data[:5000]:
                if idx < len(row) and isinstance(row[idx], str):
                    sample.append(row[idx])
        decimal = detect_decimal(sample, None)
    lines: list[int] = []
    cols: dict[str, list[str | None]] = {f.name: [] for f in kind.fields}
    width = len(header.cells)
    blank: list[bool] = []
    for offset, row in enumerate(data):
        texts = [_cell_text(c, decimal) for c in row]
        lines.append(header.line + 1 + offset)
        for f in kind.fields:
            idx = header.mapping.get(f.name)
            cols[f.name].append(texts[idx] if idx is not None and idx < len(texts) else None)
        blank.append(not any(t is not None and t.strip() for t in texts[: max(width, len(texts))]))
    table = pa.table(
        {
            "_line": pa.array(lines, pa.int64()),
            **{k: pa.array(v, pa.string()) for k, v in cols.items()},
            "_blank": pa.array(blank, pa.bool_()),
        }
    )
    wh.register("_ing_excel_arrow", table)
    try:
        wh.sql(f"CREATE OR REPLACE TEMP TABLE {raw_table(tag)} AS SELECT * FROM _ing_excel_arrow")
    finally:
        wh.unregister("_ing_excel_arrow")
    field_cols = ", ".join(_q(f.name) for f in kind.fields)
    ignored = [
        name or f"(column {i + 1})"
        for i, name in enumerate(header.cells)
        if i not in header.mapping.values() and name
    ]
    return Staged(
        source=f"SELECT _line, {field_cols}, _blank FROM {raw_table(tag)}",
        rejects=[],
        unit="row",
        format="excel",
        decimal=decimal,
        sheet=sheet_name,
        header_line=header.line,
        ignored_columns=ignored,
    )


def _present(cell: object) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


# -- Parquet -----------------------------------------------------------------------


def _stage_parquet(wh: Warehouse, kind: Kind, path: Path, options: ReadOptions, tag: int) -> Staged:
    src = f"read_parquet({_lit(str(path))}, file_row_number = true)"
    try:
        described = wh.sql(f"DESCRIBE SELECT * FROM {src}")
    except duckdb.Error as exc:
        raise IngestError(f"the file cannot be read as Parquet: {_first_line(str(exc))}") from None
    types = {name: typ for name, typ, *_ in described if name != "file_row_number"}
    by_norm: dict[str, list[str]] = {}
    for name in types:
        by_norm.setdefault(normalise_header(name), []).append(name)
    header_names = [normalise_header(n) for n in types]
    missing = [f for f in kind.required_columns if f not in by_norm]
    if missing:
        raise IngestError(header_problem(kind, header_names, "columns"))
    exprs = []
    for f in kind.fields:
        names = by_norm.get(f.name, [])
        if len(names) > 1:
            raise IngestError(f"the column {f.name} appears {len(names)} times")
        if not names:
            exprs.append(f"NULL::VARCHAR AS {_q(f.name)}")
            continue
        col, typ = _q(names[0]), types[names[0]].upper()
        if typ == "DATE":
            expr = f"strftime({col}, '%Y-%m-%d')"
        elif typ.startswith("TIMESTAMP"):
            expr = (
                f"CASE WHEN {col}::TIME = TIME '00:00:00' THEN strftime({col}::DATE, '%Y-%m-%d') "
                f"ELSE {col}::VARCHAR END"
            )
        else:
            expr = f"{col}::VARCHAR"
        exprs.append(f"{expr} AS {_q(f.name)}")
    all_cols = " || ".join(f"coalesce({_q(n)}::VARCHAR, '')" for n in types) or "''"
    dec_field = next((f for f in kind.fields if f.type == "decimal"), None)
    decimal = options.decimal or "."
    if options.decimal is None and dec_field is not None:
        names = by_norm.get(dec_field.name)
        if names and types[names[0]].upper() == "VARCHAR":
            sample = [r[0] for r in wh.sql(f"SELECT {_q(names[0])} FROM {src} LIMIT 5000") if r[0]]
            decimal = detect_decimal(sample, None)
    try:
        wh.sql(
            f"""CREATE OR REPLACE TEMP TABLE {raw_table(tag)} AS
                SELECT file_row_number + 1 AS _line, {", ".join(exprs)},
                       trim({all_cols}) = '' AS _blank
                FROM {src}"""
        )
    except duckdb.Error as exc:
        raise IngestError(f"the file cannot be read as Parquet: {_first_line(str(exc))}") from None
    field_cols = ", ".join(_q(f.name) for f in kind.fields)
    mapped = {names[0] for f in kind.fields if (names := by_norm.get(f.name))}
    return Staged(
        source=f"SELECT _line, {field_cols}, _blank FROM {raw_table(tag)}",
        rejects=[],
        unit="row",
        format="parquet",
        decimal=decimal,
        ignored_columns=[n for n in types if n not in mapped],
    )


def tempdir_for(path: Path) -> tempfile.TemporaryDirectory:
    """A temporary folder for transcoded copies (system temp, or MARSAD_TMP)."""
    return tempfile.TemporaryDirectory(prefix="marsad-ingest-", dir=os.environ.get("MARSAD_TMP"))


def record_json(values: dict[str, object]) -> str:
    return json.dumps(values, ensure_ascii=False, default=str)
