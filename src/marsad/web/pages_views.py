"""What each dashboard page is given to render (its template's context), in one language.

Everything comes from releases' public tables (:mod:`marsad.web.views`): codes are named
by :func:`marsad.web.labels.label`, numbers formatted by :mod:`marsad.publish.fmt`,
withheld values shown as ``[c]``.

>>> downloads_of_names("2025-S1")[:2]
['indicators.csv', 'indicators.xlsx']
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from functools import partial
from urllib.parse import urlencode

from marsad.indicators.registry import COLUMNS
from marsad.publish import fmt
from marsad.publish.marks import MISSING, WITHHELD
from marsad.reference import ALL
from marsad.release.compare import NEWLY_RELEASED, NEWLY_WITHHELD, REVISED
from marsad.release.store import DamagedRelease
from marsad.web import svg, views
from marsad.web.explore import View, grid, series, unit_of
from marsad.web.labels import label
from marsad.web.pages_text import counted, text
from marsad.web.pages_units import Scale, scale_of, scales, telling
from marsad.web.store import FREQS, PublicStore, ReleaseInfo

log = logging.getLogger(__name__)

_I = {c: COLUMNS.index(c) for c in COLUMNS}
_FILES = ("indicators.csv", "indicators.xlsx", "indicators-sdmx.csv", "indicators-sdmx.xml",
          "structure-sdmx.xml", "indicators-bundle.zip", "revisions.csv")  # fmt: skip
#: Revised cells listed on the releases page at most (the counts cover them all).
MAX_LISTED = 300


def downloads_of_names(last_period: str | None) -> list[str]:
    """The stable download names of a release whose last period is ``last_period``."""
    names = list(_FILES)
    if last_period:
        names += [f"bulletin-{last_period}-{lang}.{ext}"
                  for ext in ("html", "pdf") for lang in ("fr", "en", "ar")]  # fmt: skip
    return names


def long_date(iso: str, lang: str) -> str:
    """A release's date as written in ``lang`` (:func:`marsad.publish.fmt.long_date`, as
    the bulletin writes it); ISO text that is not a date is kept as is.

    >>> long_date("2025-10-15", "fr"), long_date("2025-10-01", "fr"), long_date("x", "ar")
    ('15 octobre 2025', '1er octobre 2025', 'x')
    """
    from datetime import date

    from marsad.publish import fmt

    try:
        day = date.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso
    return fmt.long_date(day, lang)


_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


def shown_note(note: str) -> str:
    r"""A release's note as the page shows it: a control character written as its escape
    (``\x1b``), as ``release list`` writes it, not drawn as a box (HTML escapes the rest).

    >>> print(shown_note("x\x1b[31mred"), shown_note("نشرة أولى"))
    x\x1b[31mred نشرة أولى
    """
    return _CONTROLS.sub(lambda m: m[0].encode("unicode_escape").decode(), note)


def _release(info: ReleaseInfo, lang: str) -> dict:
    return {"id": info.id, "date": info.date, "date_text": long_date(info.date, lang),
            "note": shown_note(info.note), "synthetic": info.synthetic,
            "last_period": info.last_period or "",
            "last_label": fmt.period_label(info.last_period, lang) if info.last_period else "",
            "files": _files(info)}  # fmt: skip


def _files(info: ReleaseInfo) -> list[tuple[str, str]]:
    return [(n, f"/downloads/{info.id}/{n}") for n in downloads_of_names(info.last_period)]


def _row(row: tuple[str, ...], scale: Scale, lang: str) -> dict:
    return {"indicator": label("indicator", row[_I["indicator"]], lang),
            "period": fmt.period_label(row[_I["period"]], lang, short=True),
            "value": scale.cell(row[_I["value"]], lang), "unit": scale.name(lang),
            "withheld": not row[_I["value"]], "conf": row[_I["conf_status"]]}  # fmt: skip


def _segments(segs: list, names: list[str], lang: str) -> dict:
    """The segments' table: exports and shares, each column in one unit (its header's)."""
    money = scale_of(["" if v is None else str(v) for _, v, _ in segs], "MAD")
    share = scale_of([sh[_I["value"]] for _, _, sh in segs if sh], "percent")
    rows = [{"name": name, "withheld": v is None,
             "value": money.cell("" if v is None else v, lang),
             "share": share.cell(sh[_I["value"]], lang) if sh else ""}
            for name, (_, v, sh) in zip(names, segs, strict=True)]  # fmt: skip
    return {"rows": rows, "unit": money.name(lang), "share_unit": share.name(lang)}


def _tracker(rows: list[tuple[str, ...]], lang: str) -> list[dict]:
    """The tracker's rows, amounts in one unit across rows, each row naming its unit."""
    found = scales((r[_I["value"]], r[_I["unit"]]) for r in rows)
    return [_row(r, found[r[_I["unit"]]], lang) for r in rows]


def home(st: PublicStore, info: ReleaseInfo, lang: str) -> dict:
    """Headline, segments (table and chart), 2030 tracker, changes since the previous."""
    table = st.table(info)
    segs = views.segments(table)
    names = [(label("segment", s, lang), v) for s, v, _ in segs]
    before = st.previous(info)
    changes, damaged, missing = None, "", ""
    left_out, gone = st.damaged(), st.missing()
    earlier = info.previous[-1] if info.previous else None  # as its manifest lists it
    if earlier in left_out:  # the one before cannot be read
        damaged = earlier
    elif earlier in gone:  # nor is it there: this one is not the first
        missing = earlier
    elif before is not None:
        try:
            changes = _changes(st, before, info, lang, 5)
        except DamagedRelease as e:  # the page of an intact release still stands
            log.error("home of %s: changes since %s left out: %s", info.id, before.id, e)
            damaged = before.id
    shown = {
        "headline": views.headline(table, lang),
        "segments": _segments(segs, [n for n, _ in names], lang),
        "tracker": _tracker(views.tracker(table), lang),
        "changes": changes,
    }
    return {
        "release": _release(info, lang),
        **shown,
        "segments_chart": svg.bar_chart(names, "MAD", lang, text(lang)["segments"]),
        # the legend of [c], once, wherever the page shows it (the headline's growth and
        # the tracker showed [c] with no legend: only the segments' table had one)
        "withheld_shown": _holds(shown, WITHHELD),
        "changes_damaged": damaged,
        "changes_missing": missing,
        **notes(st, info),
    }


def _holds(value: object, mark: str) -> bool:
    """Whether ``mark`` (e.g. ``[c]``) is among what ``value`` shows: a text equal to it
    or holding it, in dicts, lists and the attributes of objects, however nested."""
    if isinstance(value, str):
        return mark in value
    if isinstance(value, dict):
        return any(_holds(v, mark) for v in value.values())
    if isinstance(value, list | tuple | set):
        return any(_holds(v, mark) for v in value)
    if hasattr(value, "__dict__") or hasattr(value, "__slots__"):
        names = getattr(value, "__slots__", None) or vars(value)
        return any(_holds(getattr(value, n, None), mark) for n in names)
    return False


def notes(st: PublicStore, info: ReleaseInfo) -> dict[str, list[str]]:
    """The releases a page names as not served, by kind, each a list of ids: damaged,
    missing (a later release lists it), and those of them that may be later than
    ``info``, the release shown (:meth:`~marsad.web.store.PublicStore.after`)."""
    return {"damaged_releases": sorted(st.damaged()), "missing_releases": sorted(st.missing()),
            "unavailable_later": st.after(info)}  # fmt: skip


def faults(context: dict) -> list[str]:
    """The ids of :func:`notes` in a page's ``context``: a page naming one is not kept
    as immutable (the release may be restored)."""
    keys = ("damaged_releases", "missing_releases", "unavailable_later")
    return [i for k in keys for i in context.get(k, ())]


def _changes(st: PublicStore, old: ReleaseInfo, new: ReleaseInfo, lang: str, top: int) -> dict:
    found = views.changes(st.table(old), st.table(new))
    shown = found.largest(top) if top else found.ordered()[:MAX_LISTED]
    units = scales((v, c[3]) for c in shown for v in c[1:3])
    units = {u: telling(sc, [c[1:3] for c in shown if c[3] == u]) for u, sc in units.items()}
    only = next(iter(units.values())) if len(units) == 1 else None
    count = partial(fmt.number, lang=lang)  # 2 606 in French, 2,606 in English
    kinds = Counter(found.kinds.get(c[0], REVISED) for c in found.revised)
    counts = {"revised": kinds[REVISED], "newly_released": kinds[NEWLY_RELEASED],
              "newly_withheld": kinds[NEWLY_WITHHELD], "new": found.new,
              "removed": found.removed}  # fmt: skip
    return {"from": old.id, "to": new.id, "revised": count(kinds[REVISED]),
            "words": {k: counted(k, n, lang) for k, n in counts.items()},
            "released": kinds[NEWLY_RELEASED] and count(kinds[NEWLY_RELEASED]),
            "withheld": kinds[NEWLY_WITHHELD] and count(kinds[NEWLY_WITHHELD]),
            "new": count(found.new), "removed": count(found.removed),
            "cells": [_cell(c, units[c[3]], lang) for c in shown],
            "unit": only.name(lang) if only else "",
            "csv": f"/{lang}/releases/revisions.csv?"
                   + urlencode({"from": old.id, "to": new.id}),
            "more": not top and len(found.revised) > MAX_LISTED}  # fmt: skip


def _cell(change: tuple, scale: Scale, lang: str) -> dict:
    (ind, flow, seg, svc, ptn, period), old, new, _unit = change
    parts = [label("indicator", ind, lang), label("flow", flow, lang), label("segment", seg, lang)]
    parts += [
        label(dim, code, lang) for dim, code in (("service", svc), ("partner", ptn)) if code != ALL
    ]  # "all services", "all partners" go without saying
    return {"series": " · ".join(parts),
            "period": fmt.period_label(period, lang, short=True),
            "old": scale.cell(old, lang), "new": scale.cell(new, lang),
            "unit": scale.name(lang)}  # fmt: skip


def explore(st: PublicStore, info: ReleaseInfo, view: View, lang: str) -> dict:
    """The explorer's form options, chart and table for ``view`` in ``release``."""
    table = st.table(info)
    rows = view.rows(table)
    unit = unit_of(rows)
    named = {label("segment", s, lang): pts for s, pts in series(view, rows).items()}
    periods, cells = grid(view, rows)
    scale = scale_of([r[_I["value"]] for r in rows], unit)
    t = text(lang)
    title = f"{label('indicator', view.indicator, lang)} · {label('flow', view.flow, lang)}"
    drawn = any(r[_I["value"]] for r in rows)
    columns = [label("segment", s, lang) for s in view.segments]
    return {
        "release": _release(info, lang),
        "view": view,
        "view_query": view.query(),
        "options": _options(st, table, view, lang),
        # (every value withheld: no chart on an empty axis, but a line saying why)
        "chart": svg.line_chart(list(named.items()), unit, lang, title) if drawn else "",
        "nothing_drawn": t["nothing_drawn"] if rows and not drawn else "",
        "columns": columns,
        "legend": list(named),  # the chart's series, in its colours' order
        # a chosen segment with no cell draws no line: named after them, as [x]
        "undrawn": [n for n in columns if n not in named],
        "unit": scale.name(lang),
        "table": [
            [
                fmt.period_label(p, lang, short=True),
                *[_grid_cell(cells.get((p, s)), scale, lang) for s in view.segments],
            ]
            for p in periods
        ],
        "withheld_any": any(not r[_I["value"]] for r in rows),
        # a selected series with no cell in a period: [x], as the bulletin and workbook
        "missing_any": any((p, s) not in cells for p in periods for s in view.segments),
        "title": title,
        "no_rows": t["no_rows"] if not rows else "",
        "elsewhere": _elsewhere(table, view, lang) if not rows else None,
        "unavailable_later": st.after(info),  # the release shown may not be the latest
    }


def _elsewhere(table, view: View, lang: str) -> dict | None:
    """For a view with no observation, the nearest one the indicator has: its flow and
    frequency, the view's own first (a reviewer picked Jobs in the explorer, which kept
    exports and quarters: "no observation", though jobs are annual with no flow), as
    ``{"href": …, "text": …}``; None when no flow or frequency has one."""
    import dataclasses

    flows = dict.fromkeys([view.flow, *table.codes("flow")])
    freqs = dict.fromkeys([view.freq, *FREQS])
    for flow in flows:
        for freq in freqs:
            other = dataclasses.replace(view, flow=flow, freq=freq, start="", end="")
            if other != view and other.rows(table):
                shown = f"{label('flow', flow, lang)}, {label('freq', freq, lang)}"
                return {"href": f"/{lang}/explore?{other.query()}", "text": shown}
    return None


def _grid_cell(row: tuple[str, ...] | None, scale: Scale, lang: str) -> dict:
    if row is None:  # (the table has no such cell: [x], explained by the legend)
        return {"value": MISSING, "withheld": False, "missing": True}
    value = row[_I["value"]]
    return {"value": scale.cell(value, lang), "withheld": not value,
            "conf": label("conf", row[_I["conf_status"]], lang)}  # fmt: skip


def _options(st: PublicStore, table, view: View, lang: str) -> dict:
    kind = FREQS.get(view.freq)
    periods = [p for p in table.codes("period") if _kind(p) == kind] or table.codes("period")
    dims = {d: [(c, label(d, c, lang)) for c in table.codes(d)]
            for d in ("indicator", "flow", "segment", "service", "partner")}  # fmt: skip
    return {**dims, "freq": [(f, label("freq", f, lang)) for f in FREQS],
            "period": [(p, fmt.period_label(p, lang, short=True)) for p in periods],
            "release": [(r.id, r.id) for r in reversed(st.releases())]}  # fmt: skip


def _kind(period: str) -> str:
    from marsad.periods import Period

    return Period.parse(period).kind


def pair(st: PublicStore, old: str, new: str) -> tuple[str, str]:
    """The releases compared: ``old`` and ``new`` if both given, else the last two."""
    every = st.releases()
    if (old and new) or len(every) < 2:
        return old, new
    return every[-2].id, every[-1].id


def revisions(st: PublicStore, old: str, new: str) -> bytes:
    """The revisions download between ``old`` and ``new`` (by default the last two)."""
    old, new = pair(st, old, new)
    if not (old and new):  # a single release: nothing differs
        return views.revisions_csv(views.Changes())
    return views.revisions_csv(views.changes(st.table(st.find(old)), st.table(st.find(new))))


def archive(st: PublicStore, info: ReleaseInfo, chosen: tuple[str, str], lang: str) -> dict:
    """Every release with its files, and the revisions between two chosen ones."""
    every = st.releases()
    old, new = chosen
    compared = None
    if old and new:
        compared = _changes(st, st.find(old), st.find(new), lang, 0)
    else:
        old, new = pair(st, "", "")
    return {"release": _release(info, lang), **notes(st, info),
            "releases": [_release(r, lang) for r in reversed(every)],
            "ids": [r.id for r in every], "from": old, "to": new, "compared": compared}  # fmt: skip
