"""Values as the bank meant them: negative amounts in accounting notation, amounts
too large to convert, invisible characters in ids and codes, the home country as
a partner, an inverted date range."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from marsad.errors import BadArgument
from marsad.ingest import load_files, views

from .conftest import TX_HEADER, load, loaded_ids, quarantine, tx, write_csv

CASES = Path(__file__).resolve().parents[2] / "cases"


def _amount_read(wh, load_id: str) -> Decimal:
    rows = views.control_totals(wh, [load_id])
    return sum((r["amount_read"] or Decimal(0) for r in rows), Decimal(0))


# -- negative amounts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["(1 234,56)", "1234,56-", "-1234,56", "\u22121234,56", "(1.234,56)"]
)
def test_negative_amount_in_accounting_notation_is_negative(wh, tmp_path, text):
    """(1 234,56) and 1234,56- were 'not a number'; they are the negative -1234,56,
    quarantined by the rule of -1234,56 and counted in the control totals as read."""
    rows = [tx("G1", amount="1 000,00"), tx("N1", amount=text)]
    r = load(wh, write_csv(tmp_path / "t.csv", rows, sep=";"))
    assert r.decimal == "," and (r.loaded, r.quarantined) == (1, 1)
    (q,) = quarantine(wh)
    assert q["rule"] == "positive"
    assert (
        q["message"]
        == f'line 3, column amount: amount is negative: "{text}" (amounts are positive)'
    )
    assert _amount_read(wh, r.load_id) == Decimal("1000") - Decimal("1234.56")


def test_negative_rate_is_named_so(wh, tmp_path):
    rows = [{"date": "2024-03-01", "currency": "EUR", "mad_per_unit": "(10.8)"}]
    load(
        wh,
        write_csv(tmp_path / "r.csv", rows, header=("date", "currency", "mad_per_unit")),
        "rates",
    )
    (q,) = quarantine(wh)
    assert q["rule"] == "positive" and 'rate is negative: "(10.8)"' in q["message"]


# -- amounts too large to convert -----------------------------------------------------------


def test_case_11_amounts_of_15_digits_are_quarantined(wh, tmp_path):
    """Case 11: 940012345678901 EUR and 100000000000000 MAD passed ingest and crashed
    the build (cast to DECIMAL(20,6)); they are quarantined as too large."""
    r = load(wh, CASES / "rw11" / "tx_eur.csv")
    assert (r.loaded, r.quarantined, r.rules) == (1, 1, {"too_large": 1})
    (q,) = quarantine(wh)
    assert (q["line"], q["column"], q["value"]) == (3, "amount", "940012345678901")
    assert q["message"] == (
        'line 3, column amount: "940012345678901" is too large to be a settlement amount '
        "(amounts are below 100,000,000,000,000 in the original currency; setting "
        "MARSAD_MAX_AMOUNT)"
    )
    r = load(wh, CASES / "rw11" / "tx_mad.csv")
    assert (r.loaded, r.rules) == (0, {"too_large": 1})
    assert loaded_ids(wh) == {"B1"}


def test_amount_bound_is_a_setting_that_can_only_be_lowered(wh, tmp_path, monkeypatch):
    monkeypatch.setenv("MARSAD_MAX_AMOUNT", "1000000")
    rows = [tx("A", amount="999999.999"), tx("B", amount="1000000"), tx("C", amount="(2000000)")]
    r = load(wh, write_csv(tmp_path / "t.csv", rows))
    assert loaded_ids(wh) == {"A"} and r.rules == {"too_large": 2}
    assert "below 1,000,000 in the original currency" in quarantine(wh)[0]["message"]
    monkeypatch.setenv("MARSAD_MAX_AMOUNT", str(10**15))
    from marsad.settings import Settings

    with pytest.raises(ValueError):
        Settings()


def test_rate_of_a_million_or_more_is_too_large(wh, tmp_path):
    """A rate of 10^10 or more crashed the build (DECIMAL(16,6)); rates are below 10^6."""
    rows = [
        {"date": "2024-03-01", "currency": "EUR", "mad_per_unit": "999999.999999"},
        {"date": "2024-03-02", "currency": "EUR", "mad_per_unit": "1000000"},
    ]
    header = ("date", "currency", "mad_per_unit")
    r = load(wh, write_csv(tmp_path / "r.csv", rows, header=header), "rates")
    assert (r.loaded, r.rules) == (1, {"too_large": 1})
    assert (
        "too large to be a rate (rates are below 1,000,000 MAD per unit)"
        in (quarantine(wh)[0]["message"])
    )


# -- invisible characters ------------------------------------------------------------------


def test_record_resent_with_invisible_characters_is_the_same_record(wh, tmp_path):
    """A zero-width space in a record id, or a no-break space after the reporter,
    made a second record (double counting): it is the same record."""
    first = load(wh, write_csv(tmp_path / "a.csv", [tx("R1"), tx("R2")]))
    assert first.cleaned == 0
    again = [
        tx("R1\u200b"),
        tx("R2", reporter="BANK1\u00a0"),
        tx("\u200fR3\u200e", firm_id="F\u2060001", currency="e\u200bur"),
    ]
    r = load(wh, write_csv(tmp_path / "b.csv", again))
    assert (r.loaded, r.unchanged, r.corrections, r.cleaned) == (1, 2, 0, 5)
    assert any("5 values cleaned of invisible characters" in n for n in r.notes)
    assert wh.scalar("SELECT cleaned FROM ingest_loads WHERE load_id = ?", [r.load_id]) == 5
    got = wh.sql("SELECT record_id, reporter, firm_id, currency FROM transactions ORDER BY 1")
    assert got == [
        ("R1", "BANK1", "F001", "EUR"),
        ("R2", "BANK1", "F001", "EUR"),
        ("R3", "BANK1", "F001", "EUR"),
    ]


def test_free_text_keeps_its_joiners_but_loses_edge_spaces(wh, tmp_path):
    """A firm's name may need a zero-width non-joiner (Persian, Arabic): kept."""
    header = ("firm_id", "name", "segment", "isic", "city")
    rows = [{"firm_id": "\ufeffF1", "name": "\u00a0Mi\u200cnoo", "segment": "ito\u200b"}]
    r = load(wh, write_csv(tmp_path / "f.csv", rows, header=header), "firms")
    assert r.cleaned == 2
    assert wh.sql("SELECT firm_id, name, segment FROM firms") == [("F1", "Mi\u200cnoo", "ITO")]


# -- the home country ------------------------------------------------------------------------


def test_case_f06_resident_partner_is_refused(wh, tmp_path):
    """Fault 06: a receipt from partner MA (Morocco itself) was published as an export."""
    r = load(wh, CASES / "f06" / "tx.csv")
    assert loaded_ids(wh) == {"M2"} and r.rules == {"resident": 1}


@pytest.mark.parametrize("partner", ["ma", "m\u200ba", " MA\u00a0", "\u200fMA"])
def test_resident_partner_in_disguise(wh, tmp_path, partner):
    load(wh, write_csv(tmp_path / "t.csv", [tx("R1", flow="D", partner_country=partner)]))
    (q,) = quarantine(wh)
    assert q["rule"] == "resident"


def test_home_country_is_a_setting(wh, tmp_path, monkeypatch):
    monkeypatch.setenv("MARSAD_HOME_COUNTRY", "TN")
    rows = [tx("R1", partner_country="MA"), tx("R2", partner_country="TN")]
    r = load(wh, write_csv(tmp_path / "t.csv", rows))
    assert loaded_ids(wh) == {"R1"} and r.rules == {"resident": 1}
    assert "MARSAD_HOME_COUNTRY=TN" in quarantine(wh)[0]["message"]


# -- the accepted dates ------------------------------------------------------------------------


def test_case_f15_inverted_date_range_is_refused_and_nothing_loaded(wh, tmp_path):
    """Fault 15: --min-date after --max-date quarantined every row."""
    src = tmp_path / "tx.csv"
    shutil.copy(CASES / "f15" / "tx.csv", src)
    from marsad.ingest import ReadOptions

    opts = ReadOptions(min_date=dt.date(2025, 1, 1), max_date=dt.date(2024, 1, 1))
    with pytest.raises(BadArgument, match=r"2025-01-01.*is after the latest.*2024-01-01"):
        load_files(wh, "transactions", [src], options=opts)
    assert not wh.has_table("ingest_loads") or not wh.sql("SELECT * FROM ingest_loads")


def test_a_file_written_with_header_only_still_works(wh, tmp_path):
    r = load(wh, write_csv(tmp_path / "t.csv", [], header=TX_HEADER))
    assert r.rows_read == 0
