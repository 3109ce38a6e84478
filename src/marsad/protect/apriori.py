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

* **(A)** a cell withheld in any earlier release stays withheld: ``D`` unless it is
  primary now (it keeps its ``A`` or ``O``);
* **(B)** a cell published in an earlier release whose value (to the centime) is the
  same now is *known*: the secondary suppression never picks it as a complement
  (its deviation is fixed at zero), and the audit treats it as published even when
  the build withholds it. A known cell that is primary now (its contributors changed,
  its value did not) cannot be protected: the build reports it, counted, and the
  audit counts it exposed, which refuses the release.

What it costs: the cells kept withheld by (A), and the complements that (B) forces
elsewhere (a known cell can no longer hide its neighbours), are information lost;
``marsad build`` counts them with the others (secondary).

>>> key = ("exports", "2024", "ITO", "_T", "_T")
>>> earlier = Apriori.of_tables([{key: None}])          # withheld in a release
>>> earlier.apply({key: Cell(500)})[key].status
'D'
>>> earlier = Apriori.of_tables([{key: 500}])           # published, value 500 centimes
>>> cell = earlier.apply({key: Cell(500, "A", 50, 50)})[key]
>>> cell.status, cell.known
('A', True)
>>> earlier.apply({key: Cell(700)})[key].known          # revised since: not known
False
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from marsad.protect.primary import FREE, SECONDARY
from marsad.protect.table import Cell, Key, LinkedTable


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

    def __repr__(self) -> str:
        return (
            f"Apriori(releases={len(self.releases)}, withheld={len(self.withheld)}, "
            f"published={len(self.published)})"
        )

    def __bool__(self) -> bool:
        return bool(self.withheld or self.published)

    @classmethod
    def of_tables(
        cls, tables: Iterable[Mapping[Key, int | None]], releases: Iterable[str] = ()
    ) -> Apriori:
        """From the level cells of each earlier release: key -> value in centimes,
        ``None`` when withheld.

        >>> k = ("imports", "2024-Q1", "TOTAL", "_T", "FR")
        >>> Apriori.of_tables([{k: 10}, {k: None}, {k: 12}])
        Apriori(releases=0, withheld=1, published=1)
        """
        withheld: set[Key] = set()
        published: dict[Key, set[int]] = {}
        for table in tables:
            for key, value in table.items():
                if value is None:
                    withheld.add(key)
                else:
                    published.setdefault(key, set()).add(int(value))
        return cls(
            frozenset(withheld),
            {k: frozenset(v) for k, v in published.items()},
            tuple(releases),
        )

    def known(self, key: Key, value: int) -> bool:
        """Rule (B): ``key`` was published before with ``value`` (centimes)."""
        return value in self.published.get(key, ())

    def apply(self, cells: Mapping[Key, Cell], withhold: bool = True) -> dict[Key, Cell]:
        """``cells`` with rules (A) (unless ``withhold`` is False) and (B): a published
        cell withheld before becomes ``D``; a cell published before with its value now
        is marked ``known``. Cells absent from the earlier releases, and keys of the
        releases absent from ``cells``, are left alone."""
        out = dict(cells)
        if not self:
            return out
        for key, cell in cells.items():
            withheld = withhold and key in self.withheld and cell.status == FREE
            status = SECONDARY if withheld else cell.status
            known = self.known(key, cell.value)
            if status != cell.status or known != cell.known:
                out[key] = replace(cell, status=status, known=known)
        return out

    def protecting(self, table: LinkedTable) -> LinkedTable:
        """``table`` to protect given the earlier releases: rules (A) and (B), same
        relations. ``table`` itself when there is no earlier release."""
        if not self:
            return table
        return LinkedTable.trusted(self.apply(table.cells), table.relations)

    def seen_by_intruder(self, table: LinkedTable) -> LinkedTable:
        """``table`` as the audit's intruder, who holds the earlier releases, sees it:
        rule (B) only (the values known); the flags are the table's own, so that a table
        which did not keep withheld what a release withheld is audited as published.
        ``table`` itself when there is no earlier release."""
        if not self:
            return table
        return LinkedTable.trusted(self.apply(table.cells, withhold=False), table.relations)

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
        for key, values in self.published.items():
            for value in values:
                lines.setdefault(_year(key), []).append(f"P\x1f{key!r}\x1f{value}")
        return {
            year: hashlib.sha256("\x1e".join(sorted(found)).encode()).hexdigest()
            for year, found in sorted(lines.items())
        }


def _year(key: Key) -> int:
    return int(key[1][:4])
