"""The SDMX structures kept in memory, one set per release."""

from __future__ import annotations

from pathlib import Path

from marsad.web import sdmx_structures
from marsad.web.store import PublicTable, ReleaseInfo


def test_the_structures_kept_are_bounded(monkeypatch):
    """Every release made while the server ran (or made again under its id) kept its
    artefacts for good: the memory held only grew. Those of the last few asked stay."""
    made: list[str] = []

    def structure(rows):
        made.append(rows[0][0])
        return [rows[0][0]]

    monkeypatch.setattr(sdmx_structures.psdmx, "structure", structure)
    monkeypatch.setattr(sdmx_structures, "_cache", type(sdmx_structures._cache)())
    tables = [
        PublicTable(ReleaseInfo(f"R{i}", "2025-10-15", "", None, "", (), Path("."), f"{i:064x}"),
                    [(f"R{i}",)])
        for i in range(3 * sdmx_structures.KEPT)
    ]  # fmt: skip
    for table in tables:
        assert sdmx_structures.all_artefacts(table) == [table.release.id]
    assert len(sdmx_structures._cache) == sdmx_structures.KEPT
    last = tables[-1]
    assert sdmx_structures.all_artefacts(last) == [last.release.id]
    assert made.count(last.release.id) == 1  # kept: not made again
