"""Encodings: which one a text file is in, and a UTF-8 copy when it is not UTF-8."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

import numpy as np

from marsad.ingest.errors import IngestError
from marsad.ingest.options import ProgressEvent, ProgressFn, ReadOptions
from marsad.ingest.scan import CHUNK, FileScan, TextStats

#: What a text may end with after its last value (line ends, spaces, a DOS end-of-file
#: mark), as :data:`marsad.ingest.scan._TRAILING`
_TRAILING = b"\x1a\r\n\t "


def _latin1_fallback(err: UnicodeError) -> tuple[str, int]:
    """Decode the 5 bytes Windows-1252 leaves undefined as Latin-1."""
    assert isinstance(err, UnicodeDecodeError)
    return err.object[err.start : err.end].decode("latin-1"), err.end


codecs.register_error("marsad_latin1", _latin1_fallback)


def _not_text(err: UnicodeError) -> tuple[str, int]:
    """A code unit that is no text (a lone UTF-16 surrogate, an odd last byte) as a byte
    no UTF-8 text holds (``\\udcff``, written as 0xFF by ``surrogateescape``): its line is
    quarantined (rule ``encoding``), as a byte not UTF-8 in a UTF-8 file. ``replace``
    made it U+FFFD, and a record id ``\\ufffdR2`` was loaded without a word; the same
    record sent again clean was another record, counted twice (a reviewer's case)."""
    assert isinstance(err, UnicodeDecodeError)
    return "\udcff", err.end


codecs.register_error("marsad_not_text", _not_text)

_ENCODING_LABELS = {
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8",
    "cp1252": "windows-1252",
    "latin-1": "latin-1",
    "iso8859-1": "latin-1",
    "utf-16": "utf-16",
    "utf-16-le": "utf-16-le",
    "utf-16-be": "utf-16-be",
}


_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def choose_encoding(scan: FileScan, options: ReadOptions) -> tuple[str, str, bool]:
    """(Python codec, label reported, whether the file starts with a byte-order mark).

    The label says ``(stated)`` when the user gave the encoding, e.g.
    ``latin-1 (stated)``; else it is detected: a BOM, valid UTF-8, or
    Windows-1252.
    """
    head = scan.head
    bom = head.startswith(_BOMS)
    if options.encoding:
        try:
            codec = codecs.lookup(options.encoding).name
        except LookupError:
            raise IngestError(
                f"unknown encoding {options.encoding!r} (try utf-8, cp1252, latin-1, utf-16)"
            ) from None
        return codec, _ENCODING_LABELS.get(codec, codec) + " (stated)", bom
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", "utf-8 (with BOM)", bom
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "utf-16", bom
    if scan.has_nul and (codec := _utf16_without_bom(head)):
        return codec, f"{codec} (without byte-order mark)", bom
    if scan.utf8_ok:
        return "utf-8", "utf-8", bom
    if scan.utf8_chars >= scan.utf8_bad and scan.utf8_chars:
        # UTF-8 text but for a few stray bytes: their lines are quarantined
        # (rule encoding), the others keep their accents
        word = "byte" if scan.utf8_bad == 1 else "bytes"
        return "utf-8", f"utf-8 ({scan.utf8_bad} {word} not UTF-8)", bom
    return "cp1252", "windows-1252", bom


def _utf16_without_bom(head: bytes) -> str | None:
    r"""``utf-16-le`` or ``utf-16-be`` when the first bytes are UTF-16 text without a
    byte-order mark: text of Latin letters, digits and separators has a NUL as the
    high byte of nearly every character, and no NUL as the low byte.

    >>> _utf16_without_bom("a,b\r\n1,2\r\n".encode("utf-16-le"))
    'utf-16-le'
    >>> _utf16_without_bom(b"a,b\x00\n1,2\n") is None
    True
    """
    pairs = head[: len(head) // 2 * 2][:4096]
    if len(pairs) < 8:
        return None
    even, odd = pairs[0::2], pairs[1::2]
    for codec, high, low in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if high.count(0) >= 0.9 * len(high) and low.count(0) == 0:
            return codec
    return None


def transcode(src: Path, codec: str, dst: Path, progress: ProgressFn | None = None) -> TextStats:
    """Write ``src`` decoded with ``codec`` to ``dst`` as UTF-8; stats of the output."""
    errors = "marsad_latin1" if codec in ("cp1252",) else "marsad_not_text"
    decoder = codecs.getincrementaldecoder(codec)(errors=errors)
    stats = TextStats()
    size = src.stat().st_size
    done = 0
    first = True
    with src.open("rb") as fin, dst.open("wb") as fout:
        while chunk := fin.read(CHUNK):
            text = decoder.decode(chunk)
            if first:
                text = text.lstrip("\ufeff")
                first = False
            out = text.encode("utf-8", "surrogateescape")
            stats.feed(out)
            fout.write(out)
            done += len(chunk)
            if progress:
                progress(ProgressEvent(src, "read", done * 0.2, size))
        out = decoder.decode(b"", final=True).encode("utf-8", "surrogateescape")
        stats.feed(out)
        fout.write(out)
    return stats


def blank_title(src: Path, dst: Path, lines: int) -> TextStats:
    """Copy ``src`` to ``dst`` with its first ``lines`` lines left empty (line
    ends kept), so that line numbers stay those of the file."""
    stats = TextStats()
    with src.open("rb") as fin, dst.open("wb") as fout:
        for _ in range(lines):
            raw = fin.readline()
            end = b"\r\n" if raw.endswith(b"\r\n") else b"\n" if raw.endswith(b"\n") else b""
            stats.feed(end)
            fout.write(end)
        while chunk := fin.read(CHUNK):
            stats.feed(chunk)
            fout.write(chunk)
    return stats


#: stands for a CR that does not end a line (no LF after it) in the copy DuckDB reads:
#: DuckDB takes any CR for a line end, and the rows are put back with their CR
#: (:func:`marsad.ingest.text.read.fields_sql`). A private-use character.
STRAY_CR = "\ue00d"
_STRAY = STRAY_CR.encode()


def trailing_empty_lines(path: Path) -> int:
    r"""Empty lines (nothing but a CR) after the last line holding text: DuckDB skips
    them without a word, and they are counted as empty rows skipped. A final line end
    is not a line; a line of spaces there is DuckDB's to reject (counted with the
    blank rows it rejects), not counted here.

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_bytes(b"h,i\n1,2\n\n \n\r\n\n")
    >>> trailing_empty_lines(f)
    3
    >>> _ = f.write_bytes(b"h,i\n\n1,2  \n")
    >>> trailing_empty_lines(f)
    0
    """
    tail = b""
    with path.open("rb") as fh:
        end = fh.seek(0, 2)
        while end > 0:
            start = max(0, end - 65536)
            fh.seek(start)
            tail = fh.read(end - start) + tail
            end = start
            if tail.strip(_TRAILING):
                break
    parts = tail[len(tail.rstrip(_TRAILING)) :].split(b"\n")
    # (the first part ends the last line holding text; the last follows the final line end)
    middle = sum(not p.strip(b"\r") for p in parts[1:-1])
    last = parts[-1] if len(parts) > 1 else b""
    return middle + (bool(last) and not last.strip(b"\r"))


def line_cells(text: str, sep: str) -> list[str]:
    """The cells of one line parsed on its own (RFC 4180 quotes); a CR inside it
    stays in its cell (Python's csv refuses a CR outside quotes in one line).

    >>> line_cells('a;"b;c";d\\re', ";")
    ['a', 'b;c', 'd\\re']
    """
    stray = "\r" in text
    line = text.replace("\r", STRAY_CR) if stray else text
    cells = next(csv.reader([line], delimiter=sep, quotechar='"', strict=False), [])
    return [c.replace(STRAY_CR, "\r") for c in cells] if stray else cells


class LineEnds(NamedTuple):
    """What :func:`normalise_line_ends` found and changed."""

    stats: TextStats  # of the copy
    crlf: int  # CRLF line ends: made LF, or kept (CR as STRAY_CR) inside a quoted value
    stray: int  # CRs not ending a line: made spaces at a value's edge, else STRAY_CR
    #: CRLFs inside a quoted value, the CR kept as STRAY_CR: the value's line break, or
    #: line ends after a quote never closed (a stray ``"``), not CRs inside a line
    quoted_crlf: int = 0

    @property
    def kept(self) -> int:
        """The CRs the copy holds as :data:`STRAY_CR` or spaces, to be put back."""
        return self.stray + self.quoted_crlf


def normalise_line_ends(
    src: Path, dst: Path, sep: str | None = None, header_line: int = 1
) -> LineEnds:
    """Copy ``src`` to ``dst`` with CRLF line ends turned into LF, and each other CR
    (a "stray" CR, with no LF after it: ``a\\rb`` or ``a\\r\\r\\n``) kept in its value
    for DuckDB, which takes any CR for a line end: next to the separator ``sep``
    or a line end (at a value's edge) a space, trimmed as one; else
    :data:`STRAY_CR`, put back as CR when the rows are staged. The copy's lines
    are the file's LF-ended lines. Quoted values are followed from the header line
    on (``header_line``: DuckDB skips the title lines above it, whatever quotes
    they hold).

    Errors: :class:`IngestError` when the file holds stray CRs and
    :data:`STRAY_CR` itself.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "a.csv").write_bytes(b"h\\r\\nx\\ry,\\rz\\r\\r\\nw\\n")
    >>> ends = normalise_line_ends(d / "a.csv", d / "b.csv", ",")
    >>> ends.crlf, ends.stray, (d / "b.csv").read_bytes() == f"h\\nx{STRAY_CR}y, z \\nw\\n".encode()
    (2, 3, True)
    """
    stats = TextStats()
    ends = b"[\\n" + re.escape((sep or "\n").encode()) + b"]"
    edge = re.compile(b"(?<=" + ends + b")\\r|\\r(?=" + ends + b")")
    before = b"\n"  # the file starts a line
    sep_byte = ord(sep) if sep and len(sep.encode()) == 1 else 10
    crlf = stray = quoted_crlf = offset = 0
    placeholder = quoted = False
    (body,) = line_starts(src, [header_line])
    with src.open("rb") as fin, dst.open("wb") as fout:
        for chunk, last in _cr_whole_chunks(fin):
            if last:  # a CR ends the file: a value's edge
                out, n_crlf, n_stray, n_quoted = b" ", 0, 1, 0
            else:
                placeholder = placeholder or _STRAY in chunk
                quotes = Quotes(quoted, sep_byte, body - offset)
                out, (n_crlf, n_stray, n_quoted), quoted = _line_ends(chunk, before, edge, quotes)
                before = chunk[-1:]
                offset += len(chunk)
            crlf, stray, quoted_crlf = crlf + n_crlf, stray + n_stray, quoted_crlf + n_quoted
            stats.feed(out)
            fout.write(out)
    if (stray or quoted_crlf) and placeholder:
        raise IngestError(
            "holds carriage returns (CR) inside lines and the character U+E00D, which "
            "marsad uses to read them: remove one or the other"
        )
    return LineEnds(stats, crlf, stray, quoted_crlf)


def _cr_whole_chunks(fin: BinaryIO) -> Iterator[tuple[bytes, bool]]:
    """(chunk, whether it is the CR that ends the file) of the bytes of ``fin``: a
    chunk's last CR goes with the next one, so that a CRLF is never cut in two."""
    carry = b""
    while chunk := fin.read(CHUNK):
        chunk = carry + chunk
        carry = b""
        if chunk.endswith(b"\r"):
            carry, chunk = b"\r", chunk[:-1]
        if chunk:
            yield chunk, False
    if carry:
        yield carry, True


def stray_cr_notes(ends: LineEnds) -> list[str]:
    """The notes of a load whose line ends :func:`normalise_line_ends` changed."""
    notes = []
    if 0 < ends.crlf < ends.stats.newlines:  # some lines end CRLF, others LF
        notes.append("mixed line ends (CRLF and LF) were read as one")
    if ends.stray:
        n, one = f"{ends.stray:,}", ends.stray == 1
        notes.append(
            f"{n} carriage return{'' if one else 's'} (CR) inside a line: at a value's "
            "edge read as a space (trimmed), inside a value kept (an id or a code "
            "holding one is quarantined, rule line_break)"
        )
    return notes


class Quotes(NamedTuple):
    """Where a chunk stands for quoted values: ``quoted`` if it starts inside one,
    the separator byte, and the chunk offset before which quotes are not followed
    (title lines)."""

    quoted: bool
    sep: int
    skip: int = 0


def line_starts(path: Path, lines: list[int]) -> list[int]:
    r"""Byte offset where each physical line of ``lines`` (1-based) starts, in one pass
    (the file's size for a line after its end).

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_bytes(b"ab\ncd\n\nef")
    >>> line_starts(f, [4, 1, 2, 9])
    [7, 0, 3, 9]
    """
    found: dict[int, int] = {}
    wanted = sorted(set(lines))
    k, newlines, base = 0, 0, 0  # newlines: those before the chunk at ``base``
    with path.open("rb") as fh:
        while k < len(wanted) and (chunk := fh.read(CHUNK)):
            n = chunk.count(b"\n")
            while k < len(wanted) and wanted[k] - 1 <= newlines + n:
                pos = -1
                for _ in range(wanted[k] - 1 - newlines):
                    pos = chunk.index(b"\n", pos + 1)
                found[wanted[k]] = base + pos + 1
                k += 1
            newlines += n
            base += len(chunk)
    return [found.get(n, base) for n in lines]


def _line_ends(
    chunk: bytes, before: bytes, edge: re.Pattern, quotes: Quotes
) -> tuple[bytes, tuple[int, int, int], bool]:
    """``chunk`` with CRLF made LF and its stray CRs replaced; ((its CRLFs, stray CRs,
    CRLFs inside a quoted value), whether it ends inside a quoted value). A CR inside a
    quoted value is kept whatever is next to it (the separator there is text, a CRLF
    there is the value's): :data:`STRAY_CR`; one before an LF there is counted as a CRLF
    line end, not a stray CR (after a stray quote that never closes, every line end to
    the end of the file is "inside a quoted value": they were noted as CRs inside a
    line)."""
    crs = chunk.count(b"\r")
    a = np.frombuffer(chunk, np.uint8)
    toggles, ends_quoted = (
        _quote_toggles(a, before[-1:] or b"\n", quotes) if b'"' in chunk else (a[:0], quotes.quoted)
    )
    if not crs:
        return chunk, (0, 0, 0), ends_quoted
    inside = inside_crlf = 0
    if (len(toggles) or quotes.quoted) and (mark := _absent_byte(a, quotes.sep)) is not None:
        at = np.flatnonzero(a == 13)
        at = at[(np.searchsorted(toggles, at) + quotes.quoted) % 2 == 1]
        if inside := len(at):
            # (a chunk's last CR goes with the next chunk: one here has a byte after it)
            inside_crlf = int(np.count_nonzero(a[np.minimum(at + 1, len(a) - 1)] == 10))
            a = a.copy()
            a[at] = mark  # (a byte not in the chunk) made STRAY_CR below
            chunk = a.tobytes()
    out = chunk.replace(b"\r\n", b"\n")
    left = out.count(b"\r")
    if left:
        out = edge.sub(b" ", before + out)[len(before) :].replace(b"\r", _STRAY)
    if inside:
        out = out.replace(bytes([mark]), _STRAY)
    lone = left + inside - inside_crlf
    return out, (crs - lone, lone, inside_crlf), ends_quoted


#: Bytes that may stand for a quoted CR in :func:`_line_ends` while the other CRs are
#: replaced: control bytes, which text seldom holds (a NUL of a damaged line may be
#: in the chunk), none of them a line end, a quote, a separator or a space.
_MARKS = np.array([0, *range(1, 9), *range(0x0E, 0x20)], np.uint8)


def _absent_byte(a: np.ndarray, sep: int) -> int | None:
    """A byte of :data:`_MARKS` that the bytes ``a`` do not hold, nor the separator
    ``sep`` is, or None."""
    seen = np.bincount(a, minlength=256)[_MARKS]
    free = np.flatnonzero((seen == 0) & (sep != _MARKS))
    return int(_MARKS[free[0]]) if len(free) else None


#: bytes around a quote that opens (before it) or closes (after it) a quoted value
_FIELD_EDGES = np.array([9, 10, 13, 32], np.uint8)


def _quote_toggles(a: np.ndarray, before: bytes, quotes: Quotes) -> tuple[np.ndarray, bool]:
    """Positions in the bytes ``a`` where a quoted value opens or closes, and whether
    ``a`` ends inside one. A run of quotes of odd length opens a value when outside
    one and at a field's start (after a separator, a line end or spaces), and closes
    it when inside and at its end; a doubled quote is even; a quote inside an
    unquoted value (``5" disk``, ``Disk 5",``) opens nothing, as DuckDB reads it.
    Quotes before ``quotes.skip`` (title lines) are not followed."""
    at = np.flatnonzero(a == 34)
    at = at[at >= quotes.skip]
    if not len(at):
        return at, quotes.quoted
    cut = np.flatnonzero(np.diff(at) != 1) + 1
    first, last = at[np.r_[0, cut]], at[np.r_[cut - 1, len(at) - 1]]
    odd = (last - first + 1) % 2 == 1
    first, last = first[odd], last[odd]
    prev = np.where(first > 0, a[np.maximum(first - 1, 0)], before[0])
    after = np.where(last + 1 < len(a), a[np.minimum(last + 1, len(a) - 1)], 10)
    edges = np.append(_FIELD_EDGES, np.uint8(quotes.sep))
    opens, closes = np.isin(prev, edges), np.isin(after, edges)
    state, toggles = quotes.quoted, []
    events = zip(first.tolist(), opens.tolist(), closes.tolist(), strict=True)
    for pos, can_open, can_close in events:
        if can_close if state else can_open:
            state = not state
            toggles.append(pos)
    return np.array(toggles, np.int64), state


def _ascii_stand_in(err: UnicodeError) -> tuple[bytes, int]:
    """Encode a character beyond ASCII as as many ``?`` as its UTF-8 bytes, and a
    byte that was not UTF-8 (decoded with ``surrogateescape``) as itself."""
    assert isinstance(err, UnicodeEncodeError)
    out = bytearray()
    for ch in err.object[err.start : err.end]:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, kept as it was
            out.append(code - 0xDC00)
        else:
            out += b"?" * len(ch.encode("utf-8", errors="surrogatepass"))
    return bytes(out), err.end


codecs.register_error("marsad_ascii_stand_in", _ascii_stand_in)


def ascii_twin(src: Path, dst: Path) -> None:
    r"""Copy the UTF-8 file ``src`` to ``dst`` with each byte of a character beyond
    ASCII replaced by ``?``: the same bytes at the same places for every separator,
    quote and line end (a UTF-8 character holds no ASCII byte), so DuckDB splits
    both files into the same records, and the twin's text holds no character a cut
    could split. A byte that is not UTF-8 is kept.

    DuckDB keeps 10,000 bytes of a rejected line (a quote never closed can make one
    line of the rest of the file); cut inside a character, that text cannot be
    stored, and the whole read fails ("Invalid unicode … segment statistics update",
    duckdb issue 18980). The rejects are then taken from the twin
    (:func:`marsad.ingest.text.read.read_text`).

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "a.csv").write_bytes(b'\xc3\xa9,"St\xc3\xa9\n1,\xff\n')
    >>> ascii_twin(d / "a.csv", d / "b.csv"); (d / "b.csv").read_bytes()
    b'??,"St??\n1,\xff\n'
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    with src.open("rb") as fin, dst.open("wb") as fout:
        while chunk := fin.read(CHUNK):
            fout.write(decoder.decode(chunk).encode("ascii", "marsad_ascii_stand_in"))
        fout.write(decoder.decode(b"", final=True).encode("ascii", "marsad_ascii_stand_in"))


def cr_line_ends(src: Path, dst: Path) -> TextStats:
    """Copy ``src``, whose lines end with CR (an old Mac export: more lone CRs than
    LFs), to ``dst`` with LF line ends, CRLF ones included: DuckDB and the line
    numbers count LF."""
    stats = TextStats()
    with src.open("rb") as fin, dst.open("wb") as fout:
        for chunk, _last in _cr_whole_chunks(fin):
            out = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            stats.feed(out)
            fout.write(out)
    return stats
