"""The record store's contract (contract11 section 1): which parts a load, a correction
and a withdrawal write, the month versions, the catalogue against a scan of the files,
and a property test of random loads and withdrawals against a model of the warehouse's
rule (a plain-Python account of ``marsad.ingest.withdraw``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from marsad.engine import Warehouse, WarehouseFault, open_warehouse
from marsad.engine.records import ALL, store_folder
from marsad.ingest import load_files
from marsad.ingest.withdraw import withdraw

from .ingest.conftest import tx, write_csv


def _load(wh: Warehouse, path: Path) -> str:
    (report,) = load_files(wh, "transactions", [path])
    return report.load_id


def _files(wh: Warehouse) -> dict[str, int]:
    """Every parquet file under the store (relative path -> mtime_ns), catalogue or not."""
    root = wh.records.root
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*.parquet")}


def _view(wh: Warehouse) -> dict[str, tuple]:
    rows = wh.sql("SELECT record_id, value_date, amount, load_id FROM transactions")
    return {r[0]: r[1:] for r in rows}


def assert_catalogue_matches_scan(wh: Warehouse) -> None:
    """The catalogue's rows, dates, sizes and reporter counts are those of the files, the
    files on disk are exactly those it names, and deliveries() is the scan's group-by."""
    root = wh.records.root
    files = wh.records.files()
    assert sorted(files) == sorted(root.rglob("*.parquet"))
    cat = wh.sql("SELECT file, year, month, rows, bytes, first_date, last_date FROM record_files")
    if not files:
        assert cat == []
        return
    paths = ", ".join(f"'{f}'" for f in files)
    scan = wh.sql(
        f"SELECT filename, count(*), min(value_date), max(value_date) "
        f"FROM read_parquet([{paths}], filename = true) GROUP BY filename"
    )
    scanned = {Path(f).relative_to(root).as_posix(): (n, lo, hi) for f, n, lo, hi in scan}
    for file, year, month, rows, size, first, last in cat:
        assert scanned[file] == (rows, first, last)
        assert (first.year, first.month, last.year, last.month) == (year, month, year, month)
        assert file.startswith(f"{year:04d}-{month:02d}/g")
        assert (root / file).stat().st_size == size
    reporters = wh.sql(
        f"SELECT filename, reporter, count(*) FROM read_parquet([{paths}], filename = true) "
        "GROUP BY ALL ORDER BY ALL"
    )
    assert sorted((str(root / f), r, n) for f, r, n in wh.sql(
        "SELECT * FROM record_file_reporters"
    )) == reporters  # fmt: skip
    assert wh.records.deliveries() == wh.sql(
        "SELECT reporter, CAST(year(value_date) AS INTEGER), CAST(month(value_date) AS INTEGER), "
        "count(*) FROM transactions GROUP BY ALL ORDER BY ALL"
    )
    assert wh.records.count() == wh.scalar("SELECT count(*) FROM transactions")
    assert wh.records.last_date() == wh.scalar("SELECT max(value_date) FROM transactions")


@pytest.fixture
def wh(tmp_path):
    w = open_warehouse(tmp_path / "w.duckdb")
    yield w
    w.close()


def test_the_store_is_beside_the_warehouse(tmp_path, wh):
    assert wh.records.root == (tmp_path / "w.records").absolute()
    assert store_folder(Path("demo-out/marsad.duckdb")) == Path("demo-out/marsad.records")
    assert wh.records.files() == [] and wh.records.count() == 0
    assert wh.scalar("SELECT count(*) FROM transactions") == 0  # the empty, typed view


def test_a_load_appends_a_part_to_a_new_month(tmp_path, wh):
    _load(wh, write_csv(tmp_path / "mar.csv", [tx("R1"), tx("R2")]))
    march = wh.records.month_versions()
    before = _files(wh)
    assert list(march) == [(2024, 3)] and list(before) == ["2024-03/g00000001.parquet"]
    _load(wh, write_csv(tmp_path / "apr.csv", [tx("R3", value_date="2024-04-02")]))
    after = wh.records.month_versions()
    assert after[(2024, 3)] == march[(2024, 3)] and (2024, 4) in after
    files = _files(wh)
    assert {k: files[k] for k in before} == before  # the March part untouched
    assert len(files) == 2
    assert_catalogue_matches_scan(wh)


def test_new_records_of_a_month_held_are_appended_not_rewritten(tmp_path, wh):
    _load(wh, write_csv(tmp_path / "a.csv", [tx("R1")]))
    before = _files(wh)
    _load(wh, write_csv(tmp_path / "b.csv", [tx("R2")]))  # same month, no key in common
    files = _files(wh)
    assert {k: files[k] for k in before} == before and len(files) == 2
    assert wh.records.month_versions() == {(2024, 3): "g00000001+g00000002"}
    assert_catalogue_matches_scan(wh)


def test_every_part_has_the_records_types(tmp_path, wh):
    """A file with a newline inside a quoted value numbers its lines through a running
    sum (a HUGEINT, which Parquet stores as DOUBLE): its part must still hold ``line``
    as BIGINT, like every other part (a reader without schema merging, Spark's, would
    refuse the mix)."""
    from marsad.engine.records import COLUMNS

    _load(wh, write_csv(tmp_path / "q.csv", [tx("Q1", firm_id="a\nb"), tx("Q2")]))
    _load(wh, write_csv(tmp_path / "p.csv", [tx("P1", value_date="2024-04-02")]))
    types = {
        str(part): wh.sql(f"DESCRIBE SELECT * FROM read_parquet('{part}')")
        for part in wh.records.files()
    }
    assert len(types) == 2
    for found in types.values():
        assert [(c, t) for c, t, *_ in found] == list(COLUMNS)


def _three_months(tmp_path: Path, wh: Warehouse) -> None:
    rows = [
        tx("R1", amount="10"),
        tx("R2", amount="20"),
        tx("R3", value_date="2024-04-10", amount="30"),
        tx("R4", value_date="2024-05-10", amount="40"),
    ]
    _load(wh, write_csv(tmp_path / "base.csv", rows))


def test_a_correction_moving_a_record_rewrites_both_months_only(tmp_path, wh):
    _three_months(tmp_path, wh)
    versions, files = wh.records.month_versions(), _files(wh)
    fix = _load(wh, write_csv(tmp_path / "fix.csv", [tx("R1", value_date="2024-04-20")]))
    after = wh.records.month_versions()
    assert {m for m in versions if after.get(m) != versions[m]} == {(2024, 3), (2024, 4)}
    now = _files(wh)
    assert "2024-03/g00000001.parquet" not in now  # March rewritten, its old part deleted
    assert now["2024-05/g00000001.parquet"] == files["2024-05/g00000001.parquet"]
    assert _view(wh)["R1"] == (dt.date(2024, 4, 20), Decimal("1500.250"), fix)
    assert wh.scalar("SELECT count(*) FROM transactions_history WHERE record_id = 'R1'") == 1
    assert_catalogue_matches_scan(wh)

    # withdrawing the correction brings R1 back to March: March and April change again
    withdraw(wh, fix, "sent by mistake", "test")
    back = wh.records.month_versions()
    assert {m for m in after if back.get(m) != after[m]} == {(2024, 3), (2024, 4)}
    assert back[(2024, 5)] == versions[(2024, 5)]
    assert _view(wh)["R1"] == (dt.date(2024, 3, 15), Decimal("10.000"), "L00001")
    assert_catalogue_matches_scan(wh)


def test_a_withdrawal_empties_the_months_of_the_load(tmp_path, wh):
    _three_months(tmp_path, wh)
    extra = _load(wh, write_csv(tmp_path / "jun.csv", [tx("R9", value_date="2024-06-01")]))
    before = wh.records.month_versions()
    withdraw(wh, extra, "wrong month", "test")
    after = wh.records.month_versions()
    assert (2024, 6) not in after and {m: before[m] for m in after} == after
    assert not (wh.records.root / "2024-06").exists()
    assert_catalogue_matches_scan(wh)


def test_a_file_loaded_again_changes_nothing(tmp_path, wh):
    path = write_csv(tmp_path / "a.csv", [tx("R1"), tx("R2", value_date="2024-04-01")])
    _load(wh, path)
    state = (wh.records.month_versions(), _files(wh), wh.sql("SELECT * FROM record_store"))
    (report,) = load_files(wh, "transactions", [path])
    assert report.status == "already loaded"
    assert (wh.records.month_versions(), _files(wh), wh.sql("SELECT * FROM record_store")) == state
    # records already there (another file, same content) change nothing either
    again = write_csv(tmp_path / "b.csv", [tx("R1")])
    (report,) = load_files(wh, "transactions", [again])
    assert report.unchanged == 1 and wh.records.month_versions() == state[0]


def test_an_error_while_editing_leaves_the_store_as_it_was(tmp_path, wh):
    _three_months(tmp_path, wh)
    state = (wh.records.month_versions(), _files(wh), _view(wh))
    with pytest.raises(ZeroDivisionError), wh.transaction(), wh.records.editing(ALL):
        wh.sql("DELETE FROM transactions WHERE record_id = 'R1'")
        wh.sql("UPDATE transactions SET value_date = DATE '2030-01-01'")
        wh.records._write([(2030, 1)], [])  # new parts written: the rollback removes them
        raise ZeroDivisionError
    assert (wh.records.month_versions(), _files(wh), _view(wh)) == state
    assert wh.sql("SELECT table_name FROM duckdb_tables() WHERE table_name = 'transactions'") == []


_NEW_ROWS = """SELECT * FROM (VALUES
    ('N1', 'BK9', NULL, DATE '2024-03-20', 'C', 5.000, 'EUR', 'SI22', 'FR', 'L00009', 2),
    ('N2', 'BK9', NULL, DATE '2024-06-02', 'C', 7.000, 'EUR', 'SI22', 'FR', 'L00009', 3))
    AS v(record_id, reporter, firm_id, value_date, flow, amount, currency, service_code,
         partner_country, load_id, line)"""


def test_appended_records_join_a_month_being_rewritten_or_start_a_part(tmp_path, wh):
    _three_months(tmp_path, wh)
    files = _files(wh)
    with pytest.raises(RuntimeError, match=r"inside RecordStore\.editing"):
        wh.records.append(_NEW_ROWS)
    with wh.transaction(), wh.records.editing([(2024, 3)]):
        wh.sql("UPDATE transactions SET amount = 11 WHERE record_id = 'R1'")
        wh.records.append(_NEW_ROWS)
        # not copied into the working table: read once, when the parts are written
        assert wh.scalar("SELECT count(*) FROM transactions") == 2
    now = _files(wh)
    # March rewritten as one part (its rows and the new one), June new, the rest untouched
    assert sorted(set(now) - set(files)) == ["2024-03/g00000002.parquet",
                                             "2024-06/g00000002.parquet"]  # fmt: skip
    assert set(files) - set(now) == {"2024-03/g00000001.parquet"}
    assert now["2024-04/g00000001.parquet"] == files["2024-04/g00000001.parquet"]
    view = _view(wh)
    assert view["R1"][1] == Decimal("11.000") and view["R2"][1] == Decimal("20.000")
    assert view["N1"] == (dt.date(2024, 3, 20), Decimal("5.000"), "L00009")
    assert view["N2"] == (dt.date(2024, 6, 2), Decimal("7.000"), "L00009")
    assert_catalogue_matches_scan(wh)


def test_appended_records_are_not_written_when_the_edit_fails(tmp_path, wh):
    _three_months(tmp_path, wh)
    state = (wh.records.month_versions(), _files(wh), _view(wh))
    with pytest.raises(ZeroDivisionError), wh.transaction(), wh.records.editing([]):
        wh.records.append(_NEW_ROWS)
        raise ZeroDivisionError
    assert (wh.records.month_versions(), _files(wh), _view(wh)) == state
    with pytest.raises(RuntimeError, match=r"inside RecordStore\.editing"):
        wh.records.append(_NEW_ROWS)  # the failed edit is over: nothing can be appended


def test_orphans_are_swept_on_the_next_writable_open_only(tmp_path, wh):
    _three_months(tmp_path, wh)
    root, path = wh.records.root, wh.path
    wh.close()
    orphan = root / "2024-03" / "g00000009.parquet"
    orphan.write_bytes(b"left by a killed load")
    (root / ".staging-g00000009" / "_y=2024").mkdir(parents=True)
    with open_warehouse(path, read_only=True) as ro:
        assert ro.scalar("SELECT count(*) FROM transactions") == 4
    assert orphan.exists()
    with open_warehouse(path) as again:
        assert again.scalar("SELECT count(*) FROM transactions") == 4
    assert not orphan.exists() and not list(root.glob(".staging-*"))


@pytest.mark.parametrize("damage", ["delete", "truncate"])
def test_a_part_missing_or_damaged_is_one_plain_fault(tmp_path, wh, damage):
    _three_months(tmp_path, wh)
    part = wh.records.files([(2024, 4)])[0]
    path = wh.path
    wh.close()
    if damage == "delete":
        part.unlink()
    else:
        part.write_bytes(part.read_bytes()[:-10])
    for read_only in (True, False):
        with pytest.raises(WarehouseFault) as caught:
            open_warehouse(path, read_only=read_only)
        message = str(caught.value)
        assert "does not match its catalogue" in message and str(part) in message
        assert ("is missing" if damage == "delete" else "bytes, not") in message
        assert "\n" not in message


def test_a_part_damaged_inside_is_a_fault_naming_it(tmp_path, wh):
    """Same size, other bytes: found when the records are read, worded by classify_error."""
    from marsad.engine import classify_error
    from marsad.engine.sql import SqlError

    _three_months(tmp_path, wh)
    part = wh.records.files([(2024, 4)])[0]
    path = wh.path
    wh.close()
    part.write_bytes(b"\0" * part.stat().st_size)
    try:
        with open_warehouse(path, read_only=True) as ro:
            ro.scalar("SELECT sum(amount) FROM transactions")
    except WarehouseFault as exc:
        fault = exc
    except SqlError as exc:
        fault = classify_error(exc)
    else:
        pytest.fail("a damaged part was read")
    assert fault is not None and str(part) in str(fault)
    assert "does not match its catalogue" in str(fault)


# -- the model: random loads, corrections and withdrawals --------------------------------

KEYS = ("R0", "R1", "R2", "R3", "R4")
DAYS = ("2024-01-05", "2024-01-20", "2024-02-03", "2024-03-09")
AMOUNTS = ("1", "2.5", "300")
ONE, TWO = ("2024-01-05", "1"), ("2024-02-03", "2.5")

a_file = st.dictionaries(
    st.sampled_from(KEYS),
    st.tuples(st.sampled_from(DAYS), st.sampled_from(AMOUNTS)),
    min_size=1,
    max_size=4,
)
a_step = st.one_of(
    st.tuples(st.just("load"), a_file), st.tuples(st.just("withdraw"), st.integers(0, 5))
)


class Model:
    """The warehouse's semantics, plainly: per key, every version a load brought or sent
    again unchanged; a new content is a new version held by its load, the same content
    changes nothing; a withdrawal gives each record the load withdrawn held the latest
    version of a load not withdrawn (one sent again unchanged included: then held by
    that load), or removes it; a file seen before changes nothing (``marsad.ingest.withdraw``)."""

    def __init__(self) -> None:
        self.versions: dict[str, list[tuple[int, str, str]]] = {}
        self.held: dict[str, tuple[int, str, str]] = {}
        self.withdrawn: set[int] = set()
        self.seen: set[tuple] = set()
        self.loads = 0

    def current(self) -> dict[str, tuple]:
        return {
            key: (dt.date.fromisoformat(day), Decimal(amount), f"L{n:05d}")
            for key, (n, day, amount) in self.held.items()
        }

    def load(self, rows: dict[str, tuple[str, str]]) -> bool:
        content = tuple(sorted(rows.items()))
        if content in self.seen:
            return False
        self.seen.add(content)
        self.loads += 1
        for key, (day, amount) in rows.items():
            version = (self.loads, day, amount)
            self.versions.setdefault(key, []).append(version)
            held = self.held.get(key)
            same = held is not None and (dt.date.fromisoformat(held[1]), Decimal(held[2])) == (
                dt.date.fromisoformat(day),
                Decimal(amount),
            )
            if not same:
                self.held[key] = version
        return True

    def withdraw(self, n: int) -> None:
        self.withdrawn.add(n)
        for key in [k for k, held in self.held.items() if held[0] == n]:
            live = [v for v in self.versions[key] if v[0] not in self.withdrawn]
            if live:
                self.held[key] = live[-1]
            else:
                del self.held[key]

    def months(self) -> dict[tuple[int, int], set]:
        out: dict[tuple[int, int], set] = {}
        for key, row in self.current().items():
            out.setdefault((row[0].year, row[0].month), set()).add((key, *row))
        return out


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(a_step, min_size=1, max_size=6))
# a record sent again unchanged by load 2 stays, held by load 2, when load 1 is withdrawn
@example(steps=[("load", {"R0": ONE}), ("load", {"R0": ONE, "R1": ONE}), ("withdraw", 0)])
# load 3 corrects it, then is withdrawn: the latest version of a live load is load 2's
@example(
    steps=[("load", {"R0": ONE}), ("load", {"R0": ONE, "R1": ONE}), ("load", {"R0": TWO}),
           ("withdraw", 2), ("withdraw", 1)]
)  # fmt: skip
def test_random_loads_and_withdrawals_match_the_model(tmp_path_factory, steps):
    folder = tmp_path_factory.mktemp("model")
    model = Model()
    with open_warehouse(folder / "w.duckdb") as wh:
        for i, (action, arg) in enumerate(steps):
            before_months, before_versions = model.months(), wh.records.month_versions()
            if action == "load":
                rows = [tx(k, value_date=d, amount=a) for k, (d, a) in sorted(arg.items())]
                load_files(wh, "transactions", [write_csv(folder / f"f{i}.csv", rows)])
                model.load(arg)
            elif arg < model.loads and (arg + 1) not in model.withdrawn:
                withdraw(wh, f"L{arg + 1:05d}", "test", "test")
                model.withdraw(arg + 1)
            assert _view(wh) == model.current()
            after_months, after_versions = model.months(), wh.records.month_versions()
            changed = {m for m in set(before_months) | set(after_months)
                       if before_months.get(m) != after_months.get(m)}  # fmt: skip
            moved = {m for m in set(before_versions) | set(after_versions)
                     if before_versions.get(m) != after_versions.get(m)}  # fmt: skip
            assert moved == changed
            assert_catalogue_matches_scan(wh)
