"""Exact money arithmetic on integers: amounts in cents, rates in 1e-4 MAD per unit."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]

#: A rate of 1 MAD per unit, in 1e-4 units.
RATE_ONE = 10_000


def div_half_away(numerator: IntArray, denominator: int) -> IntArray:
    """Integer division rounded to nearest, halves away from zero (e.g. 25 / 10 -> 3)."""
    num = np.asarray(numerator, dtype=np.int64)
    magnitude = (np.abs(num) + denominator // 2) // denominator
    return np.where(num < 0, -magnitude, magnitude)


def mad_centimes(amount_cents: IntArray, rate_e4: IntArray) -> IntArray:
    """MAD value in centimes: amount x rate rounded to the centime, halves away from zero.

    >>> int(mad_centimes(np.array([1050]), np.array([108_765]))[0])  # 10.50 x 10.8765
    11420
    """
    product = np.asarray(amount_cents, dtype=np.int64) * np.asarray(rate_e4, dtype=np.int64)
    return div_half_away(product, RATE_ONE)


def format_centimes(centimes: int) -> str:
    """A centime count as a plain decimal (e.g. -12345 -> ``-123.45``)."""
    sign = "-" if centimes < 0 else ""
    units, cents = divmod(abs(centimes), 100)
    return f"{sign}{units}.{cents:02d}"


def format_rate(rate_e4: int) -> str:
    """A rate in 1e-4 units with 4 decimals (e.g. 108765 -> ``10.8765``)."""
    units, frac = divmod(rate_e4, RATE_ONE)
    return f"{units}.{frac:04d}"
