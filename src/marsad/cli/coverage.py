"""``marsad coverage``: which reporter delivered which month, and which months are complete.

Read-only: never creates a warehouse, and works on a read-only file. It reads
the records and nil returns in the warehouse now (a build is not needed); the
rule is that of the settings (``MARSAD_EXPECTED_REPORTERS``,
``MARSAD_COVERAGE_WINDOW``), the one ``marsad build`` applies.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

import typer

from marsad.cli.common import WarehouseOption, console, open_store

#: One character per cell of the grid.
MARKS = {"delivered": "#", "nil return": "0", "missing": "!", "not expected": "."}
LEGEND = "# delivered   0 nil return   ! missing (expected, not delivered)   . not expected"
_MONTH_HEAD = "J F M A M J J A S O N D"


def coverage(
    warehouse: WarehouseOption = None,
    detail: Annotated[
        bool,
        typer.Option(
            "--detail", help="One line per reporter and month, with the records delivered."
        ),
    ] = False,
) -> None:
    """The reporter x month grid: delivered, nil return, missing or not expected;
    and which months are complete (only their periods are published)."""
    from marsad.build import unconverted_lines, warehouse_coverage
    from marsad.coverage import CoverageRule
    from marsad.open_quarantine import open_rows
    from marsad.settings import get_settings

    rule = CoverageRule.from_settings(get_settings())
    with open_store(warehouse, read_only=True) as wh:
        cov = warehouse_coverage(wh, rule)
        held = open_rows(wh)
        unconverted = unconverted_lines(wh, cov)
    out = console()
    if not cov.months:
        out.print("no records and no nil return loaded yet", markup=False)
        return
    for line in _report(cov, rule, held, detail=detail):
        out.print(line, markup=False, highlight=False)
    if unconverted:
        out.print(
            "Records without a usable exchange rate at the last build, in months not "
            "published (load the rates with marsad ingest --kind rates FILE):",
            markup=False,
        )
        for line in unconverted:
            out.print(f"  {_shown(line)}", markup=False, highlight=False)


def _report(cov, rule, held, *, detail: bool) -> list[str]:
    from marsad.coverage import describe_months
    from marsad.open_quarantine import gap_lines, incomplete

    first, last = cov.months[0], cov.months[-1]
    who = (
        f"declared in MARSAD_EXPECTED_REPORTERS ({', '.join(map(_shown, rule.expected))})"
        if rule.expected
        else f"those that delivered within {rule.window} months (MARSAD_COVERAGE_WINDOW), "
        "from their first delivery on"
    )
    lines = [
        f"Coverage {_month(first)} to {_month(last)}: {len(cov.reporters)} reporter(s); "
        f"expected each month: {who}.",
        "",
    ]
    lines += _detail(cov) if detail else _grid(cov)
    lines += ["", f"Complete months: {describe_months(cov.complete)}."]
    gaps = gap_lines(incomplete(cov), held)
    if gaps:
        lines.append("Not complete (not published, nor the periods that contain them):")
        lines += [f"  {_shown(g)}" for g in gaps]
    return lines


def _grid(cov) -> list[str]:
    """One line per reporter and year, a mark per month; a last line per year
    says which months are complete (+) or not (-)."""
    years = sorted({y for y, _ in cov.months})
    width = max([len(_shown(r)) for r in cov.reporters] + [len("complete")])
    lines = [f"legend: {LEGEND}", "", f"{'reporter':<{width}}  year  {_MONTH_HEAD}  records"]
    span = set(cov.months)
    for reporter in cov.reporters:
        for year in years:
            marks, records = [], 0
            for m in range(1, 13):
                if (year, m) not in span:
                    marks.append(" ")
                    continue
                marks.append(MARKS[cov.status(reporter, (year, m))])
                records += cov.records(reporter, (year, m))
            lines.append(f"{_shown(reporter):<{width}}  {year}  {' '.join(marks)}  {records:>7,}")
    for year in years:
        marks = [
            " " if (year, m) not in span else "+" if (year, m) in cov.complete else "-"
            for m in range(1, 13)
        ]
        lines.append(f"{'complete':<{width}}  {year}  {' '.join(marks)}")
    return lines


def _detail(cov) -> list[str]:
    """One line per reporter and month of the grid: status and records."""
    width = max([len(_shown(r)) for r in cov.reporters] + [len("reporter")])
    lines = [f"{'reporter':<{width}}  month    status         records"]
    for reporter in cov.reporters:
        for month in cov.months:
            status = cov.status(reporter, month)
            lines.append(
                f"{_shown(reporter):<{width}}  {_month(month)}  {status.value:<13}  "
                f"{cov.records(reporter, month):>7,}"
            )
    return lines


def _month(month: tuple[int, int]) -> str:
    return f"{month[0]}-{month[1]:02d}"


def _shown(text: str) -> str:
    """Text as given, control and format characters made visible (``\\x1b`` -> ``\\x1b``)."""
    return "".join(
        c.encode("unicode_escape").decode() if unicodedata.category(c) in ("Cc", "Cf") else c
        for c in str(text)
    )


def register(app: typer.Typer) -> None:
    """Add ``coverage`` to the ``marsad`` app."""
    app.command("coverage")(coverage)
