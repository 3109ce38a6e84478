"""Line numbers of staged text rows, and the lines DuckDB rejected.

DuckDB's ``read_csv`` does not give the line of each row, so lines are
rebuilt from the row's rank, the newlines inside quoted values and the lines
DuckDB skipped (blank lines, rejected lines); a rejected line is found from
the byte position DuckDB reports.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa

from marsad.engine import MissingTable, Warehouse
from marsad.ingest.cleaning import holds_nothing as value_holds_nothing
from marsad.ingest.header import Header
from marsad.ingest.scan import CHUNK
from marsad.ingest.staging import NL, REJ_ERRORS, SKIP, Reject, create_from_arrow, raw_table
from marsad.ingest.text.encoding import STRAY_CR, line_cells, line_starts

#: DuckDB's errors after which the lines a reject swallowed are read again one by one
QUOTE_ERRORS = ("UNQUOTED VALUE", "UNTERMINATED QUOTE")
#: DuckDB's error for a record longer than its ``max_line_size`` (2 MB): one reject,
#: whatever the number of lines a quoted value in it spans
TOO_LONG = "LINE SIZE OVER MAXIMUM"
#: DuckDB's errors of a line that may hold no value at all (a line of spaces has one field)
BLANK_ERRORS = ("MISSING COLUMNS", "TOO MANY COLUMNS")
#: DuckDB keeps this many bytes of a rejected line: a line cut there may hold more after it
CUT = 9_990


class Rejected(NamedTuple):
    """What :func:`collect_rejects` found among the lines DuckDB rejected."""

    rejects: list[Reject]  # with their physical line
    covered: list[int]  # the physical lines they cover
    again: list[tuple[int, str]]  # lines a quote never closed swallowed: (line, text)
    blank: list[int]  # lines of only spaces (and separators), counted as blank rows
    #: the lines of the records rejected over more than one line (a quote never closed,
    #: a quoted value too long), where DuckDB's other threads may have read rows too
    spanning: list[int]

    def within(self, lines: set[int]) -> Rejected:
        """What was found on ``lines`` only."""
        return Rejected(
            [r for r in self.rejects if r.line in lines],
            [n for n in self.covered if n in lines],
            [a for a in self.again if a[0] in lines],
            [n for n in self.blank if n in lines],
            [n for n in self.spanning if n in lines],
        )

    def merged(self, other: Rejected) -> Rejected:
        return Rejected(*(a + b for a, b in zip(self, other, strict=True)))


NOTHING_REJECTED = Rejected([], [], [], [], [])


def holds_nothing(text: str, sep: str) -> bool:
    """Whether a line holds no value: only spaces, invisible characters, separators
    and empty quotes.

    >>> holds_nothing(" \t ", ","), holds_nothing(' ;"";', ";"), holds_nothing(" x ", ",")
    (True, True, False)
    """
    return all(map(value_holds_nothing, line_cells(text, sep)))


def collect_rejects(
    wh: Warehouse, read_path: Path, header: Header, sep: str, from_twin: bool = False
) -> Rejected:
    """The lines DuckDB rejected (it cannot split them into the header's ``sep``-separated
    columns), each with its physical line; a line of only spaces among them is a blank
    row, as a line of empty fields is, not a reject. With ``from_twin``, DuckDB read
    an ASCII twin of ``read_path`` (:func:`~marsad.ingest.text.encoding.ascii_twin`):
    the text of each rejected line is read again from the file."""
    try:
        rows = wh.sql(
            f"""SELECT line_byte_position,
                       CASE WHEN bool_or(list_contains({list(QUOTE_ERRORS)}, error_type::VARCHAR))
                            THEN 'UNQUOTED VALUE' ELSE min(error_type)::VARCHAR END, min(csv_line),
                       min(error_message), min(column_name)
                FROM {REJ_ERRORS} GROUP BY line_byte_position ORDER BY line_byte_position"""
        )
    except MissingTable:  # no rejects table: nothing was rejected
        return NOTHING_REJECTED
    if not rows:
        return NOTHING_REJECTED
    positions = _restarts(read_path, [int(r[0]) for r in rows])
    lines = _lines_at(read_path, positions)
    rejects: list[Reject] = []
    covered: list[int] = []
    again: list[tuple[int, str]] = []
    blank: list[int] = []
    spanning: list[int] = []
    seen: set[int] = set()
    lines = [n + b for n, b in zip(lines, _blanks_at(read_path, positions), strict=True)]
    if from_twin:
        rows = [
            (*r[:2], t, *r[3:])
            for r, t in zip(rows, _texts_at(read_path, lines, rows), strict=True)
        ]
    for (_, etype, csv_line, emsg, column), line in zip(rows, lines, strict=True):
        if line in seen:
            # a line inside a record rejected before it (which another of DuckDB's
            # threads read from there): counted with that record, not again
            continue
        text, cut = _rejected_text(read_path, line, etype, csv_line, sep)
        text = text.replace(STRAY_CR, "\r")  # (a CR of the file, see normalise_line_ends)
        parts = text.split("\n")
        span = range(line, line + len(parts))
        covered.extend(span)
        seen.update(span)
        if len(parts) > 1:
            spanning.extend(span)
        if etype in BLANK_ERRORS and not cut and holds_nothing(text, sep):
            blank.append(line)
            continue
        if etype in QUOTE_ERRORS and len(parts) > 1:
            # a quote never closed costs its own line, not the lines it swallowed
            again += [(line + k, p.rstrip("\r")) for k, p in enumerate(parts) if k]
            text = parts[0].rstrip("\r")
        rejects.append(_reject(etype, emsg, column, line, header, text, sep, cut))
    return Rejected(rejects, covered, again, blank, spanning)


def _reject(
    etype: str, emsg: str | None, column: str | None, line: int, header: Header, text: str,
    sep: str, cut: bool,
) -> Reject:  # fmt: skip
    """The reject of a line DuckDB rejected with error ``etype``; ``text``: its own (a
    quote never closed) or the whole record's, ``cut`` short or not."""
    rule, msg, column = _reject_reason(etype, emsg, column, line, header, text, sep)
    if rule == "malformed" and (joined := joined_records(text, sep, len(header.cells), cut)):
        msg, column = joined_message(line, joined, cut), None
    elif rule == "malformed":
        msg += _nul_bytes(text)
    return Reject(line=line, rule=rule, column=column, value=_shown(text), message=msg)


def _rejected_text(
    read_path: Path, line: int, etype: str, csv_line: str | None, sep: str
) -> tuple[str, bool]:
    """The text of a line DuckDB rejected (``csv_line``, its report), and whether that
    text is cut short."""
    text = (csv_line or "").strip("\r\n")
    cut = len(csv_line or "") >= CUT  # (DuckDB's text of the line is cut short)
    if etype in QUOTE_ERRORS or etype == TOO_LONG:
        # (DuckDB's text of a record is cut at 10,000 bytes: a quoted value of many
        # lines, closed or not, is found again in the file, and all its lines counted)
        return swallowed(read_path, line, text), cut
    if etype in BLANK_ERRORS and cut:
        # its fields are counted, and its lines: the whole record is read again
        return record_at(read_path, line, sep), False
    return text, cut


def joined_records(text: str, sep: str, ncols: int, cut: bool = False) -> int:
    r"""How many records a line holds that CRs alone join (``R2,…,FR\rR3,…,FR``: each
    part between them has the header's ``ncols`` fields and closes its quotes), or 0.
    When the ``text`` is ``cut`` short, its last part is not looked at.

    >>> joined_records("a,b\rc,d\r", ",", 2), joined_records("a,b\rc", ",", 2)
    (2, 0)
    >>> joined_records('a,"b\rc",d', ",", 2), joined_records("a,b,c", ",", 2)
    (0, 0)
    """
    if "\r" not in text:
        return 0
    parts = text.split("\r")
    parts = [p for p in (parts[:-1] if cut else parts) if p.strip()]
    quote, delim = ord('"'), sep.encode("utf-8")[0]
    whole = all(
        len(line_cells(p, sep)) == ncols and not _in_quotes_after(p.encode(), False, quote, delim)
        for p in parts
    )
    return len(parts) if whole and len(parts) > 1 else 0


def joined_message(line: int, joined: int, cut: bool = False) -> str:
    more = " or more" if cut else ""
    return (
        f"line {line} holds {joined:,}{more} records joined by a carriage return (CR) alone, the "
        "line end of an old Mac export, where the file's other lines end with LF or CRLF: "
        "save the file with one kind of line end (LF or CRLF) and load it again"
    )


def _texts_at(path: Path, lines: list[int], rows: list[tuple]) -> list[str]:
    """The file's text of each rejected line read from its twin: as many bytes from
    the line's start as the twin's text (``rows``' third item) holds; a character cut
    at the end is left out."""
    starts = line_starts(path, lines)
    out = []
    with path.open("rb") as fh:
        for start, row in zip(starts, rows, strict=True):
            fh.seek(start)
            size = len((row[2] or "").encode("utf-8", errors="surrogateescape"))
            out.append(fh.read(size).decode("utf-8", errors="ignore"))
    return out


def swallowed(path: Path, line: int, shown: str) -> str:
    r"""The text a quote never closed swallowed, from the start of physical ``line``: the
    lines DuckDB reported (``shown``) or, when its report was cut short inside the quoted
    value (an odd number of quotes: DuckDB keeps 10,000 characters of a rejected line),
    every line up to the one where the quote closes, or to the end of the file: DuckDB
    read nothing of them, and reading again only the lines it showed lost the rest
    without a word.

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_bytes(b'h\nx,"1\nb,2\nc,3"\nd,4\n')
    >>> swallowed(f, 2, 'x,"1')
    'x,"1\nb,2\nc,3"'
    >>> swallowed(f, 2, 'x,"1\nb,2\nc,3"')
    'x,"1\nb,2\nc,3"'
    """
    if (quotes := shown.count('"')) % 2 == 0:
        return shown  # the quote closes in the report: whole
    lines_shown = shown.count("\n")
    start, last = line_starts(path, [line, line + lines_shown])
    with path.open("rb") as fh:
        if lines_shown:
            # the opening quote is on the first line: from the last line shown on, the
            # first quote not doubled closes the value (there is none before the cut)
            resume = last
        else:
            # the report's last quote opens the value, none follows it before the cut:
            # found by its rank on the line (the report may hold a byte not UTF-8 written
            # otherwise than in the file, so its bytes are not compared)
            fh.seek(start)
            head = fh.read(len(shown.encode("utf-8")) + 4096)
            at = -1
            for _ in range(quotes):
                if (at := head.find(b'"', at + 1)) < 0:
                    return shown  # not what DuckDB showed: keep its report
            resume = start + at + 1
        end = _closing_line_end(fh, resume)
        fh.seek(start)
        data = fh.read(end - start if end >= 0 else -1)
    # (a byte not UTF-8 is kept as itself, a lone surrogate, for read_again to tell it
    # from a U+FFFD the file writes)
    return data.decode("utf-8", errors="surrogateescape").rstrip("\r\n")


def _closing_line_end(fh, offset: int) -> int:
    """From ``offset`` inside a quoted value: the offset of the end of the line where
    the value closes (a quote not doubled), -1 when it never does."""
    fh.seek(offset)
    data = fh.read()  # a file whose quote never closes is read to its end anyway
    i = 0
    while (i := data.find(b'"', i)) >= 0:
        if data[i + 1 : i + 2] == b'"':
            i += 2
            continue
        end = data.find(b"\n", i)
        return offset + (end if end >= 0 else len(data))
    return -1


def fields_message(line: int, found: int, header: Header) -> str:
    """The message of a line of ``found`` fields, as the file's dialect splits it, under a
    header of another number, with the column where the line parts from the header.

    >>> h = Header(1, ["a", "b", "c"], {"a": 0, "b": 1}, written=["A", "B", "C"])
    >>> fields_message(3, 7, h)
    'line 3 has 7 fields where the header has 3 (4 more after its last column, C)'
    >>> fields_message(4, 1, h)
    'line 4 has 1 field where the header has 3 (it stops before column b)'
    """
    ncols = len(header.cells)
    if found == ncols:  # (split otherwise by DuckDB: not expected)
        return f"line {line} cannot be split into the header's {ncols:,} columns"
    head = (
        f"line {line} has {found:,} field{'' if found == 1 else 's'} where the header has {ncols:,}"
    )
    if found > ncols:
        return (
            f"{head} ({found - ncols:,} more after its last column, {_column(header, ncols - 1)})"
        )
    return f"{head} (it stops before column {_column(header, found)})"


def _column(header: Header, index: int) -> str:
    """Column ``index`` by its field (e.g. ``amount``), else as the file names it, else
    by its rank (``4``)."""
    for f, i in header.mapping.items():
        if i == index:
            return f
    name = header.written[index] if index < len(header.written) else ""
    return name or str(index + 1)


def record_at(path: Path, line: int, sep: str) -> str:
    r"""The text of the record that starts on physical ``line`` of ``path``: to the end of
    the line where no quoted value is left open (DuckDB's text of a rejected line is cut
    at 10,000 bytes; malformed lines are few, and only they are read again).

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_bytes(b'h\nx,"1\nb",2\nc,3\n')
    >>> record_at(f, 2, ",")
    'x,"1\nb",2'
    """
    return records_at(path, [line], sep)[line]


def records_at(path: Path, lines: list[int], sep: str) -> dict[int, str]:
    """:func:`record_at` of each of ``lines``, their starts found in one pass."""
    quote, delim = ord('"'), sep.encode("utf-8")[0]
    out = {}
    with path.open("rb") as fh:
        for line, start in zip(lines, line_starts(path, lines), strict=True):
            fh.seek(start)
            in_quotes, data = False, []
            for raw in fh:
                data.append(raw)
                if not (in_quotes := _in_quotes_after(raw, in_quotes, quote, delim)):
                    break
            out[line] = b"".join(data).decode("utf-8", errors="surrogateescape").rstrip("\r\n")
    return out


def _reject_reason(
    etype: str, emsg: str | None, column: str | None, line: int, header: Header, text: str,
    sep: str,
) -> tuple[str, str, str | None]:  # fmt: skip
    """(rule, message, column) of a line DuckDB rejected with error ``etype``; ``text``:
    the line's (the whole record's)."""
    if etype == "INVALID ENCODING":
        return "encoding", _not_utf8(line), None
    if etype in BLANK_ERRORS:
        # (DuckDB's "Found: 4" of a line of 7 fields under 3 is where it found the first
        # extra field: the fields are counted in the line's text, as the dialect splits it)
        return "malformed", fields_message(line, len(line_cells(text, sep)), header), None
    if etype == "UNQUOTED VALUE":
        name = _colname(header, column) if column else None
        where = f", column {name}" if column else ""
        return "malformed", f"line {line}{where}: a quoted value is not closed properly", name
    if etype == TOO_LONG:
        return "malformed", f"line {line} is too long to be a record", None
    return "malformed", f"line {line} cannot be read: {emsg}", None


_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # a byte not UTF-8, decoded with surrogateescape


def _shown(text: str) -> str:
    r"""A rejected line's text as the quarantine shows it: its first 300 characters, a
    byte not UTF-8 as U+FFFD.

    >>> _shown("F1,Caf\udce9"), len(_shown("x" * 400))
    ('F1,Caf\ufffd', 301)
    """
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text if len(text) <= 300 else text[:300] + "…"


def _nul_bytes(text: str) -> str:
    r"""What a malformed line's NUL bytes tell, to add to its message: a line a block of
    NULs overwrote (with the line ends it held) is damage, not a record written wrong.

    >>> _nul_bytes("\0\0\0,FR"), _nul_bytes("R1,FR")
    (': it holds 3 NUL bytes, where the file may be damaged', '')
    """
    n = text.count("\0")
    if not n:
        return ""
    return f": it holds {n:,} NUL byte{'' if n == 1 else 's'}, where the file may be damaged"


def _not_utf8(line: int) -> str:
    return (
        f"line {line} holds bytes that are not valid text in the file's encoding "
        "(UTF-8 unless stated: state it with --encoding, e.g. --encoding cp1252)"
    )


def not_text_message(line: int, encoding: str | None) -> str:
    """The message of a line that is not text in the file's ``encoding`` (the label it
    was read with, :class:`~marsad.ingest.options.Detected`): read as UTF-8, the file
    may be in another encoding; read in another encoding stated, or as UTF-16 (its
    byte order mark, or its bytes, said so), the line itself is damaged (in UTF-16, a
    half of a surrogate pair), and cp1252 is no cure.

    >>> not_text_message(7, "utf-16")
    "line 7 holds bytes that are not valid UTF-16 (the file's encoding, from its byte order mark or its bytes): the line was written damaged; ask the bank for it again"
    >>> not_text_message(2, "shift_jis (stated)")[:85]
    'line 2 holds bytes that are not valid SHIFT_JIS (the encoding stated with --encoding)'
    >>> not_text_message(3, "utf-8 (stated)").endswith("e.g. --encoding cp1252)")
    True
    """  # noqa: E501
    label = (encoding or "utf-8").lower()
    name = label.split(" ")[0]
    if name.startswith("utf-8"):  # (stated or not: the file may be in another encoding)
        return _not_utf8(line)
    if "(stated)" in label:
        why = "the encoding stated with --encoding"
        cure = "the line was written damaged, or the file is in another encoding"
    elif name.startswith(("utf-16", "utf-32")):
        why = "the file's encoding, from its byte order mark or its bytes"
        cure = "the line was written damaged; ask the bank for it again"
    else:
        return _not_utf8(line)
    return f"line {line} holds bytes that are not valid {name.upper()} ({why}): {cure}"


def _colname(header: Header, duck_name: str | None) -> str | None:
    if not duck_name or not duck_name.startswith("c"):
        return duck_name
    try:
        idx = int(duck_name[1:])
    except ValueError:
        return duck_name
    for f, i in header.mapping.items():
        if i == idx:
            return f
    return header.shown(idx) if idx < len(header.cells) else duck_name


def line_at(path: Path, position: int) -> int:
    """Physical line (1-based) of the byte ``position`` of ``path``."""
    return _lines_at(path, [position])[0]


def _lines_at(path: Path, positions: list[int]) -> list[int]:
    """Physical line (1-based) of each byte position DuckDB reported."""
    out = []
    count = 0
    offset = 0
    it = iter(sorted(set(positions)))
    found: dict[int, int] = {}
    target = next(it, None)
    with path.open("rb") as fh:
        while target is not None and (chunk := fh.read(CHUNK)):
            end = offset + len(chunk)
            while target is not None and target <= end:
                found[target] = count + chunk.count(b"\n", 0, target - offset) + 1
                target = next(it, None)
            count += chunk.count(b"\n")
            offset = end
    for p in positions:
        out.append(found.get(p, count + 1))
    return out


def _restarts(path: Path, positions: list[int]) -> list[int]:
    r"""Where DuckDB took up reading again before each rejected line, from the byte
    position it reports: two bytes after the first byte of the line end before (with
    LF line ends one byte into the line after it: on the line end itself when that line
    holds one character, which was then counted as a blank line).

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_bytes(b"a,b\n1,2\nx\n3,4\n")  # DuckDB reports 9 for the line x, at 8
    >>> _restarts(f, [9])
    [8]
    >>> _ = f.write_bytes(b"a,b\r\n1,2\r\nx\r\n")  # and 10 with CRLF, where it starts
    >>> _restarts(f, [10])
    [10]
    """
    out = []
    with path.open("rb") as fh:
        for p in positions:
            if p < 2:
                out.append(p)
                continue
            fh.seek(p - 2)
            out.append(p - 1 if fh.read(1) == b"\n" else p)
    return out


def _blanks_at(path: Path, positions: list[int]) -> list[int]:
    """Blank lines at each byte position: DuckDB's position of a rejected line
    may fall on the blank lines before it."""
    out = []
    with path.open("rb") as fh:
        for p in positions:
            fh.seek(p)
            head = fh.read(4096)
            blank = head[: len(head) - len(head.lstrip(b"\r\n"))]
            out.append(blank.count(b"\n"))
    return out


def blank_lines(
    path: Path, header_line: int, rejected: set[int] | frozenset = frozenset(), sep: str = ","
) -> list[int]:
    r"""Physical lines after the header that are blank (outside quoted values);
    a ``rejected`` line ends any quoted value (DuckDB starts afresh after it).

    A quote opens a quoted value only at the start of a field, as DuckDB reads it:
    ``So"c`` is a value holding a quote, and the blank line after it is blank.

    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_bytes(b'h,i\nSo"c,1\n\nx,"a\n\nb"\n\n')
    >>> blank_lines(f, 1)
    [3, 7]
    """
    out = []
    in_quotes = False
    quote, delim = ord('"'), sep.encode("utf-8")[0] if sep else ord(",")
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            if n in rejected:
                in_quotes = False
                continue
            if n > header_line and not in_quotes and not raw.strip(b"\r\n"):
                out.append(n)
            if quote in raw:
                in_quotes = _in_quotes_after(raw, in_quotes, quote, delim)
    return out


#: The most lines a record read again may span (a quoted value with line breaks), and
#: the most records read again whole from the file.
_MOST_LINES = 1000


def _open_quote(text: str, sep: str) -> bool:
    """Whether the line ``text`` leaves a quoted value open."""
    return _in_quotes_after(text.encode(), False, ord('"'), sep.encode("utf-8")[0])


def _over_lines(
    record: str, line: int, sep: str, ncols: int, readable: set[int]
) -> tuple[int, list[str]] | None:
    """The record that starts on ``line`` (its text ``record``, from :func:`records_at`)
    and ends on a later line, when every quote of it closes properly (RFC 4180: a
    closing quote before a separator or the end) and each line it spans is ``readable``
    (read again, or rejected on its own): (the lines it spans after the first, its
    cells); None when there is no such record of ``ncols`` fields. A stray quote
    (``"oops``) closes nowhere properly.

    >>> _over_lines('R1,"oops\\nR2,ok\\nR3,"a', 2, ",", 2, {3, 4, 5})
    >>> _over_lines('R3,"a\\nb, c"', 4, ",", 2, {5})
    (1, ['R3', 'a\\nb, c'])
    """
    span = record.count("\n")
    if not 0 < span < _MOST_LINES or not all(line + k in readable for k in range(1, span + 1)):
        return None
    if _open_quote(record, sep):
        return None  # (open to the end of the file)
    try:
        cells = next(csv.reader([record.replace("\r", STRAY_CR)], delimiter=sep, strict=True))
    except (csv.Error, StopIteration):
        return None
    return (span, [c.replace(STRAY_CR, "\r") for c in cells]) if len(cells) == ncols else None


def _in_quotes_after(raw: bytes, in_quotes: bool, quote: int, delim: int) -> bool:
    """Whether a quoted value is still open at the end of the line ``raw``: a quote
    opens one at a field's start only; inside, a doubled quote is one quote."""
    start, i, n = not in_quotes, 0, len(raw)
    while i < n:
        b = raw[i]
        if in_quotes:
            if b == quote:
                if i + 1 < n and raw[i + 1] == quote:
                    i += 1
                else:
                    in_quotes = False
        elif b == quote and start:
            in_quotes = True
        start = not in_quotes and b == delim
        i += 1
    return in_quotes


def count_rows(wh: Warehouse, ncols: int, tag: int, maybe_newlines: bool) -> tuple[int, int]:
    """Rows staged, and newlines inside quoted values; rows holding such
    newlines go to ``_ing_nl_<tag>`` (rank, running count)."""
    raw = raw_table(tag)
    if not maybe_newlines:
        return int(wh.scalar(f"SELECT count(*) FROM {raw}")), 0
    has = " OR ".join(f"contains(c{i}, chr(10))" for i in range(ncols))
    rows, with_nl = wh.sql(f"SELECT count(*), count(*) FILTER (WHERE {has}) FROM {raw}")[0]
    if not with_nl:
        return int(rows), 0
    nl = " + ".join(
        f"coalesce(length(c{i}) - length(replace(c{i}, chr(10), '')), 0)" for i in range(ncols)
    )
    wh.sql(
        f"""CREATE OR REPLACE TEMP TABLE {NL}_{tag} AS
            SELECT _row, sum(nl) OVER (ORDER BY _row) AS cum FROM (
                SELECT rowid AS _row, {nl} AS nl FROM {raw} WHERE {has})"""
    )
    return int(rows), int(wh.scalar(f"SELECT max(cum) FROM {NL}_{tag}"))


def line_source(
    wh: Warehouse, header_line: int, with_nl: bool, skip_lines: list[int], tag: int
) -> str:
    """FROM clause giving the staged columns ``c0…`` and ``_line``, the physical
    line where each row starts.

    A row's line is ``header + 1 + rank``, plus the newlines inside quoted values
    of the rows before it (table ``_ing_nl``), plus the lines DuckDB skipped
    before it (blank and rejected lines, table ``_ing_skip``). With the skipped
    lines L1 < L2 < … and a row's line without them n, the row comes after the
    k-th skipped line exactly when n >= Lk - (k - 1).
    """
    inner = f"SELECT rowid AS _row, * FROM {raw_table(tag)}"
    first = header_line + 1
    if with_nl:
        inner = (
            f"SELECT r.*, {first} + r._row + coalesce(n.cum, 0) AS _naive FROM ({inner}) r "
            f"ASOF LEFT JOIN {NL}_{tag} n ON r._row > n._row"
        )
    else:
        inner = f"SELECT *, {first} + _row AS _naive FROM ({inner})"
    if not skip_lines:
        return f"(SELECT *, _naive AS _line FROM ({inner})) src"
    # k-th skipped line -> threshold; equal thresholds keep the largest k
    last: dict[int, int] = {}
    for k, line in enumerate(skip_lines):
        last[line - k] = k + 1
    thresholds = list(last)
    skips = {"m": pa.array(thresholds, pa.int64()), "k": pa.array(list(last.values()), pa.int64())}
    create_from_arrow(wh, f"{SKIP}_{tag}", pa.table(skips))
    return (
        f"(SELECT q.*, q._naive + coalesce(s.k, 0) AS _line FROM ({inner}) q "
        f"ASOF LEFT JOIN {SKIP}_{tag} s ON q._naive >= s.m) src"
    )


def read_again(
    wh: Warehouse, again: list[tuple[int, str]], sep: str, header: Header, tag: int,
    rejects: list[Reject], path: Path | None = None,
) -> tuple[str | None, int, int]:  # fmt: skip
    """Read the lines a quote never closed swallowed, each on its own, or with the
    lines after it when its quoted value closes properly there (``path``: the file read;
    a record written over several lines after a stray quote cost two rows, a reviewer's
    ``"a\\nb, c"``): the table of those with the header's number of fields (``_line``,
    ``c0…``; None when there is none), its rows, and the lines of only spaces and
    separators among them (blank rows); the others added to ``rejects``, and the lines
    of a record read whole taken out of them."""
    if not again:
        return None, 0, 0
    ncols = len(header.cells)
    rows: list[tuple[int, list[str]]] = []
    blank = 0
    readable = {n for n, _ in again} | {r.line for r in rejects if r.rule == "malformed"}
    opened = [n for n, text in again if '"' in text and _open_quote(text, sep)][:_MOST_LINES]
    records = records_at(path, opened, sep) if path is not None and opened else {}
    spanned: set[int] = set()
    for line, text in again:
        if line in spanned:
            continue
        if line in records and (whole := _over_lines(records[line], line, sep, ncols, readable)):
            rows.append((line, whole[1]))
            spanned.update(range(line + 1, line + whole[0] + 1))
            continue
        if not text or ('"' not in text and holds_nothing(text, sep)):
            blank += 1
            continue
        if _NOT_UTF8.search(text):  # (read again from the file, see swallowed)
            rejects.append(Reject(line, "encoding", None, _shown(text), _not_utf8(line)))
            continue
        cells = line_cells(text, sep)
        # (a quote inside an unquoted value, C "x, opens nothing, as DuckDB reads it)
        unclosed = _in_quotes_after(text.encode(), False, ord('"'), sep.encode()[0])
        if len(cells) == ncols and not unclosed:
            rows.append((line, cells))
            continue
        what = (
            f"line {line}: a quoted value is not closed properly"
            if unclosed
            else fields_message(line, len(cells), header)
        )
        message = f"{what}{_nul_bytes(text)}"
        rejects.append(Reject(line, "malformed", None, _shown(text), message))
    rejects[:] = [r for r in rejects if r.line not in spanned]
    table = f"_ing_again_{tag}"
    columns = {"_line": pa.array([r[0] for r in rows], pa.int64())}
    for i in range(ncols):
        columns[f"c{i}"] = pa.array([r[1][i] or None for r in rows], pa.string())
    create_from_arrow(wh, table, pa.table(columns))
    return table, len(rows), blank
