"""The protected cells as the warehouse keeps them, and the audit of a stored build.

The build writes the internal table ``sdc_cells``: one row per published
level cell (:mod:`marsad.protect.cells`) with its value in centimes, its flag
and its protection levels. It is what :func:`audit_stored` (``marsad sdc
audit``) reads back to run the intruder again, and what a release freezes in
its internal folder. It never leaves the office: the values of withheld cells
and the protection levels are firm figures.
"""

from __future__ import annotations

import csv
import operator
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from marsad.indicators.table import Observation
from marsad.protect.apriori import Apriori
from marsad.protect.audit import AuditResult, audit
from marsad.protect.cells import KEY_FIELDS, LATENT, linked_table
from marsad.protect.loss import Loss, breakdown, derived_name, losses
from marsad.protect.primary import FREE, PRIMARY_FLAGS, SECONDARY
from marsad.protect.table import Cell, Key, LinkedTable
from marsad.reference import ALL, TOTAL

#: Columns of ``sdc_cells``, after the key's.
VALUE_FIELDS = ("value", "status", "upl", "lpl")
_CENTIMES = pa.decimal128(38, 0)


def sdc_rows(table: LinkedTable) -> pa.Table:
    """The published level cells of ``table`` (latent ones are made again from
    them) as the rows of ``sdc_cells``, sorted by key.

    >>> rows = sdc_rows(linked_table({("exports", "2024", "TOTAL", "_T", "_T"): Cell(5)}))
    >>> rows.column_names, rows.num_rows
    (['flow', 'period', 'segment', 'service', 'partner', 'value', 'status', 'upl', 'lpl'], 1)
    """
    keys = sorted(k for k, c in table.cells.items() if c.status != LATENT)
    columns: dict[str, pa.Array] = {
        f: pa.array([k[i] for k in keys], pa.string()) for i, f in enumerate(KEY_FIELDS)
    }
    cells = [table.cells[k] for k in keys]
    columns["value"] = pa.array([Decimal(c.value) for c in cells], _CENTIMES)
    columns["status"] = pa.array([c.status for c in cells], pa.string())
    columns["upl"] = pa.array([Decimal(c.upl) for c in cells], _CENTIMES)
    columns["lpl"] = pa.array([Decimal(c.lpl) for c in cells], _CENTIMES)
    return pa.table(columns)


def table_from_rows(rows: Iterable[Sequence], withheld_only: bool = False) -> LinkedTable:
    """The linked table back from ``sdc_cells`` rows (key fields, then
    value, status, upl, lpl as numbers or text); ``withheld_only``: with only the
    relations that hold a withheld cell (:func:`~marsad.protect.cells.linked_table`)."""
    cells: dict[Key, Cell] = {}
    for row in rows:
        value, status, upl, lpl = row[5:9]
        cells[tuple(map(str, row[:5]))] = Cell(int(value), str(status), int(upl), int(lpl))
    return linked_table(cells, withheld_only)


def audit_stored(wh, apriori: Apriori | None = None) -> AuditResult:
    """Run the intruder's audit on the last build's protected cells, the intruder
    holding the earlier releases too (``apriori``, default every release of the
    warehouse's releases folder: :mod:`marsad.protect.apriori`).

    Raises :class:`~marsad.errors.MarsadError` when nothing is built, or the
    build predates disclosure control (run ``marsad build``).
    """
    from marsad.build import BuildError

    if not wh.has_table("sdc_cells"):
        raise BuildError("Nothing protected is built yet: run `marsad build` first.")
    if apriori is None:
        from marsad.release.apriori import of_warehouse

        apriori = of_warehouse(wh.path)
    columns = ", ".join((*KEY_FIELDS, *VALUE_FIELDS))
    table = table_from_rows(wh.sql(f"SELECT {columns} FROM sdc_cells"))
    given = revealed(published_derived(wh), table)
    return _audit(revealing(table, given), apriori, given)


def published_derived(wh) -> Iterator[Observation]:
    """The derived figures the stored table publishes (every row with a value and the
    flag ``F`` that is not a protected level cell: growth, shares, the balance, the
    tracker, ...), without their values: what :func:`revealed` needs of them."""
    rows = wh.sql(
        "SELECT indicator, flow, period, segment, service, partner, unit FROM indicators "
        "WHERE conf_status = ? AND value IS NOT NULL AND value <> '' "
        "AND NOT (indicator IN ('level', 'ytd_level') AND flow IN ('exports', 'imports'))",
        [FREE],
    )
    for indicator, flow, period, segment, service, partner, unit in rows:
        yield Observation(indicator, flow, period, segment, service, partner, None, unit)


def revealed(derived: Iterable[Observation], table: LinkedTable) -> frozenset[Key]:
    """The withheld level cells of ``table`` that a published derived figure reads
    (:func:`~marsad.protect.indicators.uses`): the intruder computes them back, as
    ``target_share`` x the published target gives the exports total. A table whose
    derived figures follow its flags has none.

    >>> from marsad.protect.cells import linked_table
    >>> total = ("exports", "2024", "TOTAL", "_T", "_T")
    >>> t = linked_table({total: Cell(5, "O", 1, 1)})
    >>> share = Observation("target_share", "exports", "2024", "TOTAL", "_T", "_T", None, "")
    >>> revealed([share], t) == {total}
    True
    """
    from marsad.protect.indicators import uses

    withheld = {k for k, c in table.cells.items() if c.withheld}
    return frozenset(k for obs in derived for k in uses(obs) if k in withheld)


def revealing(table: LinkedTable, keys: frozenset[Key]) -> LinkedTable:
    """``table`` where the cells ``keys`` are known to the intruder (a published derived
    figure gives them): constants of the audit's programs, exposed when sensitive."""
    if not keys:
        return table
    cells = dict(table.cells)
    cells.update((k, replace(cells[k], known=True)) for k in keys)
    return LinkedTable.trusted(cells, table.relations)


def audit_release(wh, release: str) -> AuditResult:
    """Run the intruder's audit on a frozen release (its ``internal/sdc_cells.csv``),
    the intruder holding the releases made before it (its manifest lists them).

    Raises :class:`~marsad.errors.MarsadError` when the release is unknown or
    was frozen without its protected cells.
    """
    from marsad.errors import MarsadError
    from marsad.release.apriori import before
    from marsad.release.store import PUBLIC_CSV, SDC_CSV, find, releases_root

    root = releases_root(wh.path)
    frozen = find(root, release)
    if not (frozen.path / SDC_CSV).is_file():
        raise MarsadError(f"release {release} holds no protected cells to audit")
    table = read_cells_csv(frozen.checked_file(SDC_CSV))
    given = revealed(_published_derived_csv(frozen.checked_file(PUBLIC_CSV)), table)
    return _audit(revealing(table, given), before(frozen, root), given)


def _published_derived_csv(path: Path) -> Iterator[Observation]:
    """:func:`published_derived` of a release's public ``indicators.csv``."""
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            level = row["indicator"] in ("level", "ytd_level")
            if (
                row["conf_status"] != FREE
                or not row["value"]
                or (level and row["flow"] in ("exports", "imports"))
            ):
                continue
            yield Observation(
                row["indicator"], row["flow"], row["period"], row["segment"],
                row["service"], row["partner"], None, row["unit"],
            )  # fmt: skip


def _audit(
    table: LinkedTable, apriori: Apriori, given: frozenset[Key] = frozenset()
) -> AuditResult:
    """The audit of ``table`` by an intruder holding ``apriori``, naming the earlier
    releases it held without their protected cells (for the note every command says);
    ``given``: the withheld cells that a published derived figure gives away
    (:func:`revealed`, already known in ``table``)."""
    result = audit(apriori.seen_by_intruder(table))
    from_derived = sum(k in given for k in result.exposed_ids)
    return replace(
        result,
        without_cells=apriori.without_cells,
        known=result.known - from_derived,
        revealed=len(given),
    )


def read_cells_csv(path: Path, withheld_only: bool = False) -> LinkedTable:
    """The linked table of a release's ``internal/sdc_cells.csv`` (the rows of
    ``sdc_cells`` with a header, as a release freezes them); ``withheld_only``: with
    only the relations that hold a withheld cell, what rule (C) reads of an earlier
    release (:func:`~marsad.protect.cells.linked_table`)."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = csv.reader(f)
        header = next(rows)
        pick = operator.itemgetter(*(header.index(c) for c in (*KEY_FIELDS, *VALUE_FIELDS)))
        return table_from_rows(map(pick, rows), withheld_only)


def stored_loss(wh) -> list[Loss]:
    """The information loss of the last build (:func:`~marsad.protect.loss.information_loss`
    of its tables), counted in the warehouse from ``sdc_cells`` and ``indicators``:
    what the build reports without reading either table into Python."""
    levels: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    query = (
        "SELECT flow, segment, service, partner, status, count(*), sum(value) FROM ("
        "  SELECT flow, CASE WHEN segment = ? THEN segment END AS segment,"
        "         CASE WHEN service = ? THEN service END AS service,"
        "         CASE WHEN partner = ? THEN partner END AS partner, status, value"
        "  FROM sdc_cells) GROUP BY ALL"
    )
    for flow, segment, service, partner, status, n, value in wh.sql(query, [TOTAL, ALL, ALL]):
        key = (flow, "", segment or "*", service or "*", partner or "*")
        c = levels[breakdown(key)]
        c[0] += n
        c[1] += n if status in PRIMARY_FLAGS else 0
        c[2] += n if status != FREE and status not in PRIMARY_FLAGS else 0
        c[3] += int(value)
        c[4] += int(value) if status != FREE else 0
    derived = {
        derived_name(indicator, flow): (n, withheld)
        for indicator, flow, n, withheld in wh.sql(
            "SELECT indicator, flow, count(*), count(*) FILTER (conf_status = ?) "
            "FROM indicators WHERE indicator NOT IN ('level', 'ytd_level') OR flow = 'balance' "
            "GROUP BY ALL",
            [SECONDARY],
        )
    }
    return losses(levels, derived)
