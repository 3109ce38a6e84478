"""Writing SQL text safely, and the errors the SQL engine raises.

Every name or value put into a statement goes through :func:`quote_ident` or
:func:`quote_literal`; the stages catch :class:`SqlError` (any failed
statement) or :class:`MissingTable` without importing the engine's driver.

>>> quote_ident('amount')
'"amount"'
>>> quote_literal("l'Oriental")
"'l''Oriental'"
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

#: Any statement that failed (a file DuckDB cannot parse, a bad setting value).
SqlError = duckdb.Error
#: A table or view that does not exist (e.g. a rejects table never created).
MissingTable = duckdb.CatalogException


def quote_ident(name: str) -> str:
    '''A table or column name as a quoted SQL identifier (inner quotes doubled).

    >>> quote_ident('say "hi"')
    '"say ""hi"""'
    '''
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A Python string as a SQL string literal.

    >>> quote_literal("2025-01-31")
    "'2025-01-31'"
    """
    return "'" + text.replace("'", "''") + "'"


def quote_case(column: str, mapping: Mapping[int, str]) -> str:
    """SQL giving ``mapping[column]`` (a number -> text); a constant when all agree.

    >>> quote_case("_file", {0: "a.csv", 1: "b.csv"})
    "(CASE _file WHEN 0 THEN 'a.csv' WHEN 1 THEN 'b.csv' END)"
    >>> quote_case("_file", {0: "L00001"})
    "'L00001'"
    """
    if len(set(mapping.values())) == 1:
        return quote_literal(next(iter(mapping.values())))
    whens = " ".join(f"WHEN {i} THEN {quote_literal(v)}" for i, v in mapping.items())
    return f"(CASE {column} {whens} END)"
