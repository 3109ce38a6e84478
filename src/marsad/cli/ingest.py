"""``marsad ingest``: load bank files, good rows into the warehouse and bad rows into
the quarantine with reasons.

Summaries print counts and per-currency control totals only, never one record's
amount. Exit 0 even when rows were quarantined; 2 when a file cannot be read.
"""

from __future__ import annotations

import os
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import typer

from marsad.cli.common import (
    WarehouseOption,
    console,
    fail,
    iso_date,
    open_store,
    say,
    visible,
)

if TYPE_CHECKING:
    from rich.console import Console

#: Exit code when a file cannot be read at all.
EXIT_UNREADABLE = 2


class KindName(StrEnum):
    """What the files hold."""

    transactions = "transactions"
    firms = "firms"
    rates = "rates"
    employment = "employment"


def _int(n: int | None) -> str:
    return f"{int(n or 0):,}"


def _separator(sep: str | None) -> str | None:
    """The field separator stated with ``--sep`` (``;``, ``tab``, ``semicolon``, ``\\t``…:
    :mod:`marsad.ingest.marks`), checked: one character that is not a quote, a line end,
    a letter or a digit."""
    if sep is None:
        return None
    from marsad.ingest.marks import separator

    sep = separator(sep)
    if len(sep) != 1 or sep in "\"'\r\n" or sep.isalnum():
        fail(f"--sep {sep!r} cannot separate fields: give one character such as , ; | or tab")
    return sep


def _check_encoding(encoding: str) -> None:
    import codecs

    try:
        codecs.lookup(encoding)
    except LookupError:
        fail(f"--encoding {encoding!r} is not an encoding: e.g. utf-8, cp1252, latin-1")


def _format(fmt: str | None) -> str | None:
    """``--format``: csv (or tsv, txt), parquet or excel (or xlsx, xls), read whatever
    the files' content or names say; another is refused in one line."""
    if fmt is None:
        return None
    from marsad.ingest.scan import stated_format

    if stated_format(fmt) not in ("csv", "parquet", "excel"):
        fail(f"--format {fmt!r} is not a format marsad reads: csv, parquet or excel")
    return stated_format(fmt)


def _options(sep, decimal, encoding, sheet, min_date, max_date, memory_limit, formats) -> Any:
    from marsad.ingest import ReadOptions, reporters

    sep = _separator(sep)
    if memory_limit is not None:
        from marsad.settings import read_number

        try:
            memory_limit = read_number("memory_limit", memory_limit)
        except ValueError as exc:
            fail(f"--memory-limit {memory_limit!r}: {exc}")
    if encoding is not None:
        _check_encoding(encoding)
    from marsad.ingest.validate import check_date_range

    date_format, mapping, fmt = formats
    options = ReadOptions(
        format=_format(fmt),
        sep=sep,
        decimal=reporters.check_decimal(decimal) if decimal is not None else None,
        encoding=encoding,
        sheet=sheet,
        date_format=reporters.check_date_format(date_format) if date_format else None,
        column_map=reporters.parse_map(mapping) if mapping else None,
        min_date=None if min_date is None else iso_date(min_date, "--min-date"),
        max_date=None if max_date is None else iso_date(max_date, "--max-date"),
        memory_limit=memory_limit,
    )
    check_date_range(*options.with_settings().date_range())  # before a warehouse is made
    return options


def ingest(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Files to load (CSV, Parquet, Excel).", show_default=False),
    ] = None,
    kind: Annotated[
        KindName | None, typer.Option("--kind", help="What the files hold.", show_default=False)
    ] = None,
    warehouse: WarehouseOption = None,
    nil_return: Annotated[
        bool,
        typer.Option(
            "--nil-return",
            help="Declare that --reporter had nothing to report for --month (no file): "
            "the month can then be complete.",
        ),
    ] = False,
    reporter: Annotated[
        str | None, typer.Option("--reporter", help="With --nil-return: the bank, e.g. BK01.")
    ] = None,
    month: Annotated[
        str | None, typer.Option("--month", help="With --nil-return: the month, e.g. 2024-02.")
    ] = None,
    withdraw: Annotated[
        bool,
        typer.Option("--withdraw", help="With --nil-return: withdraw the declared nil return."),
    ] = False,
    sep: Annotated[
        str | None,
        typer.Option(
            "--sep",
            help="Field separator: one character or its name (comma, semicolon, tab, pipe, "
            "space, colon) (default: detected among , ; tab |).",
        ),
    ] = None,
    decimal: Annotated[
        str | None,
        typer.Option(
            "--decimal",
            help="Decimal separator, . or , (or point, comma) (default: detected, else the "
            "reporter's).",
        ),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding", help="Text encoding, e.g. utf-8, cp1252, latin-1 (default: detected)."
        ),
    ] = None,
    sheet: Annotated[
        str | None,
        typer.Option(
            "--sheet", help="Excel sheet name or number (default: every sheet with the header)."
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="Read the files as csv, parquet or excel, whatever their content or name "
            "say (default: their content, else their name).",
            show_default=False,
        ),
    ] = None,
    date_format: Annotated[
        str | None,
        typer.Option(
            "--date-format",
            help="How the dates are written, e.g. %d/%m/%Y (default: YYYY-MM-DD, or the "
            "reporter's); kept for the reporter.",
        ),
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="A column's name in the files: 'Record ID=record_id' (repeatable); kept for "
            "the reporter.",
        ),
    ] = None,
    min_date: Annotated[
        str | None,
        typer.Option(
            "--min-date",
            help="Earliest value date accepted (default: the MARSAD_MIN_VALUE_DATE setting).",
        ),
    ] = None,
    max_date: Annotated[
        str | None, typer.Option("--max-date", help="Latest date accepted (default: today).")
    ] = None,
    progress: Annotated[
        bool | None,
        typer.Option(
            "--progress/--no-progress", help="Progress bar (default: when stderr is a terminal)."
        ),
    ] = None,
    memory_limit: Annotated[
        str | None,
        typer.Option(
            "--memory-limit",
            help="Memory DuckDB may use while loading, e.g. 2GB; beyond it the staged rows "
            "spill to disk (default: 4GB).",
        ),
    ] = None,
) -> None:
    """Load bank files: good rows into the warehouse, bad rows into the quarantine with reasons.

    Exits 0 even when rows were quarantined; 2 when a file cannot be read at all.
    With --nil-return --reporter BK01 --month 2024-02, records instead that the
    bank had nothing to report that month.
    """
    if nil_return or reporter or month or withdraw:
        _nil_return(files, kind, warehouse, reporter, month, withdraw=withdraw, nil=nil_return)
        return
    if not files or kind is None:
        fail(
            "give the files and what they hold (marsad ingest --kind transactions FILE…), "
            "or declare a nil return (--nil-return --reporter BK01 --month 2024-02)"
        )
    from marsad.ingest import load_files

    formats = (date_format, mapping, fmt)
    options = _options(sep, decimal, encoding, sheet, min_date, max_date, memory_limit, formats)
    _check_files(files, warehouse)
    show_progress = sys.stderr.isatty() if progress is None else progress
    started = time.perf_counter()
    with open_store(warehouse, read_only=False) as wh, _Progress(show_progress) as bars:
        reports = load_files(
            wh, kind.value, files, options=options, progress=bars.callback, on_refused="report"
        )
    refused = _print_reports(console(), reports, several=len(files) > 1, started=started)
    if refused:
        raise typer.Exit(EXIT_UNREADABLE)


def _check_files(files: list[Path], warehouse: Path | None) -> None:
    """Refuse, before a warehouse is created, a call none of whose files can be read, or
    one naming a file (or the warehouse) by a name that is not UTF-8."""
    from marsad.cli.common import warehouse_path
    from marsad.errors import UnreadableInput
    from marsad.ingest.errors import not_a_file

    for path in [*files, warehouse_path(warehouse)]:
        try:
            str(path).encode("utf-8")
        except UnicodeEncodeError:  # bytes the file system holds, not text (latin-1 é)
            shown = os.fsencode(path).decode("utf-8", "backslashreplace")
            raise UnreadableInput(
                f"{shown}: the name is not valid UTF-8, which DuckDB cannot open: rename it "
                "(e.g. convmv -f latin1 -t utf8)"
            ) from None
    if warehouse_path(warehouse).exists() or any(not_a_file(f) is None for f in files):
        return
    first = files[0]
    raise UnreadableInput(f"{first}: {not_a_file(first)}")


def _nil_return(files, kind, warehouse, reporter, month, *, withdraw: bool, nil: bool) -> None:
    """Declare (or withdraw) a nil return and say what was done."""
    from marsad.ingest.deliveries import declare_nil_return, withdraw_nil_return

    if not nil:
        fail("--reporter, --month and --withdraw go with --nil-return")
    if files or kind is not None:
        fail("a nil return has no file: give --nil-return --reporter R --month M alone")
    if not reporter or not month:
        fail("a nil return needs --reporter (e.g. BK01) and --month (e.g. 2024-02)")
    with open_store(warehouse, read_only=False) as wh:
        act = withdraw_nil_return if withdraw else declare_nil_return
        done = act(wh, reporter, month)
    what = {
        "declared": "nil return declared",
        "already declared": "nil return already declared, nothing changed",
        "withdrawn": "nil return withdrawn (kept in the ledger, marked withdrawn)",
    }[done.status]
    console().print(f"{done.reporter} {done.month}: {what} - load {done.load_id}", markup=False)


def _print_reports(out: Console, reports: list, *, several: bool, started: float) -> int:
    """Print each file's report (and the total of several); return how many were refused."""
    from marsad.ingest.errors import shown

    refused = total_read = total_loaded = total_same = total_q = 0
    for r in reports:
        if r.status == "refused":
            refused += 1
            say(f"marsad: error: {shown(r.file)}: {r.notes[0]}")
            continue
        _print_report(out, r)
        if r.status == "loaded":
            total_read += r.rows_read
            total_loaded += r.loaded
            total_same += r.unchanged
            total_q += r.quarantined
    if several:
        secs = time.perf_counter() - started
        rate = f" ({total_read / secs:,.0f} rows/s)" if secs > 0 and total_read else ""
        out.print(
            f"total: {_int(total_read)} rows read, {_int(total_loaded)} loaded, "
            + (f"{_int(total_same)} unchanged, " if total_same else "")
            + f"{_int(total_q)} quarantined in {secs:.1f} s{rate}"
            + (f"; {refused} file(s) refused" if refused else ""),
            markup=False,
        )
    return refused


def _print_report(out: Console, r) -> None:
    name = r.file.name + (f", sheet {r.sheet!r}" if r.sheet else "")
    if r.status == "already loaded":
        out.print(
            f"{name}: already loaded (load {r.load_id}, same content as "
            f"{r.previous_file}); nothing changed",
            markup=False,
        )
        for note in r.notes[1:]:  # the first says the same as the line above
            out.print(f"  note: {note}", markup=False)
        return
    duplicates = f" ({_int(r.duplicates)} duplicates)" if r.duplicates else ""
    corrections = (
        f", {_int(r.corrections)} correction{'s' * (r.corrections != 1)} (old versions kept "
        "in history)"
        if r.corrections
        else ""
    )
    unchanged = (
        f"{_int(r.unchanged)} unchanged (already loaded with the same content), "
        if r.unchanged
        else ""
    )
    out.print(
        f"{name}: {_int(r.rows_read)} rows read, {_int(r.loaded)} loaded, {unchanged}"
        f"{_int(r.quarantined)} quarantined{duplicates}{corrections} - load {r.load_id}",
        markup=False,
    )
    speed = f", {r.rows_per_second:,.0f} rows/s" if r.rows_read >= 100000 else ""
    lines = [f"  read as {r.detected()}{speed}"]
    if r.blank_rows:
        rows = "row" if r.blank_rows == 1 else "rows"
        lines.append(f"  {_int(r.blank_rows)} empty {rows} skipped (no value, or only spaces)")
    if r.ignored_columns:
        lines.append(f"  columns not used: {', '.join(r.ignored_columns)}")
    lines += [f"  note: {note}" for note in r.notes]
    if r.quarantined:
        by_rule = sorted(r.rules.items(), key=lambda kv: -kv[1])
        lines.append(f"  quarantined by rule: {', '.join(f'{k} {_int(v)}' for k, v in by_rule)}")
        lines.append(f"  see them with: marsad quarantine show {r.load_id}")
    for line in lines:
        out.print(line, markup=False)


class _Progress:
    """A rich progress bar per file on stderr, with the rows per second."""

    #: where each phase sits on the file's bar (start, span)
    PHASES: ClassVar[dict[str, tuple[float, float]]] = {
        "hash": (0.0, 0.15),
        "read": (0.15, 0.4),
        "check": (0.55, 0.2),
        "write": (0.75, 0.24),
        "done": (1.0, 0.0),
    }

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar = None
        self.tasks: dict[str, list] = {}

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    @property
    def callback(self):
        """The ``ProgressEvent`` callback for ``load_files`` (``None`` when disabled)."""
        return self._update if self.enabled else None

    def _update(self, ev) -> None:
        if self.bar is None:
            return
        from rich.markup import escape

        key = str(ev.file)
        if key not in self.tasks:
            task = self.bar.add_task(escape(visible(ev.file.name)), total=1000, rate="")
            self.tasks[key] = [task, time.perf_counter(), ""]
        entry = self.tasks[key]
        task, start = entry[0], entry[1]
        elapsed = max(time.perf_counter() - start, 1e-6)
        if ev.rows:
            entry[2] = f"{ev.rows / elapsed:,.0f} rows/s"
        base, span = self.PHASES.get(ev.phase, (0.0, 0.0))
        part = ev.done / ev.total if ev.total else 0.0
        self.bar.update(
            task,
            completed=1000 * (base + span * min(max(part, 0.0), 1.0)),
            description=f"{escape(visible(ev.file.name))} ({ev.phase})",
            rate=entry[2],
        )


def register(app: typer.Typer) -> None:
    """Add ``ingest`` to the ``marsad`` app."""
    app.command("ingest")(ingest)
