"""``marsad release create`` refuses a build made with other settings than those set now:
the manifest records the settings of the day, and ``release verify`` rebuilds with them,
so freezing the older table would make a release that can never be verified."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import copy_warehouse, run


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("settings")
    with pytest.MonkeyPatch.context() as mp:
        for name in ("MARSAD_PERCENT_DECIMALS", "MARSAD_FINAL_AFTER_MONTHS", "MARSAD_SDC_P"):
            mp.delenv(name, raising=False)
        run("synth", "--out", str(base / "data"), "--rows-per-year", "1000")
        w = ("--warehouse", str(base / "w.duckdb"))
        data = base / "data"
        run("ingest", "--kind", "firms", str(data / "firms.csv"), *w)
        run("ingest", "--kind", "rates", str(data / "rates.csv"), *w)
        months = sorted(map(str, data.glob("transactions/*.csv")))
        run("ingest", "--kind", "transactions", *months, *w)
        run("build", *w)
    return w, base


@pytest.mark.parametrize(
    ("name", "value"),
    [("MARSAD_PERCENT_DECIMALS", "2"), ("MARSAD_FINAL_AFTER_MONTHS", "3"), ("MARSAD_SDC_P", "31")],
)
def test_a_build_made_with_other_settings_is_not_frozen(built, monkeypatch, name, value):
    (_flag, built_path), base = built
    # each its own copy of the warehouse: one warehouse's releases stay in one folder
    w = ("--warehouse", str(copy_warehouse(Path(built_path), base / f"w-{name}" / "w.duckdb")))
    monkeypatch.setenv("MARSAD_RELEASES_DIR", str(base / f"releases-{name}"))
    monkeypatch.setenv(name, value)
    res = run("release", "create", "--id", "R1", "--date", "2025-10-15", *w, code=1)
    assert "made with other settings than those set now" in res.output
    assert value not in res.output.split("settings than")[1]  # no parameter's value
    assert not (base / f"releases-{name}" / "R1").exists()
    monkeypatch.delenv(name)
    run("release", "create", "--id", "R1", "--date", "2025-10-15", *w)
    assert (base / f"releases-{name}" / "R1" / "manifest.json").exists()
