"""Disclosure control in the build, checked from outside: a concentrated
market (enterprise groups, a dominant firm, partners served by one firm),
assessed again from the records by this test's own code, and attacked by an
intruder written here (its own relations, its own linear programs) that sees
only the public table."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

import highspy
import numpy as np
import pytest

from marsad.build import build, load_indicators
from marsad.coverage import CoverageRule
from marsad.protect.primary import SdcRule
from marsad.protect.stored import audit_stored
from marsad.reference import is_digitally_deliverable

SEGMENTS = ("ITO", "CRM", "ESO", "BPO", "KPO")
# firm: (segment, group, size in MAD a month, partners, services)
FIRMS = {
    "F01": ("ITO", None, 250_000, ("FR", "US"), ("SI22",)),  # dominates some cells
    "F02": ("ITO", None, 30_000, ("FR",), ("SI22", "SI31")),
    "F03": ("ITO", None, 20_000, ("FR", "ES"), ("SI31",)),
    "F04": ("ITO", None, 25_000, ("FR",), ("SI22",)),
    "F05": ("CRM", "G1", 200_000, ("FR", "BE"), ("SJ312",)),  # two subsidiaries of G1
    "F06": ("CRM", "G1", 180_000, ("FR", "BE"), ("SJ312",)),
    "F07": ("CRM", None, 150_000, ("FR",), ("SJ312",)),
    "F08": ("CRM", None, 160_000, ("FR",), ("SJ312",)),
    "F09": ("CRM", None, 170_000, ("BE", "FR"), ("SJ312",)),
    "F10": ("ESO", None, 100_000, ("DE", "FR"), ("SJ32",)),
    "F11": ("ESO", None, 110_000, ("FR",), ("SJ32",)),
    "F12": ("ESO", None, 120_000, ("FR", "JP"), ("SJ32",)),  # the only one to serve JP
    "F13": ("BPO", None, 90_000, ("FR",), ("SJ22",)),
    "F14": ("BPO", None, 95_000, ("FR", "GB"), ("SJ22",)),
    "F15": ("BPO", None, 85_000, ("FR",), ("SJ22",)),
    "F16": ("KPO", None, 40_000, ("FR",), ("SJ311",)),
    "F17": ("KPO", None, 45_000, ("FR",), ("SJ311",)),
    "F18": ("KPO", None, 42_000, ("FR",), ("SJ311",)),
}
P = 10


def _records(seed: int = 7):
    rng = random.Random(seed)
    n = 0
    for year in (2023, 2024):
        for month in range(1, 13):
            for firm, (_seg, _g, size, partners, services) in FIRMS.items():
                for _ in range(2):
                    if rng.random() < 0.2:
                        continue  # not every firm every month: cells of one or two
                    n += 1
                    amount = Decimal(int(size * rng.uniform(0.3, 1.0) * 100)) / 100
                    day = dt.date(year, month, rng.randint(1, 28))
                    flow = "C" if rng.random() < 0.9 else "D"
                    yield (
                        f"R{n}", "BK1", firm, day, flow, amount, "MAD",
                        rng.choice(services), rng.choice(partners),
                    )  # fmt: skip


def _build(folder, firms, records):
    from marsad.engine import open_warehouse

    wh = open_warehouse(folder / "w.duckdb")
    for firm, (segment, group, *_rest) in firms.items():
        wh.sql(
            "INSERT INTO firms (firm_id, name, segment, group_id) VALUES (?, ?, ?, ?)",
            [firm, f"Firm {firm}", segment, group],
        )
    wh.sql("CREATE TEMP TABLE r (a VARCHAR, b VARCHAR, c VARCHAR, d DATE, e VARCHAR, "
           "f DECIMAL(18,3), g VARCHAR, h VARCHAR, i VARCHAR)")  # fmt: skip
    wh._con.executemany("INSERT INTO r VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", records)
    with wh.transaction(), wh.records.editing(wh.records.ALL_MONTHS):  # the record store
        wh.sql(
            "INSERT INTO transactions (record_id, reporter, firm_id, value_date, flow, amount, "
            "currency, service_code, partner_country) SELECT * FROM r"
        )
    report = build(wh, coverage_rule=CoverageRule(window=3), sdc_rule=SdcRule(3, Decimal(P)))
    return wh, report


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    records = list(_records())
    wh, report = _build(tmp_path_factory.mktemp("sdc"), FIRMS, records)
    yield wh, report, records
    wh.close()


# A regular market (a reviewer's): a group of two and one other firm in ITO, the ESSnet
# dominance case in CRM (50,000 / 49,000 / 500 / 500), the safe case in ESO (52,000 /
# 50,000 / 4,000 / 4,000), five even firms in BPO of which one alone serves JP, five in KPO.
REGULAR = {
    **{f: ("ITO", g) for f, g in (("I1", "G1"), ("I2", "G1"), ("I3", None))},
    **{f"C{i}": ("CRM", None) for i in range(1, 5)},
    **{f"E{i}": ("ESO", None) for i in range(1, 5)},
    **{f"B{i}": ("BPO", None) for i in range(1, 6)},
    **{f"K{i}": ("KPO", None) for i in range(1, 6)},
}
_SIZES = {"I1": 30000, "I2": 30000, "I3": 40000, "C1": 50000, "C2": 49000, "C3": 500,
          "C4": 500, "E1": 52000, "E2": 50000, "E3": 4000, "E4": 4000,
          **{f"B{i}": 20000 for i in range(1, 6)},
          **{f"K{i}": 15000 for i in range(1, 6)}}  # fmt: skip
_SERVICE = {"ITO": "SI22", "CRM": "SJ22", "ESO": "SJ31", "BPO": "SJ22", "KPO": "SJ21"}


def _regular_records():
    n = 0
    for y in (2023, 2024):
        for m in range(1, 13):
            for firm, size in _SIZES.items():
                a = size * (1 + Decimal("0.1") * (y - 2023)) * (1 + Decimal("0.01") * m)
                service = _SERVICE[REGULAR[firm][0]]
                rows = [
                    (f"{y}-{m:02d}-{10 + i}", "C", a / 3, p)
                    for i, p in enumerate(["FR", "ES", "US"])
                ]
                if firm == "B1":
                    rows.append((f"{y}-{m:02d}-15", "C", Decimal(7000 + m * 13), "JP"))
                rows.append((f"{y}-{m:02d}-20", "D", a / 5, "FR"))
                for day, flow, amount, partner in rows:
                    n += 1
                    yield (f"R{n:06d}", "BK01", firm, dt.date.fromisoformat(day), flow,
                           amount.quantize(Decimal("0.01")), "MAD", service, partner)  # fmt: skip


@pytest.fixture(scope="module")
def regular(tmp_path_factory):
    records = list(_regular_records())
    wh, report = _build(tmp_path_factory.mktemp("regular"), REGULAR, records)
    yield wh, report, records
    wh.close()


def _truth(records, firms=FIRMS) -> dict[tuple, dict[str, int]]:
    """Per level cell key (flow, period, segment, service, partner): centimes by
    contributor (the group, else the firm), computed here from the records."""
    out: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _id, _rep, firm, day, flow, amount, _cur, service, partner in records:
        segment, group = firms[firm][0], firms[firm][1] or firm
        flow = "exports" if flow == "C" else "imports"
        y, m = day.year, day.month
        periods = [f"{y}", f"{y}-S{(m - 1) // 6 + 1}", f"{y}-Q{(m - 1) // 3 + 1}", f"{y}-{m:02d}"]
        periods += [f"ytd:{y}-{k:02d}" for k in range(m, 13)]
        segs = [segment, "DDS"] if is_digitally_deliverable(service) else [segment]
        keys = [("TOTAL", "_T", "_T"), ("TOTAL", service, "_T"), ("TOTAL", "_T", partner)]
        for s in segs:
            keys += [(s, "_T", "_T"), (s, service, "_T"), (s, "_T", partner)]
        for period in periods:
            for key in keys:
                out[(flow, period, *key)][group] += int(amount * 100)
    return out


def _upl(contrib: dict[str, int]) -> float:
    values = [*sorted(contrib.values(), reverse=True), 0, 0]
    total, x1, x2 = sum(contrib.values()), values[0], values[1]
    upl = P / 100 * x1 - (total - x1 - x2)
    if len(contrib) < 3:
        upl = max(upl, P / 100 * x1)
    return upl


def _cells(wh):
    """Public level cells as the intruder reads them: key -> (public value or None)."""
    rows = wh.sql(
        "SELECT indicator, flow, period, segment, service, partner, value, conf_status "
        "FROM indicators WHERE indicator IN ('level', 'ytd_level') AND flow <> 'balance'"
    )
    cells = {}
    for ind, flow, period, seg, svc, ptn, value, status in rows:
        period = f"ytd:{period}" if ind == "ytd_level" else period
        cells[(flow, period, seg, svc, ptn)] = (Decimal(value) if value else None, status)
    return cells


def test_every_published_level_passes_both_rules_counted_by_group(built):
    wh, _report, records = built
    truth = _truth(records)
    cells = _cells(wh)
    assert cells
    for key, (value, status) in cells.items():
        sensitive = _upl(truth[key]) > 0
        if status == "F":
            assert not sensitive, key
            assert int(value * 100) == sum(truth[key].values())
        if sensitive:
            assert status in ("A", "O"), key
    assert {s for _v, s in cells.values()} == {"F", "A", "O", "D"}


def test_a_group_counts_once(built):
    """CRM partner BE is served by F05 and F06 (one group, G1) and F09: two contributors."""
    wh, _report, records = built
    truth = _truth(records)
    key = ("exports", "2024", "CRM", "_T", "BE")
    assert len(truth[key]) == 2
    assert _cells(wh)[key][1] == "A"


def test_the_annual_segment_totals_stay_published(built):
    wh, _report, _records = built
    cells = _cells(wh)
    for year in ("2023", "2024"):
        for segment in (*SEGMENTS, "TOTAL"):
            assert cells[("exports", year, segment, "_T", "_T")][1] == "F", (year, segment)


def _relations(keys):
    """total = sum(parts), derived here from the keys alone."""
    keys = set(keys)
    rels = []
    for flow, period, seg, svc, ptn in keys:
        rest = (svc, ptn)
        if seg == "TOTAL":
            rels.append(((flow, period, seg, *rest), [(flow, period, s, *rest) for s in SEGMENTS]))
            if (flow, period, "N", *rest) in keys:  # DDS is part of TOTAL, the rest >= 0
                rels.append(((flow, period, seg, *rest), [(flow, period, s, *rest) for s in "DN"]))
        if seg == "D" and svc != "_T":
            rels.append(((flow, period, seg, *rest), [(flow, period, "TOTAL", *rest)]))
        if svc == "_T" and ptn == "_T":
            for pos in (3, 4):
                parts = [k for k in keys if k[:3] == (flow, period, seg) and k[pos] != "_T"
                         and k[7 - pos] == "_T"]  # fmt: skip
                if parts:
                    rels.append(((flow, period, seg, svc, ptn), parts))
        rels += _calendar(flow, period, seg, svc, ptn)
    return [(t, [p for p in parts if p in keys]) for t, parts in rels if t in keys]


def _calendar(flow, period, *rest):
    y = period[-7:-3] if period.startswith("ytd:") else period[:4]
    if period.startswith("ytd:"):
        m = int(period[-2:])
        parts = [f"{y}-{m:02d}"] + ([f"ytd:{y}-{m - 1:02d}"] if m > 1 else [])
    elif len(period) == 4:
        parts = [f"{y}-S1", f"{y}-S2"]
    elif period[5] == "S":
        h = int(period[6])
        parts = [f"{y}-Q{2 * h - 1}", f"{y}-Q{2 * h}"]
    elif period[5] == "Q":
        q = int(period[6])
        parts = [f"{y}-{3 * q - i:02d}" for i in (2, 1, 0)]
    else:
        return []
    return [((flow, period, *rest), [(flow, p, *rest) for p in parts])]


def test_an_intruder_with_the_public_table_cannot_narrow_a_withheld_sensitive_cell(built):
    wh, _report, records = built
    assert _attack(wh, _truth(records)) > 20  # concentrated: many cells needed protection


def test_a_partner_served_by_one_firm_stays_protected_in_a_regular_market(regular):
    """Review of issue 8: TOTAL and DDS of a partner were protected apart, so with
    TOTAL = DDS + a rest that is never negative, an intruder fixed 186 cells exactly
    (e.g. exports 2023 TOTAL _T JP)."""
    wh, _report, records = regular
    assert _attack(wh, _truth(records, REGULAR)) > 20
    assert _cells(wh)[("exports", "2023", "TOTAL", "_T", "JP")] == (None, "A")


def _attack(wh, truth) -> int:
    """Run this test's own intruder; assert that no withheld sensitive cell can be
    narrowed inside its protection interval; return how many were checked."""
    cells = {(f, p, "D" if s == "DDS" else s, *r): v for (f, p, s, *r), v in _cells(wh).items()}
    # what the intruder does not see: TOTAL less DDS, of the total and of each partner
    cells.update({(f, p, "N", sv, pt): (None, "") for f, p, s, sv, pt in list(cells)
                  if s == "TOTAL" and sv == "_T"})  # fmt: skip
    truth.update({(f, p, "D", *r): v for (f, p, s, *r), v in list(truth.items()) if s == "DDS"})
    hidden = sorted(k for k, (v, _s) in cells.items() if v is None)
    col = {k: i for i, k in enumerate(hidden)}
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.addVars(len(hidden), np.zeros(len(hidden)), np.full(len(hidden), highspy.kHighsInf))
    for total, parts in _relations(cells):
        terms = [(total, 1.0)] + [(p, -1.0) for p in parts]
        idx = [col[k] for k, _ in terms if k in col]
        if not idx:
            continue
        rhs = -sum(c * float(cells[k][0]) for k, c in terms if k not in col)
        coefs = [c for k, c in terms if k in col]
        h.addRow(rhs, rhs, len(idx), np.array(idx, np.int32), np.array(coefs))
    checked = 0
    for key in hidden:
        if key[2] == "N":
            continue
        upl = _upl(truth[key])
        if upl <= 0:
            continue
        value = sum(truth[key].values()) / 100
        h.changeColCost(col[key], 1.0)
        h.run()
        low = h.getInfo().objective_function_value
        h.changeColCost(col[key], -1.0)
        h.run()
        unbounded = h.getModelStatus() != highspy.HighsModelStatus.kOptimal
        high = float("inf") if unbounded else -h.getInfo().objective_function_value
        h.changeColCost(col[key], 0.0)
        assert low <= value - min(upl, value * 100) / 100 + 0.01, key
        assert high >= value + upl / 100 - 0.01, key
        checked += 1
    return checked


def test_derived_figures_never_use_a_withheld_level(built):
    wh, _report, _records = built
    cells = _cells(wh)
    rows = wh.sql(
        "SELECT flow, period, segment, service, partner FROM indicators "
        "WHERE indicator = 'share' AND conf_status = 'F'"
    )
    for flow, period, seg, svc, ptn in rows:
        if seg != "TOTAL":
            parent = ("TOTAL", svc, ptn)
        else:
            parent = ("TOTAL", "_T", ptn) if svc != "_T" else ("TOTAL", "_T", "_T")
        for key in ((flow, period, seg, svc, ptn), (flow, period, *parent)):
            assert cells[key][0] is not None, key
    growth = wh.sql(
        "SELECT flow, period, segment, service, partner FROM indicators "
        "WHERE indicator = 'growth_yoy' AND conf_status = 'F'"
    )
    assert growth
    for flow, period, *rest in growth:
        before = str(int(period[:4]) - 1) + period[4:]
        assert cells[(flow, period, *rest)][0] is not None
        assert cells[(flow, before, *rest)][0] is not None
    _published_from_published(wh, cells)


def _published_from_published(wh, cells):
    """Progress, year-to-date growth and the balance: each published one reads only
    published levels (a level absent from the table is zero and reveals nothing)."""

    def shown(key):
        return key not in cells or cells[key][0] is not None

    found = {"progress_prev_year": 0, "ytd_growth_yoy": 0, "level": 0}
    rows = wh.sql(
        "SELECT indicator, flow, period, segment, service, partner FROM indicators WHERE "
        "conf_status = 'F' AND (indicator IN ('progress_prev_year', 'ytd_growth_yoy') OR "
        "(indicator = 'level' AND flow = 'balance'))"
    )
    for indicator, flow, period, *rest in rows:
        found[indicator] += 1
        before = str(int(period[:4]) - 1) + period[4:]
        if indicator == "progress_prev_year":
            uses = [(flow, period, *rest), (flow, before[:4], *rest)]  # the year before
        elif indicator == "ytd_growth_yoy":
            uses = [(flow, f"ytd:{period}", *rest), (flow, f"ytd:{before}", *rest)]
        else:
            uses = [(f, period, *rest) for f in ("exports", "imports")]
        assert all(shown(k) for k in uses), (indicator, flow, period, rest)
    assert all(found.values()), found


def test_public_values_are_empty_and_internal_ones_kept(built):
    wh, report, _records = built
    rows = wh.sql("SELECT value, internal_value, conf_status FROM indicators")
    withheld = [r for r in rows if r[2] != "F"]
    assert withheld and all(r[0] == "" and r[1] for r in withheld)
    assert all(r[0] == r[1] for r in rows if r[2] == "F")
    table = load_indicators(wh)
    assert any(o.conf_status != "F" and o.value is not None for o in table)
    assert any(loss.secondary for loss in report.loss)
    assert audit_stored(wh).ok


def _copy(wh, tmp_path):
    from tests.support import copy_warehouse

    wh.sql("CHECKPOINT")
    return copy_warehouse(wh.path, tmp_path / "copy.duckdb")


def _run(*args: str, env: dict | None = None):
    from typer.testing import CliRunner

    from marsad.cli import app

    return CliRunner().invoke(app, list(args), env=env)


def test_sdc_audit_prints_counts_and_no_value(built, tmp_path):
    wh, _report, _records = built
    result = _run("sdc", "audit", "--warehouse", str(_copy(wh, tmp_path)))
    assert result.exit_code == 0, result.output
    assert ", 0 exposed." in result.output
    internal = {r[0] for r in wh.sql("SELECT internal_value FROM indicators WHERE value = ''")}
    assert not any(v and v in result.output for v in internal)


def test_sdc_audit_finds_a_cell_published_by_mistake(built, tmp_path):
    """Publishing the secondary cells again must be caught: exit 1, counts only."""
    wh, _report, _records = built
    path = _copy(wh, tmp_path)
    from marsad.engine import open_warehouse

    with open_warehouse(path) as copy:
        copy.sql("UPDATE sdc_cells SET status = 'F' WHERE status = 'D'")
    result = _run("sdc", "audit", "--warehouse", str(path))
    assert result.exit_code == 1
    assert "exposed" in result.output and "do not publish" in result.output


@pytest.mark.parametrize("p", ["12.5", "250", "abc"])
def test_the_p_value_shows_nowhere(built, tmp_path, p):
    """A build with any p, good or bad, never prints it (nor its crash log a traceback)."""
    wh, _report, _records = built
    path = _copy(wh, tmp_path)
    result = _run("build", "--warehouse", str(path), env={"MARSAD_SDC_P": p})
    assert p not in result.output
    if p == "12.5":
        assert result.exit_code == 0, result.output
        assert "withheld:" in result.output
    else:
        assert result.exit_code == 2
        assert "MARSAD_SDC_P" in result.output
