"""The intruder's audit: can a withheld sensitive cell be narrowed from what is published?

The intruder knows every published value and every relation of the table,
and that levels are not negative. For each withheld primary cell s, two
linear programs over the withheld cells z (ESSnet *Handbook on SDC*, 2010,
4.3.2, "audit"; tau-ARGUS's "audit" step)::

    min / max  z_s
    subject to every relation, published values fixed, z >= 0

give the tightest interval the intruder can derive. The cell is **protected**
when ``min <= X - LPL`` and ``max >= X + UPL`` (to the solver's precision: half a
centime, more in a component of very large values, :func:`~._lp.tolerance`),
**exposed** otherwise. Derived figures add nothing: one
that uses a withheld level is withheld (:func:`~marsad.protect.table.derived_withheld`).

A cell an earlier release published with the value it has now (``known``,
:mod:`~marsad.protect.apriori`) is a published value to the intruder, whatever its
flag here: a constant of the programs. A known sensitive cell is exposed: no
suppression can take back what was published.

Published values are constants, so they are substituted into the relations
rather than kept as fixed variables. Each component of the table has one
solver; between its programs only the objective changes, so each warm-starts
from the previous optimal basis (primal simplex).

Results carry counts and cell keys, never a value.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from dataclasses import dataclass

import highspy
import numpy as np

from marsad.protect import _lp
from marsad.protect.table import LinkedTable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditResult:
    """Protected and exposed counts of withheld sensitive cells, with the exposed keys;
    ``known``: how many of the exposed are known from an earlier release (their value
    published then, :mod:`~marsad.protect.apriori`), which no suppression can protect;
    ``earlier``: how many of the exposed no pattern could protect, the earlier releases
    alone giving them away (the ``known``, and those exposed even with every cell not
    known withheld: :func:`beyond_protection`); withholding more now hides nothing of them;
    ``without_cells``: the earlier releases the intruder held without their protected
    cells (:attr:`~marsad.protect.apriori.Apriori.without_cells`: rules A and B only).

    >>> AuditResult(3, 1, (("exports", "2024-07", "ITO"),))
    AuditResult(protected=3, exposed=1)
    """

    protected: int
    exposed: int
    exposed_ids: tuple[Hashable, ...] = ()
    known: int = 0
    earlier: int = 0
    without_cells: tuple[str, ...] = ()
    #: withheld cells (sensitive or not) that a published derived figure gives away
    #: (:func:`~marsad.protect.stored.revealed`): the table broke its own rule
    revealed: int = 0

    def __repr__(self) -> str:
        return f"AuditResult(protected={self.protected}, exposed={self.exposed})"

    @property
    def ok(self) -> bool:
        """True when no sensitive cell is exposed and no derived figure gives a
        withheld cell away."""
        return self.exposed == 0 and self.revealed == 0


def audit(table: LinkedTable) -> AuditResult:
    """Run the intruder's programs on ``table``; a published sensitive cell is exposed.

    >>> from marsad.protect.table import Cell, build_table, flat
    >>> cells = {("T",): Cell(30), ("a",): Cell(10, "A", 1, 1), ("b",): Cell(20)}
    >>> audit(build_table(cells, [flat(0, "T", "ab")]))   # a = T - b
    AuditResult(protected=0, exposed=1)
    >>> cells[("b",)] = Cell(20, "D")
    >>> audit(build_table(cells, [flat(0, "T", "ab")]))
    AuditResult(protected=1, exposed=0)
    """
    exposed: list[Hashable] = []
    beyond: set[Hashable] = set()
    protected = 0
    linked: set[Hashable] = set()
    for comp in _lp.components(table):
        linked.update(comp.keys)
        if any(table.cells[k].sensitive for k in comp.keys):
            found = audit_component(table, comp)
            exposed += found
            protected += sum(table.cells[k].sensitive for k in comp.keys) - len(found)
            if found and any(table.cells[k].known for k in comp.keys):
                beyond |= beyond_protection(table, comp)
    # a sensitive cell in no relation: nothing bounds it above (unless it is known)
    alone = [k for k, c in table.cells.items() if k not in linked and c.sensitive]
    exposed += [k for k in alone if table.cells[k].known]
    protected += sum(not table.cells[k].known for k in alone)
    known = sum(table.cells[k].known for k in exposed)
    earlier = sum(table.cells[k].known or k in beyond for k in exposed)
    return AuditResult(protected, len(exposed), tuple(exposed), known, earlier)


def beyond_protection(table: LinkedTable, comp: _lp.Component) -> set[Hashable]:
    """The sensitive cells of ``comp`` exposed even with every cell not known from an
    earlier release withheld: withholding more only widens the intruder's intervals,
    so no pattern protects them (the earlier releases alone give them away).

    >>> from marsad.protect.apriori import Apriori
    >>> from marsad.protect.table import Cell, build_table, flat
    >>> earlier = Apriori.of_tables([{("T",): 300, ("b",): 90, ("c",): 110}])
    >>> t = earlier.protecting(build_table({("T",): Cell(300), ("a",): Cell(100, "A", 10, 10),
    ...     ("b",): Cell(90), ("c",): Cell(110)}, [flat(0, "T", "abc")]))
    >>> beyond_protection(t, _lp.components(t)[0])   # a = T - b - c, all known
    {('a',)}
    """
    widest = table.with_secondary(k for k in comp.keys if not table.cells[k].known)
    return set(audit_component(widest, comp))


def audit_component(table: LinkedTable, comp: _lp.Component) -> list[Hashable]:
    """Exposed sensitive keys of one component (``comp``, of :func:`~._lp.components`),
    in the component's order; ``[]`` when every withheld sensitive cell keeps its
    protection interval (a known sensitive cell never does). Raises
    :class:`~._lp.ProtectionFailed` if a program fails.

    Every optimal solution is a table the intruder cannot rule out: it also
    settles each other sensitive cell it takes far enough down (or up), whose
    own program in that direction is then not needed (measured: about a third
    of the programs remain on a concentrated table).
    """
    hidden = [k for k in comp.keys if table.cells[k].hidden]
    known = {k for k in comp.keys if table.cells[k].sensitive and table.cells[k].known}
    h, scale = _model(table, comp, hidden)
    cells = [table.cells[k] for k in hidden]
    slack = _lp.tolerance(scale)
    low = np.array([c.value - c.lpl + slack for c in cells], dtype=np.float64) / scale
    high = np.array([c.value + c.upl - slack for c in cells], dtype=np.float64) / scale
    sensitive = np.array([c.sensitive for c in cells], dtype=bool)
    down, up = ~sensitive, ~sensitive  # directions settled (two new arrays)
    for j in np.flatnonzero(sensitive):
        for sense, settled in ((1.0, down), (-1.0, up)):
            if settled[j]:
                continue
            h.changeColCost(int(j), sense)
            status = _lp.run(h, "audit")
            h.changeColCost(int(j), 0.0)
            if status in _lp.UNBOUNDED:  # only a maximum can be unbounded
                up[j] = True
                continue
            x = np.asarray(h.getSolution().col_value)
            down |= x <= low
            up |= x >= high
    found = {hidden[j] for j in np.flatnonzero(sensitive & ~(down & up))} | known
    return [k for k in comp.keys if k in found]


def _model(
    table: LinkedTable, comp: _lp.Component, hidden: list[Hashable]
) -> tuple[highspy.Highs, float]:
    """The intruder's program of one component: a column per ``hidden`` cell (>= 0),
    a row per relation with the published and known values moved to the right-hand side."""
    col = {k: i for i, k in enumerate(hidden)}
    scale = _lp.scale(np.array([float(table.cells[k].value) for k in comp.keys]))
    h = _lp.new_highs()
    h.addVars(len(hidden), np.zeros(len(hidden)), np.full(len(hidden), _lp.INF))
    rows, rhs = [], []
    for rel in comp.relations:
        terms = [(rel.total, 1.0)] + [(p, -1.0) for p in rel.parts]
        cols = [col[k] for k, _ in terms if k in col]
        if cols:
            rows.append((cols, [c for k, c in terms if k in col]))
            rhs.append(-sum(c * table.cells[k].value for k, c in terms if k not in col) / scale)
    _lp.add_rows(h, rows, rhs)
    return h, scale
