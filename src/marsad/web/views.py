"""What the dashboard shows, computed from releases' public tables only.

Headline figures, the segment breakdown, the 2030 tracker, the changes between two
releases and the explorer's series: each a small function of one or two
:class:`~marsad.web.store.PublicTable` (never the warehouse, so never a quarantined
row, a firm or an internal value). A withheld cell (empty value) is shown as ``[c]``.

>>> shown("13377000000.00", "MAD", "fr")
'13,4 milliards de dirhams'
>>> shown("3.4971", "percent", "en"), shown("", "percent", "en")
('3.5%', '[c]')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from marsad.indicators.registry import COLUMNS
from marsad.publish import fmt
from marsad.publish.marks import WITHHELD
from marsad.reference import DDS, TOTAL, UNALLOCATED
from marsad.release import compare
from marsad.release.compare import ADDED, REMOVED, REVISED
from marsad.web import exact
from marsad.web.exact import figure
from marsad.web.store import DIMENSIONS, PublicTable, period_order

_I = {c: COLUMNS.index(c) for c in COLUMNS}
#: The 2030 tracker's indicators, in the order shown.
TRACKER = ("target_level", "target_share", "target_required_growth", "target_recent_growth",
           "target_projected_level", "jobs_target_level", "jobs_target_share", "jobs")  # fmt: skip
#: Series whose revisions the home page lists (exports level by segment, all services
#: and partners).
HEADLINE = ("level", "exports")


def shown(value: str | Decimal, unit: str, lang: str) -> str:
    """A public value (text, or :func:`value_of`'s number) as a reader sees it in ``lang``,
    rounded once from the cell's exact value when the release keeps it
    (:func:`marsad.web.exact.figure`, as the bulletin rounds); ``[c]`` when withheld (empty)."""
    if isinstance(value, str) and value == "":
        return WITHHELD
    v = figure(value)  # shown with no more decimals than published
    if unit == "MAD":  # at most whole dirhams or tenths of millions: coarser than the centime
        return fmt.money(v, lang)
    if unit == "percent":
        return fmt.percent(v, lang)
    if unit == "growth":
        return fmt.growth(v, lang)
    if unit == "percentage_points":
        return fmt.points(v, lang)
    return fmt.number(v, lang)


def value_of(row: tuple[str, ...]) -> Decimal | None:
    """The row's published value, ``None`` when withheld; a
    :class:`~marsad.web.exact.Figure` when the release keeps its exact value."""
    text = row[_I["value"]]
    return exact.number(text) if text else None


def _one(table: PublicTable, indicator: str, period: str, segment: str = TOTAL,
         flow: str = "exports") -> tuple[str, ...] | None:  # fmt: skip
    for row in table.series.get((indicator, flow, segment, "_T", "_T"), ()):
        if row[_I["period"]] == period:
            return row
    return None


def headline(table: PublicTable, lang: str) -> dict | None:
    """Exports and their year-on-year growth in the release's last period (e.g.
    ``{"level": "13,4 milliards de dirhams", "growth": "+3,5 %", ...}``)."""
    period = table.release.last_period
    level = _one(table, "level", period) if period else None
    if level is None:
        return None
    growth = _one(table, "growth_yoy", period)
    return {
        "period": fmt.period_label(period, lang),
        "level": shown(level[_I["value"]], "MAD", lang),
        "growth": shown(growth[_I["value"]], "growth", lang) if growth else "",
    }


def segments(table: PublicTable) -> list[tuple[str, Decimal | None, tuple | None]]:
    """The segments' exports in the last period (segment, value, share row), largest first."""
    period = table.release.last_period
    found = []
    for (ind, flow, seg, svc, ptn), rows in table.series.items():
        if (ind, flow, svc, ptn) != ("level", "exports", "_T", "_T"):
            continue
        if seg in (TOTAL, DDS, UNALLOCATED):
            continue
        row = next((r for r in rows if r[_I["period"]] == period), None)
        if row is not None:
            found.append((seg, value_of(row), _one(table, "share", period, seg)))
    return sorted(found, key=lambda s: (s[1] is None, -(s[1] or 0), s[0]))


def tracker(table: PublicTable) -> list[tuple[str, ...]]:
    """The 2030 tracker's rows (targets, required and recent growth, jobs), the latest
    period of each series."""
    found = []
    for indicator in TRACKER:
        for key, rows in sorted(table.series.items()):
            if key[0] == indicator and key[2] == TOTAL and rows:
                found.append(rows[-1])
    return found


@dataclass
class Changes:
    """What differs between two releases' public tables (cells keyed by series and period)."""

    revised: list[tuple[tuple[str, ...], str, str, str]] = field(default_factory=list)
    new: int = 0
    removed: int = 0
    #: The new and removed cells, as revised cells with an empty old (new) side.
    added: list[tuple[tuple[str, ...], str, str, str]] = field(default_factory=list)
    dropped: list[tuple[tuple[str, ...], str, str, str]] = field(default_factory=list)
    #: The kind of change of each cell of ``revised`` by key, as ``marsad release diff``
    #: words it (:func:`marsad.release.compare.change`): revised, newly withheld or newly
    #: released (a cell not listed: revised).
    kinds: dict[tuple[str, ...], str] = field(default_factory=dict)

    def largest(self, count: int = 5) -> list:
        """The largest relative revisions of the headline series (public on both sides)."""
        head = [c for c in self.revised if c[0][:2] == HEADLINE and c[0][3:5] == ("_T", "_T")
                and c[1] and c[2]]  # fmt: skip
        return sorted(head, key=_relative, reverse=True)[:count]

    def ordered(self) -> list:
        """The revised cells as a reader wants them: the headline series first (exports
        level of the total, then of each segment, all services and partners), then the
        other indicators; the largest relative revision first within each; a cell
        withheld on one side last."""
        return sorted(self.revised, key=lambda c: (_rank(c[0]), -_size(c), c[0]))


def _rank(key: tuple[str, ...]) -> int:
    """0 for the total's exports level, 1 for a segment's, 2 for any other series."""
    if key[:2] != HEADLINE or key[3:5] != ("_T", "_T"):
        return 2
    return 0 if key[2] == TOTAL else 1


def _size(change: tuple) -> Decimal:
    return _relative(change) if change[1] and change[2] else Decimal(-1)


def _relative(change: tuple) -> Decimal:
    old, new = Decimal(change[1]), Decimal(change[2])
    return abs(new - old) / abs(old) if old else abs(new - old)


def changes(old: PublicTable, new: PublicTable) -> Changes:
    """Cells revised, new and removed between ``old`` and ``new``, as ``marsad release
    diff`` finds them (:func:`marsad.release.compare.diff`): a revised cell is one whose
    public value changed, or that became withheld or published. Each is (key, old value,
    new value, unit); the key is (indicator, flow, segment, service, partner, period); a
    withheld side is empty."""
    from marsad.release.compare import cells, diff

    before, after = (cells(dict(zip(COLUMNS, r, strict=True)) for r in t.rows) for t in (old, new))
    units = {_key(r): r[_I["unit"]] for t in (old, new) for r in t.rows}
    found = diff(before, after)

    def change(key: tuple[str, ...]) -> tuple:
        was, now = before.get(key), after.get(key)
        return (_web_key(key), was.value if was else "", now.value if now else "",
                units[_web_key(key)])  # fmt: skip

    revised = [k for k, *_ in found.revised] + found.withheld + found.released
    out = Changes(
        revised=[change(k) for k in revised],
        added=[change(k) for k in found.added],
        dropped=[change(k) for k in found.removed],
        kinds={_web_key(k): compare.change(before.get(k), after.get(k)) or REVISED
               for k in revised},
    )  # fmt: skip
    out.new, out.removed = len(out.added), len(out.dropped)
    out.revised.sort(key=lambda c: (c[0][:5], period_order(c[0][5])))
    return out


def _web_key(key: tuple[str, ...]) -> tuple[str, ...]:
    """(indicator, flow, period, segment, service, partner) -> period last."""
    return (*key[:2], *key[3:], key[2])


def _key(row: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(row[_I[c]] for c in (*DIMENSIONS[:2], *DIMENSIONS[2:], "period"))


#: The columns of the revisions download (``/{lang}/releases/revisions.csv``).
REVISIONS_COLUMNS = ("indicator", "flow", "segment", "service", "partner", "period", "unit",
                     "change", "old_value", "new_value", "revision")  # fmt: skip


def revisions_csv(found: Changes) -> bytes:
    """Every cell that differs between two releases' public tables, one line each: its key,
    the change in the words of ``marsad release diff`` (:data:`marsad.release.compare.CHANGES`:
    ``revised``, ``newly withheld``, ``newly released``, ``added``, ``removed``), the old and
    new public values (empty when withheld or absent) and the revision (new minus old, when
    both are public).

    >>> c = Changes(revised=[(("level", "exports", "_Z", "_T", "_T", "2024-03"),
    ...                       "100.50", "130.00", "MAD")])
    >>> revisions_csv(c).decode().splitlines()[1]
    'level,exports,_Z,_T,_T,2024-03,MAD,revised,100.50,130.00,29.50'
    """
    import csv
    import io

    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(REVISIONS_COLUMNS)
    every = [(c, found.kinds.get(c[0], REVISED)) for c in found.revised]
    every += [(c, ADDED) for c in found.added] + [(c, REMOVED) for c in found.dropped]
    every.sort(key=lambda e: (e[0][0][:5], period_order(e[0][0][5])))
    for (key, old, new, unit), kind in every:
        revision = format(Decimal(new) - Decimal(old), "f") if old and new else ""
        *series, period = key
        w.writerow([*series, period, unit, kind, old, new, revision])
    return out.getvalue().encode("utf-8")
