"""Writing SQL text safely, and the errors the SQL engine raises.

Every name or value put into a statement goes through :func:`quote_ident` or
:func:`quote_literal`; the stages catch :class:`SqlError` (any failed
statement) or :class:`MissingTable` without importing the engine's driver, and
:func:`classify_error` tells a fault of the machine (a lock held by another
process, a full disk, a read-only file) from a bug, so that only ``engine/``
knows the driver's exceptions and their wording.

>>> quote_ident('amount')
'"amount"'
>>> quote_literal("l'Oriental")
"'l''Oriental'"
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePath

import duckdb

from marsad.errors import OS_CAUSES, OS_TEXT, UnreadableInput, os_fault, os_line

#: Any statement that failed (a file DuckDB cannot parse, a bad setting value).
SqlError = duckdb.Error
#: A table or view that does not exist (e.g. a rejects table never created).
MissingTable = duckdb.CatalogException
#: A value that does not fit its type (a decimal overflow, a failed cast).
ValueOutOfRange = (duckdb.OutOfRangeException, duckdb.ConversionException)


#: DuckDB's errors by the words that start their message (``Invalid Input Error: …``).
_KINDS = {
    "Binder": duckdb.BinderException,
    "Catalog": duckdb.CatalogException,
    "Constraint": duckdb.ConstraintException,
    "Conversion": duckdb.ConversionException,
    "IO": duckdb.IOException,
    "Invalid Input": duckdb.InvalidInputException,
    "Not implemented": duckdb.NotImplementedException,
    "Out of Memory": duckdb.OutOfMemoryException,
    "Out of Range": duckdb.OutOfRangeException,
    "Parser": duckdb.ParserException,
}
_KIND = re.compile(rb"^([A-Za-z ]{2,40}) Error: ")


@contextlib.contextmanager
def readable_errors() -> Iterator[None]:
    """Run statements so that a DuckDB error whose message DuckDB cut in the middle of a
    character beyond ASCII (a user's text quoted to a number of bytes: a date format's
    ``%é``, a JSON value, a ``printf`` pattern) is still that DuckDB error, its message
    with the cut character shown as ``…``: the driver could not decode it, and raised a
    UnicodeDecodeError, which no caller of :data:`SqlError` caught (a traceback instead
    of a plain line). Every statement of :class:`~marsad.engine.Warehouse` runs so.

    >>> with readable_errors():
    ...     duckdb.sql("SELECT strptime('2024', '%é')")
    Traceback (most recent call last):
    _duckdb.InvalidInputException: Invalid Input Error: Failed to parse format specifier %é: Unrecognized format for strftime/strptime: %…
    """  # noqa: E501
    try:
        yield
    except UnicodeDecodeError as exc:
        error = driver_error(exc)
        if error is None:
            raise
        raise error from None


def driver_error(exc: UnicodeDecodeError) -> duckdb.Error | None:
    """The DuckDB error whose message ``exc`` could not decode (``None`` when ``exc``
    decoded something else: a file's text, a value)."""
    data = exc.object
    match = _KIND.match(data) if isinstance(data, bytes) else None
    if match is None:
        return None
    text = re.sub("\ufffd+", "…", data.decode("utf-8", errors="replace"))
    return _KINDS.get(match.group(1).decode(), duckdb.Error)(text)


class WarehouseFault(UnreadableInput):
    """The warehouse or an output cannot be used now: held by another process, a
    full disk, a read-only or forbidden file (exit code 2). The message names the
    cause and the file; the statement that met it changed nothing."""


#: Faults of the machine, by errno and as the SQL engine words them (one table for
#: every command: :mod:`marsad.errors`).
_ERRNO_CAUSES = OS_CAUSES
_TEXT_CAUSES = OS_TEXT
_FILE = re.compile(r'file "([^"]+)"')
_PID = re.compile(r"\(PID (\d+)\)")
#: A part of a record store named in an error (``…/w.records/2024-03/g00000004.parquet``).
_PART = re.compile(r"""["']([^"']*\.records/\d{4}-\d{2}/g\d+(?:-\d+)?\.parquet)["']""")


def classify_error(exc: BaseException, path: object = None) -> WarehouseFault | None:
    """The fault ``exc`` stands for, as one plain line, or ``None`` when it is not one
    (then it is a bug, or an error of the data that the caller words itself).

    ``path`` names the file when the error does not (e.g. the warehouse).

    >>> import errno
    >>> classify_error(OSError(errno.ENOSPC, "No space left on device", "/data/w.duckdb"))
    WarehouseFault('cannot write /data/w.duckdb: no space left on the disk')
    >>> lock = duckdb.IOException('IO Error: Could not set lock on file "/d/w.duckdb": '
    ...                           'Conflicting lock is held in /usr/bin/python3 (PID 4242).')
    >>> print(classify_error(lock))  # doctest: +NORMALIZE_WHITESPACE
    cannot open the warehouse /d/w.duckdb: it is locked by another process (PID 4242);
    wait until it ends, then run the command again
    >>> classify_error(ValueError("bad")) is None
    True
    """
    if isinstance(exc, OSError):  # with its errno, or its text (pyarrow's)
        line = os_fault(exc, path)
        return None if line is None else WarehouseFault(line)
    memory = _out_of_memory(exc)
    if memory is not None:
        return memory
    if not isinstance(exc, duckdb.Error):
        return None
    text = str(exc)
    match = _FILE.search(text)
    where = match.group(1) if match else path
    if "Could not set lock" in text or "Conflicting lock" in text:
        pid = _PID.search(text)
        who = f" (PID {pid.group(1)})" if pid else ""
        return WarehouseFault(
            f"cannot open the warehouse {where}: it is locked by another process{who}; "
            "wait until it ends, then run the command again"
        )
    for words, code in _TEXT_CAUSES:
        if words in text:
            return _fault(code, where)
    part = _PART.search(text)
    if part is not None:
        cause = text.strip().splitlines()[0]
        return part_fault(part.group(1), f"cannot be read ({cause})", "damaged?")
    if "Could not read enough bytes" in text:
        return _cut_short(where, path)
    return None


def _cut_short(where: object, warehouse: object) -> WarehouseFault:
    """A DuckDB file that ends before the data it says it holds (DuckDB: ``Could not read
    enough bytes from file …: attempted to read 4096 bytes from location 8192``).

    >>> print(_cut_short("/d/w.duckdb", "/d/w.duckdb"))  # doctest: +NORMALIZE_WHITESPACE
    cannot open the warehouse /d/w.duckdb: the file is damaged, cut short (it ends before
    the data it says it holds: a copy, a download or a disk that was interrupted?);
    restore it from a backup, with the records folder beside it from the same backup
    """
    said = "the file is damaged, cut short (it ends before the data it says it holds: a copy, "
    said += "a download or a disk that was interrupted?); restore it from a backup"
    if warehouse is not None and Path(str(where)).absolute() == Path(str(warehouse)).absolute():
        return WarehouseFault(
            f"cannot open the warehouse {where}: {said}, with the records folder beside it "
            "from the same backup"
        )
    return WarehouseFault(f"{where}: {said}")


def interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is the SQL engine's answer to Ctrl-C (or what it led to): DuckDB
    stops the statement running when the process gets SIGINT and raises
    ``InterruptException`` (``INTERRUPT Error: Interrupted!``), or, fetching a result as
    Arrow (Ibis's ``list_tables``), a plain ``RuntimeError: Query interrupted``. Either
    is the user's Ctrl-C, as a ``KeyboardInterrupt`` is, not a bug.

    >>> interrupted(RuntimeError("Query interrupted")), interrupted(RuntimeError("other"))
    (True, False)
    """
    seen: BaseException | None = exc
    for _ in range(8):  # the error, what caused it, and so on
        if seen is None:
            return False
        if isinstance(seen, (KeyboardInterrupt, duckdb.InterruptException)):
            return True
        if isinstance(seen, (RuntimeError, duckdb.Error)) and str(seen).strip() in (
            "Query interrupted",
            "INTERRUPT Error: Interrupted!",
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _out_of_memory(exc: BaseException) -> WarehouseFault | None:
    """The plain line of DuckDB running out of memory (``exc`` or what caused it),
    naming the setting to raise: any command may meet it, it is no bug."""
    seen: BaseException | None = exc
    for _ in range(8):  # the error, what caused it, and so on
        if seen is None:
            return None
        if isinstance(seen, duckdb.OutOfMemoryException) or (
            isinstance(seen, duckdb.Error) and "Out of Memory Error" in str(seen)
        ):
            break
        seen = seen.__cause__ or seen.__context__
    else:
        return None
    from marsad.settings import get_settings

    try:
        limit = get_settings().memory_limit
    except Exception:  # a bad setting says so itself
        limit = "its memory limit"
    return WarehouseFault(
        f"out of memory: DuckDB needed more than its memory limit (MARSAD_MEMORY_LIMIT="
        f"{limit}, or marsad ingest --memory-limit for a load) and could not spill enough "
        "to disk; raise it (e.g. MARSAD_MEMORY_LIMIT=8GB) or free disk space beside the "
        "warehouse, then run the "
        "command again"
    )


def part_fault(part: object, what: str, why: str = "moved or deleted by hand?") -> WarehouseFault:
    """A part of the record store that is not what its catalogue says (exit 2).

    >>> print(part_fault("/d/w.records/2024-03/g00000004.parquet", "is missing"))
    ... # doctest: +NORMALIZE_WHITESPACE
    the record store /d/w.records does not match its catalogue:
    /d/w.records/2024-03/g00000004.parquet is missing (moved or deleted by hand?);
    restore the folder from the backup made with the warehouse file
    """
    return store_fault(PurePath(str(part)).parent.parent, f"{part} {what}", why)


def store_fault(root: object, what: str, why: str) -> WarehouseFault:
    """The record store ``root`` does not match its catalogue: ``what`` (``why``), one line.

    >>> print(store_fault("/d/w.records", "the folder is missing", "moved?"))
    ... # doctest: +NORMALIZE_WHITESPACE
    the record store /d/w.records does not match its catalogue: the folder is missing
    (moved?); restore the folder from the backup made with the warehouse file
    """
    return WarehouseFault(
        f"the record store {root} does not match its catalogue: {what} ({why}); "
        "restore the folder from the backup made with the warehouse file"
    )


def _fault(code: int, where: object) -> WarehouseFault:
    return WarehouseFault(os_line(code, where))


def quote_ident(name: str) -> str:
    '''A table or column name as a quoted SQL identifier (inner quotes doubled).

    >>> quote_ident('say "hi"')
    '"say ""hi"""'
    '''
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A Python string as a SQL string literal.

    >>> quote_literal("2025-01-31")
    "'2025-01-31'"
    """
    return "'" + text.replace("'", "''") + "'"


_GLOB_CHARS = re.compile(r"([*?\[])")


def quote_path(path: Path | str) -> str:
    """A file's path as a SQL string literal for DuckDB's readers (``read_csv``,
    ``read_parquet``, ``parquet_metadata``), which take a path as a glob pattern: its
    ``*``, ``?`` and ``[`` are written ``[*]``, ``[?]`` and ``[[]``, so that the file
    is read, not every file its name matches (``dec*.csv`` beside ``dec-01.csv``).

    >>> quote_path("/data/dec*[1]?.csv")
    "'/data/dec[*][[]1][?].csv'"
    """
    return quote_literal(glob_escaped(path))


def glob_escaped(path: Path | str) -> str:
    """``path`` with the characters of DuckDB's glob patterns escaped (:func:`quote_path`),
    and ``./`` before a relative path that starts with ``~`` (DuckDB reads ``~/a.csv`` as
    the home folder's). A backslash beside a glob character stays a limit: DuckDB finds no
    file for ``a\\b[*].csv``.

    >>> glob_escaped("~/a*.csv"), glob_escaped("/data/~x.csv")
    ('./~/a[*].csv', '/data/~x.csv')
    """
    text = _GLOB_CHARS.sub(r"[\1]", str(path))
    return "./" + text if text.startswith("~") else text


def quote_case(column: str, mapping: Mapping[int, str] | Mapping[int, int]) -> str:
    """SQL giving ``mapping[column]`` (a number -> text, or -> number); a constant when
    all agree.

    >>> quote_case("_file", {0: "a.csv", 1: "b.csv"})
    "(CASE _file WHEN 0 THEN 'a.csv' WHEN 1 THEN 'b.csv' END)"
    >>> quote_case("_file", {0: "L00001"})
    "'L00001'"
    >>> quote_case("_fi", {0: 3, 1: 4})
    '(CASE _fi WHEN 0 THEN 3 WHEN 1 THEN 4 END)'
    """

    def value(v: str | int) -> str:
        return str(int(v)) if isinstance(v, int) else quote_literal(v)

    if len(set(mapping.values())) == 1:
        return value(next(iter(mapping.values())))
    whens = " ".join(f"WHEN {int(i)} THEN {value(v)}" for i, v in mapping.items())
    return f"(CASE {column} {whens} END)"
