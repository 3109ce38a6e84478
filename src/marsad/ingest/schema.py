"""What each kind of input file holds, and the rules its rows are checked against.

Four kinds of file are loaded: ``transactions`` (the banks' settlement
records), ``firms`` (the registry), ``rates`` (reference exchange rates) and
``employment`` (the sector's jobs as the ministry counts them).
Each is described once here: its fields, which of them must be present, how a
value is read, which reference list it must belong to, and the key that
identifies a record across loads.

Every quarantined row carries one of the rule ids of :data:`RULES`.

The warehouse tables are generated from these definitions (:func:`core_ddl`
for ``transactions``, ``firms`` and ``rates``; :func:`history_ddl` for the
superseded versions), and so is the synthetic generator's column list. This
module imports nothing heavy: ``marsad.engine`` reads it.

>>> TRANSACTIONS.field_names[:3]
('record_id', 'reporter', 'firm_id')
>>> column_sql(TRANSACTIONS.field("amount"))
'amount DECIMAL(18,3) NOT NULL'
"""

from __future__ import annotations

from dataclasses import dataclass

#: Rule id -> what it checks, in plain words (shown by ``marsad quarantine list``).
RULES: dict[str, str] = {
    "malformed": "the line could not be split into the file's columns "
    "(too many or too few fields, or a quote not closed)",
    "encoding": "the line holds bytes that are not text in the file's encoding",
    "merged": "the cell is part of a merged range whose value is in its first cell only and "
    "cannot be each row's (a number or a record's own id merged over rows, a range across "
    "columns)",
    "excel_error": "the cell holds an Excel error (#N/A, #DIV/0!, #VALUE!, …): "
    "a formula that failed",
    "formula": "the cell holds a formula whose value was never computed (the workbook was "
    "written by a program that does not calculate): it is not read as empty",
    "required": "a required value is empty",
    "line_break": "an id or code holds a line break: a quote not closed properly may have "
    "joined several lines into one value, or a carriage return (CR), a vertical tab, a "
    "form feed or a Unicode line separator stands inside it",
    "control": "the value holds a control character (Ctrl-A, Ctrl-Z inside a value, DEL, "
    "U+0080-U+009F, …), which no id, code or text has: a damaged file, or text converted "
    "with the wrong encoding",
    "type": "the value is not of the expected type (a date YYYY-MM-DD, a number)",
    "precision": "the number has more decimals than can be stored",
    "date_range": "the date is outside the accepted range (default 2000-01-01 to today)",
    "flow": "the flow is neither C (export receipt) nor D (import payment)",
    "positive": "the amount or rate is zero or negative (also written (1 234,56), 1234,56- "
    "or with a Unicode minus)",
    "too_large": "the amount or rate is too large to be a settlement amount (10^14 or more, "
    "setting MARSAD_MAX_AMOUNT) or a rate (10^6 MAD per unit or more)",
    "currency": "the currency is not an ISO 4217 code",
    "country": "the partner country is not an ISO 3166-1 alpha-2 code",
    "resident": "the partner country is the home country (MARSAD_HOME_COUNTRY, default MA): "
    "exports and imports are with non-residents",
    "ebops": "the service code is not an EBOPS 2010 code",
    "segment": "the segment is not one of ITO, CRM, ESO, BPO, KPO",
    "segment_total": "the segment is not one of ITO, CRM, ESO, BPO, KPO or TOTAL "
    "(employment files)",
    "period": "the period is not a year (2024), half (2024-S1), quarter (2024-Q3) or "
    "month (2024-07)",
    "negative": "the number is negative (a count of jobs is zero or more)",
    "implausible": "the exchange rate is an isolated spike: at least MARSAD_RATE_SPIKE_FACTOR "
    "(default 1.5) times above both rates beside it in date, or as many times below both "
    "(a decimal point shifted?); waived, it is loaded",
    "duplicate_in_file": "the same record (same key) appears earlier in the same file",
    "duplicate_in_warehouse": "the record is already in the warehouse with the same content",
}


#: Amounts (original currency) must be below this: 10^14, so an amount fits the
#: build's conversion factor (DECIMAL(20,6)). With rates below :data:`MAX_RATE`
#: a MAD value is below 10^20: DECIMAL(38,2) holds it with 16 digits to spare
#: for sums. The setting ``MARSAD_MAX_AMOUNT`` may lower it, never raise it.
MAX_AMOUNT = 10**14
#: Rates (MAD per unit of a currency) must be below this: 10^6.
MAX_RATE = 10**6


@dataclass(frozen=True)
class Field:
    """One column of an input file.

    ``type`` is how the value is read: ``text`` (trimmed), ``code`` (trimmed,
    upper case), ``flow`` (C or D), ``date`` (YYYY-MM-DD), ``period`` (a year,
    half, quarter or month: ``2024``, ``2024-S1``, ``2024-Q3``, ``2024-07``) or
    ``decimal`` (with ``scale`` decimals, read with the file's decimal separator).
    Every field but ``free_text`` ones (a firm's name, a city) has the
    invisible format characters (zero-width space, direction marks, …)
    removed; a ``decimal`` must stay below ``limit`` in absolute value.
    """

    name: str
    type: str = "text"
    required: bool = True  # a value must be given
    in_header: bool = True  # the column must be in the file
    ref: str | None = None  # reference list the value must belong to (= rule id)
    scale: int = 0  # decimals kept, for ``decimal``
    positive: bool = False  # for ``decimal``: must be > 0
    non_negative: bool = False  # for ``decimal``: must be >= 0 (rule negative)
    sql_type: str = "VARCHAR"  # type in the warehouse table
    note: str = ""  # what the value means, e.g. "ISO 4217" (a comment in the DDL)
    free_text: bool = False  # words (a name): invisible characters are kept inside
    limit: int | None = None  # for ``decimal``: the value must be below it (rule too_large)
    not_home: bool = False  # for a country: the home country is refused (rule resident)
    #: the record's own identifier (a transaction's record_id, a firms file's firm_id): an
    #: Excel cell merged over several rows is never read as each row's value (rule merged)
    own_id: bool = False


@dataclass(frozen=True)
class Kind:
    """A kind of input file and the warehouse table it loads into."""

    name: str
    table: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]  # identifies a record across files and loads
    amount: str | None  # the field summed in the control totals
    group: str | None  # the field the control totals are grouped by
    noun: str  # how a record is named in messages
    #: the key is declared a PRIMARY KEY (transactions: no, see :data:`_NO_INDEX`)
    indexed: bool = True

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.in_header)

    @property
    def value_fields(self) -> tuple[str, ...]:
        """Fields compared to tell a correction from an unchanged record."""
        return tuple(f.name for f in self.fields if f.name not in self.key)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


TRANSACTIONS = Kind(
    name="transactions",
    table="transactions",
    fields=(
        Field("record_id", own_id=True),
        Field("reporter"),
        Field("firm_id", required=False),
        Field("value_date", type="date", sql_type="DATE"),
        Field("flow", type="flow", note="C export receipt, D import payment"),
        Field(
            "amount",
            type="decimal",
            scale=3,
            positive=True,
            sql_type="DECIMAL(18,3)",
            note="positive, original currency",
            limit=MAX_AMOUNT,
        ),
        Field("currency", type="code", ref="currency", note="ISO 4217"),
        Field("service_code", type="code", ref="ebops", note="EBOPS 2010"),
        Field(
            "partner_country",
            type="code",
            ref="country",
            note="ISO 3166-1 alpha-2, not the home country",
            not_home=True,
        ),
    ),
    key=("reporter", "record_id"),
    amount="amount",
    group="currency",
    noun="record",
    indexed=False,
)

FIRMS = Kind(
    name="firms",
    table="firms",
    fields=(
        Field("firm_id", own_id=True),
        Field("name", free_text=True),
        Field("segment", type="code", ref="segment", note="ITO | CRM | ESO | BPO | KPO"),
        Field("isic", required=False, in_header=False),
        Field("city", required=False, in_header=False, free_text=True),
        Field(
            "group_id",
            required=False,
            in_header=False,
            note="enterprise group: firms of one group are one contributor for confidentiality",
        ),
    ),
    key=("firm_id",),
    amount=None,
    group="segment",
    noun="firm",
)

RATES = Kind(
    name="rates",
    table="rates",
    fields=(
        Field("date", type="date", sql_type="DATE"),
        Field("currency", type="code", ref="currency"),
        Field(
            "mad_per_unit",
            type="decimal",
            scale=6,
            positive=True,
            sql_type="DECIMAL(18,6)",
            limit=MAX_RATE,
        ),
    ),
    key=("date", "currency"),
    amount=None,
    group="currency",
    noun="rate",
)

#: A count of jobs must be below this (a billion): more is a slip, not a count.
MAX_JOBS = 10**9

EMPLOYMENT = Kind(
    name="employment",
    table="employment",
    fields=(
        Field("period", type="period", note="2024, 2024-S1, 2024-Q3 or 2024-07"),
        Field(
            "segment",
            type="code",
            ref="segment_total",
            note="ITO | CRM | ESO | BPO | KPO | TOTAL",
        ),
        Field(
            "jobs",
            type="decimal",
            scale=0,
            non_negative=True,
            sql_type="BIGINT",
            note="whole number of jobs, zero or more",
            limit=MAX_JOBS,
        ),
    ),
    key=("period", "segment"),
    amount=None,
    group="segment",
    noun="employment figure",
)

KINDS: dict[str, Kind] = {k.name: k for k in (TRANSACTIONS, FIRMS, RATES, EMPLOYMENT)}


def get_kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown kind {name!r}: use one of {', '.join(KINDS)}") from None


def written_header(name: object) -> str:
    """Header cell as a message shows it, so that the user finds it in the file: as
    written (case, spelling, quotes kept), BOM dropped and trimmed of what cannot be
    seen (spaces, invisible characters, a DOS end-of-file mark, as values are); an
    empty cell (``None``) is ``""``.

    >>> written_header(" Partner_Country\u200b\x1a"), written_header("MONTANT ")
    ('Partner_Country', 'MONTANT')
    """
    from marsad.ingest.cleaning import BLANK_CHARS

    trim = BLANK_CHARS + "\x1c\x1d\x1e\x1f"  # (and what Python's strip() trims)
    text = "" if name is None else str(name)
    return text.replace("\ufeff", "").strip(trim)


def normalise_header(name: object) -> str:
    """Header cell as matched against field names: as :func:`written_header` shows it,
    quotes dropped, in lower case.

    >>> normalise_header(" Partner_Country\u200b\x1a"), normalise_header('"Amount"')
    ('partner_country', 'amount')
    """
    return written_header(written_header(name).strip('"')).lower()


# -- warehouse tables ----------------------------------------------------------

#: Columns every loaded table adds after its fields: where the version came from.
SOURCE_COLUMNS = (
    "load_id VARCHAR -- the load that brought this version",
    "line BIGINT -- line (or row) in that load's file",
)
#: Columns a history table adds: which load replaced the version, and when.
SUPERSEDED_COLUMNS = ("superseded_by VARCHAR NOT NULL", "superseded_at TIMESTAMP NOT NULL")
_NO_INDEX = (
    "-- the key is unique: ingest guarantees it (duplicates are quarantined,\n"
    "    -- corrections replace). No PRIMARY KEY index: maintaining it cost as much\n"
    "    -- as the whole validation on large loads (bench/bench_ingest.py)."
)


def column_sql(f: Field) -> str:
    """A field's column definition in the warehouse (NOT NULL when required)."""
    return f"{f.name} {f.sql_type}" + (" NOT NULL" if f.required else "")


def _create(table: str, columns: list[str], tail: str = "") -> str:
    """CREATE TABLE with one column a line; a ``-- note`` stays after the comma."""
    lines = []
    for i, column in enumerate(columns):
        text, _, note = column.partition(" -- ")
        comma = "," if i < len(columns) - 1 or tail.startswith("PRIMARY") else ""
        lines.append(f"    {text}{comma}" + (f"  -- {note}" if note else ""))
    if tail:
        lines.append(f"    {tail}")
    return f"CREATE TABLE IF NOT EXISTS {table} (\n" + "\n".join(lines) + "\n);\n"


def table_ddl(kind: Kind) -> str:
    """CREATE TABLE of the table a kind loads into.

    >>> print(table_ddl(RATES), end="")
    CREATE TABLE IF NOT EXISTS rates (
        date DATE NOT NULL,
        currency VARCHAR NOT NULL,
        mad_per_unit DECIMAL(18,6) NOT NULL,
        load_id VARCHAR,  -- the load that brought this version
        line BIGINT,  -- line (or row) in that load's file
        PRIMARY KEY (date, currency)
    );
    """
    columns = [column_sql(f) + (f" -- {f.note}" if f.note else "") for f in kind.fields]
    tail = f"PRIMARY KEY ({', '.join(kind.key)})" if kind.indexed else _NO_INDEX
    return _create(kind.table, columns + list(SOURCE_COLUMNS), tail)


def history_ddl(kind: Kind) -> str:
    """CREATE TABLE of ``<table>_history``: the versions a correction replaced."""
    columns = [column_sql(f) for f in kind.fields]
    source = [c.partition(" -- ")[0] for c in SOURCE_COLUMNS]
    return _create(f"{kind.table}_history", columns + source + list(SUPERSEDED_COLUMNS))


def core_ddl() -> str:
    """The core tables kept in the DuckDB file (``firms``, ``rates``, ``employment``): the
    contract between ingest and build, created when a warehouse is opened for writing.
    The records (``transactions``) live in the record store (:mod:`marsad.engine.records`)."""
    return "".join(table_ddl(k) for k in KINDS.values() if k is not TRANSACTIONS)
