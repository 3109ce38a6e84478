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

How (C) joins the earlier releases to the table (the worst case it takes: the intruder
told which withheld cells kept their value), and what it reads of each (only the
relations that hold a cell it withheld, and why that is sound): :mod:`marsad.protect.joint`.
(C) needs the earlier release's own values of the cells it withheld (its
``internal/sdc_cells.csv``): a release frozen without them gives rules (A) and (B) only.

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

from marsad.protect.joint import EarlierCell, joint_table, own_cells, table_key
from marsad.protect.primary import FREE, LATENT, SECONDARY
from marsad.protect.table import Cell, Key, LinkedTable

#: :class:`EarlierCell`, :func:`own_cells` and :func:`table_key` are rule (C)'s
#: (:mod:`marsad.protect.joint`), named here too for the modules that import them from here.
__all__ = [
    "STABLE_WEIGHT",
    "Apriori",
    "EarlierCell",
    "own_cells",
    "public_cells",
    "table_key",
]

#: What withholding a cell costs the suppression, as a share of its weight
#: (:meth:`~marsad.protect.table.Cell.weight`, times ``HEADLINE_COST`` for a headline
#: figure), when the latest earlier release withheld it too: a pattern that keeps the
#: complements readers have seen withheld is preferred, so that patterns change only where
#: they must (a cell withheld in March and published in June, then withheld in September,
#: is three changes to explain). Half: a preferred cell of 1,000,000 MAD costs what a new
#: one of about 600 MAD does, and a headline figure stays dearer than any other cell.
STABLE_WEIGHT = 0.5


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
        they withheld, and their confidential cells (rule (C):
        :func:`~marsad.protect.joint.joint_table`); ``table`` itself when no earlier
        release kept its linked table."""
        return joint_table(self.tables, table, self.known)

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


def _year(key: Key) -> int:
    return int(key[1][:4])
