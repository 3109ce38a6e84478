"""Property: the faster checks give exactly what the earlier SQL gave.

* which rows need cleaning (``_dirty``): ``concat`` of the fields against the
  earlier ``concat_ws`` of coalesced fields, and :func:`~marsad.ingest.cleaning.dirty_sql`
  (an ASCII prefilter) against the regular expression alone, on random values holding
  NULLs, spaces at the edges, no-break spaces, invisible characters, line ends,
  formula guards and the joiner of the row itself: a row needs cleaning when one of its
  fields, alone, would;
* which rows hold a control character (``_ctl``): the row joined, against its fields
  one by one;
* duplicates in a file and keys repeated across files: the hash-of-keys
  pass (:func:`marsad.ingest.versions.find_repeats`, one for both) against the earlier
  ``GROUP BY`` on the whole key, on random batches with repeats, also when
  every key hashes alike (each row is then a candidate: the exact key decides).
"""

from __future__ import annotations

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsad.engine import quote_ident, quote_literal
from marsad.engine.warehouse import Warehouse
from marsad.ingest import cleaning, versions
from marsad.ingest.keys import CHK, define_file_macros, key_cols
from marsad.ingest.schema import get_kind
from marsad.ingest.staging import create_from_arrow

KIND = get_kind("transactions")
FIELDS = [f.name for f in KIND.fields]
PIECES = [
    "\u3000",
    "\u2003",
    "\u200e",
    "",
    " ",
    "A",
    "7",
    "'",
    "'=",
    "'-",
    "\u00a0",
    "\u202f",
    "\u200b",
    "\ufeff",
    "\t",
    "\r",
    "\n",
    "é",
    ",",
    "=",
    "|",  # the joiner of the row (cleaning.JOINER)
    "\x01",
]
value = st.one_of(st.none(), st.lists(st.sampled_from(PIECES), max_size=4).map("".join))
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _table(wh: Warehouse, name: str, rows: list[dict]) -> None:
    cols = {c: pa.array([r[c] for r in rows], pa.string()) for c in FIELDS}
    create_from_arrow(wh, name, pa.table(cols))


@SETTINGS
@given(rows=st.lists(st.fixed_dictionaries({c: value for c in FIELDS}), min_size=1, max_size=30))
def test_dirty_rows_are_the_same(wh, rows):
    _table(wh, "_t_rows", rows)
    pattern = quote_literal(cleaning.dirty_pattern())
    joiner = quote_literal(cleaning.JOINER)
    old = f"concat_ws({joiner}, " + ", ".join(f"coalesce({quote_ident(c)}, '')" for c in FIELDS)
    new = "concat(" + f", {joiner}, ".join(quote_ident(c) for c in FIELDS) + ")"
    # a row looks dirty when one of its fields would, alone (also one holding the joiner)
    alone = " OR ".join(
        f"regexp_matches(coalesce({quote_ident(c)}, ''), {pattern})" for c in FIELDS
    )
    got = wh.sql(
        f"SELECT regexp_matches({old}), {pattern}) IS NOT DISTINCT FROM "
        f"regexp_matches({new}, {pattern}), {old}) = {new}, "
        f"{cleaning.dirty_sql(new)} IS NOT DISTINCT FROM regexp_matches({new}, {pattern}), "
        f"regexp_matches({new}, {pattern}) = ({alone}) "
        "FROM _t_rows"
    )
    # the ASCII prefilter of dirty_sql decides as the regular expression does
    assert all(a and b and c and d for a, b, c, d in got)


@SETTINGS
@given(rows=st.lists(st.fixed_dictionaries({c: value for c in FIELDS}), min_size=1, max_size=30))
def test_a_row_holds_a_control_character_when_one_of_its_fields_does(wh, rows):
    """Looked for once a row, in its fields joined (the joiner is none)."""
    _table(wh, "_t_rows", rows)
    joined = (
        "concat(" + f", {quote_literal(cleaning.JOINER)}, ".join(map(quote_ident, FIELDS)) + ")"
    )
    any_field = " OR ".join(
        f"coalesce({cleaning.control_sql(quote_ident(c))}, false)" for c in FIELDS
    )
    got = wh.sql(f"SELECT {cleaning.control_sql(joined)} = ({any_field}) FROM _t_rows")
    assert all(same for (same,) in got)


def _old_duplicates(wh: Warehouse) -> list[tuple]:
    """The earlier query: GROUP BY the whole key, then a window over those rows."""
    keys = key_cols(KIND)
    firsts = ", ".join(
        f"first_value({quote_ident(f)}) OVER w AS {quote_ident('first_' + f)}"
        for f in KIND.value_fields
    )
    same = " AND ".join(
        f"{quote_ident(f)} IS NOT DISTINCT FROM {quote_ident('first_' + f)}"
        for f in KIND.value_fields
    )
    return wh.sql(
        f"""WITH ok AS (SELECT * FROM {CHK} WHERE _fail IS NULL),
        d AS (SELECT _file, {keys} FROM ok GROUP BY ALL HAVING count(*) > 1),
        x AS (SELECT ok.*, row_number() OVER w AS rn, first_value(_line) OVER w AS first_line,
                     {firsts}
              FROM ok SEMI JOIN d USING (_file, {keys})
              WINDOW w AS (PARTITION BY _file, {keys} ORDER BY _line))
        SELECT _file, _line, first_line, {same} AS same FROM x WHERE rn > 1 ORDER BY ALL"""
    )


row = st.tuples(
    st.integers(0, 2),  # file
    st.sampled_from(["R1", "R2", "R3", None]),  # record_id
    st.sampled_from(["B1", "B2"]),  # reporter
    st.sampled_from(["1.000", "2.500"]),  # amount
    st.booleans(),  # failed a check
)


@SETTINGS
@given(rows=st.lists(row, max_size=40), collide=st.booleans())
def test_repeated_keys_are_the_same(wh, monkeypatch, rows, collide):
    wh.sql(
        f"""CREATE OR REPLACE TEMP TABLE {CHK} AS SELECT * FROM (VALUES
            (0, 0::BIGINT, 'x', 'x', NULL::VARCHAR, NULL::DATE, 'C', 1.0::DECIMAL(18,3), 'EUR',
             'SI2', 'FR', 'x', NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR))
            t(_file, _line, record_id, reporter, firm_id, value_date, flow, amount, currency,
              service_code, partner_country, _fail, _value, _record, _msg, _resolved)
            LIMIT 0"""
    )
    define_file_macros(wh, {i: ("line", ".", "") for i in range(3)})
    for line, (file, rid, rep, amount, failed) in enumerate(rows, start=2):
        failed = failed or rid is None  # every key column is required: a row without fails
        wh.sql(
            f"INSERT INTO {CHK} BY NAME SELECT ? AS _file, ? AS _line, ? AS record_id, "
            "? AS reporter, 'C' AS flow, ?::DECIMAL(18,3) AS amount, 'EUR' AS currency, "
            "'SI2' AS service_code, 'FR' AS partner_country, ? AS _fail",
            [file, line, rid, rep, amount, "type|amount|" if failed else None],
        )
    if collide:  # every key hashes alike: only the exact key may decide
        monkeypatch.setattr(versions, "key_hash", lambda kind, alias="": "42")
    expected = _old_duplicates(wh)
    versions.mark_duplicates_in_file(wh, KIND)
    got = wh.sql("SELECT _file, _line, first_line, same FROM _ing_dupf ORDER BY ALL")
    assert got == expected
    # keys in several files: the earlier GROUP BY against the hash pass
    old_multi = wh.sql(
        f"SELECT {key_cols(KIND)} FROM {CHK} WHERE _fail IS NULL "
        "GROUP BY ALL HAVING count(*) > 1 ORDER BY ALL"
    )
    frm = versions.repeated_keys(KIND, "_fail IS NULL")
    new_multi = wh.sql(
        f"SELECT {key_cols(KIND, 'c')} FROM {frm} GROUP BY ALL HAVING count(*) > 1 ORDER BY ALL"
    )
    assert new_multi == old_multi


def test_the_sql_and_python_spaces_are_the_same_characters(wh):
    """Every character of the Basic and Supplementary planes: the RE2 class of spaces
    (cleaning's SQL) names exactly WS_CHARS (its Python), and blank_sql exactly
    BLANK_CHARS (holds_nothing)."""
    chars = [chr(i) for i in range(1, 0x30000) if not 0xD800 <= i <= 0xDFFF]
    create_from_arrow(wh, "_t_chars", pa.table({"ch": pa.array(chars, pa.string())}))
    ws = {r[0] for r in wh.sql(f"SELECT ch FROM _t_chars WHERE {cleaning.blank_sql('ch')}")}
    assert ws == set(cleaning.BLANK_CHARS)
    spaces = quote_literal(f"[{cleaning._WS_CLASS}]")
    got = {r[0] for r in wh.sql(f"SELECT ch FROM _t_chars WHERE regexp_full_match(ch, {spaces})")}
    assert got == set(cleaning.WS_CHARS)


@SETTINGS
@given(values=st.lists(value, min_size=1, max_size=30))
def test_blank_sql_is_holds_nothing(wh, values):
    create_from_arrow(wh, "_t_vals", pa.table({"v": pa.array(values, pa.string())}))
    got = [r[0] for r in wh.sql(f"SELECT {cleaning.blank_sql('v')} FROM _t_vals ORDER BY rowid")]
    assert got == [cleaning.holds_nothing(v) for v in values]


@SETTINGS
@given(rows=st.lists(st.tuples(value, value), min_size=1, max_size=30))
def test_blank_sql_told_by_a_first_cell_is_holds_nothing_of_every_cell(wh, rows):
    """A row's blank test with its first cell looked at first (a visible ASCII character
    there says not blank, without the expression over the row) gives what the
    expression alone, and Python, give."""
    a, b = zip(*rows, strict=True)
    table = pa.table({"a": pa.array(a, pa.string()), "b": pa.array(b, pa.string())})
    create_from_arrow(wh, "_t_rows", table)
    row = "coalesce(a, '') || coalesce(b, '')"
    got = wh.sql(
        f"SELECT {cleaning.blank_sql(row, first='a')}, {cleaning.blank_sql(row)} "
        "FROM _t_rows ORDER BY rowid"
    )
    expected = [cleaning.holds_nothing(x) and cleaning.holds_nothing(y) for x, y in rows]
    assert [r[0] for r in got] == [r[1] for r in got] == expected


@SETTINGS
@given(values=st.lists(value, min_size=1, max_size=30))
def test_strip_sql_is_the_python_cleaning(wh, values):
    """The regular expression that trims and cleans a value gives what Python's strip of
    WS_CHARS and removal of the invisible characters gives; for free text, the strip of
    BLANK_CHARS (spaces and invisible characters at the ends only)."""
    create_from_arrow(wh, "_t_vals", pa.table({"v": pa.array(values, pa.string())}))
    got = wh.sql(
        f"SELECT {cleaning.strip_sql('v')}, {cleaning.strip_sql('v', invisible=False)} "
        "FROM _t_vals ORDER BY rowid"
    )
    invisible = cleaning._PY_INVISIBLE
    want = [
        (invisible.sub("", v).strip(cleaning.WS_CHARS), v.strip(cleaning.BLANK_CHARS))
        if v is not None else (None, None)
        for v in values
    ]  # fmt: skip
    assert [tuple(r) for r in got] == want
