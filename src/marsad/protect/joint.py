"""The joint table of rule (C) (:mod:`marsad.protect.apriori`): the table being protected
with the relations of the earlier releases that hold a cell they withheld, and their
confidential cells, as an intruder holding every release sets them side by side.

(C) takes the worst case: the intruder is granted knowing which withheld cells kept
their value (a revision note, a stable series); a cell that changed is an unknown of
its own (its earlier value, not negative), the same unknown in every earlier release
that withheld it with that value, and a constant when a release published that value
(a cell withheld in one release, published in the next with its value, then corrected:
without it the third release published the cell that still hid the first's
confidential one, which the intruder read with the second's value).

What (C) reads of an earlier release: all its cells (their values then, which the build
compares with now, and which :meth:`~marsad.protect.apriori.Apriori.digests` hashes),
and only the relations that hold a cell it did not publish (withheld, or latent): a
tenth of them.
:func:`~marsad.release.apriori.of_releases` derives no other
(:func:`~marsad.protect.cells.linked_table` with ``withheld_only``), since deriving every
relation of every earlier release at each build cost more than reading the rest. It is
sound because a relation whose every term the release published tells the intruder
nothing: each of its terms is, in the joint table, a value the intruder holds (the
cell now when its value is the same, known by (B); else an :class:`EarlierCell`
published then, a constant), so it is an identity between constants, which narrows no
unknown (no cell withheld now, no earlier value), and the suppression's constraints and
the audit's intervals are the same with it or without it. :func:`joint_table` never
took such a relation (it keeps those that hold a withheld cell): the joint table is the
same, relation for relation and in the same order, whichever way the earlier tables
were read (``every_relation``; a property test compares the joint tables and the
suppression patterns of random multi-release cases both ways). The check that these
relations add up is not made at each build: the file is checked against its manifest's
SHA-256, and was written from a checked table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from marsad.protect.primary import FREE, SECONDARY
from marsad.protect.table import Cell, Key, LinkedTable, Relation, linked_by


@dataclass(frozen=True, order=True)
class EarlierCell:
    """The key, in a joint table (rule (C)), of a cell of the earlier release
    ``release`` whose value then is not its value now (or that is not in the table
    now): the intruder's unknown for the earlier value. The ``repr`` names the
    release and the key, never a value.

    >>> EarlierCell("2025-03", ("exports", "2024", "KPO", "_T", "_T"))
    EarlierCell(release='2025-03', key=('exports', '2024', 'KPO', '_T', '_T'))
    """

    release: str
    key: Key


def joint_table(
    tables: Iterable[tuple[str, LinkedTable]],
    table: LinkedTable,
    known: Callable[[Key, int], bool],
) -> LinkedTable:
    """``table`` joined with the relations of the earlier releases ``tables`` (release
    id and linked table, in the order they were made) that hold a cell they withheld
    (rule (C)); ``known(key, value)``: a release published ``value`` (rule (B),
    :meth:`~marsad.protect.apriori.Apriori.known`). A cell of such a relation whose
    value then is its value now is the table's own cell; any other is an
    :class:`EarlierCell`, one per key and value across the releases (two releases that
    withheld a cell with one value share the unknown): withheld when they withheld it
    (an unknown, not negative; confidential with the widest levels then if one held it
    so), published and known when a release published that value (a constant, even
    where the release of the relation withheld it: once rule (A) no longer holds, a
    cell withheld in March may be published in June with the same value, and corrected
    in September); a cell confidential then with the same value now stays
    confidential. Relations the table has already, and groups of earlier relations
    that reach none of its cells, are left out. The relations add up (each holds in its
    release, and a cell stands for itself, or for an unknown, only with the same value).

    >>> from marsad.protect.table import build_table, flat
    >>> row = [flat(0, "T", "abc")]
    >>> r1 = build_table({("T",): Cell(9), ("a",): Cell(2, "A", 1, 1),
    ...                   ("b",): Cell(3, "D"), ("c",): Cell(4)}, row)
    >>> now = build_table({("T",): Cell(10), ("a",): Cell(2, "D"),
    ...                    ("b",): Cell(3, "D"), ("c",): Cell(5, "A", 1, 1)}, row)
    >>> joint = joint_table([("R1", r1)], now, lambda key, value: False)
    >>> joint.relations[-1]      # R1's: its T and c then, a and b (unchanged) now
    Relation(total=EarlierCell(release='R1', key=('T',)), parts=(('a',), ('b',), \
EarlierCell(release='R1', key=('c',))))
    """
    tables = tuple(tables)
    if not tables:
        return table
    cells = dict(table.cells)
    names: dict[tuple[Key, int], EarlierCell] = {}
    then: dict[EarlierCell, dict[str, Cell]] = {}
    found: list[Relation] = []
    for release, earlier in tables:
        _still_confidential(earlier, cells)
        found += _earlier_relations(release, earlier, table.cells, names, then)
    relations = list(table.relations)
    seen = {(r.total, frozenset(r.parts)) for r in relations}
    for rel in _reaching(found, table.cells):
        for key in (rel.total, *rel.parts):
            if isinstance(key, EarlierCell) and key not in cells:
                was = then[key].values()
                cells[key] = _as_then(was, known(key.key, next(iter(was)).value))
        signature = (rel.total, frozenset(rel.parts))
        if signature not in seen:
            seen.add(signature)
            relations.append(rel)
    return LinkedTable.trusted(cells, tuple(relations))


def own_cells(joint: LinkedTable, table: LinkedTable) -> LinkedTable:
    """The cells of ``table`` as ``joint`` (:func:`joint_table` of it, then
    suppressed) flags them, with ``table``'s relations: what a build keeps."""
    if joint is table:
        return table
    return LinkedTable.trusted({k: joint.cells[k] for k in table.cells}, table.relations)


def table_key(key: Key) -> Key:
    """The cell key of ``key``, an :class:`EarlierCell`'s own key or ``key`` itself: the
    period and codes a count by year or by breakdown reads.

    >>> table_key(EarlierCell("R1", ("exports", "2024", "KPO", "_T", "_T")))[1]
    '2024'
    """
    return key.key if isinstance(key, EarlierCell) else key


def _as_then(was: Iterable[Cell], known: bool) -> Cell:
    """An earlier cell as the joint table holds it, from what the releases that hold it
    with this value made of it (``was``): confidential with its flag and the widest
    protection levels if one held it confidential, so that the suppression protects it
    again and the audit checks it (the earlier release's firms are no less confidential
    for their figures having changed since); else published and known when a release
    published this value (``known``: even one that did not hold this relation), or
    withheld (an unknown). A confidential cell whose value a release published is known:
    no pattern protects it."""
    was = list(was)
    value = was[0].value
    sensitive = [c for c in was if c.sensitive]
    if sensitive:
        upl, lpl = max(c.upl for c in sensitive), max(c.lpl for c in sensitive)
        return Cell(value, sensitive[0].status, upl, lpl, known=known)
    if known or any(not c.withheld for c in was):
        return Cell(value, FREE, known=True)
    return Cell(value, SECONDARY)


def _still_confidential(earlier: LinkedTable, cells: dict[Key, Cell]) -> None:
    """A cell of ``cells`` that ``earlier`` held confidential with the value it has now
    stays confidential: its earlier flag (unless it is confidential now) and the wider
    of the two protection levels each way. Without it a cell whose contributors changed
    (its value did not) was only withheld, as a complement, and nothing kept the
    earlier firm's figure from being narrowed."""
    for key, then in earlier.cells.items():
        cell = cells.get(key)
        if not then.sensitive or cell is None or cell.value != then.value:
            continue
        upl, lpl = max(cell.upl, then.upl), max(cell.lpl, then.lpl)
        status = cell.status if cell.sensitive else then.status
        if (status, upl, lpl) != (cell.status, cell.upl, cell.lpl):
            cells[key] = replace(cell, status=status, upl=upl, lpl=lpl)


def _earlier_relations(
    release: str,
    earlier: LinkedTable,
    now: Mapping[Key, Cell],
    names: dict[tuple[Key, int], EarlierCell],
    then: dict[EarlierCell, dict[str, Cell]],
) -> list[Relation]:
    """The relations of ``earlier`` that hold a cell it withheld, each cell standing
    for itself when its value now is its value then, else for an :class:`EarlierCell`:
    one per key and value across the releases (``names``, filled), so that a cell two
    releases withheld with one value is one unknown, as the intruder, granted knowing
    which cells kept their value, sees it; ``then`` (filled) holds what each release
    made of it."""

    def term(key: Key) -> Key:
        was = earlier.cells[key]
        cell = now.get(key)
        if cell is not None and cell.value == was.value:
            return key
        name = names.setdefault((key, was.value), EarlierCell(release, key))
        then.setdefault(name, {})[release] = was
        return name

    cells = earlier.cells
    return [
        Relation(term(r.total), tuple(term(p) for p in r.parts))
        for r in earlier.relations
        if cells[r.total].withheld or any(cells[p].withheld for p in r.parts)
    ]


def _reaching(relations: list[Relation], now: Mapping[Key, Cell]) -> list[Relation]:
    """The ``relations`` linked, through the earlier cells they share, to a cell of
    ``now``: the others tell nothing about the table."""
    group = linked_by(relations)
    reached = {group(k) for k in now}
    reached.discard(None)
    return [r for r in relations if group(r.total) in reached]
