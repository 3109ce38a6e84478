"""Primary confidentiality: the small-count rule and the p% rule, by enterprise group."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marsad.protect.primary import Primary, SdcRule, assess, contributors, summary

MAD = 100  # centimes


def test_essnet_safe_example():
    """ESSnet handbook, p = 10: X = 110,000, x1 = 52,000, x2 = 50,000 is safe."""
    assert assess([52_000 * MAD, 50_000 * MAD, 8_000 * MAD]).flag == "F"


def test_essnet_unsafe_example_and_its_protection_level():
    """ESSnet handbook, p = 10: X = 100,000, x1 = 50,000, x2 = 49,000 is not;
    UPL = 10% x 50,000 - (100,000 - 50,000 - 49,000) = 4,000."""
    cell = assess([50_000 * MAD, 49_000 * MAD, 1_000 * MAD])
    assert (cell.flag, cell.upl, cell.lpl) == ("O", 4_000 * MAD, 4_000 * MAD)


def test_the_remainder_must_be_strictly_below_p_percent():
    """At X - x1 - x2 == p/100 x1 exactly the rule is met (exact arithmetic, no float)."""
    assert assess([1000, 500, 100]).flag == "F"
    assert assess([1000, 500, 99]).flag == "O"


def test_two_subsidiaries_of_a_group_are_one_contributor():
    """A group's firms add up: three firms of which two share a group are two contributors."""
    firms = {"A1": 600, "A2": 500, "B": 100}
    assert assess(contributors(firms).values()).flag == "F"
    grouped = contributors(firms, {"A1": "G", "A2": "G"})
    assert grouped == {"G": 1100, "firm:B": 100}
    assert assess(grouped.values()).flag == "A"


def test_a_group_can_dominate_where_no_firm_does():
    firms = {"A1": 600, "A2": 500, "B": 100, "C": 50}
    assert assess(contributors(firms).values()).flag == "F"
    assert assess(contributors(firms, {"A1": "G", "A2": "G"}).values()).flag == "O"


@pytest.mark.parametrize("values", [[1000], [700, 300]])
def test_one_or_two_contributors_are_protected_by_p_percent_of_the_largest(values):
    cell = assess(values)
    assert cell.flag == "A"
    assert cell.upl == math.ceil(max(values) / 10)


def test_small_count_passing_the_p_rule_still_gets_a_protection_level():
    """With n = 5, four equal contributors pass the p% rule: the safety range is p% of x1."""
    cell = assess([100, 100, 100, 100], SdcRule(min_contributors=5))
    assert (cell.flag, cell.upl) == ("A", 10)


def test_empty_cell_and_zero_contributions_reveal_nothing():
    assert assess([]).flag == "F"
    assert assess([0, 0]).flag == "F"
    assert contributors({"A": 0, "B": 5}) == {"firm:B": 5}


def test_negative_contributions_are_refused():
    with pytest.raises(ValueError, match="negative"):
        assess([5, -1])
    with pytest.raises(ValueError, match="negative"):
        contributors({"A": -1})


amounts = st.lists(st.integers(min_value=1, max_value=10**12), min_size=0, max_size=8)
rules = st.builds(
    SdcRule,
    min_contributors=st.integers(1, 5),
    p=st.decimals(min_value=Decimal("0.5"), max_value=Decimal(50), places=2),
)


@given(amounts, rules, st.randoms())
def test_order_does_not_matter(values, rule, rnd):
    shuffled = list(values)
    rnd.shuffle(shuffled)
    assert assess(values, rule) == assess(shuffled, rule)


@given(amounts, rules)
def test_free_cells_meet_both_rules_and_others_get_the_exact_level(values, rule):
    """A free cell has enough contributors and X - x1 - x2 >= p/100 x1; a dominated
    cell's UPL is the handbook's formula rounded up to the centime, at most X."""
    cell = assess(values, rule)
    top = [*sorted(values, reverse=True), 0, 0]
    x, x1, x2 = sum(values), top[0], top[1]
    excess = 100 * (x - x1 - x2) - rule.p * x1  # exact Decimal
    if cell.flag == "F":
        assert not values or (len(values) >= rule.min_contributors and excess >= 0)
        assert cell.upl == cell.lpl == 0
    else:
        assert 1 <= cell.lpl <= cell.upl and cell.lpl <= x
    if cell.flag == "O":
        assert excess < 0
        assert cell.upl == max(1, math.ceil(-excess / 100))


def _summary_in_fractions(count, total, x1, x2, rule):
    """The levels as the module wrote them before they were computed in integers."""
    from fractions import Fraction

    if not count or not total:
        return Primary("F")
    share = Fraction(rule.p) / 100
    p_rule_upl = share * x1 - (total - x1 - x2)
    if count < rule.min_contributors:
        upl, flag = max(p_rule_upl, share * x1), "A"
    elif p_rule_upl > 0:
        upl, flag = p_rule_upl, "O"
    else:
        return Primary("F")
    level = max(1, math.ceil(upl))
    return Primary(flag, level, min(level, total))


@given(amounts, rules)
def test_summary_in_integers_equals_the_fraction_formula(values, rule):
    """The integer arithmetic of ``summary`` gives the flag and levels of the exact
    fractions, to the centime (p with two decimals: levels that are not whole centimes)."""
    top = [*sorted(values, reverse=True), 0, 0]
    args = (len(values), sum(values), top[0], top[1])
    assert summary(*args, rule) == _summary_in_fractions(*args, rule)
