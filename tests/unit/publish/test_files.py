"""An output onto a device, a named pipe or a socket is written into it, never renamed
over it: ``marsad export --out /dev/null`` run as root replaced ``/dev/null`` with a
regular file, and a program reading a named pipe given as ``--out`` got nothing.

No test here touches a real device: a named pipe is made in ``tmp_path``, and a
character device only as root, as a private one in ``tmp_path``."""

from __future__ import annotations

import errno
import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from marsad.publish import files
from marsad.publish.files import atomic_path, is_special, write_text


def _reader(fifo: Path, limit: int | None = None) -> tuple[threading.Thread, list[bytes]]:
    """A thread reading ``fifo`` to its end (or ``limit`` bytes, then closing it)."""
    got: list[bytes] = []

    def read() -> None:
        with fifo.open("rb") as f:
            got.append(f.read() if limit is None else f.read(limit))

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread, got


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_named_pipe_receives_the_bytes_and_stays_a_pipe(tmp_path):
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    thread, got = _reader(fifo)
    write_text(fifo, "indicator,value\nlevel,6.00\n")
    thread.join(10)
    assert got == [b"indicator,value\nlevel,6.00\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode) and _names(tmp_path) == ["out.csv"]


def test_a_writer_that_needs_a_file_writes_a_pipe_through_a_temporary_one(tmp_path):
    """A workbook or a zip is written to a file it can seek in, then copied into the pipe;
    the temporary file is not beside the pipe and is removed."""
    import zipfile

    fifo = tmp_path / "bundle"
    os.mkfifo(fifo)
    thread, got = _reader(fifo)
    with atomic_path(fifo) as tmp, zipfile.ZipFile(tmp, "w") as z:
        assert tmp.parent != tmp_path
        z.writestr("a.csv", "x\n")
    thread.join(10)
    assert got[0][:2] == b"PK" and not tmp.exists()
    assert stat.S_ISFIFO(fifo.stat().st_mode) and _names(tmp_path) == ["bundle"]


def test_a_failure_writes_nothing_into_the_pipe(tmp_path):
    """The pipe is opened only once the output is whole: a failure does not even open it
    (which would wait for a reader), and leaves no temporary file."""
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    with pytest.raises(RuntimeError), atomic_path(fifo) as tmp:
        tmp.write_text("half")
        raise RuntimeError("the writer failed")
    assert not tmp.exists() and stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.fixture
def short_wait(monkeypatch):
    """A pipe waits :data:`WAIT` seconds for its reader here, not ten."""
    monkeypatch.setattr(files, "PIPE_WAIT", WAIT)


WAIT = 0.5


def test_a_named_pipe_without_a_reader_is_one_plain_line_not_a_wait_forever(tmp_path, short_wait):
    """``--out`` a named pipe that no program reads waited forever (opening it for writing
    blocks until a reader comes): it waits :data:`~marsad.publish.files.PIPE_WAIT`
    seconds, then stops in one line, nothing written, the pipe kept."""
    import time

    from marsad.errors import CannotWrite

    fifo = tmp_path / "my out.csv"
    os.mkfifo(fifo)
    raised: list[BaseException] = []

    def write() -> None:
        try:
            write_text(fifo, "indicator,value\n")
        except BaseException as exc:
            raised.append(exc)

    started = time.monotonic()
    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    writer.join(WAIT + 5)
    if writer.is_alive():  # (the fault: free the writer with a reader that reads nothing)
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        writer.join(10)
        pytest.fail("the output waited for a reader of the pipe without end")
    assert WAIT <= time.monotonic() - started < WAIT + 5
    assert len(raised) == 1 and isinstance(raised[0], CannotWrite), raised
    assert str(raised[0]) == (
        f"no program is reading the pipe {fifo} (waited {WAIT:g} s): start the program that "
        f"reads it first (e.g. cat '{fifo}'), then run the command again (nothing was written)"
    )
    assert stat.S_ISFIFO(fifo.stat().st_mode) and _names(tmp_path) == ["my out.csv"]


def test_a_reader_that_comes_while_the_output_waits_gets_every_byte(tmp_path, short_wait):
    """A reader started just after the command (``marsad export --out p & cat p``) is in
    time; the pipe, opened without blocking, is then written with blocking writes: 4 MiB
    (many times a pipe's buffer) to a slow reader arrive whole, no EAGAIN."""
    import time

    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    got: list[bytes] = []

    def late_slow_reader() -> None:
        time.sleep(WAIT / 3)
        with fifo.open("rb") as f:
            time.sleep(WAIT / 3)  # the writer fills the pipe's buffer meanwhile
            got.append(f.read())

    thread = threading.Thread(target=late_slow_reader, daemon=True)
    thread.start()
    text = "x" * (4 << 20)
    write_text(fifo, text)
    thread.join(10)
    assert got == [text.encode()]


def test_a_reader_that_closes_the_pipe_early_is_one_plain_line(tmp_path):
    """``head -c 10 < pipe``: the command said ``Wrote N observations`` though the reader
    had 10 bytes of them; the output now stops with one plain line saying so."""
    from marsad.errors import CannotWrite

    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    thread, got = _reader(fifo, limit=10)
    with pytest.raises(CannotWrite) as caught:
        write_text(fifo, "x" * (4 << 20))  # many times a pipe's buffer
    thread.join(10)
    assert got == [b"x" * 10]
    assert str(caught.value) == (
        f"the program reading the pipe {fifo} closed it before the end of the output: it "
        "read only a part of it (nothing more was written)"
    )
    assert stat.S_ISFIFO(fifo.stat().st_mode) and _names(tmp_path) == ["out.csv"]


def test_standard_output_closed_early_is_not_an_error(tmp_path):
    """``--out /dev/stdout | head`` is ``--out - | head``: the reader has what it wanted.
    The write stops with the BrokenPipeError, which the command turns into a quiet exit
    141 as for ``--out -`` (tests/e2e), not a CannotWrite line. Played by a pipe in
    tmp_path that is made this process's standard output for the test (the real
    /dev/stdout is not used)."""
    fifo = tmp_path / "stdout"
    os.mkfifo(fifo)
    thread, got = _reader(fifo, limit=10)
    saved = os.dup(1)
    try:
        with open(fifo, "wb") as pipe:  # (the reader is there: this does not block)
            os.dup2(pipe.fileno(), 1)
            with pytest.raises(BrokenPipeError):
                write_text(fifo, "x" * (4 << 20))
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    thread.join(10)
    assert got == [b"x" * 10]


@pytest.mark.skipif(os.geteuid() != 0, reason="making a character device needs root")
def test_a_character_device_is_written_into_and_stays_a_device(tmp_path):
    """A private null device (1, 3) in tmp_path, never the real /dev/null."""
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    null.chmod(0o666)  # (mknod applies the umask)
    write_text(null, "discarded\n")
    mode = null.stat().st_mode
    assert stat.S_ISCHR(mode) and stat.S_IMODE(mode) == 0o666
    assert _names(tmp_path) == ["null"]


def test_a_device_is_opened_as_it_is_neither_created_nor_truncated(tmp_path, monkeypatch):
    """Without root, a device is stood for by a regular file that :func:`is_special` is
    told is one: it is opened without ``O_CREAT`` or ``O_TRUNC``, never renamed over,
    and, since it is in fact a regular file, refused before a byte is written (a device
    swapped for a file while the output was written is not overwritten in place)."""
    device = tmp_path / "device"
    device.write_bytes(b"before")
    inode = device.stat().st_ino
    monkeypatch.setattr(files, "is_special", lambda path: True)
    opened: list[int] = []
    real_open = os.open

    def spy(path, flags, *args, **kwargs):
        if Path(path) == device:
            opened.append(flags)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    with pytest.raises(OSError) as caught:
        write_text(device, "after")
    assert caught.value.errno == errno.EAGAIN
    assert opened and not opened[0] & (os.O_CREAT | os.O_TRUNC) and opened[0] & os.O_WRONLY
    assert device.read_bytes() == b"before" and device.stat().st_ino == inode
    assert _names(tmp_path) == ["device"]


def test_a_socket_is_refused_and_kept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a short path: a socket's name is at most 107 bytes
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("out.sock")
        with pytest.raises(OSError) as caught:
            write_text(Path("out.sock"), "x")
        assert caught.value.errno == errno.ENXIO
        assert stat.S_ISSOCK(os.stat("out.sock").st_mode)
        assert _names(tmp_path) == ["out.sock"]


def test_what_is_special():
    assert is_special("/dev/null")  # a stat only: nothing opened or written
    assert not is_special(Path(__file__)) and not is_special(Path(__file__).parent)
    assert not is_special(Path(__file__).with_name("no-such-file"))
