"""The header row and the decimal mark, found the same way in every format.

The header is the first of the top rows that names every required column of
the kind (matched trimmed, in lower case, BOM dropped, after the column
mapping of the reporter or of ``--map``); the decimal mark is the one most
numbers of a sample use, or none when no number tells (``1.500``: 1.5 or 1500).
Messages quote the header's cells as written (trimmed only), never as matched, so
that the user finds ``Record_ID`` or ``MONTANT`` in the file.

>>> detect_decimal(["1 234,50", "12,5"])
','
>>> decimal_evidence(["1.500", "12.000"])
DecimalEvidence(mark=None, ambiguous='1.500', mixed=None)
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from marsad.ingest.cleaning import UNICODE_SPACES, control_name, control_told, first_control
from marsad.ingest.errors import IngestError
from marsad.ingest.schema import Kind, normalise_header, written_header

#: Rows searched for the header unless told (setting ``MARSAD_HEADER_SEARCH_ROWS``).
HEADER_SEARCH_ROWS = 50


@dataclass(frozen=True)
class Candidate:
    """A row tried as the header: its cells as :func:`written_header` shows them (e.g.
    ``Montant``), for messages, and as matched (normalised, then the column mapping
    applied: ``amount``), one per column."""

    written: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    #: the column mapping applied (file's name, normalised -> field) and whose it is
    #: (``the stated``, ``reporter BK01's``), for :func:`header_problem` to tell what it hid
    mapping: dict[str, str] = field(default_factory=dict)
    whose: str | None = None


def quoted(cells: list[str]) -> str:
    """Header cells as a message quotes them, empty ones left out.

    >>> quoted(["Record_ID", "", "MONTANT"])
    "'Record_ID', 'MONTANT'"
    """
    return ", ".join(repr(c) for c in cells if c)


@dataclass
class Header:
    line: int  # physical line of the header (1-based)
    cells: list[str]  # normalised names, one per column of the file
    mapping: dict[str, int]  # field -> column index
    #: whose column mapping named the columns (``stated``, ``reporter BK01's``), if any
    mapped_by: str | None = None
    renamed: dict[str, str] = field(default_factory=dict)  # cell as written -> field
    written: list[str] = field(default_factory=list)  # the cells as written (trimmed)

    def shown(self, index: int) -> str:
        """Column ``index`` as the file names it (e.g. ``Comment``), else ``(column 4)``."""
        name = self.written[index] if index < len(self.written) else ""
        return name or f"(column {index + 1})"

    def note(self) -> str | None:
        """The renaming in plain words, when a column mapping was used."""
        if not self.renamed:
            return None
        pairs = ", ".join(f"{a!r} as {b}" for a, b in self.renamed.items())
        return f"columns read with {self.mapped_by} mapping: {pairs}"


#: (whose, mapping): a column mapping to try when looking for the header.
MapChoice = tuple[str | None, dict[str, str]]


def find_header(
    rows: Iterator[tuple[int, list]],
    kind: Kind,
    limit: int | None = None,
    mapping: dict[str, str] | None = None,
) -> tuple[Header | None, int, Candidate]:
    """Find the header among the first ``limit`` rows: the first row naming
    every required column, once the column ``mapping`` (file's name, as
    normalised, -> field) is applied. Returns (header or None, best match
    count, the best candidate). Two cells naming one field are an
    :class:`IngestError` quoting them as written (``the column amount appears 2
    times in the header: 'Amount', 'AMOUNT'``)."""
    required = kind.required_columns
    limit = limit or HEADER_SEARCH_ROWS
    mapping = mapping or {}
    best = (0, Candidate())
    for n, (line, cells) in enumerate(rows):
        if n >= limit:
            break
        written = [written_header(c) for c in cells]
        raw = [normalise_header(c) for c in written]
        names = [mapping.get(name, name) for name in raw]
        found = [r for r in required if r in names]
        if len(found) > best[0]:
            best = (len(found), Candidate(written, names, mapping))
        if len(found) == len(required):
            if problem := control_problem(written):
                raise IngestError(problem)
            index = {}
            for f in kind.field_names:
                idx = [i for i, name in enumerate(names) if name == f]
                if len(idx) > 1:
                    mapped = [written[i] for i in idx if raw[i] != f]
                    why = f" (a column mapping reads {quoted(mapped)} as {f})" if mapped else ""
                    raise IngestError(f"the column {f} appears {len(idx)} times in the header: "
                                      f"{quoted([written[i] for i in idx])}{why}")  # fmt: skip
                if idx:
                    index[f] = idx[0]
            renamed = {w: b for w, a, b in zip(written, raw, names, strict=True) if a != b}
            header = Header(line=line, cells=names, mapping=index, renamed=renamed,
                            written=written)  # fmt: skip
            return header, len(found), Candidate(written, names, mapping)
    return None, best[0], best[1]


def search_header(
    rows: Callable[[], Iterator[tuple[int, list]]],
    kind: Kind,
    limit: int | None,
    maps: list[MapChoice],
) -> tuple[Header | None, int, Candidate]:
    """:func:`find_header` with each column mapping of ``maps`` in turn (the
    first that finds the header wins); ``rows()`` gives the rows afresh."""
    best: tuple[int, Candidate] = (-1, Candidate())
    for whose, mapping in maps or [(None, {})]:
        header, score, candidate = find_header(rows(), kind, limit, mapping)
        if header is not None:
            header.mapped_by = whose if header.renamed else None
            return header, score, candidate
        if score > best[0]:
            best = (score, dataclasses.replace(candidate, whose=whose))
    return None, max(best[0], 0), best[1]


def control_problem(cells: list[str], what: str = "header cell") -> str | None:
    r"""Plain message for a header whose cell holds a control character (the rule
    ``control`` of values, :data:`marsad.ingest.cleaning.CONTROL_CHARS`), or None: the
    header is the file's structure, so the file is refused; the cell is quoted as
    written, the character escaped and named.

    >>> control_problem(["Record_ID", "amount\x01"])
    "header cell 'amount\\x01' holds the control character U+0001 (Ctrl-A), which no column name has: the file may be damaged (a corrupted export)"
    """  # noqa: E501
    for cell in cells:
        if (ch := first_control(cell)) is not None:
            return (
                f"{what} {cell!r} holds the control character {control_name(ch)}, which no "
                f"column name has: {control_told(ch)}"
            )
    return None


def header_problem(kind: Kind, best: Candidate, where: str, limit: int | None = None) -> str:
    """Plain message for a file whose header lacks required columns: which are missing,
    and the cells of the row closest to a header, as written.

    >>> from marsad.ingest.schema import KINDS
    >>> best = Candidate(["Firm_ID", "", "Nom"], ["firm_id", "", "nom"])
    >>> header_problem(KINDS["firms"], best, "lines")
    "required columns name, segment are missing (header has: 'Firm_ID', 'Nom')"
    """
    required = kind.required_columns
    names = [n for n in best.names if n]
    found = [r for r in required if r in names]
    what = "column name" if where == "columns" else "header cell"
    if found and (problem := control_problem(best.written, what)):
        return problem
    if not found:
        return (
            f"no header row naming the {kind.name} columns "
            f"({', '.join(required)}) was found in the first {limit or HEADER_SEARCH_ROWS} "
            f"{where}: is this a {kind.name} file, and is it readable text?"
        )
    missing = [r for r in required if r not in names]
    word = "column" if len(missing) == 1 else "columns"
    verb = "is" if len(missing) == 1 else "are"
    cr = (
        ": a carriage return (CR) inside the header line joins it to the line before or after it"
        if any("\r" in n for n in best.written)
        else ""
    )
    return (
        f"required {word} {', '.join(missing)} {verb} missing "
        f"(header has: {quoted(best.written)}){cr}{mapping_problem(best, missing)}"
    )


def mapping_problem(best: Candidate, missing: list[str]) -> str:
    """What the column mapping of ``best`` did to the ``missing`` required columns, in
    words after a colon (``''`` when it did nothing to them): it reads the file's own
    column of that name as another field (``--map amount=reporter`` on a file with an
    ``amount`` column, perhaps written the wrong way round), or it names a column the
    file does not have.

    >>> best = Candidate(["amount", "reporter"], ["reporter", "reporter"], {"amount": "reporter"},
    ...                  "the stated")
    >>> mapping_problem(best, ["amount"])
    ": the stated column mapping (--map amount=reporter) reads the file's column 'amount' as reporter, beside the file's own column reporter (--map is NAME=field: the file's name, then the field it holds)"
    """  # noqa: E501
    if not best.mapping:
        return ""
    raw = [normalise_header(w) for w in best.written]
    whose = best.whose or "the stated"
    told, swapped = [], False
    for r in missing:
        if r in raw and best.mapping.get(r, r) != r:
            to = best.mapping[r]
            label = f"{whose} column mapping" + (
                f" (--map {r}={to})" if whose == "the stated" else ""
            )
            also = f", beside the file's own column {to}" if to in raw else ""
            swapped = True
            told.append(
                f"{label} reads the file's column {best.written[raw.index(r)]!r} as {to}{also}"
            )
        absent = [k for k, v in best.mapping.items() if v == r and k not in raw]
        if absent:
            pairs = ", ".join(f"{k}={r}" for k in absent)
            label = f"{whose} column mapping" + (
                f" (--map {pairs})" if whose == "the stated" else ""
            )
            what = "no column" if len(absent) == 1 else "none of the columns"
            told.append(f"{label} names {what} of the file: {', '.join(map(repr, absent))}")
    if not told:
        return ""
    hint = " (--map is NAME=field: the file's name, then the field it holds)"
    return ": " + "; ".join(told) + (hint if swapped and whose == "the stated" else "")


#: A number grouped by thousands: its first group does not start with 0 (``0.500``
#: and ``012.345`` are no thousands, so their mark is a decimal one).
_GROUPED = re.compile(rf"^[+-]?[1-9]\d{{0,2}}([., {UNICODE_SPACES}'])\d{{3}}(\1\d{{3}})*$")


def _vote(v: str) -> str | None:
    """The decimal mark ``v`` shows: ``.``, ``,``, ``?`` (``1,234``: either), or None.

    >>> [_vote(v) for v in ("1.234,5", "1,234,567", "1,234", "12,5", "12", "0.500")]
    [',', '.', '?', ',', None, '.']
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


@dataclass(frozen=True)
class DecimalEvidence:
    """What a sample of numbers shows of its decimal mark: ``mark`` (``.`` or
    ``,``) when some number tells (``2.750,50``, ``12,5``), else ``ambiguous``,
    a number that reads both ways (``1.500``), or neither (whole numbers only:
    any mark reads them the same)."""

    mark: str | None = None
    ambiguous: str | None = None
    #: as many numbers with a decimal point as with a decimal comma: the data
    #: contradicts itself. The first of each, with where it stands when known
    #: (``(("1500.50", "row 2"), ("1.500,50", "row 3"))``)
    mixed: tuple[tuple[str, str | None], tuple[str, str | None]] | None = None


def decimal_evidence(values: list[str], places: list[str] | None = None) -> DecimalEvidence:
    """The decimal mark most numbers of ``values`` show (see :class:`DecimalEvidence`);
    ``places`` says where each value stands (``line 4``, ``row 2``).

    >>> decimal_evidence(["2.750,50", "1.500"]).mark
    ','
    >>> decimal_evidence(["1500", "12"])
    DecimalEvidence(mark=None, ambiguous=None, mixed=None)
    >>> decimal_evidence(["12", "1500.50", "1.500,50"], ["row 2", "row 3", "row 4"]).mixed
    (('1500.50', 'row 3'), ('1.500,50', 'row 4'))
    """
    point = comma = 0
    ambiguous = None
    counts = Counter(raw.strip() for raw in values)  # (in the order first seen)
    votes = {v: _vote(v) for v in counts}  # each distinct number voted on once
    for v, vote in votes.items():
        point += counts[v] * (vote == ".")
        comma += counts[v] * (vote == ",")
        if vote == "?" and ambiguous is None:
            ambiguous = v
    if comma != point:
        return DecimalEvidence(mark="," if comma > point else ".")
    if comma:  # as many numbers each way: the data contradicts itself
        ambiguous = next(v for v, vote in votes.items() if vote in (".", ","))

        def first(mark: str) -> tuple[str, str | None]:
            i = next(i for i, raw in enumerate(values) if votes[raw.strip()] == mark)
            return values[i].strip(), places[i] if places else None

        return DecimalEvidence(ambiguous=ambiguous, mixed=(first("."), first(",")))
    return DecimalEvidence(ambiguous=ambiguous)


def detect_decimal(values: list[str]) -> str | None:
    """``.`` or ``,``: which one the numbers use as decimal separator; None
    when no number tells."""
    return decimal_evidence(values).mark
