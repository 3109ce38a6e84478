"""Output files written whole or not at all.

Every output (the indicator table, a bulletin, its charts) is written to a
temporary file beside its destination and renamed onto it once complete: a
full disk, a read-only folder or a kill half-way leaves the previous file as it
was (or no file), never a truncated one.

>>> import tempfile
>>> out = Path(tempfile.mkdtemp()) / "indicators.csv"
>>> write_text(out, "indicator,value\\n")
>>> out.read_text(), sorted(p.name for p in out.parent.iterdir())
('indicator,value\\n', ['indicators.csv'])
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(out: Path) -> Iterator[Path]:
    """A fresh temporary path beside ``out`` (e.g. ``.indicators.csv.3f9a1c2e.tmp``)
    to write in; renamed onto ``out`` when the block ends, removed on any error."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.tmp")
    try:
        yield tmp
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise


def write_text(out: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``out`` whole or not at all."""
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
