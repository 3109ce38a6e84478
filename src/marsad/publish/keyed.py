"""A figure that knows its row of the indicator table (see :class:`Keyed`)."""

from __future__ import annotations

from decimal import Decimal


class Keyed(Decimal):
    """A figure read from one row of the indicator table: a number that also knows its row
    (``key``, e.g. ``level/exports/2025-S1/TOTAL/_T/_T``) and the row's value as the table
    writes it (``exact``, e.g. ``13377000000.00``), so that the HTML bulletin can show
    where every figure comes from (``<data value="…" data-key="…">``).

    It compares and computes as its number (the row's exact value). A fall is said as
    its size: :meth:`size` gives the magnitude, keeping the row's signed ``exact``.

    >>> g = Keyed("-3.49705", "growth_yoy/exports/2025-S1/CRM/_T/_T", "-3.4971")
    >>> g < 0, g.size(), g.size().exact, g.size().key == g.key
    (True, Keyed('3.49705'), '-3.4971', True)
    """

    __slots__ = ("exact", "key")

    def __new__(cls, value: Decimal | str, key: str, exact: str) -> Keyed:
        self = super().__new__(cls, value)
        self.key = key
        self.exact = exact
        return self

    def size(self) -> Keyed:
        """The magnitude, for a fall said as "down 3.5 %"; ``exact`` keeps the sign."""
        return Keyed(Decimal(self).copy_abs(), self.key, self.exact)  # abs() rounds at 28 digits

    @property
    def published(self) -> Decimal:
        """The number as the reader sees it before rounding for display: the published
        text, as a magnitude when this is one (e.g. ``3.4971`` for a fall of -3.4971)."""
        value = Decimal(self.exact)
        return value.copy_abs() if Decimal(self) >= 0 > value else value

    def __repr__(self) -> str:
        return f"Keyed({str(Decimal(self))!r})"

    def __reduce__(self):
        return (Keyed, (str(Decimal(self)), self.key, self.exact))


def keyed(value: Decimal | str, key: str = "example/exports/2025-S1/TOTAL/_T/_T") -> Keyed:
    """A :class:`Keyed` with a made-up key and ``exact`` its own text, for examples.

    >>> keyed("3.4971").exact
    '3.4971'
    """
    return Keyed(value, key, str(value))
