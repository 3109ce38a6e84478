"""The decimal mark, date format and column names are the reporter's: learnt
from its files, declared, or stated, and applied to its later files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from marsad.errors import BadArgument
from marsad.ingest import FileRefused, ReadOptions, load_files, reporters

from .conftest import TX_HEADER, amounts, load, quarantine, tx, write_csv, write_xlsx

AMBIGUOUS = "the decimal mark cannot be told from the data: state --decimal"


def _case04(tmp_path):
    """The two monthly files of realworld/04-ambiguous-decimal (same bank)."""
    jan = write_csv(
        tmp_path / "2024-01.tsv",
        [tx("J1", reporter="BANKA", amount="1.500"), tx("J2", reporter="BANKA", amount="12.000")],
        sep="\t",
    )
    feb = write_csv(
        tmp_path / "2024-02.tsv",
        [tx("F1", reporter="BANKA", amount="2.750,50"), tx("F2", reporter="BANKA", amount="1.500")],
        sep="\t",
    )
    return jan, feb


def test_ambiguous_file_reads_with_the_decimal_its_reporter_shows_in_the_same_call(wh, tmp_path):
    """Case 04: "1.500" was read 1.5 in January and 1500 in February (level 1000x too small)."""
    jan, feb = _case04(tmp_path)
    r_jan, r_feb = load_files(wh, "transactions", [jan, feb])
    assert amounts(wh) == {
        "J1": Decimal("1500"),
        "J2": Decimal("12000"),
        "F1": Decimal("2750.5"),
        "F2": Decimal("1500"),
    }
    assert (r_jan.decimal, r_feb.decimal) == (",", ",")
    assert r_feb.read_as.decimal_from == "detected"
    assert r_jan.read_as.decimal_from == "reporter BANKA's, learnt from 2024-02.tsv"
    assert "decimal ',' (reporter BANKA's, learnt from 2024-02.tsv)" in r_jan.detected()
    # the reporter keeps it, with where it was learnt
    assert reporters.listing(wh)[0][:4] == (
        "BANKA", "decimal", ",", f"learnt from 2024-02.tsv ({r_feb.load_id})"
    )  # fmt: skip


def test_ambiguous_file_alone_is_refused_with_a_plain_message(wh, tmp_path):
    jan, _ = _case04(tmp_path)
    with pytest.raises(FileRefused) as err:
        load(wh, jan)
    assert err.value.reason == AMBIGUOUS
    assert wh.scalar("SELECT count(*) FROM transactions") == 0
    assert load(wh, jan, decimal=",").loaded == 2  # stated: loaded, and kept for the reporter
    assert amounts(wh)["J2"] == Decimal("12000")
    assert reporters.listing(wh)[0][2:4] == (",", "stated for 2024-01.tsv (L00001)")


@pytest.mark.parametrize(("sep", "written"), [(";", "1,500"), ("\t", "12.000"), (",", "1.234")])
def test_comma_or_point_grouping_alone_cannot_tell(wh, tmp_path, sep, written):
    """The separator used to decide ("1,500" in a ';' file was read 1.5): now no guess."""
    p = write_csv(tmp_path / "a.csv", [tx("R1", amount=written)], sep=sep)
    with pytest.raises(FileRefused, match="cannot be told"):
        load(wh, p)


def test_later_ambiguous_file_uses_what_the_reporter_showed_before(wh, tmp_path):
    jan, feb = _case04(tmp_path)
    load(wh, feb)
    r = load(wh, jan)
    assert r.decimal == "," and amounts(wh)["J1"] == Decimal("1500")
    # whole numbers only: any mark reads them the same, and the reporter's is used
    p = write_csv(tmp_path / "m.csv", [tx("M1", reporter="BANKA", amount="77")])
    assert load(wh, p).read_as.decimal_from.startswith("reporter BANKA's")


def test_file_contradicting_its_reporter_is_refused_unless_stated(wh, tmp_path):
    load(wh, write_csv(tmp_path / "a.csv", [tx("A1", amount="1,234.50")]))
    b = write_csv(tmp_path / "b.csv", [tx("B1", amount="12,5")], sep=";")
    with pytest.raises(FileRefused, match=r"use ',' as decimal mark but reporter BANK1's use '\.'"):
        load(wh, b)
    assert load(wh, b, decimal=",").loaded == 1
    assert amounts(wh)["B1"] == Decimal("12.5")
    # the stated mark served one file: the reporter's stays the point
    assert [r[2] for r in reporters.listing(wh)] == ["."]


def test_a_first_group_starting_with_zero_is_no_thousands(wh, tmp_path):
    """A "0.500" was read 500 under a decimal comma (and "0.071", a yen rate, 71 MAD):
    no one groups thousands after a leading 0, so its mark is a decimal one."""
    p = write_csv(
        tmp_path / "a.csv",
        [tx("C1", amount="0.500"), tx("C2", amount="1.234,56"), tx("C3", amount="012.345"),
         tx("C4", amount="0 500"), *(tx(f"D{i}", amount="7,25") for i in range(3))],
        sep=";",
    )  # fmt: skip
    r = load(wh, p)
    assert r.decimal == "," and amounts(wh) == {
        "C2": Decimal("1234.56"), "D0": Decimal("7.25"), "D1": Decimal("7.25"),
        "D2": Decimal("7.25"),
    }  # fmt: skip
    assert [(q["line"], q["rule"], q["value"]) for q in quarantine(wh)] == [
        (2, "type", "0.500"), (4, "type", "012.345"), (5, "type", "0 500"),
    ]  # fmt: skip
    # alone, "0,500" tells the decimal comma (it was "cannot be told")
    q = write_csv(tmp_path / "b.csv", [tx("B1", reporter="BK9", amount="0,500")], sep=";")
    assert load(wh, q).decimal == "," and amounts(wh)["B1"] == Decimal("0.5")


def test_a_rate_below_one_contradicts_a_reporter_s_decimal_comma(wh, tmp_path):
    header = ("date", "currency", "mad_per_unit")
    a = write_csv(
        tmp_path / "a.csv", [{"date": "2024-01-02", "currency": "JPY", "mad_per_unit": "0,0712"}],
        header=header, sep=";",
    )  # fmt: skip
    b = write_csv(
        tmp_path / "b.csv",
        [{"date": "2024-01-03", "currency": "EUR", "mad_per_unit": "10.823"},
         {"date": "2024-01-03", "currency": "JPY", "mad_per_unit": "0.071"}],
        header=header,
    )  # fmt: skip
    load(wh, a, kind="rates")
    with pytest.raises(FileRefused, match=r"use '\.' as decimal mark but reporter"):
        load(wh, b, kind="rates")  # (read 10823 and 71 MAD per unit)


def _whole_then_marked() -> list[dict[str, str]]:
    """5,100 rows of whole numbers, then "1.500" and "2.750,50": a decimal comma."""
    rows = [tx(f"W{i}", amount="1500") for i in range(5100)]
    return [*rows, tx("Z1", amount="1.500"), tx("Z2", amount="2.750,50")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_a_mark_shown_only_after_the_first_rows_is_the_file_s(wh, tmp_path, fmt):
    """The mark was taken from the first rows only: whole numbers there, and the file
    was read with a point ("no number in the file needs one"), its "1.500" as 1.5."""
    rows = _whole_then_marked()
    if fmt == "csv":
        p = write_csv(tmp_path / "a.csv", rows, sep=";")
    elif fmt == "xlsx":
        p = write_xlsx(tmp_path / "a.xlsx", rows)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        p = tmp_path / "a.parquet"
        pq.write_table(pa.Table.from_pylist(rows), p)
    r = load(wh, p)
    assert (r.decimal, r.read_as.decimal_from) == (",", "detected")
    got = amounts(wh)
    assert (got["Z1"], got["Z2"], got["W0"]) == (Decimal(1500), Decimal("2750.5"), Decimal(1500))


def test_other_reporters_are_not_affected(wh, tmp_path):
    load(wh, write_csv(tmp_path / "a.csv", [tx("A1", reporter="BK01", amount="1.234,5")], sep=";"))
    p = write_csv(tmp_path / "b.csv", [tx("B1", reporter="BK02", amount="1.500")], sep=";")
    with pytest.raises(FileRefused, match="cannot be told"):
        load(wh, p)


def test_declared_decimal_is_used_and_beats_nothing_else(wh, tmp_path):
    reporters.ensure_table(wh)
    reporters.declare(wh, "BK01", "decimal", ",")
    p = write_csv(tmp_path / "a.csv", [tx("A1", reporter="BK01", amount="12.000")])
    r = load(wh, p)
    assert r.read_as.decimal_from == "reporter BK01's, declared"
    assert amounts(wh)["A1"] == Decimal("12000")


def test_rates_files_learn_from_each_other(wh, tmp_path):
    header = ("date", "currency", "mad_per_unit")
    a = write_csv(
        tmp_path / "a.csv", [{"date": "2024-01-01", "currency": "EUR", "mad_per_unit": "10,8"}],
        header=header, sep=";",
    )  # fmt: skip
    b = write_csv(
        tmp_path / "b.csv", [{"date": "2024-01-02", "currency": "EUR", "mad_per_unit": "10,800"}],
        header=header, sep=";",
    )  # fmt: skip
    load_files(wh, "rates", [b, a])
    assert wh.sql("SELECT mad_per_unit FROM rates ORDER BY date") == [
        (Decimal("10.8"),),
        (Decimal("10.8"),),
    ]


# -- date format and column names ---------------------------------------------------------


def test_date_format_and_column_map_are_kept_for_the_reporter(wh, tmp_path):
    header = ("Record ID", *TX_HEADER[1:])
    rows = [{**tx("R1", value_date="15/03/2024", amount="10.50"), "Record ID": "R1"}]
    p = write_csv(tmp_path / "a.csv", rows, header=header)
    opts = {"date_format": "%d/%m/%Y", "column_map": {"record id": "record_id"}}
    r = load(wh, p, **opts)
    assert r.loaded == 1 and "dates %d/%m/%Y" in r.detected()
    assert wh.scalar("SELECT value_date::VARCHAR FROM transactions") == "2024-03-15"
    assert any("'Record ID' as record_id" in n for n in r.notes)
    # the next file of the reporter is read the same way without saying it
    rows2 = [
        {**tx("R2", value_date="16/03/2024"), "Record ID": "R2"},
        {**tx("R3", value_date="2024-03-17"), "Record ID": "R3"},  # ISO still reads
        {**tx("R4", value_date="31/02/2024"), "Record ID": "R4"},  # no such day
    ]
    r2 = load(wh, write_csv(tmp_path / "b.csv", rows2, header=header))
    assert (r2.loaded, r2.quarantined) == (2, 1)
    assert quarantine(wh)[0]["value"] == "31/02/2024"
    settings = {(s, v) for _, s, v, *_ in reporters.listing(wh)}
    assert ("date_format", "%d/%m/%Y") in settings
    assert ("map", '{"record id": "record_id"}') in settings


def test_a_date_not_in_the_files_format_is_quoted_as_written_with_that_format(wh, tmp_path):
    """A two-digit year under %Y was read as the year 24 and quoted "0024-03-07"
    (with a range error); a date that does not read was told YYYY-MM-DD."""
    rows = [
        tx("R1", value_date="07/03/2024"),
        tx("R2", value_date="07/03/24"),  # DuckDB's %Y reads 24 as the year 24
        tx("R3", value_date="31/02/2024"),
        tx("R4", value_date="2024-02-30"),  # of the form YYYY-MM-DD: told why
        tx("R5", value_date="01/13/2024"),  # month first
        tx("R7", value_date="07/03/1999"),  # read, but out of range: quoted as written
    ]
    r = load(wh, write_csv(tmp_path / "a.csv", rows), date_format="%d/%m/%Y")
    assert (r.loaded, r.quarantined) == (1, 5)
    assert wh.scalar("SELECT value_date::VARCHAR FROM transactions") == "2024-03-07"
    held = {q["value"]: (q["rule"], q["message"]) for q in quarantine(wh)}
    form = "is not a date of the form DD/MM/YYYY (%d/%m/%Y), the date format of this file"
    assert held["07/03/24"] == ("type", f'line 3, column value_date: "07/03/24" {form}')
    # a date of the format's shape that names no day is told why, as YYYY-MM-DD ones
    assert held["31/02/2024"][1].endswith(
        '"31/02/2024" does not exist: February has 29 days in 2024'
    )
    assert "does not exist: February has 29 days in 2024" in held["2024-02-30"][1]
    assert held["01/13/2024"][1].endswith("does not exist: there is no month 13")
    assert held["07/03/1999"] == (  # (the value too, as the file wrote it)
        "date_range",
        'line 7, column value_date: "07/03/1999" is before 2000-01-01',
    )
    # a file of a reporter without a date format is still told YYYY-MM-DD
    other = [tx("R6", reporter="BK99", value_date="07/03/2024")]
    r2 = load(wh, write_csv(tmp_path / "b.csv", other))
    assert r2.quarantined == 1
    (q,) = quarantine(wh, r2.load_id)
    assert q["message"].endswith("is not a date of the form YYYY-MM-DD")


def test_a_date_of_the_files_format_is_read_clean_of_invisible_characters(wh, tmp_path):
    """A reviewer's row: "07/03/2024" and a zero-width space was quarantined 'does not
    exist: March has 31 days'; an ISO date with one loads, so must this one. The
    values cleaned left such dates out of their count."""
    rows = [
        tx("R1", value_date="07/03/2024\u200b"),
        tx("R2", value_date="\u200b08/03/2024\u00a0"),
        tx("R3", value_date="\u200b31/02/2024"),
    ]
    r = load(wh, write_csv(tmp_path / "a.csv", rows), date_format="%d/%m/%Y")
    assert (r.loaded, r.quarantined) == (2, 1)
    dates = wh.sql("SELECT record_id, value_date::VARCHAR FROM transactions ORDER BY 1")
    assert dates == [("R1", "2024-03-07"), ("R2", "2024-03-08")]
    (q,) = quarantine(wh)
    assert q["message"].endswith('"31/02/2024" does not exist: February has 29 days in 2024')
    # and counted among the values cleaned, as each of these dates written YYYY-MM-DD is
    assert "3 values cleaned of invisible characters (e.g. a zero-width space)" in r.notes


def test_a_date_of_the_format_s_shape_is_told_by_that_format(wh, tmp_path):
    """A reviewer's dates: under %Y-%d-%m, "2024-30-02" was told "there is no month 30"
    (read as YYYY-MM-DD); "07/03/0024" under %d/%m/%Y "is not a date of the form
    DD/MM/YYYY", though it is."""
    r = load(
        wh, write_csv(tmp_path / "a.csv", [tx("R1", value_date="2024-30-02")]),
        date_format="%Y-%d-%m",
    )  # fmt: skip
    (q,) = quarantine(wh, r.load_id)
    assert q["message"].endswith('"2024-30-02" does not exist: February has 29 days in 2024')
    other = [tx("R2", reporter="BK07", value_date="07/03/0024")]
    r = load(wh, write_csv(tmp_path / "b.csv", other), date_format="%d/%m/%Y")
    (q,) = quarantine(wh, r.load_id)
    assert q["message"].endswith('"07/03/0024" names the year 24: a year from 1000 on is expected')


def test_a_format_of_digits_side_by_side_reads_only_dates_with_all_their_digits(wh, tmp_path):
    """Under %Y%m%d DuckDB read "2024037" as 2024-03-07 (a digit lost or a day of 37?):
    it is quarantined, told as not of the form YYYYMMDD; "20240307" loads."""
    rows = [tx("R1", value_date="2024037"), tx("R2", value_date="20240307")]
    r = load(wh, write_csv(tmp_path / "a.csv", rows), date_format="%Y%m%d")
    assert wh.sql("SELECT record_id, value_date::VARCHAR FROM transactions") == [
        ("R2", "2024-03-07")
    ]
    (q,) = quarantine(wh, r.load_id)
    assert q["message"].endswith('"2024037" is not a date of the form YYYYMMDD (%Y%m%d), '
                                 "the date format of this file")  # fmt: skip


def test_a_rule_is_not_listed_again_among_a_rows_other_rules(wh, tmp_path):
    """A date of the form YYYY-MM-DD that names no day broke both date checks: the row's
    other rules listed 'type (value_date)' again."""
    rows = [tx("R1", value_date="2024-02-30", partner_country="MA")]
    load(wh, write_csv(tmp_path / "a.csv", rows))
    (q,) = quarantine(wh)
    assert (q["rule"], q["other_rules"]) == ("type", "resident (partner_country)")


def test_bad_formats_are_plain_errors():
    with pytest.raises(BadArgument, match="whole date"):
        reporters.check_date_format("%d/%m")
    # a directive of a character beyond ASCII: DuckDB's message about it was cut inside
    # the character, and Python's failure to decode it was a traceback
    for fmt in ("%é%d/%m/%Y", "%d/%m/%Y%€", "%日%d/%m/%Y"):
        with pytest.raises(BadArgument, match="whole date"):
            reporters.check_date_format(fmt)
    with pytest.raises(BadArgument, match="NAME=field"):
        reporters.parse_map(["Record ID"])
    with pytest.raises(BadArgument, match="not a column"):
        reporters.parse_map(["Record ID=recordid"])
    with pytest.raises(BadArgument, match=r"'\.' or ','"):
        reporters.check_decimal(";")


def test_read_options_carry_the_formats():
    o = ReadOptions(date_format="%d/%m/%Y", column_map={"a": "record_id"}).with_settings()
    assert o.date_format == "%d/%m/%Y" and o.column_map == {"a": "record_id"}


def test_a_date_format_is_checked_by_the_reader_that_reads_the_files(wh, tmp_path):
    """``--date-format %-d/%-m/%Y`` (a day and month without their zero) reads with DuckDB,
    which reads the files, but Python's strptime refused it: the format was refused."""
    fmt = reporters.check_date_format("%-d/%-m/%Y")
    rows = [tx("R1", value_date="7/3/2024"), tx("R2", value_date="30/11/2024")]
    rows += [tx("R3", value_date="31/2/2024"), tx("R4", value_date="5/13/2024")]
    r = load(wh, write_csv(tmp_path / "a.csv", rows), date_format=fmt)
    assert r.loaded == 2
    got = dict(wh.sql("SELECT record_id, value_date FROM transactions"))
    assert got == {"R1": dt.date(2024, 3, 7), "R2": dt.date(2024, 11, 30)}
    # a date of its shape that names no day is told why, as under %d/%m/%Y (a reviewer's
    # dates were told "not a date of the form %-d/%-m/YYYY")
    held = {q["value"]: q["message"] for q in quarantine(wh)}
    assert held["31/2/2024"].endswith('"31/2/2024" does not exist: February has 29 days in 2024')
    assert held["5/13/2024"].endswith('"5/13/2024" does not exist: there is no month 13')


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_files_of_reporters_with_other_date_formats_quarantine_in_one_call(wh, tmp_path, fmt):
    """Two reporters keep two date formats; their files are loaded in one call, each with
    a date out of the range: each is quoted back in its own file's format (DuckDB's
    strftime takes one constant format: a batch of two formats stopped with an internal
    error, a reviewer's find)."""
    from .conftest import WRITERS

    reporters.ensure_table(wh)
    reporters.declare(wh, "BK01", "date_format", "%d/%m/%Y")
    reporters.declare(wh, "BK02", "date_format", "%Y%m%d")
    first = WRITERS[fmt](
        tmp_path / f"a.{fmt}",
        [tx("A1", reporter="BK01", value_date="15/03/2024"),
         tx("A2", reporter="BK01", value_date="15/03/1899")],
    )  # fmt: skip
    second = WRITERS[fmt](
        tmp_path / f"b.{fmt}",
        [tx("B1", reporter="BK02", value_date="20240316"),
         tx("B2", reporter="BK02", value_date="18990316")],
    )  # fmt: skip
    reports = load_files(wh, "transactions", [first, second])
    assert [(r.loaded, r.quarantined) for r in reports] == [(1, 1), (1, 1)]
    quoted = {q["value"]: q["message"] for q in quarantine(wh)}
    assert '"15/03/1899" is before' in quoted["15/03/1899"]
    assert '"18990316" is before' in quoted["18990316"]
