"""Parquet files, read by DuckDB: each column cast to the text a CSV would hold
(dates as YYYY-MM-DD, a floating-point amount as the shortest decimal that gives
back its double, or to 15 significant digits when that one has more decimals than
the field keeps: binary noise; a file whose 32-bit float amounts are too large to be
exact is refused), each row numbered from 1."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from marsad.engine import SqlError, Warehouse, quote_ident, quote_literal, quote_path
from marsad.ingest.cleaning import blank_sql, time_of_day_note
from marsad.ingest.errors import IngestError, first_line
from marsad.ingest.floats import (
    double_note,
    double_text,
    float32_check,
    float32_text,
    float_text,
)
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
    #: the file's rows (from its footer)
    rows: int | None = None


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


def arrow_schema(path: Path):
    """The file's Arrow schema (read from its footer once, for :func:`arrow_zones` and
    :func:`refuse_wide_decimals`); an empty one when it cannot be read (DuckDB reads the
    file, and says why it cannot)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_schema(path)
    except (OSError, pa.ArrowException):
        return pa.schema([])


def arrow_zones(wh: Warehouse, schema) -> tuple[dict[str, str], list[str]]:
    """(column -> the time zone of its timestamps, as the file's Arrow ``schema`` names
    it, notes): a zone DuckDB does not know is read in UTC, and a note says so."""
    import pyarrow as pa

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


def field_exprs(
    kind: Kind, types: dict[str, str], by_norm: dict[str, list[str]], zones: dict[str, str]
) -> tuple[list[str], dict[str, str], dict[str, tuple[str, str | None]]]:
    """One text expression per field of the kind (NULL when the column is absent); a
    timestamp of ``zones`` (column -> time zone) read in its zone. And for each date
    field read from timestamps, its time of day (:func:`time_of_day`), field -> SQL,
    with the field -> (its column, the zone it is read in, None without one)."""
    exprs, tods, timed = [], {}, {}
    for f in kind.fields:
        names = by_norm.get(f.name, [])
        if len(names) > 1:
            mapped = [written_header(n) for n in names if normalise_header(n) != f.name]
            why = f" (a column mapping reads {quoted(mapped)} as {f.name})" if mapped else ""
            raise IngestError(f"the column {f.name} appears {len(names)} times: "
                              f"{quoted([written_header(n) for n in names])}{why}")  # fmt: skip
        if not names:
            exprs.append(f"NULL::VARCHAR AS {quote_ident(f.name)}")
            continue
        name, typ, zone = names[0], types[names[0]], zones.get(names[0])
        scale = f.scale if f.type == "decimal" else None
        date = f.type == "date"
        exprs.append(f"{_as_text(name, typ, zone, scale, date)} AS {quote_ident(f.name)}")
        if date and (tod := time_of_day(name, typ, zone)) is not None:
            tods[f.name] = tod
            in_zone = "TIME ZONE" in typ.upper()
            timed[f.name] = (written_header(name), (zone or "UTC") if in_zone else None)
    return exprs, tods, timed


def _time_notes(wh: Warehouse, table: str, timed: dict[str, tuple[str, str | None]]) -> list[str]:
    """The notes on the dates staged in ``table`` that had a time of day."""
    notes = []
    for name, (column, zone) in timed.items():
        tod = quote_ident("_tod_" + name)
        count, first, last = wh.sql(f"SELECT count({tod}), min({tod}), max({tod}) FROM {table}")[0]
        if count:
            notes.append(time_of_day_note(column, int(count), first, last, zone))
    return notes


def _text_column(types: dict, by_norm: dict, name: str) -> str | None:
    """The file's column of the field ``name``, quoted, when it is a text column."""
    cols = by_norm.get(name)
    return quote_ident(cols[0]) if cols and types[cols[0]].upper() == "VARCHAR" else None


def _sample(
    wh: Warehouse, src: str, types: dict, by_norm: dict, name: str, marked: bool = False
) -> list[tuple[str, int]]:
    """Up to 5000 values of the field ``name`` (text columns only), each with its row: the
    first rows'; ``marked``: those holding a point or a comma, in the whole file."""
    if (col := _text_column(types, by_norm, name)) is None:
        return []
    where = f" WHERE regexp_matches({col}, '[.,]')" if marked else ""
    sql = f"SELECT {col}, file_row_number + 1 FROM {src}{where} LIMIT 5000"
    return [(r[0], r[1]) for r in wh.sql(sql) if r[0]]


def _head_values(wh: Warehouse, src: str, types: dict, by_norm: dict, name: str) -> list[str]:
    """The distinct values of the field ``name`` (a text column) in the file's first 5000
    rows (5000 rows a file taken to Python were 8 ms of each file's 15 ms plan)."""
    if (col := _text_column(types, by_norm, name)) is None:
        return []
    sql = f"SELECT DISTINCT {col} FROM (SELECT {col} FROM {src} LIMIT 5000)"
    return [r[0] for r in wh.sql(sql)]


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
            best = (score, Candidate([written_header(n) for n in types], names, mapping, whose))
    raise IngestError(header_problem(kind, best[1], "columns"))


#: What DuckDB says of a file whose footer cannot be read (a file of ``PAR1`` and little
#: else): the file's fault, said in marsad's words.
_CUT_SHORT = ("too small to be a Parquet file", "Footer length error")


def _head(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(4)


def plan_parquet(
    wh: Warehouse, kind: Kind, path: Path, options: ReadOptions, maps: list[MapChoice]
) -> ParquetPlan:
    """Describe a Parquet file: its columns, what its text amounts show of
    the decimal mark, its reporters."""
    src = f"read_parquet({quote_path(path)}, file_row_number = true)"
    with contextlib.suppress(OSError):  # (the reader says why it cannot read it)
        if options.format and _head(path) not in (b"", b"PAR1"):
            raise IngestError(
                "read as Parquet (--format parquet), but it is not a Parquet file (it does "
                "not start with PAR1): state another --format, or none to read it by its "
                "content"
            )
        if path.stat().st_size == 0:
            raise IngestError("the file is empty (0 bytes): it holds no Parquet data; ask "
                              "for it again")  # fmt: skip
    try:
        return _plan(wh, kind, path, src, maps)
    except SqlError as exc:  # (a damaged page among the first rows: Snappy, Thrift...)
        if any(words in str(exc) for words in _CUT_SHORT):
            raise IngestError(
                "the Parquet file is damaged or cut short (its footer cannot be read): "
                "ask for it again"
            ) from None
        if "Using file_row_number option" in str(exc):  # the file's own column of that name
            raise IngestError(
                "a column of the file is named file_row_number, the name DuckDB's Parquet "
                "reader gives the rows' numbers: rename that column to load the file"
            ) from None
        raise IngestError(f"the file cannot be read as Parquet: {first_line(str(exc))}") from None


#: The most digits DuckDB reads a Parquet decimal with exactly: a wider one (Arrow's
#: decimal256) it reads as a DOUBLE, 0.001 as 72057594037927.94 (DuckDB 1.5).
MOST_DIGITS = 38


def refuse_wide_decimals(schema, columns: set[str]) -> None:
    """Refuse (:class:`IngestError`) a file whose Arrow ``schema`` gives ``columns``
    (those read as fields) decimals of more than :data:`MOST_DIGITS` digits (a
    reviewer's ``decimal256(40, 3)`` amount of 0.001 was loaded as 72,057,594,037,927.94
    MAD, with a note on floats)."""
    import pyarrow as pa

    for f in schema:
        if f.name in columns and pa.types.is_decimal(f.type) and f.type.precision > MOST_DIGITS:
            raise IngestError(
                f"the column {written_header(f.name)} holds decimals of {f.type.precision} "
                f"digits (Arrow's decimal256), more than can be read exactly "
                f"({MOST_DIGITS}): write it as decimal({MOST_DIGITS}, {f.type.scale}) or "
                "narrower, or as text"
            )


def _plan(wh: Warehouse, kind: Kind, path: Path, src: str, maps: list[MapChoice]) -> ParquetPlan:
    described = wh.sql(f"DESCRIBE SELECT * FROM {src}")
    types = {name: typ for name, typ, *_ in described if name != "file_row_number"}
    by_norm, whose = _columns(types, maps, kind)
    schema = arrow_schema(path)
    refuse_wide_decimals(schema, {c for f in kind.fields for c in by_norm.get(f.name, [])})
    float32_check(wh, src, kind, types, by_norm)
    large_doubles = double_note(wh, src, kind, types, by_norm)
    dec_field = next((f.name for f in kind.fields if f.type == "decimal"), None)
    evidence = _evidence(_sample(wh, src, types, by_norm, dec_field) if dec_field else [])
    if dec_field and evidence == DecimalEvidence():  # the first rows show no mark: the others
        evidence = _evidence(_sample(wh, src, types, by_norm, dec_field, marked=True))
    reporters = file_reporters(kind, _head_values(wh, src, types, by_norm, "reporter"))
    notes = [f"columns read with {whose} mapping"] if whose else []
    zones, zone_notes = arrow_zones(wh, schema)
    detected = Detected("parquet", decimal=None)
    notes += zone_notes + large_doubles
    plan = ParquetPlan(path, src, types, by_norm, evidence, reporters, detected, notes)
    plan.zones = zones
    plan.rows = int(wh.scalar(f"SELECT count(*) FROM {src}"))
    return plan


def blank_row_sql(types: dict[str, str]) -> str:
    """SQL: whether a row of a Parquet file of columns ``types`` (name -> type) holds
    nothing (every value NULL, or text of only spaces and invisible characters); its
    first text column, if any, tells most rows apart at once (:func:`blank_sql`)."""
    every = " || ".join(f"coalesce({quote_ident(n)}::VARCHAR, '')" for n in types) or "''"
    text = [n for n, t in types.items() if t.upper() == "VARCHAR"]
    first = quote_ident(text[0]) if text else (f"{quote_ident(next(iter(types)))}::VARCHAR"
                                                if types else None)  # fmt: skip
    return blank_sql(every, first)


def stage_parquet(wh: Warehouse, kind: Kind, plan: ParquetPlan, tag: int) -> Staged:
    """Stage a planned Parquet file into ``_ing_raw_<tag>``."""
    types, by_norm = plan.types, plan.by_norm
    exprs, tods, timed = field_exprs(kind, types, by_norm, plan.zones)
    exprs += [f"{tod} AS {quote_ident('_tod_' + name)}" for name, tod in tods.items()]
    try:
        wh.sql(
            f"""CREATE OR REPLACE TEMP TABLE {raw_table(tag)} AS
                SELECT file_row_number + 1 AS _line, {", ".join(exprs)},
                       {blank_row_sql(types)} AS _blank
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
