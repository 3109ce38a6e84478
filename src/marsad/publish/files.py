"""Output files written whole or not at all.

Every output (the indicator table, a bulletin, its charts) is written to a
temporary file beside its destination and renamed onto it once complete: a
full disk, a read-only folder or a kill half-way leaves the previous file as it
was (or no file), never a truncated one.

A destination that exists and is neither a regular file nor a folder (a device such
as ``/dev/null`` or ``/dev/stdout``, a named pipe, a socket) is never renamed over:
``marsad export --out /dev/null`` run as root replaced ``/dev/null`` with a regular
file, and a program reading a named pipe got nothing. Its output is written whole to
a private temporary file (in the system's temporary folder, never beside a device)
and then copied into it, opened for writing as it is: not created, not truncated,
not renamed, its mode untouched. So a failure half-way writes nothing into the pipe
(as ``--out -`` writes nothing to standard output), and the writers that need a file
they can seek in (a workbook, a zip, a PDF) work as for a regular file.

>>> import tempfile
>>> out = Path(tempfile.mkdtemp()) / "indicators.csv"
>>> write_text(out, "indicator,value\\n")
>>> out.read_text(), sorted(p.name for p in out.parent.iterdir())
('indicator,value\\n', ['indicators.csv'])
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path


def is_special(path: Path | str) -> bool:
    """Whether ``path`` exists and is neither a regular file nor a folder: a device
    (``/dev/null``, ``/dev/stdout``), a named pipe or a socket, which an output is
    written into rather than renamed over (a symlink is followed).

    >>> is_special("/dev/null"), is_special(tempfile.gettempdir()), is_special("/no/such")
    (True, False, False)
    """
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextlib.contextmanager
def atomic_path(out: Path) -> Iterator[Path]:
    """A fresh temporary path beside ``out`` (e.g. ``.indicators.csv.3f9a1c2e.tmp``)
    to write in; renamed onto ``out`` when the block ends, removed on any error.
    When ``out`` is a device, a named pipe or a socket (:func:`is_special`), a
    temporary path in the system's temporary folder, whose bytes are copied into
    ``out`` when the block ends (:func:`copy_into`); ``out`` is never replaced."""
    out = Path(out)
    if is_special(out):
        with _staged(out) as tmp:
            yield tmp
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.tmp")
    try:
        yield tmp
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _staged(out: Path) -> Iterator[Path]:
    """A private temporary file (same suffix as ``out``, for the writers that read it)
    copied into the special file ``out`` once written whole; always removed."""
    fd, name = tempfile.mkstemp(prefix="marsad-out-", suffix=out.suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        copy_into(tmp, out)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def copy_into(src: Path, out: Path) -> None:
    """Copy the bytes of ``src`` into the device, named pipe or socket ``out``, opened
    for writing as it is (no ``O_CREAT``, no ``O_TRUNC``: a path that vanished is an
    error, not a new file). A pipe whose reader stops early (``| head``) is not an error:
    the reader has what it wanted. A path that became a regular file meanwhile is
    refused before a byte is written (it would be overwritten in place, not replaced).
    Opening a named pipe waits for its reader, as ``cat > pipe`` does."""
    fd = os.open(out, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            said = "it became a regular file while it was written: run again"
            raise OSError(errno.EAGAIN, said, str(out))
        with src.open("rb") as f, contextlib.suppress(BrokenPipeError):
            while chunk := f.read(1 << 20):
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def write_text(out: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``out`` whole or not at all."""
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
