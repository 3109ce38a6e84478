"""``marsad sdc audit``: run the intruder on the published table.

Read-only. The intruder knows every published value of the build (or of a
release), every relation between them, and the values the earlier releases
published (:mod:`marsad.protect.apriori`: every release for the build, those made
before it for a release); for each withheld sensitive cell
it solves two linear programs for the narrowest interval it can derive
(:mod:`marsad.protect.audit`). The command prints counts only: never a
firm's value, a protection level or the confidentiality parameters.
Exit 1 when a cell is exposed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from marsad.cli.common import WarehouseOption, console, open_store

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(help="Statistical disclosure control: check what is withheld.")


@app.command("audit")
def audit(
    warehouse: WarehouseOption = None,
    release: Annotated[
        str | None,
        typer.Option("--release", help="Audit this release (default: the last build)."),
    ] = None,
) -> None:
    """Run the intruder's linear programs on the public table, the intruder holding the
    earlier releases too; print protected and exposed counts (exit 1 when a withheld
    sensitive cell can be narrowed)."""
    from marsad.errors import MarsadError
    from marsad.protect.stored import audit_release, audit_stored

    with open_store(warehouse, read_only=True) as wh:
        result = audit_stored(wh) if release is None else audit_release(wh, release)
    what = f"release {release}" if release else "the last build"
    out = console()
    out.print(
        f"Audit of {what}: {result.protected + result.exposed:,} sensitive cells withheld, "
        f"{result.protected:,} protected, {result.exposed:,} exposed.",
        markup=False,
    )
    without_cells(out, result.without_cells)
    if result.revealed:
        raise MarsadError(
            f"{result.revealed:,} withheld cells can be computed back from a published "
            f"derived figure (a growth, a share, the target tracker, ...), and "
            f"{result.exposed:,} sensitive cells are exposed: do not publish; rebuild with "
            "marsad build --full"
        )
    if result.earlier and result.exposed == result.earlier:
        raise MarsadError(
            f"{result.exposed:,} withheld cells can be narrowed by an intruder inside their "
            f"protection interval by the earlier releases alone ({result.known:,} published "
            "then with the value they have now): no suppression can take that back; "
            "release create refuses them unless --accept-earlier-disclosure (see 'Across "
            "releases' in docs/methodology.md)"
        )
    if result.exposed:
        raise MarsadError(
            f"{result.exposed:,} withheld cells can be narrowed by an intruder inside their "
            "protection interval: do not publish; rebuild with marsad build"
        )


def without_cells(out: Console, releases: tuple[str, ...]) -> None:
    """Name the earlier releases frozen without their protected cells (an older marsad,
    or a manifest edited by hand): their relations cannot be taken into account (rule
    C), which protects less. The one note of ``marsad build``, ``marsad sdc audit`` and
    ``marsad release create``, said every time (``releases``: their ids, e.g. ``("R1",)``)."""
    if not releases:
        return
    from rich.text import Text

    named = ", ".join(releases[:5]) + (
        f" and {len(releases) - 5:,} more" if len(releases) > 5 else ""
    )
    line = Text(f"note: release(s) {named} hold no protected cells", style="yellow")
    line.append(
        " (internal/sdc_cells.csv: frozen by an older marsad, or without them): disclosure "
        "control keeps their withheld cells withheld and never hides a cell behind one they "
        "published, but cannot use their sums (rules A and B only), which protects less; see "
        "'Across releases' in docs/methodology.md."
    )
    out.print(line)


def register(root: typer.Typer) -> None:
    """Add ``sdc`` to the ``marsad`` app."""
    root.add_typer(app, name="sdc")
