"""The confidentiality parameters and firms' figures never reach a message, log or repr."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from marsad.protect import Cell, Primary, SdcRule, assess, audit, build_table, flat, protect

P, N = Decimal("13.37"), 7


def test_the_rule_shows_neither_p_nor_n():
    text = repr(SdcRule(min_contributors=N, p=P)) + str(SdcRule(min_contributors=N, p=P))
    assert "13.37" not in text and "7" not in text


@pytest.mark.parametrize("p", [Decimal("-13.37"), Decimal("113.37")])
def test_a_bad_p_is_refused_without_repeating_it(p):
    with pytest.raises(ValueError) as err:
        SdcRule(p=p)
    assert "13.37" not in str(err.value)


def test_a_bad_minimum_is_refused_without_repeating_it():
    with pytest.raises(ValueError) as err:
        SdcRule(min_contributors=-77)
    assert "77" not in str(err.value)


def test_suppression_and_audit_log_no_parameter_and_no_value(caplog):
    rule = SdcRule(min_contributors=N, p=P)
    values = {"a": [987_651, 3], "b": [5, 5, 5], "c": [400, 400, 400, 400, 400, 400, 400, 400]}
    cells = {(k,): Cell.from_primary(sum(v), assess(v, rule)) for k, v in values.items()}
    cells[("T",)] = Cell(sum(sum(v) for v in values.values()))
    table = build_table(cells, [flat(0, "T", "abc")])
    with caplog.at_level(logging.DEBUG, logger="marsad"):
        result = protect(table)
        found = audit(result.table)
    shown = " ".join(r.getMessage() for r in caplog.records)
    shown += repr(result) + repr(found) + repr(list(result.table.cells.values()))
    assert "13.37" not in shown and "min_contributors" not in shown
    for secret in ("987651", "987654", "98765"):
        assert secret not in shown


def test_primary_and_cell_reprs_show_only_the_flag():
    assert repr(Primary("O", 123_456, 123_456)) == "Primary(flag='O')"
    assert "123456" not in repr(Cell(123_456, "O", 1_234, 1_234))
