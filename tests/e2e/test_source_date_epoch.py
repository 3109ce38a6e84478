"""``SOURCE_DATE_EPOCH`` is read by one strict reader (:func:`marsad.dates.source_date_epoch`)
for every output: ``SOURCE_DATE_EPOCH=abc`` was taken by the CSV export and the bulletin
(which do not print the time) but refused by SDMX-ML, and only when it was the time the
file said (a release date won over it silently); ``marsad demo`` refused it after its
build, a minute in. Every command that writes an output now refuses it first, before
any work, in the same one line, exit 2."""

from __future__ import annotations

import pytest

from tests.support import run

#: Every command that writes an output (the time they say they were made, when they say
#: one, is SOURCE_DATE_EPOCH's), with what it writes to.
COMMANDS = {
    "export csv": ("export", "--format", "csv", "--out", "x.csv"),
    "export xlsx": ("export", "--format", "xlsx", "--out", "x.xlsx"),
    "export sdmx-ml": ("export", "--format", "sdmx-ml", "--out", "x.xml"),
    "export csv-bundle": ("export", "--format", "csv-bundle", "--out", "x.zip"),
    "export --release": ("export", "--release", "R1", "--format", "xlsx", "--out", "x.xlsx"),
    "bulletin": ("bulletin", "--period", "2025-S1", "--out", "b.html"),
    "quarantine export": ("quarantine", "export", "--out", "q.csv"),
    "release create": ("release", "create", "--id", "R9"),
    "release revisions": ("release", "revisions", "--out", "r.csv"),
    "serve": ("serve", "--port", "1"),
}
#: Not a whole number of seconds since 1970, or after the year 9999.
WRONG = ["abc", "tomorrow", "-5", "1.5", "1e9", "+17", "0x10", "1_000", "\u00b2", "\u0661\u0662",
         "1760486400000000", "253402300800",
         # a space or a line break about the digits was taken (" 1700000000" was a time)
         " 1700000000", "1700000000 ", "1700000000\n", "\t1700000000", "\u00a01700000000",
         "17 00", " ", "\n", "\u0661\u0667\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0660",
         "\uff11\uff17"]  # fmt: skip


def _line(value: str) -> str:
    from marsad.errors import quoted

    return (
        f"marsad: error: SOURCE_DATE_EPOCH={quoted(value)} is not a time: give a whole number "
        "of seconds since 1970-01-01 UTC, in digits 0-9 (e.g. 1760486400), at most "
        "253402300799 (the year 9999), or unset it"
    )


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("value", ["abc", "-5"])
def test_every_output_refuses_the_same_way(tmp_path, monkeypatch, command, value):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MARSAD_RELEASES_DIR", raising=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    monkeypatch.setenv("MARSAD_RELEASE_DATE", "2025-10-15")  # a release date does not hide it
    result = run(*COMMANDS[command], "--warehouse", str(tmp_path / "w.duckdb"), code=2)
    assert result.stderr.strip().splitlines() == [_line(value)]
    assert list(tmp_path.iterdir()) == []  # nothing written, no warehouse made


def test_the_demo_refuses_before_any_work(tmp_path, monkeypatch):
    """The demo made its data, its warehouse and its build (a minute) before the
    workbook asked for the time."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "abc")
    result = run("demo", "--out", str(tmp_path / "d"), code=2)
    assert result.stderr.strip().splitlines() == [_line("abc")]
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("value", WRONG)
def test_what_is_not_a_whole_number_of_seconds_is_refused(value):
    from marsad.dates import source_date_epoch
    from marsad.errors import BadArgument

    with pytest.raises(BadArgument) as refused:
        source_date_epoch(value)
    assert f"marsad: error: {refused.value}" == _line(value)


@pytest.mark.parametrize(
    ("value", "time"),
    [("0", "1970-01-01T00:00:00+00:00"), ("1760486400", "2025-10-15T00:00:00+00:00"),
     ("253402300799", "9999-12-31T23:59:59+00:00"), ("", None)],
)  # fmt: skip
def test_a_whole_number_of_seconds_is_a_time(value, time):
    from marsad.dates import source_date_epoch

    found = source_date_epoch(value)
    assert (found and found.isoformat()) == time
