"""What a text file looks like before it is read: encoding, separator, header
and decimal mark, from its first bytes (unless the user states them)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from marsad.ingest.errors import IngestError
from marsad.ingest.header import Header, detect_decimal, find_header, header_problem
from marsad.ingest.options import Detected, ProgressFn, ReadOptions
from marsad.ingest.scan import FileScan
from marsad.ingest.schema import Kind
from marsad.ingest.text.encoding import choose_encoding, transcode

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

    @property
    def dialect(self) -> tuple:
        """Files with the same dialect can be read together."""
        return (self.detected.separator, self.header.line, tuple(self.header.cells))


def records(text: str, sep: str) -> Iterator[tuple[int, list[str]]]:
    """(start line, cells) of the records of ``text``; blank lines skipped.

    >>> list(records('a;b\\n\\n"x\\ny";2\\n', ";"))
    [(1, ['a', 'b']), (3, ['x\\ny', '2'])]
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar=QUOTE, strict=False)
    start = 1
    try:
        for rec in reader:
            if rec and any(c.strip() for c in rec):
                yield start, rec
            start = reader.line_num + 1
    except csv.Error:
        return


def sniff_separator_and_header(text: str, kind: Kind, options: ReadOptions) -> tuple[str, Header]:
    """The first separator (stated, else ``, ; tab |``) under which a header is found."""
    candidates = (options.sep,) if options.sep else SEPARATORS
    limit = options.header_search_rows
    best: tuple[int, list[str]] = (-1, [])
    for sep in candidates:
        header, score, names = find_header(records(text, sep), kind, limit)
        if header is not None:
            return sep, header
        if score > best[0]:
            best = (score, names)
    raise IngestError(header_problem(kind, best[1], "lines", limit))


def _sample_decimal(head_text: str, kind: Kind, sep: str, header: Header) -> str:
    """The decimal mark the sample's amounts (or rates) use."""
    values = []
    dec_field = next((f.name for f in kind.fields if f.type == "decimal"), None)
    if dec_field is not None:
        idx = header.mapping[dec_field]
        for n, (line, cells) in enumerate(records(head_text, sep)):
            if line <= header.line:
                continue
            if n > 2000:
                break
            if idx < len(cells):
                values.append(cells[idx])
    return detect_decimal(values, sep)


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
) -> TextPlan:
    """Detect what is not stated, and make a UTF-8 copy when the file is not UTF-8."""
    if scan.size == 0:
        raise IngestError("the file is empty")
    codec, label, bom = choose_encoding(scan, options)
    _check_readable(scan, codec, options)
    head_text = _head_text(scan, codec)
    sep, header = sniff_separator_and_header(head_text, kind, options)
    decimal = options.decimal
    if decimal is None:
        decimal = _sample_decimal(head_text, kind, sep, header)
    if decimal not in (".", ","):
        raise IngestError(f"the decimal separator must be '.' or ',', not {decimal!r}")

    # the bytes DuckDB reads: UTF-8, transcoded when needed
    read_path = path
    quotes, content_lines = scan.quotes, scan.content_lines
    if codec not in ("utf-8", "utf-8-sig", "ascii"):
        read_path = tmpdir / (path.name + ".utf8")
        stats = transcode(path, codec, read_path, progress)
        quotes, content_lines = stats.quotes, stats.content_lines
    rows_est = None
    sample_lines = head_text.count("\n")
    if sample_lines > header.line:
        rows_est = int(scan.size * (sample_lines - header.line) / max(len(scan.head), 1))
    detected = Detected(
        format="csv", encoding=label, codec=codec, bom=bom, separator=sep, quote=QUOTE,
        decimal=decimal, header_line=header.line,
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
        notes=[],
    )
