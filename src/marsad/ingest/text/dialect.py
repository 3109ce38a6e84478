"""What a text file looks like before it is read: encoding, separator, header
and what its numbers show of the decimal mark, from its first bytes (unless
the user states them).

A title block above the header costs nothing, even made of quoted cells that
run over several lines or of a quote never closed: the header is looked for
record by record, else line by line, and a title holding quotes is blanked
in the copy DuckDB reads (line numbers unchanged).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from marsad.ingest.errors import IngestError
from marsad.ingest.header import (
    Candidate,
    DecimalEvidence,
    Header,
    MapChoice,
    decimal_evidence,
    header_problem,
    search_header,
)
from marsad.ingest.options import Detected, ProgressFn, ReadOptions
from marsad.ingest.reporters import file_reporters
from marsad.ingest.scan import FileScan, not_text
from marsad.ingest.schema import Kind
from marsad.ingest.staging import Reject
from marsad.ingest.text.encoding import (
    STRAY_CR,
    blank_title,
    choose_encoding,
    cr_line_ends,
    line_cells,
    normalise_line_ends,
    stray_cr_notes,
    trailing_empty_lines,
    transcode,
)
from marsad.ingest.text.wide import set_aside_wide_lines

SEPARATORS = (",", ";", "\t", "|")
QUOTE = '"'


@dataclass
class TextPlan:
    """What was found about a text file before reading it."""

    path: Path
    read_path: Path  # the UTF-8 bytes DuckDB reads (a transcoded copy when needed)
    size: int
    header: Header
    detected: Detected
    quotes: int
    content_lines: int
    rows_est: int | None
    notes: list[str]
    evidence: DecimalEvidence = field(default_factory=DecimalEvidence)
    reporters: set[str] = field(default_factory=set)
    #: lines set aside before reading (far more fields than the header)
    rejects: list[Reject] = field(default_factory=list)
    #: CRs not ending a line, read as :data:`~marsad.ingest.text.encoding.STRAY_CR`
    stray_cr: int = 0
    #: no value can need cleaning or hold a line break (:attr:`FileScan.plain`), and
    #: the file is read as it is
    plain: bool = False
    #: a value may hold a control character: the bytes read hold one
    #: (:attr:`marsad.ingest.scan.TextStats.controls`)
    controls: bool = True
    #: empty lines after the last line holding text (:func:`~.encoding.trailing_empty_lines`)
    trailing_empty: int = 0
    #: DuckDB's rejects were taken from an ASCII twin of the file (their text is the
    #: file's, read again: :func:`marsad.ingest.text.encoding.ascii_twin`)
    rejects_from_twin: bool = False
    #: DuckDB reads the file with several threads, one per part of about 8 MB; one thread
    #: when they lost lines (a quote opened in one part and closed far below it)
    parallel: bool = True

    @property
    def dialect(self) -> tuple:
        """Files with the same dialect can be read together."""
        d = self.detected
        return (d.separator, self.header.line, tuple(self.header.cells), d.date_format)


_LONE_CR = re.compile("\r(?!\n)")


def records(text: str, sep: str) -> Iterator[tuple[int, list[str]]]:
    """(start line, cells) of the records of ``text``; blank lines skipped.

    >>> list(records('a;b\\n\\n"x\\ny";2\\n', ";"))
    [(1, ['a', 'b']), (3, ['x\\ny', '2'])]
    """
    # lines end with LF (or CRLF): a CR alone is in a value, as when DuckDB reads the
    # file (marsad.ingest.text.encoding.normalise_line_ends), not a line end
    stray = _LONE_CR.search(text) is not None
    if stray:
        text = _LONE_CR.sub(STRAY_CR, text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar=QUOTE, strict=False)
    start = 1
    try:
        for rec in reader:
            if stray:
                rec = [c.replace(STRAY_CR, "\r") for c in rec]
            if rec and "".join(rec).strip():  # (some cell holds text)
                yield start, rec
            start = reader.line_num + 1
    except csv.Error:
        return


def lines_apart(text: str, sep: str) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of each physical line parsed on its own: a quote never
    closed costs its line only.

    >>> list(lines_apart('"Relevé mars\\na;b\\n', ";"))
    [(1, ['Relevé mars']), (2, ['a', 'b'])]
    """
    for n, line in enumerate(text.split("\n"), start=1):  # (not splitlines: CR, U+2028…)
        if line.strip():
            yield n, line_cells(line.removesuffix("\r"), sep)


def sniff_separator_and_header(
    text: str, kind: Kind, options: ReadOptions, maps: list[MapChoice] | None = None
) -> tuple[str, Header]:
    """The first separator (stated, else ``, ; tab |``) under which a header is
    found, record by record, else line by line (a quote never closed above it)."""
    candidates = (options.sep,) if options.sep else SEPARATORS
    limit = options.header_search_rows
    best: tuple[int, Candidate] = (-1, Candidate())
    for split in (records, lines_apart):
        for sep in candidates:
            rows = lambda split=split, sep=sep: split(text, sep)  # noqa: E731
            header, score, candidate = search_header(rows, kind, limit, maps or [])
            if header is not None:
                return sep, header
            if score > best[0]:
                best = (score, candidate)
    raise IngestError(header_problem(kind, best[1], "lines", limit))


def _sample(
    head_text: str, kind: Kind, sep: str, header: Header
) -> tuple[DecimalEvidence, set[str]]:
    """What the sample's amounts (or rates) show of the decimal mark; its reporters."""
    values, places, reporters = [], [], []
    dec_field = next((f.name for f in kind.fields if f.type == "decimal"), None)
    idx = header.mapping.get(dec_field) if dec_field else None
    rep = header.mapping.get("reporter")
    for n, (line, cells) in enumerate(records(head_text, sep)):
        if line <= header.line:
            continue
        if n > 2000:
            break
        if idx is not None and idx < len(cells):
            values.append(cells[idx])
            places.append(f"line {line}")
        if rep is not None and rep < len(cells):
            reporters.append(cells[rep])
    return decimal_evidence(values, places), file_reporters(kind, reporters)


def _title_has_quotes(head_text: str, header: Header) -> bool:
    """Whether the lines above the header hold a quote (DuckDB's ``skip``
    counts quoted records, not lines)."""
    if header.line <= 1:
        return False
    return QUOTE in "".join(head_text.splitlines(keepends=True)[: header.line - 1])


def _head_text(scan: FileScan, codec: str) -> str:
    """The first bytes decoded, cut at the last complete line."""
    text = scan.head.decode(codec, errors="marsad_latin1" if codec == "cp1252" else "replace")
    text = text.lstrip("\ufeff")
    if len(scan.head) < scan.size:
        # (an old Mac file's lines end with CR)
        text = text[: max(text.rfind("\n"), text.rfind("\r"), 0) + 1]
    return text


def _check_readable(scan: FileScan, codec: str, options: ReadOptions) -> None:
    if not codec.startswith("utf-16") and (why := not_text(scan)):
        raise IngestError(why)
    if options.sep and len(options.sep) != 1:
        raise IngestError(f"the separator must be one character, not {options.sep!r}")


def prepare_text(
    kind: Kind,
    path: Path,
    scan: FileScan,
    options: ReadOptions,
    tmpdir: Path,
    progress: ProgressFn | None,
    maps: list[MapChoice] | None = None,
) -> TextPlan:
    """Detect what is not stated, and make a UTF-8 copy when the file is not
    UTF-8 (or its title holds quotes). The decimal mark is decided later, for
    the files of a call together (:func:`marsad.ingest.reporters.decide_decimal`)."""
    if scan.size == 0 or not scan.head.lstrip(b"\xef\xbb\xbf").strip():
        if scan.size == 0:
            raise IngestError("the file is empty")
        raise IngestError("the file holds no text (only a byte-order mark or blank lines)")
    codec, label, bom = choose_encoding(scan, options)
    _check_readable(scan, codec, options)
    head_text = _head_text(scan, codec)
    mac = _cr_line_ends(scan, head_text, codec)
    if mac:  # lines end with CR (an old Mac export): read as LF, as DuckDB will
        head_text = head_text.replace("\r\n", "\n").replace("\r", "\n")
    sep, header = sniff_separator_and_header(head_text, kind, options, maps)
    _check_header_line(head_text, header.line)
    # (the scan counts lone CRs: a file without one costs nothing more here)
    mixed = not mac and (scan.stray_crs or codec.startswith("utf-16"))
    if mixed and (cr := _cr_ends_records(head_text, sep, header, kind, options, maps)):
        mac, head_text, (sep, header) = True, *cr
    else:
        mixed = False
    evidence, reporters = _sample(head_text, kind, sep, header)

    rows_est = None
    sample_lines = head_text.count("\n")
    if sample_lines > header.line:
        rows_est = int(scan.size * (sample_lines - header.line) / max(len(scan.head), 1))
    detected = Detected(
        format="csv", encoding=label, codec=codec, bom=bom, separator=sep, quote=QUOTE,
        decimal=None, header_line=header.line,
    )  # fmt: skip
    plan = TextPlan(
        path=path,
        read_path=path,
        size=scan.size,
        header=header,
        detected=detected,
        quotes=scan.quotes,
        content_lines=scan.content_lines,
        rows_est=rows_est,
        notes=[n for n in (header.note(),) if n],
        evidence=evidence,
        reporters=reporters,
        controls=scan.controls,
    )
    _copy_to_read(plan, scan, head_text, mac, tmpdir, progress, mixed)
    plan.plain = scan.plain and plan.read_path == path
    return plan


def _copy_to_read(
    plan: TextPlan,
    scan: FileScan,
    head_text: str,
    mac: bool,
    tmpdir: Path,
    progress: ProgressFn | None,
    mixed: bool = False,
) -> None:
    """The bytes DuckDB reads (``plan.read_path``): UTF-8 (transcoded when needed),
    lines ending with LF (each CR a line end when ``mac``; ``mixed``: LF or CRLF line
    ends too), stray CRs kept in their values, a title with quotes blanked, lines of
    far too many fields set aside."""
    path, sep, header = plan.path, plan.detected.separator, plan.header
    codec = plan.detected.codec or "utf-8"
    long_lines, stray_crs = scan.long_lines, scan.stray_crs
    crlfs, newlines = scan.crlfs, scan.newlines
    if codec not in ("utf-8", "utf-8-sig", "ascii"):
        plan.read_path = tmpdir / (path.name + ".utf8")
        stats = transcode(path, codec, plan.read_path, progress)
        plan.quotes, plan.content_lines = stats.quotes, stats.content_lines
        # (the scan counts bytes: a UTF-16 CRLF is no CR LF pair there; and it looks for
        # control characters as UTF-8, where the byte 0x81 of Windows-1252, read U+0081,
        # is not one)
        long_lines, stray_crs = stats.long_lines, stats.stray_crs
        plan.controls = stats.controls
        crlfs, newlines = stats.crlfs, stats.newlines
    if mac:
        crlf = tmpdir / (path.name + ".lf")
        stats = cr_line_ends(plan.read_path, crlf)
        plan.read_path, plan.quotes, plan.content_lines = crlf, stats.quotes, stats.content_lines
        long_lines = stats.long_lines
        plan.notes.append(MIXED_CR_NOTE if mixed else "line ends CR (old Mac) read as LF")
    elif stray_crs or (header.line > 1 and 0 < crlfs < newlines):
        # CRs inside lines: DuckDB would take them for line ends; CRLF and LF line ends
        # mixed below a title: DuckDB skipped the title and read no row (duckdb 1.5.6)
        lf = tmpdir / (path.name + ".lf")
        ends = normalise_line_ends(plan.read_path, lf, sep, header.line)
        plan.read_path, plan.stray_cr = lf, ends.kept
        plan.notes.extend(stray_cr_notes(ends))
    # (before lines are set aside: a line set aside is left empty in the copy)
    plan.trailing_empty = trailing_empty_lines(plan.read_path)
    if _title_has_quotes(head_text, header):
        blanked = tmpdir / (path.name + ".body")
        stats = blank_title(plan.read_path, blanked, header.line - 1)
        plan.read_path, plan.quotes, plan.content_lines = blanked, stats.quotes, stats.content_lines
    if long_lines:
        narrow = tmpdir / (path.name + ".narrow")
        if found := set_aside_wide_lines(plan.read_path, narrow, sep, header):
            # (the lines up to the last one holding text stay the file's)
            plan.rejects, stats = found
            plan.read_path, plan.quotes = narrow, stats.quotes


def _check_header_line(head_text: str, line: int) -> None:
    """Refuse a header line holding a CR alone: it joins the header to a title line
    before it, or to the first row after it (DuckDB reads lines by LF), and columns
    would be read under the wrong names or rows lost. A CR before or after the line's
    text (CRLF, CR CR LF, a CR before the header) joins nothing."""
    text = head_text.split("\n")[line - 1] if line > 0 else ""
    if "\r" in text.strip("\r \t"):
        raise IngestError(
            f"the header (line {line}) holds a carriage return (CR) that joins it to the "
            "line before or after it: save the file with one kind of line end (LF or CRLF)"
        )


def _cr_line_ends(scan: FileScan, head_text: str, codec: str) -> bool:
    """Whether the lines end with CR (an old Mac export): the first line ends with a
    CR alone, and there are more CRs alone than LFs (with a CRLF or an LF here and
    there, as after an edit). A file whose first line ends with LF is not one, however
    many CRs its values hold (an address of five lines). The scan counts bytes: for
    UTF-16, the first characters tell."""
    lf, cr = head_text.find("\n"), head_text.find("\r")
    if cr < 0 or (0 <= lf < cr) or head_text[cr + 1 : cr + 2] == "\n":
        return False
    if codec.startswith("utf-16"):
        crs, crlfs = head_text.count("\r"), head_text.count("\r\n")
        return crs - crlfs > head_text.count("\n")
    return scan.stray_crs > scan.newlines


#: The note of a file whose lines end with LF or CRLF, and with a CR alone where records
#: end (an old Mac export appended to another file, or a header written by another tool).
MIXED_CR_NOTE = (
    "lines end with a CR alone (old Mac) as well as with LF or CRLF: each CR alone read "
    "as a line end, and lines counted by every line end"
)


def _as_cr_lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _whole_records(text: str, sep: str, header: Header) -> int:
    """Records of ``text`` after the header holding as many cells as it does (read from
    the line after it, as DuckDB does: the quotes of a title are not followed)."""
    ncols = len(header.cells)
    parts = text.split("\n", header.line)
    body = parts[header.line] if len(parts) > header.line else ""
    return sum(len(cells) == ncols for _line, cells in records(body, sep))


def _cr_ends_records(
    head_text: str,
    sep: str,
    header: Header,
    kind: Kind,
    options: ReadOptions,
    maps: list[MapChoice] | None,
) -> tuple[str, tuple[str, Header]] | None:
    r"""When the first bytes of a file that ends its lines with LF (or CRLF) hold CRs
    alone that end records (``R2,…,FR\rR3,…,FR``: two records DuckDB would read as one
    line of too many fields), the first bytes read with every CR a line end, and the
    separator and header found there; else None. The CRs end records when that reading
    gives more records of the header's number of fields than reading them as part of
    their line does: a CR inside a value (quoted, or an id ``So\rc``) or next to a
    separator splits a record into two that have too few, and keeps the file as it is.

    >>> from marsad.ingest.schema import KINDS
    >>> firms, options = KINDS["firms"], ReadOptions()
    >>> def cr_ends(text):
    ...     found = _cr_ends_records(text, *sniff_separator_and_header(text, firms, options),
    ...                              firms, options, None)
    ...     return found and found[0]
    >>> cr_ends("firm_id,name,segment\nF1,A,ITO\rF2,B,BPO\n")
    'firm_id,name,segment\nF1,A,ITO\nF2,B,BPO\n'
    >>> cr_ends('firm_id,name,segment\nF1,"A\rB",ITO\nF2,B,\rBPO\nF3,C\rD,ITO\n') is None
    True
    """
    if _LONE_CR.search(head_text) is None:
        return None
    cr_text = _as_cr_lines(head_text)
    try:
        cr_sep, cr_header = sniff_separator_and_header(cr_text, kind, options, maps)
    except IngestError:
        return None
    if _whole_records(cr_text, cr_sep, cr_header) <= _whole_records(head_text, sep, header):
        return None
    return cr_text, (cr_sep, cr_header)
