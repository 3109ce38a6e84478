"""Writing a month of records as CSV or Parquet with the columns of DESIGN.md."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from marsad.ingest.schema import TRANSACTIONS
from marsad.synth import profiles as P
from marsad.synth.records import FLOWS, Batch, World

#: The columns of a transactions file, in order: the fields of its one definition.
TRANSACTION_COLUMNS: tuple[str, ...] = TRANSACTIONS.field_names
AMOUNT_TYPE = pa.decimal128(18, 2)
FORMATS: tuple[str, ...] = ("csv", "parquet")


def _codes(table: tuple[str, ...] | list[str], index: np.ndarray) -> pa.Array:
    """Strings of a code table at the given indices (-1 gives null)."""
    idx = pa.array(index, mask=index < 0, type=pa.int64())
    return pc.take(pa.array(table, type=pa.string()), idx)


def _decimal_cents(cents: np.ndarray) -> pa.Array:
    """A decimal128(18, 2) array whose unscaled values are the given cents (exact)."""
    words = np.zeros((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)  # two's complement high word
    return pa.Array.from_buffers(AMOUNT_TYPE, len(cents), [None, pa.py_buffer(words.tobytes())])


def to_table(batch: Batch, world: World, month: str) -> pa.Table:
    """The month's records as an Arrow table with the transaction columns, in order."""
    banks = list(P.REPORTERS)
    prefixes = [f"{bank}-{month}-" for bank in banks]
    seq = pc.utf8_lpad(pc.cast(pa.array(batch.seq), pa.string()), width=6, padding="0")
    record_id = pc.binary_join_element_wise(_codes(prefixes, batch.reporter), seq, "")
    columns = [
        record_id,
        _codes(banks, batch.reporter),
        _codes(world.firm_ids, batch.firm),
        pa.array(batch.day.astype("datetime64[D]")).cast(pa.date32()),
        _codes(FLOWS, batch.flow),
        _decimal_cents(batch.amount),
        _codes(P.CURRENCIES, batch.currency),
        _codes(world.services, batch.service),
        _codes(world.partners, batch.partner),
    ]
    return pa.Table.from_arrays(columns, names=list(TRANSACTION_COLUMNS))


def write_month(table: pa.Table, path: Path, fmt: str) -> None:
    """Write one month's table; CSV with the exact header, Parquet with typed columns."""
    if fmt == "parquet":
        pq.write_table(table, path, compression="zstd")
        return
    with path.open("wb") as fh:
        fh.write((",".join(TRANSACTION_COLUMNS) + "\n").encode())
        pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False, quoting_style="none"))
