"""Hypothesis: after secondary suppression no sensitive cell is exposed, on random
two-way tables and three-level hierarchies built from random contributions."""

from __future__ import annotations

from collections import Counter

import highspy
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsad.protect import Cell, assess, audit, build_table, flat, protect
from marsad.protect.table import Dimension

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: A base cell: contributions (contributor id -> centimes) from a small pool.
base_cell = st.dictionaries(st.integers(0, 5), st.integers(1, 10_000), max_size=4)


def _aggregate(base: dict[tuple, dict[int, int]], up) -> dict[tuple, Counter]:
    """Every cell of the table: each base cell adds its contributions to each key of ``up``."""
    out: dict[tuple, Counter] = {}
    for key, contrib in base.items():
        for k in up(key):
            out.setdefault(k, Counter()).update(contrib)
    return out


def _table(cells: dict[tuple, Counter], dims):
    made = {k: Cell.from_primary(sum(c.values()), assess(c.values())) for k, c in cells.items()}
    return build_table(made, dims)


def _interval(table, key) -> tuple[float, float]:
    """An intruder written independently of audit.py: every cell a variable,
    published ones fixed by their bounds, fresh solver and presolve each time."""
    keys = list(table.cells)
    col = {k: i for i, k in enumerate(keys)}
    out = []
    for sign in (1.0, -1.0):
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        for k in keys:
            v, hidden = float(table.cells[k].value), table.cells[k].withheld
            h.addVar(0.0 if hidden else v, highspy.kHighsInf if hidden else v)
        for rel in table.relations:
            idx = [col[rel.total]] + [col[p] for p in rel.parts]
            coef = [1.0] + [-1.0] * len(rel.parts)
            h.addRow(0.0, 0.0, len(idx), np.array(idx, dtype=np.int32), np.array(coef))
        h.changeColCost(col[key], sign)
        h.run()
        unbounded = h.getModelStatus() == highspy.HighsModelStatus.kUnbounded
        out.append(np.inf if unbounded else sign * h.getInfo().objective_function_value)
    return out[0], out[1]


def _check(table):
    result = protect(table)
    assert audit(result.table).exposed == 0
    for key in table.sensitive:
        cell = table.cells[key]
        low, high = _interval(result.table, key)
        assert low <= cell.value - cell.lpl + 1e-6 and high >= cell.value + cell.upl - 1e-6
    assert all(result.table.cells[k].withheld for k in table.sensitive)
    assert result.secondary.isdisjoint(table.sensitive)


@FAST
@given(st.integers(1, 4), st.integers(1, 4), st.data())
def test_two_way_tables_are_protected(n_rows, n_cols, data):
    rows, cols = [f"r{i}" for i in range(n_rows)], [f"c{j}" for j in range(n_cols)]
    base = {(r, c): data.draw(base_cell) for r in rows for c in cols}
    cells = _aggregate(base, lambda k: [(a, b) for a in (k[0], "T") for b in (k[1], "T")])
    _check(_table(cells, [flat(0, "T", rows), flat(1, "T", cols)]))


@FAST
@given(st.lists(st.integers(1, 3), min_size=1, max_size=3), st.integers(1, 3), st.data())
def test_three_level_hierarchies_crossed_with_a_breakdown_are_protected(shape, n_cols, data):
    groups = {f"g{g}": [f"g{g}.{i}" for i in range(n)] for g, n in enumerate(shape)}
    leaves = [(g, leaf) for g, members in groups.items() for leaf in members]
    cols = [f"c{j}" for j in range(n_cols)]
    base = {(leaf, c): data.draw(base_cell) for _, leaf in leaves for c in cols}
    parent = {leaf: g for g, leaf in leaves}

    def up(key):
        nodes = (key[0], parent[key[0]], "T")
        return [(n, c) for n in nodes for c in (key[1], "_T")]

    rules = (("T", tuple(groups)), *((g, tuple(m)) for g, m in groups.items()))
    _check(_table(_aggregate(base, up), [Dimension(0, rules), flat(1, "_T", cols)]))
