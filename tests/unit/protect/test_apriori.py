"""A priori information from earlier releases (:mod:`marsad.protect.apriori`), on small
linked tables: rule (A) keeps withheld what a release withheld, rule (B) never takes a
cell a release published (same value) as a complement, and the audit, the intruder
holding the earlier release, finds nothing exposed but what no pattern can protect."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsad.protect.apriori import Apriori
from marsad.protect.audit import audit
from marsad.protect.secondary import protect
from marsad.protect.table import Cell, LinkedTable, build_table, flat

ROW = flat(0, "T", "abc")


def _table(values: dict[str, int], primary: dict[str, int]) -> LinkedTable:
    """``T = a + b + c``: values in centimes, ``primary`` the protection of the sensitive."""
    cells = {(k,): Cell(v) for k, v in values.items()}
    for k, level in primary.items():
        cells[(k,)] = Cell(values[k], "A", level, level)
    cells[("T",)] = Cell(sum(values.values()))
    return build_table(cells, [ROW])


def test_attack_2_a_cell_published_before_is_no_complement():
    """R1: a (primary) is hidden by b, the cheapest complement; c and T are published. A
    one-record correction makes b dearer than c: alone, the new build hides a by c,
    published in R1 with the same value, and a = T - b - c. With R1 as a priori
    information, c is never a complement and b, withheld in R1, stays withheld."""
    r1 = protect(_table({"a": 100_00, "b": 90_00, "c": 110_00}, {"a": 10_00})).table
    assert r1.withheld == {("a",), ("b",)}
    earlier = Apriori.of_tables([{k: None if c.withheld else c.value for k, c in r1.cells.items()}])
    now = _table({"a": 100_00, "b": 200_00, "c": 110_00}, {"a": 10_00})

    alone = protect(now)
    assert alone.secondary == {("c",)}  # what the build did before the rule
    joint = audit(earlier.seen_by_intruder(alone.table))
    assert joint.exposed_ids == (("a",),)  # the reviewer's attack

    safe = protect(earlier.protecting(now))
    assert ("c",) not in safe.secondary and safe.table.cells[("b",)].status == "D"
    assert audit(safe.table).ok and not safe.unprotectable


def test_a_primary_cell_known_from_an_earlier_release_cannot_be_protected():
    """a was published in R1 (three firms); its contributors changed, not its value: it
    is primary now, and withholding it hides nothing. Counted, never a value."""
    earlier = Apriori.of_tables([{("a",): 100_00, ("b",): 90_00, ("c",): 110_00, ("T",): 300_00}])
    now = earlier.protecting(_table({"a": 100_00, "b": 95_00, "c": 105_00}, {"a": 10_00}))
    result = protect(now)
    assert result.unprotectable == {("a",)}
    assert not result.secondary  # nothing is withheld in vain for it
    found = audit(result.table)
    assert (found.exposed, found.known) == (1, 1) and not found.ok
    assert "100" not in repr(found) + repr(result) + repr(earlier)


def test_a_cell_pinned_down_by_known_cells_is_unprotectable_not_a_bug():
    """T and b published in R1 with today's values, c too: a = T - b - c whatever is
    withheld now (a's contributors changed, a + c did not)."""
    earlier = Apriori.of_tables([{("b",): 90_00, ("T",): 300_00, ("c",): 110_00}])
    now = earlier.protecting(_table({"a": 100_00, "b": 90_00, "c": 110_00}, {"a": 10_00}))
    assert protect(now).unprotectable == {("a",)}


def test_without_earlier_releases_nothing_changes():
    t = _table({"a": 100_00, "b": 90_00, "c": 110_00}, {"a": 10_00})
    assert Apriori().protecting(t) is t and Apriori().seen_by_intruder(t) is t
    assert Apriori().apply(t.cells) == dict(t.cells)


# -- the property: random small two-way tables, random earlier publications ----------

ROWS, COLS = ("r1", "r2", "r3"), ("c1", "c2", "c3")
DIMS = [flat(0, "R", ROWS), flat(1, "C", COLS)]
#: what an earlier release did with a cell: nothing, withheld it, published its value
#: now, published another value
EARLIER = st.sampled_from(["absent", "withheld", "same", "other"])


@st.composite
def _case(draw):
    inner = {(r, c): draw(st.integers(0, 50)) * 100 for r in ROWS for c in COLS}
    values = dict(inner)
    for r in ROWS:
        values[(r, "C")] = sum(inner[(r, c)] for c in COLS)
    for c in COLS:
        values[("R", c)] = sum(inner[(r, c)] for r in ROWS)
    values[("R", "C")] = sum(inner.values())
    cells = {}
    for key, value in values.items():
        sensitive = key in inner and value > 0 and draw(st.booleans())
        level = max(1, value // 5)
        cells[key] = Cell(value, "A", level, min(level, value)) if sensitive else Cell(value)
    earlier = {}
    for key, value in values.items():
        kind = draw(EARLIER)
        if kind == "withheld":
            earlier[key] = None
        elif kind == "same":
            earlier[key] = value
        elif kind == "other":
            earlier[key] = value + 100
    return build_table(cells, DIMS), Apriori.of_tables([earlier])


def _beyond(table: LinkedTable) -> set:
    """Sensitive cells exposed with every cell not known withheld: no pattern hides them."""
    widest = table.with_secondary(k for k, c in table.cells.items() if not c.known)
    return set(audit(widest).exposed_ids)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(_case())
def test_earlier_releases_are_respected_and_the_joint_audit_finds_nothing(case):
    table, earlier = case
    given_table = earlier.protecting(table)
    result = protect(given_table)
    cells = result.table.cells
    # (A) every cell withheld earlier stays withheld, a primary one keeps its flag
    assert all(cells[k].withheld for k in earlier.withheld)
    assert all(cells[k].status == table.cells[k].status for k in table.sensitive)
    # (B) no cell known from the earlier release is a complement
    assert not any(cells[k].known for k in result.secondary)
    # the intruder holding both tables narrows nothing but what no pattern can hide
    joint = audit(earlier.seen_by_intruder(result.table))
    assert set(joint.exposed_ids) == set(result.unprotectable)
    assert result.unprotectable <= _beyond(given_table)
