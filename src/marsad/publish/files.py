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

A named pipe is opened once a program reads it: ``cat > pipe`` waits for a reader
forever, and so did ``marsad export --out pipe`` when none came. It waits at most
:data:`PIPE_WAIT` seconds (a reader started just after the command is in time), then
stops with one plain line, nothing written: ``no program is reading the pipe …``.

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
import shlex
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from marsad.errors import CannotWrite

#: Seconds an output waits for a program to read the named pipe it is written into
#: (opened without blocking, tried again every :data:`_PIPE_POLL` seconds).
PIPE_WAIT = 10.0
_PIPE_POLL = 0.05


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
    error, not a new file). A pipe whose reader closes it before the end (``head -c 10 <
    pipe``) is :class:`~marsad.errors.CannotWrite`, one plain line: the command said
    ``Wrote N observations`` though the reader had a part of them. Only when ``out`` is
    standard output itself (``--out /dev/stdout`` into ``| head``) is it not an error, as
    for ``--out -``: the reader has what it wanted, the ``BrokenPipeError`` stops the
    command quietly. A path that became a regular file meanwhile is
    refused before a byte is written (it would be overwritten in place, not replaced).
    A named pipe is opened once a program reads it, waiting at most :data:`PIPE_WAIT`
    seconds (:func:`_open_pipe`); then written as any file is (blocking writes)."""
    flags = os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC
    fd = _open_pipe(out, flags) if _is_fifo(out) else os.open(out, flags)
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            said = "it became a regular file while it was written: run again"
            raise OSError(errno.EAGAIN, said, str(out))
        with src.open("rb") as f:
            while chunk := f.read(1 << 20):
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view) :]
    except BrokenPipeError:
        if _is_stdout(fd):  # the command stops quietly, as for --out - (cli.common)
            raise
        raise CannotWrite(
            f"the program reading the pipe {out} closed it before the end of the output: it read "
            "only a part of it (nothing more was written)"
        ) from None
    finally:
        os.close(fd)


def _is_stdout(fd: int) -> bool:
    """Whether ``fd`` is open on the file standard output writes to (``/dev/stdout``)."""
    try:
        return os.path.samestat(os.fstat(fd), os.fstat(1))
    except OSError:
        return False


def _is_fifo(path: Path) -> bool:
    try:
        return stat.S_ISFIFO(os.stat(path).st_mode)
    except OSError:
        return False


def _open_pipe(out: Path, flags: int) -> int:
    """The named pipe ``out`` opened with ``flags`` once a program reads it: opened
    without blocking (``ENXIO`` while no program has it open for reading), tried again
    until :data:`PIPE_WAIT` seconds have passed, then refused in one plain line
    (:class:`~marsad.errors.CannotWrite`, exit 2). The descriptor returned blocks, as any
    file's: a slow reader slows the writer, it does not fail it."""
    deadline = time.monotonic() + PIPE_WAIT
    while True:
        try:
            fd = os.open(out, flags | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO or not _is_fifo(out):
                raise
            if time.monotonic() >= deadline:
                raise CannotWrite(
                    f"no program is reading the pipe {out} (waited {PIPE_WAIT:g} s): start "
                    f"the program that reads it first (e.g. cat {shlex.quote(str(out))}), "
                    "then run the command again (nothing was written)"
                ) from None
            time.sleep(_PIPE_POLL)
            continue
        os.set_blocking(fd, True)
        return fd


def write_text(out: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``out`` whole or not at all."""
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
