"""The release id names one indicator table: two builds whose tables differ in any
byte have different ids, two builds with the same table have the same id (so that a
frozen release is never mislabelled, and "Nothing changed" is said only when nothing
did). Every setting and build argument is either something that can change the table
(each is checked here: a new id, and incremental builds equal to full ones) or listed
in ``marsad.build.NOT_PUBLISHED`` with why it cannot."""

from __future__ import annotations

import datetime
import inspect
import random
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsad import build as build_module
from marsad.build import build
from marsad.coverage import CoverageRule
from marsad.engine import open_warehouse
from marsad.indicators.rows import stored_order
from marsad.protect.apriori import Apriori
from marsad.protect.primary import SdcRule
from marsad.settings import Settings
from tests.unit.test_incremental import FIRMS, MONTHS, SEGMENTS, World, _built, _record, _start

#: Each setting (or build argument) that changes the table, with two values that give
#: different tables on the world below, as ``build()`` keyword arguments.
CHANGES = {
    "percent_decimals": ({"percent_decimals": 4}, {"percent_decimals": 1}),
    "provisional_from": ({"provisional_from": None}, {"provisional_from": 2024}),
    "final_after_months": ({"final_after_months": 12}, {"final_after_months": 1}),
    "sdc_rule": (
        {"sdc_rule": SdcRule()},
        {"sdc_rule": SdcRule(min_contributors=5, p=Decimal("30"))},
    ),
    "coverage_rule": (
        {"coverage_rule": CoverageRule()},
        {"coverage_rule": CoverageRule(expected=("BK1", "BK2"))},  # BK2 never delivers
    ),
    # the earlier releases (default: those of the releases folder): none, or one that
    # withheld the monthly levels of the sector and its segments
    "earlier": (
        {"earlier": Apriori()},
        {
            "earlier": Apriori.of_tables(
                [
                    {
                        (flow, f"{y}-{m:02d}", segment, "_T", "_T"): None
                        for flow in ("exports", "imports")
                        for y, m in MONTHS
                        for segment in ("TOTAL", *SEGMENTS)
                    }
                ]
            )
        },
    ),
}


@pytest.fixture
def pair(tmp_path):
    """Two warehouses given the same loads: one built incrementally, one fully."""
    inc, ref = (open_warehouse(tmp_path / f"{n}.duckdb") for n in ("inc", "ref"))
    world = World(tmp_path, [inc, ref])
    _start(world)
    rng = random.Random(5)
    world.transactions([_record(f"R{i}", rng, MONTHS[i % 5]) for i in range(120)])
    yield world, inc, ref
    inc.close()
    ref.close()


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_a_setting_that_changes_the_table_changes_the_release_id(pair, name):
    """Regression: MARSAD_FINAL_AFTER_MONTHS, MARSAD_PROVISIONAL_FROM and
    MARSAD_PERCENT_DECIMALS changed the table (statuses, rounding) under the same id.
    Changing one between two incremental builds gives a new id and exactly a full
    build's table with the new value; the same value gives the same id; going back
    gives back the first id and table."""
    _world, inc, ref = pair
    before, after = CHANGES[name]
    first = build(inc, **before)
    table, content = _built(inc), _content(inc)
    assert build(inc, **before).release == first.release  # the same value: the same id

    changed = build(inc, **after)
    assert changed.release != first.release
    assert changed.release.split(".")[0] == first.release.split(".")[0]  # the last month
    full = build(ref, full=True, **after)
    assert _built(inc) == _built(ref)
    assert _content(inc) != content
    assert changed.release == full.release

    back = build(inc, **before)
    assert back.release == first.release
    assert _built(inc) == table


def test_a_firm_joining_a_group_changes_the_release_id(pair):
    """Regression: the id hashed the cube, whose cells count firms, not enterprise
    groups: two firms of a cell joining one group withheld it (too few contributors)
    under the same id."""
    world, inc, ref = pair
    first = build(inc)
    content = _content(inc)
    cube = inc.sql("SELECT * FROM cube ORDER BY ALL")
    # every firm in one group, segments as they were: one contributor in every cell
    rows = [f"{f},Firm {f},{s},G9" for f, s in zip(FIRMS, SEGMENTS, strict=True)]
    world.load("firms", world.write("firms", "firm_id,name,segment,group_id", rows))
    changed = build(inc)
    assert inc.sql("SELECT * FROM cube ORDER BY ALL") == cube
    assert _content(inc) != content
    assert changed.release != first.release
    assert changed.release == build(ref, full=True).release


def test_every_setting_and_build_argument_is_accounted_for():
    """A setting or an argument of ``build()`` either changes the table (tested above,
    or by the jobs and the records themselves) or is listed with why it cannot: a new
    one must be put in one of the two."""
    tested = {"percent_decimals", "provisional_from", "final_after_months"}
    tested |= {"sdc_min_contributors", "sdc_p", "expected_reporters", "coverage_window", "today"}
    excluded = set(build_module.NOT_PUBLISHED)
    arguments = set(inspect.signature(build).parameters) - {"wh"}
    assert not tested & excluded
    assert excluded <= set(Settings.model_fields) | arguments
    assert set(Settings.model_fields) - excluded == tested
    assert arguments - excluded == set(CHANGES)


def test_nothing_changed_is_said_only_when_the_table_is_the_same(pair, monkeypatch):
    """`marsad build` said "Nothing changed" whenever no month and no year was
    recomputed, even when MARSAD_FINAL_AFTER_MONTHS had just changed every status."""
    from typer.testing import CliRunner

    from marsad.cli import app

    _world, inc, _ref = pair
    path = str(inc.path)
    inc.close()

    def run() -> str:
        res = CliRunner().invoke(app, ["build", "--warehouse", path])
        assert res.exit_code == 0, res.output
        return " ".join(res.output.split())

    first = run()
    assert "Nothing changed" in run()
    monkeypatch.setenv("MARSAD_FINAL_AFTER_MONTHS", "1")
    second = run()
    assert "Nothing changed" not in second
    assert "the table changed" in second
    assert _release(second) != _release(first)
    assert "Nothing changed" in run()
    monkeypatch.delenv("MARSAD_FINAL_AFTER_MONTHS")
    assert _release(run()) == _release(first)


def _content(wh) -> list[tuple]:
    """The stored indicator table in its order, without its release id."""
    order = stored_order(wh.table("indicators").columns)
    return wh.sql(f"SELECT * EXCLUDE (release, sort_key) FROM indicators {order}")


def _release(output: str) -> str:
    return output.split("Built release ", 1)[1].split(":", 1)[0]


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    values=st.lists(
        st.tuples(
            st.sampled_from([0, 2, 4]), st.sampled_from([None, 2024]), st.sampled_from([1, 12])
        ),
        min_size=2,
        max_size=4,
    )
)
def test_ids_follow_the_tables_over_any_sequence_of_settings(tmp_path_factory, values):
    """Over any sequence of settings, incremental builds give the table and the id of a
    full build with the same settings, and equal ids go with equal tables."""
    folder = tmp_path_factory.mktemp("seq")
    inc, ref = (open_warehouse(folder / f"{n}.duckdb") for n in ("inc", "ref"))
    try:
        world = World(folder, [inc, ref])
        _start(world)
        rng = random.Random(7)
        world.transactions([_record(f"R{i}", rng, MONTHS[i % 5]) for i in range(60)])
        ids: dict[str, str] = {}  # release id -> the table's text
        tables: dict[str, str] = {}  # the table's text -> release id
        for decimals, provisional, final in values:
            kwargs = {
                "percent_decimals": decimals,
                "provisional_from": provisional,
                "final_after_months": final,
            }
            got, want = build(inc, **kwargs), build(ref, full=True, **kwargs)
            table = _built(inc)
            assert table == _built(ref)
            assert got.release == want.release
            text = repr(_content(inc))
            assert ids.setdefault(got.release, text) == text
            assert tables.setdefault(text, got.release) == got.release
    finally:
        inc.close()
        ref.close()


def test_the_release_id_names_the_last_month_published(pair):
    """Regression: the id's month was the last month of the records, even one not over
    (so not published): a build of data to 2025-01 run on 2025-01-20 was named
    ``2025-01.…`` while its table stopped at 2024-03. It names the last complete month;
    with none complete, the last month of the records."""
    world, inc, _ref = pair
    world.transactions([_record(f"N{i}", random.Random(i), MONTHS[5]) for i in range(5)])
    last = MONTHS[5]
    assert build(inc).release.startswith(f"{last[0]}-{last[1]:02d}.")
    not_over = CoverageRule(today=datetime.date(last[0], last[1], 20))
    report = build(inc, coverage_rule=not_over)
    assert report.release.startswith("2024-03."), report.release
    assert not inc.sql("SELECT * FROM indicators WHERE period LIKE '2025%'")
    nobody = CoverageRule(expected=("BK9",))  # a bank that never delivered: none complete
    assert build(inc, coverage_rule=nobody).release.startswith(f"{last[0]}-{last[1]:02d}.")
