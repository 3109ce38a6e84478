"""The firms file takes an optional group_id (enterprise group)."""

from __future__ import annotations

from typer.testing import CliRunner

from marsad.cli import app
from marsad.engine import open_warehouse


def _ingest(tmp_path, text: str, name: str = "firms.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    wh = tmp_path / "w.duckdb"
    result = CliRunner().invoke(
        app, ["ingest", "--kind", "firms", str(path), "--warehouse", str(wh)]
    )
    assert result.exit_code == 0, result.output
    with open_warehouse(wh, read_only=True) as w:
        return w.sql("SELECT firm_id, group_id FROM firms ORDER BY firm_id")


def test_group_id_is_loaded_when_given(tmp_path):
    rows = _ingest(
        tmp_path,
        "firm_id,name,segment,isic,city,group_id\n"
        "F1,A,ITO,6201,Rabat,G1\nF2,B,ITO,6201,Rabat,G1\nF3,C,CRM,8220,Fès,\n",
    )
    assert rows == [("F1", "G1"), ("F2", "G1"), ("F3", None)]


def test_a_firms_file_without_group_id_still_loads(tmp_path):
    rows = _ingest(tmp_path, "firm_id,name,segment\nF1,A,ITO\n")
    assert rows == [("F1", None)]


def test_a_new_group_is_a_correction_of_the_firm(tmp_path):
    _ingest(tmp_path, "firm_id,name,segment\nF1,A,ITO\n", "a.csv")
    rows = _ingest(tmp_path, "firm_id,name,segment,group_id\nF1,A,ITO,G9\n", "b.csv")
    assert rows == [("F1", "G9")]


def test_a_warehouse_made_before_groups_gains_the_column(tmp_path):
    with open_warehouse(tmp_path / "w.duckdb") as wh:
        _ = wh.sql("ALTER TABLE firms DROP COLUMN group_id")
    rows = _ingest(tmp_path, "firm_id,name,segment,group_id\nF1,A,ITO,G1\n")
    assert rows == [("F1", "G1")]
