"""Files sent again, whole or in part, through the command line: a row with the
same content as a record already loaded is *unchanged* (neither loaded again nor
quarantined), a row with other content is a correction, a key repeated inside one
file with other content is quarantined; for every kind, rows read = loaded +
unchanged + quarantined, and ``quarantine show`` shows exactly the quarantined."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marsad.cli import app
from marsad.engine.warehouse import Warehouse

FIRMS = "firm_id,name,segment,isic,city\n" + "".join(
    f"F{i:04d},Firm {i},{['ITO', 'CRM', 'ESO', 'BPO', 'KPO'][i % 5]},6201,Rabat\n"
    for i in range(1200)
)
RATES = "date,currency,mad_per_unit\n" + "".join(
    f"2024-01-{d:02d},{c},{10 + d / 100:.4f}\n" for d in range(1, 29) for c in ("EUR", "USD")
)
JOBS = "period,segment,jobs\n" + "".join(
    f"{y},{s},{1000 * (i + 1) + y - 2000}\n"
    for y in (2022, 2023, 2024)
    for i, s in enumerate(["ITO", "CRM", "ESO", "BPO", "KPO", "TOTAL"])
)
TX_HEADER = "record_id,reporter,firm_id,value_date,flow,amount,currency,service_code,"
TX_HEADER += "partner_country\n"


def tx(i: int, amount: str = "100.50") -> str:
    return f"R{i},BANK1,F0001,2024-01-{1 + i % 28:02d},C,{amount},EUR,SI22,FR\n"


def run(wh: Path, *args: str) -> str:
    res = CliRunner().invoke(app, [*args, "--warehouse", str(wh)])
    assert res.exit_code == 0, res.output
    return res.stdout


def counts(line: str) -> dict[str, int]:
    """The counts of one report line: ``{'rows read': 1200, 'loaded': 1, …}``."""
    found = re.findall(r"([\d,]+) (rows read|loaded|unchanged|quarantined)", line)
    return {word: int(n.replace(",", "")) for n, word in found}


def open_rows(wh: Path, load_id: str) -> int:
    out = run(wh, "quarantine", "show", load_id)
    return sum(1 for line in out.splitlines() if re.match(r"\s*\S+\s+\d+\s", line))


def ingest(wh: Path, kind: str, path: Path) -> dict[str, int]:
    out = run(wh, "ingest", "--kind", kind, str(path))
    first = out.splitlines()[0]
    c = counts(first)
    # the counts add up to the lines of the file, and the quarantine agrees
    assert c["loaded"] + c.get("unchanged", 0) + c["quarantined"] == c["rows read"]
    load_id = first.rsplit("load ", 1)[1]
    with Warehouse(wh, read_only=True) as w:
        n_open = w.scalar(
            "SELECT count(*) FROM ingest_quarantine WHERE load_id = ? AND resolved_by IS NULL",
            [load_id],
        )
        ledger = w.sql(
            "SELECT rows_read, loaded, unchanged, quarantined FROM ingest_loads WHERE load_id = ?",
            [load_id],
        )[0]
    assert n_open == c["quarantined"]
    assert ledger == (c["rows read"], c["loaded"], c.get("unchanged", 0), c["quarantined"])
    if not c["quarantined"]:
        assert "no quarantined rows open" in run(wh, "quarantine", "show", load_id)
    return c


@pytest.mark.parametrize(
    ("kind", "text", "change"),
    [
        ("firms", FIRMS, ("F0007,Firm 7,ESO", "F0007,Firm 7,KPO")),
        ("rates", RATES, ("2024-01-05,USD,10.0500", "2024-01-05,USD,10.0700")),
        ("employment", JOBS, ("2023,ESO,3023", "2023,ESO,3100")),
    ],
)
def test_reference_file_sent_again_is_unchanged_and_one_change_a_correction(
    tmp_path, kind, text, change
):
    wh = tmp_path / "w.duckdb"
    rows = text.count("\n") - 1
    (tmp_path / "a.csv").write_text(text)
    assert ingest(wh, kind, tmp_path / "a.csv") == {"rows read": rows, "loaded": rows,
                                                    "quarantined": 0}  # fmt: skip
    # the same rows again, one changed (another file: another content)
    assert change[0] in text
    (tmp_path / "b.csv").write_text(text.replace(change[0], change[1]))
    c = ingest(wh, kind, tmp_path / "b.csv")
    assert c == {"rows read": rows, "loaded": 1, "unchanged": rows - 1, "quarantined": 0}
    out = run(wh, "loads", "--load", "L00002", "--no-totals")
    assert "L00002" in out
    with Warehouse(wh, read_only=True) as w:
        assert w.scalar("SELECT corrections FROM ingest_loads WHERE load_id = 'L00002'") == 1
        assert w.scalar(f"SELECT count(*) FROM {kind}_history") == 1
    assert "nothing in quarantine to fix" in run(wh, "quarantine", "list")


def test_firm_repeated_in_its_file_with_other_values_is_quarantined(tmp_path):
    wh = tmp_path / "w.duckdb"
    text = FIRMS + "F0003,Firm 3,ITO,6201,Fes\n" + "F0004,Firm 4,KPO,6201,Rabat\n"
    (tmp_path / "f.csv").write_text(text)
    c = ingest(wh, "firms", tmp_path / "f.csv")
    assert c == {"rows read": 1202, "loaded": 1200, "unchanged": 1, "quarantined": 1}
    out = run(wh, "quarantine", "show", "L00001")
    assert "1202" in out and "firm_id" in out and "duplicate_in_file" in out
    assert "1203" not in out  # the exact repeat is not quarantined


def test_transactions_sent_again_in_part(tmp_path):
    wh = tmp_path / "w.duckdb"
    (tmp_path / "jan.csv").write_text(TX_HEADER + "".join(tx(i) for i in range(10)))
    ingest(wh, "transactions", tmp_path / "jan.csv")
    # 6 rows again (one corrected), 3 new, one bad
    again = "".join(tx(i) for i in range(4, 9)) + tx(9, "101.00")
    again += "".join(tx(i) for i in range(10, 13)) + tx(13, "-5")
    (tmp_path / "jan2.csv").write_text(TX_HEADER + again)
    c = ingest(wh, "transactions", tmp_path / "jan2.csv")
    assert c == {"rows read": 10, "loaded": 4, "unchanged": 5, "quarantined": 1}
    out = run(wh, "ingest", "--kind", "transactions", str(tmp_path / "jan2.csv"))
    assert "already loaded" in out  # the same content again: the whole file
    with Warehouse(wh, read_only=True) as w:
        assert w.scalar("SELECT count(*) FROM transactions") == 13


def test_withdrawing_a_load_keeps_the_records_a_later_load_sent_unchanged(tmp_path):
    wh = tmp_path / "w.duckdb"
    (tmp_path / "a.csv").write_text(FIRMS)
    (tmp_path / "b.csv").write_text(FIRMS.replace("F0007,Firm 7,ESO", "F0007,Firm 7,KPO"))
    ingest(wh, "firms", tmp_path / "a.csv")
    ingest(wh, "firms", tmp_path / "b.csv")
    out = run(wh, "loads", "withdraw", "L00001", "--reason", "sent twice")
    assert "0 firms records left the warehouse" in out
    assert "1,199 records stay as they were, sent unchanged by a later load" in out
    with Warehouse(wh, read_only=True) as w:
        held = dict(w.sql("SELECT load_id, count(*) FROM firms GROUP BY ALL"))
        assert held == {"L00002": 1200}
        line = w.scalar("SELECT line FROM firms WHERE firm_id = 'F0003'")
        assert line == 5
    # and withdrawing the second too leaves no firm
    out = run(wh, "loads", "withdraw", "L00002", "--reason", "wrong year")
    assert "1,200 firms records left the warehouse" in out
    with Warehouse(wh, read_only=True) as w:
        assert w.scalar("SELECT count(*) FROM firms") == 0


def test_withdrawing_the_correction_brings_back_the_version_sent_unchanged(tmp_path):
    """A v1, B sends v1 again, C corrects to v2; A withdrawn then C: v1 is back, from B."""
    wh = tmp_path / "w.duckdb"
    (tmp_path / "a.csv").write_text(TX_HEADER + tx(1) + tx(2))
    (tmp_path / "b.csv").write_text(TX_HEADER + tx(1))
    (tmp_path / "c.csv").write_text(TX_HEADER + tx(1, "200.00"))
    for name in "abc":
        ingest(wh, "transactions", tmp_path / f"{name}.csv")
    run(wh, "loads", "withdraw", "L00001", "--reason", "x")
    run(wh, "loads", "withdraw", "L00003", "--reason", "y")
    with Warehouse(wh, read_only=True) as w:
        got = w.sql("SELECT record_id, amount::VARCHAR, load_id, line FROM transactions")
    assert got == [("R1", "100.500", "L00002", 2)]
