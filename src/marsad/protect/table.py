"""The linked table an intruder sees: level cells and the sums that tie them.

A cell is identified by a key, a tuple of codes (in the build, e.g.
``("exports", "2024-07", "ITO", "_T", "FR")``), and holds its value in integer
centimes, its confidentiality flag and, when primary confidential, its
protection levels. A :class:`Relation` says ``total = sum(parts)``: segments add
up to ``TOTAL``, services and partners to ``_T``, months to quarters to halves
to years, months to year-to-date. :func:`build_table` derives every relation
from a description of each key position (:class:`Dimension`: which code is the
sum of which), so the build only hands over the cells.

Everything else in the indicator table is *derived* from levels: the balance
(exports - imports), shares, growth, contributions, progress. The rule
":func:`derived_withheld`: a derived figure is withheld when any level it uses
is withheld" means a published derived figure only combines published levels,
so it tells an intruder nothing the levels do not (ESSnet handbook, 4.4: linked
tables are protected through their common cells).

>>> rows = flat(0, "_T", ["a", "b"])
>>> t = build_table({("_T",): Cell(30), ("a",): Cell(10, "A", 2, 2), ("b",): Cell(20)}, [rows])
>>> t.relations
(Relation(total=('_T',), parts=(('a',), ('b',))),)
>>> derived_withheld([("a",), ("b",)], t.withheld), derived_status([("_T",)], t)
(True, 'F')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from marsad.protect.primary import FREE, PRIMARY_FLAGS, SECONDARY, Primary

Key = Hashable


@dataclass(frozen=True, slots=True)
class Cell:
    """One level cell: value in centimes (>= 0), flag, protection levels, cost.

    ``status``: ``F`` published, ``A``/``O``/``C``/``G`` primary confidential,
    ``D`` withheld to protect another cell. ``upl``/``lpl`` (centimes) are the
    protection a primary cell needs above and below its value. ``cost`` is what
    withholding the cell costs in the secondary suppression (default: see
    :meth:`weight`). ``known``: an earlier release published this value
    (:mod:`~marsad.protect.apriori`): the intruder has it whatever this table's
    flag, so it is never a complement and the audit takes it as published.
    Values are firm figures: the ``repr`` shows only the flag.

    >>> Cell(12_345, "O", 300, 300)
    Cell(status='O')
    >>> Cell.from_primary(5_000, Primary("A", 100, 100)).sensitive
    True
    """

    value: int = field(repr=False)
    status: str = FREE
    upl: int = field(default=0, repr=False)
    lpl: int = field(default=0, repr=False)
    cost: float | None = field(default=None, repr=False)
    known: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        if self.value < 0:
            raise ValueError("a level cell cannot be negative")

    @classmethod
    def from_primary(cls, value: int, primary: Primary, cost: float | None = None) -> Cell:
        """A cell of ``value`` centimes with the status of :func:`~.primary.assess`."""
        return cls(value, primary.flag, primary.upl, primary.lpl, cost)

    @property
    def sensitive(self) -> bool:
        """Primary confidential (needs protection of its own)."""
        return self.status in PRIMARY_FLAGS

    @property
    def withheld(self) -> bool:
        """Not published: primary or secondary confidential."""
        return self.status != FREE

    @property
    def hidden(self) -> bool:
        """Unknown to the intruder: withheld, and not published by an earlier release."""
        return self.status != FREE and not self.known

    def weight(self) -> float:
        """Cost of withholding: ``cost`` if given, else ``1 + ln(1 + value in MAD)``.

        The log of the value is tau-ARGUS's cost function with its Box-Cox
        lambda = 0: large cells (the annual totals) are dearer to withhold than
        small ones, but not by their full size, so few cells are withheld.

        >>> Cell(0).weight(), round(Cell(100_000_00).weight(), 2)
        (1.0, 12.51)
        """
        return self.cost if self.cost is not None else 1.0 + math.log1p(self.value / 100)


@dataclass(frozen=True, slots=True)
class Relation:
    """``total = sum(parts)``, between cell keys (e.g. a year and its two halves)."""

    total: Key
    parts: tuple[Key, ...]


@dataclass(frozen=True, slots=True)
class Dimension:
    """One position of the keys and the sums along it.

    ``rules`` pairs a code with the codes that add up to it, e.g.
    ``(("_T", ("ITO", "BPO")),)``; a code can be the total of several rules
    (a year is the sum of its halves, and its ytd of December of its months).

    >>> flat(2, "_T", ["SI", "SJ"]).rules
    (('_T', ('SI', 'SJ')),)
    """

    position: int
    rules: tuple[tuple[Hashable, tuple[Hashable, ...]], ...]


def flat(position: int, total: Hashable, codes: Iterable[Hashable]) -> Dimension:
    """A one-level breakdown: ``total`` is the sum of ``codes`` (e.g. partners)."""
    return Dimension(position, ((total, tuple(codes)),))


def ytd_code(month: str) -> str:
    """The calendar code of the year to date ending in ``month`` (``2024-07/YTD``)."""
    return f"{month}/YTD"


def calendar(position: int, years: Iterable[int], ytd: bool = True) -> Dimension:
    """Months add up to quarters, quarters to halves, halves to years; and
    each year-to-date (:func:`ytd_code`) is the previous one plus its month.

    Codes are the period notation of :mod:`marsad.periods` (``2024``,
    ``2024-S1``, ``2024-Q3``, ``2024-07``).

    >>> c = calendar(1, [2024])
    >>> c.rules[:2], c.rules[-1]
    ((('2024', ('2024-S1', '2024-S2')), ('2024-S1', ('2024-Q1', '2024-Q2'))), \
('2024-12/YTD', ('2024-11/YTD', '2024-12')))
    """
    rules: list[tuple[Hashable, tuple[Hashable, ...]]] = []
    for y in years:
        rules.append((f"{y}", (f"{y}-S1", f"{y}-S2")))
        rules += [(f"{y}-S{h}", (f"{y}-Q{2 * h - 1}", f"{y}-Q{2 * h}")) for h in (1, 2)]
        rules += [
            (f"{y}-Q{q}", tuple(f"{y}-{3 * q - i:02d}" for i in (2, 1, 0))) for q in (1, 2, 3, 4)
        ]
        if ytd:
            rules.append((ytd_code(f"{y}-01"), (f"{y}-01",)))
            rules += [
                (ytd_code(f"{y}-{m:02d}"), (ytd_code(f"{y}-{m - 1:02d}"), f"{y}-{m:02d}"))
                for m in range(2, 13)
            ]
    return Dimension(position, tuple(rules))


@dataclass(frozen=True)
class LinkedTable:
    """Cells by key and the relations between them.

    Every relation adds up exactly (checked when the table is made, with a
    message naming the total's key, never a value).
    """

    cells: Mapping[Key, Cell]
    relations: tuple[Relation, ...]

    def __post_init__(self) -> None:
        for rel in self.relations:
            missing = [k for k in (rel.total, *rel.parts) if k not in self.cells]
            if missing:
                raise ValueError(f"a relation names a cell that is not in the table: {missing[0]}")
            if self.cells[rel.total].value != sum(self.cells[k].value for k in rel.parts):
                raise ValueError(f"the parts of {rel.total} do not add up to it")

    @property
    def withheld(self) -> frozenset[Key]:
        """Keys of every cell not published (primary or secondary)."""
        return frozenset(k for k, c in self.cells.items() if c.withheld)

    @property
    def sensitive(self) -> tuple[Key, ...]:
        """Keys of the primary confidential cells, in table order."""
        return tuple(k for k, c in self.cells.items() if c.sensitive)

    @classmethod
    def trusted(cls, cells: Mapping[Key, Cell], relations: tuple[Relation, ...]) -> LinkedTable:
        """A table of cells and relations taken from a checked table (a part of
        it, or the same values with other flags): not checked again."""
        table = object.__new__(cls)
        object.__setattr__(table, "cells", cells)
        object.__setattr__(table, "relations", relations)
        return table

    def with_secondary(self, keys: Iterable[Key]) -> LinkedTable:
        """A copy where the given published cells are withheld as secondary (``D``)."""
        cells = dict(self.cells)
        for k in keys:
            c = cells[k]
            if not c.withheld:
                cells[k] = Cell(c.value, SECONDARY, c.upl, c.lpl, c.cost, c.known)
        return LinkedTable.trusted(cells, self.relations)

    def components(self) -> list[list[Key]]:
        """The cells in groups that no relation links: each can be protected alone.

        Cells in no relation form no group (nothing derives them).

        >>> t = LinkedTable({1: Cell(3), 2: Cell(3), 3: Cell(5)}, (Relation(1, (2,)),))
        >>> t.components()
        [[1, 2]]
        """
        find = linked_by(self.relations)
        groups: dict[Key, list[Key]] = {}
        for k in self.cells:
            root = find(k)
            if root is not None:
                groups.setdefault(root, []).append(k)
        return list(groups.values())


def linked_by(relations: Iterable[Relation]) -> Callable[[Key], Key | None]:
    """The groups of keys that ``relations`` link (union-find): a function giving each
    key its group's representative, ``None`` for a key in no relation.

    >>> group = linked_by([Relation(1, (2,)), Relation(3, (4,)), Relation(4, (5,))])
    >>> group(2) == group(1), group(5) == group(3) != group(1), group(9)
    (True, True, None)
    """
    parent: dict[Key, Key] = {}

    def find(k: Key) -> Key:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for rel in relations:
        root = find(rel.total)
        for part in rel.parts:
            parent[find(part)] = root
    return lambda k: find(k) if k in parent else None


def build_table(
    cells: Mapping[Key, Cell],
    dimensions: Sequence[Dimension],
    holding: Collection[Key] | None = None,
) -> LinkedTable:
    """The linked table of ``cells`` (keys: tuples of codes) with every relation
    that the ``dimensions`` define among them.

    A relation is made for each cell whose code at a dimension's position is the
    total of a rule and for which at least one part is in ``cells``; a part
    absent from ``cells`` is taken as an empty cell (zero). A breakdown that is
    not in the table at all (e.g. service x partner) gives no relation. Raises
    ``ValueError`` when the parts present do not add up to their total.

    ``holding`` (keys of ``cells``): only the relations that hold one of them are made
    (and checked), in the order they have among all of them; ``None``: every relation.
    What an earlier release's table needs for rule (C), its withheld cells'
    (:func:`~marsad.protect.cells.linked_table`).

    >>> seg = flat(0, "TOTAL", ["ITO", "BPO"])
    >>> t = build_table({("TOTAL",): Cell(5), ("ITO",): Cell(5)}, [seg])
    >>> t.relations
    (Relation(total=('TOTAL',), parts=(('ITO',),)),)
    >>> build_table({("TOTAL",): Cell(5), ("ITO",): Cell(5)}, [seg], holding=()).relations
    ()
    """
    relations: list[Relation] = []
    holding = None if holding is None else frozenset(holding)
    for dim in dimensions:
        pos = dim.position
        # the slices that hold a cell of ``holding``: the others give no relation wanted
        wanted = None if holding is None else {(*k[:pos], *k[pos + 1 :]) for k in holding}
        slices: dict[tuple, dict[Hashable, Key]] = {}
        for key in cells:
            rest = (*key[:pos], *key[pos + 1 :])
            if wanted is None or rest in wanted:
                slices.setdefault(rest, {})[key[pos]] = key
        for members in slices.values():
            for total, parts in dim.rules:
                if total in members:
                    present = tuple(members[c] for c in parts if c in members)
                    if present and (
                        holding is None
                        or members[total] in holding
                        or any(p in holding for p in present)
                    ):
                        relations.append(Relation(members[total], present))
    return LinkedTable(dict(cells), tuple(relations))


def derived_withheld(uses: Iterable[Key], withheld: frozenset[Key] | set[Key]) -> bool:
    """True when a derived figure (balance, share, growth, contribution,
    progress) must be withheld: any level it is computed from is withheld.

    >>> derived_withheld([("exports", "2024"), ("imports", "2024")], {("imports", "2024")})
    True
    """
    return any(k in withheld for k in uses)


def derived_status(uses: Iterable[Key], table: LinkedTable) -> str:
    """The flag of a derived figure: ``D`` when it uses a withheld level, else ``F``.

    A level outside the table (e.g. a previous year not protected here) counts
    as published.
    """
    withheld = any(k in table.cells and table.cells[k].withheld for k in uses)
    return SECONDARY if withheld else FREE
