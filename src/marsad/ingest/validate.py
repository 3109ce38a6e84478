"""Row checks, written as one vectorised SQL pass over the staged text.

Every check of :data:`marsad.ingest.schema.RULES` is a SQL predicate on a
row. The checks run in a fixed order (field by field, in the file's column
order; for one field: required, then type, then range or reference list);
a row is quarantined with its **first** failing check as its rule, column and
message, and the others it fails are listed in ``other_rules``. So there is one
quarantine row per rejected input row, and loaded + quarantined = rows read.

The result is the temporary table ``_ing_chk``: one row per staged row with
``_line``, each field parsed to its warehouse type (NULL when it does not
parse), ``_fail`` (``rule|column|detail`` of the first failing check, NULL
when the row is good), ``_value`` (the raw text of the failing field),
``_others``, ``_record`` (the raw row as JSON, for failing rows; every row of a rates
file), and the
columns later steps fill: ``_msg`` (a message written by the duplicate
checks) and ``_resolved``. What is the same for every row of a file (how it
counts rows, its decimal mark) is not stored on each row but given by the
macros of :func:`marsad.ingest.keys.define_file_macros`, and the control totals'
groups are computed from the parsed fields (:func:`totals_sql`): each column of
the table costs about 0.05 s a batch of 3 million rows to store.
"""

from __future__ import annotations

import datetime as dt

from marsad import reference
from marsad.engine import Warehouse
from marsad.engine import quote_ident as _q
from marsad.engine import quote_literal as _lit
from marsad.errors import BadArgument
from marsad.ingest import cleaning, datetext
from marsad.ingest.keys import CHK, count, define_file_macros
from marsad.ingest.schema import Field, Kind
from marsad.ingest.staging import BatchFile, Staged, drop_staging, raw_table

#: Several staged tables are first copied into this one, so that the checks run in parallel.
STAGE = "_ing_stage"
#: What may group digits besides the other decimal mark: a space (any of Unicode's) or '.
_SPACE = rf"[ {cleaning.UNICODE_SPACES_CLASS}']"

#: The code lists of the checks (list, code), for the messages' hints.
REF_CODES = "_ing_ref_code"

REF_MESSAGES = {
    "currency": "is not an ISO 4217 currency code",
    "country": "is not an ISO 3166-1 alpha-2 country code",
    "ebops": "is not an EBOPS 2010 service code",
    "segment": "is not a segment: ITO, CRM, ESO, BPO or KPO expected",
    "segment_total": "is not a segment: ITO, CRM, ESO, BPO, KPO or TOTAL expected",
}

#: A period as written in the indicator table (RE2): year, half, quarter or month.
PERIOD_PATTERN = r"\d{4}(-S[12]|-Q[1-4]|-(0[1-9]|1[0-2]))?"


#: Hints for frequent slips in codes (list, wrong, suggest), for the messages.
HINTS = "_ing_ref_hint"


def limits(kind: Kind) -> dict[str, int | None]:
    """The bound of each decimal field of ``kind``: a value of it or more is
    ``too_large`` (amount: the lower of 10^14 and ``MARSAD_MAX_AMOUNT``).

    >>> from marsad.ingest.schema import RATES
    >>> limits(RATES)
    {'mad_per_unit': 1000000}
    """
    from marsad.settings import get_settings

    out = {f.name: f.limit for f in kind.fields if f.type == "decimal"}
    if out.get("amount") is not None:
        out["amount"] = min(out["amount"], get_settings().max_amount)
    return out


def check_date_range(lo: dt.date, hi: dt.date) -> None:
    """Refuse a range of accepted dates whose start is after its end (every row
    would be quarantined): :class:`~marsad.errors.BadArgument`, nothing loaded.

    >>> check_date_range(dt.date(2025, 1, 1), dt.date(2024, 1, 1))
    Traceback (most recent call last):
    marsad.errors.BadArgument: the earliest date accepted (--min-date or MARSAD_MIN_VALUE_DATE, 2025-01-01) is after the latest (--max-date or MARSAD_MAX_VALUE_DATE, 2024-01-01): nothing was loaded
    """  # noqa: E501
    if lo > hi:
        raise BadArgument(
            f"the earliest date accepted (--min-date or MARSAD_MIN_VALUE_DATE, {lo.isoformat()})"
            f" is after the latest (--max-date or MARSAD_MAX_VALUE_DATE, {hi.isoformat()}):"
            " nothing was loaded"
        )


def code_lists() -> dict[str, list[str]]:
    """The code lists of the checks, by name (``currency``: ISO 4217, ``country``:
    ISO 3166-1 alpha-2, ``ebops``: EBOPS 2010, ``segment``, ``segment_total``)."""
    return {
        "currency": sorted(reference.currencies()),
        "country": sorted(reference.countries()),
        "ebops": sorted(reference.ebops()),
        "segment": list(reference.SEGMENT_CODES),
        "segment_total": [*reference.SEGMENT_CODES, reference.TOTAL],
    }


def in_list_sql(value: str, ref: str) -> str:
    """SQL: ``value`` (not NULL) is not a code of the list ``ref``, by a cast to an
    ENUM of the list (a hash lookup, as fast as a join with the list, 0.28 s against
    0.23 s for three lists on 3.3M rows; a constant ``IN`` list took 1.89 s). A
    join is what the checks must not hold: with no join, DuckDB keeps the rows'
    order, which gives each row its line (:mod:`marsad.ingest.text.group`).

    >>> in_list_sql("x", "segment")
    "TRY_CAST(x AS ENUM('ITO', 'CRM', 'ESO', 'BPO', 'KPO')) IS NULL"
    """
    codes = ", ".join(_lit(c) for c in code_lists()[ref])
    return f"TRY_CAST({value} AS ENUM({codes})) IS NULL"


def register_references(wh: Warehouse) -> None:
    """Expose the code lists (for the messages' hints), and the hints of the
    messages, as temporary tables."""
    pairs = [(ref, code) for ref, codes in code_lists().items() for code in codes]
    wh.sql(
        f"""CREATE OR REPLACE TEMP TABLE {REF_CODES} AS
            SELECT unnest(?::VARCHAR[]) AS list, unnest(?::VARCHAR[]) AS code""",
        [[p[0] for p in pairs], [p[1] for p in pairs]],
    )
    rows = [
        (ref, wrong, code)
        for ref, pairs in reference.hints().items()
        for wrong, code in pairs.items()
    ]
    wh.sql(
        f"""CREATE OR REPLACE TEMP TABLE {HINTS} AS
            SELECT unnest(?::VARCHAR[]) AS list, unnest(?::VARCHAR[]) AS wrong,
                   unnest(?::VARCHAR[]) AS suggest""",
        [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]],
    )


_NEG = r"[\-\x{2212}]"
#: The first group of a number grouped by thousands: 1 to 3 digits, not starting with 0.
_LEAD = r"[1-9]\d{0,2}"


def _body(decimal: str) -> str:
    """Digits with ``decimal`` as separator, optionally grouped by thousands; a
    grouped number starts with a digit 1-9 (``0.500`` or ``012.345`` is no
    thousands: read under a decimal comma as 500, it is a number written with the
    other mark, and not a number of this file)."""
    if decimal == ".":
        return rf"(\d+|{_LEAD}(,\d{{3}})+|{_LEAD}({_SPACE}\d{{3}})+)(\.\d+)?"
    return rf"(\d+|{_LEAD}(\.\d{{3}})+|{_LEAD}({_SPACE}\d{{3}})+)(,\d+)?"


def number_pattern(decimal: str) -> str:
    r"""Regular expression (RE2) of a number written with ``decimal`` as separator,
    optionally grouped by thousands (``1,234.5``, ``1 234,56``, ``1.234,5``),
    negative in any of the accounting notations: ``-1234,56``, ``−1234,56``
    (Unicode minus), ``1234,56-``, ``(1 234,56)``.

    >>> print(number_pattern(".").replace(_body("."), "N"))
    ([+]|[\-\x{2212}])?N|N-|\(N\)
    """
    b = _body(decimal)
    return rf"([+]|{_NEG})?{b}|{b}-|\({b}\)"


def _plain_pattern(decimal: str, scale: int) -> str:
    """The common case, read without any rewriting: ``1234.5``."""
    d = r"\." if decimal == "." else ","
    if not scale:
        return r"\d{1,18}"
    return rf"\d{{1,{18 - scale}}}({d}\d{{1,{scale}}})?"


def _normalised(v: str, decimal: str) -> str:
    """SQL: the number as ``[-]digits[.digits]`` (grouping, signs and brackets
    dropped, ``.`` as decimal; ``-`` first when the text is negative)."""
    group = "," if decimal == "." else "."
    dropped = f"[{group}+ {cleaning.UNICODE_SPACES_CLASS}''()\\-\\x{{2212}}]"
    text = f"regexp_replace({v}, '{dropped}', '', 'g')"
    text = text if decimal == "." else f"replace({text}, ',', '.')"
    negative = f"regexp_matches({v}, '^[(\\-\\x{{2212}}]|-$')"
    return f"CASE WHEN {negative} THEN '-' ELSE '' END || {text}"


def _v(f: Field) -> str:
    return _q("v_" + f.name)


def _n(f: Field) -> str:
    return _q("n_" + f.name)


def _by_decimal(decimals: set[str], make) -> str:
    """SQL built by ``make(decimal)``, for the decimal separator of each row."""
    if len(decimals) == 1:
        return make(next(iter(decimals)))
    return f"CASE WHEN _dec = ',' THEN {make(',')} ELSE {make('.')} END"


def written_column(name: str) -> str:
    """The column of a staged file read with a date format holding the date field
    ``name``'s cell as the file wrote it (``_w_value_date``: ``1/1/1999`` where the
    field holds ``1999-01-01``), for the quarantine to quote
    (:func:`marsad.ingest.readers.with_date_format`)."""
    return "_w_" + name


def _written(kind: Kind, parts: list[tuple[int, Staged]]) -> list[str]:
    """The :func:`written_column` of each date field of ``kind`` when a file of
    ``parts`` is read with a date format (its source gives them), else none."""
    if not any(st.date_format for _, st in parts):
        return []
    return [written_column(f.name) for f in kind.fields if f.type == "date"]


def sources(parts: list[tuple[int, Staged]], written: list[str] = ()) -> list[str]:
    """SELECTs of the staged rows of the files, each with ``_file``, ``_dec``,
    ``_unit``, ``_line``, the fields, ``_blank`` and the ``written`` columns (NULL in
    a file read without a date format; a group of files read together has one SELECT
    for all)."""
    out = []
    for i, st in parts:
        pad = "".join(f", NULL::VARCHAR AS {_q(w)}" for w in written if not st.date_format)
        if st.full_source:
            if st.source:
                out.append(f"SELECT *{pad} FROM ({st.source})" if pad else st.source)
        else:
            out.append(
                f"SELECT {i} AS _file, {_lit(st.decimal)} AS _dec, {_lit(st.unit)} AS _unit, "
                f"*{pad} FROM ({st.source})"
            )
    return out


def union_sql(kind: Kind, parts: list[tuple[int, Staged]]) -> str:
    """The staged rows of several files, one after the other, with their file number."""
    return " UNION ALL ".join(sources(parts, _written(kind, parts)))


def check_batch(
    wh: Warehouse, kind: Kind, files: list[BatchFile], date_range: tuple[dt.date, dt.date]
) -> None:
    """Build ``_ing_chk`` from the staged rows of ``files`` and the rows already
    checked (``Staged.checked``, read and checked in one pass); drop the staging
    tables; count each file's blank rows (staged, but not checked)."""
    parts = [(f.index, f.staged) for f in files]
    staged_rows = {
        f.index: f.staged.rows_staged
        if f.staged.rows_staged is not None
        else count(wh, raw_table(f.index))
        for f in files
    }
    checked = [st.checked for _, st in parts if st.checked]
    # (the other files of a group read and checked in one pass have no source of their own)
    rest = [(i, st) for i, st in parts if not st.checked]
    stage = None
    if len(sources(rest)) > 1:
        # many small tables: one table, so that the checks run in parallel
        stage = STAGE
        wh.sql(f"CREATE OR REPLACE TEMP TABLE {stage} AS {union_sql(kind, rest)}")
        drop_staging(wh, keep=(stage, *checked))
    define_file_macros(
        wh, {f.index: (f.staged.unit, f.staged.decimal, f.staged.date_format) for f in files}
    )
    wh.sql(f"DROP TABLE IF EXISTS {CHK}")
    if checked:
        wh.sql(f"ALTER TABLE {checked[0]} RENAME TO {CHK}")
        for table in checked[1:]:
            wh.sql(f"INSERT INTO {CHK} BY NAME SELECT * FROM {table}")
        if sources(rest):
            wh.sql(f"INSERT INTO {CHK} BY NAME " + check_sql(kind, rest, date_range, stage))
    else:
        wh.sql(f"CREATE TEMP TABLE {CHK} AS " + check_sql(kind, parts, date_range, stage))
    drop_staging(wh, keep=(CHK,))
    per_file = dict(wh.sql(f"SELECT _file, count(*) FROM {CHK} GROUP BY _file"))
    for f in files:
        f.staged.blank_rows = (
            f.staged.blank_lines + staged_rows[f.index] - int(per_file.get(f.index, 0))
        )
    _time_notes(wh, kind, files)


def _time_notes(wh: Warehouse, kind: Kind, files: list[BatchFile]) -> None:
    """Note, in each file, the dates written with a time of day (their date was taken,
    as from a Parquet timestamp or an Excel date and time)."""
    by_index = {f.index: f for f in files}
    for fld in kind.fields:
        if fld.type != "date":
            continue
        tod = _q(time_of_day_column(fld.name))
        for i, n, first, last in wh.sql(
            f"SELECT _file, count({tod}), min({tod}), max({tod}) FROM {CHK} "
            f"WHERE {tod} IS NOT NULL GROUP BY _file ORDER BY _file"
        ):
            st = by_index[int(i)].staged
            column = next((c for c, x in st.renamed.items() if x == fld.name), fld.name)
            st.notes.append(cleaning.time_of_day_note(column, int(n), first, last))


Check = tuple[str, str]  # (SQL condition, "rule|column|detail")

#: The kinds whose good rows keep their record as written too (``_record``): a rate
#: passes the checks and may be quarantined later as an implausible spike
#: (:mod:`marsad.ingest.plausible`), quoted as the file wrote it (``108,5``, not
#: ``108.500000``). A rates file is small; the other kinds' good rows keep none (each
#: column of 3 million rows costs about 0.05 s to store).
_RECORD_EVERY_ROW = ("rates",)


def _date_checks(f: Field, lo: dt.date, hi: dt.date) -> tuple[list[str], list[Check]]:
    """(parsed column, checks) of a date field: YYYY-MM-DD, or YYYY-MM-DD and a time of
    day (its date taken, :mod:`marsad.ingest.datetext`), within the range; a date of
    that form that names no day (2023-02-29) is told apart (``day``)."""
    v, name = _v(f), _q(f.name)
    iso = datetext.iso_shape_sql(v)
    return [f"{datetext.date_sql(v)} AS {name}"], [
        (f"{v} IS NOT NULL AND {name} IS NULL AND {iso}", f"type|{f.name}|day"),
        # (not both: a rule is listed once in a row's other rules)
        (f"{v} IS NOT NULL AND {name} IS NULL AND NOT {iso}", f"type|{f.name}|date"),
        (f"{name} < DATE '{lo.isoformat()}'", f"date_range|{f.name}|before"),
        (f"{name} > DATE '{hi.isoformat()}'", f"date_range|{f.name}|after"),
    ]


def time_of_day_column(name: str) -> str:
    """The column of ``_ing_chk`` holding the time of day of the date field ``name``
    (``HH:MM:SS``, NULL for a date without one), for the load's note."""
    return "_tod_" + name


def _decimal_checks(
    f: Field, decimals: set[str], limit: int | None
) -> tuple[list[str], list[str], list[Check]]:
    """(number columns, parsed column, checks) of a decimal field.

    ``k_<field>`` tells a plain number (``p``: read as is) from one that needs
    rewriting (``g``: grouped digits, signs), ``n_<field>`` is the rewritten text.
    A value of ``limit`` or more (in absolute value) is ``too_large``.
    """
    v, n, name, k = _v(f), _n(f), f.name, _q("k_" + f.name)
    plain = _by_decimal(
        decimals, lambda d: f"regexp_full_match({v}, {_lit(_plain_pattern(d, f.scale))})"
    )
    grammar = _by_decimal(decimals, lambda d: f"regexp_full_match({v}, {_lit(number_pattern(d))})")
    cast = _by_decimal(decimals, lambda d: v if d == "." else f"replace({v}, ',', '.')")
    normalised = _by_decimal(decimals, lambda d: _normalised(v, d))
    numbers = [
        f"CASE WHEN {plain} THEN 'p' WHEN {grammar} THEN 'g' END AS {k}",
        f"CASE WHEN {grammar} AND NOT {plain} THEN {normalised} END AS {n}",
    ]
    big = f"NOT regexp_full_match({n}, '[+-]?0*\\d{{1,{18 - f.scale}}}(\\.\\d*)?')"
    fine = f"NOT regexp_full_match({n}, '[+-]?\\d+(\\.\\d{{0,{f.scale}}}0*)?')"
    parsed = (
        f"CASE WHEN {k} = 'p' THEN TRY_CAST({cast} AS {f.sql_type}) "
        f"WHEN {k} = 'g' AND NOT ({big}) AND NOT ({fine}) "
        f"THEN TRY_CAST({n} AS {f.sql_type}) END AS {_q(name)}"
    )
    checks = [
        (f"{v} IS NOT NULL AND {k} IS NULL", f"type|{name}|number"),
        (f"{k} = 'g' AND {big}", f"too_large|{name}|"),
        (f"{k} = 'g' AND {fine}", f"precision|{name}|"),
    ]
    if limit is not None:
        checks.append((f"abs({_q(name)}) >= {int(limit)}", f"too_large|{name}|"))
    if f.positive:
        checks.append((f"{_q(name)} <= 0", f"positive|{name}|"))
    if f.non_negative:
        checks.append((f"{_q(name)} < 0", f"negative|{name}|"))
    return numbers, [parsed], checks


def _code_checks(f: Field, home: str) -> tuple[list[str], list[Check]]:
    """(parsed column, checks) of a flow, a code, or plain text; a ``not_home``
    code equal to ``home`` (the home country) is ``resident``."""
    v, name = _v(f), f.name
    if f.type == "period":
        bad = f"{v} IS NOT NULL AND NOT regexp_full_match(upper({v}), {_lit(PERIOD_PATTERN)})"
        return [f"upper({v}) AS {_q(name)}"], [(bad, f"period|{name}|")]
    if f.type == "flow":
        flow = (f"{v} IS NOT NULL AND upper({v}) NOT IN ('C', 'D')", f"flow|{name}|")
        return [f"upper({v}) AS {_q(name)}"], [flow]
    if f.type == "code":
        checks = []
        if f.ref:
            not_listed = in_list_sql(f"upper({v})", f.ref)
            checks.append((f"{v} IS NOT NULL AND {not_listed}", f"{f.ref}|{name}|"))
        if f.not_home:
            checks.append((f"upper({v}) = {_lit(home.upper())}", f"resident|{name}|"))
        return [f"upper({v}) AS {_q(name)}"], checks
    return [f"{v} AS {_q(name)}"], []


#: SQL: the value ``{v}`` holds a character that breaks lines: LF, CR, or the others
#: (vertical tab, form feed, U+0085, U+2028, U+2029: its ends are trimmed of them)
_OTHER_BREAKS = "\\x0b\\x0c\\x{85}\\x{2028}\\x{2029}"  # (RE2 class body)
LINE_BREAK_SQL = (
    "(contains({v}, chr(10)) OR contains({v}, chr(13)) OR regexp_matches({v}, '["
    + _OTHER_BREAKS.replace("{", "{{").replace("}", "}}")
    + "]'))"
)
#: The characters :data:`LINE_BREAK_SQL` looks for, as an RE2 class body.
_LINE_BREAK_CLASS = "\\x0a\\x0d" + _OTHER_BREAKS


def _field_checks(
    kind: Kind,
    decimals: set[str],
    lo: dt.date,
    hi: dt.date,
    plain: bool = False,
    controls: bool = False,
) -> tuple[list[str], list[str], list[Check]]:
    """(number columns, parsed columns, checks in order) of every field of the kind;
    ``plain``: no value holds a line break (no ``line_break`` check); ``controls``: a
    value may hold a control character, where the row's ``_ctl`` says so (``control``
    check of every field, before its type: a date holding Ctrl-A is told that, not
    that it is no date)."""
    from marsad.settings import get_settings

    home = get_settings().home_country
    bounds = limits(kind)
    numbers: list[str] = []
    parsed: list[str] = []
    checks: list[Check] = []
    for f in kind.fields:
        if f.required:
            checks.append((f"{_v(f)} IS NULL", f"required|{f.name}|"))
        if f.type in ("text", "code") and not f.free_text and not plain:
            # a quote closed lines later joins them into one value: never an id or a code
            v = _v(f)
            # (only in a row whose fields joined hold one: ``_lb``, see check_sql)
            held = f"CASE WHEN _lb THEN {LINE_BREAK_SQL.format(v=v)} ELSE false END"
            checks.append((held, f"line_break|{f.name}|"))
        if controls:
            held = f"CASE WHEN _ctl THEN {cleaning.control_sql(_v(f))} ELSE false END"
            checks.append((held, f"control|{f.name}|"))
        if f.type == "date":
            p, c = _date_checks(f, lo, hi)
        elif f.type == "decimal":
            nums, p, c = _decimal_checks(f, decimals, bounds[f.name])
            numbers += nums
        else:
            p, c = _code_checks(f, home)
        parsed += p
        checks += c
    return numbers, parsed, checks


def _as_written(f: Field, written: bool) -> str:
    """SQL: the value of the field ``f`` as the file wrote it: its cleaned text, or for
    a date read with the file's date format (``written``), the cell before it was
    rewritten YYYY-MM-DD (trimmed as the format read it)."""
    if f.type != "date" or not written:
        return _v(f)
    raw = _q(written_column(f.name))
    return (
        f"CASE WHEN {_q(f.name)} IS NOT NULL AND {raw} IS NOT NULL "
        f"THEN {cleaning.strip_sql(raw)} ELSE {_v(f)} END"
    )


def _outcome_sql(
    kind: Kind, checks: list[Check], written: bool = False
) -> tuple[str, str, str, str, str]:
    """SQL of (flags, _fail, other rules, failing value, raw record) from the checks;
    ``written``: the source gives the dates' cells as written (:func:`written_column`),
    which the value and the record quote."""
    # each check is computed once, as a boolean column _b<i>
    flags = ", ".join(f"coalesce({c}, false) AS _b{i}" for i, (c, _) in enumerate(checks))
    whens = " ".join(f"WHEN _b{i} THEN {_lit(code)}" for i, (_, code) in enumerate(checks))
    fail = f"CASE {whens} END"
    # every failing check, in order; the first is _fail itself, so it is cut off
    listed = ", ".join(
        f"CASE WHEN _b{i} THEN {_lit(code.split('|')[0] + ' (' + code.split('|')[1] + ')')} END"
        for i, (_, code) in enumerate(checks)
    )
    first = "split_part(_fail, '|', 1) || ' (' || split_part(_fail, '|', 2) || ')'"
    others = f"substr(concat_ws(', ', {listed}), length({first}) + 3)"
    value = (
        "CASE split_part(_fail, '|', 2) "
        + " ".join(f"WHEN {_lit(f.name)} THEN {_as_written(f, written)}" for f in kind.fields)
        + " END"
    )
    pairs = ", ".join(f"{_q(f.name)} := {_as_written(f, written)}" for f in kind.fields)
    record = f"to_json(struct_pack({pairs}))::VARCHAR"
    return flags, fail, others, value, record


def totals_sql(kind: Kind) -> tuple[str, str, str]:
    """SQL over ``_ing_chk`` of what the control totals group and sum a row by: its
    group (the kind's ``group`` field, upper case, ``(none)`` when empty), its flow
    (``C``, ``D``, ``(none)`` or ``(other)``) and its amount (the first decimal
    field as DECIMAL(18,3), NULL when it is not a number).

    >>> from marsad.ingest.schema import TRANSACTIONS
    >>> grp, flow, amount = totals_sql(TRANSACTIONS)
    >>> print(grp, amount)
    coalesce("currency", '(none)') "amount"::DECIMAL(18,3)
    """
    # a code, flow or text field is stored as its cleaned text (codes, flows and
    # periods in upper case already), NULL when empty: the groups of the text itself
    amount_f = next((f for f in kind.fields if f.type == "decimal"), None)
    amt = f"{_q(amount_f.name)}::DECIMAL(18,3)" if amount_f is not None else "NULL::DECIMAL(18,3)"
    grp = "'(all)'"
    if kind.group:
        group = kind.field(kind.group)
        assert group.type in ("code", "text", "flow", "period"), kind.group
        text = _q(group.name) if group.type != "text" else f"upper({_q(group.name)})"
        grp = f"coalesce({text}, '(none)')"
    flow = (
        "CASE WHEN flow IN ('C', 'D') THEN flow WHEN flow IS NULL THEN '(none)' ELSE '(other)' END"
        if "flow" in kind.field_names
        else "NULL::VARCHAR"
    )
    return grp, flow, amt


def _in_files(files: list[int], parts: list[tuple[int, Staged]], sql: str) -> str:
    """SQL: ``sql`` for the rows of the ``files`` of ``parts``, false for the others."""
    if len(files) == len(parts):
        return sql
    listed = ", ".join(str(i) for i in files)
    return f"CASE WHEN _file IN ({listed}) THEN {sql} ELSE false END"


def check_sql(
    kind: Kind,
    parts: list[tuple[int, Staged]],
    date_range: tuple[dt.date, dt.date],
    source: str | None = None,
) -> str:
    """The SELECT that builds ``_ing_chk`` from the staged rows of the files
    ``parts`` (file number in the batch, staged file): their sources, or ``source``
    (a table, or a SELECT in brackets, giving their rows as the sources would).

    ``_line`` is the source's: a source may give NULL there and fill it in the table
    made of this SELECT (:mod:`marsad.ingest.text.group`)."""
    lo, hi = date_range
    decimals = {st.decimal for _, st in parts}
    src = source if source else "(" + union_sql(kind, parts) + ")"
    written = _written(kind, parts)
    # plain text files (ASCII, no quote, space, tab, apostrophe, stray CR or control
    # character: most bank files) hold no value that cleaning changes, with a line
    # break or a control character: those rules are left out
    plain = all(st.plain and not st.controls for _, st in parts)
    # the files whose values may hold a control character (not a text file without one)
    ctl_files = sorted(i for i, st in parts if st.controls)
    if plain:
        cleaning_ctes = "e AS (SELECT * FROM src WHERE NOT _blank)"
        trims = [f"NULLIF({_q(f.name)}, '') AS {_v(f)}" for f in kind.fields]
        trims.append("0 AS _cleaned")
    else:
        # cleaning is slow: only rows with a space at a field's edge, an invisible
        # character or a formula guard (see marsad.ingest.cleaning); concat() reads a
        # NULL as '' (the same text as concat_ws of coalesced fields, cheaper)
        sep = f", {_lit(cleaning.JOINER)}, "
        joined = "concat(" + sep.join(_q(f.name) for f in kind.fields) + ")"
        # and a control character is looked for once a row, in the files that may hold
        # one; a line break too (``_lb``: no field of a row without one is looked at),
        # both by one regular expression first where there are control characters to
        # look for (a Parquet file's text: seven searches a row were 2.3 s of 16 at 10M)
        ctl = _in_files(ctl_files, parts, cleaning.control_sql("_joined"))
        lb = LINE_BREAK_SQL.format(v="_joined")
        odd = f"[{cleaning.CONTROL_CLASS}{_LINE_BREAK_CLASS}]"
        if ctl_files:
            flags = (f", CASE WHEN _odd THEN {lb} ELSE false END AS _lb"
                     f", CASE WHEN _odd THEN {ctl} ELSE false END AS _ctl")  # fmt: skip
            joined_ctes = (
                f"j0 AS (SELECT *, {joined} AS _joined FROM src WHERE NOT _blank),\n"
                f"j AS (SELECT *, regexp_matches(_joined, {_lit(odd)}) AS _odd FROM j0),\n"
            )
            dropped = "_joined, _odd"
        else:
            flags = f", {lb} AS _lb"
            joined_ctes = f"j AS (SELECT *, {joined} AS _joined FROM src WHERE NOT _blank),\n"
            dropped = "_joined"
        cleaning_ctes = (
            joined_ctes + f"e AS (SELECT * EXCLUDE ({dropped}), "
            f"{cleaning.dirty_sql('_joined')} AS _dirty{flags} FROM j)"
        )
        trims = [
            f"NULLIF(CASE WHEN _dirty THEN {cleaning.clean_sql(f.name, f.free_text)} "
            f"ELSE {_q(f.name)} END, '') AS {_v(f)}"
            for f in kind.fields
        ]
        counted = " + ".join(cleaning.cleaned_sql(f.name) for f in kind.fields if not f.free_text)
        trims.append(f"CASE WHEN _dirty THEN {counted} ELSE 0 END AS _cleaned")
        trims.append("_lb")
        if ctl_files:
            trims.append("_ctl")
    numbers, parsed, checks = _field_checks(kind, decimals, lo, hi, plain, bool(ctl_files))
    flags, fail, others, value, record = _outcome_sql(kind, checks, bool(written))
    failing_record = f"CASE WHEN _fail IS NOT NULL THEN {record} END"
    field_cols = ", ".join(_q(f.name) for f in kind.fields)
    # (a date written with a time of day: the time, for the load's note; NULL mostly)
    field_cols += "".join(
        f", {datetext.time_of_day_sql(_v(f), _q(f.name))} AS {_q(time_of_day_column(f.name))}"
        for f in kind.fields
        if f.type == "date"
    )
    return f"""
WITH src AS (SELECT * FROM {src}),
{cleaning_ctes},
v AS (SELECT _file, _dec, _unit, _line, {", ".join(trims + [_q(w) for w in written])} FROM e),
n AS (SELECT *{", " if numbers else ""}{", ".join(numbers)} FROM v),
p AS (SELECT *, {", ".join(parsed)} FROM n),
b AS (SELECT *, {flags} FROM p),
c AS (SELECT *, {fail} AS _fail FROM b)
SELECT _file, _line, {field_cols}, _fail,
       CASE WHEN _fail IS NOT NULL THEN {value} END AS _value,
       CASE WHEN _fail IS NOT NULL THEN NULLIF({others}, '') END AS _others,
       {record if kind.name in _RECORD_EVERY_ROW else failing_record} AS _record,
       _cleaned,
       NULL::VARCHAR AS _msg, NULL::VARCHAR AS _resolved
FROM c
"""
