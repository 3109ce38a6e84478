"""A file is loaded as the version hashed, or not at all. One rewritten or removed
between its SHA-256 and its read (a transfer still writing into the inbox) is refused
whole: its ledger row gave the first version's SHA-256 to the second version's records,
and the first version, the bank's real figures, was then "already loaded" for ever (a
reviewer's case); a file removed was an internal error. And a UTF-16 code unit that is
no text is quarantined, not loaded as U+FFFD."""

from __future__ import annotations

import codecs

import pytest

from marsad.ingest import load as load_module
from marsad.ingest.errors import FileRefused
from tests.unit.ingest.conftest import amounts, load, loaded_ids, tx, write_csv


def _meanwhile(monkeypatch, act) -> None:
    """Run ``act`` after the files are hashed, before they are read."""
    real = load_module.stage_batch

    def staged(*args, **kwargs):
        act()
        return real(*args, **kwargs)

    monkeypatch.setattr(load_module, "stage_batch", staged)


@pytest.mark.parametrize("how", ["rewritten", "removed"])
def test_a_file_changed_while_it_was_read_is_refused_and_can_be_loaded_again(
    wh, tmp_path, monkeypatch, how
):
    first = [tx("R1", amount="100.00"), tx("R2", amount="200.00")]
    path = write_csv(tmp_path / "bank.csv", first)
    original = path.read_bytes()

    def act() -> None:
        if how == "removed":
            path.unlink()
        else:
            write_csv(path, [tx("R1", amount="999.00"), tx("R2", amount="200.00"), tx("R3")])

    _meanwhile(monkeypatch, act)
    said = "was removed" if how == "removed" else "changed"
    with pytest.raises(FileRefused, match=f"bank.csv: {said} while it was read") as e:
        load(wh, path)
    assert e.value.exit_code == 2 and "\n" not in str(e.value)
    assert wh.scalar("SELECT count(*) FROM ingest_loads") == 0
    assert amounts(wh) == {}
    monkeypatch.undo()
    path.write_bytes(original)  # the version hashed, complete: loaded, not "already loaded"
    report = load(wh, path)
    assert report.status == "loaded" and report.loaded == 2
    assert {k: str(v) for k, v in amounts(wh).items()} == {"R1": "100.000", "R2": "200.000"}


def test_a_file_unchanged_meanwhile_loads(wh, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "bank.csv", [tx("R1")])
    _meanwhile(monkeypatch, lambda: path.read_bytes())  # read, not written: no change
    assert load(wh, path).loaded == 1


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_a_code_unit_that_is_no_utf16_text_quarantines_its_line(wh, tmp_path, codec):
    """A lone surrogate before R2 loaded R2 as ``\\ufffdR2`` without a word (``replace``),
    and the bank's clean copy then loaded R2 again: counted twice. Now the line is
    quarantined (rule ``encoding``), as a byte not UTF-8 in a UTF-8 file, said in the
    file's encoding, and the clean copy loads R2 once."""
    from tests.unit.ingest.conftest import quarantine

    rows = [tx(f"R{i}", amount=f"{i}.50") for i in (1, 2, 3)]
    clean = write_csv(tmp_path / "clean.csv", rows, encoding=codec, newline="\r\n")
    text = clean.read_bytes()
    lone = b"\x00\xd8" if codec.endswith("le") else b"\xd8\x00"
    at = text.index("R2".encode(codec))
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    bad = tmp_path / "bad.csv"
    bad.write_bytes(bom + text[:at] + lone + text[at:])
    report = load(wh, bad)
    assert (report.loaded, report.quarantined) == (2, 1)
    (held,) = quarantine(wh, report.load_id)
    assert (held["line"], held["rule"]) == (3, "encoding")
    # (in the file's encoding: it suggested --encoding cp1252, no cure for UTF-16)
    assert "not valid UTF-16" in held["message"] and "cp1252" not in held["message"]
    assert loaded_ids(wh) == {"R1", "R3"}
    again = load(wh, clean)
    assert loaded_ids(wh) == {"R1", "R2", "R3"} and again.loaded + again.unchanged == 3


def test_a_file_removed_as_it_is_opened_is_refused_for_that_not_duckdbs_words(tmp_path):
    """The command line's call (``on_refused="report"``): a file removed just as DuckDB
    opened it was refused with DuckDB's "No files found" (a reviewer's race, once in
    four); a file refused while it is no longer the one hashed is refused for that."""
    from marsad.ingest.errors import IngestError
    from marsad.ingest.readers import _refuse
    from marsad.ingest.scan import scan_file
    from marsad.ingest.staging import BatchFile

    path = write_csv(tmp_path / "gone.csv", [tx("R1")])
    f = BatchFile(0, path, scan=scan_file(path))
    duckdb_said = IngestError('IO Error: No files found that match the pattern "gone.csv"')
    _refuse(f, duckdb_said, "report")
    assert "No files found" in f.refused.reason  # (the file is still there: DuckDB's words)
    path.unlink()
    _refuse(f, duckdb_said, "report")
    assert f.refused.reason.startswith("was removed while it was read"), f.refused.reason
    with pytest.raises(FileRefused, match=r"gone\.csv: was removed while it was read"):
        _refuse(f, duckdb_said, "raise")
