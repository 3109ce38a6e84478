"""The load ledger: one row per loaded file (``ingest_loads``), its control
totals (``ingest_totals``), and the :class:`LoadReport` of each file.

A file's content (SHA-256) is loaded once: a file already in the ledger, or
earlier in the same call, is reported ``already loaded`` from its ledger row.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from marsad.engine import Warehouse
from marsad.ingest.errors import FileRefused, IngestError
from marsad.ingest.identity import earlier_load, read_with
from marsad.ingest.keys import CHK, IS_QUARANTINED, IS_UNCHANGED, LoadIds
from marsad.ingest.options import Detected, ReadOptions
from marsad.ingest.scan import FileScan
from marsad.ingest.schema import Kind, get_kind
from marsad.ingest.staging import BatchFile

#: group -> (rows read, sum of amounts read, rows loaded, sum of amounts loaded)
Totals = dict[str, tuple[int, Decimal | None, int, Decimal | None]]


@dataclass
class LoadReport:
    """What happened to one file. ``loaded + unchanged + quarantined == rows_read``.

    ``unchanged`` counts the rows that repeat a record already loaded with the
    same content (earlier in the file, or by an earlier load): neither loaded
    again nor quarantined; ``duplicates`` the quarantined rows that repeat a
    record of their file with other content; ``corrections`` the
    loaded rows that replaced an earlier version of their record; ``cleaned``
    the values (ids, codes) that held invisible characters, removed. ``totals``
    maps each currency (firms: segment) to (rows read, sum of amounts read,
    rows loaded, sum of amounts loaded), sums exact. ``read_as`` is what the
    file was read with (format, encoding, separator, …).
    """

    file: Path
    kind: str
    sha256: str
    size_bytes: int
    status: str  # "loaded" | "already loaded" | "refused"
    load_id: str
    rows_read: int = 0
    loaded: int = 0
    quarantined: int = 0
    duplicates: int = 0
    unchanged: int = 0
    corrections: int = 0
    blank_rows: int = 0
    cleaned: int = 0
    read_as: Detected = field(default_factory=lambda: Detected("", decimal=None))
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rules: dict[str, int] = field(default_factory=dict)
    totals: Totals = field(default_factory=dict)
    previous_file: str | None = None
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0

    def detected(self) -> str:
        """What was used to read the file, in plain words."""
        return self.read_as.describe()

    # what the file was read with, as before (the report's own fields)
    format = property(lambda self: self.read_as.format)
    encoding = property(lambda self: self.read_as.encoding)
    separator = property(lambda self: self.read_as.separator)
    decimal = property(lambda self: self.read_as.decimal)
    sheet = property(lambda self: self.read_as.sheet)
    header_line = property(lambda self: self.read_as.header_line)


#: The columns of a ledger row as :func:`already_loaded` reads them.
LEDGER_ROW = (
    "load_id, kind, file_name, rows_read, loaded, quarantined, duplicates, corrections,"
    " blank_rows, unchanged, format, encoding, separator, decimal_sep, sheet, header_line"
)


def previous_load(
    wh: Warehouse, sha256: str, sheet: str | None = None, options: ReadOptions | None = None
) -> tuple | None:
    """The ledger row of the content ``sha256`` (and Excel ``sheet``) read as
    ``options`` read it, if it was loaded (:mod:`marsad.ingest.identity`)."""
    return earlier_load(wh, sha256, sheet, options or ReadOptions())


def already_loaded(wh: Warehouse, path: Path, scan: FileScan, row: tuple) -> LoadReport:
    """Report of a file whose content the ledger holds (``row``): nothing changes."""
    load_id, kind, file_name, read, loaded, quarantined, duplicates, corrections, blank = row[:9]
    report = LoadReport(
        file=path, kind=kind, sha256=scan.sha256, size_bytes=scan.size,
        status="already loaded", load_id=load_id, rows_read=read, loaded=loaded,
        quarantined=quarantined, duplicates=duplicates, unchanged=int(row[9] or 0),
        corrections=corrections, blank_rows=blank, read_as=Detected.from_ledger(*row[10:]),
        previous_file=file_name,
    )  # fmt: skip
    report.totals = totals(wh, [load_id]).get(load_id, {})
    report.notes.append(f"same content as {file_name} (load {load_id}): nothing was changed")
    if wh.scalar("SELECT withdrawn_at FROM ingest_loads WHERE load_id = ?", [load_id]):
        report.notes.append(
            f"load {load_id} was withdrawn: its records stay out (load a corrected file "
            "instead, or state the reading option that was wrong: --decimal, --sep, "
            "--encoding, --date-format, --map)"
        )
    return report


def copy_report(first: LoadReport, path: Path) -> LoadReport:
    """Report of a file whose content is the same as an earlier one of the call."""
    r = LoadReport(
        file=path, kind=first.kind, sha256=first.sha256, size_bytes=first.size_bytes,
        status="already loaded", load_id=first.load_id, rows_read=first.rows_read,
        loaded=first.loaded, quarantined=first.quarantined, duplicates=first.duplicates,
        unchanged=first.unchanged, corrections=first.corrections, blank_rows=first.blank_rows,
        read_as=first.read_as,
        totals=dict(first.totals), previous_file=first.file.name,
    )  # fmt: skip
    r.notes.append(f"same content as {first.file.name} (load {first.load_id}): nothing was changed")
    return r


def refused_report(f: BatchFile, kind: str) -> LoadReport:
    """Report of a file refused whole (``on_refused="report"``)."""
    return LoadReport(
        file=f.path,
        kind=kind,
        sha256=f.scan.sha256 if f.scan else "",
        size_bytes=f.scan.size if f.scan else 0,
        status="refused",
        load_id="",
        notes=[f.refused.reason],
    )


def assign_load_ids(wh: Warehouse, files: list[BatchFile], options: ReadOptions) -> LoadIds:
    """Number the batch's loads after the last one (``L00001``, …); refuse the
    batch if another process loaded one of its contents (read as ``options`` read
    it) since we looked."""
    for f in files:
        try:
            prev = earlier_load(wh, f.scan.sha256, f.sheet, options)
        except IngestError as exc:  # a reading in force, loaded by another process
            raise FileRefused(f.path, str(exc)) from None
        if prev is not None:  # loaded by another process since we looked
            raise FileRefused(f.path, f"its content was loaded meanwhile (load {prev[0]})")
    n = int(
        wh.scalar(
            "SELECT coalesce(max(TRY_CAST(substr(load_id, 2) AS BIGINT)), 0) FROM ingest_loads"
        )
    )
    for k, f in enumerate(files):
        f.load_id = f"L{n + 1 + k:05d}"
    return LoadIds({f.index: f.load_id for f in files}, {f.index: f.path.name for f in files})


def _counts(wh: Warehouse) -> tuple[dict[int, tuple], dict[int, dict[str, int]]]:
    """Per file of ``_ing_chk``: (rows, loaded, duplicates, unchanged, cleaned), and
    rule -> rows."""
    counts = {
        r[0]: r[1:]
        for r in wh.sql(
            f"""SELECT _file, count(*), count(*) FILTER (WHERE _fail IS NULL),
                       count(*) FILTER (WHERE _fail LIKE 'duplicate%'),
                       count(*) FILTER (WHERE {IS_UNCHANGED}),
                       coalesce(sum(_cleaned), 0)
                FROM {CHK} GROUP BY _file"""
        )
    }
    rules: dict[int, dict[str, int]] = {}
    for i, rule, n_rule in wh.sql(
        f"""SELECT _file, split_part(_fail, '|', 1), count(*) FROM {CHK}
            WHERE {IS_QUARANTINED} GROUP BY ALL ORDER BY 1, 2"""
    ):
        rules.setdefault(i, {})[rule] = int(n_rule)
    return counts, rules


_TOTALS_COLUMNS = (
    "load_id, grp, flow, rows_read, amount_read, rows_loaded, amount_loaded, rows_no_amount,"
    " rows_unchanged, amount_unchanged"
)
_LOADS_COLUMNS = (
    "load_id, kind, file_name, file_path, sha256, size_bytes, loaded_at, format, encoding,"
    " separator, decimal_sep, sheet, header_line, rows_read, loaded, quarantined, duplicates,"
    " corrections, blank_rows, seconds, cleaned, waived, unchanged, read_with"
)


def _write_totals(wh: Warehouse, kind: Kind, files: list[BatchFile], ids: LoadIds) -> None:
    """Control totals per file, group (currency) and flow: rows and amounts read
    (every row whose amount is a number that can be stored exactly), loaded,
    unchanged, and the rows whose amount is not summed (empty, not a number, more
    decimals than stored or too large: each quarantined with its reason)."""
    from marsad.ingest.validate import totals_sql

    has_amount = kind.name == "transactions"
    grp, flow, amt = totals_sql(kind)
    no_amount = "count(*) FILTER (WHERE _amt IS NULL)" if has_amount else "NULL"
    wh.sql(
        f"""INSERT INTO ingest_totals ({_TOTALS_COLUMNS})
            SELECT {ids.load_of()}, _grp, _flow, count(*), sum(_amt),
                   count(*) FILTER (WHERE _fail IS NULL), sum(_amt) FILTER (WHERE _fail IS NULL),
                   {no_amount}, count(*) FILTER (WHERE {IS_UNCHANGED}),
                   sum(_amt) FILTER (WHERE {IS_UNCHANGED})
            FROM (SELECT _file, _fail, {grp} AS _grp, {flow} AS _flow, {amt} AS _amt FROM {CHK})
            GROUP BY _file, _grp, _flow"""
    )
    for f in files:
        if f.staged.rejects:
            n = len(f.staged.rejects)
            wh.sql(
                f"INSERT INTO ingest_totals ({_TOTALS_COLUMNS}) "
                "VALUES (?, '(unreadable)', NULL, ?, NULL, 0, NULL, ?, 0, NULL)",
                [f.load_id, n, n if has_amount else None],
            )


def write_ledger(
    wh: Warehouse,
    kind: str,
    files: list[BatchFile],
    ids: LoadIds,
    corrections: dict[int, int],
    t0: float,
) -> None:
    """Control totals and one ledger row per file; each file's report."""
    _write_totals(wh, get_kind(kind), files, ids)
    counts, rules = _counts(wh)
    total_rows = sum(int(c[0]) for c in counts.values()) or 1
    for f in files:
        st = f.staged
        n_chk, loaded, duplicates, unchanged, cleaned = (
            int(x) for x in counts.get(f.index, (0, 0, 0, 0, 0))
        )
        rows_read = n_chk + len(st.rejects)
        file_rules = dict(rules.get(f.index, {}))
        for r in st.rejects:
            file_rules[r.rule] = file_rules.get(r.rule, 0) + 1
        n_corr = int(corrections.get(f.index, 0))
        seconds = (time.perf_counter() - t0) * max(n_chk, 1) / total_rows
        wh.sql(
            f"""INSERT INTO ingest_loads ({_LOADS_COLUMNS}) VALUES
               (?, ?, ?, ?, ?, ?, now()::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0,
                ?, ?)""",
            [
                f.load_id, kind, f.path.name, str(f.path.resolve()), f.scan.sha256,
                f.scan.size, *st.detected.ledger_values(), rows_read, loaded,
                rows_read - loaded - unchanged, duplicates, n_corr, st.blank_rows, seconds,
                cleaned, unchanged, read_with(st.detected, st.cells, st.renamed),
            ],
        )  # fmt: skip
        f.report = LoadReport(
            file=f.path, kind=kind, sha256=f.scan.sha256, size_bytes=f.scan.size,
            status="loaded", load_id=f.load_id, rows_read=rows_read, loaded=loaded,
            quarantined=rows_read - loaded - unchanged, duplicates=duplicates, unchanged=unchanged,
            corrections=n_corr, blank_rows=st.blank_rows, cleaned=cleaned, read_as=st.detected,
            ignored_columns=st.ignored_columns, notes=list(st.notes) + _cleaned_note(cleaned),
            rules=file_rules,
        )  # fmt: skip
    by_load = totals(wh, [f.load_id for f in files])
    for f in files:
        f.report.totals = by_load.get(f.load_id, {})


def _cleaned_note(cleaned: int) -> list[str]:
    """The report's note on the ids and codes cleaned of invisible characters
    (zero-width spaces, direction marks, no-break spaces at an end).

    >>> _cleaned_note(2)
    ['2 values cleaned of invisible characters (e.g. a zero-width space)']
    """
    if not cleaned:
        return []
    values = "value" if cleaned == 1 else "values"
    return [f"{cleaned:,} {values} cleaned of invisible characters (e.g. a zero-width space)"]


def totals(wh: Warehouse, load_ids: list[str]) -> dict[str, Totals]:
    """Control totals of each load: group -> (rows read, amount read, rows loaded,
    amount loaded)."""
    out: dict[str, Totals] = {i: {} for i in load_ids}
    rows = wh.sql(
        """SELECT load_id, grp, sum(rows_read), sum(amount_read), sum(rows_loaded),
                  sum(amount_loaded)
           FROM ingest_totals WHERE list_contains(?, load_id)
           GROUP BY load_id, grp ORDER BY load_id, grp""",
        [load_ids],
    )
    for load_id, grp, n_read, a_read, n_loaded, a_loaded in rows:
        out[load_id][grp] = (int(n_read), a_read, int(n_loaded), a_loaded)
    return out


def write_notes(wh: Warehouse, files: list[BatchFile]) -> None:
    """Keep each loaded file's report notes with its load (``ingest_notes``, in order),
    so that ``marsad loads`` shows them after the terminal is closed."""
    rows = [
        (f.load_id, seq, note)
        for f in files
        if f.report is not None and f.report.status == "loaded"
        for seq, note in enumerate(f.report.notes, start=1)
    ]
    for row in rows:
        wh.sql("INSERT INTO ingest_notes (load_id, seq, note) VALUES (?, ?, ?)", list(row))
