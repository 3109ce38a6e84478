"""Parquet files, read by DuckDB: each column cast to the text a CSV would hold
(dates as YYYY-MM-DD), each row numbered from 1."""

from __future__ import annotations

from pathlib import Path

from marsad.engine import SqlError, Warehouse, quote_ident, quote_literal
from marsad.ingest.errors import IngestError, first_line
from marsad.ingest.header import detect_decimal, header_problem
from marsad.ingest.options import Detected, ReadOptions
from marsad.ingest.schema import Field, Kind, normalise_header
from marsad.ingest.staging import Staged, raw_table


def _as_text(column: str, typ: str) -> str:
    """SQL: a Parquet column as text (a midnight timestamp as its date)."""
    col, typ = quote_ident(column), typ.upper()
    if typ == "DATE":
        return f"strftime({col}, '%Y-%m-%d')"
    if typ.startswith("TIMESTAMP"):
        return (
            f"CASE WHEN {col}::TIME = TIME '00:00:00' THEN strftime({col}::DATE, '%Y-%m-%d') "
            f"ELSE {col}::VARCHAR END"
        )
    return f"{col}::VARCHAR"


def _field_exprs(kind: Kind, types: dict[str, str], by_norm: dict[str, list[str]]) -> list[str]:
    """One text expression per field of the kind (NULL when the column is absent)."""
    exprs = []
    for f in kind.fields:
        names = by_norm.get(f.name, [])
        if len(names) > 1:
            raise IngestError(f"the column {f.name} appears {len(names)} times")
        expr = _as_text(names[0], types[names[0]]) if names else "NULL::VARCHAR"
        exprs.append(f"{expr} AS {quote_ident(f.name)}")
    return exprs


def _decimal(
    wh: Warehouse, src: str, dec_field: Field | None, types: dict, by_norm: dict, stated: str | None
) -> str:
    """The decimal mark: stated, else detected when the amounts are text."""
    if stated is not None or dec_field is None:
        return stated or "."
    names = by_norm.get(dec_field.name)
    if not names or types[names[0]].upper() != "VARCHAR":
        return "."
    rows = wh.sql(f"SELECT {quote_ident(names[0])} FROM {src} LIMIT 5000")
    return detect_decimal([r[0] for r in rows if r[0]], None)


def stage_parquet(wh: Warehouse, kind: Kind, path: Path, options: ReadOptions, tag: int) -> Staged:
    """Stage a Parquet file into ``_ing_raw_<tag>``."""
    src = f"read_parquet({quote_literal(str(path))}, file_row_number = true)"
    try:
        described = wh.sql(f"DESCRIBE SELECT * FROM {src}")
    except SqlError as exc:
        raise IngestError(f"the file cannot be read as Parquet: {first_line(str(exc))}") from None
    types = {name: typ for name, typ, *_ in described if name != "file_row_number"}
    by_norm: dict[str, list[str]] = {}
    for name in types:
        by_norm.setdefault(normalise_header(name), []).append(name)
    if any(f not in by_norm for f in kind.required_columns):
        header_names = [normalise_header(n) for n in types]
        raise IngestError(header_problem(kind, header_names, "columns"))
    exprs = _field_exprs(kind, types, by_norm)
    all_cols = " || ".join(f"coalesce({quote_ident(n)}::VARCHAR, '')" for n in types) or "''"
    dec_field = next((f for f in kind.fields if f.type == "decimal"), None)
    decimal = _decimal(wh, src, dec_field, types, by_norm, options.decimal)
    try:
        wh.sql(
            f"""CREATE OR REPLACE TEMP TABLE {raw_table(tag)} AS
                SELECT file_row_number + 1 AS _line, {", ".join(exprs)},
                       trim({all_cols}) = '' AS _blank
                FROM {src}"""
        )
    except SqlError as exc:
        raise IngestError(f"the file cannot be read as Parquet: {first_line(str(exc))}") from None
    field_cols = ", ".join(quote_ident(f.name) for f in kind.fields)
    mapped = {names[0] for f in kind.fields if (names := by_norm.get(f.name))}
    return Staged(
        source=f"SELECT _line, {field_cols}, _blank FROM {raw_table(tag)}",
        rejects=[],
        unit="row",
        detected=Detected("parquet", decimal=decimal),
        ignored_columns=[n for n in types if n not in mapped],
    )
