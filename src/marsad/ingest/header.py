"""The header row and the decimal mark, found the same way in every format.

The header is the first of the top rows that names every required column of
the kind (matched trimmed, in lower case, BOM dropped); the decimal mark is
the one most numbers of a sample use.

>>> detect_decimal(["1 234,50", "12,5"], ";")
','
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from marsad.ingest.errors import IngestError
from marsad.ingest.schema import Kind, normalise_header

#: Rows searched for the header unless told (setting ``MARSAD_HEADER_SEARCH_ROWS``).
HEADER_SEARCH_ROWS = 50


@dataclass
class Header:
    line: int  # physical line of the header (1-based)
    cells: list[str]  # normalised names, one per column of the file
    mapping: dict[str, int]  # field -> column index


def find_header(
    rows: Iterator[tuple[int, list]], kind: Kind, limit: int | None = None
) -> tuple[Header | None, int, list[str]]:
    """Find the header among the first ``limit`` rows: the first row naming
    every required column. Returns (header or None, best match count, names
    of the best candidate)."""
    required = kind.required_columns
    limit = limit or HEADER_SEARCH_ROWS
    best = (0, [])
    for n, (line, cells) in enumerate(rows):
        if n >= limit:
            break
        names = [normalise_header(c) for c in cells]
        found = [r for r in required if r in names]
        if len(found) > best[0]:
            best = (len(found), names)
        if len(found) == len(required):
            mapping = {}
            for f in kind.field_names:
                idx = [i for i, name in enumerate(names) if name == f]
                if len(idx) > 1:
                    raise IngestError(f"the column {f} appears {len(idx)} times in the header")
                if idx:
                    mapping[f] = idx[0]
            return Header(line=line, cells=names, mapping=mapping), len(found), names
    return None, best[0], best[1]


def header_problem(kind: Kind, best_names: list[str], where: str, limit: int | None = None) -> str:
    """Plain message for a file whose header lacks required columns."""
    required = kind.required_columns
    names = [n for n in best_names if n]
    found = [r for r in required if r in names]
    if not found:
        return (
            f"no header row naming the {kind.name} columns "
            f"({', '.join(required)}) was found in the first {limit or HEADER_SEARCH_ROWS} "
            f"{where}: is this a {kind.name} file, and is it readable text?"
        )
    missing = [r for r in required if r not in names]
    word = "column" if len(missing) == 1 else "columns"
    verb = "is" if len(missing) == 1 else "are"
    return f"required {word} {', '.join(missing)} {verb} missing (header has: {', '.join(names)})"


_GROUPED = re.compile(r"^[+-]?\d{1,3}([.,  \u202f'])\d{3}(\1\d{3})*$")


def _vote(v: str) -> str | None:
    """The decimal mark ``v`` shows: ``.``, ``,``, ``?`` (``1,234``: either), or None.

    >>> [_vote(v) for v in ("1.234,5", "1,234,567", "1,234", "12,5", "12")]
    [',', '.', '?', ',', None]
    """
    has_p, has_c = "." in v, "," in v
    if has_p and has_c:
        return "." if v.rfind(".") > v.rfind(",") else ","
    if not (has_c or has_p):
        return None
    mark = "," if has_c else "."
    if v.count(mark) > 1:  # 1.234.567 or 1,234,567: grouping, the other is decimal
        return "," if mark == "." else "."
    if len(v.rsplit(mark, 1)[1]) == 3 and _GROUPED.match(v):
        return "?"  # 1,234 or 1.234
    return mark


def detect_decimal(values: list[str], sep: str | None) -> str:
    """``.`` or ``,``: which one the numbers use as decimal separator."""
    votes = [_vote(raw.strip()) for raw in values]
    point, comma, ambiguous = votes.count("."), votes.count(","), votes.count("?")
    if comma > point:
        return ","
    if point > comma:
        return "."
    return "," if sep == ";" and ambiguous else "."
