"""The only place that knows which backend runs the heavy steps.

Stage functions (classify, convert, cube) take and return Ibis tables; this
module opens the warehouse (DuckDB by default) and hands out the Ibis
connection. Other modules never import ``duckdb`` or ``pyspark``: they quote
with :mod:`marsad.engine.sql` and catch its :data:`SqlError`.
"""

from marsad.engine.progress import watch_query
from marsad.engine.sql import (
    MissingTable,
    SqlError,
    ValueOutOfRange,
    WarehouseFault,
    classify_error,
    interrupted,
    quote_case,
    quote_ident,
    quote_literal,
    quote_path,
    readable_errors,
)
from marsad.engine.warehouse import Warehouse, open_warehouse

__all__ = [
    "MissingTable",
    "SqlError",
    "ValueOutOfRange",
    "Warehouse",
    "WarehouseFault",
    "classify_error",
    "interrupted",
    "open_warehouse",
    "quote_case",
    "quote_ident",
    "quote_literal",
    "quote_path",
    "readable_errors",
    "watch_query",
]
