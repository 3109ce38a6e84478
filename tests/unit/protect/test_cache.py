"""The component cache: a pattern reused from an earlier table is the pattern the
programs would give, and the rounds of one component never touch another's."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsad.protect import audit, build_table, flat, protect, suppress
from marsad.protect import secondary as secondary_module
from marsad.protect._lp import ProtectionFailed, components
from marsad.protect.cache import cache_from_rows, cache_rows, fingerprint
from marsad.protect.table import LinkedTable

from .test_property import _aggregate, _table, base_cell

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ROWS, COLS = ("r0", "r1", "r2"), ("c0", "c1", "c2")
DIMS = [flat(1, "T", ROWS), flat(2, "T", COLS)]

#: One block: a two-way table's base cells (a block is one component, as a year is).
block = st.fixed_dictionaries({(r, c): base_cell for r in ROWS for c in COLS})


def _blocks(blocks: dict[str, dict]) -> LinkedTable:
    """Independent two-way tables side by side, keyed ``(block, row, col)``."""
    cells: dict[tuple, Counter] = {}
    for name, base in blocks.items():
        up = lambda k: [(a, b) for a in (k[0], "T") for b in (k[1], "T")]  # noqa: E731
        for (r, c), counts in _aggregate(base, up).items():
            cells[(name, r, c)] = counts
    return _table(cells, DIMS)


def _one_sensitive(big: int = 500) -> dict:
    """A block where one base cell is dominated and the others are safe."""
    base = {(r, c): {1: 100, 2: 100, 3: 100} for r in ROWS for c in COLS}
    return {**base, ("r0", "c0"): {1: big, 2: 10}}


def _old_protect(table: LinkedTable, max_rounds: int = 4) -> LinkedTable:
    """The rounds as they were: suppress and audit the whole table each round."""
    current, targets, margin = table, None, 1
    for _ in range(max_rounds):
        current = suppress(current, targets, margin, workers=1)
        result = audit(current)
        if not result.exposed:
            return current
        targets, margin = result.exposed_ids, margin * 100
    raise ProtectionFailed("still exposed")


@FAST
@given(
    st.dictionaries(st.sampled_from("abcd"), block, min_size=1, max_size=4),
    st.dictionaries(st.sampled_from("abcd"), block, max_size=3),
)
def test_a_cache_from_an_earlier_table_gives_the_same_pattern(earlier, changed):
    """Some blocks kept from the earlier table (their patterns come from the cache),
    some new or changed (solved): the same cells withheld as without a cache."""
    cache: dict = {}
    protect(_blocks(earlier), cache=cache)
    later = _blocks({**earlier, **changed})
    with_cache, without = protect(later, cache=dict(cache)), protect(later)
    assert with_cache.table.cells == without.table.cells
    assert with_cache.secondary == without.secondary
    assert audit(with_cache.table).ok
    assert set(without.cache) <= set(with_cache.cache)


@FAST
@given(st.dictionaries(st.sampled_from("abcd"), block, min_size=1, max_size=4))
def test_rounds_per_component_give_the_pattern_of_rounds_over_the_whole_table(blocks):
    t = _blocks(blocks)
    assert protect(t, workers=1).table.cells == _old_protect(t).cells


def test_a_table_seen_before_is_not_solved_again(monkeypatch):
    t = _blocks({"a": _one_sensitive()})
    cache: dict = {}
    first = protect(t, cache=cache)
    assert first.secondary and len(cache) == 1
    monkeypatch.setattr(secondary_module, "_solve", lambda problem: pytest.fail("solved"))
    again = protect(t, cache=cache)
    assert again.table.cells == first.table.cells and again.cache == cache


def test_a_cached_pattern_that_does_not_fit_its_component_is_ignored():
    t = _blocks({"a": _one_sensitive()})
    fp = fingerprint(t, components(t)[0])
    wrong = {fp: frozenset({("z", "r0", "c0")})}
    result = protect(t, cache=wrong)
    assert result.table.cells == protect(t).table.cells
    assert wrong[fp] == result.secondary


def test_a_change_to_one_cell_changes_the_fingerprint():
    t1 = _blocks({"a": _one_sensitive()})
    t2 = _blocks({"a": _one_sensitive(501)})
    t3 = build_table(dict(t1.cells), DIMS)
    fps = [fingerprint(t, components(t)[0]) for t in (t1, t2, t3)]
    assert fps[0] != fps[1] and fps[0] == fps[2]


codes = st.text("abcXYZ-/_0123456789", min_size=1, max_size=8)


@FAST
@given(
    st.dictionaries(
        st.text("0123456789abcdef", min_size=64, max_size=64),
        st.frozensets(st.tuples(codes, codes, codes), max_size=5),
        max_size=5,
    )
)
def test_the_cache_goes_through_its_table_unchanged(cache):
    rows = cache_rows(cache)
    assert rows.column_names == ["fingerprint", "keys", "year"]
    assert cache_from_rows(rows) == cache
    assert cache_from_rows([(r["fingerprint"], r["keys"]) for r in rows.to_pylist()]) == cache
