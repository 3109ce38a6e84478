"""Public values rounded once for display, from the exact value the release keeps.

A release publishes a percentage rounded to ``MARSAD_PERCENT_DECIMALS`` (4: ``3.4500``);
the bulletin rounds the *exact* value once to what it shows (``3.44996`` -> ``3,4 %``).
A page that rounded the published ``3.4500`` again showed ``3,5 %``: two roundings, and
a page that disagreed with the bulletin. The release keeps, in an internal file
(:data:`~marsad.release.store.EXACT_CSV`), the exact value of each public cell whose
published value is rounded from it; the web reads it once with the public table and
attaches it to the published text (:class:`Published`, a ``str`` equal to the text, so
every download, API answer and comparison still sees the published value), and
:func:`figure` gives what to round: the exact value, shown with the fewer of the
display's decimals and the published text's (never a digit past those published). A
release made before the file existed, or a withheld cell, has none: the published value
is rounded, with no more decimals than it has.

>>> from marsad.publish import fmt
>>> p = Published("3.4500", Decimal("3.44996"))
>>> p == "3.4500", fmt.percent(figure(p), "en"), fmt.percent(figure(p), "en", 4)
(True, '3.4%', '3.4500%')
>>> fmt.percent(figure(Published("3", Decimal("3.497"))), "en"), fmt.percent(figure("3"), "en")
('3%', '3%')
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from marsad.indicators.registry import COLUMNS
from marsad.publish.fmt import Capped, places
from marsad.release.store import EXACT_COLUMNS, EXACT_CSV, DamagedRelease, Release

_VALUE = COLUMNS.index("value")
_KEY = tuple(COLUMNS.index(c) for c in EXACT_COLUMNS[:-1])


class Published(str):
    """A public value's text (e.g. ``3.4500``) that knows the cell's exact value
    (``exact``, e.g. ``Decimal('3.44996')``): it is, compares and is written as the text."""

    exact: Decimal

    def __new__(cls, text: str, exact: Decimal) -> Published:
        self = super().__new__(cls, text)
        self.exact = exact
        return self

    def __reduce__(self):
        return (Published, (str(self), self.exact))


class Figure(Decimal):
    """A public value as a number (the published one, e.g. ``Decimal('3.4500')``) that
    knows the cell's exact value (``exact``), for what draws and labels a chart."""

    __slots__ = ("exact",)

    def __new__(cls, text: str, exact: Decimal) -> Figure:
        self = super().__new__(cls, text)
        self.exact = exact
        return self

    def __reduce__(self):
        return (Figure, (str(Decimal(self)), self.exact))


def number(text: str) -> Decimal:
    """The value of a public text as a number: a :class:`Figure` when it knows its exact
    value, else a plain ``Decimal``."""
    exact = getattr(text, "exact", None)
    return Decimal(text) if exact is None else Figure(text, exact)


def figure(value: str | Decimal) -> Capped:
    """What to show for ``value`` (a public text or number): its exact value when it
    knows one, else the published value, capped at the decimals the published text has
    (:class:`~marsad.publish.fmt.Capped`): rounded once, never to a digit the table does
    not publish (a growth of 3.497 % published ``3`` reads 3 %, not 3,0 % nor 3,5 %; one
    of an older release published ``3`` reads 3 %). See the module's examples."""
    exact = getattr(value, "exact", None)
    published = Decimal(value)
    return Capped(published if exact is None else exact, places(published))


def with_exact(release: Release, files: frozenset[str], rows: list[tuple[str, ...]]) -> list:
    """``rows`` (a public table's, :data:`COLUMNS` order) with each public value that the
    release's :data:`~marsad.release.store.EXACT_CSV` lists made :class:`Published`; the
    rows as they are when the release has no such file (``files``: its manifest's)."""
    if EXACT_CSV not in files:
        return rows
    exact = _read(release.checked_file(EXACT_CSV), release.id)
    out = []
    for row in rows:
        value = row[_VALUE]
        found = exact.get(tuple(row[i] for i in _KEY)) if value else None
        out.append(row if found is None else (*row[:_VALUE], Published(value, found),
                                              *row[_VALUE + 1 :]))  # fmt: skip
    return out


def _read(path: Path, release_id: str) -> dict[tuple[str, ...], Decimal]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        if tuple(next(reader, ())) != EXACT_COLUMNS:
            raise DamagedRelease(f"release {release_id}: {EXACT_CSV} is not the file of exact "
                                 "values (its header differs)", release=release_id)  # fmt: skip
        return {tuple(r[:-1]): Decimal(r[-1]) for r in reader}
