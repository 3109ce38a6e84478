"""Floating-point numbers of a Parquet file, as the text a CSV would hold: a 64-bit
double as the shortest decimal that gives it back, or to 15 significant digits when that
one has more decimals than the field keeps (binary noise); a 32-bit float as the decimal
of the field's decimals that gives it back, a file whose 32-bit floats are too large to
be exact refused; a note for doubles too large to tell the field's decimals apart."""

from __future__ import annotations

from decimal import Decimal

from marsad.engine import Warehouse, quote_ident
from marsad.ingest.errors import IngestError
from marsad.ingest.schema import Kind, written_header


def float32_limit(scale: int, bits: int = 24) -> int:
    """The magnitude from which a float of ``bits`` significant bits (24: a 32-bit float;
    53: a 64-bit double) no longer tells apart two values ``scale`` decimals apart: its
    step there is 10^-scale or more, so one float stands for several amounts (16,384 for
    3 decimals, 16 for 6, 8,388,608 for none; 8,796,093,022,208 for a double's 3).

    >>> float32_limit(3), float32_limit(6), float32_limit(0), float32_limit(3, 53)
    (16384, 16, 8388608, 8796093022208)
    """
    k = 0
    while 2.0 ** (k - bits + 1) < 10.0**-scale:  # the step of [2^k, 2^(k+1))
        k += 1
    return 2**k


def float32_text(col: str, scale: int) -> str:
    """SQL: a FLOAT column of a field of ``scale`` decimals, below :func:`float32_limit`
    (:func:`float32_check` refuses the file otherwise), as text: the decimal of ``scale``
    decimals that gives back the float, when one does, which is then the only one
    (12345.669921875 is 12345.67); else to 7 significant digits when they have at most
    ``scale`` decimals (binary noise); else the shortest decimal that gives it back,
    which the checks refuse (``precision``) as the file holds it (1.2345).

    >>> import duckdb
    >>> sql = float32_text("x", 3)
    >>> vals = "(12345.67::FLOAT), (12345.678::FLOAT), (1.2345::FLOAT), (0.1::FLOAT)"
    >>> [r[0] for r in duckdb.sql(f"SELECT {sql} FROM (VALUES {vals}) t(x)").fetchall()]
    ['12345.67', '12345.678', '1.2345', '0.1']
    """
    x = f"{col}::DOUBLE"
    fitted = f"printf('%.{scale}f', {x})"
    shown = f"rtrim(rtrim({fitted}, '0'), '.')" if scale else fitted
    seven = float_text(x, 7)
    shortest = " ".join(
        f"WHEN {float_text(x, n)}::FLOAT = {col} THEN {float_text(x, n)}" for n in (6, 7, 8)
    )
    return (
        f"CASE WHEN {col} IS NULL THEN NULL WHEN isnan({col}) OR isinf({col}) THEN {x}::VARCHAR "
        f"WHEN {fitted}::FLOAT = {col} THEN {shown} "
        f"WHEN coalesce({_decimals_sql(seven)}, 0) <= {scale} THEN {seven} "
        f"{shortest} ELSE {float_text(x, 9)} END"
    )


#: How a message names the values of a field (:func:`float32_check`).
_WRITTEN = {"amount": "amounts", "mad_per_unit": "rates", "jobs": "counts of jobs"}


def float32_check(
    wh: Warehouse, src: str, kind: Kind, types: dict[str, str], by_norm: dict[str, list[str]]
) -> None:
    """Refuse a file whose amount (or rate, or count) column is a 32-bit float holding a
    value from :func:`float32_limit` up: such a float stands for several amounts, and
    read to 7 digits 1234567890123.456 was "1.234568e+12", refused as not a number.
    Below it, every value is read exactly (:func:`float32_text`)."""
    for f in kind.fields:
        cols = by_norm.get(f.name) or [None]
        if f.type != "decimal" or cols[0] is None or types[cols[0]].upper() != "FLOAT":
            continue
        col, limit = quote_ident(cols[0]), float32_limit(f.scale)
        large = f"isfinite({col}) AND abs({col}) >= {limit}"
        n, total, row, value = wh.sql(
            f"""SELECT count(*) FILTER (WHERE {large}), count({col}),
                       min(file_row_number) FILTER (WHERE {large}) + 1,
                       arg_min({col}::DOUBLE, file_row_number) FILTER (WHERE {large})
                FROM {src}"""
        )[0]
        if not n:
            continue
        decimals = f"to {f.scale} decimals" if f.scale else "to the unit"
        what = _WRITTEN.get(f.name, "numbers")
        held = format(Decimal(value), "f")  # the float as the file holds it, every digit
        raise IngestError(
            f"column {written_header(cols[0])} is a 32-bit float (FLOAT), which "
            f"holds only about 7 significant digits: from {limit:,} up it cannot keep a value "
            f"{decimals}, and {n:,} of its {total:,} values are that large (row {row} holds "
            f"{held}): write {what} as decimal or 64-bit float (DOUBLE)"
        )


def float_text(col: str, digits: int) -> str:
    """SQL: a floating-point column as text with ``digits`` significant digits,
    never an exponent (``0.1 + 0.2`` -> ``0.3``)."""
    return (
        f"CASE WHEN {col} IS NULL THEN NULL WHEN isnan({col}) OR isinf({col}) THEN {col}::VARCHAR "
        f"WHEN abs({col}) >= 1e15 THEN printf('%.0f', {col}) "
        f"WHEN {col} <> 0 AND abs({col}) < 1e-4 THEN rtrim(printf('%.20f', {col}), '0') "
        f"ELSE printf('%.{digits}g', {col}) END"
    )


def _decimals_sql(text: str) -> str:
    """SQL: how many decimals the plain decimal text ``text`` shows."""
    return f"length(regexp_extract({text}, '\\.(\\d*)$', 1))"


def double_text(col: str, scale: int) -> str:
    """SQL: a DOUBLE column of a field of ``scale`` decimals as text: the shortest
    decimal that gives back the double (DuckDB's cast to text, Python's ``repr``) when
    it has at most ``scale`` decimals, which is then exactly the value the file holds
    (9876543210987.654 stays 9876543210987.654, where 15 digits read 9876543210987.65);
    else the 15 significant digits a spreadsheet shows, when they have at most ``scale``
    decimals (binary noise: 1234.5600000000002 is 1234.56); else the shortest decimal
    again, which the checks refuse (``precision``) as the file holds it (1.2345).

    >>> import duckdb
    >>> sql = double_text("x", 3)
    >>> vals = "(9876543210987.654), (99999999999999.98), (3703.6800000000003), (1.2345), (1e20)"
    >>> [r[0] for r in duckdb.sql(f"SELECT {sql} FROM (VALUES {vals}) t(x)").fetchall()]
    ['9876543210987.654', '99999999999999.98', '3703.68', '1.2345', '100000000000000000000']
    """
    x = f"{col}::DOUBLE"
    # the shortest decimal (1234.5, 1e+20), to ``scale`` decimals: exact when it has no
    # more. DECIMAL(18, …), not (38, …): the cast from text to a 128-bit decimal took
    # 15 µs a value, 60 times as long (and telling the decimals by the place of the point
    # longer still, DuckDB casting the double to text once for each mention); a value of
    # 10^(18-scale) or more (10^15 for an amount, far above its limit of 10^14) is NULL
    # there, and read to 15 digits (every digit, from 10^15)
    fitted = f"TRY_CAST({x}::VARCHAR AS DECIMAL(18,{scale}))::VARCHAR"
    shown = f"rtrim(rtrim({fitted}, '0'), '.')" if scale else fitted
    fifteen = float_text(x, 15)
    shortest = f"CASE WHEN contains({x}::VARCHAR, 'e') THEN {fifteen} ELSE {x}::VARCHAR END"
    return (
        f"CASE WHEN {x} IS NULL THEN NULL WHEN isnan({x}) OR isinf({x}) THEN {x}::VARCHAR "
        f"WHEN {fitted}::DOUBLE = {x} THEN {shown} "
        f"WHEN coalesce({_decimals_sql(fifteen)}, 0) <= {scale} THEN {fifteen} "
        f"ELSE {shortest} END"
    )


def double_note(
    wh: Warehouse, src: str, kind: Kind, types: dict[str, str], by_norm: dict[str, list[str]]
) -> list[str]:
    """A note for each amount (or rate) column of 64-bit floats holding values from
    ``float32_limit(scale, 53)`` up (8,796,093,022,208 for an amount): there one double
    stands for several values of the field's decimals (9876543210987.654 and .655 are one
    double), so the shortest decimal that gives it back (:func:`double_text`) is the most
    likely value, not surely the one meant. The rows are read so, and said to be.

    Such a file is not refused, as one of 32-bit floats is (:func:`float32_check`): the
    doubt is in the last decimal of amounts of thousands of billions, and a centime of MAD
    stays exact up to 70 thousand billion (the step of a double there is 0.0156).
    """
    notes = []
    for f in kind.fields:
        cols = by_norm.get(f.name) or [None]
        if f.type != "decimal" or cols[0] is None or types[cols[0]].upper() != "DOUBLE":
            continue
        col, limit = quote_ident(cols[0]), double_limit(f.scale)
        large = f"isfinite({col}) AND abs({col}) >= {limit}"
        n, row, shown = wh.sql(
            f"""SELECT count(*) FILTER (WHERE {large}),
                       min(file_row_number) FILTER (WHERE {large}) + 1,
                       arg_min({double_text(col, f.scale or 0)}, file_row_number)
                           FILTER (WHERE {large})
                FROM {src}"""
        )[0]
        if n:
            notes.append(large_double_note(written_header(cols[0]), f.name, f.scale, n, row, shown))
    return notes


def double_limit(scale: int | None) -> int:
    """The magnitude from which one 64-bit double stands for several values of ``scale``
    decimals (8,796,093,022,208, 2^43, for an amount's 3).

    >>> double_limit(3)
    8796093022208
    """
    return float32_limit(scale or 0, 53)


def large_double_note(
    column: str, field: str, scale: int | None, n: int, row: int, shown: str
) -> str:
    """The note on ``n`` values of ``column`` (holding ``field``, of ``scale`` decimals)
    that are doubles of :func:`double_limit` or more, the first on ``row`` read as
    ``shown``: a Parquet column of doubles (:func:`double_note`) or Excel's numeric cells
    (:mod:`marsad.ingest.excel`), which are doubles too. A record's amount is one firm's
    figure: the note (kept in the ledger) names its row only; a rate or a count of jobs
    is shown.

    >>> large_double_note("amount", "amount", 3, 2, 5, "9876543210987.654").split(", where")[0]
    'column amount: 2 amounts are 64-bit floats of 8,796,093,022,208 or more (row 5)'
    >>> large_double_note("rate", "mad_per_unit", 6, 1, 2, "9876543210.5").split(", where")[0]
    'column rate: 1 rates are 64-bit floats of 8,589,934,592 or more (row 2: 9876543210.5)'
    """
    example = f"row {row}" if field == "amount" else f"row {row}: {shown}"
    return (
        f"column {column}: {n:,} {_WRITTEN.get(field, 'numbers')} "
        f"are 64-bit floats of {double_limit(scale):,} or more ({example}), where one "
        f"float stands for several values to {scale} decimals: each was read as "
        "the shortest decimal that gives it back, the likeliest, which may differ "
        "from the one meant in its last decimal (write them as decimal to be sure)"
    )
