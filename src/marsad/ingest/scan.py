"""One pass over a file's bytes, and the format they show.

:func:`scan_file` streams through the bytes once: SHA-256 (the ledger's key),
size, and what the text looks like (line ends, quotes, blank lines, whether it
is valid UTF-8, NUL bytes). :func:`detect_format` then tells Parquet, Excel
and delimited text apart.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from marsad.ingest.cleaning import CONTROL_CHARS
from marsad.ingest.containers import (
    OLE2,
    PARQUET,
    SUFFIX_KIND,
    ZIP,
    check_named_kind,
    check_parquet_end,
    workbook_kind,
)
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
    utf8_chars: int = 0  # characters beyond ASCII read as UTF-8
    utf8_bad: int = 0  # bytes that are not UTF-8
    has_nul: bool = False
    content_lines: int = 0  # physical lines up to the last one holding text
    long_lines: bool = False  # some line is about LONG_LINE bytes or more
    #: holds a space, a tab, a vertical tab, a form feed or an apostrophe (what can make
    #: a value need cleaning or hold a line break)
    spaced: bool = True
    stray_crs: int = 0  # CRs that are not part of a CRLF line end
    crlfs: int = 0  # CRLF line ends
    #: holds a control character (:attr:`TextStats.controls`)
    controls: bool = True
    #: the file as hashed: size, time of last change (ns) and inode (:func:`changed`)
    identity: tuple[int, int, int] | None = None

    @property
    def plain(self) -> bool:
        """Whether no value of the file, read as delimited text, can need cleaning,
        hold a line break or a control character: ASCII, no quote, space, tab,
        apostrophe, control character, or CR other than in CRLF line ends (the rules
        for such values are then left out, :func:`marsad.ingest.validate.check_sql`)."""
        return (
            self.utf8_ok
            and self.utf8_chars == 0
            and not self.has_nul
            and self.quotes == 0
            and not self.spaced
            and self.stray_crs == 0
            and not self.controls
        )


#: A line this long (bytes) is looked at on its own before DuckDB reads the
#: file: one with thousands of extra fields would cost DuckDB one reject per field.
LONG_LINE = 4096

#: What a file's text may end with (the line ends, spaces and DOS end-of-file marks
#: after its last value): a Ctrl-Z there stands at a value's end, or on a line of its
#: own, and is trimmed, as older systems write it after the last line.
_TRAILING = b"\x1a\r\n\t "
#: The bytes below 0x20 that are control characters, but Ctrl-Z (looked for apart: one
#: that is not in the run the text ends with), by value: True for a control.
_CONTROL_LOW = np.array([chr(b) in CONTROL_CHARS and b != 0x1A for b in range(0x20)])
#: The other ASCII control characters (DEL), each looked for by a memchr.
_CONTROL_ASCII = [c.encode() for c in CONTROL_CHARS if 0x20 <= ord(c) < 0x80]
#: The control characters beyond ASCII (C1) in UTF-8: 0xC2, then their code point.
_CONTROL_C1 = re.compile(
    b"\xc2[" + b"".join(re.escape(bytes([ord(c)])) for c in CONTROL_CHARS if ord(c) >= 0x80) + b"]"
)


class TextStats:
    """Counts over a byte stream given in chunks: newlines, quotes, the
    newlines after the last character that is not a line end or a space, and
    whether some line is about :data:`LONG_LINE` bytes or more."""

    def __init__(self) -> None:
        self.newlines = 0
        self.quotes = 0
        self.trailing_newlines = 0
        self.long_lines = False
        self.spaced = False  # a space, tab, vertical tab, form feed, Ctrl-Z or apostrophe seen
        self._controls = False  # a control character seen, but Ctrl-Z
        self._last = b""  # the last byte of the last chunk (a C1 control cut in two)
        self._ctrl_z = False  # a Ctrl-Z seen before some text
        self._ctrl_z_end = False  # a Ctrl-Z in the run of _TRAILING bytes seen last
        self.crs = 0  # CRs, counted once one is seen
        self.crlfs = 0  # CR LF pairs, counted once a CR is seen
        self._cr_last = False  # the last chunk ended with a CR

    @property
    def controls(self) -> bool:
        r"""Whether the bytes hold a control character
        (:data:`marsad.ingest.cleaning.CONTROL_CHARS`, as UTF-8: a C1 control of another
        encoding is seen in its UTF-8 copy), but for the Ctrl-Z among the line ends the
        text ends with (the DOS end-of-file mark): a value may hold one.

        >>> def controls(*chunks):
        ...     stats = TextStats()
        ...     for chunk in chunks:
        ...         stats.feed(chunk)
        ...     return stats.controls
        >>> controls(b"R1,F\x01\n"), controls(b"R1,F1\r\n\x1a"), controls(b"R\xc2", b"\x81\n")
        (True, False, True)
        """
        return self._controls or self._ctrl_z

    @property
    def stray_crs(self) -> int:
        """CRs that are not part of a CRLF line end."""
        return self.crs - self.crlfs

    def _look_for_spaces_and_crs(self, chunk: bytes) -> int:
        """Look at ``chunk``; return how many CRs it holds."""
        # bytes.find of one byte is a memchr: a few ms for a large file
        if not self.spaced:
            self.spaced = any(
                chunk.find(c) >= 0 for c in (b" ", b"\t", b"'", b"\x0b", b"\x0c", b"\x1a")
            )
        crs = 0
        if self.crs or chunk.find(b"\r") >= 0 or self._cr_last:
            crs = chunk.count(b"\r")
            self.crs += crs
            self.crlfs += chunk.count(b"\r\n") + int(self._cr_last and chunk[:1] == b"\n")
        self._cr_last = chunk[-1:] == b"\r"
        return crs

    def _look_for_long_lines(self, chunk: bytes) -> None:
        # a line of 2 x LONG_LINE bytes holds an aligned window without a newline
        find = chunk.find
        for p in range(0, len(chunk) - LONG_LINE, LONG_LINE):
            if find(b"\n", p, p + LONG_LINE) < 0:
                self.long_lines = True
                return

    def _look_for_controls(self, chunk: bytes, byte: np.ndarray, line_ends: int) -> None:
        # the bytes below 0x20 are counted, and looked at only when they are not all the
        # chunk's LFs and CRs (``line_ends``): a tab, or a control character; the others
        # are found by memchr
        below = byte < 0x20
        self._controls = (
            (int(np.count_nonzero(below)) > line_ends and bool(_CONTROL_LOW[byte[below]].any()))
            or any(chunk.find(c) >= 0 for c in _CONTROL_ASCII)
            or (chunk.find(b"\xc2") >= 0 and _CONTROL_C1.search(chunk) is not None)
            or _CONTROL_C1.match(self._last + chunk[:1]) is not None
        )
        self._last = chunk[-1:]

    def _look_for_ctrl_z(self, chunk: bytes) -> None:
        # a Ctrl-Z before some text: not the DOS end-of-file mark after the last line
        first = chunk.find(b"\x1a")
        if first < 0 and not self._ctrl_z_end:
            return
        text_end = len(chunk.rstrip(_TRAILING))
        if text_end:  # text: a Ctrl-Z before it, in this chunk or the run before, is inside
            self._ctrl_z = self._ctrl_z or self._ctrl_z_end or 0 <= first < text_end
            self._ctrl_z_end = chunk.find(b"\x1a", text_end) >= 0
        else:
            self._ctrl_z_end = self._ctrl_z_end or first >= 0

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        # counted by numpy: bytes.count of a frequent byte took 2 ms a 5 MB file, 0.4 here
        byte = np.frombuffer(chunk, dtype=np.uint8)
        newlines = int(np.count_nonzero(byte == 10))  # \n
        self.newlines += newlines
        self.quotes += int(np.count_nonzero(byte == 34))  # "
        if not self.long_lines:
            self._look_for_long_lines(chunk)
        crs = self._look_for_spaces_and_crs(chunk)
        if not self._controls:
            self._look_for_controls(chunk, byte, newlines + crs)
        if not self._ctrl_z:
            self._look_for_ctrl_z(chunk)
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
    """Whether a byte stream given in chunks is valid UTF-8 (ASCII chunks are
    skipped); else how many characters beyond ASCII it holds (``chars``) and
    how many bytes that are not UTF-8 (``bad``): a UTF-8 file with one stray
    byte is told from a Windows-1252 file."""

    def __init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.chars = 0
        self.bad = 0

    @property
    def ok(self) -> bool:
        return self.bad == 0

    def _count(self, text: str, raw: bytes) -> None:
        replaced = text.count("\ufffd") - raw.count(b"\xef\xbf\xbd")
        self.bad += max(replaced, 0)
        self.chars += len(text) - len(text.encode("ascii", "ignore")) - max(replaced, 0)

    def feed(self, chunk: bytes) -> None:
        # a chunk that is not ASCII, or that ends a character cut by the last chunk
        if not chunk.isascii() or self.decoder.getstate()[0]:
            self._count(self.decoder.decode(chunk), chunk)

    def finish(self) -> bool:
        self._count(self.decoder.decode(b"", final=True), b"")
        return self.ok


def _identity(st: os.stat_result) -> tuple[int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def changed(scan: FileScan) -> str | None:
    """Why the file ``scan`` hashed is no longer the one hashed (a transfer still
    writing into the inbox, a file replaced or removed while a load read it), as the
    one-line reason it is refused for; None when it is the same: its ledger row would
    give one version's SHA-256 to another's records, and the version hashed could never
    be loaded again (a reviewer's case).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = Path(d, "bank.csv"); _ = p.write_text("a,b\\n1,2\\n")
    ...     scan = scan_file(p); same = changed(scan)
    ...     _ = p.write_text("a,b\\n1,3\\n4,5\\n"); edited = changed(scan)
    ...     p.unlink(); gone = changed(scan)
    >>> same, edited[:25], gone[:29]
    (None, 'changed while it was read', 'was removed while it was read')
    >>> print(gone)  # doctest: +ELLIPSIS
    was removed while it was read (a transfer still writing it?): nothing of it, ...
    """
    try:
        why = None if _identity(scan.path.stat()) == scan.identity else "changed"
    except FileNotFoundError:
        why = "was removed"
    except OSError as exc:
        why = f"cannot be read again ({exc.strerror or exc}), so it may have changed"
    if why is None:
        return None
    return (
        f"{why} while it was read (a transfer still writing it?): nothing of it, nor of "
        "the files read with it, was loaded; load them again once it is complete"
    )


def scan_file(path: Path, progress: ProgressFn | None = None, text: bool | None = None) -> FileScan:
    """SHA-256 and text statistics of ``path`` in one streaming pass. ``text``: whether
    the file is read as text (a format stated); None: unless its first bytes are a
    Parquet file's or a workbook's (:func:`detect_format` reads it as that), whose text
    statistics are not gathered (they are not used, and took 1.3 s of a 17 s ingest of
    120 Parquet files)."""
    sha = hashlib.sha256()
    stats = TextStats()
    utf8 = _Utf8Check()
    has_nul = False
    head = b""
    done = 0
    with path.open("rb") as fh:
        identity = _identity(os.fstat(fh.fileno()))
        size = identity[0]
        while chunk := fh.read(CHUNK):
            if not head:
                head = chunk[:SNIFF_BYTES]
                if text is None:
                    text = not head.startswith((PARQUET, ZIP, OLE2))
            sha.update(chunk)
            if text:
                stats.feed(chunk)
                has_nul = has_nul or b"\x00" in chunk
                utf8.feed(chunk)
            done += len(chunk)
            if progress:
                progress(ProgressEvent(path, "hash", done, size))
    utf8_ok = utf8.finish()
    if done != size:  # written to while hashed: the SHA-256 is of no one version
        identity = None
    return FileScan(
        path=path,
        size=size,
        identity=identity,
        sha256=sha.hexdigest(),
        head=head,
        newlines=stats.newlines,
        quotes=stats.quotes,
        utf8_ok=utf8_ok,
        utf8_chars=utf8.chars,
        utf8_bad=utf8.bad,
        has_nul=has_nul,
        content_lines=stats.content_lines,
        long_lines=stats.long_lines,
        spaced=stats.spaced,
        stray_crs=stats.stray_crs,
        crlfs=stats.crlfs,
        controls=stats.controls,
    )


#: The first bytes of files that are not text and that a CSV could be taken for (a
#: workbook, ``PK`` or the OLE2 signature, and ``PAR1`` are read as what they are).
SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "a PNG image",
    b"GIF87a": "a GIF image",
    b"GIF89a": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"%PDF-": "a PDF document",
    b"\x1f\x8b": "a gzip archive",
    b"BZh": "a bzip2 archive",
    b"\xfd7zXZ\x00": "an xz archive",
    b"\x28\xb5\x2f\xfd": "a zstd archive",
    b"7z\xbc\xaf\x27\x1c": "a 7-Zip archive",
    b"Rar!\x1a\x07": "a RAR archive",
    b"SQLite format 3\x00": "an SQLite database",
    b"\x7fELF": "a program (ELF)",
}


#: The bytes that text holds, of those below 0x20: tab, LF, vertical tab, form feed, CR.
_TEXT_LOW = np.array([b in (9, 10, 11, 12, 13) for b in range(0x20)])


def not_text(scan: FileScan) -> str | None:
    r"""Why the bytes are no text (CSV) file at all, or None.

    A file is not text when it starts with the signature of another format
    (:data:`SIGNATURES`), or when its first bytes (:data:`SNIFF_BYTES`) hold NULs on
    more than half of their lines *and* control bytes (C0 but tab, line ends, vertical
    tab and form feed; NUL included) make up 5 % of them or more: a file of another
    kind, whose bytes hold NULs, control bytes and line ends everywhere, or UTF-16 text
    not told as such. Text damaged in places is text: a few lines holding a NUL (or a
    block of NULs over a line or two), or a NUL on every line amid much text (the
    quarantine export of rows that hold one), are read, their lines quarantined (rule
    ``control``, or ``malformed``) with the others, and the header is checked as any
    header is.

    >>> def why(data):
    ...     return not_text(FileScan(Path("t"), len(data), "", data, has_nul=b"\0" in data))
    >>> why(b"a,b\n1,\0\n2,3\n") is None, why(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    (True, 'the file is a PNG image, not a text (CSV) file')
    >>> why(b"\x01\0\0\x02\n\0\0\x07\n1,2\n")
    'the file holds binary data (NUL bytes on 2 of its 3 first lines): it is not a text (CSV) file; Excel and Parquet files are recognised by their content'
    >>> why(b"record_id,name\nR\0,Atlas Data Services\nR2\0,Rif Consulting Group\n") is None
    True
    """  # noqa: E501
    head = scan.head
    for signature, what in SIGNATURES.items():
        if head.startswith(signature):
            return f"the file is {what}, not a text (CSV) file"
    if not scan.has_nul:
        return None
    lines = [line for line in head.split(b"\n") if line.strip(b"\r")]
    if len(head) < scan.size and len(lines) > 1:  # (the last line may be cut)
        lines.pop()
    with_nul = sum(b"\0" in line for line in lines)
    byte = np.frombuffer(head, dtype=np.uint8)
    low = byte[byte < 0x20]
    controls = int(np.count_nonzero(~_TEXT_LOW[low]))
    if with_nul * 2 <= len(lines) or controls < 0.05 * len(head):
        return None
    utf16 = ""
    pairs = head[: len(head) // 2 * 2]
    if pairs.count(0) > 0.2 * len(pairs):
        even, odd = pairs[0::2].count(0), pairs[1::2].count(0)
        if max(even, odd) > 0.9 * (even + odd):
            codec = "utf-16-le" if odd > even else "utf-16-be"
            utf16 = f" (if it is UTF-16 text, state --encoding {codec})"
    return (
        f"the file holds binary data (NUL bytes on {with_nul:,} of its {len(lines):,} first "
        f"lines): it is not a text (CSV) file{utf16}; Excel and Parquet files are "
        "recognised by their content"
    )


#: The format each suffix names, when the content does not say otherwise.
_NAMED = {".parquet": "parquet", ".csv": "csv", ".txt": "csv", ".tsv": "csv"}
_NAMED.update(dict.fromkeys(SUFFIX_KIND, "excel"))
_FORMAT_WORDS = {
    "csv": "a text (CSV) file",
    "parquet": "a Parquet file",
    "excel": "an Excel workbook",
}
#: The first bytes of text that a spreadsheet program writes under a workbook's name
#: and that is no CSV: a web page or an XML Spreadsheet 2003.
_MARKUP = (b"<!doctype html", b"<html", b"<table", b"<?xml")


#: Other names of a stated format (``--format xlsx`` is excel).
_FORMAT_ALIASES = {"xlsx": "excel", "xls": "excel", "xlsm": "excel", "txt": "csv", "tsv": "csv"}


def stated_format(text: str) -> str:
    """A stated format's name, in lower case, its alias read (``XLSX`` -> ``excel``);
    an unknown one as it is (:func:`detect_format` refuses it).

    >>> stated_format("TSV"), stated_format("Parquet"), stated_format("orc")
    ('csv', 'parquet', 'orc')
    """
    fmt = text.lower()
    return _FORMAT_ALIASES.get(fmt, fmt)


def detect_format(path: Path, scan: FileScan, options: ReadOptions) -> str:
    """``parquet``, ``excel`` or ``csv``: the stated format, else what the content is
    (its first bytes), else what the name says. A file named for one format that holds
    another is read as what it holds (:func:`misnamed` says so in a note): a text file
    named ``.xlsx`` is read as text, as an ``.xlsx`` named ``.csv`` is read as a workbook.
    A workbook or a Parquet file that is damaged, a zip that holds no workbook, a workbook
    named for another kind, a web page named ``.xls`` are each one plain line
    (:class:`~marsad.ingest.errors.IngestError`): ``misnamed.xlsx`` said ``invalid Zip
    archive: Could not find EOCD`` and a damaged ``.xls`` ``Cfb error: Invalid sector
    shift``, a library's words."""
    if options.format:
        fmt = stated_format(options.format)
        if fmt not in ("csv", "parquet", "excel"):
            raise IngestError(f"unknown format {options.format!r}: use csv, parquet or excel")
        return fmt
    head = scan.head
    if head.startswith(PARQUET):
        check_parquet_end(path)
        return "parquet"
    if head.startswith(ZIP) or head.startswith(OLE2):
        check_named_kind(path, workbook_kind(path, head))
        return "excel"
    named = _NAMED.get(path.suffix.lower(), "csv")
    if named != "csv" and scan.size:  # named a workbook or Parquet, and not one
        _check_text_under(path, scan, named)
        return "csv"
    return named


def _check_text_under(path: Path, scan: FileScan, named: str) -> None:
    """Refuse a file named ``.xlsx`` (or ``.parquet``) that holds neither what its name
    says nor text: what it is, when that can be told."""
    what = _FORMAT_WORDS[named]
    why = not_text(scan)
    if why is not None:
        found = next((w for sig, w in SIGNATURES.items() if scan.head.startswith(sig)), None)
        held = f"it is {found}" if found else "it holds binary data of another kind"
        raise IngestError(f"the file is named {path.suffix} but is not {what}: {held}")
    start = scan.head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if named == "excel" and start.startswith(_MARKUP):
        page = "an XML file" if start.startswith(b"<?xml") else "a web page (HTML)"
        raise IngestError(
            f"the file is {page} named {path.suffix}, not a workbook (some systems export "
            "tables so): open it in Excel and save it as .xlsx or CSV, then load that"
        )


def misnamed(path: Path, fmt: str, options: ReadOptions) -> str | None:
    """A note when the file's name says another format than the one it was read as by
    its content (e.g. ``named .xlsx, but it is a text (CSV) file: read as text``); None
    when the name agrees, says nothing, or the format was stated (``--format``).

    >>> misnamed(Path("tx.xlsx"), "csv", ReadOptions())
    'the file is named .xlsx but is a text (CSV) file: read as such, by its content'
    >>> misnamed(Path("tx.csv"), "csv", ReadOptions()) is None
    True
    """
    named = _NAMED.get(path.suffix.lower())
    if options.format or named is None or named == fmt:
        return None
    return (
        f"the file is named {path.suffix} but is {_FORMAT_WORDS[fmt]}: read as such, by its content"
    )
