"""Comparing published tables: the diff of two releases and the revision triangle.

Both read only the **public** tables (a withheld value is empty), so that what they
show may itself be published. Values are compared as the exact decimals written
in the files; a revision is ``new - old``.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from operator import itemgetter
from pathlib import Path

from marsad.indicators.registry import INDICATORS
from marsad.periods import KINDS, Period
from marsad.release.store import DamagedRelease

_INDICATORS = tuple(INDICATORS)
_FLOWS = ("exports", "imports", "balance")

Key = tuple[str, str, str, str, str, str]  # indicator, flow, period, segment, service, partner
#: The headline series of the revision triangle: exports levels of the sector and its segments.
HEADLINE_SEGMENTS = ("TOTAL", "ITO", "CRM", "ESO", "BPO", "KPO")
#: Decimals of the mean revisions in ``revisions.csv`` (MAD, rounded half up).
MEAN_DECIMALS = 4


@dataclass(frozen=True)
class Cell:
    """One published observation: its value text (empty when withheld) and flags."""

    value: str
    obs_status: str
    conf_status: str

    @property
    def withheld(self) -> bool:
        return self.conf_status != "F"


#: The columns of a public table that :func:`read_public` reads: the key, then the cell.
_KEY_COLUMNS = ("indicator", "flow", "period", "segment", "service", "partner")
_CELL_COLUMNS = ("value", "obs_status", "conf_status")


def read_public(
    path: Path,
    indicators: Collection[str] | None = None,
    flows: Collection[str] | None = None,
) -> dict[Key, Cell]:
    """The public indicator table of a release, by key (as :func:`cells` gives it); only
    the rows of ``indicators`` and ``flows`` when given.

    Read by column position from its header (a ``csv.DictReader`` cost about a third
    more: every build reads every earlier release's table). Raises
    :class:`~marsad.release.store.DamagedRelease` for a file without a column it needs."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        header = next(rows, [])
        missing = [c for c in (*_KEY_COLUMNS, *_CELL_COLUMNS) if c not in header]
        if missing:
            raise DamagedRelease(f"{path} has no column {missing[0]!r}: it is not a public table")
        key = itemgetter(*(header.index(c) for c in _KEY_COLUMNS))
        cell = itemgetter(*(header.index(c) for c in _CELL_COLUMNS))
        indicator, flow = header.index("indicator"), header.index("flow")
        return {
            key(row): Cell(*cell(row))
            for row in rows
            if (indicators is None or row[indicator] in indicators)
            and (flows is None or row[flow] in flows)
        }


def cells(rows: Iterable[Mapping[str, str]]) -> dict[Key, Cell]:
    """Rows of a public table (column name -> text, e.g. a ``csv.DictReader``) by key
    (indicator, flow, period, segment, service, partner), as :func:`diff` compares them.

    >>> cells([{"indicator": "level", "flow": "exports", "period": "2024", "segment": "TOTAL",
    ...         "service": "_T", "partner": "_T", "value": "", "obs_status": "P",
    ...         "conf_status": "D"}])[("level", "exports", "2024", "TOTAL", "_T", "_T")].withheld
    True
    """
    return {
        (r["indicator"], r["flow"], r["period"], r["segment"], r["service"], r["partner"]): Cell(
            r["value"], r["obs_status"], r["conf_status"]
        )
        for r in rows
    }


#: The kinds of change of a cell between two public tables: the one vocabulary of
#: ``marsad release diff`` and of the revisions download (``/{lang}/releases/revisions.csv``,
#: column ``change``; docs/open-data.md). A value published in both and changed is
#: ``revised``; a value withheld before and published now is ``newly released``, never
#: "revised" (there was no public value to revise); the reverse is ``newly withheld``.
REVISED = "revised"
NEWLY_WITHHELD = "newly withheld"
NEWLY_RELEASED = "newly released"
ADDED = "added"
REMOVED = "removed"
BECAME_FINAL = "became final"
#: Every kind of change of a cell's value, in the order they are shown.
CHANGES = (REVISED, NEWLY_WITHHELD, NEWLY_RELEASED, ADDED, REMOVED)


def change(before: Cell | None, after: Cell | None) -> str | None:
    """What happened to one cell from the earlier public table (``before``, ``None`` when
    absent) to the later one: one of :data:`CHANGES`, or ``None`` when its value is shown
    the same (published and equal, or withheld in both).

    >>> change(Cell("", "P", "D"), Cell("3.00", "P", "F")), change(None, Cell("1", "P", "F"))
    ('newly released', 'added')
    >>> change(Cell("1.00", "P", "F"), Cell("1.00", "A", "F")) is None
    True
    """
    if before is None:
        return None if after is None else ADDED
    if after is None:
        return REMOVED
    if before.withheld != after.withheld:
        return NEWLY_WITHHELD if after.withheld else NEWLY_RELEASED
    if not after.withheld and before.value != after.value:
        return REVISED
    return None


@dataclass
class Diff:
    """What changed between two public tables (e.g. release 2025-S1 to 2025-S1r).

    ``revised``: (key, old value, new value, revision = new - old); ``withheld``:
    published before, withheld now; ``released``: withheld before, published now;
    ``added``/``removed``: cells only in the new/old table; ``finalised``: cells
    whose status went from provisional to final.
    """

    revised: list[tuple[Key, str, str, Decimal]] = field(default_factory=list)
    withheld: list[Key] = field(default_factory=list)
    released: list[Key] = field(default_factory=list)
    added: list[Key] = field(default_factory=list)
    removed: list[Key] = field(default_factory=list)
    finalised: list[Key] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Cells per kind of change, in the order they are shown."""
        return {
            REVISED: len(self.revised),
            NEWLY_WITHHELD: len(self.withheld),
            NEWLY_RELEASED: len(self.released),
            ADDED: len(self.added),
            REMOVED: len(self.removed),
            BECAME_FINAL: len(self.finalised),
        }


def diff(old: dict[Key, Cell], new: dict[Key, Cell]) -> Diff:
    """The cells that changed from ``old`` to ``new`` (both public tables).

    >>> k = ("level", "exports", "2024-01", "TOTAL", "_T", "_T")
    >>> d = diff({k: Cell("10.00", "P", "F")}, {k: Cell("12.50", "P", "F")})
    >>> d.revised
    [(('level', 'exports', '2024-01', 'TOTAL', '_T', '_T'), '10.00', '12.50', Decimal('2.50'))]
    """
    out = Diff()
    listed = {NEWLY_WITHHELD: out.withheld, NEWLY_RELEASED: out.released, ADDED: out.added,
              REMOVED: out.removed}  # fmt: skip
    for key in sorted(old.keys() | new.keys(), key=_key_order):
        before, after = old.get(key), new.get(key)
        kind = change(before, after)
        if kind == REVISED:
            assert before is not None and after is not None
            revision = _number(after.value) - _number(before.value)
            out.revised.append((key, before.value, after.value, revision))
        elif kind is not None:
            listed[kind].append(key)
        if before and after and before.obs_status == "P" and after.obs_status == "A":
            out.finalised.append(key)
    return out


def _number(text: str) -> Decimal:
    return Decimal(text) if text else Decimal(0)


def _key_order(key: Key) -> tuple:
    """Indicator, flow, then periods longest first, then the dimensions."""
    period = Period.parse(key[2])
    order = _INDICATORS.index(key[0]) if key[0] in _INDICATORS else len(_INDICATORS)
    flow = _FLOWS.index(key[1]) if key[1] in _FLOWS else len(_FLOWS)
    return (order, key[0], flow, key[1], KINDS.index(period.kind), key[2], *key[3:])


# -- the revision triangle -------------------------------------------------------------


def triangle(releases: Iterable[tuple[str, dict[Key, Cell]]]) -> tuple[list[str], list[list]]:
    """The revision triangle of the headline series (exports levels of ``TOTAL`` and the
    five segments), as a CSV header and rows.

    One row per segment and period: the first published value and the release that
    published it, the value in each release (empty when absent or withheld), the latest
    value, the number of revisions, and the mean revision and mean absolute revision
    (each revision is a value minus the one published before it; rounded half up to
    :data:`MEAN_DECIMALS` decimals; empty before any revision).

    >>> k = ("level", "exports", "2024", "ITO", "_T", "_T")
    >>> header, rows = triangle([("r1", {k: Cell("10.00", "P", "F")}),
    ...                          ("r2", {k: Cell("13.00", "P", "F")}),
    ...                          ("r3", {k: Cell("12.00", "A", "F")})])
    >>> rows[0][-3:]
    [2, '1.0000', '2.0000']
    """
    releases = list(releases)
    ids = [release_id for release_id, _ in releases]
    header = ["segment", "period", "first_release", "first_value", *ids, "latest_value"]
    header += ["revisions", "mean_revision", "mean_absolute_revision"]
    series = sorted(
        {(k[3], k[2]) for _, cells in releases for k in cells if _headline(k)},
        key=lambda sp: (HEADLINE_SEGMENTS.index(sp[0]), *_period_order(sp[1])),
    )
    rows = []
    for segment, period in series:
        key = ("level", "exports", period, segment, "_T", "_T")
        values = [_published(cells.get(key)) for _, cells in releases]
        rows.append([segment, period, *_row(ids, values)])
    return header, rows


def _row(ids: list[str], values: list[str]) -> list:
    seen = [(i, v) for i, v in zip(ids, values, strict=True) if v]
    if not seen:
        return ["", "", *values, "", 0, "", ""]
    steps = [Fraction(_number(b)) - Fraction(_number(a)) for (_, a), (_, b) in pairwise(seen)]
    means = ["", ""]
    if steps:
        means = [_mean(steps), _mean([abs(s) for s in steps])]
    return [seen[0][0], seen[0][1], *values, seen[-1][1], len(steps), *means]


def _mean(values: list[Fraction]) -> str:
    """The mean, computed exactly and rounded half up (away from zero) once.

    >>> _mean([Fraction(1), Fraction(0), Fraction(0)]), _mean([Fraction(-1, 200)] * 2)
    ('0.3333', '-0.0050')
    """
    mean = sum(values, Fraction(0)) / len(values)
    scaled = abs(mean) * 10**MEAN_DECIMALS
    units = int(scaled + Fraction(1, 2))  # floor of a non-negative number
    return str(Decimal(units if mean >= 0 else -units).scaleb(-MEAN_DECIMALS))


def _headline(key: Key) -> bool:
    indicator, flow, _period, segment, service, partner = key
    return (indicator, flow, service, partner) == ("level", "exports", "_T", "_T") and (
        segment in HEADLINE_SEGMENTS
    )


def _published(cell: Cell | None) -> str:
    return "" if cell is None or cell.withheld else cell.value


def _period_order(text: str) -> tuple[int, str]:
    return KINDS.index(Period.parse(text).kind), text
