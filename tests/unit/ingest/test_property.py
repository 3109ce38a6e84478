"""Property: for any mix of good and bad rows, in any of the accepted file
shapes, loaded + unchanged + quarantined == rows read, the loaded records are
exactly the good ones, each bad row is quarantined on its own line with its
rule, and an exact repeat of a good row is unchanged (not quarantined)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsad.engine.warehouse import Warehouse
from marsad.ingest import ReadOptions, load_files
from marsad.ingest.cleaning import WS_CHARS

from .conftest import TX_HEADER, quote, tx

DEFECTS = {
    "required": {"currency": ""},
    "type": {"amount": "1O.5"},
    "date_range": {"value_date": "1998-05-01"},
    "flow": {"flow": "X"},
    "positive": {"amount": "-4"},
    "currency": {"currency": "EURO"},
    "country": {"partner_country": "QQ"},
    "ebops": {"service_code": "SZ9"},
    "precision": {"amount": "1.23456"},
}

row_kind = st.one_of(
    st.just("good"), st.sampled_from(sorted(DEFECTS)), st.just("repeat"), st.just("conflict")
)
firm = st.one_of(st.just(""), st.text('ABCé ,"\n', min_size=1, max_size=8))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kinds=st.lists(st.tuples(row_kind, firm), min_size=0, max_size=25),
    sep=st.sampled_from([",", ";", "\t"]),
    crlf=st.booleans(),
    encoding=st.sampled_from(["utf-8", "cp1252"]),
    blank_after=st.sets(st.integers(0, 25), max_size=3),
)
def test_counts_add_up_and_good_rows_load(kinds, sep, crlf, encoding, blank_after):
    work = Path(tempfile.mkdtemp(prefix="marsad-prop-"))
    try:
        decimal_comma = sep == ";"
        nl = "\r\n" if crlf else "\n"
        text = sep.join(TX_HEADER) + nl
        line = 2
        good, expected_bad, same, seen = set(), {}, set(), []
        for i, (kind, firm_id) in enumerate(kinds):
            if kind == "repeat" and seen:
                row = dict(seen[0])  # an exact copy of an earlier good row
                same.add(line)
            elif kind == "conflict" and seen:
                row = dict(seen[0], service_code="SJ31")  # its key, other content
                expected_bad[line] = "duplicate_in_file"
            else:
                row = tx(f"R{i}", firm_id=firm_id, amount="1 234,5" if decimal_comma else "1234.5")
                # an id holding a line break (inside, not trimmed at its edges) fails
                # first: firm_id comes before every field a defect touches
                broken = "\n" in firm_id.strip(WS_CHARS)
                if kind in DEFECTS:
                    over = dict(DEFECTS[kind])
                    if decimal_comma and "amount" in over:
                        over["amount"] = over["amount"].replace(".", ",")
                    row.update(over)
                    expected_bad[line] = "line_break" if broken else kind
                elif broken:
                    expected_bad[line] = "line_break"
                else:
                    good.add(row["record_id"])
                    seen.append(row)
            fields = [quote(row[h], sep) for h in TX_HEADER]
            text += sep.join(fields) + nl
            line += 1 + sum(f.count("\n") for f in fields)
            if i in blank_after:
                text += nl
                line += 1
        path = work / "t.csv"
        path.write_bytes(text.encode(encoding))
        wh = Warehouse(work / "wh.duckdb")
        try:
            (r,) = load_files(wh, "transactions", [path], options=ReadOptions())
            assert r.loaded + r.unchanged + r.quarantined == r.rows_read == len(kinds)
            assert r.unchanged == len(same)
            assert {x[0] for x in wh.sql("SELECT line FROM ingest_unchanged")} == same
            ids = [x[0] for x in wh.sql("SELECT record_id FROM transactions")]
            assert set(ids) == good
            assert len(ids) == len(good)  # (reporter, record_id) unique without a key index
            got = dict(wh.sql("SELECT line, rule FROM ingest_quarantine"))
            assert got == expected_bad
        finally:
            wh.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _evidence_one_by_one(values: list[str]):
    """decimal_evidence as first written: each value voted on in turn."""
    from marsad.ingest.header import DecimalEvidence, _vote

    point = comma = 0
    ambiguous = None
    for raw in values:
        vote = _vote(raw.strip())
        point += vote == "."
        comma += vote == ","
        if vote == "?" and ambiguous is None:
            ambiguous = raw.strip()
    if comma != point:
        return DecimalEvidence(mark="," if comma > point else ".")
    if comma:
        ambiguous = next(v.strip() for v in values if _vote(v.strip()) in (".", ","))
        point_v, comma_v = (next(v.strip() for v in values if _vote(v.strip()) == m) for m in ".,")
        return DecimalEvidence(ambiguous=ambiguous, mixed=((point_v, None), (comma_v, None)))
    return DecimalEvidence(ambiguous=ambiguous)


number_text = st.sampled_from(
    ["12", "12,5", "12.5", "1,234", "1.234", "1.234,5", "1,234.5", " 7,25 ", "1 234,5", "x", ""]
)


@given(st.lists(number_text, max_size=30))
def test_decimal_evidence_counts_each_distinct_number_as_often_as_it_appears(values):
    """Voting once per distinct number, weighted by how often it appears, gives the
    same evidence as voting on every value in turn."""
    from marsad.ingest.header import decimal_evidence

    assert decimal_evidence(values) == _evidence_one_by_one(values)


@given(st.lists(st.binary(max_size=300), max_size=5))
def test_the_scan_counts_newlines_and_quotes_of_every_chunk(chunks):
    """The counts numpy makes are those of bytes.count, chunk after chunk."""
    from marsad.ingest.scan import TextStats

    stats = TextStats()
    for chunk in chunks:
        stats.feed(chunk)
    data = b"".join(chunks)
    assert (stats.newlines, stats.quotes) == (data.count(b"\n"), data.count(b'"'))
