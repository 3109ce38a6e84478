"""Every validation rule: the quarantine row carries the rule, column, raw value
and a message in plain words; the good rows around it load."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from marsad.ingest.schema import RULES

from .conftest import load, loaded_ids, quarantine, tx, write_csv

TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()

CASES = [
    # (overrides, rule, column, message fragment)
    ({"record_id": ""}, "required", "record_id", "a value is required but the field is empty"),
    ({"reporter": "  "}, "required", "reporter", "required"),
    ({"value_date": ""}, "required", "value_date", "required"),
    ({"flow": ""}, "required", "flow", "required"),
    ({"amount": ""}, "required", "amount", "required"),
    ({"currency": ""}, "required", "currency", "required"),
    ({"service_code": ""}, "required", "service_code", "required"),
    ({"partner_country": ""}, "required", "partner_country", "required"),
    (
        {"value_date": "15/03/2024"},
        "type",
        "value_date",
        '"15/03/2024" is not a date of the form YYYY-MM-DD',
    ),
    (
        {"value_date": "2024-02-30"},
        "type",
        "value_date",
        '"2024-02-30" does not exist: February has 29 days in 2024',
    ),
    ({"value_date": "2023-02-29"}, "type", "value_date", "does not exist: 2023 is not a leap year"),
    ({"value_date": "2024-04-31"}, "type", "value_date", "does not exist: April has 30 days"),
    ({"value_date": "2024-13-01"}, "type", "value_date", "does not exist: there is no month 13"),
    ({"value_date": "2024-05-00"}, "type", "value_date", "does not exist: there is no day 0"),
    ({"value_date": "2024-3-5"}, "type", "value_date", "is not a date"),
    ({"amount": "12,5O"}, "type", "amount", '"12,5O" is not a number'),
    ({"amount": "abc"}, "type", "amount", "is not a number"),
    ({"amount": "1e5"}, "type", "amount", "is not a number"),
    ({"amount": "12.5.3"}, "type", "amount", "is not a number"),
    (
        {"amount": "1234567890123456"},
        "too_large",
        "amount",
        '"1234567890123456" is too large to be a settlement amount',
    ),
    ({"amount": "100000000000000"}, "too_large", "amount", "too large to be a settlement amount"),
    ({"amount": "940012345678901"}, "too_large", "amount", "below 100,000,000,000,000"),
    ({"amount": "10.1234"}, "precision", "amount", "has more than 3 decimals"),
    ({"value_date": "1999-12-31"}, "date_range", "value_date", "is before 2000-01-01"),
    ({"value_date": TOMORROW}, "date_range", "value_date", "future"),
    ({"flow": "X"}, "flow", "flow", "is not a flow: C (export receipt) or D (import payment)"),
    ({"flow": "CD"}, "flow", "flow", "is not a flow"),
    ({"amount": "0"}, "positive", "amount", '"0" is not a positive amount'),
    ({"amount": "-15.5"}, "positive", "amount", 'amount is negative: "-15.5"'),
    ({"amount": "(1,234.56)"}, "positive", "amount", 'amount is negative: "(1,234.56)"'),
    ({"amount": "1234.56-"}, "positive", "amount", 'amount is negative: "1234.56-"'),
    ({"amount": "\u22121234.56"}, "positive", "amount", "amount is negative"),
    ({"amount": "(0)"}, "positive", "amount", "is not a positive amount"),
    (
        {"currency": "EURO"},
        "currency",
        "currency",
        '"EURO" is not an ISO 4217 currency code: did you mean EUR?',
    ),
    ({"currency": "€"}, "currency", "currency", "did you mean EUR?"),
    ({"currency": "DH"}, "currency", "currency", "did you mean MAD?"),
    ({"currency": "MAD."}, "currency", "currency", "did you mean MAD?"),
    ({"currency": "eur."}, "currency", "currency", "did you mean EUR?"),
    (
        {"partner_country": "UK"},
        "country",
        "partner_country",
        "alpha-2 country code: did you mean GB?",
    ),
    ({"partner_country": "el"}, "country", "partner_country", "did you mean GR?"),
    ({"partner_country": "ALB"}, "country", "partner_country", "did you mean AL?"),
    ({"partner_country": "Morocco"}, "country", "partner_country", "did you mean MA?"),
    ({"partner_country": "MA"}, "resident", "partner_country", '"MA" is the home country'),
    ({"partner_country": "ma"}, "resident", "partner_country", "non-resident"),
    ({"flow": "D", "partner_country": "MA"}, "resident", "partner_country", "home country"),
    ({"currency": "XYZ"}, "currency", "currency", "ISO 4217"),
    ({"partner_country": "XX"}, "country", "partner_country", "is not an ISO 3166-1 alpha-2"),
    ({"partner_country": "FRA"}, "country", "partner_country", "ISO 3166"),
    ({"service_code": "SZ99"}, "ebops", "service_code", '"SZ99" is not an EBOPS 2010 service code'),
]


@pytest.mark.parametrize(("over", "rule", "column", "fragment"), CASES)
def test_rule(wh, tmp_path, over, rule, column, fragment):
    rows = [tx("G1"), tx("BAD", **over), tx("G2")]
    p = write_csv(tmp_path / "t.csv", rows)
    r = load(wh, p)
    assert (r.rows_read, r.loaded, r.quarantined) == (3, 2, 1)
    assert r.rules == {rule: 1}
    (q,) = quarantine(wh)
    assert (q["line"], q["rule"], q["column"]) == (3, rule, column)
    assert rule in RULES
    raw = over[column].strip()
    assert q["value"] == (raw or None)
    assert q["message"].startswith(f"line 3, column {column}: ")
    assert fragment in q["message"]
    assert loaded_ids(wh) == {"G1", "G2"}


def test_first_failing_rule_is_kept_and_others_listed(wh, tmp_path):
    p = write_csv(tmp_path / "t.csv", [tx("B", flow="Q", currency="EURO", partner_country="ZZ")])
    load(wh, p)
    (q,) = quarantine(wh)
    assert (q["rule"], q["column"]) == ("flow", "flow")
    assert q["other_rules"] == "currency (currency), country (partner_country)"


def test_lenient_on_case_and_spaces(wh, tmp_path):
    rows = [tx(" R1 ", flow="c", currency=" eur", service_code="si22 ", partner_country="fr")]
    p = write_csv(tmp_path / "t.csv", rows)
    assert load(wh, p).loaded == 1
    assert wh.sql(
        "SELECT record_id, flow, currency, service_code, partner_country FROM transactions"
    ) == [("R1", "C", "EUR", "SI22", "FR")]


def test_empty_firm_id_is_allowed(wh, tmp_path):
    p = write_csv(tmp_path / "t.csv", [tx("R1", firm_id="")])
    assert load(wh, p).loaded == 1
    assert wh.scalar("SELECT firm_id FROM transactions") is None


@pytest.mark.parametrize("code", ["SI", "SI2", "SI22", "SJ31", "SK1", "S"])
def test_ebops_any_level(wh, tmp_path, code):
    p = write_csv(tmp_path / "t.csv", [tx("R1", service_code=code)])
    assert load(wh, p).loaded == 1


def test_date_range_is_configurable(wh, tmp_path):
    rows = [tx("R1", value_date="2019-06-30"), tx("R2", value_date="2020-01-01")]
    p = write_csv(tmp_path / "t.csv", rows)
    r = load(wh, p, min_date=dt.date(2020, 1, 1), max_date=dt.date(2020, 12, 31))
    assert loaded_ids(wh) == {"R2"} and r.rules == {"date_range": 1}


def test_amounts_are_exact(wh, tmp_path):
    rows = [
        tx("R1", amount="0.001"),
        tx("R2", amount="99999999999999.999"),
        tx("R3", amount="+7.10"),
    ]
    load(wh, write_csv(tmp_path / "t.csv", rows))
    got = dict(wh.sql("SELECT record_id, amount FROM transactions"))
    assert got == {
        "R1": Decimal("0.001"),
        "R2": Decimal("99999999999999.999"),
        "R3": Decimal("7.1"),
    }


def test_trailing_zero_decimals_are_not_precision_errors(wh, tmp_path):
    load(wh, write_csv(tmp_path / "t.csv", [tx("R1", amount="12.5000")]))
    assert wh.scalar("SELECT amount FROM transactions") == Decimal("12.5")


def test_a_row_of_empty_cells_is_skipped_not_counted(wh, tmp_path):
    p = write_csv(tmp_path / "t.csv", [tx("R1"), {}, tx("R2")])
    r = load(wh, p)
    assert (r.rows_read, r.loaded, r.blank_rows) == (2, 2, 1)


def test_duplicate_in_file(wh, tmp_path):
    rows = [
        tx("R1"),
        tx("R2"),
        tx("R1"),
        tx("R2", amount="99"),
        tx("R3", reporter="OTHER", record_id="R1"),
    ]
    p = write_csv(tmp_path / "t.csv", rows)
    r = load(wh, p)
    assert (r.loaded, r.unchanged, r.quarantined, r.duplicates) == (3, 1, 1, 1)
    # the conflicting repeat is quarantined, open: it needs a decision
    (q,) = quarantine(wh)
    assert (q["line"], q["rule"], q["column"], q["resolved_by"]) == (
        5, "duplicate_in_file", "record_id", None,
    )  # fmt: skip
    assert "line 3" in q["message"] and "different content" in q["message"]
    # the exact repeat needs no action: unchanged, not quarantined
    ((line, message, same_as),) = wh.sql("SELECT line, message, same_as FROM ingest_unchanged")
    assert (line, same_as) == (4, r.load_id)
    assert "already appears on line 2 of this file, with the same content" in message
    assert wh.scalar("SELECT amount FROM transactions WHERE record_id = 'R2'") == Decimal("1500.25")


def test_duplicate_of_a_bad_row_is_not_a_duplicate(wh, tmp_path):
    # the first occurrence fails its checks: the second, good, one loads
    p = write_csv(tmp_path / "t.csv", [tx("R1", amount="x"), tx("R1")])
    r = load(wh, p)
    assert (r.loaded, r.rules) == (1, {"type": 1})
    assert wh.scalar("SELECT line FROM transactions") == 3


def test_messages_never_show_amounts_of_good_rows(wh, tmp_path):
    rows = [tx("R1", amount="777.77"), tx("R1", amount="777.77"), tx("R1", amount="778.88")]
    load(wh, write_csv(tmp_path / "t.csv", rows))
    (q,) = quarantine(wh)
    assert "777" not in q["message"] and "778" not in q["message"]
    assert "777" not in wh.scalar("SELECT message FROM ingest_unchanged")


def test_all_the_rules_messages_in_one_file_and_their_hints_looked_up_by_joins(
    wh, tmp_path, monkeypatch
):
    """Every case above in one file: each row gets the message it gets alone. The hints
    are looked up by joins: as a correlated subquery per code list, DuckDB ran each
    over every quarantined row (15 lookups; 10 s and 3 GB of memory for 500,000 rows)."""
    from marsad.engine.warehouse import Warehouse

    plans: list[str] = []
    real = Warehouse.sql

    def sql(self, query, params=None):
        if query.lstrip().startswith("INSERT INTO ingest_quarantine") and "canonical" in query:
            plans.append(str(real(self, "EXPLAIN " + query, params)))
        return real(self, query, params)

    monkeypatch.setattr(Warehouse, "sql", sql)
    rows = [tx("G1")] + [tx(f"B{i}", **over) for i, (over, *_r) in enumerate(CASES)]
    r = load(wh, write_csv(tmp_path / "t.csv", rows))
    held = {q["line"]: q for q in quarantine(wh)}
    assert r.quarantined == len(CASES) and len(plans) == 1
    for i, (_over, rule, column, fragment) in enumerate(CASES):
        q = held[i + 3]
        assert (q["rule"], q["column"]) == (rule, column) and fragment in q["message"]
    assert "DELIM" not in plans[0]
