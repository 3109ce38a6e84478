"""A figure derived from a withheld level is withheld on every build path.

A reviewer's High: with the 2024 exports total primary-confidential (one firm's
record dominates it), the first build and ``build --full`` withheld the tracker of
2024 (``target_share`` and the rest, flag D), but a second build with nothing changed
published it (flag F, values): ``target_share`` x the published 40 bn target gave the
total back, ``marsad sdc audit`` said 0 exposed, and the release id moved with no
input changed. The no-op build computed no year and read the flags of no stored year
(``NOT IN (NULL)``), so the tracker rows it adds to every build were flagged free.

Two warehouses receive the same files: one built incrementally after every step,
the other with ``full=True``; the public tables (flags included) must be the same,
and no published derived figure may read a withheld level.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from marsad.build import build
from marsad.coverage import CoverageRule
from marsad.engine import open_warehouse
from marsad.indicators.registry import COLUMNS
from marsad.indicators.table import Observation
from marsad.ingest import load_files
from marsad.protect.indicators import LEVELS, PROTECTED_FLOWS, cell_key, uses
from marsad.protect.primary import SdcRule
from marsad.protect.stored import audit_stored, published_derived, revealed, table_from_rows
from marsad.release.snapshot import indicator_rows

FIRMS = [f"F{i}" for i in range(8)]
TX_HEADER = (
    "record_id,reporter,firm_id,value_date,flow,amount,currency,service_code,partner_country"
)
TRACKER = ("target_share", "target_required_growth", "target_recent_growth",
           "target_projected_level")  # fmt: skip
OPTIONS = {"coverage_rule": CoverageRule(window=3), "sdc_rule": SdcRule(3, Decimal(10))}


def _tx(rid: str, firm: str, day: dt.date, amount: str) -> str:
    return f"{rid},BK1,{firm},{day.isoformat()},C,{amount},MAD,SI22,FR"


class Twins:
    """An incremental and a full warehouse given the same files."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.n = folder, 0
        self.inc, self.ref = (open_warehouse(folder / f"{x}.duckdb") for x in ("inc", "ref"))

    def load(self, kind: str, header: str, rows: list[str]) -> None:
        self.n += 1
        path = self.folder / f"{self.n:02d}-{kind}.csv"
        path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
        for wh in (self.inc, self.ref):
            load_files(wh, kind, [path])

    def build(self):
        return build(self.inc, **OPTIONS), build(self.ref, full=True, **OPTIONS)

    def close(self) -> None:
        self.inc.close()
        self.ref.close()


@pytest.fixture
def twins(tmp_path):
    """2023 and 2024, eight even firms a month, and in March 2024 one record of F0 that
    dominates every 2024 exports total it counts in (p% rule: primary confidential)."""
    t = Twins(tmp_path)
    t.load("firms", "firm_id,name,segment", [f"{f},Firm {f},{('ITO', 'CRM')[i % 2]}"
                                             for i, f in enumerate(FIRMS)])  # fmt: skip
    rows = [
        _tx(f"R{y}{m:02d}{f}", f, dt.date(y, m, 5), "100000.00")
        for y in (2023, 2024)
        for m in range(1, 13)
        for f in FIRMS
    ]
    rows.append(_tx("BIG", "F0", dt.date(2024, 3, 5), "900000000000.00"))
    t.load("transactions", TX_HEADER, rows)
    yield t
    t.close()


def _leaks(wh) -> list[tuple]:
    """Published derived rows that read a level the public table withholds (a reading
    of the public table alone, independent of ``sdc_cells``)."""
    rows = [dict(zip(COLUMNS, r, strict=True)) for r in indicator_rows(wh, "", internal=False)]
    withheld = {
        cell_key(Observation(**{**r, "value": None}))
        for r in rows
        if r["indicator"] in LEVELS and r["flow"] in PROTECTED_FLOWS and r["conf_status"] != "F"
    }
    found = []
    for r in rows:
        obs = Observation(**{**r, "value": None})
        if r["value"] in (None, "") or (r["indicator"] in LEVELS and r["flow"] != "balance"):
            continue
        if any(k in withheld for k in uses(obs)):
            found.append((r["indicator"], r["flow"], r["period"], r["segment"], r["value"]))
    return found


def _check(t: Twins) -> None:
    public = indicator_rows(t.inc, "", internal=False)
    assert public == indicator_rows(t.ref, "", internal=False)
    assert indicator_rows(t.inc, "", internal=True) == indicator_rows(t.ref, "", internal=True)
    assert _leaks(t.inc) == []
    assert audit_stored(t.inc).ok
    tracker = {(r[0], r[2]): (r[6], r[9]) for r in public if r[0] in TRACKER}
    assert tracker[("target_share", "2024")] == (None, "D")  # the total is withheld


def test_the_tracker_of_a_withheld_total_stays_withheld_on_every_path(twins):
    first, _ = twins.build()
    level = [r for r in indicator_rows(twins.inc, "", internal=False)
             if r[:6] == ("level", "exports", "2024", "TOTAL", "_T", "_T")]  # fmt: skip
    assert level[0][9] in ("A", "O", "C")  # the premise: primary confidential
    _check(twins)

    again = build(twins.inc, **OPTIONS)  # nothing changed
    assert (again.changed, again.release, again.years_built) == (False, first.release, 0)
    _check(twins)

    twins.load("transactions", TX_HEADER,
               [_tx(f"N{f}", f, dt.date(2025, 1, 5), "100000.00") for f in FIRMS])  # fmt: skip
    got, want = twins.build()
    assert got.release == want.release
    _check(twins)

    twins.load("transactions", TX_HEADER, [_tx("R202405F3", "F3", dt.date(2024, 5, 5), "7.00")])
    got, want = twins.build()
    assert got.release == want.release
    _check(twins)

    again = build(twins.inc, **OPTIONS)
    assert (again.changed, again.release) == (False, got.release)
    _check(twins)


def test_the_audit_fails_when_a_published_figure_gives_a_withheld_total_back(twins):
    """What the no-op build stored before the fix: the tracker of the withheld 2024
    total published. The audit said 0 exposed; it now counts the total as given away."""
    twins.build()
    wh = twins.inc
    assert audit_stored(wh).ok
    wh.sql(
        "UPDATE indicators SET conf_status = 'F', value = internal_value "
        "WHERE indicator = 'target_share' AND period = '2024'"
    )
    cells = table_from_rows(wh.sql("SELECT * FROM sdc_cells"))
    given = revealed(published_derived(wh), cells)
    assert given == {("exports", "2024", "TOTAL", "_T", "_T")}
    result = audit_stored(wh)
    assert not result.ok and result.revealed == 1 and result.exposed >= 1


def test_the_audit_of_a_release_reads_its_published_derived_figures(twins, monkeypatch):
    """A release frozen (by an older marsad) with the tracker of its withheld total
    published: ``marsad sdc audit --release`` counts the total as given away."""
    from marsad.protect.audit import AuditResult
    from marsad.protect.stored import audit_release
    from marsad.release import freeze
    from marsad.release.store import releases_root

    twins.build()
    wh = twins.inc
    root = releases_root(wh.path)
    freeze.create(wh, root, "R1", date=dt.date(2025, 3, 1))
    assert audit_release(wh, "R1").ok
    wh.sql(
        "UPDATE indicators SET conf_status = 'F', value = internal_value "
        "WHERE indicator = 'target_share' AND period = '2024'"
    )
    monkeypatch.setattr(freeze, "_audit", lambda *_a: AuditResult(0, 0))
    freeze.create(wh, root, "R2", date=dt.date(2025, 3, 2))
    result = audit_release(wh, "R2")
    assert not result.ok and result.revealed == 1
