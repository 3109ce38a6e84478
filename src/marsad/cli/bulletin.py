"""``marsad bulletin``: write the bulletin of a period, in HTML, Markdown or PDF.

Read-only on the warehouse: never creates one, and works on a read-only file.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from marsad.cli.common import (
    WarehouseOption,
    check_out,
    console,
    is_stdout,
    loose_end,
    name_with,
    open_store,
    out_path,
    say,
    writing,
)
from marsad.errors import BadArgument, MarsadError, excerpt
from marsad.publish.files import is_special

#: Bulletin formats, by file suffix.
SUFFIXES = (".html", ".md", ".pdf")


class Lang(StrEnum):
    """The languages the bulletin is written in (``publish.lang.WRITTEN``; a test keeps
    them in step); a language whose phrasebook is missing is refused with one line."""

    fr = "fr"
    en = "en"
    ar = "ar"


def bulletin(
    period: Annotated[
        str, typer.Option(help="Period: 2025-S1, 2024, 2024-Q3 or 2025-05 (year to date).")
    ],
    out_file: Annotated[
        Path,
        typer.Option(
            "--out", parser=out_path, help="FILE.html, FILE.md or FILE.pdf (not -: it has files)."
        ),
    ],
    lang: Annotated[Lang, typer.Option(help="fr, en or ar.")] = Lang.fr,
    warehouse: WarehouseOption = None,
) -> None:
    """Write the bulletin of a period."""
    from marsad.build import built_gaps, load_indicators
    from marsad.dates import source_date_epoch
    from marsad.engine.queries import has_synthetic_firms
    from marsad.periods import Period
    from marsad.publish.bulletin import write_bulletin

    source_date_epoch()  # a SOURCE_DATE_EPOCH that is no time: refused before any work
    check_out(out_file, warehouse)
    typed, period = period, _check(period, lang.value, out_file)
    with open_store(warehouse, read_only=True) as wh:
        table = load_indicators(wh)  # what the last build stored: the export's release
        synthetic = has_synthetic_firms(wh)
        gaps = built_gaps(wh, Period.parse(period))
    _check_period_has_data(table, period, gaps, typed)
    with writing(out_file):
        written = write_bulletin(table, period, lang.value, out_file, synthetic=synthetic)
    charts = len(written) - 1
    extra = f" (and {charts} chart file{'s' * (charts > 1)} beside it)" if charts else ""
    if is_special(out_file) and out_file.suffix.lower() == ".md":
        say(f"note: {out_file} is not a regular file (a named pipe or a device): the Markdown "
            "is written into it alone, and the chart files it links are not written; "
            "write .html for a bulletin that holds its charts")  # fmt: skip
    console().print(
        f"Wrote the {lang.value} bulletin for {period} to {written[0]}{extra}.", markup=False
    )


def _check(period: str, lang: str, out_file: Path) -> str:
    """Refuse, before any work, what cannot be written: a wrong period, a language
    without phrasebook, a format other than HTML, Markdown or PDF."""
    from marsad.periods import Period
    from marsad.publish.lang import WRITTEN

    parsed = Period.typed(period)  # PeriodError: not a period: '2024-H1'; write 2025-S1, …
    if lang not in WRITTEN:
        raise MarsadError(
            f"no bulletin phrasebook for language {lang!r} yet (written: {', '.join(WRITTEN)})"
        )
    if is_stdout(out_file):
        raise BadArgument(
            "--out -: the bulletin cannot be written to standard output: its format is "
            "read from the file name, and its charts are files written beside it; give a "
            "file name ending .html, .md or .pdf"
        )
    if out_file.suffix.lower() not in SUFFIXES or not out_file.stem:
        raise BadArgument(_which_format(out_file))
    return str(parsed)


def _which_format(out_file: Path) -> str:
    """Why ``--out`` names no bulletin format, and how to choose one: the file name's
    suffix is the only way (``--out bulletin`` was ``unknown bulletin format ''``).

    >>> print(_which_format(Path("out/bulletin")))
    --out out/bulletin has no suffix, and the suffix chooses the bulletin's format: .html (HTML, charts inside), .md (Markdown, charts beside it) or .pdf (PDF); e.g. --out out/bulletin.html
    >>> _which_format(Path("b.docx")).split(",")[0], _which_format(Path(".md")).split(",")[0]
    ('--out b.docx ends .docx', '--out .md is a suffix without a name')
    >>> _which_format(Path("name.")).split(": ")[0], _which_format(Path("x.md.")).split("; ")[1]
    ("--out name. ends with a dot, and the suffix chooses the bulletin's format", 'e.g. --out x.md')
    """  # noqa: E501
    name, suffix = out_file.name, out_file.suffix
    kept, end = loose_end(name)
    shown = excerpt(str(out_file), 1000)
    if end:  # "name.": no suffix to Python, and "name..html" was the example
        said = f"ends with {end}"
        example = out_file.with_name(name_with(kept or "bulletin", ".html", same=SUFFIXES))
    elif name.startswith(".") and not suffix:  # ".html": a hidden file without a suffix
        said, example = "is a suffix without a name", out_file.with_name(f"bulletin{name}")
    elif not suffix:
        said, example = "has no suffix", out_file.with_name(f"{name}.html")
    else:
        said, example = f"ends {suffix}", out_file.with_suffix(".html")
    special = (
        " (a named pipe or a device too: e.g. mkfifo bulletin.html)" if is_special(out_file) else ""
    )
    return (
        f"--out {shown} {said}, and the suffix chooses the bulletin's format{special}: "
        ".html (HTML, charts inside), .md (Markdown, charts beside it) or .pdf (PDF); "
        f"e.g. --out {example}"
    )


def _check_period_has_data(table, period: str, gaps: list[str], typed: str | None = None) -> None:
    """Refuse a period without a published exports level: one that is not complete
    (saying which months miss whom) or outside the data. ``typed`` is the period as the
    user wrote it (``--period``), quoted as written."""
    if table.get("level", period) is not None:
        return
    if table.withheld("level", period):
        raise MarsadError(
            f"{period} has no bulletin: its exports total is not published "
            "(statistical confidentiality)"
        )
    kinds = ("year", "half", "quarter", "month")
    found = [_runs(p) for p in (table.periods(k) for k in kinds) if p]
    available = ", ".join(found) or "none (nothing is built)"
    if gaps and found:
        raise MarsadError(
            f"{period} is not published: the period is not complete ({'; '.join(gaps)}); "
            f"periods published: {available}"
        )
    raise MarsadError(
        f"the data have no exports figure for the period {typed or period!r}; "
        f"periods available: {available}"
    )


def _runs(periods: list[str]) -> str:
    """Periods of one kind as runs of consecutive ones (e.g. ``2023-01 to 2024-01, 2024-03``)."""
    from marsad.periods import MONTHS_IN, Period

    runs: list[list] = []
    for p in sorted(Period.parse(x) for x in periods):
        n = p.year * (12 // MONTHS_IN[p.kind]) + p.index
        if runs and runs[-1][2] + 1 == n:
            runs[-1][1:] = [p, n]
        else:
            runs.append([p, p, n])
    return ", ".join(str(a) if a == b else f"{a} to {b}" for a, b, _ in runs)


def register(app: typer.Typer) -> None:
    """Add ``bulletin`` to the ``marsad`` app."""
    app.command("bulletin")(bulletin)
