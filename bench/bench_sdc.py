"""Benchmark: secondary suppression and the intruder's audit on a table shaped like marsad's.

    .venv/bin/python bench/bench_sdc.py [--firms 3000] [--years 3] [--seed 1] [--flows 2]
                                        [--revise 5]

Makes synthetic firms (lognormal sizes, one segment each, a few services and
partner countries, groups of two for one firm in ten) and their monthly
amounts, then the published level cells of each flow: months, quarters,
halves, years and year-to-date; breakdowns total, by segment, by service, by
partner, segment x service, segment x partner (5 segments + TOTAL, 30
services + _T, 50 partners + _T). Assesses every cell (n = 3, p = 10),
protects the table (:func:`marsad.protect.protect`) and audits it, and prints
the size, the seconds of each step and the cells withheld. No asserts.

``--revise N``: then N firms' amounts are corrected (+10 %) and the table is
protected again, first alone, then with the first table as an earlier release
(:mod:`marsad.protect.apriori`: rules A, B and C), the way a build does (rule A
narrowed, the cells the first table withheld preferred as complements), with rule A
for every cell the first table withheld (as before the narrowing), and narrowed
without the preference; prints the ratios of the suppressions and of the audits (same
process, same table), the cells withheld, and how many changed flag since the first.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import defaultdict

from marsad.protect import (
    Cell,
    SdcRule,
    assess,
    audit,
    build_table,
    calendar,
    contributors,
    flat,
    protect,
)
from marsad.protect.apriori import Apriori, own_cells, public_cells
from marsad.protect.table import LinkedTable, ytd_code

SEGMENTS = ["ITO", "CRM", "ESO", "BPO", "KPO"]
SERVICES = [f"S{i:02d}" for i in range(30)]
PARTNERS = [f"P{i:02d}" for i in range(50)]


def _firms(n: int, rng: random.Random) -> list[dict]:
    firms = []
    for i in range(n):
        firms.append(
            {
                "id": f"F{i}",
                "group": f"G{i - 1}" if i % 10 == 1 else f"G{i}",
                "segment": rng.choice(SEGMENTS),
                "services": rng.sample(SERVICES, rng.randint(1, 3)),
                "partners": rng.sample(PARTNERS, rng.randint(1, 5)),
                "size": rng.lognormvariate(13, 1.5),  # centimes a month
                "active": rng.random(),
            }
        )
    return firms


def _periods(year: int, month: int) -> list[str]:
    m = f"{year}-{month:02d}"
    q, h = (month - 1) // 3 + 1, (month - 1) // 6 + 1
    ytd = [ytd_code(f"{year}-{k:02d}") for k in range(month, 13)]
    return [m, f"{year}-Q{q}", f"{year}-S{h}", f"{year}", *ytd]


def _cells(firms: list[dict], years: list[int], flows: list[str], rng: random.Random):
    """Per published cell key, the amounts of each firm (centimes); a firm's
    ``correction`` (default 1) multiplies its amounts."""
    amounts: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for flow in flows:
        for firm in firms:
            for year in years:
                for month in range(1, 13):
                    if rng.random() > firm["active"]:
                        continue
                    service, partner = rng.choice(firm["services"]), rng.choice(firm["partners"])
                    value = int(firm["size"] * rng.uniform(0.5, 1.5) * firm.get("correction", 1))
                    seg = firm["segment"]
                    for period in _periods(year, month):
                        for s, sv, p in [
                            ("TOTAL", "_T", "_T"),
                            (seg, "_T", "_T"),
                            ("TOTAL", service, "_T"),
                            ("TOTAL", "_T", partner),
                            (seg, service, "_T"),
                            (seg, "_T", partner),
                        ]:
                            amounts[(flow, period, s, sv, p)][firm["id"]] += value
    return amounts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, default=3000)
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--flows", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--revise", type=int, default=0, help="then correct N firms (see above)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    years = list(range(2023, 2023 + args.years))
    flows = ["exports", "imports"][: args.flows]
    firms = _firms(args.firms, rng)
    group_of = {f["id"]: f["group"] for f in firms}

    t0 = time.perf_counter()
    table = _table(firms, years, flows, random.Random(args.seed + 1), group_of)
    cells = table.cells
    t1 = time.perf_counter()
    result = protect(table)
    t2 = time.perf_counter()
    check = audit(result.table)
    t3 = time.perf_counter()

    primary = len(table.sensitive)
    print(f"firms {args.firms}, flows {len(flows)}, years {len(years)}")
    comps = len(table.components())
    print(f"cells {len(cells)}, relations {len(table.relations)}, components {comps}")
    print(f"primary {primary} ({100 * primary / len(cells):.1f} %)")
    print(f"secondary {len(result.secondary)} ({100 * len(result.secondary) / len(cells):.1f} %)")
    value = sum(c.value for c in cells.values())
    lost = sum(cells[k].value for k in result.secondary)
    print(f"value withheld as secondary: {100 * lost / value:.2f} % of the sum of all cells")
    top = [k for k in cells if k[1] in map(str, years) and k[3] == "_T" and k[4] == "_T"]
    lost_top = sum(result.table.cells[k].withheld for k in top)
    print(f"annual segment/TOTAL cells withheld: {lost_top} of {len(top)}")
    print(f"seconds: cells+table {t1 - t0:.1f}, protect {t2 - t1:.1f}, audit {t3 - t2:.1f}")
    print(f"protect rounds (suppression + audit): {result.rounds}")
    print(f"audit: {check}")
    if args.revise:
        _revised(args, firms, years, flows, group_of, result.table, rng)


def _table(firms, years, flows, rng, group_of) -> LinkedTable:
    """The linked table of the firms' cells, each assessed (n = 3, p = 10)."""
    amounts = _cells(firms, years, flows, rng)
    rule = SdcRule()
    cells = {}
    for key, by_firm in amounts.items():
        contrib = contributors(by_firm, group_of)
        cells[key] = Cell.from_primary(sum(contrib.values()), assess(contrib.values(), rule))
    dims = [
        calendar(1, years),
        flat(2, "TOTAL", SEGMENTS),
        flat(3, "_T", SERVICES),
        flat(4, "_T", PARTNERS),
    ]
    return build_table(cells, dims)


def _revised(args, firms, years, flows, group_of, first: LinkedTable, rng) -> None:
    """Correct ``args.revise`` firms by +10 %, protect alone and with ``first`` as an
    earlier release: with rule (A) narrowed (as a build does), with (A) for every cell
    ``first`` withheld (as before the narrowing), and narrowed without preferring the
    cells ``first`` withheld (``stable=1``); print the ratios and the cells withheld."""
    for firm in rng.sample(firms, args.revise):
        firm["correction"] = 1.1
    table = _table(firms, years, flows, random.Random(args.seed + 1), group_of)
    earlier = Apriori.of_linked({"R1": first})
    # rule (A) for every cell R1 withheld, as when it held for releases with cells too
    forced = Apriori.of_tables([public_cells(first)])
    kept_table = LinkedTable.trusted(forced.apply(table.cells), table.relations)
    t0 = time.perf_counter()
    alone = protect(table)
    t1 = time.perf_counter()
    given = protect(earlier.protecting(table))
    t2 = time.perf_counter()
    audit(alone.table)
    t3 = time.perf_counter()
    joint = audit(earlier.seen_by_intruder(own_cells(given.table, table)))
    t4 = time.perf_counter()
    kept = protect(earlier.protecting(kept_table))
    t5 = time.perf_counter()
    plain = protect(earlier.protecting(table, stable=1))
    t6 = time.perf_counter()
    plain_audit = audit(earlier.seen_by_intruder(own_cells(plain.table, table)))
    changed = sum(first.cells.get(k, Cell(0)).value != c.value for k, c in table.cells.items())
    joined = earlier.protecting(table)
    print(f"revised: {args.revise} firms corrected, {changed} cells changed")
    print(
        f"with the earlier release: {len(joined.cells) - len(table.cells)} earlier cells and "
        f"{len(joined.relations) - len(table.relations)} earlier relations joined"
    )
    print(f"secondary (cells withheld, not primary): alone {_secondary(alone.table, table)}")
    for name, found in (
        ("rule (A) for every earlier cell", kept),
        ("(A) narrowed, preferring earlier complements", given),
        ("(A) narrowed, no preference", plain),
    ):
        newly, released = _changes(first, own_cells(found.table, table))
        print(
            f"  {name}: {_secondary(found.table, table)}, unprotectable "
            f"{len(found.unprotectable)}; against R1: {newly} newly withheld, "
            f"{released} released"
        )
    print(f"protect with/alone: {(t2 - t1) / (t1 - t0):.2f}x ({t1 - t0:.1f} s alone)")
    print(f"protect narrowed/rule A for all: {(t2 - t1) / (t5 - t4):.2f}x")
    print(f"protect without preference/with: {(t6 - t5) / (t2 - t1):.2f}x")
    print(f"audit with/alone: {(t4 - t3) / (t3 - t2):.2f}x ({t3 - t2:.1f} s alone); {joint}")
    print(f"joint audit without preference: {plain_audit}")


def _secondary(protected: LinkedTable, table: LinkedTable) -> int:
    """The cells of ``table`` withheld in ``protected`` and not primary."""
    cells = protected.cells
    return sum(cells[k].withheld and not cells[k].sensitive for k in table.cells)


def _changes(first: LinkedTable, now: LinkedTable) -> tuple[int, int]:
    """Cells of both tables published in ``first`` and withheld in ``now``, and the
    other way round: how much the pattern moved."""
    both = [k for k in now.cells if k in first.cells and first.cells[k].status != "L"]
    newly = sum(now.cells[k].withheld and not first.cells[k].withheld for k in both)
    released = sum(first.cells[k].withheld and not now.cells[k].withheld for k in both)
    return newly, released


if __name__ == "__main__":
    main()
