"""Releases end to end through the command line: create, correct a month, create again,
export a past release, diff, verify, and the same inputs in a fresh warehouse.

Until the disclosure-control build is merged, the intruder audit
(``marsad.protect.stored.audit_stored``) is replaced by one that finds nothing exposed.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import stat
from decimal import Decimal
from pathlib import Path

import pytest

from tests.support import CORRECTED, copy_warehouse, correction, run

pytestmark = pytest.mark.slow

DATE1, DATE2 = "2025-10-15", "2025-11-15"


def _history(folder: Path, data: Path) -> dict:
    """Ingest, build, release R1; export; correct a month; build; release R2."""
    folder.mkdir()  # ingest makes the warehouse file, never its folder
    wh = str(folder / "w.duckdb")
    w = ("--warehouse", wh)
    run("ingest", "--kind", "firms", str(data / "firms.csv"), *w)
    run("ingest", "--kind", "rates", str(data / "rates.csv"), *w)
    run("ingest", "--kind", "transactions", *sorted(map(str, data.glob("transactions/*.csv"))), *w)
    run("build", *w)
    run("export", "--format", "csv", "--out", str(folder / "first.csv"), *w)
    run("release", "create", "--id", "R1", "--date", DATE1, "--note", "first", *w)
    fix = correction(data, folder / "correction.csv")
    run("ingest", "--kind", "transactions", str(fix), *w)
    stale = run("release", "create", "--id", "R2", "--date", DATE2, *w, code=1)
    run("build", *w)
    run("release", "create", "--id", "R2", "--date", DATE2, *w)
    return {"w": w, "stale": stale, "root": folder / "releases"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    base = tmp_path_factory.mktemp("release")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MARSAD_SDC_P", "17")
        mp.setenv("MARSAD_SDC_MIN_CONTRIBUTORS", "4")
        mp.delenv("MARSAD_RELEASES_DIR", raising=False)
        run("synth", "--out", str(base / "data"), "--rows-per-year", "1000")
        a = _history(base / "a", base / "data")
        b = _history(base / "b", base / "data")  # the same inputs, a fresh warehouse elsewhere
        yield {"a": a, "b": b, "base": base, "mp": mp}


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_build_older_than_the_last_load_is_refused(world):
    assert "run `marsad build`" in world["a"]["stale"].output
    assert "Traceback" not in world["a"]["stale"].output


def test_export_of_a_past_release_is_what_was_first_published(world, tmp_path):
    """After a correction, ``export --release R1`` still gives R1's table, byte for byte."""
    a = world["a"]
    out = tmp_path / "r1.csv"
    run("export", "--release", "R1", "--format", "csv", "--out", str(out), *a["w"])
    manifest = json.loads((a["root"] / "R1" / "manifest.json").read_text())
    assert hashlib.sha256(out.read_bytes()).hexdigest() == manifest["files"]["indicators.csv"]
    first = (a["root"].parent / "first.csv").read_text().splitlines()
    frozen = out.read_text().splitlines()
    assert len(first) == len(frozen)
    assert [line.rsplit(",", 1)[0] for line in first] == [line.rsplit(",", 1)[0] for line in frozen]
    assert all(line.endswith(",R1") for line in frozen[1:])
    internal = tmp_path / "r1-internal.csv"
    run("export", "--release", "R1", "--internal", "--format", "csv", "--out", str(internal),
        *a["w"])  # fmt: skip
    assert internal.read_bytes() == (a["root"] / "R1" / "internal" / "indicators.csv").read_bytes()


def test_diff_shows_the_corrected_month(world):
    a = world["a"]
    result = run("release", "diff", "R1", "R2", "--limit", "100000", *a["w"])
    first = result.stdout.splitlines()[0]
    assert first.startswith("R1 -> R2: ") and "revised" in first
    wanted = f"level exports {CORRECTED} TOTAL _T _T:"
    line = next(x for x in result.stdout.splitlines() if x.strip().startswith(wanted))
    old, new = line.split(": ", 1)[1].split(" (")[0].split(" -> ")
    revision = Decimal(line.rsplit("(", 1)[1].rstrip(")"))
    assert Decimal(new) - Decimal(old) == revision != 0
    assert "level exports 2024-02 TOTAL _T _T:" not in result.stdout  # an untouched month


def test_verify_passes_after_the_correction(world):
    result = run("release", "verify", "R1", *world["a"]["w"])
    assert result.stdout.startswith("OK: release R1")


def test_verify_with_other_confidentiality_parameters_says_why_it_may_differ(world, monkeypatch):
    """A reviewer ran verify with other MARSAD_SDC_* values: nine files 'differ', NOT
    reproduced, and no hint of the likely cause; the note names the settings, never
    their values."""
    monkeypatch.setenv("MARSAD_SDC_P", "37")
    result = run("release", "verify", "R1", *world["a"]["w"], code=1)
    assert "NOT reproduced" in result.stdout and "differs: " in result.stdout
    assert "does not record its confidentiality parameters (MARSAD_SDC_P," in result.stdout
    assert "37" not in result.output


def test_same_inputs_in_a_fresh_warehouse_give_identical_release_files(world):
    for release in ("R1", "R2"):
        a = _files(world["a"]["root"] / release)
        b = _files(world["b"]["root"] / release)
        assert a.keys() == b.keys()
        assert "bulletin-2025-S1-fr.html" in a and "bulletin-2025-S1-en.html" in a
        assert [name for name in a if a[name] != b[name]] == []


def test_an_existing_id_is_refused(world):
    result = run("release", "create", "--id", "R1", "--date", DATE1, *world["a"]["w"], code=1)
    assert "exists already" in result.output and "Traceback" not in result.output
    for wrong in ("../up", "R3.", "R3-", " R3"):
        bad = run("release", "create", "--id", wrong, *world["a"]["w"], code=2)
        assert "not a release id" in bad.output and "Traceback" not in bad.output


def test_release_files_are_read_only(world):
    root = world["a"]["root"] / "R1"
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o555 if path.is_dir() else 0o444), path


def test_manifest_holds_no_confidentiality_parameter(world):
    for release in ("R1", "R2"):
        folder = world["a"]["root"] / release
        text = (folder / "manifest.json").read_text()
        assert "SDC" not in text.upper() or "sdc_cells" in text
        assert "MIN_CONTRIBUTORS" not in text.upper() and "SDC_P" not in text.upper()
        manifest = json.loads(text)
        assert set(manifest["settings"]) == {
            "MARSAD_PERCENT_DECIMALS", "MARSAD_PROVISIONAL_FROM", "MARSAD_FINAL_AFTER_MONTHS",
            "MARSAD_RATE_MAX_AGE_DAYS", "MARSAD_EXPECTED_REPORTERS", "MARSAD_COVERAGE_WINDOW",
            "MARSAD_TODAY",
        }  # fmt: skip
        assert str(world["base"]) not in text  # no absolute path
        files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
        assert set(manifest["files"]) == files - {"manifest.json"}


def test_revision_means_are_exact_decimals(world):
    with (world["a"]["root"] / "R2" / "revisions.csv").open(newline="") as f:
        rows = {(r["segment"], r["period"]): r for r in csv.DictReader(f)}
    row = rows[("TOTAL", CORRECTED)]
    assert row["first_release"] == "R1" and row["R1"] == row["first_value"]
    revision = Decimal(row["R2"]) - Decimal(row["R1"])
    assert revision != 0 and row["revisions"] == "1"
    assert Decimal(row["mean_revision"]) == revision
    assert Decimal(row["mean_absolute_revision"]) == abs(revision)
    assert row["mean_revision"].count(".") == 1 and "e" not in row["mean_revision"].lower()
    untouched = rows[("TOTAL", "2024-02")]
    assert untouched["mean_revision"] == "0.0000"


def test_list_show_revisions_and_unknown_ids(world, tmp_path):
    w = world["a"]["w"]
    listed = run("release", "list", *w)
    assert [line.split()[0] for line in listed.stdout.splitlines()] == ["id", "R1", "R2"]
    assert "warehouse: " in listed.stderr
    shown = run("release", "show", "R2", *w)
    assert "earlier releases: R1" in shown.stdout and "internal/indicators.csv" in shown.stdout
    out = tmp_path / "rev.csv"
    run("release", "revisions", "--out", str(out), *w)
    assert out.read_text().splitlines()[0].startswith("segment,period,first_release")
    missing = run("export", "--release", "R9", "--format", "csv", "--out", str(out), *w, code=2)
    assert "no release R9" in missing.output and "Traceback" not in missing.output


def test_a_release_that_exposes_a_cell_is_refused(world, tmp_path):
    """The real intruder audit runs at release: secondary cells published by mistake
    (their flags cleared in the warehouse) make the release refused."""
    from marsad.engine import open_warehouse

    copy = tmp_path / "w.duckdb"
    copy_warehouse(Path(world["a"]["w"][1]), copy)
    with open_warehouse(copy) as wh:
        wh.sql("UPDATE sdc_cells SET status = 'F' WHERE status = 'D'")
    result = run("release", "create", "--id", "R3", "--warehouse", str(copy), code=1)
    assert "exposed" in result.output and not (tmp_path / "releases" / "R3").exists()


def test_sdc_audit_of_a_release(world):
    result = run("sdc", "audit", "--release", "R1", *world["a"]["w"])
    assert "Audit of release R1" in result.output and ", 0 exposed." in result.output
    missing = run("sdc", "audit", "--release", "R9", *world["a"]["w"], code=2)
    assert "no release R9" in missing.output


def test_revisions_print_as_csv_lines(world):
    """Review of issue 8: without --out the triangle came out as one line with literal \\n."""
    out = run("release", "revisions", *world["a"]["w"]).stdout
    lines = out.splitlines()
    assert len(lines) > 2 and lines[0].startswith("segment,period,first_release")
    assert "\\n" not in out


def test_a_release_dated_before_the_latest_or_badly_is_refused(world):
    """Review of issue 8: --date 1900-01-01 made the new release the first published."""
    w = world["a"]["w"]
    early = run("release", "create", "--id", "EARLY", "--date", "1900-01-01", *w, code=1)
    assert "would come before release R2" in early.output
    assert not (world["a"]["root"] / "EARLY").exists()
    run("release", "create", "--id", "BAD", "--date", "20250101", *w, code=2)


def test_a_frozen_file_changed_since_is_not_exported(world, tmp_path):
    """Review of issue 8: a frozen file altered by root was exported silently."""
    copy = tmp_path / "copy"
    shutil.copytree(world["a"]["root"] / "R1", copy / "releases" / "R1")
    target = copy / "releases" / "R1" / "indicators.csv"
    target.chmod(0o644)
    with target.open("a") as f:
        f.write("x\n")
    w = ("--warehouse", world["a"]["w"][1])
    env_before = os.environ.get("MARSAD_RELEASES_DIR")
    os.environ["MARSAD_RELEASES_DIR"] = str(copy / "releases")
    try:
        res = run("export", "--release", "R1", "--format", "csv", "--out", str(tmp_path / "o.csv"),
                  *w, code=2)  # fmt: skip
    finally:
        if env_before is None:
            os.environ.pop("MARSAD_RELEASES_DIR")
        else:
            os.environ["MARSAD_RELEASES_DIR"] = env_before
    assert "not the file that was frozen" in res.output
    assert not (tmp_path / "o.csv").exists()


def _tampered_copy(world, tmp_path, name: str) -> Path:
    """The releases of ``world``, copied, with R1's frozen ``name`` changed since."""
    from marsad.release.store import make_writable

    root = tmp_path / "releases"
    shutil.copytree(world["a"]["root"], root)
    make_writable(root)
    target = root / "R1" / name
    target.write_bytes(target.read_bytes().replace(b",R1", b",R1 ", 1) + b"\n")
    return root


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("indicators.csv", ["release", "diff", "R1", "R2"]),
        ("indicators.csv", ["release", "diff", "R2", "R1"]),
        ("indicators.csv", ["release", "revisions"]),
        ("internal/sdc_cells.csv", ["sdc", "audit", "--release", "R1"]),
        ("indicators.csv", ["export", "--release", "R1", "--format", "xlsx", "--out", "o.xlsx"]),
        ("internal/indicators.csv",
         ["export", "--release", "R1", "--internal", "--format", "csv", "--out", "o.csv"]),
    ],
)  # fmt: skip
def test_a_frozen_file_changed_since_is_read_by_no_command(
    world, tmp_path, monkeypatch, name, args
):
    """release diff and release revisions read a tampered frozen indicators.csv silently
    (export --release and the server refused it): every reader checks the manifest. A
    file changed since is a fault of the environment, as a lock or a full disk: exit 2,
    one plain line naming the file (it was exit 1, as for a refused release)."""
    root = _tampered_copy(world, tmp_path, name)
    monkeypatch.setenv("MARSAD_RELEASES_DIR", str(root))
    monkeypatch.chdir(tmp_path)
    res = run(*args, *world["a"]["w"], code=2)
    assert res.stderr.strip().splitlines()[-1] == (
        f"marsad: error: release R1: {name} is not the file that was frozen (its SHA-256 "
        "differs from the manifest's); see marsad release verify"
    )
    assert "Traceback" not in res.output
    assert not list(tmp_path.glob("o.*"))


@pytest.mark.parametrize(
    "args",
    [
        ["release", "diff", "R1", "R2"],
        ["release", "revisions"],
        ["export", "--release", "R1", "--format", "csv", "--out", "o.csv"],
    ],
)
def test_an_unreadable_frozen_file_is_one_line(world, tmp_path, monkeypatch, args):
    """A frozen file that cannot be read (permission denied) was a bug's traceback
    (PermissionError out of the SHA-256 check): one plain line naming it, exit 2. The
    fault is made by hand, so that it happens as root too."""
    root = tmp_path / "releases"
    shutil.copytree(world["a"]["root"], root)
    target = root / "R1" / "indicators.csv"
    read_bytes = Path.read_bytes

    def denied(self: Path) -> bytes:
        if self == target:
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    monkeypatch.setenv("MARSAD_RELEASES_DIR", str(root))
    monkeypatch.chdir(tmp_path)
    res = run(*args, *world["a"]["w"], code=2)
    assert res.stderr.strip().splitlines()[-1] == (
        "marsad: error: release R1: indicators.csv cannot be read (permission denied)"
    )


def test_a_damaged_manifest_is_one_line(world, tmp_path, monkeypatch):
    """A manifest that is no longer JSON (a disk fault, a hand) is a fault of the
    environment, as a tampered file: exit 2 for every command that needs that release
    (``verify R2`` rebuilds on R1; a build takes every release as what an intruder
    holds, so it cannot leave R1 out). ``release list`` stopped at it, and ``serve``
    would not start: they list the others and name R1."""
    from marsad.release.store import make_writable

    root = tmp_path / "releases"
    shutil.copytree(world["a"]["root"], root)
    make_writable(root)
    manifest = root / "R1" / "manifest.json"
    manifest.chmod(0o644)
    manifest.write_text("{", encoding="utf-8")
    monkeypatch.setenv("MARSAD_RELEASES_DIR", str(root))
    line = ("marsad: error: release R1: manifest.json cannot be read (not valid JSON): "
            "restore the release folder from its backup")  # fmt: skip
    copy = copy_warehouse(Path(world["a"]["w"][1]), tmp_path / "w" / "w.duckdb")
    for args in (["release", "list"], ["release", "show", "R2"],
                 ["export", "--release", "R2", "--format", "csv", "--out", "-"]):  # fmt: skip
        assert "Traceback" not in run(*args, *world["a"]["w"]).output
    listed = run("release", "list", *world["a"]["w"]).stdout
    assert "R2" in listed and "R1" in listed and "DAMAGED: manifest.json cannot be read" in listed
    for args in (["release", "revisions"], ["release", "show", "R1"],
                 ["release", "verify", "R2"], ["release", "diff", "R1", "R2"],
                 ["release", "create", "--id", "R3", "--warehouse", str(copy)],
                 ["build", "--warehouse", str(copy)]):  # fmt: skip
        w = () if "--warehouse" in args else world["a"]["w"]
        res = run(*args, *w, code=2)
        assert res.stderr.strip().splitlines()[-1] == line, args
        assert "Traceback" not in res.output
    assert not (root / "R3").exists()


def test_a_release_is_not_made_on_a_tampered_earlier_one(world, tmp_path, monkeypatch):
    """The revision triangle of a new release read the earlier releases' tables unchecked."""
    monkeypatch.setenv(
        "MARSAD_RELEASES_DIR", str(_tampered_copy(world, tmp_path, "indicators.csv"))
    )
    copy = copy_warehouse(Path(world["a"]["w"][1]), tmp_path / "w" / "w.duckdb")
    res = run("release", "create", "--id", "R3", "--warehouse", str(copy), code=2)
    assert "release R1: indicators.csv is not the file that was frozen" in res.output
    assert not (tmp_path / "releases" / "R3").exists()
