"""The linked table: relations from dimension rules, components, derived figures."""

from __future__ import annotations

import pytest

from marsad.protect.table import (
    Cell,
    LinkedTable,
    Relation,
    build_table,
    calendar,
    derived_status,
    derived_withheld,
    flat,
)


def two_by_two(values=((10, 20), (30, 40)), flags=None) -> LinkedTable:
    """A 2x2 table with margins; keys (row, column), totals ``T``."""
    flags = flags or {}
    cells = {}
    rows = [*values, tuple(a + b for a, b in zip(*values, strict=True))]
    for r, row in zip(("r1", "r2", "T"), rows, strict=True):
        for c, v in zip(("c1", "c2", "T"), (*row, sum(row)), strict=True):
            cells[(r, c)] = flags.get((r, c), Cell(v))
    return build_table(cells, [flat(0, "T", ["r1", "r2"]), flat(1, "T", ["c1", "c2"])])


def test_a_two_by_two_table_has_six_relations():
    t = two_by_two()
    assert len(t.relations) == 6
    assert Relation(("T", "T"), (("r1", "T"), ("r2", "T"))) in t.relations
    assert len(t.components()) == 1


def test_a_table_that_does_not_add_up_is_refused_naming_the_cell_not_the_values():
    cells = {("T",): Cell(1234567), ("a",): Cell(1)}
    with pytest.raises(ValueError, match=r"\('T',\) do not add up") as err:
        build_table(cells, [flat(0, "T", ["a"])])
    assert "1234567" not in str(err.value)


def test_a_breakdown_absent_from_the_table_makes_no_relation():
    cells = {("T", "_T"): Cell(5), ("a", "_T"): Cell(5), ("T", "P1"): Cell(5)}
    t = build_table(cells, [flat(0, "T", ["a"]), flat(1, "_T", ["P1"])])
    assert set(t.relations) == {
        Relation(("T", "_T"), (("a", "_T"),)),
        Relation(("T", "_T"), (("T", "P1"),)),
    }


def test_calendar_months_quarters_halves_year_and_ytd():
    months = {f"2024-{m:02d}": m for m in range(1, 13)}
    values = dict(months)
    for q in range(1, 5):
        values[f"2024-Q{q}"] = sum(months[f"2024-{3 * q - i:02d}"] for i in range(3))
    values["2024-S1"] = values["2024-Q1"] + values["2024-Q2"]
    values["2024-S2"] = values["2024-Q3"] + values["2024-Q4"]
    values["2024"] = 78
    for m in range(1, 13):
        values[f"2024-{m:02d}/YTD"] = sum(range(1, m + 1))
    t = build_table({("exports", p): Cell(v) for p, v in values.items()}, [calendar(1, [2024])])
    assert len(t.relations) == 1 + 2 + 4 + 12
    assert (
        Relation(("exports", "2024-03/YTD"), (("exports", "2024-02/YTD"), ("exports", "2024-03")))
        in t.relations
    )


def test_flows_and_years_are_separate_components():
    cells = {
        (f, y, s): Cell(v)
        for f in ("exports", "imports")
        for y in ("2023", "2024")
        for s, v in (("T", 3), ("a", 1), ("b", 2))
    }
    t = build_table(cells, [flat(2, "T", ["a", "b"])])
    assert sorted(len(c) for c in t.components()) == [3, 3, 3, 3]


def test_derived_figures_follow_their_levels():
    """A share or balance that uses a withheld level is withheld (flag D)."""
    t = two_by_two(flags={("r1", "c1"): Cell(10, "O", 2, 2)})
    assert derived_withheld([("r1", "c1"), ("T", "T")], t.withheld)
    assert not derived_withheld([("r2", "c1"), ("T", "T")], t.withheld)
    assert derived_status([("r1", "c1"), ("T", "T")], t) == "D"
    assert derived_status([("r2", "c1"), ("elsewhere",)], t) == "F"


def test_with_secondary_marks_only_published_cells():
    t = two_by_two(flags={("r1", "c1"): Cell(10, "O", 2, 2)})
    t2 = t.with_secondary([("r1", "c1"), ("r1", "c2")])
    assert t2.cells[("r1", "c1")].status == "O"
    assert t2.cells[("r1", "c2")].status == "D"
    assert t.cells[("r1", "c2")].status == "F"


def test_cell_weight_and_negative_cells():
    assert Cell(0).weight() == 1.0
    assert Cell(10, cost=7.0).weight() == 7.0
    assert Cell(10**6).weight() > Cell(10**3).weight()
    with pytest.raises(ValueError):
        Cell(-1)
