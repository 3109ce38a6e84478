"""SQL naming a record of a kind: its key columns, its key as text, its words
in messages, its fields as JSON; and the table of checked rows, ``_ing_chk``."""

from __future__ import annotations

import re
from collections.abc import Mapping

from marsad.engine import Warehouse, quote_case, quote_ident
from marsad.ingest.schema import Kind

#: One row per staged row, with its checks (built by :mod:`marsad.ingest.validate`).
CHK = "_ing_chk"

#: ``_fail`` of a row that repeats, with the same content, a record already loaded
#: (earlier in its file, in an earlier file of the batch, or in the warehouse): not
#: loaded again and not quarantined, counted ``unchanged``.
UNCHANGED = "unchanged"

#: SQL: the row of ``_ing_chk`` is unchanged (see :data:`UNCHANGED`).
IS_UNCHANGED = "starts_with(_fail, 'unchanged|')"

#: SQL: the row of ``_ing_chk`` is quarantined (it fails a rule).
IS_QUARANTINED = f"(_fail IS NOT NULL AND NOT {IS_UNCHANGED})"


#: SQL macros of a batch's file numbers (see :func:`define_file_macros`): how the file
#: counts its rows in messages (``line`` or ``row``), its decimal mark, and how its
#: dates are written when not YYYY-MM-DD (``DD/MM/YYYY (%d/%m/%Y)``; else ``''``).
UNIT_OF = "_ing_unit"
DECIMAL_OF = "_ing_dec"
DATE_FORMAT_OF = "_ing_datefmt"
#: SQL macros of a file whose date format is made of %d, %m, %Y: its dates' shape (a
#: regular expression, ``''`` for other files) and how to write one YYYY-MM-DD from it
DATE_SHAPE_OF = "_ing_dateshape"
DATE_ISO_OF = "_ing_dateiso"


def date_shape(fmt: str | None) -> tuple[str, str]:
    r"""(regular expression, rewrite to ``Y-M-D``) of the dates of ``fmt`` when it is
    made of ``%d``, ``%m``, ``%Y`` and other characters, to say why a date of that
    shape names no day (31/02/2024); ``('', '')`` for other formats.

    >>> date_shape("%d/%m/%Y")
    ('(\\d{1,2})/(\\d{1,2})/(\\d{4})', '\\3-\\2-\\1')
    >>> date_shape("%Y%m%d")  # directives side by side: every digit written
    ('(\\d{4})(\\d{2})(\\d{2})', '\\1-\\2-\\3')
    >>> date_shape("%d %b %Y")
    ('', '')
    >>> date_shape("%-d/%-m/%Y")  # a day and month without their zero (DuckDB's %-d)
    ('(\\d{1,2})/(\\d{1,2})/(\\d{4})', '\\3-\\2-\\1')
    """
    parts = [x.replace("%-", "%") for x in re.split(r"(%-?.)", fmt or "")]
    codes = [x for x in parts if x.startswith("%")]
    if sorted(codes) != ["%Y", "%d", "%m"]:
        return "", ""
    width = "2" if re.search(r"%[dmY]%[dmY]", fmt or "") else "1,2"
    group = {"%d": rf"(\d{{{width}}})", "%m": rf"(\d{{{width}}})", "%Y": r"(\d{4})"}
    shape = "".join(group[x] if x in group else re.escape(x) for x in parts)
    ref = {c: f"\\{i}" for i, c in enumerate(codes, start=1)}
    return shape, f"{ref['%Y']}-{ref['%m']}-{ref['%d']}"


def human_date_format(fmt: str | None) -> str:
    """A date format as people write it, and as stated (``''`` for YYYY-MM-DD).

    >>> human_date_format("%d/%m/%Y"), human_date_format("%-d/%-m/%Y")
    ('DD/MM/YYYY (%d/%m/%Y)', 'D/M/YYYY (%-d/%-m/%Y)')
    """
    if not fmt:
        return ""
    words = {"%-d": "D", "%-m": "M", "%d": "DD", "%m": "MM", "%Y": "YYYY", "%y": "YY",
             "%b": "Mon", "%B": "Month"}  # fmt: skip
    text = fmt
    for code, word in words.items():
        text = text.replace(code, word)
    return f"{text} ({fmt})"


def define_file_macros(wh: Warehouse, files: Mapping[int, tuple[str, str, str | None]]) -> None:
    """Define :data:`UNIT_OF`, :data:`DECIMAL_OF`, :data:`DATE_FORMAT_OF`,
    :data:`DATE_SHAPE_OF` and :data:`DATE_ISO_OF` for the
    batch's ``files`` (file number -> (unit, decimal mark, date format or None)).
    They are the same for every row of a file, so they are not columns of
    ``_ing_chk`` (each column of its 3 million rows a batch costs about 0.05 s to
    store), and only failing rows' messages ask for them.

    >>> import tempfile, pathlib
    >>> from marsad.engine import open_warehouse
    >>> wh = open_warehouse(pathlib.Path(tempfile.mkdtemp()) / "w.duckdb")
    >>> define_file_macros(wh, {0: ("line", ".", None), 1: ("row", ",", "%d/%m/%Y")})
    >>> wh.sql(f"SELECT {UNIT_OF}(1), {DECIMAL_OF}(0), {DATE_FORMAT_OF}(1)")
    [('row', '.', 'DD/MM/YYYY (%d/%m/%Y)')]
    >>> wh.close()
    """
    values = {
        i: (unit, dec, human_date_format(fmt), *date_shape(fmt))
        for i, (unit, dec, fmt) in files.items()
    }
    names = (UNIT_OF, DECIMAL_OF, DATE_FORMAT_OF, DATE_SHAPE_OF, DATE_ISO_OF)
    for k, name in enumerate(names):
        body = quote_case("f", {i: v[k] for i, v in values.items()}) if values else "NULL"
        wh.sql(f"CREATE OR REPLACE TEMP MACRO {name}(f) AS {body}")


def key_cols(kind: Kind, alias: str = "") -> str:
    """SQL list of the key columns, e.g. ``c."reporter", c."record_id"``."""
    pre = f"{alias}." if alias else ""
    return ", ".join(pre + quote_ident(k) for k in kind.key)


def same_values(kind: Kind, a: str, b: str, prefix: str = "") -> str:
    """SQL: the value fields of ``a`` equal those of ``b`` (``b``'s columns prefixed)."""
    return (
        " AND ".join(
            f"{a}.{quote_ident(f)} IS NOT DISTINCT FROM {b}.{quote_ident(prefix + f)}"
            for f in kind.value_fields
        )
        or "true"
    )


def load_number(column: str = "load_id") -> str:
    """SQL: the number of the load id in ``column`` (``L00012`` -> 12), by which loads
    are ordered (as text, L100000 would sort before L99999)."""
    return f"TRY_CAST(substr({column}, 2) AS BIGINT)"


def key_text(kind: Kind, alias: str = "") -> str:
    """SQL: the key as one text, parts joined by ``|`` (``BMCE|R1``)."""
    pre = f"{alias}." if alias else ""
    return "concat_ws('|', " + ", ".join(f"{pre}{quote_ident(k)}::VARCHAR" for k in kind.key) + ")"


def key_words(kind: Kind, alias: str) -> str:
    """SQL text naming a record in messages (no amounts)."""
    a = alias
    if kind.name == "transactions":
        return f"'record ' || {a}.record_id || ' of reporter ' || {a}.reporter"
    if kind.name == "firms":
        return f"'firm ' || {a}.firm_id"
    if kind.name == "employment":
        return f"'the jobs of ' || {a}.segment || ' in ' || {a}.period"
    return f"'the rate of ' || {a}.currency || ' on ' || {a}.date::VARCHAR"


def key_column(kind: Kind) -> str:
    """The column a duplicate is reported on."""
    columns = {"transactions": "record_id", "firms": "firm_id", "rates": "date"}
    return columns.get(kind.name, kind.key[0])


def record_json(kind: Kind, alias: str) -> str:
    """SQL: the record's fields as a JSON object of texts."""
    fields = ", ".join(
        f"{quote_ident(f)} := {alias}.{quote_ident(f)}::VARCHAR" for f in kind.field_names
    )
    return f"to_json(struct_pack({fields}))::VARCHAR"


def insert_value(column: str, alias: str, load_expr: str) -> str:
    """SQL value of a warehouse column for a row of ``_ing_chk``."""
    if column == "load_id":
        return load_expr
    if column == "line":
        return f"{alias}._line"
    return f"{alias}.{quote_ident(column)}"


def table_columns(wh: Warehouse, table: str) -> list[str]:
    return [r[0] for r in wh.sql(f"DESCRIBE {table}")]


def count(wh: Warehouse, table: str) -> int:
    """Rows of ``table`` (may end with a WHERE clause)."""
    return int(wh.scalar(f"SELECT count(*) FROM {table}"))


class LoadIds:
    """The load id and file name of each file of a batch (by file number)."""

    def __init__(self, loads: dict[int, str], names: dict[int, str]) -> None:
        self.loads = loads
        self.names = names

    def load_of(self, column: str = "_file") -> str:
        """SQL: the load id of the file numbered ``column``."""
        return quote_case(column, self.loads)

    def name_of(self, column: str = "_file") -> str:
        """SQL: the file name of the file numbered ``column``."""
        return quote_case(column, self.names)
