"""The plain-words message of each quarantined row, as one SQL expression.

A message names the line and column, quotes the raw value of the failing
cell (never another figure of the record) and says what is wrong in words a
compiler can act on:

- a day that does not exist is called that: ``"2023-02-29" does not exist:
  2023 is not a leap year``, ``"2024-04-31" does not exist: April has 30 days``;
- a negative amount in any notation: ``amount is negative: "(1 234,56)"``;
- an amount too large to be a settlement amount, with the limit;
- a code that is not in its list, with a hint for frequent slips
  (:func:`marsad.reference.hints`): ``"UK" is not an ISO 3166-1 alpha-2
  country code: did you mean GB?``;
- the home country as a partner: ``"MA" is the home country …``.
"""

from __future__ import annotations

import datetime as dt

from marsad.engine import quote_literal as _lit
from marsad.ingest.cleaning import (
    DAMAGED,
    WRONG_ENCODING,
    control_code_sql,
    control_name_sql,
)
from marsad.ingest.datetext import LOOKS_TIMED, TIME_OF_DAY
from marsad.ingest.keys import (
    DATE_FORMAT_OF,
    DATE_ISO_OF,
    DATE_SHAPE_OF,
    DECIMAL_OF,
    UNIT_OF,
)
from marsad.ingest.schema import Kind
from marsad.ingest.validate import HINTS, REF_CODES, REF_MESSAGES, number_pattern

_QUOTED = "'\"' || coalesce(_value, '') || '\"'"
#: What a value that looks like a date and a time but is not one is told.
_TIME_WANTED = (
    ", nor a date with a time of day after it (HH:MM or HH:MM:SS, hours 00 to 23, "
    "then optionally a zone: Z or +01:00)"
)
_NOUN = {"amount": "amount", "mad_per_unit": "rate", "jobs": "number of jobs"}


def _no_such_day(iso: str = "_value") -> str:
    """SQL: why the ``Y-M-D`` text ``iso`` (``_value`` by default) names no day, in words."""
    # (the day's digits: a date may be followed by a time of day, ``2023-02-30 10:00``)
    y, m, d = (
        f"TRY_CAST(regexp_extract(split_part({iso}, '-', {k}), '^\\d+') AS INTEGER)"
        for k in (1, 2, 3)
    )
    leap = f"({y} % 4 = 0 AND ({y} % 100 <> 0 OR {y} % 400 = 0))"
    month = f"make_date(2000, {m}, 1)"
    why = f"""CASE
        WHEN {m} NOT BETWEEN 1 AND 12 THEN 'there is no month ' || {m}
        WHEN {d} = 0 THEN 'there is no day 0'
        WHEN {m} = 2 AND {d} = 29 AND NOT {leap} THEN {y} || ' is not a leap year'
        WHEN {m} = 2 THEN 'February has ' || CASE WHEN {leap} THEN 29 ELSE 28 END
                          || ' days in ' || {y}
        ELSE monthname({month}) || ' has ' || day(last_day({month})) || ' days' END"""
    return f"{_QUOTED} || ' does not exist: ' || {why}"


def with_hints(failing: str) -> str:
    """SQL: the rows ``failing`` (a table or a SELECT in brackets, rows of ``_ing_chk``
    that fail a rule) with ``_suggest``, the code the value of a code rule may have
    meant: a hint listed for the value (``MOR`` for ``MAR``), else the code of the list
    that is the value without spaces and punctuation (``M.A.`` is ``MA``), else a hint
    listed for that; NULL for other rules and for values without one.

    Joins, one per lookup: as correlated subqueries in the message, one per list,
    DuckDB looked up every row 15 times over (10 s and 3 GB of memory for 500,000
    quarantined rows)."""
    rule, up = "split_part(s._fail, '|', 1)", "upper(s._value)"
    bare = f"regexp_replace({up}, '[^A-Z0-9]', '', 'g')"
    return f"""(SELECT s.*, coalesce(h1.suggest, c.code, h2.suggest) AS _suggest
        FROM {failing} s
        LEFT JOIN {HINTS} h1 ON h1.list = {rule} AND h1.wrong = {up}
        LEFT JOIN {REF_CODES} c ON c.list = {rule} AND c.code = {bare} AND c.code <> {up}
        LEFT JOIN {HINTS} h2 ON h2.list = {rule} AND h2.wrong = {bare})"""


#: ``: did you mean XX?`` for a code, or '' (see :func:`with_hints`)
_HINT = "coalesce(': did you mean ' || _suggest || '?', '')"


def _too_large(kind: Kind, name: str, limit: int | None) -> str:
    if name == "jobs":
        return f"{_QUOTED} || ' is too large to be a number of jobs (below {limit:,})'"
    if name != "amount":
        return f"{_QUOTED} || ' is too large to be a rate (rates are below {limit:,} MAD per unit)'"
    return (
        f"{_QUOTED} || ' is too large to be a settlement amount "
        f"(amounts are below {limit:,} in the original currency; setting MARSAD_MAX_AMOUNT)'"
    )


def _field_whens(kind: Kind, limits: dict[str, int | None]) -> list[str]:
    """WHEN clauses of the messages of each decimal field's rules."""
    out = []
    for f in kind.fields:
        if f.type != "decimal":
            continue
        noun = _NOUN.get(f.name, f.name)
        precision = f"has more than {f.scale} decimals" if f.scale else "is not a whole number"
        out += [
            f"WHEN _fail = 'precision|{f.name}|' THEN {_QUOTED} || ' {precision}'",
            f"WHEN _fail = 'too_large|{f.name}|' THEN {_too_large(kind, f.name, limits[f.name])}",
            f"WHEN _fail = 'positive|{f.name}|' AND {f.name} < 0 "
            f"THEN '{noun} is negative: ' || {_QUOTED} || ' ({noun}s are positive)'",
            f"WHEN _fail = 'positive|{f.name}|' THEN {_QUOTED} || ' is not a positive {noun}'",
            f"WHEN _fail = 'negative|{f.name}|' "
            f"THEN '{noun} is negative: ' || {_QUOTED} || ' (zero or more expected)'",
        ]
    return out


def _not_a_date() -> str:
    """SQL: why ``_value`` is not a date: not of the form YYYY-MM-DD, or of the
    file's date format; a date of that format's shape that names no day (31/02/2024)
    is told why, as for YYYY-MM-DD."""
    fmt, shape = f"{DATE_FORMAT_OF}(_file)", f"{DATE_SHAPE_OF}(_file)"
    iso = f"regexp_replace(_value, {shape}, {DATE_ISO_OF}(_file))"
    year = f"TRY_CAST(split_part({iso}, '-', 1) AS INTEGER)"
    # (a date of the format's shape may have a time of day after it)
    shaped = f"regexp_full_match(_value, {shape} || {_lit('(' + TIME_OF_DAY + ')?')})"
    timed = (
        f"CASE WHEN regexp_matches(_value, {_lit(LOOKS_TIMED)}) "
        f"THEN {_lit(_TIME_WANTED)} ELSE '' END"
    )
    return f"""CASE WHEN {fmt} = '' THEN {_QUOTED} || ' is not a date of the form YYYY-MM-DD'
            || {timed}
        WHEN {shape} <> '' AND {shaped} AND {year} >= 1000
        THEN {_no_such_day(iso)}
        WHEN {shape} <> '' AND {shaped}
        THEN {_QUOTED} || ' names the year ' || {year} || ': a year from 1000 on is expected'
        ELSE {_QUOTED} || ' is not a date of the form ' || {fmt}
             || ', the date format of this file' || {timed} END"""


def _control() -> str:
    """SQL: which control character ``_value`` holds, and what it tells of the file: a
    C0 control or DEL, damage; a C1 control, most often text converted with the wrong
    encoding (Windows-1252's curly quotes and euro sign read as Latin-1)."""
    name = control_name_sql("_value")
    return (
        f"'the value holds the control character ' || {name} || ', which no id, code or "
        f"text has: ' || CASE WHEN {control_code_sql('_value')} >= 128 "
        f"THEN {_lit(WRONG_ENCODING)} ELSE {_lit(DAMAGED)} END"
    )


def message_sql(
    kind: Kind,
    date_range: tuple[dt.date, dt.date],
    limits: dict[str, int | None],
    home: str = "MA",
) -> str:
    """SQL expression of the plain-words message of a failing row of ``_ing_chk``, read
    through :func:`with_hints`.

    ``limits``: the bound of each decimal field (e.g. ``{"amount": 10**14}``).
    """
    lo, hi = date_range
    after = f"is after {hi.isoformat()}" + (
        " (dates in the future are not accepted)" if hi >= dt.date.today() else ""
    )
    prefix = f"{UNIT_OF}(_file) || ' ' || _line || ', column ' || split_part(_fail, '|', 2) || ': '"
    comma_number = _lit(number_pattern(","))
    sep_hint = (
        f"CASE WHEN {DECIMAL_OF}(_file) = ','"
        " THEN ' (this file uses a decimal comma: state --decimal . if not)'"
        f" WHEN regexp_full_match(_value, {comma_number}) "
        "THEN ' (this file uses a decimal point: write it with a point, or state --decimal ,)'"
        " ELSE '' END"
    )
    whens = [
        ("required", "'a value is required but the field is empty'"),
        (
            "line_break",
            "CASE WHEN contains(_value, chr(10)) THEN 'the value holds a line break, which no "
            "id or code has: a quote opened on this line may not be closed properly, joining "
            "the lines after it into this value' WHEN contains(_value, chr(13)) THEN 'the "
            "value holds a carriage return (CR), which no id or code has: a line end from "
            "another system may have been left inside this line' ELSE 'the value holds a "
            "character that breaks lines (a vertical tab, a form feed, U+0085, U+2028 or "
            "U+2029), which no id or code has' END",
        ),
        ("control", _control()),
        # (a date of the shape of the file's date format is told by that format, even
        # when it looks like YYYY-MM-DD: 2024-30-02 under %Y-%d-%m)
        (
            "type|day",
            f"CASE WHEN {DATE_SHAPE_OF}(_file) <> '' "
            f"AND regexp_full_match(_value, {DATE_SHAPE_OF}(_file)) "
            f"THEN {_not_a_date()} ELSE {_no_such_day()} END",
        ),
        ("type|date", _not_a_date()),
        ("type|number", f"{_QUOTED} || ' is not a number' || {sep_hint}"),
        (
            "period",
            f"{_QUOTED} || ' is not a period: a year (2024), half (2024-S1), "
            "quarter (2024-Q3) or month (2024-07) expected'",
        ),
        # (a date is quoted as written, time of day and all: ``_value`` is the cell
        # before the file's date format rewrote it, validate.written_column)
        ("date_range|before", f"{_QUOTED} || ' is before {lo.isoformat()}'"),
        ("date_range|after", f"{_QUOTED} || ' {after}'"),
        (
            "flow",
            f"{_QUOTED} || ' is not a flow: C (export receipt) or D (import payment) expected'",
        ),
        (
            "resident",
            f"{_QUOTED} || ' is the home country (setting MARSAD_HOME_COUNTRY={home}): "
            "exports and imports are settled with non-resident partners'",
        ),
    ]
    whens += [(ref, f"{_QUOTED} || ' {text}' || {_HINT}") for ref, text in REF_MESSAGES.items()]
    cases = []
    for key, expr in whens:
        rule, _, detail = key.partition("|")
        cond = f"split_part(_fail, '|', 1) = '{rule}'"
        if detail:
            cond += f" AND split_part(_fail, '|', 3) = '{detail}'"
        cases.append(f"WHEN {cond} THEN {expr}")
    cases += _field_whens(kind, limits)
    fallback = "'fails the check ' || split_part(_fail, '|', 1)"
    return f"coalesce(_msg, {prefix} || CASE {' '.join(cases)} ELSE {fallback} END)"
