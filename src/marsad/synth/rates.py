"""Synthetic reference rates: MAD per unit on business days, a smooth random walk."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from marsad.synth import profiles as P
from marsad.synth.money import RATE_ONE, div_half_away, format_rate

RATES_HEADER: tuple[str, ...] = ("date", "currency", "mad_per_unit")

#: Persistence of the daily increments: close to 1 makes a smooth curve.
_SMOOTHING = 0.9


@dataclass(frozen=True)
class Rates:
    """Rates on business days: ``e4[c, i]`` is the rate of CURRENCIES[c] on ``days[i]``.

    Days are counted from 1970-01-01; rates are in 1e-4 MAD per unit; the MAD row
    is 1 on every day.
    """

    days: npt.NDArray[np.int64]
    e4: npt.NDArray[np.int64]

    def lookup(self, currency: npt.NDArray[np.int64], day: npt.NDArray[np.int64]) -> npt.NDArray:
        """Rate of each record: that of its value date, or the latest earlier one."""
        idx = np.searchsorted(self.days, day, side="right") - 1
        if (idx < 0).any():
            raise ValueError("a value date precedes the first reference rate")
        return self.e4[currency, idx]


def business_days(first: str, last: str) -> npt.NDArray[np.int64]:
    """Monday-to-Friday days from first to last inclusive, as days since 1970-01-01."""
    days = np.arange(
        np.datetime64(first, "D"), np.datetime64(last, "D") + 1, dtype="datetime64[D]"
    ).astype(np.int64)
    return days[weekday(days) < 5]


def weekday(days: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Weekday of days since 1970-01-01 (Monday 0, Sunday 6; 1970-01-01 was a Thursday)."""
    return (days + 3) % 7


def _smooth_walk(rng: np.random.Generator, n: int, lo: float, hi: float) -> npt.NDArray:
    """A smooth random path rescaled to span [lo, hi], in 1e-4 units."""
    steps = rng.standard_normal(n)
    drift = np.empty(n)
    acc = 0.0
    for i in range(n):
        acc = _SMOOTHING * acc + steps[i]
        drift[i] = acc
    path = np.cumsum(drift)
    span = path.max() - path.min()
    unit = (path - path.min()) / span if span > 0 else np.full(n, 0.5)
    return np.rint((lo + unit * (hi - lo)) * RATE_ONE).astype(np.int64)


def make_rates(rng: np.random.Generator) -> Rates:
    """Draw every currency's path; XOF follows EUR at the fixed parity."""
    days = business_days(P.RATES_FIRST_DAY, P.RATES_LAST_DAY)
    e4 = np.empty((len(P.CURRENCIES), len(days)), dtype=np.int64)
    e4[P.CURRENCIES.index("MAD")] = RATE_ONE
    for cur, (lo, hi) in P.RATE_RANGES.items():
        e4[P.CURRENCIES.index(cur)] = _smooth_walk(rng, len(days), lo, hi)
    eur = e4[P.CURRENCIES.index("EUR")]
    e4[P.CURRENCIES.index("XOF")] = div_half_away(eur * 1000, P.XOF_PER_EUR_E3)
    return Rates(days=days, e4=e4)


def write_rates(rates: Rates, path: Path) -> int:
    """Write ``rates.csv`` (by date, then currency); returns the number of rows."""
    dates = rates.days.astype("datetime64[D]").astype(str)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(RATES_HEADER)
        for i, date in enumerate(dates):
            for cur in P.RATE_CURRENCIES:
                value = int(rates.e4[P.CURRENCIES.index(cur), i])
                writer.writerow((date, cur, format_rate(value)))
                rows += 1
    return rows
