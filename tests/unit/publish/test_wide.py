"""The wide tables of the Excel export: one row per series, one column per period,
every row of the table at exactly one cell, whatever the order of the rows."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.publish.wide import SERIES, pivot

PERIODS = ["2024", "2025", "2024-S2", "2025-S1", "2024-Q4", "2025-Q1", "2024-12", "2025-01"]


def _row(segment, partner, period, value, status="A", conf="F", flow="exports"):
    return dict(indicator="level", flow=flow, period=period, segment=segment, service="_T",
                partner=partner, value=value, unit="MAD", obs_status=status,
                conf_status=conf)  # fmt: skip


observations = st.lists(
    st.tuples(
        st.sampled_from(["TOTAL", "ITO", "KPO", "DDS"]),
        st.sampled_from(["_T", "FR", "US"]),
        st.sampled_from(PERIODS),
        st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False),
        st.sampled_from(["A", "P", "B"]),
        st.sampled_from(["F", "F", "D"]),
    ),
    min_size=1,
    max_size=40,
    unique_by=lambda t: t[:3],
)


@settings(max_examples=60, deadline=None)
@given(observations, st.randoms(use_true_random=False))
def test_every_row_is_at_its_cell_in_any_order(obs, rnd):
    """Each row is found at (its series' row, its period's column) with its exact value,
    [c] when withheld; every other cell is [x]; shuffling the rows changes nothing."""
    rows = [_row(s, p, t, "" if c != "F" else str(v), st_, c) for s, p, t, v, st_, c in obs]
    wide = pivot(rows, ["level"])
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    assert pivot(shuffled, ["level"]) == wide
    assert wide.periods == [p for p in PERIODS if p in {r["period"] for r in rows}]
    at = {(tuple(k[d] for d in SERIES), p): (n, wide.labels + m)
          for n, k in enumerate(wide.keys) for m, p in enumerate(wide.periods)}  # fmt: skip
    filled = set()
    for r in rows:
        n, m = at[(tuple(r[d] for d in SERIES), r["period"])]
        got = wide.body[n][m]
        if r["conf_status"] != "F":
            assert got == "[c]"
        else:
            assert Decimal(str(got)) == Decimal(r["value"])
        filled.add((n, m))
    for n, line in enumerate(wide.body):
        blanks = [m for m in range(wide.labels, len(line)) if (n, m) not in filled]
        assert all(line[m] == "[x]" for m in blanks)


def test_a_status_of_some_values_of_a_period_is_in_its_header_and_a_note():
    """The break flags one series in 2023: the header says [b] and a note says which."""
    rows = [
        _row("TOTAL", "_T", "2023", "26.00", "B"),
        _row("ITO", "_T", "2023", "10.00"),
        _row("ITO", "_T", "2024", "11.00", "P"),
        _row("TOTAL", "_T", "2024", "27.00", "P"),
    ]
    wide = pivot(rows, ["level"])
    assert wide.header[-2:] == ["2023 [b]", "2024 [p]"]
    assert wide.notes == ["[b] in 2023 concerns only: level exports TOTAL _T _T."]
    assert [k["segment"] for k in wide.keys] == ["TOTAL", "ITO"]


def test_names_come_from_the_reference_and_babel():
    """Partner names are Babel's English territory names; services the EBOPS names."""
    rows = [_row("TOTAL", "FR", "2024", "1.00"), _row("TOTAL", "_T", "2024", "2.00"),
            _row("TOTAL", "MA", "2024", "3.00", flow="imports")]  # fmt: skip
    wide = pivot(rows, ["level"])
    assert wide.header[:3] == ["Flow", "Partner", "Partner name"]
    assert [line[:3] for line in wide.body] == [
        ["exports", "_T", "All partner countries"],
        ["exports", "FR", "France"],
        ["imports", "MA", "Morocco"],
    ]
