"""The table by segment, as values: which columns, which marks."""

from __future__ import annotations

from dataclasses import dataclass

from marsad.publish.facts import Cell, Facts
from marsad.publish.keyed import Keyed
from marsad.publish.story.messages import Message


@dataclass(frozen=True)
class Figure:
    """One cell of the segment table: a row's value and how to show it (``millions``,
    ``percent``, ``signed``), or a mark (``confidential``, ``missing``) or nothing
    (``blank``: the total's share, which no row states) with no value."""

    value: Keyed | None
    style: str


@dataclass(frozen=True)
class Row:
    """One line of the segment table (e.g. ``ESO`` with its figures)."""

    code: str
    total: bool
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class Table:
    """The table by segment: column headers, rows (levels in millions of MAD) and the
    legend of the marks it shows (``table.legend``; ``None`` when it shows none)."""

    headers: tuple[Message, ...]
    rows: tuple[Row, ...]
    legend: Message | None = None

    @property
    def changes(self) -> bool:
        """Whether the table has a growth or contribution column (the first period of a
        series has neither, and its note then names levels and shares only)."""
        return any(h.id in ("column.growth", "column.contribution") for h in self.headers)


_OPTIONAL_COLUMNS = ("growth", "contribution", "progress")
#: Mark -> the legend entry that explains it.
_LEGEND = {"confidential": "table.legend_confidential", "missing": "table.legend_missing"}


def segment_table(f: Facts) -> Table:
    """The table by segment: a column for last year's level when some is known, the
    level and share, then growth, contribution and (for a period from January only)
    progress when some are known. A withheld figure shows the mark ``[c]``, an absent
    one ``[x]`` (:mod:`marsad.publish.marks`), and the legend says so. Every figure is
    one row of the table: the total's share is left blank, its contribution is its
    growth (the same row)."""
    lines = [*f.segments, *([f.unallocated] if f.unallocated else []), f.total]
    columns: list[tuple[str, Message]] = []
    if any(c.previous is not None or "previous" in c.withheld for c in lines):
        columns.append(("previous", Message("column.period", period=f.previous_period)))
    columns.append(("level", Message("column.period", period=f.period)))
    columns.append(("share", Message("column.share")))
    for key in _OPTIONAL_COLUMNS:
        if key == "progress" and not f.period.starts_year:
            continue  # a later quarter or half alone is never set against a whole year
        if any(getattr(c, key) is not None or key in c.withheld for c in lines):
            header = Message(
                f"column.{key}", **({"year": f.previous_year} if key == "progress" else {})
            )
            columns.append((key, header))
    rows = tuple(
        Row(c.code, c is f.total, tuple(_figure(c, key, c is f.total) for key, _ in columns))
        for c in lines
    )
    return Table(tuple(h for _, h in columns), rows, _legend(rows))


def _legend(rows: tuple[Row, ...]) -> Message | None:
    shown = {x.style for row in rows for x in row.figures}
    marks = [Message(ident) for style, ident in _LEGEND.items() if style in shown]
    return Message("table.legend", marks=marks) if marks else None


def _figure(c: Cell, key: str, is_total: bool) -> Figure:
    if is_total and c.level is not None:
        if key == "share":
            return Figure(None, "blank")
        if key == "contribution" and c.growth is not None:
            # the contributions of the segments add up to the total's growth
            return Figure(c.growth, "signed")
        if key == "contribution" and "growth" in c.withheld:
            return Figure(None, "confidential")
    value = getattr(c, key)
    if value is None:
        # last year's level is a figure of its own: only its own flag marks it
        hidden = key in c.withheld if key == "previous" else c.hides(key)
        return Figure(None, "confidential" if hidden else "missing")
    if key in ("level", "previous"):
        return Figure(value, "millions")
    return Figure(value, "signed" if key in ("growth", "contribution") else "percent")
