"""Which reporters delivered which months, and which months are complete.

A *delivery* is a (reporter, month) for which the warehouse holds records of
that reporter with a value date in that month, or a declared nil return
(``marsad ingest --nil-return --reporter BK01 --month 2024-02``: the bank had
nothing to report). A month is **complete** when it has at least one delivery
and every reporter expected in it has delivered. A quarter, half, year or
year-to-date is complete only when all its months are; only complete periods
are published.

Expected reporters are a declared list (``MARSAD_EXPECTED_REPORTERS``), else
those *active around the month*: reporter r is expected in month m when r
delivered in some month within ``MARSAD_COVERAGE_WINDOW`` months (default 3)
before or after m, and m is not before r's first delivery (a bank that starts
mid-year is not expected before it starts).

The grid runs from the first month with a delivery to the last. A month inside
it with no delivery at all, and nobody expected in it (far from any delivery,
e.g. the months before a mistyped year), is incomplete too: every reporter
known is then missing from it.

A month is complete only once it is over: its last day is before the day the build
takes as today (``MARSAD_TODAY``, default the machine's date). Records dated in the
current month (a bank that sends its first days early) do not make it, nor its
quarter, half or year, complete: the total would be published short.

>>> cov = assess([Delivery("BK01", (2024, m), 10) for m in (1, 3)])
>>> sorted(cov.complete), describe_gaps(cov)
([(2024, 1), (2024, 3)], ['2024-02: no delivery from BK01'])
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from marsad.periods import Month, Period, last_day, month_text, months_between, next_month

#: Reporters named in a gap line before "and N more".
NAMED_REPORTERS = 8


@dataclass(frozen=True)
class Delivery:
    """One reporter's delivery of one month (e.g. BK01, (2024, 2), 1250 records);
    ``records`` is 0 for a nil return."""

    reporter: str
    month: Month
    records: int
    nil_return: bool = False


@dataclass(frozen=True)
class CoverageRule:
    """Who is expected: ``expected`` (declared reporters, e.g. ``("BK01", "BK02")``)
    or, when empty, the reporters active within ``window`` months (e.g. 3); and
    ``today`` (e.g. 2026-12-02: 2026-12 is not over), None for no month not over."""

    expected: tuple[str, ...] = ()
    window: int = 3
    today: dt.date | None = None

    @classmethod
    def from_settings(cls, settings) -> CoverageRule:
        """The rule of :class:`~marsad.settings.Settings` (``expected_reporters``,
        ``coverage_window``, ``today``: default the machine's date)."""
        today = settings.today or dt.date.today()
        return cls(tuple(settings.expected_reporters), settings.coverage_window, today)

    def first_not_over(self) -> Month | None:
        """The first month not over on ``today`` (its own month), None without a day.

        >>> CoverageRule(today=dt.date(2026, 12, 1)).first_not_over()
        (2026, 12)
        """
        return None if self.today is None else (self.today.year, self.today.month)


class Status(StrEnum):
    """A cell of the reporter x month grid."""

    delivered = "delivered"
    nil_return = "nil return"
    missing = "missing"
    not_expected = "not expected"


@dataclass(frozen=True)
class Gap:
    """Consecutive incomplete months missing the same reporters (e.g. 2025-01 to
    2025-11, from BK01)."""

    first: Month
    last: Month
    missing: tuple[str, ...]
    #: the months are not over yet (the current month, or later)
    not_over: bool = False

    def describe(self) -> str:
        """``2025-01 to 2025-11: no delivery from BK01``.

        >>> Gap((2024, 2), (2024, 2), ("BK01", "BK02")).describe()
        '2024-02: no delivery from BK01 and BK02'
        >>> Gap((2026, 12), (2026, 12), (), not_over=True).describe()
        '2026-12: not over yet, it ends on 2026-12-31'
        >>> Gap((2026, 6), (2026, 12), (), not_over=True).describe()
        '2026-06 to 2026-12: not over yet, the first, 2026-06, ends on 2026-06-30'
        """
        first, last = month_text(self.first), month_text(self.last)
        span = first if self.first == self.last else f"{first} to {last}"
        if self.not_over:
            end = last_day(self.first).isoformat()
            first = "it" if self.first == self.last else f"the first, {first},"
            return f"{span}: not over yet, {first} ends on {end}"
        if not self.missing:
            return f"{span}: no delivery"
        return f"{span}: no delivery from {names(self.missing)}"

    def nil_return(self) -> str:
        """The command declaring the gap's first month a nil return of its first
        missing reporter (when it had nothing to report).

        >>> Gap((2025, 1), (2025, 11), ("BANKA", "BANKB")).nil_return()
        'marsad ingest --nil-return --reporter BANKA --month 2025-01'
        >>> Gap((2024, 2), (2024, 2), ()).nil_return()
        'marsad ingest --nil-return --reporter BANK --month 2024-02'
        """
        reporter = self.missing[0] if self.missing else "BANK"
        return f"marsad ingest --nil-return --reporter {reporter} --month {month_text(self.first)}"


@dataclass(frozen=True)
class Coverage:
    """The reporter x month grid, and the complete months (e.g. 2023-01 to 2024-12
    but 2024-02)."""

    months: tuple[Month, ...]
    reporters: tuple[str, ...]
    deliveries: dict[tuple[str, Month], Delivery]
    expected: dict[Month, frozenset[str]]
    #: the first month not over (the build's own month): it and later ones are incomplete
    first_not_over: Month | None = None
    missing: dict[Month, tuple[str, ...]] = field(init=False)
    complete: frozenset[Month] = field(init=False)

    def __post_init__(self) -> None:
        delivered: dict[Month, set[str]] = {m: set() for m in self.months}
        for reporter, month in self.deliveries:
            delivered[month].add(reporter)
        missing = {}
        for m in self.months:
            if delivered[m]:
                missing[m] = tuple(sorted(self.expected[m] - delivered[m]))
            else:  # no delivery at all: whoever is expected, else everyone known
                missing[m] = tuple(sorted(self.expected[m] or self.reporters))
        object.__setattr__(self, "missing", missing)
        done = frozenset(
            m for m in self.months if delivered[m] and not missing[m] and self.is_over(m)
        )
        object.__setattr__(self, "complete", done)

    def is_over(self, month: Month) -> bool:
        """Whether ``month`` is over (before the first month not over)."""
        return self.first_not_over is None or month < self.first_not_over

    def status(self, reporter: str, month: Month) -> Status:
        """What the grid shows for one reporter and month."""
        found = self.deliveries.get((reporter, month))
        if found is not None:
            return Status.nil_return if found.nil_return and not found.records else Status.delivered
        if reporter in self.missing.get(month, ()):
            return Status.missing
        return Status.not_expected

    def records(self, reporter: str, month: Month) -> int:
        """Records the reporter delivered for the month (0 when none)."""
        found = self.deliveries.get((reporter, month))
        return found.records if found else 0

    def is_complete(self, period: Period) -> bool:
        """Whether every month of ``period`` is complete."""
        return all(m in self.complete for m in period.months)

    def gaps(self, within: Sequence[Month] | None = None) -> list[Gap]:
        """Runs of consecutive incomplete months (of ``within``, default all)."""
        months = self.months if within is None else [m for m in within if m in self.expected]
        return gap_runs(
            (m, self.missing[m], not self.is_over(m)) for m in months if m not in self.complete
        )


def gap_runs(incomplete: Iterable[tuple[Month, tuple[str, ...], bool]]) -> list[Gap]:
    """Incomplete months (with who is missing, and whether the month is not over yet),
    in order, as runs of consecutive months missing the same reporters.

    >>> runs = gap_runs([((2024, 11), ("BK01",), False), ((2024, 12), ("BK01",), False)])
    >>> [g.describe() for g in runs]
    ['2024-11 to 2024-12: no delivery from BK01']
    """
    out: list[Gap] = []
    for m, missing, not_over in incomplete:
        missing = () if not_over else missing  # who may still deliver: not missing yet
        last = out[-1] if out else None
        if (
            last
            and next_month(last.last) == m
            and (last.missing, last.not_over) == (missing, not_over)
        ):
            out[-1] = Gap(last.first, m, last.missing, not_over)
        else:
            out.append(Gap(m, m, missing, not_over))
    return out


def assess(deliveries: Iterable[Delivery], rule: CoverageRule | None = None) -> Coverage:
    """The coverage of a set of deliveries under a rule (default: active reporters, 3 months).

    >>> cov = assess([Delivery("BK01", (2024, m), 5) for m in range(1, 4)]
    ...              + [Delivery("BK02", (2024, m), 5) for m in range(1, 3)])
    >>> cov.status("BK02", (2024, 3)), sorted(cov.complete)
    (<Status.missing: 'missing'>, [(2024, 1), (2024, 2)])
    """
    rule = rule or CoverageRule()
    cells: dict[tuple[str, Month], Delivery] = {}
    for d in deliveries:
        found = cells.get((d.reporter, d.month))
        if found is None or (found.nil_return and d.records):
            cells[(d.reporter, d.month)] = d  # records outrank a nil return
    if not cells:
        return Coverage((), tuple(rule.expected), {}, {}, rule.first_not_over())
    seen = {m for _, m in cells}
    months = tuple(months_between(min(seen), max(seen)))
    reporters = tuple(sorted({r for r, _ in cells} | set(rule.expected)))
    if rule.expected:
        expected = {m: frozenset(rule.expected) for m in months}
    else:
        expected = _active(cells, months, rule.window)
    return Coverage(months, reporters, cells, expected, rule.first_not_over())


def _active(
    cells: dict[tuple[str, Month], Delivery], months: Sequence[Month], window: int
) -> dict[Month, frozenset[str]]:
    """Reporters expected in each month: delivered within ``window`` months of it,
    and not before their first delivery."""
    by_reporter: dict[str, list[int]] = {}
    for reporter, month in cells:
        by_reporter.setdefault(reporter, []).append(_index(month))
    for idx in by_reporter.values():
        idx.sort()
    out = {}
    for m in months:
        i = _index(m)
        out[m] = frozenset(
            r
            for r, idx in by_reporter.items()
            if idx[0] <= i and _any_within(idx, i - window, i + window)
        )
    return out


def _any_within(sorted_idx: list[int], low: int, high: int) -> bool:
    k = bisect.bisect_left(sorted_idx, low)
    return k < len(sorted_idx) and sorted_idx[k] <= high


def describe_gaps(coverage: Coverage, within: Sequence[Month] | None = None) -> list[str]:
    """One line per run of incomplete months (e.g. ``2024-02: no delivery from BK01``)."""
    return [g.describe() for g in coverage.gaps(within)]


def describe_months(months: Iterable[Month]) -> str:
    """Months as runs (e.g. ``2023-01 to 2024-01, 2024-03 to 2024-12``), or ``none``.

    >>> describe_months([(2024, 1), (2024, 2), (2024, 5)])
    '2024-01 to 2024-02, 2024-05'
    """
    runs: list[list[Month]] = []
    for m in sorted(months):
        if runs and next_month(runs[-1][1]) == m:
            runs[-1][1] = m
        else:
            runs.append([m, m])
    parts = [
        month_text(a) if a == b else f"{month_text(a)} to {month_text(b)}" for a, b in runs
    ]  # fmt: skip
    return ", ".join(parts) or "none"


def names(reporters: Sequence[str]) -> str:
    """Reporters in words (e.g. ``BK01, BK02 and BK03``; beyond 8, ``… and 4 more``)."""
    shown = list(reporters[:NAMED_REPORTERS])
    rest = len(reporters) - len(shown)
    if rest:
        return ", ".join(shown) + f" and {rest} more"
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + f" and {shown[-1]}"


def _index(month: Month) -> int:
    return month[0] * 12 + month[1] - 1
