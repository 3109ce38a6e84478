"""Staging text files with DuckDB's ``read_csv``: every column as text, the
lines that cannot be split kept aside as rejects (``store_rejects``)."""

from __future__ import annotations

from pathlib import Path

from marsad.engine import SqlError, Warehouse, quote_ident, quote_literal, quote_path, watch_query
from marsad.ingest.cleaning import blank_sql
from marsad.ingest.errors import IngestError, first_line
from marsad.ingest.header import Header
from marsad.ingest.options import ProgressEvent, ProgressFn
from marsad.ingest.schema import Kind
from marsad.ingest.staging import REJ_ERRORS, REJ_SCANS, Reject, Staged, raw_table
from marsad.ingest.text import lines
from marsad.ingest.text.aside import physical_lines, without_lines
from marsad.ingest.text.dialect import TextPlan
from marsad.ingest.text.encoding import (
    STRAY_CR,
    ascii_twin,
    normalise_line_ends,
    stray_cr_notes,
)


def read_csv_sql(paths: list[Path], plan: TextPlan, raw: str, file_index: bool) -> str:
    """CREATE the staging table ``raw`` from the text files ``paths`` of one dialect;
    with ``file_index``, each row's file as ``_fi``, its index in ``paths`` (an integer,
    not the file's name: a name on every row was a fifth of the staged bytes)."""
    extra = ", file_index AS _fi" if file_index else ""
    read = read_csv_call(paths, plan)
    return f"CREATE OR REPLACE TEMP TABLE {raw} AS SELECT *{extra} FROM {read}"


def read_csv_call(paths: list[Path], plan: TextPlan, rejects: bool = True) -> str:
    """DuckDB's ``read_csv`` of the text files ``paths`` of one dialect: every column
    as text (``c0``, ``c1``, …), the lines it cannot split kept aside as rejects
    (skipped without a word if not ``rejects``)."""
    ncols = len(plan.header.cells)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(ncols)) + "}"
    files = "[" + ", ".join(quote_path(p) for p in paths) + "]"
    d = plan.detected
    store = (
        f"\n        store_rejects = true, rejects_table = '{REJ_ERRORS}',"
        f" rejects_scan = '{REJ_SCANS}',"
        if rejects
        else ""
    )
    return f"""read_csv({files},
        header = true, skip = {plan.header.line - 1}, auto_detect = false,
        columns = {columns}, delim = {quote_literal(d.separator)}, quote = '"', escape = '"',
        strict_mode = true, null_padding = false, ignore_errors = true,{store}
        parallel = {str(plan.parallel).lower()})"""


def fields_sql(kind: Kind, header: Header, stray_cr: bool = False, plain: bool = False) -> str:
    """The staged columns ``c0…`` as the kind's fields, and ``_blank`` (every cell
    holds nothing, :func:`~marsad.ingest.cleaning.holds_nothing`, as a row of an Excel
    sheet or a Parquet file); with
    ``stray_cr``, each :data:`~marsad.ingest.text.encoding.STRAY_CR` put back as the
    CR it stands for. A ``plain`` file (no space, tab or character beyond ASCII)
    has no cell of only spaces: ``_blank`` is then every cell empty."""
    cols = []
    for f in kind.fields:
        idx = header.mapping.get(f.name)
        col = "NULL::VARCHAR" if idx is None else f"c{idx}"
        if stray_cr and idx is not None:
            col = f"replace({col}, {quote_literal(STRAY_CR)}, chr(13))"
        cols.append(f"{col} AS {quote_ident(f.name)}")
    empty = [
        f"c{i} IS NULL" if plain else blank_sql(f"c{i}", first=f"c{i}")
        for i in range(len(header.cells))
    ]
    blank = "(" + " AND ".join(empty) + ")"
    return f"{', '.join(cols)}, {blank} AS _blank"


def ignored(header: Header) -> list[str]:
    """Columns of the file that are not fields of the kind, as the file names them."""
    return [header.shown(i) for i in range(len(header.cells)) if i not in header.mapping.values()]


def drop_rejects(wh: Warehouse) -> None:
    wh.sql(f"DROP TABLE IF EXISTS {REJ_ERRORS}")
    wh.sql(f"DROP TABLE IF EXISTS {REJ_SCANS}")


def staged_text(
    plan: TextPlan,
    source: str,
    rejects: list[Reject],
    rows_staged: int | None,
    full_source: bool = False,
    checked: str = "",
) -> Staged:
    """The :class:`Staged` of a text file read as ``plan`` says; the empty lines after
    its last record counted with its blank rows (DuckDB skips them without a word)."""
    return Staged(
        source=source,
        rejects=rejects,
        unit="line",
        detected=plan.detected,
        ignored_columns=ignored(plan.header),
        notes=plan.notes,
        estimated_rows=plan.rows_est,
        rows_staged=rows_staged,
        full_source=full_source,
        checked=checked,
        plain=plan.plain,
        controls=plan.controls,
        blank_lines=plan.trailing_empty,
    )


#: DuckDB's error when it cannot store the text of a rejected line: it keeps 10,000
#: bytes of it, and cut inside a character they are not UTF-8 (duckdb issue 18980)
_CUT_INSIDE_A_CHARACTER = "Invalid unicode (byte sequence mismatch) detected in segment"


def _read_with_twin(wh: Warehouse, plan: TextPlan, p: Path, tmpdir: Path, raw: str) -> None:
    """Stage ``p`` whose rejected lines DuckDB cannot store (their text cut inside a
    character): the rejects from its ASCII twin, the rows from the file itself, read
    without rejects. DuckDB does not always skip the same lines when it keeps no
    rejects (a quote never closed, then another quote, lost the rows after it): the
    two reads must give rows of the same sizes, else the file is refused, naming the
    line where the quote opens."""
    twin = tmpdir / (p.name + ".ascii")
    ascii_twin(p, twin)
    drop_rejects(wh)
    wh.sql(read_csv_sql([twin], plan, f"{raw}_twin", file_index=False))
    twin.unlink()
    read_call = read_csv_call([p], plan, rejects=False)
    wh.sql(f"CREATE OR REPLACE TEMP TABLE {raw} AS SELECT * FROM {read_call}")
    ncols = len(plan.header.cells)
    sizes = " OR ".join(f"strlen(a.c{i}) IS DISTINCT FROM strlen(b.c{i})" for i in range(ncols))
    same = wh.scalar(
        f"""SELECT (SELECT count(*) FROM {raw}) = (SELECT count(*) FROM {raw}_twin)
                   AND NOT EXISTS (SELECT 1 FROM {raw} a POSITIONAL JOIN {raw}_twin b
                                   WHERE {sizes})"""
    )
    wh.sql(f"DROP TABLE {raw}_twin")
    if not same:
        at = wh.scalar(
            f"SELECT min(line_byte_position) FROM {REJ_ERRORS} "
            f"WHERE strlen(csv_line) >= {lines.CUT}"
        )
        line = lines.line_at(p, int(at or 0))
        raise IngestError(
            f"line {line} opens a quoted value that is not closed properly, with more than "
            "10,000 bytes of text after it, where DuckDB cannot tell the lines apart: "
            "close that quote (or remove it) and load the file again"
        )
    plan.rejects_from_twin = True


def _read_with_fallback(wh: Warehouse, plan: TextPlan, tmpdir: Path, raw: str) -> None:
    """Stage ``plan.read_path``; when DuckDB cannot split its lines (mixed line ends,
    CRLF and LF, or a CR inside a line), a copy with LF line ends and each other CR
    kept as :data:`~marsad.ingest.text.encoding.STRAY_CR`. When DuckDB cannot store a
    rejected line's text, the rejects are found in an ASCII twin of the file and the
    rows read from the file itself (:func:`~marsad.ingest.text.encoding.ascii_twin`)."""

    def read(p: Path) -> None:
        drop_rejects(wh)
        try:
            wh.sql(read_csv_sql([p], plan, raw, file_index=False))
        except SqlError as exc:
            if _CUT_INSIDE_A_CHARACTER not in str(exc):
                raise
            _read_with_twin(wh, plan, p, tmpdir, raw)

    try:
        read(plan.read_path)
    except SqlError as exc:
        msg = str(exc)
        if "state machine" not in msg and "new line" not in msg.lower():
            raise IngestError(f"the file cannot be read as CSV: {first_line(msg)}") from None
        fixed = tmpdir / (plan.path.name + ".lf")
        ends = normalise_line_ends(plan.read_path, fixed, plan.detected.separator, plan.header.line)
        # (the same quotes and LF line ends: the plan's counts stay the file's)
        plan.read_path, plan.stray_cr = fixed, plan.stray_cr + ends.kept
        try:
            read(plan.read_path)
        except SqlError as exc2:
            raise IngestError(f"the file cannot be read as CSV: {first_line(str(exc2))}") from None
        plan.notes += stray_cr_notes(ends)


#: readings of a file at most, each without the records the one before rejected over
#: several lines (one more is needed only when DuckDB lost a line a thread began in)
_ROUNDS = 4


def _read_setting_aside(
    wh: Warehouse, plan: TextPlan, tmpdir: Path, raw: str, on_progress
) -> lines.Rejected:
    """Stage ``plan.read_path`` and find the lines DuckDB rejected. The records it
    rejected over several lines are set aside (:mod:`~marsad.ingest.text.aside`) and
    the file read again without them, until none is left: each line of the file is
    then read once, by DuckDB or by marsad."""
    held = lines.NOTHING_REJECTED
    for n in range(_ROUNDS):
        plan.rejects_from_twin = False
        with watch_query(wh, on_progress):
            _read_with_fallback(wh, plan, tmpdir, raw)
        found = lines.collect_rejects(
            wh, plan.read_path, plan.header, plan.detected.separator, plan.rejects_from_twin
        )
        if not found.spanning or n == _ROUNDS - 1:
            return held.merged(found)
        spanning = set(found.spanning)
        held = held.merged(found.within(spanning))
        copy = tmpdir / f"{plan.path.name}.aside{n}"
        without_lines(plan.read_path, copy, spanning)
        if n:  # (the copy of the round before: one copy of the file at a time)
            plan.read_path.unlink()
        plan.read_path = copy
    raise AssertionError("unreachable")


def _refuse_lines_counted_twice(plan: TextPlan, counted: int) -> None:
    """Refuse a reading that counts more lines than the file holds (rows, the newlines
    inside them and the lines skipped, up to the last line holding text): a line was
    then counted twice, as a row and as part of a rejected record, and the load's
    counts and control totals would be wrong. Lines after the last one holding text
    (only spaces and tabs, a row of empty values when the separator is a tab) are
    counted only here, where the guard fires."""
    if counted <= plan.content_lines:
        return
    physical = physical_lines(plan.read_path)
    if counted > physical:
        raise IngestError(
            f"the file cannot be read as CSV: {counted - physical:,} of its lines were "
            "read twice, as a row and as part of a record DuckDB rejected (a quote never "
            "closed?); close that quote (or remove it) and load the file again"
        )


def read_text(
    wh: Warehouse,
    kind: Kind,
    plan: TextPlan,
    tmpdir: Path,
    progress: ProgressFn | None,
    tag: int,
) -> Staged:
    """Stage one text file into ``_ing_raw_<tag>``, each row with its line. When
    DuckDB's threads lost lines of a file holding quotes, the file is read again by one
    thread (:func:`_lost_lines`)."""
    start = (plan.read_path, plan.stray_cr, list(plan.notes))
    try:
        return _read_text(wh, kind, plan, tmpdir, progress, tag)
    except _LinesLost as lost:
        if not plan.quotes or not plan.parallel:
            raise IngestError(str(lost)) from None
    if plan.read_path not in (start[0], plan.path):  # (a copy of the reading lost)
        plan.read_path.unlink(missing_ok=True)
    plan.read_path, plan.stray_cr, plan.notes = start
    plan.parallel = False
    try:
        return _read_text(wh, kind, plan, tmpdir, progress, tag)
    except _LinesLost as lost:
        raise IngestError(str(lost)) from None


class _LinesLost(Exception):
    """Lines of the file were neither read as rows nor rejected."""


def _lost_lines(unread: int) -> _LinesLost:
    """The refusal of a reading that lost ``unread`` lines.

    DuckDB's threads each take up reading at the first line end of their part of the
    file: a quote opened in one part and closed far below it, in the next (a stray
    quote on line 7 of an 8.5 MB file, another on its last line), made the first
    thread read one value past its part's end, which DuckDB dropped with its lines
    (rejecting line 6 instead), while the next thread read on from its own part: the
    lines between were neither rows nor rejects (150,660 of 160,000). One thread reads
    the value whole and rejects it, its lines then set aside and read by marsad."""
    return _LinesLost(
        f"the file cannot be read as CSV: {unread:,} of its lines below the header "
        "were neither read as rows nor rejected (are its line ends mixed or broken?)"
    )


def _read_text(
    wh: Warehouse,
    kind: Kind,
    plan: TextPlan,
    tmpdir: Path,
    progress: ProgressFn | None,
    tag: int,
) -> Staged:
    raw = raw_table(tag)
    header = plan.header
    ncols = len(header.cells)

    def on_progress(pct: float) -> None:
        rows = int(plan.rows_est * pct / 100) if plan.rows_est else None
        size = plan.size
        progress(ProgressEvent(plan.path, "read", size * (0.2 + 0.8 * pct / 100), size, rows))

    sep = plan.detected.separator
    whole = plan.read_path  # (every line of it: the copies read after set records aside)
    rejects, skip_lines, again, blank, _ = _read_setting_aside(
        wh, plan, tmpdir, raw, on_progress if progress else None
    )
    rejects += plan.rejects
    skip_lines += [r.line for r in plan.rejects]
    # (a line set aside is empty in the copy read: not one to read again, nor a blank row)
    set_aside = {r.line for r in plan.rejects}
    again = [(n, text) for n, text in again if n not in set_aside]
    recovered, n_again, blank_again = lines.read_again(wh, again, sep, header, tag, rejects, whole)
    # (an empty line after the last line holding text is counted already, with the
    # file's trailing empty lines: a quote never closed had swallowed it)
    blank_again -= sum(n > plan.content_lines and not t.strip("\r") for n, t in again)
    rows, nl_total = lines.count_rows(wh, ncols, tag, plan.quotes > 0)
    # lines up to the last record, if no blank line was skipped between records (a
    # line of only spaces at the end holds no text for the scan: not counted)
    skipped = {n for n in skip_lines if n <= plan.content_lines}
    expected = header.line + rows + nl_total + len(skipped)
    _refuse_lines_counted_twice(plan, expected)
    empty = 0  # empty lines among the records, which DuckDB skipped without a word
    if plan.content_lines > expected:
        found = lines.blank_lines(plan.read_path, header.line, set(skip_lines), sep)
        skip_lines.extend(found)
        empty = sum(n <= plan.content_lines for n in found)
        skipped = {n for n in skip_lines if n <= plan.content_lines}
        if (unread := plan.content_lines - header.line - rows - nl_total - len(skipped)) > 0:
            # every line is a row, part of one, rejected or empty: else lines were lost
            raise _lost_lines(unread)
    from_sql = lines.line_source(wh, header.line, nl_total > 0, sorted(set(skip_lines)), tag)
    fields = fields_sql(kind, header, plan.stray_cr > 0, plan.plain)
    source = f"SELECT _line, {fields} FROM {from_sql}"
    if recovered:
        source += f" UNION ALL SELECT _line, {fields} FROM {recovered}"
    for r in rejects:  # (said in the file's own encoding, read as UTF-8 by DuckDB)
        if r.rule == "encoding":
            r.message = lines.not_text_message(r.line, plan.detected.encoding)
    staged = staged_text(plan, source, rejects, rows + n_again)
    staged.blank_lines += len(blank) + blank_again + empty
    return staged


def read_alone(
    wh: Warehouse, kind: Kind, plan: TextPlan, tmpdir: Path, progress: ProgressFn | None, i: int
) -> Staged | IngestError:
    """A file of a group staged on its own; the error instead when it cannot be."""
    try:
        return read_text(wh, kind, plan, tmpdir, progress, tag=100_000 + i)
    except IngestError as exc:
        return exc
