"""Parquet files, read by DuckDB: each column cast to the text a CSV would hold
(dates as YYYY-MM-DD, a floating-point amount as the shortest decimal that gives
back its double, or to 15 significant digits when that one has more decimals than
the field keeps: binary noise; a file whose 32-bit float amounts are too large to be
exact is refused), each row numbered from 1."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from marsad.engine import SqlError, Warehouse, quote_ident, quote_literal
from marsad.ingest.cleaning import blank_sql, time_of_day_note
from marsad.ingest.errors import IngestError, first_line
from marsad.ingest.header import (
    Candidate,
    DecimalEvidence,
    MapChoice,
    control_problem,
    decimal_evidence,
    header_problem,
    quoted,
)
from marsad.ingest.options import Detected, ReadOptions
from marsad.ingest.reporters import file_reporters
from marsad.ingest.schema import Kind, normalise_header, written_header
from marsad.ingest.staging import Staged, raw_table

#: Significant digits a floating-point value is read with: 15 for DOUBLE
#: (Excel's and pandas' float64), 7 for FLOAT (float32: 12345.67 is stored
#: 12345.669921875).
_DIGITS = {"DOUBLE": 15, "FLOAT": 7}


def float32_limit(scale: int) -> int:
    """The magnitude from which a 32-bit float (24 significant bits) no longer tells apart
    two values ``scale`` decimals apart: its step there is 10^-scale or more, so one float
    stands for several amounts (16,384 for 3 decimals, 16 for 6, 8,388,608 for none).

    >>> float32_limit(3), float32_limit(6), float32_limit(0)
    (16384, 16, 8388608)
    """
    k = 0
    while 2.0 ** (k - 23) < 10.0**-scale:  # the step of [2^k, 2^(k+1))
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


@dataclass
class ParquetPlan:
    """A Parquet file described, before it is staged."""

    path: Path
    src: str
    types: dict[str, str]
    by_norm: dict[str, list[str]]  # field (after the column mapping) -> the file's columns
    evidence: DecimalEvidence
    reporters: set[str]
    detected: Detected
    notes: list[str] = field(default_factory=list)
    #: column -> the time zone its timestamps are read in (:func:`arrow_zones`)
    zones: dict[str, str] = field(default_factory=dict)


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


def _as_text(
    column: str, typ: str, zone: str | None = None, scale: int | None = None, date: bool = False
) -> str:
    """SQL: a Parquet column as text (a midnight timestamp as its date; for a ``date``
    field, any timestamp as its date); a DOUBLE of a field of ``scale`` decimals (an
    amount, a rate) by :func:`double_text`.

    A timestamp is read as the wall clock shows it: one without a time zone as it is,
    one with a time zone (an instant: pandas' ``datetime64[ns, Europe/Paris]``,
    Spark's timestamps) in ``zone``, the zone its Arrow schema names (UTC when it
    names none). A date field takes its calendar date on that clock, whatever its time
    of day (a settlement timestamp's value date; :func:`time_of_day` tells the load's
    note). So ``2025-01-01T00:00+01:00``, stored as 2024-12-31T23:00Z with the zone
    ``Africa/Casablanca``, is 2025-01-01, the day the bank wrote. Another field shows
    a time other than midnight in its zone (``2024-03-16 23:00:00+00``,
    ``2024-03-16 10:30:00 Europe/Paris``).

    >>> _as_text("d", "TIMESTAMP WITH TIME ZONE", "+01:00")[:60]
    'CASE WHEN make_timestamp(epoch_us("d") + 3600000000)::TIME ='
    >>> print(_as_text("d", "TIMESTAMP", date=True))
    strftime("d"::DATE, '%Y-%m-%d')
    """
    col, typ = quote_ident(column), typ.upper()
    if typ == "DATE":
        return f"strftime({col}, '%Y-%m-%d')"
    if typ.startswith("TIMESTAMP"):
        # (the cast to TIME is not implemented for an instant: its wall clock first)
        ts, shown = col, f"{col}::VARCHAR"
        if "TIME ZONE" in typ:
            ts = wall_clock(col, zone)
            if zone_offset(zone) != 0:
                label = quote_literal(f" {zone}")
                shown = f"strftime({ts}, '%Y-%m-%d %H:%M:%S') || {label}"
        if date:
            return f"strftime({ts}::DATE, '%Y-%m-%d')"
        return (
            f"CASE WHEN {ts}::TIME = TIME '00:00:00' THEN strftime({ts}::DATE, '%Y-%m-%d') "
            f"ELSE {shown} END"
        )
    if typ == "DOUBLE" and scale is not None:
        return double_text(col, scale)
    if typ == "FLOAT" and scale is not None:
        return float32_text(col, scale)
    if typ in _DIGITS:
        return float_text(col, _DIGITS[typ])
    return f"{col}::VARCHAR"


def time_of_day(column: str, typ: str, zone: str | None = None) -> str | None:
    """SQL: the time of day of a timestamp column on its wall clock (:func:`_as_text`)
    as ``HH:MM:SS``, NULL at midnight; None when the column holds no timestamps."""
    col, typ = quote_ident(column), typ.upper()
    if not typ.startswith("TIMESTAMP"):
        return None
    ts = wall_clock(col, zone) if "TIME ZONE" in typ else col
    return f"CASE WHEN {ts}::TIME <> TIME '00:00:00' THEN strftime({ts}, '%H:%M:%S') END"


_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def zone_offset(zone: str | None) -> int | None:
    """Seconds east of UTC of a fixed zone (``+01:00``, ``UTC``), None for a named
    zone whose offset changes (``Europe/Paris``).

    >>> zone_offset("-05:30"), zone_offset("UTC"), zone_offset("Africa/Casablanca")
    (-19800, 0, None)
    """
    if zone is None or zone.upper() in ("UTC", "Z", "ETC/UTC", "GMT", "+00:00", "-00:00"):
        return 0
    if m := _OFFSET.match(zone):
        sign = -1 if m[1] == "-" else 1
        return sign * (int(m[2]) * 3600 + int(m[3]) * 60)
    return None


def wall_clock(col: str, zone: str | None) -> str:
    """SQL: the instant ``col`` (TIMESTAMP WITH TIME ZONE) as a TIMESTAMP, the wall
    clock of ``zone`` (a name of the tz database, or a fixed offset ``+01:00``)."""
    offset = zone_offset(zone)
    if offset is None:
        return f"timezone({quote_literal(str(zone))}, {col})"
    shift = f" + {offset * 1_000_000}" if offset else ""
    return f"make_timestamp(epoch_us({col}){shift})"


def arrow_zones(wh: Warehouse, path: Path) -> tuple[dict[str, str], list[str]]:
    """(column -> the time zone of its timestamps, as the file's Arrow schema names it,
    notes): a zone DuckDB does not know is read in UTC, and a note says so."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException):  # DuckDB reads the file, and says why it cannot
        return {}, []
    zones, notes = {}, []
    for f in schema:
        if not (pa.types.is_timestamp(f.type) and f.type.tz):
            continue
        zone = f.type.tz
        if zone_offset(zone) is None:
            try:
                wh.sql(f"SELECT timezone({quote_literal(zone)}, TIMESTAMPTZ '2000-01-01')")
            except SqlError:
                notes.append(
                    f"column {f.name}: time zone {zone!r} is not known here; its timestamps "
                    "are read in UTC"
                )
                continue
        zones[f.name] = zone
    return zones, notes


def _field_exprs(
    kind: Kind, types: dict[str, str], by_norm: dict[str, list[str]], zones: dict[str, str]
) -> tuple[list[str], dict[str, tuple[str, str | None]]]:
    """One text expression per field of the kind (NULL when the column is absent); a
    timestamp of ``zones`` (column -> time zone) read in its zone. And for each date
    field read from timestamps, an expression ``_tod_<field>`` (:func:`time_of_day`),
    with the field -> (its column, the zone it is read in, None without one)."""
    exprs, timed = [], {}
    for f in kind.fields:
        names = by_norm.get(f.name, [])
        if len(names) > 1:
            raise IngestError(f"the column {f.name} appears {len(names)} times: "
                              f"{quoted([written_header(n) for n in names])}")  # fmt: skip
        if not names:
            exprs.append(f"NULL::VARCHAR AS {quote_ident(f.name)}")
            continue
        name, typ, zone = names[0], types[names[0]], zones.get(names[0])
        scale = f.scale if f.type == "decimal" else None
        date = f.type == "date"
        exprs.append(f"{_as_text(name, typ, zone, scale, date)} AS {quote_ident(f.name)}")
        if date and (tod := time_of_day(name, typ, zone)) is not None:
            exprs.append(f"{tod} AS {quote_ident('_tod_' + f.name)}")
            in_zone = "TIME ZONE" in typ.upper()
            timed[f.name] = (written_header(name), (zone or "UTC") if in_zone else None)
    return exprs, timed


def _time_notes(wh: Warehouse, table: str, timed: dict[str, tuple[str, str | None]]) -> list[str]:
    """The notes on the dates staged in ``table`` that had a time of day."""
    notes = []
    for name, (column, zone) in timed.items():
        tod = quote_ident("_tod_" + name)
        count, first, last = wh.sql(f"SELECT count({tod}), min({tod}), max({tod}) FROM {table}")[0]
        if count:
            notes.append(time_of_day_note(column, int(count), first, last, zone))
    return notes


def _sample(
    wh: Warehouse, src: str, types: dict, by_norm: dict, name: str, marked: bool = False
) -> list[tuple[str, int]]:
    """Up to 5000 values of the field ``name`` (text columns only), each with its row;
    ``marked``: of those holding a point or a comma, in the whole file."""
    cols = by_norm.get(name)
    if not cols or types[cols[0]].upper() != "VARCHAR":
        return []
    col = quote_ident(cols[0])
    where = f" WHERE regexp_matches({col}, '[.,]')" if marked else ""
    sql = f"SELECT {col}, file_row_number + 1 FROM {src}{where} LIMIT 5000"
    return [(r[0], r[1]) for r in wh.sql(sql) if r[0]]


def _evidence(sample: list[tuple[str, int]]) -> DecimalEvidence:
    """What the values of a :func:`_sample` show of the decimal mark."""
    return decimal_evidence([v for v, _ in sample], [f"row {n}" for _, n in sample])


def _columns(types: dict[str, str], maps: list[MapChoice], kind: Kind) -> tuple[dict, str | None]:
    """field -> the file's columns, with the first mapping that names every
    required column; whose mapping it was."""
    if problem := control_problem([written_header(n) for n in types], "column name"):
        raise IngestError(problem)
    best: tuple[int, Candidate] = (-1, Candidate())
    for whose, mapping in maps or [(None, {})]:
        by_norm: dict[str, list[str]] = {}
        for name in types:
            norm = normalise_header(name)
            by_norm.setdefault(mapping.get(norm, norm), []).append(name)
        if all(f in by_norm for f in kind.required_columns):
            return by_norm, whose if any(normalise_header(n) in mapping for n in types) else None
        score = sum(f in by_norm for f in kind.required_columns)
        if score > best[0]:
            names = [mapping.get(normalise_header(n), normalise_header(n)) for n in types]
            best = (score, Candidate([written_header(n) for n in types], names))
    raise IngestError(header_problem(kind, best[1], "columns"))


def plan_parquet(
    wh: Warehouse, kind: Kind, path: Path, options: ReadOptions, maps: list[MapChoice]
) -> ParquetPlan:
    """Describe a Parquet file: its columns, what its text amounts show of
    the decimal mark, its reporters."""
    src = f"read_parquet({quote_literal(str(path))}, file_row_number = true)"
    try:
        described = wh.sql(f"DESCRIBE SELECT * FROM {src}")
    except SqlError as exc:
        raise IngestError(f"the file cannot be read as Parquet: {first_line(str(exc))}") from None
    types = {name: typ for name, typ, *_ in described if name != "file_row_number"}
    by_norm, whose = _columns(types, maps, kind)
    float32_check(wh, src, kind, types, by_norm)
    dec_field = next((f.name for f in kind.fields if f.type == "decimal"), None)
    evidence = _evidence(_sample(wh, src, types, by_norm, dec_field) if dec_field else [])
    if dec_field and evidence == DecimalEvidence():  # the first rows show no mark: the others
        evidence = _evidence(_sample(wh, src, types, by_norm, dec_field, marked=True))
    reporters = file_reporters(kind, [v for v, _ in _sample(wh, src, types, by_norm, "reporter")])
    notes = [f"columns read with {whose} mapping"] if whose else []
    zones, zone_notes = arrow_zones(wh, path)
    detected = Detected("parquet", decimal=None)
    plan = ParquetPlan(path, src, types, by_norm, evidence, reporters, detected, notes + zone_notes)
    plan.zones = zones
    return plan


def stage_parquet(wh: Warehouse, kind: Kind, plan: ParquetPlan, tag: int) -> Staged:
    """Stage a planned Parquet file into ``_ing_raw_<tag>``."""
    types, by_norm = plan.types, plan.by_norm
    exprs, timed = _field_exprs(kind, types, by_norm, plan.zones)
    all_cols = " || ".join(f"coalesce({quote_ident(n)}::VARCHAR, '')" for n in types) or "''"
    try:
        wh.sql(
            f"""CREATE OR REPLACE TEMP TABLE {raw_table(tag)} AS
                SELECT file_row_number + 1 AS _line, {", ".join(exprs)},
                       {blank_sql(all_cols)} AS _blank
                FROM {plan.src}"""
        )
    except SqlError as exc:
        raise IngestError(f"the file cannot be read as Parquet: {first_line(str(exc))}") from None
    field_cols = ", ".join(quote_ident(f.name) for f in kind.fields)
    mapped = {names[0] for f in kind.fields if (names := by_norm.get(f.name))}
    return Staged(
        source=f"SELECT _line, {field_cols}, _blank FROM {raw_table(tag)}",
        rejects=[],
        unit="row",
        detected=plan.detected,
        ignored_columns=[n for n in types if n not in mapped],
        notes=list(plan.notes) + _time_notes(wh, raw_table(tag), timed),
    )
