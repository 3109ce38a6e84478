"""Two releases side by side (attack 1 of "Across releases" in the methodology): a
one-firm segment-year withheld in release R1 is published by the next build once three
more firms' records arrive, and R1's withheld value is then the new value less the
change of the total. The earlier releases are a priori information of the build
(:mod:`marsad.protect.apriori`): R1's confidential cell is a cell of the joint table,
so the new build withholds the cell again (not forced by rule A: R1 was frozen with
its cells), and the audit of the new build, the intruder holding both releases, finds
nothing exposed.

Only the public API that existed before the rule is used here, so that the test can be
run against a marsad without it (it then fails on the first assertion)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from marsad.build import build
from marsad.ingest import load_files
from marsad.protect.stored import audit_release, audit_stored
from marsad.release.compare import read_public
from marsad.release.freeze import create
from marsad.release.store import PUBLIC_CSV, releases_root
from tests.support import run

YEAR = 2024
#: segment -> firms (K1 alone in KPO at first); even sizes: no firm dominates a segment
FIRMS = {
    "ITO": ["I1", "I2", "I3", "I4", "I5"],
    "CRM": ["C1", "C2", "C3", "C4"],
    "ESO": ["E1", "E2", "E3", "E4"],
    "BPO": ["B1", "B2", "B3", "B4"],
    "KPO": ["K1"],
}
LATE = ["K2", "K3", "K4"]  # three KPO firms whose records come late
LATE_CRM = ["C5", "C6", "C7"]  # three CRM firms whose June records come late
SERVICE = {"ITO": "SI22", "CRM": "SJ22", "ESO": "SJ31", "BPO": "SJ22", "KPO": "SJ21"}


def _records(firms: list[str], segment: str, first: int) -> list[str]:
    """One export record per firm and month of the year, to FR, in MAD (CSV lines)."""
    rows, n = [], first
    for i, firm in enumerate(firms):
        for month in range(1, 13):
            n += 1
            amount = Decimal(100_000 + 1_000 * i + 37 * month)
            day = dt.date(YEAR, month, 10)
            rows.append(f"R{n:05d},BK1,{firm},{day},C,{amount},MAD,{SERVICE[segment]},FR")
    return rows


def _load(wh, kind: str, header: str, rows: list[str]) -> None:
    path = wh.path.parent / f"{kind}-{len(list(wh.path.parent.glob('*.csv')))}.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    load_files(wh, kind, [path])


TX = "record_id,reporter,firm_id,value_date,flow,amount,currency,service_code,partner_country"


def _level(cells, segment: str, period: str = str(YEAR)):
    return cells[("level", "exports", period, segment, "_T", "_T")]


@pytest.fixture
def warehouse(tmp_path, monkeypatch):
    from marsad.engine import open_warehouse

    monkeypatch.delenv("MARSAD_RELEASES_DIR", raising=False)
    with open_warehouse(tmp_path / "w.duckdb") as wh:
        yield wh


def test_a_cell_withheld_in_a_release_stays_withheld_when_late_records_arrive(warehouse):
    wh = warehouse
    segment_of = {f: s for s, firms in FIRMS.items() for f in [*firms, *LATE * (s == "KPO")]}
    _load(wh, "firms", "firm_id,name,segment", [f"{f},Firm {f},{s}" for f, s in segment_of.items()])
    rows = [r for i, (s, firms) in enumerate(FIRMS.items()) for r in _records(firms, s, 1000 * i)]
    _load(wh, "transactions", TX, rows)
    build(wh)
    root = releases_root(wh.path)
    create(wh, root, "R1", date=dt.date(2025, 3, 1))
    first = read_public(root / "R1" / PUBLIC_CSV)
    assert _level(first, "KPO").conf_status == "A"  # one firm
    assert _level(first, "TOTAL").conf_status == "F"

    _load(wh, "transactions", TX, _records(LATE, "KPO", 10_000))
    report = build(wh)
    create(wh, root, "R2", date=dt.date(2025, 4, 1))
    second = read_public(root / "R2" / PUBLIC_CSV)

    # the reviewer's attack: R1's KPO = R2's KPO - (R2's TOTAL - R1's TOTAL)
    assert _level(second, "TOTAL").conf_status == "F"
    assert _level(second, "KPO").conf_status == "D", "R1's withheld value is recomputable"
    assert _level(second, "KPO").value == ""
    # every level cell R1 withheld, R2 withholds (same key, period included): no longer
    # rule (A), which R1, frozen with its cells, does not get; the joint suppression
    # needs them or prefers them (R1's complements cost half), so the pattern holds
    levels = [k for k in first if k[0] in ("level", "ytd_level") and k[1] != "balance"]
    assert [k for k in levels if first[k].withheld and not second[k].withheld] == []
    # the intruder holding both releases narrows nothing
    assert audit_stored(wh).ok
    assert audit_release(wh, "R2").ok
    assert report.unprotectable == 0


def test_build_says_once_how_many_cells_earlier_releases_leave_unprotectable(warehouse):
    """``marsad build`` said the count twice: its own line, and a logged warning of the
    suppression (once per year) saying the same in other words."""
    import os
    import subprocess
    import sys

    wh = warehouse
    rows = _first_release(wh)
    # ITO's records all moved to one firm, same records, same amounts: ITO's published
    # value is unchanged, and one firm now makes it (a primary cell an intruder knows)
    one = {f"{firm}": "I1" for firm in FIRMS["ITO"]}
    moved = [",".join([*r.split(",")[:2], one[r.split(",")[2]], *r.split(",")[3:]])
             for r in rows if r.split(",")[2] in one]  # fmt: skip
    _load(wh, "transactions", TX, moved)
    path = wh.path
    wh.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARSAD_")}
    done = subprocess.run(
        [sys.executable, "-m", "marsad", "build", "--warehouse", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    said = done.stdout + done.stderr
    assert "confidential cell(s) cannot be protected" in done.stdout
    assert said.lower().count("cannot be protected") == 1, said


def test_segments_withheld_together_in_a_release_cannot_be_subtracted_from_the_next(warehouse):
    """Attack 3 of "Across releases": R1 withholds KPO (one firm) and its complements;
    corrections then make CRM's June primary (two firms). The cells withheld with KPO's
    June keep their values, so R1 tells their sum, and CRM's June is the new June total
    less the published segments less that sum. Built from the public tables only (rules
    A and B), the audit of the intruder holding R1 whole finds a cell exposed; the build
    (rule C) protects it, and R2 is made. Protecting it takes the year's total, which
    rule (A) then kept withheld in every later release (a reviewer's case): once late
    records end the June cell's confidentiality, R3 publishes the year again."""
    from marsad.protect.apriori import Apriori, public_cells
    from marsad.release.apriori import of_warehouse

    wh = warehouse
    rows = _first_release(wh)
    root = releases_root(wh.path)
    first = read_public(root / "R1" / PUBLIC_CSV)
    assert _level(first, "KPO").conf_status == "A" and _level(first, "CRM").conf_status == "F"

    # corrections: C3's and C4's June records were C1's, and C3's amount was wrong
    june = [r.split(",") for r in rows if r.split(",")[3] == f"{YEAR}-06-10"]
    corrected = [[*r[:2], "C1", *r[3:]] for r in june if r[2] in ("C3", "C4")]
    corrected[0][5] = str(Decimal(corrected[0][5]) + 5_000)
    _load(wh, "transactions", TX, [",".join(r) for r in corrected])

    earlier = of_warehouse(wh.path)
    assert [release for release, _ in earlier.tables] == ["R1"]
    public_only = Apriori.of_tables([public_cells(earlier.tables[0][1])], ["R1"])
    build(wh, earlier=public_only)
    assert _status(wh, "CRM", f"{YEAR}-06") in ("A", "O")
    assert _status(wh, "TOTAL", f"{YEAR}-06") == "F"
    assert not audit_stored(wh).ok, "the attack needs rule (C) to be stopped"

    report = build(wh)
    assert audit_stored(wh).ok and report.unprotectable == 0
    frozen = create(wh, root, "R2", date=dt.date(2025, 4, 1))
    # protecting June took the year's total: the release says why its last period is S2
    assert frozen.period == f"{YEAR}-S2"
    assert frozen.notes[0].startswith(f"the exports total of {YEAR} is withheld")
    assert audit_release(wh, "R2").ok

    # the reviewer's case: under rule (A) the year's total stayed withheld in every later
    # release; three CRM firms' June records arrive late, CRM's June is no longer
    # confidential (R2's value of it still is), and R3 publishes the year again
    _load(wh, "firms", "firm_id,name,segment", [f"{f},Firm {f},CRM" for f in LATE_CRM])
    late = [r for r in _records(LATE_CRM, "CRM", 20_000) if f",{YEAR}-06-10," in r]
    _load(wh, "transactions", TX, late)
    report = build(wh)
    assert _status(wh, "CRM", f"{YEAR}-06") == "F" and report.unprotectable == 0
    third = create(wh, root, "R3", date=dt.date(2025, 5, 1))
    assert third.period == str(YEAR) and not any("is withheld" in n for n in third.notes)
    assert audit_release(wh, "R3").ok
    # and R2 is rebuilt exactly, R1's frozen cells read again as its a priori information
    from marsad.release.verify import verify

    path = wh.path
    wh.close()
    verdict = verify(path, root, "R2", work=path.parent)
    assert verdict.ok, verdict
    verdict = verify(path, root, "R3", work=path.parent)
    assert verdict.ok, verdict


def _first_release(wh) -> list[str]:
    """Load the firms of ``FIRMS`` and a year of their records, build, and make release
    R1; return the records' CSV lines."""
    segment_of = {f: s for s, firms in FIRMS.items() for f in firms}
    _load(wh, "firms", "firm_id,name,segment", [f"{f},Firm {f},{s}" for f, s in segment_of.items()])
    rows = [r for i, (s, firms) in enumerate(FIRMS.items()) for r in _records(firms, s, 1000 * i)]
    _load(wh, "transactions", TX, rows)
    build(wh)
    create(wh, releases_root(wh.path), "R1", date=dt.date(2025, 3, 1))
    return rows


def _status(wh, segment: str, period: str) -> str:
    """The flag of the last build's cell of ``segment`` and ``period`` (exports, all services
    and partners)."""
    query = (
        "SELECT status FROM sdc_cells WHERE flow = 'exports' AND period = ? AND segment = ? "
        "AND service = '_T' AND partner = '_T'"
    )
    return wh.sql(query, [period, segment])[0][0]


def test_a_release_that_lost_its_frozen_cells_is_damaged_not_read_without_them(warehouse):
    """A reviewer deleted R1's internal/sdc_cells.csv: the next build read R1 with rules
    (A) and (B) only, silently. The manifest lists the file: its loss is damage."""
    import shutil

    from marsad.release.apriori import of_warehouse
    from marsad.release.store import SDC_CSV, DamagedRelease

    wh = warehouse
    _first_release(wh)
    root = releases_root(wh.path)
    assert len(of_warehouse(wh.path).tables) == 1
    internal = (root / "R1" / SDC_CSV).parent
    internal.chmod(0o755)
    shutil.rmtree(internal)
    with pytest.raises(DamagedRelease, match=f"release R1 has no file {SDC_CSV}"):
        of_warehouse(wh.path)
    with pytest.raises(DamagedRelease):
        build(wh)


def test_a_release_gone_from_the_folder_that_a_later_one_lists_is_damage(warehouse):
    """A reviewer moved R1 out of the releases folder: the next build read R2 alone, and
    R1's confidential cells were recomputed from R1, R2 and R3. R2's manifest lists R1:
    its absence is damage, refused in one line, not a smaller a priori information."""
    import shutil

    from marsad.release.apriori import of_warehouse
    from marsad.release.store import DamagedRelease

    wh = warehouse
    _first_release(wh)
    root = releases_root(wh.path)
    create(wh, root, "R2", date=dt.date(2025, 4, 1))
    (root / "R1").chmod(0o755)
    shutil.move(root / "R1", wh.path.parent / "R1-elsewhere")
    with pytest.raises(DamagedRelease, match="release R1 is not in the releases folder"):
        of_warehouse(wh.path)
    with pytest.raises(DamagedRelease):
        build(wh)


@pytest.mark.parametrize("how", ["deleted", "renamed aside", "hidden"])
def test_the_latest_release_gone_from_the_folder_is_missing_not_forgotten(warehouse, how):
    """A reviewer removed (or renamed to ``_R1``) the latest release, R1, which no later
    manifest lists: ``build``, ``sdc audit`` and ``release create`` forgot it had been
    published, ``release create --id R1`` was accepted again, and a new pattern let a
    two-firm segment be computed from the first R1 and the new table. The releases
    folder's log of the releases made names it: missing, refused in one line."""
    import shutil

    from marsad.release.store import MADE_LOG, MissingRelease, made_ids, survey

    wh = warehouse
    _first_release(wh)
    root = releases_root(wh.path)
    assert made_ids(root) == ["R1"]
    assert (root / MADE_LOG).read_text(encoding="utf-8") == "R1\t2025-03-01\n"
    (root / "R1").chmod(0o755)
    aside = {"deleted": None, "renamed aside": root / "_R1", "hidden": root / ".R1-old"}[how]
    if aside is None:
        shutil.rmtree(root / "R1")
    else:
        (root / "R1").rename(aside)
    found, faults = survey(root)
    assert found == [] and list(faults) == ["R1"] and isinstance(faults["R1"], MissingRelease)
    said = "release R1 is not in the releases folder, though it was made there"
    for step in (
        lambda: build(wh),
        lambda: audit_stored(wh),
        lambda: create(wh, root, "R1", date=dt.date(2025, 4, 1)),
        lambda: create(wh, root, "R2", date=dt.date(2025, 4, 1)),
    ):
        with pytest.raises(MissingRelease, match=said):
            step()
    listed = " ".join(run("release", "list", "--warehouse", str(wh.path)).output.split())
    assert "MISSING" in listed and "R1" in listed and "it was made there" in listed
    if aside is not None:  # put back, it is a release again
        aside.rename(root / "R1")
        assert [r.id for r in survey(root)[0]] == ["R1"] and survey(root)[1] == {}


def _strip_cells(wh, release: str) -> None:
    """Freeze ``release`` as an older marsad did: without internal/sdc_cells.csv, its
    manifest not listing it."""
    import json
    import shutil

    from marsad.release.store import SDC_CSV

    folder = releases_root(wh.path) / release
    folder.chmod(0o755)
    manifest = folder / "manifest.json"
    manifest.chmod(0o644)
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["files"].pop(SDC_CSV)
    manifest.write_text(json.dumps(data), encoding="utf-8")
    (folder / "internal").chmod(0o755)
    shutil.rmtree(folder / "internal")


#: The note that names a release read without its protected cells.
WITHOUT_CELLS = "note: release(s) R1 hold no protected cells"


def test_a_release_frozen_without_its_cells_is_named_at_every_build(warehouse):
    """A release frozen without internal/sdc_cells.csv (an older marsad, or a manifest
    edited by hand) gives rules (A) and (B) only: a reviewer then recomputed R1's cells
    exactly, and no command said the protection was weaker. The build names it."""
    from tests.support import run

    wh = warehouse
    _first_release(wh)
    _strip_cells(wh, "R1")
    report = build(wh, full=True)
    assert report.earlier_without_cells == ("R1",)
    wh.close()
    said = run("build", "--warehouse", str(wh.path))
    assert WITHOUT_CELLS in " ".join(said.output.split())


def test_audit_and_release_create_name_a_release_without_its_cells(warehouse):
    """``marsad build`` named R1, frozen without its protected cells, but ``marsad sdc
    audit`` and ``marsad release create`` said nothing, though their audit held R1 with
    rules (A) and (B) only. They say the build's note (one function)."""
    from tests.support import run

    wh = warehouse
    _first_release(wh)
    _strip_cells(wh, "R1")
    build(wh, full=True)
    assert audit_stored(wh).without_cells == ("R1",)
    wh.close()
    w = ("--warehouse", str(wh.path))
    for args in (("sdc", "audit"), ("release", "create", "--id", "R2", "--date", "2025-04-01")):
        said = run(*args, *w)
        assert WITHOUT_CELLS in " ".join(said.output.split()), args
    said = run("sdc", "audit", "--release", "R2", *w)  # R2's audit held R1 without its cells
    assert WITHOUT_CELLS in " ".join(said.output.split())
    said = run("sdc", "audit", "--release", "R1", *w, code=1)  # nothing to audit: no note
    assert WITHOUT_CELLS not in said.output


def test_cells_the_earlier_releases_alone_give_away_refuse_a_release_unless_accepted(warehouse):
    """A reviewer grouped firms after R1: cells R1 published became primary with the same
    value, and every later release was refused, with no way out. They are refused still
    (counted, never which), and made with ``accept_earlier``: the manifest counts them,
    and ``release verify`` rebuilds the release byte for byte."""
    from marsad.release.store import MANIFEST, ReleaseError
    from marsad.release.verify import verify

    wh = warehouse
    rows = _first_release(wh)
    one = {f"{firm}": "I1" for firm in FIRMS["ITO"]}  # ITO's records all one firm's now
    moved = [",".join([*r.split(",")[:2], one[r.split(",")[2]], *r.split(",")[3:]])
             for r in rows if r.split(",")[2] in one]  # fmt: skip
    _load(wh, "transactions", TX, moved)
    assert build(wh).unprotectable > 0
    root = releases_root(wh.path)
    with pytest.raises(ReleaseError, match="earlier releases alone give away") as refused:
        create(wh, root, "R2", date=dt.date(2025, 4, 1))
    assert "--accept-earlier-disclosure" in str(refused.value)
    assert not (root / "R2").exists()
    audited = audit_stored(wh)
    assert audited.exposed == audited.earlier > 0
    made = create(wh, root, "R2", date=dt.date(2025, 4, 1), accept_earlier=True)
    manifest = json.loads((made.release.path / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["earlier_disclosure"] == audited.earlier
    assert any("--accept-earlier-disclosure" in n for n in manifest["notes"])
    path = wh.path
    wh.close()
    verdict = verify(path, root, "R2", work=path.parent)
    assert verdict.ok, verdict


def test_a_release_dated_before_its_months_were_over_is_refused(warehouse):
    """A release of 2024 dated 2024-06-01 was made, and ``asOf`` served its December
    figures in June; the build took 2025-01-01 as today."""
    from marsad.release.store import ReleaseError

    wh = warehouse
    segment_of = {f: s for s, firms in FIRMS.items() for f in firms}
    _load(wh, "firms", "firm_id,name,segment", [f"{f},Firm {f},{s}" for f, s in segment_of.items()])
    for i, (segment, firms) in enumerate(FIRMS.items()):
        _load(wh, "transactions", TX, _records(firms, segment, 1000 * i))
    build(wh)
    root = releases_root(wh.path)
    with pytest.raises(ReleaseError, match=r"months not over that day.*date it 2025-01-01"):
        create(wh, root, "R1", date=dt.date(2024, 6, 1))
    create(wh, root, "R1", date=dt.date(2025, 1, 1))
