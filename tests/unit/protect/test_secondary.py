"""Secondary suppression and the intruder's audit on small tables with known answers."""

from __future__ import annotations

from marsad.protect import audit, protect, suppress
from marsad.protect.table import Cell, build_table, flat

from .test_table import two_by_two

SENSITIVE = Cell(10, "O", 3, 3)


def test_a_sensitive_cell_in_a_two_by_two_table_needs_three_complementary_cells():
    """The only safe pattern withholds the whole interior rectangle; margins stay published."""
    t = two_by_two(flags={("r1", "c1"): SENSITIVE})
    result = protect(t)
    assert result.secondary == {("r1", "c2"), ("r2", "c1"), ("r2", "c2")}
    assert audit(result.table).ok
    assert repr(audit(result.table)) == "AuditResult(protected=1, exposed=0)"


def test_a_sensitive_cell_alone_in_its_row_is_exposed():
    cells = {("T",): Cell(60), ("a",): SENSITIVE, ("b",): Cell(20), ("c",): Cell(30)}
    t = build_table(cells, [flat(0, "T", "abc")])
    result = audit(t)
    assert (result.protected, result.exposed, result.exposed_ids) == (0, 1, (("a",),))
    assert audit(t.with_secondary([("b",)])).ok


def test_a_sensitive_cell_in_no_relation_is_protected():
    """Nothing derives it: the intruder's interval is [0, infinity)."""
    t = build_table({("a",): Cell(10, "A", 1, 1), ("b",): Cell(5)}, [])
    assert (audit(t).protected, audit(t).exposed) == (1, 0)


def test_the_audit_sees_that_levels_cannot_be_negative():
    """Withholding the rectangle is not enough when its opposite corner is zero:
    a <= row total - 0, so the upper protection is not reached."""
    t = two_by_two(values=((10, 0), (5, 5)), flags={("r1", "c1"): SENSITIVE})
    t = t.with_secondary([("r1", "c2"), ("r2", "c1"), ("r2", "c2")])
    assert audit(t).exposed_ids == (("r1", "c1"),)
    fixed = protect(t)
    assert audit(fixed.table).ok
    assert ("r1", "T") in fixed.table.withheld or ("T", "c2") in fixed.table.withheld


def test_the_cheapest_cell_is_chosen():
    """Either b or c protects a; b is smaller, so it is withheld and c is published."""
    cells = {("T",): Cell(3000), ("a",): SENSITIVE, ("b",): Cell(90), ("c",): Cell(2900)}
    t = build_table({**cells, ("a",): Cell(10, "O", 3, 3)}, [flat(0, "T", "abc")])
    assert suppress(t).withheld == {("a",), ("b",)}


def test_two_sensitive_cells_protect_each_other():
    cells = {("T",): Cell(60), ("a",): SENSITIVE, ("b",): Cell(20, "A", 2, 2), ("c",): Cell(30)}
    t = build_table(cells, [flat(0, "T", "abc")])
    assert protect(t).secondary == frozenset()


def test_a_table_with_nothing_sensitive_is_left_alone():
    t = two_by_two()
    result = protect(t)
    assert result.secondary == frozenset() and result.rounds == 1
    assert audit(t) == audit(result.table)


def test_components_solved_in_parallel_give_the_same_pattern():
    """Exports and imports are independent components: two processes, one pattern."""
    cells = {}
    for flow in ("exports", "imports"):
        for k, c in two_by_two(flags={("r1", "c1"): SENSITIVE}).cells.items():
            cells[(flow, *k)] = c
    t = build_table(cells, [flat(1, "T", ["r1", "r2"]), flat(2, "T", ["c1", "c2"])])
    assert len(t.components()) == 2
    assert suppress(t, workers=2).withheld == suppress(t, workers=1).withheld


def test_cells_of_a_few_centimes_beside_cells_of_10_to_the_20_are_protected():
    """A reviewer's table: amounts of 10^14 at rates near 10^6 (both accepted by the
    checks) put cells of 10^22 centimes beside cells of a few. The audit asked the solver
    to half a centime (19 significant digits), found protected cells exposed, and the build
    failed after four rounds ("this is a bug"). The slack now follows the component's
    scale: protected in one round, and the audit agrees."""
    big = 10**22
    values = ((5, 7), (big, 9))
    tiny = Cell(5, "A", 2, 2)
    t = two_by_two(values=values, flags={("r1", "c1"): tiny, ("r1", "c2"): Cell(7, "O", 3, 3)})
    result = protect(t)
    assert result.rounds == 1 and audit(result.table).ok
    assert {("r1", "c1"), ("r1", "c2")} <= result.table.withheld
