"""The explorer's view: one selection of series, as a URL, a chart, a table and files.

A :class:`View` is what the explorer shows: an indicator, a flow, one or more segments,
a service, a partner, a frequency, a period range and a release. Its :meth:`View.query`
is the canonical query string, so a copied link reopens exactly the same view, and the
downloads of the view hold exactly its rows.

>>> v = View.parse({"indicator": "growth_yoy", "segment": ["ESO,ITO"], "freq": "A"})
>>> v.query()
'indicator=growth_yoy&flow=exports&segment=ESO%2CITO&service=_T&partner=_T&freq=A'
>>> v.segments
('ESO', 'ITO')

A start or end of another frequency is put in the view's own (the same months):

>>> w = View.parse({"freq": "A", "start": "2023-Q2", "end": "2025-Q2"})
>>> w.start, w.end, w.filename("csv")
('2024', '2024', 'marsad-level-exports-TOTAL-A-2024-2024.csv')
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from urllib.parse import urlencode

from marsad.errors import PeriodError
from marsad.indicators.registry import COLUMNS
from marsad.periods import MONTHS_IN, Period
from marsad.publish.marks import WITHHELD
from marsad.reference import TOTAL
from marsad.web.store import FREQS, Filters, PublicTable, codes_of, period_order
from marsad.web.views import value_of

_SEG = COLUMNS.index("segment")
_PERIOD = COLUMNS.index("period")
_UNIT = COLUMNS.index("unit")
#: What the explorer shows when the URL says nothing.
DEFAULTS = {"indicator": "level", "flow": "exports", "segment": TOTAL, "service": "_T",
            "partner": "_T", "freq": "Q", "start": "", "end": "", "release": ""}  # fmt: skip


@dataclass(frozen=True)
class View:
    """A selection of the explorer (e.g. exports level of ESO, quarterly, 2023-Q1 on)."""

    indicator: str
    flow: str
    segments: tuple[str, ...]
    service: str
    partner: str
    freq: str
    start: str = ""
    end: str = ""
    release: str = ""

    @classmethod
    def parse(cls, params: dict[str, str | list[str]]) -> View:
        """The view a query asks for; a segment may be repeated or a comma list; spaces
        around a code are dropped (as the API does); a field left empty is its default,
        but a list with an empty code (``ITO,,CRM``) is refused as the API refuses it
        (:func:`~marsad.web.store.codes_of`)."""
        got = {k: params.get(k) or DEFAULTS[k] for k in DEFAULTS}
        raw = got.pop("segment")
        found = [c for v in (raw if isinstance(raw, list) else [raw])
                 for c in codes_of(v, "segment")]  # fmt: skip
        segments = tuple(dict.fromkeys(found)) or (TOTAL,)
        got = {k: (v[-1] if isinstance(v, list) else v).strip() for k, v in got.items()}
        kind = FREQS.get(got["freq"])
        got["start"] = _canonical(got["start"], kind, first=True)
        got["end"] = _canonical(got["end"], kind, first=False)
        return cls(segments=segments, **got)

    def filename(self, ext: str) -> str:
        """The name a download of the view is saved under (e.g.
        ``marsad-level-exports-ESO-Q-2023-Q1-2025-Q2.csv``)."""
        parts = [self.indicator, self.flow, "_".join(self.segments)]
        parts += [c for c in (self.service, self.partner) if c != "_T"]
        parts += [c for c in (self.freq, self.start, self.end, self.release) if c]
        name = "-".join(["marsad", *parts])
        return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_"
                       for ch in name) + f".{ext}"  # fmt: skip

    def query(self) -> str:
        """The canonical query string of the view (empty fields left out)."""
        pairs = {"indicator": self.indicator, "flow": self.flow,
                 "segment": ",".join(self.segments), "service": self.service,
                 "partner": self.partner, "freq": self.freq, "start": self.start,
                 "end": self.end, "release": self.release}  # fmt: skip
        return urlencode({k: v for k, v in pairs.items() if v})

    def filters(self) -> Filters:
        return Filters.parse(indicator=self.indicator, flow=self.flow,
                             segment=",".join(self.segments), service=self.service,
                             partner=self.partner, freq=self.freq,
                             start=self.start or None, end=self.end or None)  # fmt: skip

    def unknown(self, table: PublicTable) -> tuple[str, str, list[str]] | None:
        """The first code of the view that ``table`` does not have, as ``(dimension, code,
        the codes it has)``, or None: a view naming nothing is an error, not an empty view.

        >>> View.parse({"freq": "W"}).unknown(None)
        ('freq', 'W', ['A', 'S', 'Q', 'M'])
        """
        if self.freq not in FREQS:
            return "freq", self.freq, list(FREQS)
        asked = [("indicator", self.indicator), ("flow", self.flow)]
        asked += [("segment", s) for s in self.segments]
        asked += [("service", self.service), ("partner", self.partner)]
        for dim, code in asked:
            codes = table.codes(dim)
            if code not in codes:
                return dim, code, codes
        return None

    def rows(self, table: PublicTable) -> list[tuple[str, ...]]:
        """The public rows of the view, segment by segment in the view's order, each in
        period order (what the chart, the table and the downloads show)."""
        found = table.query(self.filters())
        order = {s: i for i, s in enumerate(self.segments)}
        return sorted(found, key=lambda r: (order.get(r[_SEG], 99), period_order(r[_PERIOD])))


def _canonical(period: str, kind: str | None, *, first: bool) -> str:
    """``period`` as a period of ``kind``: as a start, the first one beginning on or after
    its first month; as an end, the last one ending on or before its last month (text
    that is not a period is left for the query to refuse)."""
    if not period:
        return period
    try:
        p = Period.typed(period)
    except PeriodError:
        return period
    if kind is None or p.kind == kind:
        return str(p)  # as written: 2024-q1 typed in the address is 2024-Q1
    year, month = p.months[0] if first else p.months[-1]
    found = Period.of_month(year, month, kind)
    if first and found.first_month < month:  # starts before: the next one
        found = _shift(found, MONTHS_IN[kind])
    elif not first and found.last_month > month:  # ends after: the one before
        found = _shift(found, -MONTHS_IN[kind])
    return str(found)


def _shift(p: Period, months: int) -> Period:
    index = p.year * 12 + p.first_month - 1 + months
    return Period.of_month(index // 12, index % 12 + 1, p.kind)


def series(view: View, rows: list[tuple[str, ...]]) -> dict[str, list]:
    """The view's rows as series by segment: {segment: [(period, value or None)]}."""
    found: dict[str, list] = {s: [] for s in view.segments}
    for r in rows:
        found[r[_SEG]].append((r[_PERIOD], value_of(r)))
    return {s: points for s, points in found.items() if points}


def grid(view: View, rows: list[tuple[str, ...]]) -> tuple[list[str], dict]:
    """Periods in order and {(period, segment): row}, for a table of one column per segment."""
    cells = {(r[_PERIOD], r[_SEG]): r for r in rows}
    periods = sorted({r[_PERIOD] for r in rows}, key=period_order)
    return periods, cells


def unit_of(rows: list[tuple[str, ...]]) -> str:
    return rows[0][_UNIT] if rows else ""


def to_csv(rows: list[tuple[str, ...]]) -> bytes:
    """The rows as the frozen public CSV writes them (same header, same text)."""
    import csv

    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


def to_xlsx(rows: list[tuple[str, ...]], legend: str, stamp: dt.datetime, note: str = "") -> bytes:
    """The rows as an Excel sheet: values as numbers, a withheld one as ``[c]``
    (:data:`~marsad.publish.marks.WITHHELD`, as in the main workbook), then a legend
    line, and ``note`` under it when given (a synthetic release says so: the sheet is
    what a journalist keeps of the figures). ``stamp`` (UTC, e.g. the release's
    :meth:`~marsad.publish.columns.Publication.stamp`) is the workbook's creation time in
    ``docProps/core.xml``, so that the same rows and stamp give the same bytes.

    >>> import zipfile
    >>> day = dt.datetime(2025, 10, 15, tzinfo=dt.UTC)
    >>> book = zipfile.ZipFile(io.BytesIO(to_xlsx([], "[c]: withheld", day)))
    >>> "2025-10-15T00:00:00Z" in book.read("docProps/core.xml").decode()
    True
    """
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    # (xlsxwriter's 'created', also the 'modified', is the clock's time unless set)
    book.set_properties({"created": stamp.astimezone(dt.UTC).replace(tzinfo=None)})
    sheet = book.add_worksheet("data")
    sheet.write_row(0, 0, COLUMNS)
    value = COLUMNS.index("value")
    for i, row in enumerate(rows, start=1):
        sheet.write_row(i, 0, row)
        v = value_of(row)
        sheet.write(i, value, WITHHELD if v is None else float(v))
    sheet.write(len(rows) + 2, 0, legend)
    if note:
        sheet.write(len(rows) + 3, 0, note)
    book.close()
    return out.getvalue()
