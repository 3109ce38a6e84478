"""The only place that knows which backend runs the heavy steps.

Stage functions (classify, convert, cube) take and return Ibis tables; this
module opens the warehouse (DuckDB by default) and hands out the Ibis
connection. Other modules never import ``duckdb`` or ``pyspark``.
"""

from marsad.engine.warehouse import Warehouse, open_warehouse

__all__ = ["Warehouse", "open_warehouse"]
