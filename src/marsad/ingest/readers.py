"""Reading the files of a batch: each to its reader, into the staging tables.

Top-down, for the files of a batch:

1. plan each file: format, encoding, separator, header (with the column
   mapping stated or known for a reporter), what its numbers show of the
   decimal mark, its reporters (:func:`~marsad.ingest.text.prepare_text`,
   :func:`~marsad.ingest.parquet.plan_parquet`; an Excel sheet is planned
   before batching, :func:`plan_sheets`);
2. decide each file's decimal mark and date format, the files whose numbers
   tell first, so that a file that cannot tell takes its reporter's
   (:mod:`~marsad.ingest.reporters`);
3. stage: small text files of one dialect together, the others alone.

A file that cannot be read is refused (:class:`FileRefused`), the others go on.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

from marsad.engine import SqlError, Warehouse, quote_ident, quote_literal
from marsad.ingest import datetext, reporters, validate
from marsad.ingest.cleaning import counted_sql, strip_sql
from marsad.ingest.errors import FileRefused, IngestError
from marsad.ingest.excel import SheetPlan, plan_workbook, sheet_names, stage_sheet
from marsad.ingest.header import MapChoice, decimal_evidence, quoted
from marsad.ingest.options import ProgressFn, ReadOptions
from marsad.ingest.parquet import ParquetPlan, plan_parquet, stage_parquet
from marsad.ingest.parquet_group import shape, stage_parquet_group
from marsad.ingest.scan import changed, detect_format, misnamed
from marsad.ingest.schema import Kind, normalise_header
from marsad.ingest.staging import BatchFile, Staged
from marsad.ingest.text import TextPlan, one_pass, prepare_text, read_text, stage_text_group
from marsad.ingest.text.read import read_csv_call

#: Text files up to this size, of one dialect, are read with one ``read_csv``.
GROUP_BYTES = 64 * 1024 * 1024

__all__ = ["plan_sheets", "stage_batch"]

Plan = TextPlan | SheetPlan | ParquetPlan


def column_maps(options: ReadOptions, known: reporters.Known) -> list[MapChoice]:
    """The column mappings to try: the stated one, else none, then each reporter's."""
    if options.column_map:
        return [("the stated", options.column_map)]
    return [(None, {})] + [(f"reporter {r}'s", m) for r, m in known.maps()]


def plan_sheets(wh: Warehouse, kind: Kind, f: BatchFile, options: ReadOptions) -> list[BatchFile]:
    """An Excel workbook as one file per sheet to load (the first keeps ``f``);
    the sheets skipped are named in the first one's notes."""
    known = reporters.Known(wh)
    plans, skipped = plan_workbook(f.path, kind, options, column_maps(options, known))
    out = []
    for k, plan in enumerate(plans):
        g = f if k == 0 else BatchFile(-1, f.path, scan=f.scan)
        g.sheet, g.plan = plan.name, plan
        out.append(g)
    _note_misnamed(f, "excel", options)
    if len(plans) > 1 or skipped:
        read = ", ".join(repr(p.name) for p in plans)
        f.notes.append(f"sheets read: {read}" + "".join(f"; {s}" for s in skipped))
    return out


def _note_misnamed(f: BatchFile, fmt: str, options: ReadOptions) -> None:
    """Say in the file's notes that its name says another format than its content."""
    note = misnamed(f.path, fmt, options)
    if note and note not in f.notes:
        f.notes.append(note)


def resolve_sheet(path: Path, wanted: str) -> str:
    """The name of the sheet ``wanted`` (a name or a 1-based number)."""
    from marsad.ingest.excel import _pick_sheet

    return _pick_sheet(sheet_names(path), wanted)


def stage_batch(
    wh: Warehouse,
    kind: Kind,
    files: list[BatchFile],
    options: ReadOptions,
    tmp: Path,
    progress: ProgressFn | None,
    on_refused: str,
) -> None:
    """Stage every file of the batch (``f.staged``), or mark it refused
    (raise :class:`FileRefused` when ``on_refused == "raise"``)."""
    known = reporters.Known(wh)
    maps = column_maps(options, known)
    plans: dict[int, Plan] = {}
    for f in files:
        try:
            plans[f.index] = _plan(wh, kind, f, options, tmp, progress, maps)
        except IngestError as exc:
            _refuse(f, exc, on_refused)
    _decide(kind, files, plans, options, known, on_refused)

    def check(parts: list[tuple[int, Staged]], source: str) -> str:
        return validate.check_sql(kind, parts, options.date_range(), source)

    texts = _stage_others(wh, kind, files, plans, on_refused)
    _stage_parquet(wh, kind, files, plans, on_refused, check)

    for members in _text_groups(files, texts):
        try:
            _stage_text(wh, kind, members, texts, tmp, progress, on_refused, check)
        except IngestError as exc:
            for f in members:
                if f.staged is None:
                    _refuse(f, exc, on_refused)
    for f in files:
        if f.staged is not None:
            _finish(f, plans[f.index], kind)


def _stage_others(wh, kind, files, plans, on_refused: str) -> dict[int, TextPlan]:
    """Stage the Excel sheets and Parquet files; return the text files' plans."""
    texts: dict[int, TextPlan] = {}
    for f in files:
        plan = plans.get(f.index)
        if f.refused is not None or plan is None:
            continue
        if isinstance(plan, TextPlan):
            texts[f.index] = plan
            continue
        if isinstance(plan, ParquetPlan) and shape(kind, plan) is not None:
            continue  # read with the files of its shape (_stage_parquet)
        try:
            f.staged = _stage_other(wh, kind, plan, f.index)
        except IngestError as exc:
            _refuse(f, exc, on_refused)
    return texts


def _stage_parquet(wh, kind, files, plans, on_refused: str, check) -> None:
    """Read and check the Parquet files, those of one :func:`shape` together
    (:mod:`marsad.ingest.parquet_group`)."""
    groups: dict[tuple, list[tuple[int, ParquetPlan]]] = {}
    by_index = {f.index: f for f in files}
    for f in files:
        plan = plans.get(f.index)
        if f.refused is None and f.staged is None and isinstance(plan, ParquetPlan):
            groups.setdefault(shape(kind, plan), []).append((f.index, plan))
    for members in groups.values():
        for i, result in stage_parquet_group(wh, kind, members, check).items():
            if isinstance(result, IngestError):
                _refuse(by_index[i], result, on_refused)
            else:
                by_index[i].staged = result


def _refuse(f: BatchFile, exc: IngestError, on_refused: str) -> None:
    """Refuse the file whole: raise, or mark it (the other files go on). A file that
    changed or went away since it was hashed is refused for that (DuckDB's "No files
    found" for a file removed as it was opened: a reviewer's race)."""
    why = changed(f.scan) if f.scan is not None else None
    refused = FileRefused(f.path, why or str(exc))
    if on_refused == "raise":
        raise refused from None
    f.refused = refused


def _plan(wh, kind, f: BatchFile, options, tmp, progress, maps) -> Plan:
    """What is known of a file before its decimal mark is decided."""
    assert f.scan is not None
    if isinstance(f.plan, SheetPlan):
        return f.plan
    fmt = detect_format(f.path, f.scan, options)
    _note_misnamed(f, fmt, options)
    if fmt == "csv":
        plan = prepare_text(kind, f.path, f.scan, options, tmp, progress, maps)
        _whole_file_evidence(wh, kind, plan)
        return plan
    if fmt == "parquet":
        return plan_parquet(wh, kind, f.path, options, maps)
    raise AssertionError("an Excel workbook is planned sheet by sheet before batching")


def _whole_file_evidence(wh: Warehouse, kind: Kind, plan: TextPlan) -> None:
    """When the numbers of a text file's first rows show no decimal mark (whole
    numbers), what the numbers of all its rows show: a file of ``1500`` for 2,000 rows,
    then ``1.500`` and ``2.750,50``, was read with a point ("no number in the file
    needs one"), its ``1.500`` as 1.5."""
    name = next((x.name for x in kind.fields if x.type == "decimal"), None)
    idx = plan.header.mapping.get(name) if name else None
    if idx is None or plan.evidence.mark is not None or plan.evidence.ambiguous is not None:
        return
    read = read_csv_call([plan.read_path], plan, rejects=False)
    # (a file of whole numbers is read to its end; one that shows a mark, not much further)
    sql = f"SELECT c{idx} FROM {read} WHERE regexp_matches(c{idx}, '[.,]') LIMIT 5000"
    try:
        values = [r[0] for r in wh.sql(sql)]
    except SqlError:  # the file is read again when it is staged, which says why
        return
    if values:
        plan.evidence = decimal_evidence(values)


def _decide(kind, files, plans, options, known: reporters.Known, on_refused: str) -> None:
    """Each file's decimal mark and date format: the files whose numbers tell
    first (they teach their reporters'), then the others."""
    numbers = any(x.type == "decimal" for x in kind.fields)
    live = [f for f in files if f.index in plans and f.refused is None]
    live.sort(key=lambda f: plans[f.index].evidence.mark is None)
    for f in live:
        plan = plans[f.index]
        try:
            if not options.column_map:
                _kept_map_clash(known, plan)
            if _canonical(plan) and options.decimal is None and not options.date_format:
                decimal, source = ".", CANONICAL
                date_format = _export_date_format(known, plan)
            else:
                decimal, source = (
                    reporters.decide_decimal(known, plan.reporters, plan.evidence, options.decimal)
                    if numbers
                    else (None, None)  # nothing to read with a decimal mark
                )
                date_format = _date_format(known, plan, options)
        except IngestError as exc:
            _refuse(f, exc, on_refused)
            continue
        plan.detected = dataclasses.replace(
            plan.detected, decimal=decimal, decimal_from=source, date_format=date_format
        )
        _learn(known, f, plan, options, source)


def _kept_map_clash(known: reporters.Known, plan: Plan) -> None:
    """Refuse a file read without a column mapping whose reporter keeps one (from an
    earlier ``--map``) that reads one of its columns as a field it also has under its
    own name (``Montant`` -> amount, in a file with ``Montant`` and ``amount``): the
    mapping was passed over in silence and the file's ``amount`` loaded, where the same
    file with ``--map Montant=amount`` is refused as a field read twice.

    Raises :class:`IngestError`: ``the column amount appears 2 times in the header:
    'Montant', 'amount' (reporter BK05's column mapping, kept from an earlier --map,
    reads 'Montant' as amount): …``."""
    cells, renamed = _columns_read(plan)
    if renamed:
        return  # read with a mapping (the reporter's own, or none of these clashes)
    for reporter in sorted(plan.reporters):
        kept = known.values.get((reporter, "map"))
        if kept is None:
            continue
        for name, fld in sorted(json.loads(kept[0]).items()):
            if name != fld and name in cells and fld in cells:
                both = quoted([_written_name(plan, name), _written_name(plan, fld)])
                where = "" if isinstance(plan, ParquetPlan) else " in the header"
                raise IngestError(
                    f"the column {fld} appears 2 times{where}: {both} (reporter "
                    f"{reporter}'s column mapping, kept from an earlier --map, reads "
                    f"{_written_name(plan, name)!r} as {fld}): load the file with --map "
                    f"{fld}={fld} to read its own column {fld}, or remove one of the two"
                )


def _written_name(plan: Plan, name: str) -> str:
    """The file's column matched as ``name``, as the file writes it."""
    header = getattr(plan, "header", None)
    written = header.written if header is not None else list(getattr(plan, "types", {}))
    return next((w for w in written if normalise_header(w) == name), name)


#: Where the decimal mark of a quarantine export comes from: marsad wrote it.
CANONICAL = "canonical: a marsad quarantine export"


def _canonical(plan: Plan) -> bool:
    """Whether the file is a quarantine export (``marsad quarantine export``, corrected
    or not): marsad wrote its numbers with a decimal point and its dates YYYY-MM-DD,
    whatever its reporters write in their own files."""
    cells = getattr(getattr(plan, "header", None), "cells", None) or ()
    return any(str(c).strip().lower() == "quarantine_load" for c in cells)


def _export_date_format(known: reporters.Known, plan: Plan) -> str | None:
    """The date format a quarantine export is read with: its reporters' (a date it
    could not read is exported as the bank wrote it, ``31/02/2025``, and corrected in
    that form, ``28/02/2025``, which YYYY-MM-DD alone quarantined again), where the
    export's own YYYY-MM-DD dates still read as they are (:func:`with_date_format`);
    None without one, or for a format that would read them otherwise (``%Y-%d-%m``)."""
    have = known.get(plan.reporters, "date_format")
    if have is None or not reporters.reads_back(have[0]):
        return None
    fmt = have[0]
    if fmt.startswith(("%Y-", "%G-")) and not fmt.startswith("%Y-%m-%d"):
        return None
    return fmt


def _date_format(known: reporters.Known, plan: Plan, options: ReadOptions) -> str | None:
    if options.date_format:
        return reporters.check_date_format(options.date_format)
    have = known.get(plan.reporters, "date_format")
    if have and not reporters.reads_back(have[0]):
        # (kept before the check existed, or written by hand: DuckDB refused the whole
        # load over it, in a message it cut inside the character of ``%é``)
        fmt, reporter, _source = have
        raise IngestError(
            f"reporter {reporter}'s date format {fmt!r} does not give a whole date: state "
            f"another (marsad reporters set {reporter} --date-format %d/%m/%Y) or forget it "
            f"(marsad reporters set {reporter} --clear date_format)"
        )
    return have[0] if have else None


def _learn(known, f: BatchFile, plan: Plan, options: ReadOptions, source: str) -> None:
    """What the file teaches about its reporters (kept when the load is written)."""
    if source in ("detected", "stated"):
        how = "learnt from" if source == "detected" else "stated for"
        known.learn(f, plan.reporters, "decimal", plan.detected.decimal, how)
    if options.date_format:
        known.learn(f, plan.reporters, "date_format", options.date_format, "stated for")
    if renames := _stated_renames(f, plan, options):
        value = json.dumps(renames, ensure_ascii=False, sort_keys=True)
        known.learn(f, plan.reporters, "map", value, "stated for")


def _stated_renames(f: BatchFile, plan: Plan, options: ReadOptions) -> dict[str, str]:
    """The pairs of the stated column mapping (``--map``) that renamed a column of the
    file (``{"montant": "amount"}``), the mapping to keep for its reporters. A pair
    that renames nothing (``reporter=reporter``) is left out; so is one naming a
    column the file does not have (``--map montant=amount`` on a file without
    ``montant``, a typo or another bank's name), which the file's notes say."""
    stated = {k: v for k, v in (options.column_map or {}).items() if k != v}
    renamed = _columns_read(plan)[1]
    missing = [(k, v) for k, v in stated.items() if renamed.get(k) != v]
    if missing:
        pairs = ", ".join(f"{k}={v}" for k, v in missing)
        word = "no column" if len(missing) == 1 else "none of the columns"
        f.notes.append(
            f"--map {pairs}: the file has {word} {', '.join(repr(k) for k, _ in missing)}, "
            "so nothing was read with it, and it is not kept for the file's reporter"
        )
    return {k: v for k, v in stated.items() if renamed.get(k) == v}


def _stage_other(wh: Warehouse, kind: Kind, plan: Plan, tag: int) -> Staged:
    if isinstance(plan, SheetPlan):
        return stage_sheet(wh, kind, plan, tag)
    return stage_parquet(wh, kind, plan, tag)


def _finish(f: BatchFile, plan: Plan, kind: Kind) -> None:
    """The file's notes; its dates read with its date format."""
    st = f.staged
    st.notes[:0] = f.notes
    st.cells, st.renamed = _columns_read(plan)
    fmt = plan.detected.date_format
    if fmt and st.source:
        dates = tuple(x.name for x in kind.fields if x.type == "date")
        st.source = with_date_format(st.source, dates, fmt)


def _columns_read(plan: Plan) -> tuple[list[str], dict[str, str]]:
    """(the file's column names as matched, those a column mapping renamed -> field)."""
    from marsad.ingest.identity import header_columns

    if isinstance(plan, ParquetPlan):
        cells = [normalise_header(n) for n in plan.types]
        renamed = {normalise_header(n): fld for fld, names in plan.by_norm.items()
                   for n in names if normalise_header(n) != fld}  # fmt: skip
        return cells, renamed
    return header_columns(getattr(plan, "header", None))


def with_date_format(source: str, dates: tuple[str, ...], fmt: str) -> str:
    """SELECT ``source`` with its date columns (the fields ``dates``, e.g.
    ``("value_date",)``) rewritten YYYY-MM-DD where they read with ``fmt`` to a year
    of four digits (DuckDB reads ``07/03/24`` with ``%d/%m/%Y`` as the year 24); the
    others are left as written, and checked (and quoted back) as such. A format
    without a time reads the date of a date and time of day (``02/01/2023 10:00`` is
    ``2023-01-02 10:00``, the time for the checks to note, :mod:`marsad.ingest.datetext`).

    Each date column's cell as the file wrote it is kept after the others, in
    :func:`~marsad.ingest.validate.written_column` (``_w_value_date``): the quarantine
    quotes it (``1/1/1999``), not the date written back with ``fmt`` (``01/01/1999``).

    >>> with_date_format("SELECT * FROM t", ("value_date",), "%d/%m/%Y")[:40]
    'SELECT * REPLACE (coalesce(strftime(CASE'
    """
    parts, as_written = [], []
    for name in dates:
        c = quote_ident(name)
        as_written.append(f"{c} AS {quote_ident(validate.written_column(name))}")
        # (read as the checks read an ISO date: invisible characters and spaces left out)
        text = day = strip_sql(c)
        form = fmt
        if not datetext.has_time(fmt):
            # a format without a time reads the date before a time of day (02/01/2023
            # 10:00), which is kept after the date YYYY-MM-DD for the checks to note
            day = datetext.untimed_sql(text)
            time = f"substr({text}, length({day}) + 1)"
        else:
            if datetext.zone_last(fmt):  # the date written, not the UTC one
                day, form = datetext.wall_clock(text, fmt)
            # the time read is kept, for the checks to note as they do a CSV timestamp's
            time = f"strftime(try_strptime({day}, {quote_literal(form)}), ' %H:%M:%S')"
        read = f"try_strptime({day}, {quote_literal(form)})"
        ok = f"year({read}) BETWEEN 1000 AND 9999"
        if re.search(r"%[dmYy]%[dmYy]", fmt):
            # directives side by side (%Y%m%d): DuckDB reads 2024037 as 2024-03-07; only a
            # date written back the same (zero-padded, all its digits) is read
            ok += f" AND strftime({read}, {quote_literal(form)}) = {day}"
        iso = f"strftime(CASE WHEN {ok} THEN {read} END, '%Y-%m-%d') || {time}"
        # a date read once cleaned keeps one zero-width space, which the checks remove
        # and count among the values cleaned, as they do for a date written YYYY-MM-DD
        kept = f"CASE WHEN {counted_sql(c)} THEN chr(8203) ELSE '' END"
        parts.append(f"coalesce({iso} || {kept}, {c}) AS {c}")
    return f"SELECT * REPLACE ({', '.join(parts)}), {', '.join(as_written)} FROM ({source})"


def _text_groups(files: list[BatchFile], plans: dict[int, TextPlan]) -> list[list[BatchFile]]:
    """The text files, grouped by dialect when small and not transcoded."""
    groups: dict[tuple, list[BatchFile]] = {}
    for f in files:
        plan = plans.get(f.index)
        if plan is None or f.refused is not None:
            continue
        small = plan.read_path == f.path and plan.size <= GROUP_BYTES
        key = plan.dialect if small else ("alone", f.index)
        groups.setdefault(key, []).append(f)
    return list(groups.values())


def _stage_text(wh, kind, members, plans, tmp, progress, on_refused, check) -> None:
    """Stage one group of text files (one file: on its own, unless it can be read
    and checked in one pass, see :mod:`marsad.ingest.text.group`)."""
    if len(members) == 1 and not one_pass([plans[members[0].index]]):
        (f,) = members
        f.staged = read_text(wh, kind, plans[f.index], tmp, progress, f.index)
        return
    staged = stage_text_group(
        wh, kind, [(f.index, plans[f.index]) for f in members], tmp, progress,
        tag=members[0].index, check=check,
    )  # fmt: skip
    for f in members:
        result = staged[f.index]
        if isinstance(result, IngestError):
            _refuse(f, result, on_refused)
        else:
            f.staged = result
