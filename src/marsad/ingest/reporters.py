"""What each reporter (bank) writes: its decimal mark, its date format and its
column names, kept in the warehouse and applied to its later files.

A bank writes ``1.500`` the same way in every file it sends. So the decimal
mark is a property of the reporter, not a guess per file: a file whose numbers
tell (``2.750,50``) teaches it, a file that cannot tell (``1.500``, ``12.000``
only) is read with what the reporter's other files showed, or refused with
"the decimal mark cannot be told from the data: state --decimal"; a file with as many
numbers of each mark (``1500.50``, ``1.500,50``) is refused naming one of each. The files of
one call are taken the unambiguous ones first. A file whose numbers contradict
the reporter's known mark is refused unless ``--decimal`` is stated. The
thousands separator follows from the decimal mark: the other mark, or a space.

The table ``reporter_formats`` holds one row per reporter and setting:

``decimal``      ``.`` or ``,``
``date_format``  how the dates are written, e.g. ``%d/%m/%Y``
``map``          the file's column names for the kind's fields, as JSON
                 (``{"record id": "record_id"}``, names as matched: trimmed,
                 lower case)

with where each came from (``declared`` with ``marsad reporters set``, or
``learnt from 2024-02.tsv (L00004)``, or ``stated for …`` with ``--decimal``,
``--date-format``, ``--map`` on ``marsad ingest``). A setting learnt or stated
is kept only while the reporter has none: ``marsad reporters set`` changes it.
The reporter of a transactions file is its ``reporter`` column; a rates or
firms file has the pseudo-reporter ``(rates)`` or ``(firms)``.

>>> parse_map(["Record ID=record_id", " Bank = reporter"])
{'record id': 'record_id', 'bank': 'reporter'}
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import duckdb

from marsad.engine import Warehouse, readable_errors
from marsad.errors import BadArgument
from marsad.ingest import datetext
from marsad.ingest.errors import IngestError
from marsad.ingest.header import DecimalEvidence
from marsad.ingest.marks import decimal_mark
from marsad.ingest.schema import KINDS, Kind, normalise_header

if TYPE_CHECKING:
    from marsad.ingest.staging import BatchFile

TABLE = "reporter_formats"
SETTINGS = ("decimal", "date_format", "map")
DDL = f"""CREATE TABLE IF NOT EXISTS {TABLE} (
    reporter  VARCHAR NOT NULL,   -- as in the files (BK01), or (rates), (firms)
    setting   VARCHAR NOT NULL,   -- decimal | date_format | map
    value     VARCHAR NOT NULL,   -- ',' | '%d/%m/%Y' | JSON {{"record id": "record_id"}}
    source    VARCHAR NOT NULL,   -- declared | learnt from FILE (LOAD) | stated for FILE (LOAD)
    set_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (reporter, setting)
)"""

AMBIGUOUS = "the decimal mark cannot be told from the data: state --decimal"


def ensure_table(wh: Warehouse) -> None:
    """Create ``reporter_formats`` if it is not there yet."""
    if not wh.has_table(TABLE):
        wh.sql(DDL)


def file_reporters(kind: Kind, values: Iterable[object]) -> set[str]:
    """The reporters of a file from its ``reporter`` values (a transactions
    file), else the kind's pseudo-reporter.

    >>> sorted(file_reporters(KINDS["transactions"], [" BK01", "BK01", None, ""]))
    ['BK01']
    >>> file_reporters(KINDS["rates"], [])
    {'(rates)'}
    """
    if "reporter" not in kind.field_names:
        return {f"({kind.name})"}
    return {str(v).strip() for v in values if v is not None and str(v).strip()}


def parse_map(items: Iterable[str], kind: Kind | None = None) -> dict[str, str]:
    """``NAME=field`` items as a mapping from the file's column name (as matched:
    trimmed, lower case) to a field of ``kind`` (of any kind when None)."""
    fields = set(kind.field_names) if kind else {f for k in KINDS.values() for f in k.field_names}
    out: dict[str, str] = {}
    for item in items:
        name, eq, field = item.rpartition("=")
        field = field.strip().lower()
        if not eq or not name.strip():
            raise BadArgument(f"--map wants NAME=field, e.g. 'Record ID=record_id', not {item!r}")
        if field not in fields:
            raise BadArgument(f"--map {item!r}: {field!r} is not a column marsad reads")
        out[normalise_header(name)] = field
    return out


def check_date_format(fmt: str) -> str:
    """``fmt`` if it writes and reads back a whole date (``%d/%m/%Y``), else an error.

    Checked with DuckDB's ``strftime`` and ``strptime``, which read the files (its
    directives differ from Python's: ``%-d`` is a day without its zero).

    >>> check_date_format("%-d/%-m/%Y")
    '%-d/%-m/%Y'
    """
    if not reads_back(fmt):
        raise BadArgument(f"--date-format {fmt!r} does not give a whole date (e.g. %d/%m/%Y)")
    if re.search(r"%[zZ]", fmt) and not datetext.zone_last(fmt):
        # read anywhere else, the zone would turn the date written into the UTC one
        raise BadArgument(
            f"--date-format {fmt!r}: a zone offset (%z) is read at the end only "
            "(e.g. %Y-%m-%dT%H:%M:%S%z)"
        )
    return fmt


@functools.cache
def reads_back(fmt: str) -> bool:
    """Whether DuckDB reads back the dates it writes with ``fmt`` (asked once a format:
    every file of a reporter with a date format is checked)."""
    days = [dt.date(2024, 11, 30), dt.date(2024, 3, 7)]
    try:
        # (DuckDB's message about a directive of a character beyond ASCII, ``%é``, is
        # cut in the middle of that character: read as DuckDB's error all the same)
        with duckdb.connect() as con, readable_errors():
            read = con.execute(
                "SELECT list_transform($days, d -> try_strptime(strftime(d, $f), $f)::DATE)",
                {"days": days, "f": fmt},
            ).fetchone()
    except duckdb.Error:
        return False
    return read is not None and read[0] == days


def check_decimal(mark: str) -> str:
    """The decimal mark ``mark`` states, ``.`` or ``,``, itself or by name (``comma``,
    ``point``: :mod:`marsad.ingest.marks`), else an error.

    >>> check_decimal("comma"), check_decimal(".")
    (',', '.')
    """
    stated = decimal_mark(mark)
    if stated is None:
        raise BadArgument(
            f"the decimal separator must be '.' or ',' (point or comma), not {mark!r}"
        )
    return stated


class Known:
    """The reporters' settings: the warehouse's, and what this call's files taught."""

    def __init__(self, wh: Warehouse) -> None:
        self.values: dict[tuple[str, str], tuple[str, str]] = {}
        if wh.has_table(TABLE):
            for reporter, setting, value, source in wh.sql(
                f"SELECT reporter, setting, value, source FROM {TABLE}"
            ):
                self.values[(reporter, setting)] = (value, source)

    def get(self, reporters: set[str], setting: str) -> tuple[str, str, str] | None:
        """(value, reporter, source) the file's reporters agree on, or None
        when none is known; an error when they disagree."""
        found = {
            r: self.values[(r, setting)] for r in sorted(reporters) if (r, setting) in self.values
        }
        if len({v for v, _ in found.values()}) > 1:
            shown = ", ".join(f"{r} {v!r}" for r, (v, _) in found.items())
            raise IngestError(f"the file holds reporters whose {setting} differ ({shown})")
        if not found:
            return None
        reporter, (value, source) = next(iter(found.items()))
        return value, reporter, source

    def learn(self, f: BatchFile, reporters: set[str], setting: str, value: str, how: str) -> None:
        """Remember ``value`` for the reporters that have none yet (saved with the load)."""
        for r in reporters:
            if (r, setting) not in self.values:
                self.values[(r, setting)] = (value, f"{how} {f.path.name}")
                f.learnt.append((r, setting, value, how))

    def maps(self) -> list[tuple[str, dict[str, str]]]:
        """(reporter, column mapping) of every reporter that has one."""
        return [(r, json.loads(v)) for (r, s), (v, _) in sorted(self.values.items()) if s == "map"]


def decide_decimal(
    known: Known, reporters: set[str], evidence: DecimalEvidence, stated: str | None
) -> tuple[str, str]:
    """(decimal mark, where it comes from) of a file whose numbers show ``evidence``."""
    if stated is not None:
        return check_decimal(stated), "stated"
    have = known.get(reporters, "decimal")
    if evidence.mark is not None:
        if have is not None and have[0] != evidence.mark:
            value, reporter, source = have
            raise IngestError(
                f"the numbers of this file use {evidence.mark!r} as decimal mark but reporter "
                f"{reporter}'s use {value!r} ({source}): state --decimal {evidence.mark} to "
                f"read this file with {evidence.mark!r}, or change the reporter's with "
                f"marsad reporters set {reporter} --decimal {evidence.mark}"
            )
        return evidence.mark, "detected"
    if have is not None:
        value, reporter, source = have
        return value, f"reporter {reporter}'s, {source}"
    if evidence.mixed is not None:
        raise IngestError(mixed_marks(*evidence.mixed))
    if evidence.ambiguous is not None:
        raise IngestError(AMBIGUOUS)
    return ".", "no number in the file needs one"


def mixed_marks(point: tuple[str, str | None], comma: tuple[str, str | None]) -> str:
    """The error of a file with as many numbers of each decimal mark: not ambiguous
    but contradictory, so it names one of each.

    >>> print(mixed_marks(("1500.50", "row 2"), ("1.500,50", None)))
    the numbers of this file contradict each other: 1500.50 (row 2) has a decimal point, 1.500,50 a decimal comma, and as many numbers have each: state the mark with --decimal . or --decimal , (the numbers written the other way are then quarantined, each with its reason)
    """  # noqa: E501

    def shown(value: str, where: str | None) -> str:
        return f"{value} ({where})" if where else value

    return (
        f"the numbers of this file contradict each other: {shown(*point)} has a decimal "
        f"point, {shown(*comma)} a decimal comma, and as many numbers have each: state the "
        "mark with --decimal . or --decimal , (the numbers written the other way are then "
        "quarantined, each with its reason)"
    )


def remember(wh: Warehouse, files: list[BatchFile]) -> None:
    """Save what the loaded ``files`` taught about their reporters (in the
    load's transaction; a setting already there is kept)."""
    ensure_table(wh)
    for f in files:
        for reporter, setting, value, how in f.learnt:
            wh.sql(
                f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, now()::TIMESTAMP) ON CONFLICT DO NOTHING",
                [reporter, setting, value, f"{how} {f.path.name} ({f.load_id})"],
            )


def declare(wh: Warehouse, reporter: str, setting: str, value: str | None) -> None:
    """Set (or with ``value`` None, forget) a reporter's setting, as declared."""
    ensure_table(wh)
    reporter = reporter.strip()
    wh.sql(f"DELETE FROM {TABLE} WHERE reporter = ? AND setting = ?", [reporter, setting])
    if value is not None:
        wh.sql(
            f"INSERT INTO {TABLE} VALUES (?, ?, ?, 'declared', now()::TIMESTAMP)",
            [reporter, setting, value],
        )


def listing(wh: Warehouse) -> list[tuple]:
    """(reporter, setting, value, source, set_at) of every reporter, in order."""
    if not wh.has_table(TABLE):
        return []
    return wh.sql(
        f"SELECT reporter, setting, value, source, set_at FROM {TABLE} ORDER BY reporter, setting"
    )
