"""Shared fixtures: small warehouses filled directly through the core tables."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from marsad.engine import Warehouse, open_warehouse


def insert(wh: Warehouse, table: str, rows: Iterable[tuple]) -> None:
    """Insert rows into a core table, leaving bookkeeping columns empty."""
    columns = {
        "transactions": "record_id, reporter, firm_id, value_date, flow, amount, currency, "
        "service_code, partner_country",
        "firms": "firm_id, name, segment, isic, city",
        "rates": "date, currency, mad_per_unit",
    }[table]
    n = columns.count(",") + 1
    if table != "transactions":
        for row in rows:
            wh.sql(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['?'] * n)})", list(row))
        return
    with wh.transaction(), wh.records.editing(wh.records.ALL_MONTHS):  # the record store
        for row in rows:
            wh.sql(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['?'] * n)})", list(row))


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterable[Warehouse]:
    with open_warehouse(tmp_path / "test.duckdb") as wh:
        yield wh


def internal(table, *args, **kwargs):
    """An observation's exact value whatever its confidentiality flag (``None`` when
    absent): what the office sees in the internal table. Tests of arithmetic and
    coverage read this; tests of what is published read ``table.get``."""
    obs = table.observation(*args, **kwargs)
    return None if obs is None else obs.value
