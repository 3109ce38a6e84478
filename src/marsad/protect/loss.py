"""Information loss: what disclosure control withheld, table by table.

A *table* is one flow and one breakdown of the levels (e.g. "exports by
partner": every period, every partner), and one more per derived indicator.
For each: the cells published, the cells withheld as primary and as
secondary, and the share of the table's value withheld (levels only), as a
percentage to one decimal: over a whole table it cannot be read back into one
cell's value, and it is what tau-ARGUS and the ESSnet handbook report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from marsad.indicators.table import IndicatorTable
from marsad.protect.cells import LATENT
from marsad.protect.primary import SECONDARY
from marsad.protect.table import Key, LinkedTable
from marsad.reference import ALL, TOTAL


@dataclass(frozen=True)
class Loss:
    """One table's loss (e.g. exports by partner: 3,120 cells, 410 primary, 95
    secondary, 1.2 % of the value withheld; ``share`` is None for derived figures)."""

    table: str
    cells: int
    primary: int
    secondary: int
    share: Decimal | None = None

    @property
    def withheld(self) -> int:
        return self.primary + self.secondary


def breakdown(key: Key) -> str:
    """The name of a level cell's table (``exports by segment x partner``).

    >>> breakdown(("exports", "2024", "ITO", "_T", "FR"))
    'exports by segment x partner'
    >>> breakdown(("imports", "2024-07/YTD", "TOTAL", "_T", "_T"))
    'imports, total'
    """
    flow, _period, segment, service, partner = key
    dims = [
        name
        for name, code, total in (
            ("segment", segment, TOTAL),
            ("service", service, ALL),
            ("partner", partner, ALL),
        )
        if code != total
    ]
    return f"{flow} by {' x '.join(dims)}" if dims else f"{flow}, total"


def information_loss(linked: LinkedTable, table: IndicatorTable) -> list[Loss]:
    """The loss of every level table, then of every derived indicator.

    >>> from marsad.protect.table import Cell, build_table, flat
    >>> t = build_table({("exports", "2024", k, "_T", "_T"): Cell(v, s)
    ...                  for k, v, s in [("TOTAL", 10, "F"), ("ITO", 4, "A"), ("CRM", 6, "D")]}, [])
    >>> information_loss(t, IndicatorTable([]))
    [Loss(table='exports by segment', cells=2, primary=1, secondary=1, share=Decimal('100.0')), \
Loss(table='exports, total', cells=1, primary=0, secondary=0, share=Decimal('0.0'))]
    """
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for key, cell in linked.cells.items():
        if cell.status == LATENT:
            continue  # not a published cell: TOTAL less DDS
        c = counts[breakdown(key)]
        c[0] += 1
        c[1] += cell.sensitive
        c[2] += cell.withheld and not cell.sensitive
        c[3] += cell.value
        c[4] += cell.value if cell.withheld else 0
    derived: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for obs in table:
        if obs.indicator not in ("level", "ytd_level") or obs.flow == "balance":
            d = derived[derived_name(obs.indicator, obs.flow)]
            d[0] += 1
            d[1] += obs.conf_status == SECONDARY
    return losses(counts, derived)


def derived_name(indicator: str, flow: str) -> str:
    """The name of a derived figure's table (``growth_yoy (exports)``)."""
    return f"{indicator} ({flow})"


def losses(levels: Mapping[str, Sequence[int]], derived: Mapping[str, Sequence[int]]) -> list[Loss]:
    """The losses of counts by table name: ``levels`` as (cells, primary, secondary,
    value, value withheld), ``derived`` as (figures, withheld); levels first, each
    part by name (what :func:`information_loss` and the build's stored tables give).

    >>> losses({"exports, total": (2, 1, 0, 300, 100)}, {"share (exports)": (4, 1)})
    [Loss(table='exports, total', cells=2, primary=1, secondary=0, share=Decimal('33.3')), \
Loss(table='share (exports)', cells=4, primary=0, secondary=1, share=None)]
    """
    out = [
        Loss(name, n, p, s, _percent(withheld, total))
        for name, (n, p, s, total, withheld) in sorted(levels.items())
    ]
    out += [Loss(name, n, 0, s) for name, (n, s) in sorted(derived.items())]
    return out


def _percent(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def summary_line(losses: list[Loss]) -> str:
    """One line for the build's report (counts only).

    >>> summary_line([Loss("exports, total", 10, 1, 2, Decimal(5)), Loss("growth", 4, 0, 1)])
    'withheld: 3 of 10 level cells (1 primary, 2 secondary), 1 of 4 derived figures'
    """
    levels = [x for x in losses if x.share is not None]
    derived = [x for x in losses if x.share is None]
    cells = sum(x.cells for x in levels)
    primary = sum(x.primary for x in levels)
    secondary = sum(x.secondary for x in levels)
    derived_withheld = sum(x.secondary for x in derived)
    return (
        f"withheld: {primary + secondary:,} of {cells:,} level cells "
        f"({primary:,} primary, {secondary:,} secondary), "
        f"{derived_withheld:,} of {sum(x.cells for x in derived):,} derived figures"
    )
