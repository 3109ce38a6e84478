"""The message of a line with too many or too few fields gives the line's own number of
fields, as the file's dialect splits it (separator, quotes, doubled quotes), and the
header's."""

from __future__ import annotations

from pathlib import Path

from .conftest import TX_HEADER, load, quarantine

GOOD = "R{0},BANK1,F1,2024-01-02,C,5,EUR,SI22,FR"


def _write(path: Path, body: list[str], sep: str = ",") -> Path:
    lines = [sep.join(TX_HEADER), *(line.replace(",", sep) for line in body)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _only_reject(wh, path: Path) -> dict:
    r = load(wh, path)
    assert r.quarantined == 1
    (q,) = quarantine(wh)
    assert q["rule"] == "malformed"
    return q


def test_too_many_fields_gives_the_lines_count(wh, tmp_path):
    """'line 3 has 10 fields' for a line of 12: DuckDB's position of the first extra field."""
    p = _write(tmp_path / "m.csv", [GOOD.format(1), GOOD.format(2) + ",x,y,z", GOOD.format(3)])
    q = _only_reject(wh, p)
    assert q["line"] == 3
    assert q["message"] == (
        "line 3 has 12 fields where the header has 9 (3 more after its last column, "
        "partner_country)"
    )
    assert dict(wh.sql("SELECT record_id, line FROM transactions")) == {"R1": 2, "R3": 4}


def test_too_many_fields_with_another_separator(wh, tmp_path):
    p = _write(tmp_path / "s.csv", [GOOD.format(1), GOOD.format(2) + ",x,y"], sep=";")
    q = _only_reject(wh, p)
    assert q["message"].startswith("line 3 has 11 fields where the header has 9 ")


def test_too_few_fields_names_where_the_line_stops(wh, tmp_path):
    p = _write(tmp_path / "f.csv", [GOOD.format(1), "R2,BANK1,F1", GOOD.format(3)])
    q = _only_reject(wh, p)
    assert q["line"] == 3
    assert q["message"] == (
        "line 3 has 3 fields where the header has 9 (it stops before column value_date)"
    )


def test_a_line_of_one_field(wh, tmp_path):
    p = _write(tmp_path / "o.csv", [GOOD.format(1), "R2", GOOD.format(3)])
    q = _only_reject(wh, p)
    assert q["message"] == (
        "line 3 has 1 field where the header has 9 (it stops before column reporter)"
    )


def test_quoted_separators_are_not_counted_as_fields(wh, tmp_path):
    """Separators inside quoted values (and doubled quotes) split nothing: 11 fields."""
    line = 'R2,BANK1,"F"",1",2024-01-02,C,5,EUR,SI22,FR,"a,""b"",c",d'
    p = _write(tmp_path / "q.csv", [GOOD.format(1), line, GOOD.format(3)])
    q = _only_reject(wh, p)
    assert q["message"].startswith("line 3 has 11 fields where the header has 9 (2 more ")
    few = _write(
        tmp_path / "qf.csv", [GOOD.format(1), 'R2,"BANK1,F1",2024-01-02,C', GOOD.format(3)]
    )
    (r,) = [load(wh, few)]
    (q,) = quarantine(wh, r.load_id)
    assert q["message"] == (
        "line 3 has 4 fields where the header has 9 (it stops before column flow)"
    )


def test_a_quoted_value_over_two_lines_counts_as_one_field(wh, tmp_path):
    line = 'R2,BANK1,"F\n1",2024-01-02,C,5,EUR,SI22,FR,x,y'
    p = _write(tmp_path / "n.csv", [GOOD.format(1), line, GOOD.format(3)])
    q = _only_reject(wh, p)
    assert q["line"] == 3
    assert q["message"].startswith("line 3 has 11 fields where the header has 9 ")
    assert dict(wh.sql("SELECT record_id, line FROM transactions")) == {"R1": 2, "R3": 5}


def test_a_quote_not_closed_on_its_line_counts_the_record_it_makes(wh, tmp_path):
    """A quote opened on line 3 and closed at the end of line 4 makes one record of 3
    fields (the quoted value holds the rest of line 3 and all of line 4)."""
    body = [
        GOOD.format(1),
        'R2,BANK1,"F1,2024-01-02,C,5,EUR,SI22,FR',
        GOOD.format(3) + '"',
        GOOD.format(4),
    ]
    p = _write(tmp_path / "u.csv", body)
    q = _only_reject(wh, p)
    assert q["line"] == 3
    assert q["message"] == (
        "line 3 has 3 fields where the header has 9 (it stops before column value_date)"
    )
    assert dict(wh.sql("SELECT record_id, line FROM transactions")) == {"R1": 2, "R4": 5}


def test_a_quote_never_closed_is_named_with_its_column(wh, tmp_path):
    body = [GOOD.format(1), 'R2,BANK1,"F1,2024-01-02,C,5,EUR,SI22,FR', GOOD.format(3)]
    p = _write(tmp_path / "c.csv", body)
    q = _only_reject(wh, p)
    assert (q["line"], q["column"]) == (3, "firm_id")
    assert q["message"] == "line 3, column firm_id: a quoted value is not closed properly"
    assert dict(wh.sql("SELECT record_id, line FROM transactions")) == {"R1": 2, "R3": 4}


def test_a_record_longer_than_duckdbs_report_is_counted_whole(wh, tmp_path):
    """A record of too few (or too many) fields whose quoted value spans two lines past
    DuckDB's 10,000-byte report of it refused the file: '1 of its lines below the
    header were neither read as rows nor rejected'."""
    few = 'R2,BANK1,"' + "x" * 12_000 + '\ny",2024-01-02'
    many = 'R4,BANK1,"' + "x" * 12_000 + '\ny",2024-01-02,C,5,EUR,SI22,FR,a,b'
    p = _write(tmp_path / "l.csv", [GOOD.format(1), few, GOOD.format(3), many, GOOD.format(5)])
    r = load(wh, p)
    assert (r.loaded, r.quarantined) == (3, 2)
    assert [(q["line"], q["message"]) for q in quarantine(wh)] == [
        (3, "line 3 has 4 fields where the header has 9 (it stops before column flow)"),
        (
            6,
            "line 6 has 11 fields where the header has 9 (2 more after its last column, "
            "partner_country)",
        ),
    ]
    assert dict(wh.sql("SELECT record_id, line FROM transactions")) == {
        "R1": 2,
        "R3": 5,
        "R5": 8,
    }


def test_a_line_read_again_after_a_quote_never_closed_gives_its_count(wh, tmp_path):
    """The lines a quote never closed swallowed are read again one by one: one of them
    with too many fields says so in the same words."""
    body = [
        GOOD.format(1),
        'R2,BANK1,"F1,2024-01-02,C,5,EUR,SI22,FR',
        GOOD.format(3) + ',"x,y",z',
        'R4,BANK1,"F1",2024-01-02,C,5,EUR,SI22,FR',
        GOOD.format(5),
    ]
    p = _write(tmp_path / "a.csv", body)
    load(wh, p)
    assert [(q["line"], q["message"]) for q in quarantine(wh)] == [
        (3, "line 3, column firm_id: a quoted value is not closed properly"),
        (
            4,
            "line 4 has 11 fields where the header has 9 (2 more after its last column, "
            "partner_country)",
        ),
    ]
    assert dict(wh.sql("SELECT record_id, line FROM transactions")) == {
        "R1": 2,
        "R4": 5,
        "R5": 6,
    }
