"""A load that brings records for a month with a nil return in force says so."""

from __future__ import annotations

from tests.unit.ingest.conftest import load, tx, write_csv


def test_records_over_a_nil_return_in_force_are_noted(wh, tmp_path, monkeypatch):
    """A reviewer declared BK01's nil return for 2024-04 and then loaded a record of
    BK01 dated 2024-04-05: loaded without a word (the reverse order is refused)."""
    from marsad.ingest.deliveries import declare_nil_return

    load(wh, write_csv(tmp_path / "a.csv", [tx("R1", reporter="BK01")]))  # a known bank
    nil = declare_nil_return(wh, "BK01", "2024-04")
    rows = [tx("R2", reporter="BK01", value_date="2024-04-05"),
            tx("R3", reporter="BK01", value_date="2024-05-05")]  # fmt: skip
    report = load(wh, write_csv(tmp_path / "b.csv", rows))
    assert report.loaded == 2
    said = [n for n in report.notes if "nil return" in n]
    assert said == [
        f"BK01 2024-04: a nil return ({nil.load_id}) says the bank had nothing to report "
        "that month; its records now count. Withdraw the nil return if it was wrong (marsad "
        f"loads withdraw {nil.load_id}), or this load"
    ]
