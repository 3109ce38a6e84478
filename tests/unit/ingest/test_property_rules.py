"""Properties of the arithmetic of the new rules: every notation of a number reads as
that number; the export's amounts read back exactly, under either decimal mark;
a withdrawal leaves each record at the latest version of a load not withdrawn."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsad.ingest.header import _vote
from marsad.ingest.quarantine import canonical_amount
from marsad.ingest.validate import _normalised, number_pattern

AMOUNTS = st.decimals(
    min_value=Decimal("-99999999999999.999"),
    max_value=Decimal("99999999999999.999"),
    places=3,
    allow_nan=False,
    allow_infinity=False,
)
CON = duckdb.connect()


def _write(x: Decimal, decimal: str, group: str | None, notation: str) -> str:
    """``x`` as a bank may write it: decimal mark, grouping, sign notation."""
    units, _, frac = f"{abs(x):f}".partition(".")
    if group:
        units = f"{int(units):,}".replace(",", group)
    text = units + (decimal + frac if frac else "")
    if x >= 0:
        return text
    return {"minus": "-" + text, "unicode": "\u2212" + text, "trailing": text + "-"}.get(
        notation, "(" + text + ")"
    )


def _read(text: str, decimal: str) -> Decimal | None:
    v = "v"
    sql = (
        f"SELECT CASE WHEN regexp_full_match(v, ?) "
        f"THEN TRY_CAST({_normalised(v, decimal)} AS DECIMAL(18,3)) END FROM (SELECT ? AS v)"
    )
    return CON.execute(sql, [number_pattern(decimal), text]).fetchone()[0]


@given(
    x=AMOUNTS,
    decimal=st.sampled_from([".", ","]),
    group=st.sampled_from([None, " ", "\u00a0", "\u202f", "'", "thousands"]),
    notation=st.sampled_from(["minus", "unicode", "trailing", "brackets"]),
)
@settings(max_examples=300, deadline=None)
def test_every_notation_of_a_number_reads_as_that_number(x, decimal, group, notation):
    grouping = ("," if decimal == "." else ".") if group == "thousands" else group
    text = _write(x, decimal, grouping, notation)
    assert _read(text, decimal) == x


@given(x=AMOUNTS)
@settings(max_examples=300, deadline=None)
def test_export_amounts_read_back_exactly_and_tell_their_decimal_mark(x):
    """No exported amount can be taken for thousands under a decimal comma."""
    text = CON.execute(
        f"SELECT {canonical_amount('a')} FROM (SELECT ?::DECIMAL(18,3) AS a)", [x]
    ).fetchone()[0]
    assert _vote(text.lstrip("-")) in (".", None)
    assert _read(text, ".") == x
    assert len(text.partition(".")[2]) == 4  # every amount in one form: four decimals
    assert "," not in text and " " not in text


@pytest.mark.slow
@given(
    steps=st.lists(
        st.one_of(
            st.tuples(
                st.just("load"),
                st.dictionaries(st.sampled_from("ABC"), st.integers(1, 9), min_size=1),
            ),
            st.tuples(st.just("withdraw"), st.integers(0, 5)),
        ),
        min_size=1,
        max_size=6,
    )
)
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_withdrawal_leaves_the_latest_version_of_loads_not_withdrawn(tmp_path_factory, steps):
    from marsad.engine.warehouse import Warehouse
    from marsad.ingest.withdraw import withdraw

    from .conftest import load, tx, write_csv

    folder = tmp_path_factory.mktemp("w")
    wh = Warehouse(folder / "wh.duckdb")
    loads: list[tuple[str, dict[str, int]]] = []
    gone: set[str] = set()
    try:
        for i, (act, arg) in enumerate(steps):
            if act == "load":
                rows = [tx(k, amount=f"{v}.{i}") for k, v in arg.items()]
                r = load(wh, write_csv(folder / f"f{i}.csv", rows))
                loads.append((r.load_id, {k: Decimal(f"{v}.{i}") for k, v in arg.items()}))
            elif loads:
                load_id = loads[arg % len(loads)][0]
                withdraw(wh, load_id, "test", "t")
                gone.add(load_id)
        expected: dict[str, Decimal] = {}
        for load_id, versions in loads:
            if load_id not in gone:
                expected.update(versions)
        got = dict(wh.sql("SELECT record_id, amount FROM transactions"))
        assert got == expected
    finally:
        wh.close()
