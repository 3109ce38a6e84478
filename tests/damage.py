"""Damaging a part of the record store on the disk, as a disk, a hand or a bad restore
would: the unit and end-to-end tests of the store's checks share these."""

from __future__ import annotations

from pathlib import Path

import duckdb

#: The damages :func:`damage` makes; all but ``truncate``, ``zero`` and ``delete`` keep
#: the file's size (what a size check cannot see).
DAMAGES = ("middle", "footer", "replace", "truncate", "zero", "delete")


def _flip(path: Path, start: int, count: int) -> None:
    data = bytearray(path.read_bytes())
    for i in range(start, start + count):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def replace_same_size(path: Path) -> None:
    """Replace a part by another valid Parquet file of the same size whose first record
    has another amount (what an older copy of the file would be): read back, it gives
    other figures without any error."""
    size = path.stat().st_size
    other = path.with_name("other.tmp")
    con = duckdb.connect()
    try:
        for k in range(1, 200):
            con.execute(
                f"COPY (SELECT * REPLACE (CASE WHEN row_number() OVER () = 1 THEN amount + {k} "
                f"ELSE amount END AS amount) FROM read_parquet('{path}')) "
                f"TO '{other}' (FORMAT parquet, COMPRESSION zstd)"
            )
            if other.stat().st_size == size:
                other.replace(path)
                return
    finally:
        con.close()
        other.unlink(missing_ok=True)
    raise AssertionError("no replacement of the same size found")


def damage(path: Path, how: str) -> None:
    """Damage the part ``path`` in one of the :data:`DAMAGES` ways: ``middle`` flips 8
    bytes in the middle of the data, ``footer`` 16 bytes of the footer's metadata (before
    its length and magic), ``replace`` puts another valid file of the same size,
    ``truncate`` drops the last 10 bytes, ``zero`` empties the file, ``delete`` removes it."""
    size = path.stat().st_size
    if how == "middle":
        _flip(path, size // 2, 8)
    elif how == "footer":
        _flip(path, size - 24, 16)
    elif how == "replace":
        replace_same_size(path)
    elif how == "truncate":
        path.write_bytes(path.read_bytes()[:-10])
    elif how == "zero":
        path.write_bytes(b"")
    elif how == "delete":
        path.unlink()
    else:
        raise ValueError(how)
