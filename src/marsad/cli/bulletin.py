"""``marsad bulletin``: write the bulletin of a period, in HTML or Markdown.

Read-only on the warehouse: never creates one, and works on a read-only file.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from marsad.cli.common import WarehouseOption, console, open_store, writing
from marsad.errors import MarsadError

#: Bulletin formats, by file suffix.
SUFFIXES = (".html", ".md")


class Lang(StrEnum):
    """The languages of the bulletin."""

    fr = "fr"
    en = "en"
    ar = "ar"


def bulletin(
    period: Annotated[str, typer.Option(help="Period: 2025-S1, 2024, 2024-Q3 or 2024-07.")],
    out_file: Annotated[Path, typer.Option("--out", help="FILE.html or FILE.md.")],
    lang: Annotated[Lang, typer.Option(help="fr, en or ar.")] = Lang.fr,
    warehouse: WarehouseOption = None,
) -> None:
    """Write the bulletin of a period."""
    from marsad.build import load_indicators
    from marsad.publish.bulletin import write_bulletin

    period = _check(period, lang.value, out_file)
    with open_store(warehouse, read_only=True) as wh:
        table = load_indicators(wh)  # what the last build stored: the export's release
        synthetic = _is_synthetic(wh)
    _check_period_has_data(table, period)
    with writing(out_file):
        written = write_bulletin(table, period, lang.value, out_file, synthetic=synthetic)
    extra = f" (and {len(written) - 1} chart files beside it)" if len(written) > 1 else ""
    console().print(
        f"Wrote the {lang.value} bulletin for {period} to {written[0]}{extra}.", markup=False
    )


def _check(period: str, lang: str, out_file: Path) -> str:
    """Refuse, before any work, what cannot be written: a wrong period, a language
    without phrasebook, a format other than HTML or Markdown."""
    from marsad.periods import Period
    from marsad.publish.lang import WRITTEN

    parsed = Period.parse(period)  # PeriodError: not a period: '2024-H1'; write 2025-S1, …
    if lang not in WRITTEN:
        raise MarsadError(
            f"no bulletin phrasebook for language {lang!r} yet (written: {', '.join(WRITTEN)})"
        )
    suffix = out_file.suffix.lower()
    if suffix == ".pdf":
        raise MarsadError(
            f"PDF bulletins are not available yet ({out_file}); write .html and print it, "
            "or use .md"
        )
    if suffix not in SUFFIXES:
        raise MarsadError(
            f"unknown bulletin format {out_file.suffix!r} for {out_file}; use .html or .md"
        )
    return str(parsed)


def _check_period_has_data(table, period: str) -> None:
    if table.get("level", period) is None:
        kinds = ("year", "half", "quarter", "month")
        found = [
            f"{p[0]} to {p[-1]}" if len(p) > 1 else p[0]
            for p in (table.periods(k) for k in kinds)
            if p
        ]
        raise MarsadError(
            f"the data have no exports figure for the period {period!r}; "
            f"periods available: {', '.join(found) or 'none (nothing is built)'}"
        )


def _is_synthetic(wh) -> bool:
    """Whether the loaded firms are the synthetic generator's (its firm names say so)."""
    return bool(wh.scalar("SELECT count(*) FROM firms WHERE name LIKE 'Synthetic %'"))


def register(app: typer.Typer) -> None:
    """Add ``bulletin`` to the ``marsad`` app."""
    app.command("bulletin")(bulletin)
