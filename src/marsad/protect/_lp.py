"""What the suppression and the audit share: a quiet HiGHS and per-component pieces.

One :class:`highspy.Highs` object per connected component of the table, kept
across its linear programs so that each one warm-starts from the previous
basis, without presolve (it would discard the basis). The audit changes only
the objective between programs: primal simplex (``simplex_strategy=4``) keeps
the basis feasible. The suppression changes a cell's bounds: dual simplex
(``simplex_strategy=1``) keeps the basis dual feasible (measured: the primal
simplex took minutes where the dual takes tens of milliseconds).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import highspy
import numpy as np

from marsad.errors import MarsadError
from marsad.protect.table import LinkedTable, Relation

INF = highspy.kHighsInf
#: The largest value of a component once scaled (see :func:`scale`).
_UNITS = 1e6
#: What the programs can tell apart, in units of :func:`scale` (see :func:`tolerance`).
_PRECISION = 1e-6
#: Solver statuses after which a solution (or a proof of unboundedness) can be read.
OPTIMAL = highspy.HighsModelStatus.kOptimal
UNBOUNDED = (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible)
INFEASIBLE = highspy.HighsModelStatus.kInfeasible


class ProtectionFailed(MarsadError):
    """The solver could not finish a suppression or audit program (one plain line)."""


@dataclass(frozen=True)
class Component:
    """One connected part of a table: its cell keys and the relations among them."""

    keys: list[Hashable]
    relations: list[Relation]

    @property
    def index(self) -> dict[Hashable, int]:
        """Position of each key in :attr:`keys`."""
        return {k: i for i, k in enumerate(self.keys)}


def components(table: LinkedTable) -> list[Component]:
    """The table's connected components, each with its relations, largest first."""
    groups = table.components()
    where = {k: g for g, keys in enumerate(groups) for k in keys}
    rels: list[list[Relation]] = [[] for _ in groups]
    for rel in table.relations:
        rels[where[rel.total]].append(rel)
    comps = [Component(keys, r) for keys, r in zip(groups, rels, strict=True)]
    return sorted(comps, key=lambda c: -len(c.keys))


def new_highs(dual: bool = False) -> highspy.Highs:
    """A silent HiGHS set up for a sequence of warm-started linear programs:
    primal simplex when only the objective changes between them, dual simplex
    when bounds change (``dual=True``)."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")
    h.setOptionValue("simplex_strategy", 1 if dual else 4)
    return h


def scale(values: np.ndarray) -> float:
    """Centimes per unit of the programs, so that the largest value is about 10^6.

    HiGHS's tolerances are absolute (1e-7): with values of 10^11 centimes a
    relation's rounding error alone (10^-5) would pass them and the solver
    would call a feasible program infeasible.

    >>> scale(np.array([5.0, 3e11]))
    300000.0
    """
    top = float(values.max()) if len(values) else 0.0
    return max(1.0, top / _UNITS)


def tolerance(scale: float) -> float:
    """Centimes the programs cannot tell apart in a component of ``scale``
    (:func:`scale`): half a centime, or ten times HiGHS's feasibility tolerance (1e-7 of
    a unit) where a unit is worth more than 500,000 centimes. The audit grants the
    solver this slack; the suppression aims twice as far, so that no cell it protects
    is left within it.

    A component holding cells of 10^14 MAD and cells of a few centimes (amounts the
    checks accept, at the limits of the rates) has a unit of 10^10 centimes: with half
    a centime the audit asked the solver for 19 significant digits, found cells
    exposed that the suppression had protected, and the build failed after four
    rounds ("this is a bug").

    >>> tolerance(1.0), tolerance(3e6), tolerance(1e16)
    (0.5, 3.0, 10000000000.0)
    """
    return max(0.5, _PRECISION * scale)


def add_rows(
    h: highspy.Highs,
    rows: Sequence[tuple[list[int], list[float]]],
    bounds: Sequence[float],
) -> None:
    """Add equality rows ``sum(coef * col) = bound``, each given as (columns, coefficients)."""
    if not rows:
        return
    starts = np.cumsum([0] + [len(cols) for cols, _ in rows[:-1]], dtype=np.int32)
    index = np.fromiter((c for cols, _ in rows for c in cols), dtype=np.int32)
    value = np.fromiter((v for _, vals in rows for v in vals), dtype=np.float64)
    rhs = np.asarray(bounds, dtype=np.float64)
    h.addRows(len(rows), rhs, rhs, len(index), starts, index, value)


def run(h: highspy.Highs, what: str, infeasible: bool = False) -> highspy.HighsModelStatus:
    """Solve; raise :class:`ProtectionFailed` unless optimal or unbounded (or
    infeasible, when ``infeasible`` says that is an answer).

    A warm start that ends anywhere else is retried once from scratch.
    """
    done = (OPTIMAL, *UNBOUNDED, *((INFEASIBLE,) if infeasible else ()))
    h.run()
    status = h.getModelStatus()
    if status not in done:
        h.clearSolver()
        h.run()
        status = h.getModelStatus()
    if status not in done:
        raise ProtectionFailed(
            f"the {what} program did not finish ({h.modelStatusToString(status)}); "
            "this is a bug: please report it"
        )
    return status
