"""``marsad quarantine show`` and its CSV export quote a date as the bank wrote it
(``1/1/1999``), not written back with the reporter's date format (``01/01/1999``)."""

from __future__ import annotations

import csv

from typer.testing import CliRunner

from marsad.cli import app

HEADER = "record_id,reporter,firm_id,value_date,flow,amount,currency,service_code,partner_country"


def test_show_and_export_quote_the_date_as_written(tmp_path):
    runner = CliRunner()
    wh = ["--warehouse", str(tmp_path / "w.duckdb")]
    path = tmp_path / "a.csv"
    path.write_text(
        f"{HEADER}\nR1,BK01,F001,1/1/1999,C,10.50,EUR,SI22,FR\n"
        "R2,BK01,F001,2/1/2024,C,10.50,EUR,SI22,FR\n",
        encoding="utf-8",
    )
    ingest = ["ingest", "--kind", "transactions", "--date-format", "%d/%m/%Y", str(path)]
    res = runner.invoke(app, [*ingest, *wh])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["quarantine", "show", "a.csv", *wh], terminal_width=240)
    assert res.exit_code == 0, res.output
    assert '"1/1/1999" is before 2000-01-01' in res.output
    assert "01/01/1999" not in res.output
    out = tmp_path / "q.csv"
    res = runner.invoke(app, ["quarantine", "export", "--out", str(out), *wh])
    assert res.exit_code == 0, res.output
    (row,) = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    # the record canonical (so that a corrected copy loads back), the value as written
    assert row["value_date"] == "1999-01-01"
    assert row["quarantine_value"] == "1/1/1999"
    assert row["quarantine_message"].endswith('"1/1/1999" is before 2000-01-01')
