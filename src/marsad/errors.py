"""What a user can fix, as opposed to a bug.

Every error that a user can act on (a file that cannot be read, a warehouse
that does not exist, a period written wrongly, a missing exchange rate) is a
:class:`MarsadError`. The command line prints its message as one plain line and
exits with its ``exit_code``: 2 when the work could not start (input that
cannot be read, :class:`UnreadableInput`, such as a frozen release file changed since,
``marsad.release.store.DamagedRelease``; an option written wrongly,
:class:`BadArgument`; a fault of the machine such as a full disk,
:class:`CannotWrite`), 1 otherwise. Any other exception is a bug and keeps
its traceback (shown with ``marsad --debug``, otherwise written to a log file
whose path is printed).

>>> str(MarsadError("nothing is built yet: run `marsad build` first"))
'nothing is built yet: run `marsad build` first'
>>> UnreadableInput("x").exit_code, MarsadError("y").exit_code
(2, 1)
"""

from __future__ import annotations

import errno
import re


class MarsadError(Exception):
    """An error a user can fix; its message is one plain line (exit code 1)."""

    exit_code: int = 1


class UnreadableInput(MarsadError):
    """A file or warehouse that cannot be read at all (exit code 2)."""

    exit_code = 2


class WarehouseMissing(UnreadableInput):
    """A read-only command was given a warehouse path that does not exist."""


class BadArgument(MarsadError):
    """An option or argument that names nothing or is written wrongly (e.g. ``no load
    matches 'L9'``, ``--memory-limit lots``): exit code 2, as for other usage errors."""

    exit_code = 2


class PeriodError(BadArgument, ValueError):
    """A period written wrongly (e.g. ``2025-H1``): ``not a period: write 2025-S1``;
    ``value``: the text as given, for a message in another language (the dashboard's)."""

    def __init__(self, message: str, value: str | None = None) -> None:
        super().__init__(message)
        self.value = value


class NotAReleaseId(BadArgument):
    """A release id written wrongly (``../x``, ``R3.``): ``value``, the text as given, for
    a message in another language (the dashboard's)."""

    def __init__(self, message: str, value: str) -> None:
        super().__init__(message)
        self.value = value


class CannotWrite(MarsadError):
    """An output that cannot be written: permission, a full disk, a read-only folder (exit 2)."""

    exit_code = 2


#: Faults of the machine, by errno, in plain words: what any command says when the OS
#: refuses a read or a write for a reason of the machine, not of marsad (the file is
#: named in front). One table for every path they come by: a Python ``OSError``, the
#: text of a DuckDB error, a pyarrow error (:func:`os_fault`, ``marsad.engine.sql``).
OS_CAUSES = {
    errno.ENOSPC: "no space left on the disk",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EFBIG: "file too large for this file system or for the file-size limit "
    "(ulimit -f; a FAT32 volume holds at most 4 GB a file)",
    errno.EIO: "input/output error (a failing disk, or a network or removable drive gone?)",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EMFILE: "too many open files (raise the limit: ulimit -n)",
    errno.ENFILE: "too many open files on the system",
}
#: The same faults as C libraries word them (``strerror``), in DuckDB's or pyarrow's
#: messages (``Could not write file "w.duckdb.wal": File too large``).
OS_TEXT = (
    ("No space left on device", errno.ENOSPC),
    ("Disk quota exceeded", errno.EDQUOT),
    ("Read-only file system", errno.EROFS),
    ("File too large", errno.EFBIG),
    ("Input/output error", errno.EIO),
    ("Permission denied", errno.EACCES),
    ("Operation not permitted", errno.EPERM),
    ("Too many open files in system", errno.ENFILE),
    ("Too many open files", errno.EMFILE),
)
#: Faults met only while writing: the message says "cannot write".
OS_WRITING = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG)
#: A file named in a driver's message (``file "…"``, ``file '…'``).
_NAMED = re.compile(r"""(?:file|File) ["']([^"']+)["']""")


def os_fault(exc: BaseException, path: object = None) -> str | None:
    """The one line saying which fault of the machine ``exc`` is (an ``OSError`` with its
    errno, or whose text says it, as pyarrow's do), naming the file (else ``path``);
    ``None`` when it is none of :data:`OS_CAUSES`.

    >>> os_fault(OSError(errno.EFBIG, "File too large", "/d/w.duckdb.wal"))
    'cannot write /d/w.duckdb.wal: file too large for this file system or for the file-size limit (ulimit -f; a FAT32 volume holds at most 4 GB a file)'
    >>> print(os_fault(OSError("Failed to open local file '/d/x.parquet'. Detail: [errno 5] Input/output error")))
    /d/x.parquet: input/output error (a failing disk, or a network or removable drive gone?)
    >>> os_fault(OSError(errno.ENOENT, "No such file")) is None
    True
    """  # noqa: E501
    if not isinstance(exc, OSError):
        return None
    code, where = os_code(exc), exc.filename or path
    if exc.errno is None:
        named = _NAMED.search(str(exc))
        where = named.group(1) if named else path
    if code not in OS_CAUSES:
        return None
    return os_line(code, where)


def os_code(exc: OSError) -> int | None:
    """The errno of ``exc``: its own, else the one its text names (pyarrow raises
    ``OSError`` with the C library's words and no errno)."""
    if exc.errno is not None:
        return exc.errno
    text = str(exc)
    return next((c for words, c in OS_TEXT if words in text), None)


def os_line(code: int, where: object) -> str:
    """The fault ``code`` (one of :data:`OS_CAUSES`) at ``where`` (a file, or ``None``)."""
    cause = OS_CAUSES[code]
    if where is None:
        return cause
    return f"cannot write {where}: {cause}" if code in OS_WRITING else f"{where}: {cause}"


#: Characters of a request's header or parameter an error message quotes at most.
QUOTED = 60


def excerpt(value: str, limit: int = QUOTED) -> str:
    """``value`` as an error message may show it: at most ``limit`` characters, then
    ``…``, with what does not print (control characters, line breaks) escaped. A message
    quoting a request's input in full echoed a 20 KB ``Accept`` header back.

    >>> excerpt("a" * 100, 5), excerpt("x\\ny")
    ('aaaaa…', 'x\\\\ny')
    """
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in value[:limit])
    return shown + ("…" if len(value) > limit else "")


def quoted(value: str, limit: int = QUOTED) -> str:
    """:func:`excerpt` in quotes (``'period'``), as a message names a value given."""
    return f"'{excerpt(value, limit)}'"
