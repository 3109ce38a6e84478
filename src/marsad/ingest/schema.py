"""What each kind of input file holds, and the rules its rows are checked against.

Three kinds of file are loaded: ``transactions`` (the banks' settlement
records), ``firms`` (the registry) and ``rates`` (reference exchange rates).
Each is described once here: its fields, which of them must be present, how a
value is read, which reference list it must belong to, and the key that
identifies a record across loads.

Every quarantined row carries one of the rule ids of :data:`RULES`.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Rule id -> what it checks, in plain words (shown by ``marsad quarantine list``).
RULES: dict[str, str] = {
    "malformed": "the line could not be split into the file's columns "
    "(too many or too few fields, or a quote not closed)",
    "encoding": "the line holds bytes that are not text in the file's encoding",
    "required": "a required value is empty",
    "type": "the value is not of the expected type (a date YYYY-MM-DD, a number)",
    "precision": "the number has more decimals than can be stored",
    "date_range": "the date is outside the accepted range (default 2000-01-01 to today)",
    "flow": "the flow is neither C (export receipt) nor D (import payment)",
    "positive": "the amount or rate is zero or negative",
    "currency": "the currency is not an ISO 4217 code",
    "country": "the partner country is not an ISO 3166-1 alpha-2 code",
    "ebops": "the service code is not an EBOPS 2010 code",
    "segment": "the segment is not one of ITO, CRM, ESO, BPO, KPO",
    "duplicate_in_file": "the same record (same key) appears earlier in the same file",
    "duplicate_in_warehouse": "the record is already in the warehouse with the same content",
}


@dataclass(frozen=True)
class Field:
    """One column of an input file.

    ``type`` is how the value is read: ``text`` (trimmed), ``code`` (trimmed,
    upper case), ``flow`` (C or D), ``date`` (YYYY-MM-DD) or ``decimal``
    (with ``scale`` decimals, read with the file's decimal separator).
    """

    name: str
    type: str = "text"
    required: bool = True  # a value must be given
    in_header: bool = True  # the column must be in the file
    ref: str | None = None  # reference list the value must belong to (= rule id)
    scale: int = 0  # decimals kept, for ``decimal``
    positive: bool = False  # for ``decimal``: must be > 0
    sql_type: str = "VARCHAR"  # type in the warehouse table


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
        Field("record_id"),
        Field("reporter"),
        Field("firm_id", required=False),
        Field("value_date", type="date", sql_type="DATE"),
        Field("flow", type="flow"),
        Field("amount", type="decimal", scale=3, positive=True, sql_type="DECIMAL(18,3)"),
        Field("currency", type="code", ref="currency"),
        Field("service_code", type="code", ref="ebops"),
        Field("partner_country", type="code", ref="country"),
    ),
    key=("reporter", "record_id"),
    amount="amount",
    group="currency",
    noun="record",
)

FIRMS = Kind(
    name="firms",
    table="firms",
    fields=(
        Field("firm_id"),
        Field("name"),
        Field("segment", type="code", ref="segment"),
        Field("isic", required=False, in_header=False),
        Field("city", required=False, in_header=False),
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
        Field("mad_per_unit", type="decimal", scale=6, positive=True, sql_type="DECIMAL(18,6)"),
    ),
    key=("date", "currency"),
    amount=None,
    group="currency",
    noun="rate",
)

KINDS: dict[str, Kind] = {k.name: k for k in (TRANSACTIONS, FIRMS, RATES)}


def get_kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown kind {name!r}: use one of {', '.join(KINDS)}") from None


def normalise_header(name: object) -> str:
    """Header cell as matched against field names: trimmed, lower case, BOM dropped."""
    text = "" if name is None else str(name)
    return text.replace("\ufeff", "").strip().strip('"').strip().lower()
