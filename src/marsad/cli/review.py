"""``marsad review``: the records held for review, outside the sector.

A record whose firm is not in the registry (or has no firm id) and whose
service code the concordance does not place in a segment belongs to no
segment: it is held for review, outside the sector total and every published
figure. This is the compiler's internal view: it shows each record (reporter,
record id, firm, service code, partner, date, amount and currency), so that
the firm can be registered or the code corrected. It is never published.

Read-only: never creates a warehouse, and works on a read-only file; it reads
the records and registry as they are now (no build needed).
"""

from __future__ import annotations

from typing import Annotated

import typer

from marsad.cli.common import WarehouseOption, console, open_store, plain, shortened

COLUMNS = (
    "reporter",
    "record_id",
    "firm_id",
    "service_code",
    "partner_country",
    "value_date",
    "flow",
    "amount",
    "currency",
)


def review(
    warehouse: WarehouseOption = None,
    limit: Annotated[
        int, typer.Option("--limit", help="Records listed at most (0: all).", min=0)
    ] = 100,
) -> None:
    """The records held for review: no segment from the registry nor the concordance."""
    from marsad.classify import mapped_services
    from marsad.engine import queries

    with open_store(warehouse, read_only=True) as wh:
        held = queries.held_for_review(wh, mapped_services())
        n, firms = queries.count_records_and_firms(held)
        ordered = held.select(*COLUMNS).order_by(["reporter", "value_date", "record_id"])
        rows = (ordered.limit(limit) if limit else ordered).to_pyarrow().to_pylist()
    out = console()
    if not n:
        out.print("No record is held for review: every record has a segment.", markup=False)
        return
    out.print(
        f"{n:,} record(s) of {firms:,} firm(s) held for review: the firm is not in the "
        "registry (or has no id) and the concordance gives no segment for the service code. "
        "They are outside the sector total and every published figure until the firm is "
        "registered (marsad ingest --kind firms) or the record corrected.",
        markup=False,
    )
    out.print(_table(rows))
    if limit and n > limit:
        out.print(f"… and {n - limit:,} more (--limit 0 lists them all)", markup=False)


def _table(rows: list[dict]):
    from rich.table import Table

    t = Table(title="Held for review (internal: not for publication)", title_justify="left")
    for c in COLUMNS:
        t.add_column(c, justify="right" if c == "amount" else "left")
    for r in rows:
        t.add_row(*(plain(shortened(r[c])) for c in COLUMNS))  # a long id cut, escaped
    return t


def register(app: typer.Typer) -> None:
    """Add ``review`` to the ``marsad`` app."""
    app.command("review")(review)
