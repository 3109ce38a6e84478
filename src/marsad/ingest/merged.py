"""Merged cells of an Excel sheet: a value merged down over several rows is read in
each of them; a merged cell that cannot mean "the same value" costs its row with the
range named, never an empty cell without a word.

A workbook keeps a merged range's value in its top-left cell only; the others read
as empty. In a bank's data table a cell merged down a column (the reporter ``BK01``
over B2:B5, a value date over the records of that day) shows one value for every row
it spans, and that is how it is read: each row of the range (below the header, and
holding other values: a row empty but for the merged cell stays a blank row) takes
the top-left cell's value, and the load says so (``note: 3 cells read from merged
cells: reporter B2:B5``).

It is not read so where repeating the value would change the figures or the records:

- a number (an amount, a rate, a count of jobs) merged over rows is a subtotal or a
  value shared out, not each row's: repeating it counts the money once per row;
- a record's own identifier (a transaction's ``record_id``, a firms file's
  ``firm_id``: :attr:`marsad.ingest.schema.Field.own_id`) names one row only;
- a cell merged across columns holds one field's value, not the next column's;
- a range that starts in the header row or above it holds no data value.

Each row holding such a cell is quarantined (rule ``merged``): ``row 3, column
amount: C3 is part of the merged cells C2:C5: its value is in C2 only (a number
merged over several rows is not each row's: unmerge the cells and write each row's
value)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from marsad.ingest.cleaning import holds_nothing
from marsad.ingest.header import Header
from marsad.ingest.schema import Field, Kind

#: A merged range as python-calamine gives it: ((first row, first column), (last row,
#: last column)), 0-based.
Range = tuple[tuple[int, int], tuple[int, int]]


def column_letters(idx: int) -> str:
    """The letters of the 0-based column ``idx`` (0 -> A, 27 -> AB).

    >>> column_letters(0), column_letters(25), column_letters(27), column_letters(702)
    ('A', 'Z', 'AB', 'AAA')
    """
    letters = ""
    idx += 1
    while idx:
        idx, rem = divmod(idx - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_name(row: int, col: int) -> str:
    """A cell's A1 name from its 1-based row and 0-based column (``B3``)."""
    return f"{column_letters(col)}{row}"


def range_name(r: Range) -> str:
    """``B2:B5`` of a 0-based range."""
    (r0, c0), (r1, c1) = r
    return f"{cell_name(r0 + 1, c0)}:{cell_name(r1 + 1, c1)}"


@dataclass
class Merged:
    """What the merged cells of a sheet's read columns do to its rows: ``blocked`` maps
    (row, column index) of a cell that cannot be read from its range to the message of
    its row's quarantine; ``filled`` counts the cells read from their range's top-left
    cell, per range shown (``reporter B2:B5``)."""

    blocked: dict[tuple[int, int], str] = field(default_factory=dict)
    filled: dict[str, int] = field(default_factory=dict)

    def note(self) -> str | None:
        """The load report's note on the cells read from merged cells."""
        n = sum(self.filled.values())
        if not n:
            return None
        cells = "cell" if n == 1 else "cells"
        ranges = ", ".join(self.filled)
        return (
            f"{n:,} {cells} read from merged cells (the value of the range's first cell): {ranges}"
        )


def _present(cell: object) -> bool:
    return cell is not None and not (isinstance(cell, str) and holds_nothing(cell))


def read_merged(kind: Kind, header: Header, data: list[list], ranges: list[Range]) -> Merged:
    """Fill ``data`` (the rows after the header, changed in place) from the merged
    ``ranges`` that mean one value per row; the cells that cannot be read so."""
    out = Merged()
    # (the cells of a range but its first are empty: a row holding nothing else is blank)
    has_data = [any(_present(c) for c in cells) for cells in data]
    field_of = {idx: kind.field(name) for name, idx in header.mapping.items()}
    for r in ranges:
        (r0, c0), (r1, c1) = r
        for col in range(c0, c1 + 1):
            f = field_of.get(col)
            if f is None:
                continue
            fill = col == c0 == c1 and r0 >= header.line
            fill = fill and f.type != "decimal" and not f.own_id
            first = data[r0 - header.line] if fill and r0 - header.line < len(data) else []
            top = first[col] if col < len(first) else None
            for row in range(max(r0, header.line), min(r1 + 1, header.line + len(data))):
                if (row, col) == (r0, c0) or not has_data[row - header.line]:
                    continue  # the range's own cell, or a row empty but for the merged cells
                cells = data[row - header.line]
                row_no = row + 1
                if fill:
                    cells.extend([None] * (col + 1 - len(cells)))
                    cells[col] = top
                    shown = f"{f.name} {range_name(r)}"
                    out.filled[shown] = out.filled.get(shown, 0) + 1
                else:
                    out.blocked[(row_no, col)] = _message(f, row_no, col, r, header.line)
    return out


def _message(f: Field, row_no: int, col: int, r: Range, header_line: int) -> str:
    """Why the cell of ``row_no`` and ``col`` is not read from its range ``r``."""
    (r0, c0), (_, c1) = r
    first = cell_name(r0 + 1, c0)
    why = (
        "the range starts in the header or above it"
        if r0 < header_line
        else "a cell merged across columns holds one column's value"
        if c1 != c0
        else "a number merged over several rows is not each row's"
        if f.type == "decimal"
        else f"a {f.name} names one row only"
    )
    return (
        f"row {row_no}, column {f.name}: {cell_name(row_no, col)} is part of the merged cells "
        f"{range_name(r)}: its value is in {first} only ({why}: unmerge the cells and write "
        "each row's value)"
    )
