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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from marsad.ingest.errors import IngestError
from marsad.ingest.header import (
    DecimalEvidence,
    Header,
    MapChoice,
    decimal_evidence,
    header_problem,
    search_header,
)
from marsad.ingest.options import Detected, ProgressFn, ReadOptions
from marsad.ingest.reporters import file_reporters
from marsad.ingest.scan import FileScan
from marsad.ingest.schema import Kind
from marsad.ingest.staging import Reject
from marsad.ingest.text.encoding import blank_title, choose_encoding, cr_line_ends, transcode
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

    @property
    def dialect(self) -> tuple:
        """Files with the same dialect can be read together."""
        d = self.detected
        return (d.separator, self.header.line, tuple(self.header.cells), d.date_format)


def records(text: str, sep: str) -> Iterator[tuple[int, list[str]]]:
    """(start line, cells) of the records of ``text``; blank lines skipped.

    >>> list(records('a;b\\n\\n"x\\ny";2\\n', ";"))
    [(1, ['a', 'b']), (3, ['x\\ny', '2'])]
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar=QUOTE, strict=False)
    start = 1
    try:
        for rec in reader:
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
    for n, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield n, next(csv.reader([line], delimiter=sep, quotechar=QUOTE, strict=False), [])


def sniff_separator_and_header(
    text: str, kind: Kind, options: ReadOptions, maps: list[MapChoice] | None = None
) -> tuple[str, Header]:
    """The first separator (stated, else ``, ; tab |``) under which a header is
    found, record by record, else line by line (a quote never closed above it)."""
    candidates = (options.sep,) if options.sep else SEPARATORS
    limit = options.header_search_rows
    best: tuple[int, list[str]] = (-1, [])
    for split in (records, lines_apart):
        for sep in candidates:
            rows = lambda split=split, sep=sep: split(text, sep)  # noqa: E731
            header, score, names = search_header(rows, kind, limit, maps or [])
            if header is not None:
                return sep, header
            if score > best[0]:
                best = (score, names)
    raise IngestError(header_problem(kind, best[1], "lines", limit))


def _sample(
    head_text: str, kind: Kind, sep: str, header: Header
) -> tuple[DecimalEvidence, set[str]]:
    """What the sample's amounts (or rates) show of the decimal mark; its reporters."""
    values, reporters = [], []
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
        if rep is not None and rep < len(cells):
            reporters.append(cells[rep])
    return decimal_evidence(values), file_reporters(kind, reporters)


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
        text = text[: max(text.rfind("\n"), 0) + 1]
    return text


def _check_readable(scan: FileScan, codec: str, options: ReadOptions) -> None:
    if scan.has_nul and not codec.startswith("utf-16"):
        raise IngestError(
            "the file holds binary data (NUL bytes): it is not a text (CSV) file; "
            "Excel and Parquet files are recognised by their content"
        )
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
    sep, header = sniff_separator_and_header(head_text, kind, options, maps)
    evidence, reporters = _sample(head_text, kind, sep, header)

    # the bytes DuckDB reads: UTF-8, transcoded when needed
    read_path = path
    quotes, content_lines, long_lines = scan.quotes, scan.content_lines, scan.long_lines
    if codec not in ("utf-8", "utf-8-sig", "ascii"):
        read_path = tmpdir / (path.name + ".utf8")
        stats = transcode(path, codec, read_path, progress)
        quotes, content_lines, long_lines = stats.quotes, stats.content_lines, stats.long_lines
    notes = [n for n in (header.note(),) if n]
    if scan.newlines == 0 and b"\r" in scan.head:  # CR line ends only (an old Mac export)
        crlf = tmpdir / (path.name + ".lf")
        stats = cr_line_ends(read_path, crlf)
        read_path, quotes, content_lines = crlf, stats.quotes, stats.content_lines
        long_lines = stats.long_lines
        notes.append("line ends CR (old Mac) read as LF")
    if _title_has_quotes(head_text, header):
        blanked = tmpdir / (path.name + ".body")
        stats = blank_title(read_path, blanked, header.line - 1)
        read_path, quotes, content_lines = blanked, stats.quotes, stats.content_lines
    wide: list[Reject] = []
    if long_lines:
        ncols = len(header.cells)
        narrow = tmpdir / (path.name + ".narrow")
        if found := set_aside_wide_lines(read_path, narrow, sep, ncols, header.line):
            # (the lines up to the last one holding text stay the file's)
            wide, stats = found
            read_path, quotes = narrow, stats.quotes
    rows_est = None
    sample_lines = head_text.count("\n")
    if sample_lines > header.line:
        rows_est = int(scan.size * (sample_lines - header.line) / max(len(scan.head), 1))
    detected = Detected(
        format="csv", encoding=label, codec=codec, bom=bom, separator=sep, quote=QUOTE,
        decimal=None, header_line=header.line,
    )  # fmt: skip
    return TextPlan(
        path=path,
        read_path=read_path,
        size=scan.size,
        header=header,
        detected=detected,
        quotes=quotes,
        content_lines=content_lines,
        rows_est=rows_est,
        notes=notes,
        evidence=evidence,
        reporters=reporters,
        rejects=wide,
        plain=scan.plain and read_path == path,
    )
