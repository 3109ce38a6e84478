"""The a priori information of a build: the level cells of the frozen releases.

An intruder keeps every release; what the earlier ones published or withheld is an
input of the disclosure control of the next build (:mod:`marsad.protect.apriori`).
Their **public** tables (``indicators.csv``, what anyone can download) say what the
intruder holds; their frozen linked tables (``internal/sdc_cells.csv``) give the values
of the cells they withheld, so that the build knows which of them are unchanged (rule
(C) of :mod:`marsad.protect.apriori`; nothing of them is shown). Each file is checked
against its manifest's SHA-256 (:meth:`~.store.Release.checked_file`).

>>> from marsad.release.compare import Cell
>>> public = {("level", "exports", "2024", "ITO", "_T", "_T"): Cell("12.30", "P", "F"),
...           ("ytd_level", "imports", "2024-07", "CRM", "_T", "FR"): Cell("", "P", "D"),
...           ("growth_yoy", "exports", "2024", "ITO", "_T", "_T"): Cell("3.1", "P", "F")}
>>> level_cells(public)
{('exports', '2024', 'ITO', '_T', '_T'): 1230, ('imports', '2024-07/YTD', 'CRM', '_T', 'FR'): None}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path

from marsad.protect.apriori import Apriori
from marsad.protect.indicators import LEVELS, PROTECTED_FLOWS, centimes
from marsad.protect.stored import read_cells_csv
from marsad.protect.table import Key
from marsad.release import compare
from marsad.release.store import PUBLIC_CSV, SDC_CSV, Release, all_releases, releases_root


def level_cells(public: Mapping[compare.Key, compare.Cell]) -> dict[Key, int | None]:
    """The level cells of exports and imports of a public table (:func:`~.compare.read_public`),
    by cell key: the value in centimes, ``None`` when withheld."""
    out: dict[Key, int | None] = {}
    for (indicator, flow, period, *rest), cell in public.items():
        if indicator not in LEVELS or flow not in PROTECTED_FLOWS:
            continue
        key = (flow, LEVELS[indicator](period), *rest)
        out[key] = None if cell.withheld else centimes(Decimal(cell.value))
    return out


def of_releases(releases: Iterable[Release], every_relation: bool = False) -> Apriori:
    """The a priori information of ``releases`` (in the order they were made): their
    public tables (rule (B), and the latest one's withheld cells, preferred complements)
    and, for rule (C), the linked tables they froze (``internal/sdc_cells.csv``: a
    release made without it, whose manifest does not list it, gives (B) and (A), its
    withheld cells kept withheld), each file checked. Raises
    :class:`~.store.ReleaseError` when a file differs from its manifest or is
    missing.

    Of each frozen table, only the relations that hold a cell it withheld are derived,
    the only ones rule (C) reads (:mod:`marsad.protect.joint`, "What (C) reads");
    ``every_relation``: derive them all, as before, to compare (tests, the bench)."""
    releases = list(releases)
    tables = (
        level_cells(compare.read_public(r.checked_file(PUBLIC_CSV), LEVELS, PROTECTED_FLOWS))
        for r in releases
    )
    # a release lists its frozen cells in its manifest: one that lists them and lost them
    # is damaged (refused), not read as if it never had them
    linked = [
        (r.id, read_cells_csv(r.checked_file(SDC_CSV), withheld_only=not every_relation))
        for r in releases
        if SDC_CSV in r.manifest.get("files", {})
    ]
    return Apriori.of_tables(tables, [r.id for r in releases], linked)


def of_warehouse(warehouse: Path) -> Apriori:
    """The a priori information of every release of ``warehouse`` (``releases/`` beside
    it, or ``MARSAD_RELEASES_DIR``): empty when there is none."""
    return of_releases(all_releases(releases_root(warehouse)))


def before(release: Release, root: Path) -> Apriori:
    """The a priori information of the releases made before ``release`` (as its
    manifest lists them) under ``root``: what an intruder had when it came out."""
    from marsad.release.store import find

    return of_releases(find(root, r) for r in release.manifest.get("previous_releases", []))
