"""Primary confidentiality of one level cell, from its contributions by contributor.

A **contributor** is an enterprise group: firms of one group count as one
(a group's two subsidiaries are not two firms); a firm without a group is its
own group. A cell's contributions are the group totals, in integer centimes.

Two rules, as in the ESSnet *Handbook on Statistical Disclosure Control*
(Hundepool et al., 2010, ch. 4.2) and tau-ARGUS:

* **minimum frequency**: fewer than ``n`` contributors (default 3) -> flag ``A``
  (SDMX CL_CONF_STATUS "primary confidential, small count");
* **p% rule**: with X the cell total and x1 >= x2 its two largest contributions,
  the cell is sensitive when ``X - x1 - x2 < p/100 * x1`` (default p = 10): the
  second-largest contributor, subtracting its own share, would estimate the
  largest one to within p% -> flag ``O`` ("primary confidential, dominance").

A sensitive cell needs an **upper protection level**: an intruder must not be
able to narrow it to less than ``[X - LPL, X + UPL]``. For the p% rule the
handbook's (and tau-ARGUS's) level is ``UPL = p/100 * x1 - (X - x1 - x2)``.
For a small-count cell that passes the p% rule, that formula gives nothing
(<= 0); tau-ARGUS then protects with a *safety range*, a share of the cell. We
take ``UPL = max(p/100 * x1 - (X - x1 - x2), p/100 * x1)``: for one or two
contributors both terms are equal (x2 can subtract its own value exactly), and
for more the cell is kept at least p% of its largest contribution away from
any estimate. Levels are rounded up to the centime (never less protection),
and ``LPL = min(UPL, X)`` because a level cannot be negative.

An empty cell (no contributor) reveals nothing and is not sensitive.

>>> rule = SdcRule()
>>> assess([5_200_000, 5_000_000, 800_000], rule).flag  # ESSnet: X = 110,000 (in MAD)
'F'
>>> cell = assess([5_000_000, 4_900_000, 100_000], rule)  # X = 100,000: dominated
>>> cell.flag, cell.upl, cell.lpl
('O', 400000, 400000)
>>> assess([3, 2], rule).flag
'A'
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

#: SDMX CL_CONF_STATUS codes used here.
FREE, SMALL_COUNT, DOMINANCE, SECONDARY = "F", "A", "O", "D"
#: Codes of a primary confidential cell.
PRIMARY_FLAGS = frozenset({"C", SMALL_COUNT, DOMINANCE, "G"})
#: Status of a latent cell of the linked table (:mod:`marsad.protect.cells`): never
#: published, never sensitive.
LATENT = "L"


@dataclass(frozen=True, slots=True)
class SdcRule:
    """The confidentiality parameters: minimum contributors and p of the p% rule.

    ``min_contributors`` (default 3) and ``p`` (percent, default 10, 0 < p <= 100)
    are confidential: they show in no ``repr`` and no error message.

    >>> SdcRule(min_contributors=4, p=Decimal("12.5"))
    SdcRule(<confidential>)
    >>> SdcRule(p=Decimal(0))
    Traceback (most recent call last):
    ...
    ValueError: the p% rule needs 0 < p <= 100 (see MARSAD_SDC_P)
    """

    min_contributors: int = field(default=3, repr=False)
    p: Decimal = field(default=Decimal(10), repr=False)

    def __post_init__(self) -> None:
        if not 0 < self.p <= 100:
            raise ValueError("the p% rule needs 0 < p <= 100 (see MARSAD_SDC_P)")
        if self.min_contributors < 1:
            raise ValueError(
                "the minimum number of contributors must be at least 1 "
                "(see MARSAD_SDC_MIN_CONTRIBUTORS)"
            )

    def __repr__(self) -> str:
        return "SdcRule(<confidential>)"

    @property
    def share(self) -> Fraction:
        """p / 100 as an exact fraction (e.g. 1/10)."""
        return Fraction(self.p) / 100


@dataclass(frozen=True, slots=True)
class Primary:
    """The primary status of one cell: its flag and protection levels in centimes.

    ``flag`` is ``F`` (free), ``A`` (fewer contributors than the minimum) or ``O``
    (dominance); ``upl``/``lpl`` are 0 for a free cell. Levels are firm figures,
    so the ``repr`` shows only the flag.

    >>> Primary("O", 400, 400)
    Primary(flag='O')
    """

    flag: str
    upl: int = field(default=0, repr=False)
    lpl: int = field(default=0, repr=False)

    @property
    def sensitive(self) -> bool:
        """True when the cell is primary confidential (flag other than ``F``)."""
        return self.flag != FREE


def contributors(
    firm_amounts: Mapping[str, int], group_of: Mapping[str, str | None] | None = None
) -> dict[str, int]:
    """Sum a cell's firm amounts (centimes) by contributor (enterprise group).

    ``group_of`` maps a firm id to its group id; a firm missing from it, or
    with an empty group, is its own contributor. Zero amounts are dropped.

    >>> contributors({"F1": 300, "F2": 200, "F3": 50}, {"F1": "G", "F2": "G"})
    {'G': 500, 'firm:F3': 50}
    """
    group_of = group_of or {}
    out: dict[str, int] = {}
    for firm, amount in firm_amounts.items():
        if amount < 0:
            raise ValueError("a contribution to a level cell cannot be negative")
        if amount:
            group = group_of.get(firm)
            key = f"group:{group}" if group else f"firm:{firm}"
            out[key] = out.get(key, 0) + amount
    return {k.removeprefix("group:"): v for k, v in out.items()}


def assess(contributions: Iterable[int], rule: SdcRule | None = None) -> Primary:
    """The primary status of a cell from its contributions by contributor (centimes).

    Each item is one contributor's total in the cell (an enterprise group's, see
    :func:`contributors`); the order does not matter. Raises ``ValueError`` on a
    negative contribution. Exact integer arithmetic: no rounding but the final
    rounding of the protection level up to the centime.

    >>> assess([1000]).flag, assess([1000]).upl   # one contributor: 10% of it
    ('A', 100)
    >>> assess([]).flag                           # empty cell: nothing to reveal
    'F'
    """
    values = sorted((int(v) for v in contributions if v), reverse=True)
    if any(v < 0 for v in values):
        raise ValueError("a contribution to a level cell cannot be negative")
    if not values:
        return Primary(FREE)
    return summary(len(values), sum(values), values[0], values[1] if len(values) > 1 else 0, rule)


def summary(count: int, total: int, x1: int, x2: int, rule: SdcRule | None = None) -> Primary:
    """The primary status of a cell from what the rules read of it: the number
    of contributors, the cell total and the two largest contributions (centimes,
    ``x2 = 0`` when there is one contributor). Same result as :func:`assess`.

    >>> summary(3, 11_000_000, 5_200_000, 5_000_000).flag    # ESSnet: safe
    'F'
    >>> summary(3, 10_000_000, 5_000_000, 4_900_000).flag    # ESSnet: not safe
    'O'
    """
    rule = rule or SdcRule()
    if not count or not total:
        return Primary(FREE)
    # in integers: p/100 = num/den, every level is (a multiple of centimes) / den
    num, den = _ratio(rule.p)
    p_rule_upl = num * x1 - den * (total - x1 - x2)
    if count < rule.min_contributors:
        upl = max(p_rule_upl, num * x1)
        flag = SMALL_COUNT
    elif p_rule_upl > 0:
        upl, flag = p_rule_upl, DOMINANCE
    else:
        return Primary(FREE)
    level = max(1, -(-upl // den))  # rounded up to the centime
    return Primary(flag, level, min(level, total))


@functools.cache
def _ratio(p: Decimal) -> tuple[int, int]:
    """p / 100 as (numerator, denominator) in lowest terms: ``(1, 10)`` for 10."""
    share = Fraction(p) / 100
    return share.numerator, share.denominator
