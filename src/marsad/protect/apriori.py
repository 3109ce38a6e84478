"""A priori information: what an intruder knows from the releases published before.

Each build protects its own table, but an intruder keeps every release and sets
them side by side. Two attacks follow (docs/methodology.md, "Across releases"):

* a cell withheld in an earlier release and published in a later one, after late
  records were added, gives the earlier value as the new one less the change of the
  total (the other cells unchanged);
* a cell published in an earlier release and withheld as a complement in a later
  one with the same value is known all the same: the later pattern may be undone.

The answer is the *a priori information* of tau-ARGUS (its "apriori file" marks cells
unsafe, to be withheld whatever the rules say, or protected, never to be chosen as a
complement; tau-ARGUS user's manual, "A priori information"), and the treatment of
linked tables in Hundepool et al., *Statistical Disclosure Control* (Wiley, 2012),
chapter 4: cells an intruder can read elsewhere (another table, an earlier release)
are given to the suppression as known, not found afterwards by the audit.

From the public tables of the earlier releases (public information only), for the
level cells of the table being protected, same key, period included:

* **(A)** a cell withheld in an earlier release read without its linked table
  (:attr:`Apriori.without_cells`: frozen by an older marsad, (C) has nothing of it)
  stays withheld: ``D`` unless it is primary now (it keeps its ``A`` or ``O``). A cell
  withheld in a release read with its cells is not forced: (C) puts that release's
  relations and confidential cells into the table, so publishing the cell now is seen by
  the suppression, which keeps every earlier confidential cell's interval wide (it
  withholds the cell again where that takes it), and checked by the audit. A cell the
  latest earlier release withheld is a *preferred* complement (:data:`STABLE_WEIGHT` of
  its weight), so that patterns change only where they must. (A) once held for every
  release: one correction that took a year's total as a complement withheld that total
  in every later release;
* **(B)** a cell published in an earlier release whose value (to the centime) is the
  same now is *known*: the secondary suppression never picks it as a complement
  (its deviation is fixed at zero), and the audit treats it as published even when
  the build withholds it. A known cell that is primary now (its contributors changed,
  its value did not) cannot be protected: the build reports it, counted, and the
  audit counts it exposed, which refuses the release;
* **(C)** every relation of an earlier release that holds a cell it withheld is a
  relation the intruder still knows (its total less its published parts is the sum of
  its withheld parts): it joins the table being protected (:meth:`Apriori.linked`),
  with the cells whose value is the same now standing for themselves and the others
  for their earlier value (an :class:`EarlierCell`, withheld or published as it was
  then). The suppression then finds complements that keep each sensitive cell's
  interval wide in the joint system, and the audit solves it. Without (C) a cell made
  primary by a one-record correction was recomputed as the new total, less the
  unchanged published parts, less the sum of two segments that an earlier release
  withheld together (they are still withheld, and still add up to the same).
  An earlier release's **confidential** cells stay confidential in the joint table,
  with their value then and their protection levels: one that changed since (its firm
  moved to another segment, its records were re-dated or withdrawn) is protected again
  as an :class:`EarlierCell`, so that a new value published beside its old neighbours
  does not give it away (a reviewer read a withheld one-firm figure as the rise of the
  segment its firm moved to); one whose value is the same now keeps its flag even when
  its contributors changed.

(C) takes the worst case: the intruder is granted knowing which withheld cells kept
their value (a revision note, a stable series); a cell that changed is an unknown of
its own (its earlier value, not negative), the same unknown in every earlier release
that withheld it with that value, and a constant when a release published that value
(a cell withheld in one release, published in the next with its value, then corrected:
without it the third release published the cell that still hid the first's
confidential one, which the intruder read with the second's value). (C) needs the
earlier release's own values of the cells it withheld (its ``internal/sdc_cells.csv``):
a release frozen without them gives rules (A) and (B) only.

What (C) reads of an earlier release: all its cells (their values then, which the build
compares with now, and which :meth:`Apriori.digests` hashes), and only the relations
that hold a cell it did not publish (withheld, or latent): a tenth of them.
:func:`~marsad.release.apriori.of_releases` derives no other
(:func:`~marsad.protect.cells.linked_table` with ``withheld_only``), since deriving every
relation of every earlier release at each build cost more than reading the rest. It is
sound because a relation whose every term the release published tells the intruder
nothing: each of its terms is, in the joint table, a value the intruder holds (the
cell now when its value is the same, known by (B); else an :class:`EarlierCell`
published then, a constant), so it is an identity between constants, which narrows no
unknown (no cell withheld now, no earlier value), and the suppression's constraints and
the audit's intervals are the same with it or without it. :meth:`Apriori.linked` never
took such a relation (it keeps those that hold a withheld cell): the joint table is the
same, relation for relation and in the same order, whichever way the earlier tables
were read (``every_relation``; a property test compares the joint tables and the
suppression patterns of random multi-release cases both ways). The check that these
relations add up is not made at each build: the file is checked against its manifest's
SHA-256, and was written from a checked table.

What it costs: the cells kept withheld by (A), the complements that (B) forces
elsewhere (a known cell can no longer hide its neighbours) and those (C) needs to keep
the earlier confidential cells protected, are information lost; ``marsad build`` counts
them with the others (secondary).

>>> key = ("exports", "2024", "ITO", "_T", "_T")
>>> earlier = Apriori.of_tables([{key: None}])          # withheld, release without cells
>>> earlier.apply({key: Cell(500)})[key].status
'D'
>>> from marsad.protect.table import build_table
>>> r1 = build_table({key: Cell(500, "D")}, [])          # the same, frozen with its cells
>>> with_cells = Apriori.of_linked({"R1": r1})
>>> with_cells.apply({key: Cell(500)})[key].status       # (C) decides: not forced
'F'
>>> preferred = with_cells.protecting(build_table({key: Cell(500)}, [])).cells[key]
>>> preferred.weight() / Cell(500).weight()              # a preferred complement
0.5
>>> earlier = Apriori.of_tables([{key: 500}])            # published, value 500 centimes
>>> cell = earlier.apply({key: Cell(500, "A", 50, 50)})[key]
>>> cell.status, cell.known
('A', True)
>>> earlier.apply({key: Cell(700)})[key].known           # revised since: not known
False
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from marsad.protect.primary import FREE, LATENT, SECONDARY
from marsad.protect.table import Cell, Key, LinkedTable, Relation, linked_by

#: What withholding a cell costs the suppression, as a share of its weight
#: (:meth:`~marsad.protect.table.Cell.weight`, times ``HEADLINE_COST`` for a headline
#: figure), when the latest earlier release withheld it too: a pattern that keeps the
#: complements readers have seen withheld is preferred, so that patterns change only where
#: they must (a cell withheld in March and published in June, then withheld in September,
#: is three changes to explain). Half: a preferred cell of 1,000,000 MAD costs what a new
#: one of about 600 MAD does, and a headline figure stays dearer than any other cell.
STABLE_WEIGHT = 0.5


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


@dataclass(frozen=True)
class Apriori:
    """The level cells of earlier releases: ``withheld`` (keys withheld in at least
    one) and ``published`` (key -> every value in centimes it was published with).

    Keys are cell keys, ``(flow, period, segment, service, partner)`` with a year to
    date written ``2024-07/YTD``. An empty ``Apriori()`` (no release) changes nothing.
    The ``repr`` gives counts only: published values are public, but a list of them
    is no use in a log.
    """

    withheld: frozenset[Key] = frozenset()
    published: Mapping[Key, frozenset[int]] = field(default_factory=dict)
    #: the releases read (ids, in the order they were made), for messages
    releases: tuple[str, ...] = ()
    #: rule (C): the linked table of each earlier release that kept one, by release id,
    #: with its own values (withheld cells' too: internal, never shown)
    tables: tuple[tuple[str, LinkedTable], ...] = ()
    #: rule (A): the keys withheld in an earlier release read without its linked table
    #: (:attr:`without_cells`), which stay withheld
    kept: frozenset[Key] = frozenset()
    #: the keys withheld in the latest earlier release: preferred complements
    #: (:data:`STABLE_WEIGHT`)
    latest: frozenset[Key] = frozenset()

    def __repr__(self) -> str:
        return (
            f"Apriori(releases={len(self.releases)}, withheld={len(self.withheld)}, "
            f"published={len(self.published)}, tables={len(self.tables)}, kept={len(self.kept)})"
        )

    def __bool__(self) -> bool:
        return bool(self.withheld or self.published or self.tables)

    @classmethod
    def of_tables(
        cls,
        tables: Iterable[Mapping[Key, int | None]],
        releases: Iterable[str] = (),
        linked: Iterable[tuple[str, LinkedTable]] = (),
    ) -> Apriori:
        """From the level cells of each earlier release, in the order they were made:
        key -> value in centimes, ``None`` when withheld; ``releases``: their ids, in the
        same order; ``linked``: the linked tables of those that kept them, by release id,
        for rule (C). A table whose release has no linked table (or that ``releases``
        does not name) gives rule (A).

        >>> k = ("imports", "2024-Q1", "TOTAL", "_T", "FR")
        >>> Apriori.of_tables([{k: 10}, {k: None}, {k: 12}])
        Apriori(releases=0, withheld=1, published=1, tables=0, kept=1)
        """
        linked = tuple(linked)
        with_cells = {release for release, _ in linked}
        names = list(releases)
        withheld: set[Key] = set()
        kept: set[Key] = set()
        latest: set[Key] = set()
        published: dict[Key, set[int]] = {}
        for i, table in enumerate(tables):
            latest = {key for key, value in table.items() if value is None}
            withheld |= latest
            if i >= len(names) or names[i] not in with_cells:
                kept |= latest
            for key, value in table.items():
                if value is not None:
                    published.setdefault(key, set()).add(int(value))
        return cls(
            frozenset(withheld),
            {k: frozenset(v) for k, v in published.items()},
            tuple(names),
            linked,
            frozenset(kept),
            frozenset(latest),
        )

    @classmethod
    def of_linked(cls, tables: Mapping[str, LinkedTable]) -> Apriori:
        """From the protected linked tables of earlier releases, by release id (what
        their public tables show, and rule (C)); latent cells are never published.

        >>> from marsad.protect.table import build_table, flat
        >>> r1 = build_table({("T",): Cell(5), ("a",): Cell(2, "A", 1, 1), ("b",): Cell(3, "D")},
        ...                  [flat(0, "T", "ab")])
        >>> Apriori.of_linked({"R1": r1})
        Apriori(releases=1, withheld=2, published=1, tables=1, kept=0)
        """
        return cls.of_tables(map(public_cells, tables.values()), tables, tables.items())

    @property
    def without_cells(self) -> tuple[str, ...]:
        """The releases read without their linked table (frozen without their protected
        cells, by an older marsad): rules (A) and (B) only, weaker (methodology)."""
        linked = {release for release, _ in self.tables}
        return tuple(r for r in self.releases if r not in linked)

    def known(self, key: Key, value: int) -> bool:
        """Rule (B): ``key`` was published before with ``value`` (centimes)."""
        return value in self.published.get(key, ())

    def apply(self, cells: Mapping[Key, Cell], withhold: bool = True) -> dict[Key, Cell]:
        """``cells`` with rules (A) (unless ``withhold`` is False) and (B): a published
        cell withheld by a release read without its linked table becomes ``D``; a cell
        published before with its value now is marked ``known``. Cells absent from the
        earlier releases, and keys of the releases absent from ``cells``, are left
        alone."""
        out = dict(cells)
        if not self:
            return out
        for key, cell in cells.items():
            withheld = withhold and key in self.kept and cell.status == FREE
            status = SECONDARY if withheld else cell.status
            known = self.known(key, cell.value)
            if status != cell.status or known != cell.known:
                out[key] = replace(cell, status=status, known=known)
        return out

    def protecting(self, table: LinkedTable, stable: float = STABLE_WEIGHT) -> LinkedTable:
        """``table`` to protect given the earlier releases: rules (A) and (B), the
        relations of rule (C) (:meth:`linked`), and each published cell that the latest
        earlier release withheld made ``stable`` times its weight (:data:`STABLE_WEIGHT`;
        1 for none). ``table`` itself when there is no earlier release. The
        suppression's result holds the cells of (C) too: :func:`own_cells` gives back
        the table's."""
        if not self:
            return table
        cells = self.apply(table.cells)
        if stable != 1:
            for key in self.latest:
                cell = cells.get(key)
                if cell is not None and cell.status == FREE and not cell.known:
                    cells[key] = replace(cell, cost=cell.weight() * stable)
        return self.linked(LinkedTable.trusted(cells, table.relations))

    def seen_by_intruder(self, table: LinkedTable) -> LinkedTable:
        """``table`` as the audit's intruder, who holds the earlier releases, sees it:
        rules (B) (the values known) and (C) (the earlier relations); the flags are the
        table's own, so that a table which did not keep withheld what a release withheld
        is audited as published. ``table`` itself when there is no earlier release."""
        if not self:
            return table
        return self.linked(
            LinkedTable.trusted(self.apply(table.cells, withhold=False), table.relations)
        )

    def linked(self, table: LinkedTable) -> LinkedTable:
        """``table`` joined with the relations of the earlier releases that hold a cell
        they withheld (rule (C)): a cell of such a relation whose value then is its
        value now is the table's own cell; any other is an :class:`EarlierCell`, one per
        key and value across the releases (two releases that withheld a cell with one
        value share the unknown): withheld when they withheld it (an unknown, not
        negative; confidential with the widest levels then if one held it so),
        published and known when a release published that value (a constant, even where
        the release of the relation withheld it: once rule (A) no longer holds, a cell
        withheld in March may be published in June with the same value, and corrected
        in September); a cell confidential then with the same value now stays
        confidential. Relations the table has already, and groups of earlier relations
        that reach none of its cells, are left out.
        The relations add up (each holds in its release, and a cell stands for
        itself, or for an unknown, only with the same value).

        >>> from marsad.protect.table import build_table, flat
        >>> row = [flat(0, "T", "abc")]
        >>> r1 = build_table({("T",): Cell(9), ("a",): Cell(2, "A", 1, 1),
        ...                   ("b",): Cell(3, "D"), ("c",): Cell(4)}, row)
        >>> now = build_table({("T",): Cell(10), ("a",): Cell(2, "D"),
        ...                    ("b",): Cell(3, "D"), ("c",): Cell(5, "A", 1, 1)}, row)
        >>> joint = Apriori.of_linked({"R1": r1}).linked(now)
        >>> joint.relations[-1]      # R1's: its T and c then, a and b (unchanged) now
        Relation(total=EarlierCell(release='R1', key=('T',)), parts=(('a',), ('b',), \
EarlierCell(release='R1', key=('c',))))
        """
        if not self.tables:
            return table
        cells = dict(table.cells)
        names: dict[tuple[Key, int], EarlierCell] = {}
        then: dict[EarlierCell, dict[str, Cell]] = {}
        found: list[Relation] = []
        for release, earlier in self.tables:
            _still_confidential(earlier, cells)
            found += _earlier_relations(release, earlier, table.cells, names, then)
        relations = list(table.relations)
        seen = {(r.total, frozenset(r.parts)) for r in relations}
        for rel in _reaching(found, table.cells):
            for key in (rel.total, *rel.parts):
                if isinstance(key, EarlierCell) and key not in cells:
                    was = then[key].values()
                    cells[key] = _as_then(was, self.known(key.key, next(iter(was)).value))
            signature = (rel.total, frozenset(rel.parts))
            if signature not in seen:
                seen.add(signature)
                relations.append(rel)
        return LinkedTable.trusted(cells, tuple(relations))

    def digests(self) -> dict[int, str]:
        """SHA-256 (hex) of the a priori cells of each year (by the year of the
        period), what an incremental build compares to know which years to protect
        again; a year without any has none.

        >>> Apriori.of_tables([{("exports", "2024-07/YTD", "TOTAL", "_T", "_T"): 5}]).digests()
        ... # doctest: +ELLIPSIS
        {2024: '...'}
        """
        lines: dict[int, list[str]] = {}
        for key in self.withheld:
            lines.setdefault(_year(key), []).append(f"W\x1f{key!r}")
        for key in self.kept:  # rule (A)
            lines.setdefault(_year(key), []).append(f"K\x1f{key!r}")
        for key in self.latest:  # the preferred complements
            lines.setdefault(_year(key), []).append(f"L\x1f{key!r}")
        for key, values in self.published.items():
            for value in values:
                lines.setdefault(_year(key), []).append(f"P\x1f{key!r}\x1f{value}")
        for release, earlier in self.tables:  # rule (C): what the earlier cells were
            for key, cell in earlier.cells.items():
                line = (
                    f"C\x1f{release}\x1f{key!r}\x1f{cell.value}\x1f{cell.status}"
                    f"\x1f{cell.upl}\x1f{cell.lpl}"
                )
                lines.setdefault(_year(key), []).append(line)
        return {
            year: hashlib.sha256("\x1e".join(sorted(found)).encode()).hexdigest()
            for year, found in sorted(lines.items())
        }


def own_cells(joint: LinkedTable, table: LinkedTable) -> LinkedTable:
    """The cells of ``table`` as ``joint`` (:meth:`Apriori.linked` of it, then
    suppressed) flags them, with ``table``'s relations: what a build keeps."""
    if joint is table:
        return table
    return LinkedTable.trusted({k: joint.cells[k] for k in table.cells}, table.relations)


def public_cells(table: LinkedTable) -> dict[Key, int | None]:
    """What a release of ``table`` shows of its level cells: key -> value in centimes,
    ``None`` when withheld; latent cells are never shown (what :meth:`Apriori.of_tables`
    reads).

    >>> public_cells(LinkedTable.trusted({("a",): Cell(2, "D"), ("b",): Cell(3)}, ()))
    {('a',): None, ('b',): 3}
    """
    return {
        k: None if c.withheld else c.value for k, c in table.cells.items() if c.status != LATENT
    }


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


def _year(key: Key) -> int:
    return int(key[1][:4])
