"""A month is complete only once it is over, on the day the build takes as today
(``MARSAD_TODAY``, default the machine's date): a release records a day that decides
as its build decided, so that ``release verify`` rebuilds it the same on any later day."""

from __future__ import annotations

import json

from tests.support import run


def test_a_release_made_during_its_last_month_verifies_once_the_month_is_over(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("MARSAD_RELEASES_DIR", str(tmp_path / "releases"))
    run("synth", "--out", str(tmp_path / "data"), "--rows-per-year", "1000")
    data, w = tmp_path / "data", ("--warehouse", str(tmp_path / "w.duckdb"))
    months = sorted(data.glob("transactions/*.csv"))
    last = months[-1].stem  # e.g. 2025-06
    run("ingest", "--kind", "firms", str(data / "firms.csv"), *w)
    run("ingest", "--kind", "rates", str(data / "rates.csv"), *w)
    run("ingest", "--kind", "transactions", *map(str, months), *w)
    monkeypatch.setenv("MARSAD_TODAY", f"{last}-20")  # the data's last month is not over
    built = run("build", *w)
    assert f"{last}: not over yet" in built.output
    run("release", "create", "--id", "R1", "--date", f"{last}-20", *w)
    manifest = json.loads((tmp_path / "releases" / "R1" / "manifest.json").read_text())
    assert manifest["settings"]["MARSAD_TODAY"] == f"{last}-01"
    public = (tmp_path / "releases" / "R1" / "indicators.csv").read_text()
    assert f",{last}," not in public  # the month in course is not published

    monkeypatch.delenv("MARSAD_TODAY")  # years later: the month is long over
    stale = run("release", "create", "--id", "R2", "--date", "2026-01-05", *w, code=1)
    assert "months over" in stale.output  # the build's months over are not today's
    assert run("release", "verify", "R1", *w).stdout.startswith("OK: release R1")


def test_a_release_without_a_date_is_dated_marsad_today(monkeypatch):
    """``release create`` without ``--date`` took the clock's day while the build took
    ``MARSAD_TODAY``: the next release had then to be dated after that clock's day."""
    import datetime as dt

    from marsad.cli.release import _date

    monkeypatch.setenv("MARSAD_TODAY", "2025-07-01")
    assert _date(None) == dt.date(2025, 7, 1)
    assert _date("2025-10-15") == dt.date(2025, 10, 15)
    monkeypatch.delenv("MARSAD_TODAY")
    assert _date(None) == dt.date.today()


def test_a_release_dated_after_today_is_refused(monkeypatch):
    """A reviewer's mistyped --date 2030-01-01 was made: served at once as the latest
    release, years before its date, and every later release refused as dated before it,
    with no way back. A day simulated with MARSAD_TODAY (later than the clock) counts as
    today."""
    import datetime as dt

    import pytest

    from marsad.errors import MarsadError
    from marsad.release.freeze import _check_not_future

    today = dt.date.today()
    _check_not_future(today)
    with pytest.raises(MarsadError, match=r"is dated after today \(\d{4}-\d{2}-\d{2}\)"):
        _check_not_future(today + dt.timedelta(days=1))
    monkeypatch.setenv("MARSAD_TODAY", "2099-01-01")
    _check_not_future(dt.date(2099, 1, 1))
    with pytest.raises(MarsadError, match="2099-01-02"):
        _check_not_future(dt.date(2099, 1, 2))


def test_release_create_refuses_a_date_after_today_before_anything_is_written(
    tmp_path, monkeypatch
):
    from marsad.engine import open_warehouse

    monkeypatch.setenv("MARSAD_RELEASES_DIR", str(tmp_path / "releases"))
    open_warehouse(tmp_path / "w.duckdb").close()
    w = ("--warehouse", str(tmp_path / "w.duckdb"))
    answer = run("release", "create", "--id", "R9", "--date", "2999-01-01", *w, code=1)
    assert "dated after today" in answer.output and "Traceback" not in answer.output
    assert not (tmp_path / "releases" / "R9").exists()
