"""Baselines of ``bench_scale.py``: what marsad's cube is measured against.

Each takes the records' Parquet files and the small lookup tables (the loaded
``firms`` and ``rates``, and the concordance as ``classify.service_map()``) as
Arrow, and returns the cube as Arrow with marsad's columns
(year, month, flow, segment, service, partner, mad, records, firms, top1_mad, top2_mad):

* :func:`hand_cube`: one hand-written DuckDB query (``ASOF JOIN`` for the latest rate
  on or before the value date, ``round(amount * rate, 2)``, two ``GROUP BY``);
* :func:`pandas_cube`: straightforward pandas (``merge_asof`` and ``groupby``), money
  as integer thousandths x millionths (exact; asserted to fit 64 bits);
* :func:`raw_scan`: the floor, a sum of the amount column.

:func:`cube_rows` turns any of them into sorted tuples with exact ``Decimal`` values,
so that cubes compare cell for cell.

>>> from decimal import Decimal
>>> t = pa.table({"year": [2024], "month": [1], "flow": ["C"], "segment": ["ITO"],
...               "service": ["SI22"], "partner": ["FR"],
...               "mad": pa.array([Decimal("1.50")], pa.decimal128(38, 2)), "records": [2],
...               "firms": [1], "top1_mad": pa.array([Decimal("1.5")], pa.decimal128(38, 2)),
...               "top2_mad": pa.array([None], pa.decimal128(38, 2))})
>>> cube_rows(t)
[(2024, 1, 'C', 'ITO', 'SI22', 'FR', Decimal('1.50'), 2, 1, Decimal('1.50'), None)]
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

HOME = "MAD"
DIMS = ["year", "month", "flow", "segment", "service", "partner"]
CENT = Decimal("0.01")


def _files_sql(files: Sequence[Path]) -> str:
    return "[" + ", ".join(f"'{f}'" for f in files) + "]"


def raw_scan(files: Sequence[Path]) -> Decimal:
    """Sum of the amount column of ``files``: the least any cube can cost."""
    con = duckdb.connect()
    try:
        sql = f"SELECT sum(amount) FROM read_parquet({_files_sql(files)})"
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


HAND_SQL = """
WITH converted AS (
  SELECT t.value_date, t.flow, t.firm_id, t.service_code, t.partner_country,
         round(t.amount * CASE WHEN t.currency = '{home}' THEN 1::DECIMAL(18,6)
                               ELSE x.mad_per_unit END, 2) AS mad
  FROM read_parquet({files}) t
  ASOF LEFT JOIN rates x ON t.currency = x.currency AND t.value_date >= x.date
), classified AS (
  SELECT c.*, coalesce(f.segment, s.concordance_segment) AS segment
  FROM converted c
  LEFT JOIN firms f ON c.firm_id = f.firm_id
  LEFT JOIN services s ON c.service_code = s.service_code
), by_firm AS (
  SELECT year(value_date)::INT AS year, month(value_date)::INT AS month, flow, segment,
         service_code AS service, partner_country AS partner, firm_id,
         sum(mad) AS mad, count(*) AS records
  FROM classified WHERE segment IS NOT NULL
  GROUP BY ALL
)
SELECT * EXCLUDE (top), top[1]::DECIMAL(38,2) AS top1_mad, top[2]::DECIMAL(38,2) AS top2_mad
FROM (SELECT year, month, flow, segment, service, partner,
             sum(mad)::DECIMAL(38,2) AS mad, sum(records)::BIGINT AS records,
             count(firm_id)::BIGINT AS firms, max(mad, 2) AS top
      FROM by_firm GROUP BY ALL)
"""


def hand_cube(files: Sequence[Path], firms: pa.Table, rates: pa.Table, services: pa.Table):
    """The cube by one hand-written DuckDB query over ``files`` (Arrow)."""
    con = duckdb.connect()
    try:
        con.register("firms", firms.select(["firm_id", "segment"]))
        con.register("rates", rates.select(["date", "currency", "mad_per_unit"]))
        con.register("services", services.select(["service_code", "concordance_segment"]))
        return con.execute(HAND_SQL.format(home=HOME, files=_files_sql(files))).fetch_arrow_table()
    finally:
        con.close()


def _units(array: pa.ChunkedArray, scale: int) -> np.ndarray:
    """Exact integer units of a decimal column (e.g. thousandths for scale 3)."""
    factor = pa.scalar(Decimal(10**scale), pa.decimal128(scale + 1, 0))
    return pc.cast(pc.multiply(array, factor), pa.int64()).to_numpy()


def _convert_pandas(files: Sequence[Path], rates: pa.Table) -> pd.DataFrame:
    """Records with ``cents`` (MAD, exact), by ``merge_asof`` on the value date."""
    cols = ["value_date", "flow", "firm_id", "amount", "currency", "service_code"]
    table = pq.ParquetDataset([str(f) for f in files]).read(columns=[*cols, "partner_country"])
    df = table.drop_columns(["amount"]).to_pandas(date_as_object=False)
    df["milli"] = _units(table.column("amount"), 3)
    r = rates.to_pandas(date_as_object=False)
    r = pd.DataFrame(
        {"date": r["date"], "currency": r["currency"], "micro": _units(rates["mad_per_unit"], 6)}
    )
    df = df.sort_values("value_date", kind="stable")
    df = pd.merge_asof(
        df, r.sort_values("date"), left_on="value_date", right_on="date", by="currency"
    )
    micro = np.where(df["currency"] == HOME, 1_000_000, df["micro"].fillna(0)).astype(np.int64)
    assert int(df["milli"].max()) * int(micro.max()) < 2**63, "amount x rate overflows int64"
    product = df["milli"].to_numpy() * micro  # billionths of MAD
    df["cents"] = (product + 5_000_000) // 10_000_000  # halves away from zero (all positive)
    return df


def pandas_cube(files: Sequence[Path], firms: pa.Table, rates: pa.Table, services: pa.Table):
    """The cube by straightforward pandas (merge_asof, merges, two groupbys), as Arrow."""
    df = _convert_pandas(files, rates)
    reg = firms.select(["firm_id", "segment"]).to_pandas()
    srv = services.select(["service_code", "concordance_segment"]).to_pandas()
    df = df.merge(reg, on="firm_id", how="left").merge(srv, on="service_code", how="left")
    df["segment"] = df["segment"].fillna(df["concordance_segment"])
    df = df[df["segment"].notna()]
    df = df.assign(
        year=df["value_date"].dt.year.astype("int32"),
        month=df["value_date"].dt.month.astype("int32"),
        service=df["service_code"],
        partner=df["partner_country"],
    )
    by_firm = (
        df.groupby([*DIMS, "firm_id"], dropna=False, observed=True)
        .agg(cents=("cents", "sum"), records=("cents", "size"))
        .reset_index()
        .sort_values("cents", ascending=False, kind="stable")
    )
    by_firm["rank"] = by_firm.groupby(DIMS, observed=True).cumcount()
    cells = by_firm.groupby(DIMS, observed=True).agg(
        cents=("cents", "sum"), records=("records", "sum"), firms=("firm_id", "nunique")
    )
    for rank, name in ((0, "top1"), (1, "top2")):
        top = by_firm[by_firm["rank"] == rank].set_index(DIMS)["cents"]
        cells[name] = top.reindex(cells.index)
    return _cents_table(cells.reset_index())


def _cents_table(cells: pd.DataFrame) -> pa.Table:
    def money(column: pd.Series) -> pa.Array:
        values = [None if pd.isna(v) else Decimal(int(v)).scaleb(-2) for v in column]
        return pa.array(values, pa.decimal128(38, 2))

    return pa.table(
        {
            **{d: pa.array(cells[d].tolist()) for d in DIMS},
            "mad": money(cells["cents"]),
            "records": pa.array(cells["records"].astype("int64")),
            "firms": pa.array(cells["firms"].astype("int64")),
            "top1_mad": money(cells["top1"]),
            "top2_mad": money(cells["top2"]),
        }
    )


def cube_rows(table: pa.Table) -> list[tuple]:
    """The cube's cells as sorted tuples, money as ``Decimal`` to the centime."""

    def norm(v: object) -> object:
        return v.quantize(CENT) if isinstance(v, Decimal) else v

    cols = [*DIMS, "mad", "records", "firms", "top1_mad", "top2_mad"]
    rows = zip(*(table.column(c).to_pylist() for c in cols), strict=True)
    return sorted(
        (tuple(norm(v) for v in row) for row in rows),
        key=lambda r: tuple("" if v is None else str(v) for v in r[:6]),
    )


def differences(a: list[tuple], b: list[tuple]) -> str | None:
    """None when two cubes (:func:`cube_rows`) are equal, else what differs (counts,
    the first differing cell's dimensions; never a value).

    >>> differences([(1, 2)], [(1, 2)]) is None, differences([(1, 2)], [(1, 3)])
    (True, '1 cell(s) differ of 1 and 1, e.g. (1, 2)')
    """
    if a == b:
        return None
    sa, sb = set(a), set(b)
    first = min(sa ^ sb, key=str)
    return f"{len(sa - sb)} cell(s) differ of {len(a)} and {len(b)}, e.g. {first[:6]}"
