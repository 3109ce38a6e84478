"""Every open-data format read back by an independent reader and compared, value by
value, with the indicator table (a table with a row of each new kind: old series,
2030 tracker, jobs on flow _Z, a break in series, and a withheld cell)."""

from __future__ import annotations

import csv
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from marsad.indicators.registry import COLUMNS
from marsad.publish.columns import Publication
from marsad.publish.export import export_release, write_csv, writer

R = "2025-10-test"
ROWS = [
    ("level", "exports", "2023", "TOTAL", "_T", "_T", "26170000000.00", "MAD", "B", "F", R),
    ("level", "exports", "2024", "TOTAL", "_T", "_T", "26219000000.00", "MAD", "P", "F", R),
    ("level", "exports", "2025-S1", "TOTAL", "_T", "_T", "13377000000.00", "MAD", "P", "F", R),
    ("level", "exports", "2025-S1", "KPO", "_T", "_T", "", "MAD", "P", "A", R),
    ("level", "exports", "2025-S1", "TOTAL", "SI22", "FR", "1234567.89", "MAD", "P", "F", R),
    ("level", "exports", "2025-S1", "TOTAL", "_T", "FR", "6020000000.00", "MAD", "P", "F", R),
    ("share", "exports", "2025-S1", "KPO", "_T", "_T", "", "percent", "P", "D", R),
    ("share", "exports", "2025-S1", "ITO", "_T", "_T", "39.2465", "percent", "P", "F", R),
    ("growth_yoy", "exports", "2025-S1", "TOTAL", "_T", "_T", "3.4971", "percent", "P", "F", R),
    ("ytd_level", "exports", "2025-05", "TOTAL", "_T", "_T", "11100000000.50", "MAD", "P", "F", R),
    ("level_old_scope", "exports", "2023", "TOTAL", "_T", "_T", "17900000000.00", "MAD", "A",
     "F", R),
    ("target_level", "exports", "2030", "TOTAL", "_T", "_T", "40000000000.00", "MAD", "A", "F", R),
    ("target_share", "exports", "2024", "TOTAL", "_T", "_T", "65.5475", "percent", "P", "F", R),
    ("jobs", "_Z", "2024", "TOTAL", "_T", "_T", "148500", "jobs", "A", "F", R),
    ("jobs_target_share", "_Z", "2024", "TOTAL", "_T", "_T", "55.0000", "percent", "A", "F", R),
]  # fmt: skip
KEY = slice(0, 6)


def _key(row) -> tuple:
    return tuple(row[KEY])


def _expected() -> dict[tuple, str]:
    return {_key(r): r[6] for r in ROWS}


@pytest.fixture
def pub() -> Publication:
    return Publication(release=R, synthetic=True, publisher="Office des Changes")


def _write(fmt: str, tmp_path: Path, pub: Publication) -> Path:
    suffix = {"sdmx-csv": "csv", "sdmx-ml": "xml", "sdmx-structure": "xml", "csv-bundle": "zip"}
    out = tmp_path / f"{fmt}.{suffix.get(fmt, fmt)}"
    writer(fmt)(ROWS, out, pub)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    return out


def _sdmx_key(key) -> tuple:
    """SDMX dimension values back to the table's key (W1 is the table's _T)."""
    area = key["COUNTERPART_AREA"]
    dims = ("INDICATOR", "FLOW", "TIME_PERIOD", "SEGMENT", "SERVICE")
    return (*(key[d] for d in dims), "_T" if area == "W1" else area)


@pytest.mark.parametrize("fmt", ["sdmx-ml", "sdmx-csv"])
def test_sdmx_data_reads_back_in_sdmx1_value_by_value(tmp_path, pub, fmt):
    """SDMX-ML and SDMX-CSV read by sdmx1 against the structure message: every value equal
    to the table's, a withheld cell without value but with its CONF_STATUS."""
    import sdmx

    structure = sdmx.read_sdmx(_write("sdmx-structure", tmp_path, pub))
    dsd = structure.structure["DIGITAL_EXPORTS"]
    assert [d.id for d in dsd.dimensions] == [
        "FREQ", "INDICATOR", "FLOW", "SEGMENT", "SERVICE", "COUNTERPART_AREA", "TIME_PERIOD"
    ]  # fmt: skip
    assert "SI22" in structure.codelist["CL_SERVICE"]
    assert "jobs" in structure.codelist["CL_INDICATOR"]
    msg = sdmx.read_sdmx(_write(fmt, tmp_path, pub), structure=dsd)
    got = {}
    for obs in msg.data[0].obs:
        key = {k: v.value for k, v in obs.key.values.items()}
        attrs = {k: v.value for k, v in obs.attached_attribute.items()}
        row = _sdmx_key(key)
        value = "" if obs.value in (None, "") else str(obs.value)
        got[row] = (value, attrs["CONF_STATUS"], attrs["OBS_STATUS"])
    assert len(got) == len(ROWS)
    for r in ROWS:
        value, conf, status = got[_key(r)]
        assert (conf, status) == (r[9], r[8])
        if r[6]:
            assert Decimal(value) == Decimal(r[6])
        else:
            assert value in ("", "nan")


def test_sdmx_ml_is_flagged_test_when_synthetic(tmp_path, pub):
    text = _write("sdmx-ml", tmp_path, pub).read_text()
    assert "<mes:Test>true</mes:Test>" in text
    assert 'CONF_STATUS="A"' in text and 'TIME_PERIOD="2025-S1"' in text


@pytest.mark.parametrize("fmt", ["sdmx-ml", "sdmx-structure"])
def test_a_publisher_with_an_ampersand_is_valid_xml(tmp_path, fmt):
    """Regression: MARSAD_PUBLISHER 'Ministère … & de la Réforme' was written raw into the
    header's sender name, and no XML reader could open the file."""
    import xml.dom.minidom
    from dataclasses import replace

    publisher = "Ministère de la Transition numérique & de la Réforme <MTNRA>"
    pub = replace(Publication(release=R, synthetic=True), publisher=publisher)
    doc = xml.dom.minidom.parse(str(_write(fmt, tmp_path, pub)))
    names = [n.firstChild.data for n in doc.getElementsByTagName("com:Name") if n.firstChild]
    assert publisher in names


_DIMENSIONS = ("indicator", "flow", "segment", "service", "partner")
_CODE_COLUMNS = {"Indicator": "indicator", "Flow": "flow", "Segment": "segment",
                 "Service (EBOPS 2010)": "service", "Partner": "partner"}  # fmt: skip


def _sheet_cells(ws) -> list[tuple[tuple, object, set[str]]]:
    """Every value cell of a wide sheet as (table key, value, shorthand of its header),
    the key read from the row's code columns, the header's period and the sheet's
    'All rows: ...' line (the dimensions that are the same on every row)."""
    (table,) = ws.tables.values()
    grid = [[c.value for c in row] for row in ws[table.ref]]
    top = ws[table.ref][0][0].row
    above = [ws.cell(n, 1).value for n in range(1, top)]
    fixed = next((t for t in above if str(t).startswith("All rows: ")), "All rows: ")
    constant = dict(p.split(" ", 1) for p in fixed.removeprefix("All rows: ").split(", ") if p)
    header, out = grid[0], []
    for line in grid[1:]:
        codes = {_CODE_COLUMNS[h]: v for h, v in zip(header, line, strict=True)
                 if h in _CODE_COLUMNS}  # fmt: skip
        dims = {**constant, **codes}
        assert set(dims) == set(_DIMENSIONS), (ws.title, dims)
        for head, value in zip(header, line, strict=True):
            period, *marks = str(head).split()
            if head in _CODE_COLUMNS or not period[0].isdigit():
                continue  # a label column (code, name, unit)
            key = (dims["indicator"], dims["flow"], period, dims["segment"], dims["service"],
                   dims["partner"])  # fmt: skip
            out.append((key, value, set(marks)))
    return out


def _workbook_cells(path: Path) -> dict[str, list]:
    import openpyxl

    book = openpyxl.load_workbook(path)
    return {ws.title: _sheet_cells(ws) for ws in book.worksheets[2:]}


def test_xlsx_reads_back_in_openpyxl_with_c_for_withheld(tmp_path, pub):
    """Every value of the wide sheets, found by its row labels and period header, is the
    table's value of that key; [c] exactly where withheld, [x] where the table has none;
    a period's header says [p] when its values are provisional, [b] at the break."""
    import openpyxl

    path = _write("xlsx", tmp_path, pub)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:2] == ["Cover", "Contents"]
    for sheet in ("Levels_segment", "Old_series", "Tracker_2030", "Year_to_date"):
        assert sheet in book.sheetnames
    table = {_key(r): r for r in ROWS}
    seen = []
    for title, cells in _workbook_cells(path).items():
        statuses: dict[str, set[str]] = {}  # period -> statuses of the sheet's values
        for key, value, _marks in cells:
            row = table.get(key)
            if row is None or (not row[6] and row[9] == "F"):
                assert value == "[x]", (title, key, value)
                continue
            seen.append(key)
            statuses.setdefault(key[2], set()).add(row[8])
            if row[9] != "F":
                assert value == "[c]", (title, key, value)
            else:
                assert isinstance(value, int | float), (title, key, value)
                assert Decimal(str(value)) == Decimal(row[6]), (title, key)
        for key, _value, marks in cells:
            found = statuses.get(key[2], set())
            assert ("[p]" in marks) == ("P" in found), (title, key, marks)
            assert ("[b]" in marks) == ("B" in found), (title, key, marks)
    assert sorted(seen) == sorted(table), "every row of the table is in exactly one sheet"
    cover = [c for row in book["Cover"].iter_rows(values_only=True) for c in row if c]
    assert any("Synthetic" in str(c) for c in cover)
    assert any("Office des Changes" in str(c) for c in cover)


def test_xlsx_is_wide_one_row_per_series_periods_in_order(tmp_path, pub):
    """The Excel sheets were long (one row per observation, 68,699 rows and 32 s on the
    demo table): now one row per series, one column per period, years before halves."""
    import openpyxl

    book = openpyxl.load_workbook(_write("xlsx", tmp_path, pub))
    ws = book["Levels_segment"]
    (table,) = ws.tables.values()
    grid = [[c.value for c in row] for row in ws[table.ref]]
    assert grid[0] == ["Segment", "Segment name", "2023 [b]", "2024 [p]", "2025-S1 [p]"]
    assert grid[1] == ["TOTAL", "Total of the sector", 26170000000, 26219000000, 13377000000]
    assert grid[2] == ["KPO", "Knowledge process outsourcing", "[x]", "[x]", "[c]"]
    assert ws["A1"].value == "Levels by segment, in MAD (dirhams, to the centime)"
    assert ws["A2"].value == "All rows: indicator level, flow exports, service _T, partner _T"
    ytd = book["Year_to_date"]  # one series: labelled by its indicator
    (table,) = ytd.tables.values()
    assert [c.value for c in ytd[table.ref][0]] == ["Indicator", "Indicator name", "2025-05 [p]"]
    # every number right-aligned, whatever its header (gptables left-aligned some columns)
    numbers = [
        c for ws in book.worksheets[2:] for row in ws.iter_rows() for c in row
        if isinstance(c.value, int | float) and c.row > 4
    ]  # fmt: skip
    assert numbers and {c.alignment.horizontal for c in numbers} == {"right"}


def test_xlsx_gives_a_new_indicator_its_own_sheet(tmp_path, pub):
    """An indicator that no sheet lists (added to the registry later) gets a sheet of its
    own, named by its id, with its values."""
    row = ("exports_per_job", "exports", "2024", "TOTAL", "_T", "_T", "176558.59", "MAD", "P",
           "F", R)  # fmt: skip
    out = tmp_path / "new.xlsx"
    writer("xlsx")([*ROWS, row], out, pub)
    cells = _workbook_cells(out)
    assert cells["exports_per_job"] == [(_key(row), 176558.59, {"[p]"})]


def test_bundle_is_a_valid_data_package_with_the_table(tmp_path, pub):
    """frictionless validates the bundle; its CSV is the CSV export byte for byte."""
    from frictionless import Package

    out = _write("csv-bundle", tmp_path, pub)
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(out) as z:
        z.extractall(folder)
        assert sorted(z.namelist()) == ["README.md", "datapackage.json", "indicators.csv"]
    write_csv(ROWS, tmp_path / "plain.csv")
    assert (folder / "indicators.csv").read_bytes() == (tmp_path / "plain.csv").read_bytes()
    package = Package(str(folder / "datapackage.json"))
    report = package.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    rows = package.get_resource("indicators").read_rows()
    got = {tuple(r[c] for c in COLUMNS[:6]): r["value"] for r in rows}
    for key, value in _expected().items():
        assert (got[key] is None) if not value else Decimal(str(got[key])) == Decimal(value)
    readme = (folder / "README.md").read_text()
    assert "Synthetic data" in readme and "Break in series" in readme


def test_a_dated_release_bundle_is_a_valid_data_package(tmp_path):
    """A release's bundle wrote ``created`` as a date (``2025-10-15``) where the Data
    Package spec wants a datetime: frictionless refused every release's bundle."""
    import datetime as dt
    import json

    from frictionless import Package

    dated = Publication(release=R, release_date=dt.date(2025, 10, 15), synthetic=True)
    out = _write("csv-bundle", tmp_path, dated)
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(out) as z:
        z.extractall(folder)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["created"] == "2025-10-15T00:00:00Z"
    report = Package(str(folder / "datapackage.json")).validate()
    assert report.valid, report.flatten(["type", "note"])


def test_bundle_files_are_readable_by_everyone_once_unpacked(tmp_path, pub):
    """Regression: the bundle's members were stored -rw------- (zipfile's default)."""
    import zipfile

    with zipfile.ZipFile(_write("csv-bundle", tmp_path, pub)) as z:
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in z.infolist()}
    assert modes and set(modes.values()) == {0o644}, modes


def test_csv_reads_right_in_duckdb_and_pandas_without_hints(tmp_path):
    """DuckDB and pandas read the CSV with no options: codes as text, every value equal."""
    import duckdb
    import pandas as pd

    out = tmp_path / "t.csv"
    write_csv(ROWS, out)
    rel = duckdb.read_csv(str(out))
    types = dict(zip(rel.columns, map(str, rel.types), strict=True))
    assert types["period"] == types["conf_status"] == types["obs_status"] == "VARCHAR"
    frame = pd.read_csv(out)
    for table in (rel.fetchall(), list(frame.itertuples(index=False, name=None))):
        got = {tuple(r[:6]): r[6] for r in table}
        for key, value in _expected().items():
            found = got[key]
            if value:
                assert Decimal(repr(float(found))) == Decimal(value)
            else:
                assert found is None or found != found  # None or NaN


def test_release_export_writes_any_format_from_the_frozen_rows(tmp_path, pub):
    """--release: the frozen CSV is copied byte for byte as csv, and read for the others."""
    frozen = tmp_path / "frozen.csv"
    write_csv(ROWS, frozen)
    assert export_release(frozen, "csv", tmp_path / "a.csv") == len(ROWS)
    assert (tmp_path / "a.csv").read_bytes() == frozen.read_bytes()
    assert export_release(frozen, "sdmx-csv", tmp_path / "a.sdmx.csv", pub) == len(ROWS)
    with (tmp_path / "a.sdmx.csv").open() as f:
        lines = list(csv.DictReader(f))
    assert {r["OBS_VALUE"] for r in lines} >= {"13377000000.00", "148500", "39.2465"}


def test_a_release_of_a_synthetic_build_says_so_in_every_format():
    """A past release is synthetic when the build it froze was (the manifest's build id),
    whatever the warehouse holds today; its date comes from the manifest."""
    from types import SimpleNamespace

    from marsad.cli.export import _release_publication

    synthetic = SimpleNamespace(
        id="2025-10", manifest={"build": "2025-06.synthetic.3fa9c2d1", "date": "2025-10-17"}
    )
    pub = _release_publication(synthetic, internal=False)
    assert pub.synthetic and pub.release == "2025-10" and str(pub.release_date) == "2025-10-17"
    real = SimpleNamespace(id="2025-10", manifest={"build": "2025-06.3fa9c2d1"})
    assert not _release_publication(real, internal=False).synthetic


def test_a_release_named_synthese_is_not_synthetic_anywhere():
    """The publisher names a release; its name says nothing of its data. ``export
    --release`` took a release id holding "synth" (``synthese-2025``, a French
    publisher's annual summary) for synthetic data, flagging its SDMX ``test``,
    while the web, which reads the build id, did not: one rule now,
    :func:`~marsad.indicators.table.synthetic_build`."""
    from types import SimpleNamespace

    from marsad.cli.export import _release_publication
    from marsad.indicators.compute import CubeCell, compute_indicators
    from marsad.indicators.table import IndicatorTable
    from marsad.publish.facts import gather
    from marsad.web.store import ReleaseInfo

    build = "2025-06.3fa9c2d1"
    named = SimpleNamespace(id="synthese-2025", manifest={"build": build, "date": "2025-10-17"})
    assert not _release_publication(named, internal=False).synthetic
    info = ReleaseInfo("synthese-2025", "2025-10-17", "", "2025-06", build, (), Path("."))
    assert not info.synthetic
    table = compute_indicators([CubeCell(2024, 1, "C", "ITO", "SI22", "FR", 100, 1)])
    for release, synthetic in (("synthese-2025", False), ("2024-01.synthetic.3fa9c2d1", True)):
        tagged = IndicatorTable.from_rows(table, release=release)
        assert gather(tagged, "2024-01").synthetic is synthetic


def test_a_release_is_dated_by_its_manifest_whatever_the_setting(monkeypatch):
    """``marsad export --release`` dated a past release by MARSAD_RELEASE_DATE when set
    (the web by the manifest): the same release's files differed. The setting dates a
    release only when its manifest has no date."""
    from types import SimpleNamespace

    from marsad.cli.export import _release_publication

    monkeypatch.setenv("MARSAD_RELEASE_DATE", "2026-04-15")
    dated = SimpleNamespace(id="2025-10", manifest={"build": "b", "date": "2025-10-17"})
    assert str(_release_publication(dated, internal=False).release_date) == "2025-10-17"
    undated = SimpleNamespace(id="2025-10", manifest={"build": "b"})
    assert str(_release_publication(undated, internal=False).release_date) == "2026-04-15"


@pytest.mark.parametrize("fmt", ["xlsx", "sdmx-ml", "sdmx-structure", "sdmx-csv", "csv-bundle"])
@pytest.mark.parametrize("how", ["release date", "SOURCE_DATE_EPOCH"])
def test_the_same_rows_give_the_same_bytes(tmp_path, monkeypatch, fmt, how):
    """A reviewer's exports of one warehouse, a second apart, differed: the workbook's
    docProps/core.xml (and SDMX's Prepared without a release date) carried the clock's
    time. With a release date, or SOURCE_DATE_EPOCH, every format is reproducible."""
    import datetime as dt
    import time

    if how == "release date":
        pub = Publication(release=R, release_date=dt.date(2025, 10, 15))
    else:
        pub = Publication(release=R)
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1760486400")
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    first = _write(fmt, tmp_path / "a", pub)
    time.sleep(1.1)
    second = _write(fmt, tmp_path / "b", pub)
    assert first.read_bytes() == second.read_bytes()
    if fmt == "xlsx":
        core = zipfile.ZipFile(first).read("docProps/core.xml").decode()
        assert "2025-10-15T00:00:00Z" in core


@pytest.mark.parametrize("dated", [None, "2025-10-15"])
@pytest.mark.parametrize("epoch", ["99999999999999", "253402300800", "\u00b2", "-5", "soon"])
def test_a_source_date_epoch_that_is_not_a_time_is_one_plain_line(
    tmp_path, monkeypatch, epoch, dated
):
    """A reviewer's values crashed the xlsx and SDMX-ML exports (exit 70, ValueError);
    a negative or worded one was ignored without a word, and any one when a release
    date was set (it wins as the time): refused whichever time the file says."""
    import datetime as dt

    from marsad.errors import BadArgument

    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    day = dt.date.fromisoformat(dated) if dated else None
    with pytest.raises(BadArgument, match=r"SOURCE_DATE_EPOCH=.* is not a time"):
        _write("xlsx", tmp_path, Publication(release=R, release_date=day))


def test_bundle_code_columns_have_the_sdmx_code_lists_as_enums(tmp_path, pub):
    """datapackage.json had no enum for segment, service, partner or flow (and indicator
    and unit listed only the codes of the rows): every coded column now has the code
    list of the SDMX structure, as the CSV writes its codes (one source, publish.codes),
    and frictionless refuses a CSV holding a code outside it."""
    import json

    from frictionless import Package

    from marsad.publish.codes import COLUMN_OF
    from marsad.publish.sdmx import code_lists

    out = _write("csv-bundle", tmp_path, pub)
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(out) as z:
        z.extractall(folder)
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    fields = {f["name"]: f for f in descriptor["resources"][0]["schema"]["fields"]}
    as_written = {
        "COUNTERPART_AREA": {"W1": "_T"},
        "UNIT_MEASURE": {"PC": "percent", "PP": "percentage_points", "PS": "jobs"},
    }
    for dim, codelist in code_lists(ROWS).items():
        if dim not in COLUMN_OF:
            continue
        column = COLUMN_OF[dim]
        want = [as_written.get(dim, {}).get(c.id, c.id) for c in codelist.items]
        assert fields[column]["constraints"]["enum"] == want, column
    assert {c for c, f in fields.items() if "enum" in f.get("constraints", {})} == {
        "indicator", "flow", "segment", "service", "partner", "unit", "obs_status",
        "conf_status"}  # fmt: skip
    assert "pattern" in fields["period"]["constraints"]
    # every row of the table is in the code lists as they stand, not only by being added
    for row in ROWS:
        for column in COLUMN_OF.values():
            value = row[COLUMNS.index(column)]
            assert value in fields[column]["constraints"]["enum"], (column, value)
    assert Package(str(folder / "datapackage.json")).validate().valid
    # a code outside its list, or a period written otherwise, is an error of the package
    for column, bad in (("segment", "XYZ"), ("service", "S99"), ("partner", "W1"),
                        ("flow", "export"), ("unit", "PC"), ("period", "2025-H1")):  # fmt: skip
        row = list(ROWS[0])
        row[COLUMNS.index(column)] = bad
        with (folder / "indicators.csv").open("a", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerow(row)
        report = Package(str(folder / "datapackage.json")).validate()
        errors = report.flatten(["fieldName", "type"])
        assert [column, "constraint-error"] in errors, (column, errors)
        write_csv(ROWS, folder / "indicators.csv")


def test_an_excel_workbook_that_meets_a_full_disk_leaves_no_traceback(tmp_path, pub, monkeypatch):
    """On a full disk, after the plain line, Python printed "Exception ignored in:
    <function ZipFile.__del__>" and a traceback: the zip file xlsxwriter had left open
    failed again when it was collected."""
    import errno
    import gc
    import io
    import sys
    import types

    class Full(io.RawIOBase):
        def writable(self):
            return True

        def write(self, b):
            raise OSError(errno.ENOSPC, "No space left on device")

    real_open = io.open

    def open_(file, mode="r", *args, **kwargs):
        if str(file).endswith(".tmp") and "w" in mode:
            return io.BufferedWriter(Full(), buffer_size=64)
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(zipfile, "io", types.SimpleNamespace(**{**vars(io), "open": open_}))
    ignored = []
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)
    with pytest.raises(OSError) as err:
        writer("xlsx")(ROWS, tmp_path / "x.xlsx", pub)
    assert err.value.errno == errno.ENOSPC
    del err
    gc.collect()
    assert ignored == []
    assert not list(tmp_path.iterdir())
