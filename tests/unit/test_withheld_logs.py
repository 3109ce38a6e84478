"""No log says anything of a withheld figure, its size included.

A reviewer's find: with one firm's record of 10^14 MAD making the 2024 exports total
(primary confidential, withheld), the build warned 'target_projected_level 2024: the
2030 level at the recent pace passes the 36 digits a MAD level holds': the withheld
total had grown more than a trillion times in a year, said in the log. The projection
is now withheld with the rest of the year's tracker, and nothing is logged of it.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from marsad.build import build
from marsad.coverage import CoverageRule
from marsad.engine import open_warehouse
from marsad.ingest import load_files
from marsad.protect.primary import SdcRule
from marsad.release.snapshot import indicator_rows

FIRMS = [f"F{i}" for i in range(8)]
TX_HEADER = (
    "record_id,reporter,firm_id,value_date,flow,amount,currency,service_code,partner_country"
)
#: What a log would say of the withheld projection (the warning's words, the amount).
SIGNS = ("36 digits", "not meaningful", "recent pace", "left out", "99999999", "e+")
BIG = "99999999999999.00"  # 10^14 MAD, one firm's, after totals of 0.96 MAD


def _tx(rid: str, firm: str, day: dt.date, amount: str) -> str:
    return f"{rid},BK1,{firm},{day.isoformat()},C,{amount},MAD,SI22,FR"


def _warehouse(folder):
    wh = open_warehouse(folder / "wh.duckdb")
    firms = folder / "firms.csv"
    firms.write_text(
        "firm_id,name,segment\n" + "".join(f"{f},Firm {f},ITO\n" for f in FIRMS),
        encoding="utf-8",
    )
    rows = [
        _tx(f"R{y}{m:02d}{f}", f, dt.date(y, m, 5), "0.01")
        for y in (2022, 2023, 2024)
        for m in range(1, 13)
        for f in FIRMS
    ]
    rows.append(_tx("BIG", "F0", dt.date(2024, 3, 5), BIG))
    tx = folder / "tx.csv"
    tx.write_text("\n".join([TX_HEADER, *rows]) + "\n", encoding="utf-8")
    load_files(wh, "firms", [firms])
    load_files(wh, "transactions", [tx])
    return wh


def test_a_huge_withheld_total_leaves_no_sign_in_the_build_output(tmp_path, caplog, capfd):
    wh = _warehouse(tmp_path)
    capfd.readouterr()
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        build(wh, coverage_rule=CoverageRule(window=3), sdc_rule=SdcRule(3, Decimal(10)))
    out, err = capfd.readouterr()
    said = "\n".join([caplog.text, out, err])
    public = {(r[0], r[1], r[2], r[3]): r for r in indicator_rows(wh, "", internal=False)}
    wh.close()
    level = public[("level", "exports", "2024", "TOTAL")]
    assert level[6] in (None, "") and level[9] != "F"  # the total is withheld
    projected = public[("target_projected_level", "exports", "2024", "TOTAL")]
    assert projected[6] in (None, "") and projected[9] != "F"  # withheld, like the others
    for sign in SIGNS:
        assert sign not in said, sign


def test_the_build_command_says_nothing_of_it_either(tmp_path, caplog):
    """The same through ``marsad build``: its whole output, and the logs at DEBUG."""
    from tests.support import run

    _warehouse(tmp_path).close()
    with caplog.at_level(logging.DEBUG):
        result = run("build", "--warehouse", str(tmp_path / "wh.duckdb"))
    said = "\n".join([caplog.text, result.output, result.stderr or ""])
    # withheld like the recent growth of its year, counted with it, nothing else said
    assert "target_projected_level (exports): 1 of 2 (0 primary, 1 secondary)" in said
    assert "target_recent_growth (exports): 1 of 2 (0 primary, 1 secondary)" in said
    for sign in SIGNS:
        assert sign not in said, sign
