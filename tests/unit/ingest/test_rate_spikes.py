"""Plausibility of exchange rates (rule ``implausible``): a rate that is an isolated
spike, far above or below both rates beside it in date, is quarantined instead of
converting every record of its day and currency ten times wrong."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from marsad.engine import open_warehouse
from marsad.ingest import load_files
from marsad.ingest.waivers import Selection, unwaive, waive

from .conftest import TX_HEADER, load, tx, write_csv

RATES = ("date", "currency", "mad_per_unit")
DAYS = [dt.date(2024, 3, d).isoformat() for d in (4, 5, 6, 7, 8)]


def _rates(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    return write_csv(path, [dict(zip(RATES, r, strict=True)) for r in rows], header=RATES)


def _eur(path: Path, values: list[str], days: list[str] = DAYS) -> Path:
    return _rates(path, [(d, "EUR", v) for d, v in zip(days, values, strict=True)])


def _quarantined(wh) -> list[tuple]:
    return wh.sql(
        "SELECT line, rule, column_name, message FROM ingest_quarantine ORDER BY load_id, line"
    )


def _in_force(wh, currency: str = "EUR") -> dict[str, Decimal]:
    rows = wh.sql("SELECT date, mad_per_unit FROM rates WHERE currency = ?", [currency])
    return {d.isoformat(): r for d, r in rows}


def test_a_shifted_decimal_is_quarantined_naming_the_rates_beside_it(wh, tmp_path):
    """EUR 108.5 for 10.85 on one day was loaded silently, and every record of that day
    in euros was converted ten times too high."""
    path = _eur(tmp_path / "r.csv", ["10.85", "108.5", "10.86", "1.087", "10.88"])
    report = load(wh, path, kind="rates")
    assert (report.loaded, report.quarantined) == (3, 2)
    assert report.rules == {"implausible": 2}
    (up, down) = _quarantined(wh)
    assert up == (
        3,
        "implausible",
        "mad_per_unit",
        "line 3, column mad_per_unit: EUR 108.5 MAD on 2024-03-05 is 10.0x the rates "
        "beside it (10.850 on 2024-03-04, 10.860 on 2024-03-06): a decimal point in the "
        "wrong place, or a rate per 100 units? If the rate is right, waive the row "
        "(marsad quarantine waive) and it is loaded",
    )
    assert down[:2] == (5, "implausible")
    assert "EUR 1.087 MAD on 2024-03-07 is 1/10.0 of the rates beside it" in down[3]
    assert "(10.860 on 2024-03-06, 10.880 on 2024-03-08)" in down[3]
    assert set(_in_force(wh)) == {DAYS[0], DAYS[2], DAYS[4]}


def test_a_devaluation_agrees_with_the_rates_after_it_and_is_loaded(wh, tmp_path):
    """A level shift (the rate moves and stays) differs from the rate before it only:
    no spike, whatever its size; nor is the first or the last rate of a currency,
    which has one neighbour only."""
    path = _eur(tmp_path / "r.csv", ["1.0", "10.85", "16.5", "16.6", "160"])
    report = load(wh, path, kind="rates")
    assert (report.loaded, report.quarantined) == (5, 0)


def test_a_typo_the_day_before_a_devaluation_is_the_one_quarantined(wh, tmp_path):
    """The typo makes the day after it a dip between it and the new level: of two
    spikes side by side the farther is taken, then the other is checked again."""
    path = _eur(tmp_path / "r.csv", ["10.85", "108.5", "10.86", "16.5", "16.6"])
    report = load(wh, path, kind="rates")
    assert [r[0] for r in _quarantined(wh)] == [3]
    assert report.loaded == 4


def test_the_threshold_is_a_setting(wh, tmp_path, monkeypatch):
    monkeypatch.setenv("MARSAD_RATE_SPIKE_FACTOR", "1.4")
    report = load(wh, _eur(tmp_path / "a.csv", ["10", "14", "10", "10", "10"]), kind="rates")
    assert report.rules == {"implausible": 1}
    monkeypatch.setenv("MARSAD_RATE_SPIKE_FACTOR", "20")
    report = load(wh, _eur(tmp_path / "b.csv", ["10", "10", "10", "108.5", "10"]), kind="rates")
    assert report.quarantined == 0


def test_the_rates_beside_it_may_come_from_the_warehouse(wh, tmp_path):
    """A file of one day is checked against the days the warehouse holds; the row of
    another currency is not its neighbour."""
    load(wh, _eur(tmp_path / "a.csv", ["10.85", "10.86"], [DAYS[0], DAYS[2]]), kind="rates")
    path = _rates(tmp_path / "b.csv", [(DAYS[1], "EUR", "108.5"), (DAYS[1], "USD", "108.5")])
    report = load(wh, path, kind="rates")
    assert (report.loaded, report.quarantined) == (1, 1)
    assert "(10.850 on 2024-03-04, 10.860 on 2024-03-06)" in _quarantined(wh)[0][3]
    assert DAYS[1] not in _in_force(wh)


def test_a_correction_into_a_spike_keeps_the_rate_in_force(wh, tmp_path):
    load(wh, _eur(tmp_path / "a.csv", ["10.85", "10.85", "10.86"], DAYS[:3]), kind="rates")
    report = load(wh, _eur(tmp_path / "b.csv", ["108.5"], [DAYS[1]]), kind="rates")
    assert (report.quarantined, report.corrections) == (1, 0)
    assert _in_force(wh)[DAYS[1]] == Decimal("10.85")


def test_a_loaded_rate_that_a_later_file_shows_to_be_a_spike_stays_and_is_said(wh, tmp_path):
    """The last rate of a currency has one neighbour and is loaded; when the next day
    arrives and shows it a spike, the builds made with it stand: the load says so."""
    load(wh, _eur(tmp_path / "a.csv", ["10.85", "108.5"], DAYS[:2]), kind="rates")
    report = load(wh, _eur(tmp_path / "b.csv", ["10.86"], [DAYS[2]]), kind="rates")
    assert (report.loaded, report.quarantined) == (1, 0)
    (note,) = [n for n in report.notes if "stays in force" in n]
    assert note.startswith(
        "EUR 108.500 MAD on 2024-03-05, loaded before (load L00001, a.csv line 3), is 10.0x "
        "the rates beside it (10.850 on 2024-03-04, 10.860 on 2024-03-06)"
    )
    assert _in_force(wh)[DAYS[1]] == Decimal("108.5")
    # the same rates again say nothing new
    again = load(wh, _eur(tmp_path / "c.csv", ["10.86", "10.87"], DAYS[2:4]), kind="rates")
    assert not [n for n in again.notes if "stays in force" in n]


def test_files_of_one_call_are_checked_as_if_loaded_one_after_the_other(wh, tmp_path):
    first = _eur(tmp_path / "a.csv", ["10.85", "108.5"], DAYS[:2])
    second = _eur(tmp_path / "b.csv", ["10.86"], [DAYS[2]])
    a, b = load_files(wh, "rates", [first, second])
    assert (a.quarantined, b.quarantined) == (0, 0)
    assert any("an earlier file of this call, line 3" in n for n in b.notes)


def test_a_waived_spike_is_loaded_and_converts_the_records_of_its_day(wh, tmp_path):
    """Waiving an implausible rate says it is right: it is put in force and the build
    converts with it; unwaiving takes it out again."""
    from marsad.build import build

    write_csv(
        tmp_path / "firms.csv",
        [{"firm_id": "F001", "name": "Atlas", "segment": "ITO"}],
        header=("firm_id", "name", "segment"),
    )
    load(wh, tmp_path / "firms.csv", kind="firms")
    load(wh, _eur(tmp_path / "r.csv", ["10.85", "108.5", "10.86"], DAYS[:3]), kind="rates")
    rows = [tx("R1", value_date=DAYS[1], amount="100.00")]
    load(wh, write_csv(tmp_path / "tx.csv", rows, header=TX_HEADER))

    def converted() -> tuple:
        build(wh)
        return wh.sql("SELECT rate, mad FROM records_mad WHERE record_id = 'R1'")[0]

    assert converted() == (Decimal("10.85"), Decimal("1085.00"))  # the day before's
    assert waive(wh, Selection(("L00002",), line=3), "a real jump", "tester") == 1
    assert _in_force(wh)[DAYS[1]] == Decimal("108.5")
    assert converted() == (Decimal("108.5"), Decimal("10850.00"))
    waived = wh.sql("SELECT quarantined, waived FROM ingest_loads WHERE load_id = 'L00002'")
    assert waived == [(0, 1)]
    unwaive(wh, Selection(("L00002",), line=3), "not so", "tester")
    assert DAYS[1] not in _in_force(wh)
    assert converted() == (Decimal("10.85"), Decimal("1085.00"))


def test_a_waived_correction_replaces_the_rate_and_unwaiving_brings_it_back(wh, tmp_path):
    load(wh, _eur(tmp_path / "a.csv", ["10.85", "10.85", "10.86"], DAYS[:3]), kind="rates")
    load(wh, _eur(tmp_path / "b.csv", ["108.5"], [DAYS[1]]), kind="rates")
    waive(wh, Selection(("L00002",), rule="implausible"), "checked", "tester")
    assert wh.sql(f"SELECT mad_per_unit, load_id FROM rates WHERE date = '{DAYS[1]}'") == [
        (Decimal("108.5"), "L00002")
    ]
    history = wh.sql("SELECT mad_per_unit, load_id, superseded_by FROM rates_history")
    assert history == [(Decimal("10.85"), "L00001", "L00002")]
    # sent again, the waived rate is unchanged, neither quarantined again nor noted
    again = load(wh, _eur(tmp_path / "c.csv", ["108.5", "10.86"], DAYS[1:3]), kind="rates")
    assert (again.unchanged, again.quarantined) == (2, 0)
    assert not [n for n in again.notes if "stays in force" in n]
    unwaive(wh, Selection(("L00002",)), "not so", "tester")
    assert _in_force(wh)[DAYS[1]] == Decimal("10.85")
    assert wh.sql("SELECT count(*) FROM rates_history") == [(0,)]


# -- properties -------------------------------------------------------------------

#: a run of days at one level: its rates move by 3 % at most
RUN = st.tuples(
    st.decimals(Decimal("0.01"), Decimal("5000"), places=2),
    st.lists(st.decimals(Decimal("0.97"), Decimal("1.03"), places=2), min_size=2, max_size=7),
)


def _series(runs) -> list[Decimal]:
    return [
        (level * noise).quantize(Decimal("0.000001")) for level, noises in runs for noise in noises
    ]


def _load_series(folder: Path, values: list[Decimal]):
    start = dt.date(2024, 1, 1)
    days = [(start + dt.timedelta(k)).isoformat() for k in range(len(values))]
    path = _eur(folder / "r.csv", [str(v) for v in values], days)
    with open_warehouse(folder / "w.duckdb") as wh:
        (report,) = load_files(wh, "rates", [path])
        lines = [r[0] for r in wh.sql("SELECT line FROM ingest_quarantine ORDER BY line")]
    return report, lines


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(runs=st.lists(RUN, min_size=1, max_size=5))
def test_a_series_of_level_shifts_never_quarantines_a_rate(tmp_path_factory, runs):
    """Levels that hold two days or more, however far apart (devaluations,
    revaluations), with small moves within a level: nothing is a spike."""
    report, lines = _load_series(tmp_path_factory.mktemp("s"), _series(runs))
    assert report.quarantined == 0, lines


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    runs=st.lists(RUN, min_size=1, max_size=4),
    which=st.integers(0, 10**6),
    factor=st.sampled_from([Decimal(10), Decimal(100), Decimal("0.1"), Decimal("0.01")]),
)
def test_one_shifted_decimal_inside_a_level_is_the_one_row_quarantined(
    tmp_path_factory, runs, which, factor
):
    """A day of a level (with two rates of that level on either side) shifted by a
    decimal place or two, among levels of any size: that row and no other. (Beside a
    level shift larger than the typo, which of the two days is wrong is not clear:
    the rule takes the one farther from its neighbours.)"""
    inner = [
        sum(len(n) for _, n in runs[:r]) + j
        for r, (_, noises) in enumerate(runs)
        for j in range(2, len(noises) - 2)
    ]
    assume(inner)
    values = _series(runs)
    k = inner[which % len(inner)]
    values[k] = (values[k] * factor).quantize(Decimal("0.000001"))
    assume(values[k] > 0)
    _report, lines = _load_series(tmp_path_factory.mktemp("s"), values)
    assert lines == [k + 2]  # the header is line 1


def test_the_command_line_says_the_waived_rate_is_put_in_force(tmp_path):
    from typer.testing import CliRunner

    from marsad.cli import app

    w = str(tmp_path / "w.duckdb")
    path = _eur(tmp_path / "r.csv", ["10.85", "108.5", "10.86"], DAYS[:3])
    run = CliRunner().invoke
    loaded = run(app, ["ingest", "--kind", "rates", str(path), "--warehouse", w])
    assert "quarantined by rule: implausible 1" in loaded.output
    waived = run(app, ["quarantine", "waive", "L00001:3", "--reason", "ok", "--warehouse", w])
    assert waived.exit_code == 0, waived.output
    assert "1 implausible rate put in force: the next marsad build converts with it" in (
        waived.output
    )


def test_a_waived_spike_is_not_noted_again_when_a_nearer_rate_arrives(wh, tmp_path):
    days = [DAYS[0], DAYS[2], DAYS[4]]
    load(wh, _eur(tmp_path / "a.csv", ["10.85", "108.5", "10.86"], days), kind="rates")
    waive(wh, Selection(("L00001",), line=3), "checked", "tester")
    report = load(wh, _eur(tmp_path / "b.csv", ["10.855"], [DAYS[3]]), kind="rates")
    assert (report.loaded, report.quarantined) == (1, 0)
    assert not [n for n in report.notes if "stays in force" in n]


def test_withdrawing_the_load_of_a_waived_spike_brings_back_the_rate_it_replaced(wh, tmp_path):
    from marsad.ingest.withdraw import withdraw

    load(wh, _eur(tmp_path / "a.csv", ["10.85", "10.85", "10.86"], DAYS[:3]), kind="rates")
    load(wh, _eur(tmp_path / "b.csv", ["108.5"], [DAYS[1]]), kind="rates")
    waive(wh, Selection(("L00002",), line=2), "checked", "tester")
    withdraw(wh, "L00002", "sent by mistake", "tester")
    assert _in_force(wh)[DAYS[1]] == Decimal("10.85")


def test_an_unwaived_spike_never_comes_back_when_the_rate_that_corrected_it_leaves(wh, tmp_path):
    """A reviewer's sequence: waive the spike, correct the day with a good rate, unwaive
    the spike (the correction stays), withdraw the correction: the withdrawal brought
    back the spike's version from the history, in force though open in quarantine, and
    the build converted the day's records ten times too high."""
    from marsad.ingest.withdraw import withdraw

    load(wh, _eur(tmp_path / "a.csv", ["10.85", "10.855", "10.86"], DAYS[:3]), kind="rates")
    load(wh, _eur(tmp_path / "b.csv", ["108.55"], [DAYS[1]]), kind="rates")  # L00002
    waive(wh, Selection(("L00002",), line=2), "checked", "tester")
    load(wh, _eur(tmp_path / "c.csv", ["10.857"], [DAYS[1]]), kind="rates")  # L00003
    unwaive(wh, Selection(("L00002",)), "not so", "tester")
    assert _in_force(wh)[DAYS[1]] == Decimal("10.857")
    withdraw(wh, "L00003", "wrong", "tester")
    assert _in_force(wh)[DAYS[1]] == Decimal("10.855")  # the first file's, never the spike
    # waived again, the spike is the rate it was: a waived version may come back
    waive(wh, Selection(("L00002",), line=2), "checked again", "tester")
    assert _in_force(wh)[DAYS[1]] == Decimal("108.55")
