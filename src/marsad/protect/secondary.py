"""Secondary suppression: the fewest, cheapest cells to withhold so that no
sensitive cell can be recomputed from the published ones.

**Method** (the LP heuristic for linked tables: Fischetti and Salazar-González,
"Models and algorithms for optimizing cell suppression in tabular data with
linear constraints", JASA 2000; ESSnet *Handbook on SDC*, 2010, 4.3.3; Castro,
"Minimum-distance controlled perturbation methods", 2006). For each sensitive
cell s and each direction, find a deviation ``y = y+ - y-`` of the whole table
such that

* every relation still holds: ``A y = 0``;
* the sensitive cell moves by its protection: ``y_s = UPL`` (up) or ``-LPL`` (down);
* no level turns negative: ``0 <= y-_j <= x_j``;

at the least cost ``sum_j c_j (y+_j + y-_j)``, where ``c_j = 0`` for a cell
already withheld and the cell's weight (:meth:`Cell.weight`) otherwise. Every
cell that moves is withheld. ``x + y`` is then a table that an intruder cannot
tell from the true one (same published values, same relations, levels >= 0)
in which the sensitive cell is off by its whole protection, so the intruder's
interval reaches it: the pattern is safe by construction, and
:func:`~marsad.protect.audit.audit` checks it. Cells withheld for one sensitive
cell are free for the next, so patterns are shared.

Why this method: the exact model (a mixed-integer program with one deviation
per attacker, Fischetti-Salazar) does not scale to tens of thousands of linked
cells; the hypercube method of tau-ARGUS (GHMITER) works on hierarchies but
over-suppresses and does not know year-to-date relations; the LP heuristic is
what tau-ARGUS's *Modular* and *Optimal* methods solve at their core, handles
any linear relation, and each program is solved in milliseconds, warm-started.

The problem splits into the table's connected components (exports and imports,
each year, are independent): one solver per component.

**Earlier releases** (:mod:`~marsad.protect.apriori`): a cell known from an earlier
release (``known``) has its deviation fixed at zero, so it is never a complement,
and a known sensitive cell is no target (nothing can protect it). A sensitive cell
that the known cells pin down (exposed even with every cell not known withheld) is
no target either. Both are :attr:`Suppression.unprotectable`: the build reports
them and the audit refuses the release.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import time
from collections.abc import Callable, Hashable, Iterable, MutableMapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np

from marsad.protect import _lp
from marsad.protect.audit import audit_component, beyond_protection
from marsad.protect.cache import fingerprint, fits
from marsad.protect.primary import SECONDARY
from marsad.protect.table import LinkedTable

log = logging.getLogger(__name__)

#: A cell moves (and is withheld) when its deviation passes this share of the target.
_MOVES = 1e-6
#: Cost of moving a withheld cell: tiny beside any published cell's (>= 1), but not
#: zero, so that the deviation takes no detour and each program has a clean optimum
#: (measured: twice as fast as with zero).
_WITHHELD_COST = 0.01
#: Cells in the components to solve from which several processes share the work.
_PARALLEL_FROM = 20_000


@dataclass(frozen=True)
class Suppression:
    """The outcome of :func:`protect`: the protected table and what it cost.

    ``secondary``: keys withheld to protect others; ``rounds``: passes of
    suppression + audit (the most any component needed); ``seconds``: wall
    time; ``cache``: the pattern of each of the table's components by
    fingerprint (:mod:`~marsad.protect.cache`). The ``repr`` gives counts only.
    """

    table: LinkedTable
    secondary: frozenset[Hashable]
    rounds: int
    seconds: float
    cache: dict[str, frozenset[Hashable]] = field(default_factory=dict, repr=False)
    #: The first key of each component of ``cache`` (what it is about: a flow and a year).
    first_keys: dict[str, Hashable] = field(default_factory=dict, repr=False)
    #: Sensitive keys no pattern can protect, given what earlier releases published
    #: (:mod:`~marsad.protect.apriori`): empty without earlier releases.
    unprotectable: frozenset[Hashable] = frozenset()

    def __repr__(self) -> str:
        return (
            f"Suppression(primary={len(self.table.sensitive)}, "
            f"secondary={len(self.secondary)}, rounds={self.rounds})"
        )


def suppress(
    table: LinkedTable,
    targets: Iterable[Hashable] | None = None,
    margin: int = 1,
    workers: int | None = None,
) -> LinkedTable:
    """One pass of the LP heuristic: ``table`` with secondary cells (``D``) added.

    ``targets``: the sensitive keys to protect (default all); ``margin``: centimes
    added to each protection level, so that the solver's tolerance cannot leave
    a pattern a hair short; ``workers``: processes solving components side by
    side (default: one per core for a large table, else 1).

    >>> from marsad.protect.table import Cell, build_table, flat
    >>> t = build_table({("T",): Cell(300), ("a",): Cell(100, "A", 10, 10),
    ...                  ("b",): Cell(90), ("c",): Cell(110)}, [flat(0, "T", "abc")])
    >>> sorted(suppress(t).withheld)
    [('a',), ('b',)]
    """
    wanted = set(table.sensitive if targets is None else targets)
    jobs = []
    for comp in _lp.components(table):
        if any(k in wanted for k in comp.keys):
            jobs.append((comp.keys, _problem(table, comp, wanted, margin)))
    moved = _run(_solve, [p for _, p in jobs], [len(keys) for keys, _ in jobs], workers)
    secondary = {keys[j] for (keys, _), js in zip(jobs, moved, strict=True) for j in js}
    return table.with_secondary(secondary)


def protect(
    table: LinkedTable,
    max_rounds: int = 4,
    workers: int | None = None,
    cache: MutableMapping[str, frozenset[Hashable]] | None = None,
) -> Suppression:
    """Suppress, audit, and suppress again for any exposed cell (with a larger
    margin) until the audit finds nothing exposed: component by component (a
    component's rounds never touch another's), several side by side for a large
    table (``workers`` as in :func:`suppress`).

    ``cache`` (:mod:`~marsad.protect.cache`): ``fingerprint -> withheld keys``;
    a component whose fingerprint is in it takes its pattern from it (the same
    pattern the programs would give), the others are solved and added to it.
    :attr:`Suppression.cache` holds the entries of this table's components
    (what a build keeps for the next).

    Cells known from an earlier release (:mod:`~marsad.protect.apriori`) are never
    complements; a sensitive cell that no pattern can protect given them is left
    out of the rounds and listed in :attr:`Suppression.unprotectable`.

    Raises :class:`~marsad.protect._lp.ProtectionFailed` if cells are still
    exposed after ``max_rounds`` passes (a bug: the method is safe by construction).

    >>> from marsad.protect.table import Cell, build_table, flat
    >>> t = build_table({("T",): Cell(30), ("a",): Cell(10, "A", 1, 1), ("b",): Cell(20)},
    ...                 [flat(0, "T", "ab")])
    >>> cache = {}
    >>> protect(t, cache=cache), len(cache)
    (Suppression(primary=1, secondary=1, rounds=1), 1)
    >>> protect(t, cache=cache).secondary
    frozenset({('b',)})
    """
    start = time.perf_counter()
    used: dict[str, frozenset[Hashable]] = {}
    first_keys: dict[str, Hashable] = {}
    jobs: list[tuple[str, tuple[LinkedTable, _lp.Component, int]]] = []
    unprotectable: set[Hashable] = set()
    for comp in _lp.components(table):
        if not any(table.cells[k].sensitive for k in comp.keys):
            continue
        fp = fingerprint(table, comp)
        first_keys[fp] = comp.keys[0]
        found = cache.get(fp) if cache is not None else None
        if found is not None and fits(table, comp, found):
            used[fp] = frozenset(found)
            if any(table.cells[k].known for k in comp.keys):
                # the pattern was audited when solved: what it leaves exposed, no pattern hides
                unprotectable.update(audit_component(table.with_secondary(found), comp))
        else:
            jobs.append((fp, (_part(table, comp), comp, max_rounds)))
    sizes = [len(job[1].keys) for _, job in jobs]
    outcomes = _run(_protect_component, [job for _, job in jobs], sizes, workers)
    failed = sum(exposed for _, _, exposed, _ in outcomes)
    if failed:
        raise _lp.ProtectionFailed(
            f"{failed} sensitive cells are still exposed after "
            f"{max_rounds} rounds of suppression; this is a bug: please report it"
        )
    for (fp, _), (keys, _, _, cannot) in zip(jobs, outcomes, strict=True):
        used[fp] = keys
        unprotectable.update(cannot)
    # a sensitive cell in no relation is protected by being withheld, unless it is known
    unprotectable.update(k for k, c in table.cells.items() if c.sensitive and c.known)
    if cache is not None:
        cache.update(used)
    log.info("suppression: %d components, %d solved", len(used), len(jobs))
    # info, not a warning: the build's report counts them, and `marsad build` says so
    # once (a warning here said it again, in other words, once per year protected)
    if unprotectable:
        log.info("suppression: %d sensitive cells known from earlier releases", len(unprotectable))
    secondary = frozenset().union(*used.values())
    rounds = max([1] + [r for _, r, _, _ in outcomes])
    return Suppression(
        table.with_secondary(secondary),
        secondary,
        rounds,
        time.perf_counter() - start,
        used,
        first_keys,
        frozenset(unprotectable),
    )


def _part(table: LinkedTable, comp: _lp.Component) -> LinkedTable:
    """The cells and relations of one component as a table of their own."""
    return LinkedTable.trusted({k: table.cells[k] for k in comp.keys}, tuple(comp.relations))


def _run(fn: Callable[[Any], Any], jobs: list, sizes: list[int], workers: int | None) -> list:
    """``fn`` over ``jobs`` (components of ``sizes`` cells, largest first): in
    several processes when they hold many cells, else here."""
    if workers is None:
        big = sum(sizes) > _PARALLEL_FROM
        workers = min(os.cpu_count() or 1, len(jobs)) if big else 1
    if workers > 1:
        # spawn, not fork: the caller may hold DuckDB's threads, which a fork copies mid-work
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            return list(pool.map(fn, jobs))
    return [fn(job) for job in jobs]


def _protect_component(
    job: tuple[LinkedTable, _lp.Component, int],
) -> tuple[frozenset[Hashable], int, int, frozenset[Hashable]]:
    """The rounds of one component (its own table): ``(secondary keys, rounds,
    cells still exposed, cells no pattern can protect)``; exposed is 0 unless
    ``max_rounds`` did not suffice. Cells no pattern can protect (known from an
    earlier release, or pinned down by the known cells) are found only in a
    component holding known cells, and are not targets."""
    table, comp, max_rounds = job
    # (aim past the audit's slack: twice the programs' tolerance, at least a centime)
    values = np.array([float(table.cells[k].value) for k in comp.keys])
    margin = max(1, math.ceil(2 * _lp.tolerance(_lp.scale(values))))
    cells = table.cells
    cannot = {k for k in comp.keys if cells[k].sensitive and cells[k].known}
    wanted = {k for k in comp.keys if cells[k].sensitive} - cannot
    exposed: list[Hashable] = []
    for rounds in range(1, max_rounds + 1):
        moved = _solve(_problem(table, comp, wanted, margin))
        table = table.with_secondary(comp.keys[j] for j in moved)
        exposed = [k for k in audit_component(table, comp) if k not in cannot]
        if exposed and rounds == 1 and any(cells[k].known for k in comp.keys):
            cannot |= beyond_protection(table, comp)
            exposed = [k for k in exposed if k not in cannot]
        log.info("suppression round %d: %d cells exposed", rounds, len(exposed))
        if not exposed:
            break
        wanted, margin = set(exposed), margin * 100
    before = job[0].cells
    withheld = frozenset(
        k for k in comp.keys if table.cells[k].status == SECONDARY and not before[k].withheld
    )
    return withheld, rounds, len(exposed), frozenset(cannot)


@dataclass(frozen=True)
class _Problem:
    """One component's deviation program, by cell position (picklable for workers).

    ``values`` (centimes) and ``cost`` per cell (0 when already withheld);
    ``relations`` as (total, parts); ``targets`` as (cell, up amount, down amount);
    ``fixed``: cells whose deviation is zero (known from an earlier release).
    """

    values: np.ndarray
    cost: np.ndarray
    relations: list[tuple[int, list[int]]]
    targets: list[tuple[int, int, int]]
    fixed: np.ndarray


def _problem(table: LinkedTable, comp: _lp.Component, wanted: set, margin: int) -> _Problem:
    """The deviation program of the cells of ``comp``, for the ``wanted`` sensitive ones."""
    cells = [table.cells[k] for k in comp.keys]
    index = comp.index
    targets = [
        (i, c.upl + margin if c.upl > 0 else 0, min(c.lpl + margin, c.value) if c.lpl > 0 else 0)
        for i, (k, c) in enumerate(zip(comp.keys, cells, strict=True))
        if k in wanted and c.sensitive and not c.known
    ]
    targets.sort(key=lambda t: -max(t[1], t[2]))  # widest first: their patterns cover others
    return _Problem(
        values=np.array([c.value for c in cells], dtype=np.float64),
        cost=np.array([0.0 if c.withheld else c.weight() for c in cells]),
        relations=[(index[r.total], [index[p] for p in r.parts]) for r in comp.relations],
        targets=targets,
        fixed=np.array([c.known for c in cells], dtype=bool),
    )


def _solve(problem: _Problem) -> list[int]:
    """Positions of the cells to withhold so that every target is protected.

    A deviation found for one target may already move another by its whole
    protection (scaled down to that amount it is still feasible): that
    direction of the other target needs no program of its own.
    """
    start = time.perf_counter()
    scale = _lp.scale(problem.values)
    values = problem.values / scale
    h, n = _model(problem, values), len(values)
    published = (problem.cost > 0) & ~problem.fixed
    where = np.array([t[0] for t in problem.targets], dtype=np.int64)
    need = np.array([[t[1], t[2]] for t in problem.targets], dtype=np.float64).reshape(-1, 2)
    need /= scale
    done = need <= 0
    moved: list[int] = []
    for i, (s, *_amounts) in enumerate(problem.targets):
        for way in (0, 1):
            if done[i, way]:
                continue
            y = _deviation(h, s, n, need[i, way], way == 0, values[s])
            if y is None:  # the known cells leave no room: the audit will say
                continue
            size = y[:n] + y[n:]
            new = np.flatnonzero((size > _MOVES * need[i, way]) & published)
            if len(new):
                published[new] = False
                cols = np.concatenate([new, new + n]).astype(np.int32)
                h.changeColsCost(len(cols), cols, np.full(len(cols), _WITHHELD_COST))
                moved += new.tolist()
            signed = (y[:n] - y[n:])[where]
            done[:, 0] |= signed >= need[:, 0] * (1 - _MOVES)
            done[:, 1] |= -signed >= need[:, 1] * (1 - _MOVES)
    log.info(
        "component of %d cells: %d sensitive, %d withheld to protect them, %.2f s",
        n,
        len(problem.targets),
        len(moved),
        time.perf_counter() - start,
    )
    return moved


def _model(problem: _Problem, values: np.ndarray) -> highspy.Highs:
    """The deviation program: columns y+ (0..n-1) then y- (n..2n-1), ``A y = 0``,
    with ``y- <= values`` (the cells' values, scaled) and both zero for a fixed cell."""
    n = len(values)
    h = _lp.new_highs(dual=True)
    upper = np.concatenate([np.full(n, _lp.INF), values])
    upper[np.concatenate([problem.fixed, problem.fixed])] = 0.0
    h.addVars(2 * n, np.zeros(2 * n), upper)
    cost = np.where(problem.cost > 0, problem.cost, _WITHHELD_COST)
    both = np.concatenate([cost, cost])
    h.changeColsCost(2 * n, np.arange(2 * n, dtype=np.int32), both)
    rows = []
    for t, parts in problem.relations:
        cols = [t, t + n, *parts, *(p + n for p in parts)]
        coefs = [1.0, -1.0] + [-1.0] * len(parts) + [1.0] * len(parts)
        rows.append((cols, coefs))
    _lp.add_rows(h, rows, [0.0] * len(rows))
    return h


def _deviation(
    h: highspy.Highs, s: int, n: int, amount: float, up: bool, value: float
) -> np.ndarray | None:
    """Solve with cell ``s`` (of ``value``, scaled) moved by ``amount`` up or down;
    return the columns (y+ then y-), or None when no deviation moves it that far
    (only cells fixed by earlier releases can make it so). The cell's bounds are
    restored afterwards.

    Each program starts cold (dual simplex, no presolve): after a cell's bounds
    are fixed, a warm start from the previous basis was measured 20 times
    slower (about 1 s against 50 ms on 15,000 linked cells)."""
    plus, minus = s, s + n
    h.clearSolver()
    h.changeColBounds(plus, *((amount, amount) if up else (0.0, 0.0)))
    h.changeColBounds(minus, *((0.0, 0.0) if up else (amount, amount)))
    status = _lp.run(h, "suppression", infeasible=True)
    y = np.asarray(h.getSolution().col_value) if status != _lp.INFEASIBLE else None
    h.changeColBounds(plus, 0.0, _lp.INF)
    h.changeColBounds(minus, 0.0, float(value))
    return y
