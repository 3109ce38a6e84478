"""Records DuckDB rejected over several lines, set aside before it reads the file again.

DuckDB reads a file of more than a few megabytes in parts, one thread each, every
thread taking up reading at the first line end of its part. A record it rejects over
several lines (a quote never closed, a quoted value too long) may run into the next
part, whose thread then reads the lines inside it as rows of their own; and DuckDB's
report of the record keeps 10,000 bytes, so nothing tells which. Those lines were
counted twice: as rows, and as lines of the rejected record (read again one by one
when a quote never closed swallowed them). So such a record's lines are left empty in
a copy that DuckDB reads again (its line numbers stay the file's, as for a line of too
many fields, :mod:`~marsad.ingest.text.wide`), and marsad alone reads them.
"""

from __future__ import annotations

import shutil
from pathlib import Path


def without_lines(src: Path, dst: Path, lines: set[int]) -> None:
    r"""Copy ``src`` to ``dst`` with the physical ``lines`` (1-based) left empty, their
    line ends kept.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "a.csv").write_bytes(b'h\r\nx,"1\r\nb,2\r\nc,3\r\n')
    >>> without_lines(d / "a.csv", d / "b.csv", {2, 3})
    >>> (d / "b.csv").read_bytes()
    b'h\r\n\r\n\r\nc,3\r\n'
    """
    last = max(lines)
    with src.open("rb") as fin, dst.open("wb") as fout:
        for n, raw in enumerate(fin, start=1):
            if n in lines:
                raw = raw[len(raw.rstrip(b"\r\n")) :]
            fout.write(raw)
            if n == last:
                break
        shutil.copyfileobj(fin, fout, 1 << 20)


def physical_lines(path: Path) -> int:
    r"""Physical lines of ``path``: its line ends, and one more when its last line has
    none.

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_bytes(b"a\nb\n")
    >>> physical_lines(f), f.write_bytes(b"a\nb") and physical_lines(f)
    (2, 2)
    """
    count, last = 0, b"\n"
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")
