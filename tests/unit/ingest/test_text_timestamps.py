"""A date written in a CSV with a time of day (a settlement timestamp) is its calendar
date as written, as a Parquet timestamp or an Excel date and time is, with the same
note; what is no date and time stays quarantined, saying why."""

from __future__ import annotations

import datetime as dt

import duckdb
from hypothesis import given
from hypothesis import strategies as st

from marsad.ingest import load_files
from marsad.ingest.datetext import date_sql, time_of_day_sql

from .conftest import load, quarantine, tx, write_csv

STAMPS = [
    "2023-01-02 10:00",
    "2023-01-02T10:00:00Z",
    "2023-01-02T23:30:00-05:00",
    "2023-01-02 10:00:00.123",
]
RATES = ("date", "currency", "mad_per_unit")


def test_csv_value_dates_with_a_time_of_day_are_their_date(wh, tmp_path):
    """Every row of a transactions CSV whose value_date held a time of day
    (2023-01-02 10:00, ...T23:30:00-05:00) was quarantined as not a date, when the
    same timestamp in Parquet or Excel was read as its date."""
    rows = [tx(f"R{i}", value_date=v) for i, v in enumerate(STAMPS)]
    rows.append(tx("R9", value_date="2023-01-03"))
    r = load(wh, write_csv(tmp_path / "t.csv", rows))
    assert (r.loaded, r.quarantined) == (5, 0)
    got = dict(wh.sql("SELECT record_id, value_date::VARCHAR FROM transactions"))
    # the wall-clock date as written, even for 23:30 five hours west of Greenwich
    assert set(got.values()) == {"2023-01-02", "2023-01-03"} and got["R2"] == "2023-01-02"
    assert r.notes == [
        "column value_date: 4 dates had a time of day (10:00:00 to 23:30:00): their date was taken"
    ]


def test_plain_dates_and_midnights_make_no_note(wh, tmp_path):
    rows = [tx("R1"), tx("R2", value_date="2024-03-16 00:00:00")]
    r = load(wh, write_csv(tmp_path / "t.csv", rows))
    assert (r.loaded, r.quarantined) == (2, 0)
    assert not any("time of day" in n for n in r.notes)


def test_csv_rates_with_a_time_of_day_are_their_date(wh, tmp_path):
    """The rates file's date column is read as value_date is."""
    rows = [
        {"date": "2024-03-01T16:00:00+01:00", "currency": "EUR", "mad_per_unit": "10.85"},
        {"date": "2024-03-02", "currency": "EUR", "mad_per_unit": "10.86"},
    ]
    r = load(wh, write_csv(tmp_path / "r.csv", rows, header=RATES), kind="rates")
    assert (r.loaded, r.quarantined) == (2, 0)
    days = [str(d) for (d,) in wh.sql("SELECT date FROM rates ORDER BY date")]
    assert days == ["2024-03-01", "2024-03-02"]
    assert r.notes == ["column date: 1 date had a time of day (16:00:00): its date was taken"]


def test_what_is_no_date_and_time_is_quarantined_saying_why(wh, tmp_path):
    bad = ["2023-01-02 25:00", "2023-02-30 10:00", "2023-01-02 10:00 garbage", "2023-01-02T24:00"]
    rows = [tx(f"R{i}", value_date=v) for i, v in enumerate(bad)]
    rows.append(tx("R8", value_date="2019-06-30 10:00"))
    r = load(wh, write_csv(tmp_path / "t.csv", rows), min_date=dt.date(2020, 1, 1))
    assert (r.loaded, r.quarantined) == (0, 5)
    q = quarantine(wh)
    assert [(x["line"], x["column"], x["rule"]) for x in q] == [
        (2, "value_date", "type"),
        (3, "value_date", "type"),
        (4, "value_date", "type"),
        (5, "value_date", "type"),
        (6, "value_date", "date_range"),
    ]
    assert q[0]["message"] == (
        'line 2, column value_date: "2023-01-02 25:00" is not a date of the form YYYY-MM-DD, '
        "nor a date with a time of day after it (HH:MM or HH:MM:SS, hours 00 to 23, then "
        "optionally a zone: Z or +01:00)"
    )
    assert q[1]["message"] == (
        'line 3, column value_date: "2023-02-30 10:00" does not exist: February has 28 days in 2023'
    )
    assert "nor a date with a time of day" in q[2]["message"]
    # a date out of range is quoted as written, time and all
    assert q[4]["message"] == ('line 6, column value_date: "2019-06-30 10:00" is before 2020-01-01')


def test_a_date_format_without_a_time_reads_the_date_before_a_time(wh, tmp_path):
    """--date-format %d/%m/%Y and 02/01/2023 10:00: the date is read, the time noted;
    a day that does not exist or a time that is none is still told."""
    values = ["02/01/2023 10:00", "2/1/2023T23:30:00-05:00", "03/01/2023", "30/02/2023 10:00",
              "02/01/2023 25:00", "02/01/2019 10:00"]  # fmt: skip
    rows = [tx(f"R{i}", value_date=v) for i, v in enumerate(values)]
    path = write_csv(tmp_path / "t.csv", rows)
    r = load(wh, path, date_format="%-d/%-m/%Y", min_date=dt.date(2020, 1, 1))
    assert (r.loaded, r.quarantined) == (3, 3)
    got = dict(wh.sql("SELECT record_id, value_date::VARCHAR FROM transactions"))
    assert got == {"R0": "2023-01-02", "R1": "2023-01-02", "R2": "2023-01-03"}
    assert (
        "column value_date: 3 dates had a time of day (10:00:00 to 23:30:00): their date was taken"
    ) in r.notes
    msgs = [x["message"] for x in quarantine(wh)]
    assert msgs[0].endswith('"30/02/2023 10:00" does not exist: February has 28 days in 2023')
    assert "the date format of this file, nor a date with a time of day" in msgs[1]
    # quoted as the file wrote it (it was written back with the format: "2/1/2019 10:00")
    assert msgs[2].endswith('"02/01/2019 10:00" is before 2020-01-01')


def test_a_date_format_with_a_time_reads_it_itself(wh, tmp_path):
    rows = [tx("R1", value_date="02/01/2023 10:00")]
    r = load(wh, write_csv(tmp_path / "t.csv", rows), date_format="%d/%m/%Y %H:%M")
    assert (r.loaded, r.quarantined) == (1, 0)
    assert str(wh.scalar("SELECT value_date FROM transactions")) == "2023-01-02"


def test_each_file_of_a_batch_has_its_own_note(wh, tmp_path):
    """Small files of one dialect are read and checked in one pass: the note is each
    file's own."""
    a = write_csv(tmp_path / "a.csv", [tx("A1", value_date="2024-03-15 08:00")])
    b = write_csv(tmp_path / "b.csv", [tx("B1"), tx("B2", value_date="2024-03-15T09:15")])
    c = write_csv(tmp_path / "c.csv", [tx("C1")])
    ra, rb, rc = load_files(wh, "transactions", [a, b, c])
    assert [x.loaded for x in (ra, rb, rc)] == [1, 2, 1]
    timed = [[n for n in x.notes if "time of day" in n] for x in (ra, rb, rc)]
    assert timed == [
        ["column value_date: 1 date had a time of day (08:00:00): its date was taken"],
        ["column value_date: 1 date had a time of day (09:15:00): its date was taken"],
        [],
    ]


_CON = duckdb.connect()


@given(
    day=st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31)),
    hour=st.integers(0, 29),
    minute=st.integers(0, 65),
    second=st.none() | st.integers(0, 65),
    fraction=st.sampled_from(["", ".5", ",123", ".123456789"]),
    sep=st.sampled_from(["T", " "]),
    zone=st.sampled_from(["", "Z", " UTC", "+01:00", "-0500", "+14", "-25:00", " x"]),
    shift=st.integers(0, 2),
)
def test_a_date_and_time_is_its_date_as_written_or_no_date(
    day, hour, minute, second, fraction, sep, zone, shift
):
    """Any date with a time of day is its calendar date as written when the time and
    zone are valid (hours to 23, minutes and seconds to 59), else no date; its time of
    day is noted. (``shift`` moves the day to one that may not exist: 30 February.)"""
    y, m, d = day.year, day.month, min(day.day + shift, 31)
    text = f"{y:04d}-{m:02d}-{d:02d}{sep}{hour:02d}:{minute:02d}"
    if second is not None:
        text += f":{second:02d}{fraction}"
    text += zone
    try:
        date = dt.date(y, m, d)
    except ValueError:
        date = None
    valid_time = hour < 24 and minute < 60 and (second is None or second < 60)
    valid_zone = zone not in ("-25:00", " x")
    expected = date if valid_time and valid_zone else None
    got, tod = _CON.execute(
        f"SELECT {date_sql('$t')}, {time_of_day_sql('$t', date_sql('$t'))}", {"t": text}
    ).fetchone()
    assert got == expected, text
    if expected is not None:
        clock = f"{hour:02d}:{minute:02d}:{second or 0:02d}"
        assert tod == (None if clock == "00:00:00" else clock)


def test_a_date_format_with_a_zone_reads_the_date_written(wh, tmp_path):
    """--date-format '%Y-%m-%dT%H:%M:%S%z' read 2024-01-31T23:30:00-05:00 as 2024-02-01
    (the UTC date), where a CSV timestamp is read as the date written, with a note."""
    rows = [
        tx("R1", value_date="2024-01-31T23:30:00-05:00"),
        tx("R2", value_date="2024-01-31T01:00:00+0200"),
        tx("R3", value_date="2024-01-31T10:00:00"),
    ]  # ISO without a zone: as written
    r = load(wh, write_csv(tmp_path / "t.csv", rows), date_format="%Y-%m-%dT%H:%M:%S%z")
    assert (r.loaded, r.quarantined) == (3, 0)
    got = dict(wh.sql("SELECT record_id, value_date::VARCHAR FROM transactions"))
    assert got == {"R1": "2024-01-31", "R2": "2024-01-31", "R3": "2024-01-31"}
    assert r.notes == [
        "column value_date: 3 dates had a time of day (01:00:00 to 23:30:00): their date was taken"
    ]


def test_a_zone_not_at_the_end_of_a_date_format_is_refused():
    import pytest

    from marsad.errors import BadArgument
    from marsad.ingest.reporters import check_date_format

    with pytest.raises(BadArgument, match="a zone offset"):
        check_date_format("%z %Y-%m-%d %H:%M")
