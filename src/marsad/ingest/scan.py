"""One pass over a file's bytes, and the format they show.

:func:`scan_file` streams through the bytes once: SHA-256 (the ledger's key),
size, and what the text looks like (line ends, quotes, blank lines, whether it
is valid UTF-8, NUL bytes). :func:`detect_format` then tells Parquet, Excel
and delimited text apart.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

from marsad.ingest.errors import IngestError
from marsad.ingest.options import ProgressEvent, ProgressFn, ReadOptions

CHUNK = 16 * 1024 * 1024
SNIFF_BYTES = 256 * 1024


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


class TextStats:
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


class _Utf8Check:
    """Whether a byte stream given in chunks is valid UTF-8 (ASCII chunks are skipped)."""

    def __init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.ok = True

    def feed(self, chunk: bytes) -> None:
        # a chunk that is not ASCII, or that ends a character cut by the last chunk
        if self.ok and (not chunk.isascii() or self.decoder.getstate()[0]):
            try:
                self.decoder.decode(chunk)
            except UnicodeDecodeError:
                self.ok = False

    def finish(self) -> bool:
        if self.ok:
            try:
                self.decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.ok = False
        return self.ok


def scan_file(path: Path, progress: ProgressFn | None = None) -> FileScan:
    """SHA-256 and text statistics of ``path`` in one streaming pass."""
    size = path.stat().st_size
    sha = hashlib.sha256()
    stats = TextStats()
    utf8 = _Utf8Check()
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
            utf8.feed(chunk)
            done += len(chunk)
            if progress:
                progress(ProgressEvent(path, "hash", done, size))
    utf8_ok = utf8.finish()
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
