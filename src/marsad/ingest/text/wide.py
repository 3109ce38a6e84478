"""Lines with far more fields than the header, set aside before DuckDB reads
the file: DuckDB records one reject per extra field, each with the whole
line, so a line with 100,000 extra fields would cost minutes and gigabytes.
Such a line costs its own line only: quarantined (rule ``malformed``) and left
empty in the copy DuckDB reads, so that the line numbers stay the file's."""

from __future__ import annotations

from pathlib import Path

from marsad.ingest.header import Header
from marsad.ingest.scan import LONG_LINE, TextStats
from marsad.ingest.staging import Reject
from marsad.ingest.text.encoding import STRAY_CR, line_cells
from marsad.ingest.text.lines import fields_message, joined_message, joined_records


def _fields(raw: bytes, sep: str) -> int:
    """Fields of one line parsed on its own."""
    text = raw.decode("utf-8", "replace").rstrip("\r\n")
    return len(line_cells(text, sep))


def set_aside_wide_lines(
    src: Path, dst: Path, sep: str, header: Header
) -> tuple[list[Reject], TextStats] | None:
    """Copy ``src`` to ``dst`` with every long line (after the ``header``) that
    holds more fields than the header left empty; its reject each. None when
    there is none (no copy is kept)."""
    ncols, header_line = len(header.cells), header.line
    rejects: list[Reject] = []
    stats = TextStats()
    with src.open("rb") as fin, dst.open("wb") as fout:
        for n, raw in enumerate(fin, start=1):
            if n > header_line and len(raw) >= LONG_LINE and raw.count(b'"') % 2 == 0:
                found = _fields(raw, sep)
                if found > ncols:
                    rejects.append(_reject(n, raw, found, header, sep))
                    raw = b"\r\n" if raw.endswith(b"\r\n") else b"\n"
            stats.feed(raw)
            fout.write(raw)
    if not rejects:
        dst.unlink()
        return None
    return rejects, stats


def _reject(line: int, raw: bytes, found: int, header: Header, sep: str) -> Reject:
    shown = raw[:300].decode("utf-8", "replace").replace(STRAY_CR, "\r") + "…"
    text = raw.decode("utf-8", "replace").rstrip("\r\n").replace(STRAY_CR, "\r")
    if joined := joined_records(text, sep, len(header.cells)):  # (records of an old Mac export)
        message = joined_message(line, joined)
    else:
        message = fields_message(line, found, header)
    return Reject(line=line, rule="malformed", column=None, value=shown, message=message)
