"""Releases, piece by piece: ids, diff, revision means, public and internal tables,
and the revision policy (provisional, then final)."""

from __future__ import annotations

import csv
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marsad.errors import BadArgument
from marsad.indicators.compute import CubeCell, compute_indicators
from marsad.indicators.registry import COLUMNS
from marsad.publish.export import export_table
from marsad.release.compare import Cell, _mean, diff, triangle
from marsad.release.store import check_id, check_name, check_new_id, find, survey

K = ("level", "exports", "2024-01", "TOTAL", "_T", "_T")


@pytest.mark.parametrize("bad", ["", "../x", ".hidden", "a/b", "a b", "é", "x" * 65])
def test_ids_are_letters_digits_dots_dashes_underscores(bad):
    with pytest.raises(BadArgument):
        check_id(bad)
    assert check_id("2025-S1_rev.2") == "2025-S1_rev.2"


# a Cyrillic Р, a fullwidth R, an Arabic-Indic ٣, a Kelvin sign K, a no-break space
LOOKALIKES = ["\u04203", "\uff213", "R\u0663", "\u212a1", "R3\u00a0", "R\u200b3"]


@pytest.mark.parametrize(
    "bad", ["R3.", "R3-", "R3_", "-R3", "_R3", "R3..", " R3", "R3 ", "R3\n", "\tR3", *LOOKALIKES]
)
def test_ids_begin_and_end_with_a_letter_or_digit(bad):
    """Symptom: ``release create --id R3.`` made release ``R3.`` (a trailing dot is
    dropped from folder names on some disks, and reads as the end of a sentence)."""
    with pytest.raises(BadArgument, match="beginning and ending with a letter or digit"):
        check_id(bad)
    assert check_id("R3") == "R3" and check_id("R3.1-a_b") == "R3.1-a_b"
    assert check_id("x" * 64) == "x" * 64


@pytest.mark.parametrize("bad", ["con", "NUL", "Aux.1", "com1", "LPT9.2025-S1", "prn"])
def test_an_id_is_no_name_windows_keeps_for_a_device(bad):
    """``release create --id con`` was accepted: the folder cannot be copied to Windows."""
    with pytest.raises(BadArgument, match="Windows keeps"):
        check_id(bad)
    assert check_id("console") == "console" and check_id("COM10") == "COM10"


def test_an_id_too_long_says_its_length():
    with pytest.raises(BadArgument, match=r"65 characters, .*at most 64"):
        check_id("x" * 65)


@pytest.mark.parametrize("made", ["R3.", "R3-", "R3_"])
def test_a_release_made_with_an_id_allowed_before_is_still_read(tmp_path, made):
    """Ids ending in ``.``, ``-`` or ``_`` were allowed: a release made so is still
    listed and found (a build passing over it would forget what an intruder may hold),
    never made again."""
    folder = tmp_path / made
    folder.mkdir()
    (folder / "manifest.json").write_text(f'{{"id": "{made}", "files": {{}}}}', encoding="utf-8")
    assert check_name(made) == made
    assert [r.id for r in survey(tmp_path)[0]] == [made]
    assert find(tmp_path, made).id == made
    with pytest.raises(BadArgument):
        check_new_id(tmp_path / "elsewhere", made)


def test_diff_tells_revised_withheld_released_added_removed():
    def key(period):
        return ("level", "exports", period, "TOTAL", "_T", "_T")

    old = {
        key("2024-01"): Cell("10.00", "P", "F"),
        key("2024-02"): Cell("5.00", "P", "F"),
        key("2024-03"): Cell("", "P", "D"),
        key("2024-04"): Cell("1.00", "P", "F"),
        key("2024-05"): Cell("7.00", "P", "F"),
    }
    new = {
        key("2024-01"): Cell("9.50", "A", "F"),
        key("2024-02"): Cell("", "P", "O"),
        key("2024-03"): Cell("3.00", "P", "F"),
        key("2024-05"): Cell("7.00", "P", "F"),
        key("2024-06"): Cell("2.00", "P", "F"),
    }
    d = diff(old, new)
    assert d.revised == [(key("2024-01"), "10.00", "9.50", Decimal("-0.50"))]
    assert d.withheld == [key("2024-02")] and d.released == [key("2024-03")]
    assert d.removed == [key("2024-04")] and d.added == [key("2024-06")]
    assert d.finalised == [key("2024-01")]
    assert list(d.counts().values()) == [1, 1, 1, 1, 1, 1]


def test_the_triangle_reads_only_published_values():
    """A withheld value is neither shown nor counted as a revision."""
    header, rows = triangle(
        [
            ("r1", {K: Cell("10.00", "P", "F")}),
            ("r2", {K: Cell("", "P", "D")}),
            ("r3", {K: Cell("12.00", "P", "F")}),
        ]
    )
    assert header[4:7] == ["r1", "r2", "r3"]
    assert rows == [["TOTAL", "2024-01", "r1", "10.00", "10.00", "", "12.00", "12.00", 1,
                     "2.0000", "2.0000"]]  # fmt: skip


@given(st.lists(st.integers(-(10**15), 10**15), min_size=1, max_size=12))
def test_mean_revisions_are_the_exact_mean_rounded_half_up_once(centimes):
    values = [Fraction(c, 100) for c in centimes]
    exact = sum(values, Fraction(0)) / len(values)
    shown = Decimal(_mean(values))
    assert abs(Fraction(shown) - exact) <= Fraction(1, 2 * 10**4)
    assert shown.as_tuple().exponent == -4
    scaled = abs(exact) * 10**4
    if scaled - int(scaled) == Fraction(1, 2):  # a tie goes away from zero
        assert abs(Fraction(shown)) > abs(exact)


def test_public_export_empties_withheld_values_internal_keeps_them(warehouse, tmp_path: Path):
    """The public table showed a withheld value; the internal one lost the header."""
    warehouse.sql(
        "CREATE TABLE indicators (indicator VARCHAR, flow VARCHAR, period VARCHAR, "
        "segment VARCHAR, service VARCHAR, partner VARCHAR, value VARCHAR, unit VARCHAR, "
        "obs_status VARCHAR, conf_status VARCHAR, release VARCHAR, internal_value VARCHAR, "
        "exact VARCHAR)"
    )
    warehouse.sql(
        "INSERT INTO indicators VALUES "
        "('level','exports','2024','TOTAL','_T','_T','30.00','MAD','P','F','b1','30.00','30'),"
        "('level','exports','2024','ITO','_T','_T','12.00','MAD','P','A','b1','12.00','12'),"
        "('level','exports','2024','CRM','_T','_T',NULL,'MAD','P','D','b1','18.00','18')"
    )
    public, internal = tmp_path / "p.csv", tmp_path / "i.csv"
    export_table(warehouse, "csv", public)
    export_table(warehouse, "csv", internal, internal=True)
    for path in (public, internal):
        assert path.read_text().splitlines()[0] == ",".join(COLUMNS)
    with public.open() as f:
        assert [r["value"] for r in csv.DictReader(f)] == ["30.00", "", ""]
    with internal.open() as f:
        rows = list(csv.DictReader(f))
    assert [r["value"] for r in rows] == ["30.00", "12.00", "18.00"]
    assert [r["conf_status"] for r in rows] == ["F", "A", "D"]


def test_figures_become_final_by_the_declared_rule():
    """Every figure stayed provisional for ever (only MARSAD_PROVISIONAL_FROM could end it)."""
    cells = [
        CubeCell(y, m, "C", "ITO", "SI21", "FR", 100, 1) for y in (2023, 2024) for m in range(1, 13)
    ]
    table = compute_indicators(cells, final_after_months=12)
    status = {o.period: o.obs_status for o in table.select(indicator="level", segment="TOTAL")}
    assert status["2023"] == "A" and status["2023-12"] == "A"  # 12 months after: final
    assert status["2024"] == "P" and status["2024-01"] == "P"
    table = compute_indicators(cells, final_after_months=6)
    status = {o.period: o.obs_status for o in table.select(indicator="level", segment="TOTAL")}
    assert status["2024-S1"] == "A" and status["2024-07"] == "P"
    never = compute_indicators(cells, final_after_months=10**6, provisional_from=2024)
    status = {o.period: o.obs_status for o in never.select(indicator="level", segment="TOTAL")}
    assert status["2023"] == "A" and status["2024-01"] == "P"


def test_the_revisions_download_and_the_diff_use_one_vocabulary(tmp_path):
    """The revisions download called a cell withheld before and published now (or the
    reverse) ``revised``, and a new cell ``new``, where ``marsad release diff`` says
    ``newly released``, ``newly withheld`` and ``added``: each line's change is now the
    diff's word for that cell."""
    import io

    from marsad.release.compare import CHANGES, cells, change
    from marsad.web.store import PublicTable, ReleaseInfo
    from marsad.web.views import changes, revisions_csv

    def row(period, value, conf="F"):
        return ("level", "exports", period, "TOTAL", "_T", "_T", value, "MAD", "P", conf, "R")

    old = [
        row("2024-01", "10.00"),
        row("2024-02", "5.00"),
        row("2024-03", "", "D"),
        row("2024-04", "1.00"),
        row("2024-05", "7.00"),
        row("2024-07", "", "D"),
    ]
    new = [row("2024-01", "9.50"), row("2024-02", "", "O"), row("2024-03", "3.00"),
           row("2024-05", "7.00"), row("2024-06", "2.00"), row("2024-07", "", "A")]  # fmt: skip
    info = ReleaseInfo("R", "2025-10-15", "", None, "", (), tmp_path)
    found = changes(PublicTable(info, old), PublicTable(info, new))
    lines = list(csv.DictReader(io.StringIO(revisions_csv(found).decode())))
    said = {line["period"]: line["change"] for line in lines}
    assert said == {
        "2024-01": "revised",
        "2024-02": "newly withheld",
        "2024-03": "newly released",
        "2024-04": "removed",
        "2024-06": "added",
    }
    # the diff's word for each cell, from the same function
    before, after = (cells(dict(zip(COLUMNS, r, strict=True)) for r in t) for t in (old, new))
    for line in lines:
        key = ("level", "exports", line["period"], "TOTAL", "_T", "_T")
        assert line["change"] == change(before.get(key), after.get(key)) in CHANGES
    d = diff(before, after)
    counted = {k: v for k, v in d.counts().items() if k in CHANGES}
    assert counted == {w: list(said.values()).count(w) for w in CHANGES}


def test_the_last_period_of_a_release_is_one_whose_total_is_published():
    """``release create`` took the latest period with an exports total, withheld or not,
    and its bulletin then raised a ValueError (a traceback) instead of a plain note."""
    from marsad.release.freeze import last_period

    def total(period: str, conf: str) -> tuple:
        key = ("level", "exports", period, "TOTAL", "_T", "_T")
        return key, Cell("" if conf != "F" else "1.00", "P", conf)

    cells = dict([total("2024", "F"), total("2025-S1", "D"), total("2025-Q1", "F")])
    assert last_period(cells) == "2025-Q1"
    assert last_period(dict([total("2025-S1", "A")])) is None


def test_a_period_whose_total_is_withheld_has_no_bulletin_a_plain_error():
    """The bulletin's facts said so with a bare ValueError: a bug's traceback for the
    commands and ``release create`` that write one, where it is a plain fact."""
    from marsad.errors import MarsadError
    from marsad.indicators.table import IndicatorTable, Observation
    from marsad.publish.facts import NoBulletin, gather

    withheld = Observation(
        indicator="level", flow="exports", period="2025-S1", segment="TOTAL", service="_T",
        partner="_T", value=None, unit="MAD", obs_status="P", conf_status="D",
    )  # fmt: skip
    with pytest.raises(NoBulletin, match="not published") as caught:
        gather(IndicatorTable([withheld]), "2025-S1")
    assert isinstance(caught.value, MarsadError)


def test_a_public_table_is_read_by_its_header_not_by_position(tmp_path: Path):
    """read_public takes the columns by name (any order, others ignored), as a
    DictReader did; a file without one is a damaged release, in one line."""
    from marsad.release.compare import cells, read_public
    from marsad.release.store import DamagedRelease

    header = ["unit", "conf_status", "partner", "value", "indicator", "service", "flow"]
    header += ["obs_status", "period", "segment"]
    rows = [
        ["MAD", "F", "_T", "12.30", "level", "_T", "exports", "P", "2024", "ITO"],
        ["MAD", "D", "FR", "", "ytd_level", "_T", "imports", "P", "2024-07", "CRM"],
    ]
    path = tmp_path / "indicators.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])
    got = read_public(path)
    assert got == cells(dict(zip(header, row, strict=True)) for row in rows)
    assert got[("level", "exports", "2024", "ITO", "_T", "_T")] == Cell("12.30", "P", "F")
    assert got[("ytd_level", "imports", "2024-07", "CRM", "_T", "FR")].withheld
    # the a priori information reads the level cells of exports and imports only
    assert list(read_public(path, {"level"}, {"exports", "imports"})) == [
        ("level", "exports", "2024", "ITO", "_T", "_T")
    ]
    assert list(read_public(path, None, {"imports"})) == [
        ("ytd_level", "imports", "2024-07", "CRM", "_T", "FR")
    ]
    path.write_text("indicator,flow,period,segment,service,partner,value\n", encoding="utf-8")
    with pytest.raises(DamagedRelease, match="no column 'obs_status'"):
        read_public(path)
