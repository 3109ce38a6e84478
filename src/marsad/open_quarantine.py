"""What build, release, coverage and bulletin say of the rows still in quarantine.

A transactions row that ingest refused stays in the quarantine, *open*, until a later
load brings a good version of its record (it is then resolved) or someone waives it
(``marsad quarantine waive``): until then it is in no figure, and nothing else tells
that the month it belongs to lacks it. So ``marsad build`` and ``marsad release
create`` count the open rows per month of value date and reporter, and a month that is
not complete because a bank's every row of it is in quarantine says so instead of
"no delivery" (the bank did deliver).

Counts and reporter codes only: never an amount, a firm or a record id.

>>> held = OpenRows((((2024, 2), "BK02", 12), ((2024, 4), "BK02", 9)))
>>> gap_lines([((2024, 2), ("BK01", "BK02"), False)], held)
['2024-02: no delivery from BK01; no record loaded from BK02 (12 rows in quarantine)']
>>> held.lines()[1:]
['  2024-02: 12 rows (BK02: 12)', '  2024-04: 9 rows (BK02: 9)']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from marsad.coverage import Coverage, Gap, describe_months, names
from marsad.engine import Warehouse
from marsad.periods import Month, month_text, next_month

#: Months listed before "and N more", as the build lists its incomplete months.
SHOWN_MONTHS = 12
#: Reporters named in a month's line before "and N more".
SHOWN_REPORTERS = 8
#: Where to see and act on them.
REVIEW = "review with marsad quarantine list"


@dataclass(frozen=True)
class OpenRows:
    """Open quarantined transactions rows: (month or ``None`` when its date cannot be
    read, reporter or ``None`` when empty, rows), e.g. ``(((2024, 4), "BK02", 9),)``."""

    counts: tuple[tuple[Month | None, str | None, int], ...] = ()

    @property
    def total(self) -> int:
        """All the open rows (e.g. 9)."""
        return sum(n for _, _, n in self.counts)

    def of(self, reporter: str, month: Month) -> int:
        """Open rows of ``reporter`` dated in ``month`` (0 when none)."""
        return sum(n for m, r, n in self.counts if m == month and r == reporter)

    def lines(self, shown: int = SHOWN_MONTHS) -> list[str]:
        """What the build says: one line when the rows are of one month, else a line
        and one per month (at most ``shown``, then "and N more"); empty when none.

        >>> OpenRows((((2024, 4), "BK02", 9),)).lines()
        ['In quarantine, not corrected or waived: 9 rows of 2024-04 (BK02: 9); review with marsad quarantine list']
        >>> OpenRows(((None, None, 1),)).lines()
        ['In quarantine, not corrected or waived: 1 row whose value date cannot be read (no reporter: 1); review with marsad quarantine list']
        """  # noqa: E501
        months = self._by_month()
        if not months:
            return []
        head = "In quarantine, not corrected or waived: "
        if len(months) == 1:
            (month, n, reporters), = months  # fmt: skip
            return [f"{head}{_rows(n)} {_of(month)} ({_reporters(reporters)}); {REVIEW}"]
        out = [f"{head}{_rows(self.total)}; {REVIEW}:"]
        for month, n, reporters in months[:shown]:
            when = "value date not readable" if month is None else month_text(month)
            out.append(f"  {when}: {_rows(n)} ({_reporters(reporters)})")
        if len(months) > shown:
            out.append(f"  … and {len(months) - shown} more months: see marsad quarantine list")
        return out

    def _by_month(self) -> list[tuple[Month | None, int, list[tuple[str | None, int]]]]:
        order: dict[Month | None, list[tuple[str | None, int]]] = {}
        for month, reporter, n in self.counts:
            order.setdefault(month, []).append((reporter, n))
        known = sorted(m for m in order if m is not None)
        keys: list[Month | None] = [*known, *([None] if None in order else [])]
        return [(m, sum(n for _, n in order[m]), order[m]) for m in keys]


def open_rows(wh: Warehouse) -> OpenRows:
    """The open quarantined transactions rows of the warehouse, counted."""
    from marsad.ingest.views import open_records

    return OpenRows(tuple(open_records(wh)))


#: An incomplete month, who is missing from it, and whether it is not over yet.
Incomplete = tuple[Month, tuple[str, ...], bool]


def incomplete(coverage: Coverage) -> list[Incomplete]:
    """The coverage's incomplete months, in order, with who is missing (nobody from a
    month not over yet: a bank may still deliver)."""
    return [
        (m, () if not coverage.is_over(m) else coverage.missing[m], not coverage.is_over(m))
        for m in coverage.months
        if m not in coverage.complete
    ]


def gap_lines(incomplete: Iterable[Incomplete], held: OpenRows) -> list[str]:
    """One line per run of incomplete months, as :func:`marsad.coverage.describe_gaps`,
    but a missing reporter whose rows of the month are all in quarantine is said to have
    no record loaded, with how many rows wait there.

    >>> gap_lines([((2024, 2), ("BK02",), False), ((2024, 3), ("BK02",), False)],
    ...           OpenRows((((2024, 2), "BK02", 12), ((2024, 3), "BK02", 1))))
    ['2024-02 to 2024-03: no record loaded from BK02 (13 rows in quarantine)']
    >>> gap_lines([((2024, 2), ("BK01",), False), ((2024, 3), (), True)], OpenRows())
    ['2024-02: no delivery from BK01', '2024-03: not over yet, it ends on 2024-03-31']
    """
    runs: list[_Run] = []
    for month, missing, not_over in incomplete:
        absent = tuple(r for r in missing if not held.of(r, month))
        waiting = {r: held.of(r, month) for r in missing if r not in absent}
        last = runs[-1] if runs else None
        if last and next_month(last.months[-1]) == month and last.same(absent, waiting, not_over):
            last.add(month, waiting)
        else:
            runs.append(_Run([month], absent, waiting, not_over))
    return [run.describe() for run in runs]


def nil_return_hint(incomplete: Iterable[Incomplete], held: OpenRows) -> str:
    """The command declaring a nil return for the first month a reporter is missing
    from without any row in quarantine (a bank whose rows wait there delivered);
    empty when there is none.

    >>> nil_return_hint([((2024, 2), ("BK02",), False), ((2024, 3), ("BK01", "BK02"), False)],
    ...                 OpenRows((((2024, 2), "BK02", 12),)))
    'marsad ingest --nil-return --reporter BK01 --month 2024-03'
    """
    for month, missing, not_over in incomplete:
        if not_over:  # a month in course: nothing to declare yet
            continue
        absent = tuple(r for r in missing if not held.of(r, month))
        if absent or not missing:
            return Gap(month, month, absent).nil_return()
    return ""


@dataclass
class _Run:
    """Consecutive incomplete months missing the same reporters, and the same ones
    with rows in quarantine (summed over the run)."""

    months: list[Month]
    absent: tuple[str, ...]
    waiting: dict[str, int]
    not_over: bool = False

    def same(self, absent: tuple[str, ...], waiting: dict[str, int], not_over: bool) -> bool:
        return (absent, list(waiting), not_over) == (self.absent, list(self.waiting), self.not_over)

    def add(self, month: Month, waiting: dict[str, int]) -> None:
        self.months.append(month)
        for r, n in waiting.items():
            self.waiting[r] += n

    def describe(self) -> str:
        gap = Gap(self.months[0], self.months[-1], self.absent, self.not_over).describe()
        if not self.waiting:
            return gap
        loaded = "no record loaded from " + names(
            [f"{r} ({_rows(n)} in quarantine)" for r, n in self.waiting.items()]
        )
        if not self.absent:
            return f"{describe_months(self.months)}: {loaded}"
        return f"{gap}; {loaded}"


def _reporters(reporters: Sequence[tuple[str | None, int]]) -> str:
    shown = [f"{r or 'no reporter'}: {n:,}" for r, n in reporters[:SHOWN_REPORTERS]]
    rest = len(reporters) - len(shown)
    return ", ".join(shown) + (f" and {rest} more reporters" if rest else "")


def _rows(n: int) -> str:
    return f"{n:,} row{'' if n == 1 else 's'}"


def _of(month: Month | None) -> str:
    return "whose value date cannot be read" if month is None else f"of {month_text(month)}"
