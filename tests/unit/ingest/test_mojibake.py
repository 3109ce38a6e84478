"""Text encoded twice (UTF-8 read as Windows-1252 and saved again) loaded without a
word: a reviewer's a_firms_mojibake.csv has "SociÃ©tÃ© GÃ©nÃ©rale FÃ¨s" for "Société
Générale Fès". The load now says so in a note naming the column, lines and the likely
fix, and loads the values as written."""

from __future__ import annotations

import pytest

from marsad.ingest import mojibake

from .conftest import load, write_sheets

FIRMS = ("firm_id", "name", "segment", "city")
TWICE = "Société Générale Fès".encode().decode("cp1252")  # 'SociÃ©tÃ© GÃ©nÃ©rale FÃ¨s'
QUOTE = "Bureau d’études".encode().decode("cp1252")  # 'Bureau dâ€™Ã©tudes'
ARABIC = "شركة".encode().decode("cp1252")  # 'Ø´Ø±ÙƒØ©'
ROWS = [
    ["F1", TWICE, "ITO", "Rabat"],
    ["F2", "Atlas Conseil", "BPO", "Salé".encode().decode("latin-1")],
    ["F3", "Café « Fès »", "KPO", "Fès"],
    ["F4", QUOTE, "ESO", "Casablanca"],
]


def _write(tmp_path, fmt: str, rows):
    if fmt == "xlsx":
        return write_sheets(tmp_path / "firms.xlsx", {"Firms": [list(FIRMS), *rows]})
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = tmp_path / "firms.parquet"
        pq.write_table(pa.table({h: [r[i] for r in rows] for i, h in enumerate(FIRMS)}), path)
        return path
    path = tmp_path / "firms.csv"
    lines = [",".join(FIRMS)] + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_double_encoded_text_is_noted_and_loaded_as_written(wh, tmp_path, fmt):
    r = load(wh, _write(tmp_path, fmt, ROWS), kind="firms")
    unit = "line" if fmt == "csv" else "row"
    first = 1 if fmt == "parquet" else 2  # (a Parquet file's rows from 1: it has no header)
    notes = [n for n in r.notes if "double-encoded" in n]
    assert len(notes) == 2, r.notes
    name, city = notes
    assert name.startswith("column name: 2 values look double-encoded (UTF-8 read as Windows-1252")
    at = f"{unit}s {first}, {first + 3}: {TWICE!r} on {unit} {first} is likely"
    assert f"{at} 'Société Générale Fès'" in name
    assert "export the file again as UTF-8" in name
    assert (
        city.startswith("column city: 1 value looks double-encoded")
        and f"{unit} {first + 1}:" in city
    )
    assert dict(wh.sql("SELECT firm_id, name FROM firms"))["F1"] == TWICE  # unchanged


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_text_written_right_has_no_note(wh, tmp_path, fmt):
    rows = [["F1", "Société Générale", "ITO", "Fès"], ["F2", "شركة الأطلس", "BPO", "Salé"],
            ["F3", "Café « Fès » – l’Atlas", "KPO", "Zürich"]]  # fmt: skip
    r = load(wh, _write(tmp_path, fmt, rows), kind="firms")
    assert not [n for n in r.notes if "double-encoded" in n]


def test_arabic_encoded_twice_is_found():
    assert mojibake.undone(f"Atlas {ARABIC}") == "Atlas شركة"


def test_a_file_of_ascii_bytes_is_not_searched(wh, tmp_path, monkeypatch):
    """The search costs nothing for a CSV of ASCII bytes (most bank files): no query."""
    searched, sql = [], wh.sql

    def spy(query, *args, **kw):
        if "min_by(" in query and "regexp_matches(" in query:
            searched.append(query)
        return sql(query, *args, **kw)

    monkeypatch.setattr(wh, "sql", spy)
    r = load(wh, _write(tmp_path, "csv", [["F1", "SociA(c)te", "ITO", "Rabat"]]), kind="firms")
    assert r.loaded == 1 and searched == []
    load(wh, _write(tmp_path, "csv", [["F2", "Société", "ITO", "Rabat"]]), kind="firms")
    assert len(searched) == 1  # (one pass over every text field)
