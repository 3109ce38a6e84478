"""Commands ``ingest``, ``loads`` and ``quarantine list|show|export``.

``register(app)`` adds them to the main ``marsad`` Typer app. Summaries print
counts and per-currency control totals only, never one record's amount.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, ClassVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from marsad.ingest.readers import IngestError, ProgressEvent, ReadOptions
from marsad.ingest.schema import KINDS, RULES

EXIT_UNREADABLE = 2


class KindName(StrEnum):
    transactions = "transactions"
    firms = "firms"
    rates = "rates"


WarehouseOpt = Annotated[
    Path | None,
    typer.Option(
        "--warehouse",
        envvar="MARSAD_WAREHOUSE",
        help="Warehouse file (default: the MARSAD_WAREHOUSE setting, else marsad.duckdb here).",
        show_default=False,
    ),
]


def _console(stderr: bool = False) -> Console:
    # wide when not a terminal, so that piped output and logs are not cut
    tty = (sys.stderr if stderr else sys.stdout).isatty()
    return Console(stderr=stderr, width=None if tty else 200, highlight=False, soft_wrap=not tty)


def _fail(message: str) -> None:
    typer.echo(f"marsad: {message}", err=True)
    raise typer.Exit(EXIT_UNREADABLE)


def _open(warehouse: Path | None, *, read_only: bool = False):
    from marsad.engine.warehouse import open_warehouse

    try:
        return open_warehouse(warehouse, read_only=read_only)
    except FileNotFoundError as exc:
        _fail(str(exc))
    except Exception as exc:  # e.g. the file is locked by another process
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _fail(f"cannot open the warehouse {warehouse or ''}: {first}".replace("  ", " "))


def _int(n: int | None) -> str:
    return f"{int(n or 0):,}"


def _money(x) -> str:
    return "" if x is None else f"{x:,.3f}"


def _date(text: str | None, name: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        _fail(f"{name} must be a date YYYY-MM-DD, not {text!r}")
    return None


# ----------------------------------------------------------------------------
# ingest
# ----------------------------------------------------------------------------


def ingest(
    files: Annotated[
        list[Path], typer.Argument(help="Files to load (CSV, Parquet, Excel).", show_default=False)
    ],
    kind: Annotated[
        KindName, typer.Option("--kind", help="What the files hold.", show_default=False)
    ],
    warehouse: WarehouseOpt = None,
    sep: Annotated[
        str | None,
        typer.Option("--sep", help="Field separator (default: detected among , ; tab |)."),
    ] = None,
    decimal: Annotated[
        str | None, typer.Option("--decimal", help="Decimal separator, . or , (default: detected).")
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding", help="Text encoding, e.g. utf-8, cp1252, latin-1 (default: detected)."
        ),
    ] = None,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="Excel sheet name or number (default: the first).")
    ] = None,
    min_date: Annotated[
        str | None, typer.Option("--min-date", help="Earliest date accepted (default 2000-01-01).")
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
    """
    from marsad.ingest.load import load_files

    if sep is not None:
        sep = {"tab": "\t", "\\t": "\t", "TAB": "\t"}.get(sep, sep)
    options = ReadOptions(
        sep=sep,
        decimal=decimal,
        encoding=encoding,
        sheet=sheet,
        min_date=_date(min_date, "--min-date") or dt.date(2000, 1, 1),
        max_date=_date(max_date, "--max-date"),
        memory_limit=memory_limit,
    )
    out = _console()
    show_progress = sys.stderr.isatty() if progress is None else progress
    wh = _open(warehouse)
    refused = 0
    total_read = total_loaded = total_q = 0
    t0 = time.perf_counter()
    try:
        with _Progress(show_progress) as bar:
            reports = load_files(
                wh, kind.value, files, options=options, progress=bar.callback, on_refused="report"
            )
    except IngestError as exc:  # e.g. an option the files cannot be read with
        wh.close()
        _fail(str(exc))
    finally:
        wh.close()
    for r in reports:
        if r.status == "refused":
            refused += 1
            typer.echo(f"marsad: {r.file.name}: {r.notes[0]}", err=True)
            continue
        _print_report(out, r)
        if r.status == "loaded":
            total_read += r.rows_read
            total_loaded += r.loaded
            total_q += r.quarantined
    if len(files) > 1:
        secs = time.perf_counter() - t0
        rate = f" ({total_read / secs:,.0f} rows/s)" if secs > 0 and total_read else ""
        out.print(
            f"total: {_int(total_read)} rows read, {_int(total_loaded)} loaded, "
            f"{_int(total_q)} quarantined in {secs:.1f} s{rate}"
            + (f"; {refused} file(s) refused" if refused else "")
        )
    if refused:
        raise typer.Exit(EXIT_UNREADABLE)


def _print_report(out: Console, r) -> None:
    if r.status == "already loaded":
        out.print(
            f"{r.file.name}: already loaded (load {r.load_id}, same content as "
            f"{r.previous_file}); nothing changed"
        )
        return
    extra = []
    if r.duplicates:
        extra.append(f"{_int(r.duplicates)} duplicates")
    line = (
        f"{r.file.name}: {_int(r.rows_read)} rows read, {_int(r.loaded)} loaded, "
        f"{_int(r.quarantined)} quarantined"
        + (f" ({', '.join(extra)})" if extra else "")
        + (
            f", {_int(r.corrections)} corrections (old versions kept in history)"
            if r.corrections
            else ""
        )
        + f" - load {r.load_id}"
    )
    out.print(line, markup=False)
    speed = f", {r.rows_per_second:,.0f} rows/s" if r.rows_read >= 100000 else ""
    out.print(f"  read as {r.detected()}{speed}", markup=False)
    if r.blank_rows:
        out.print(f"  {_int(r.blank_rows)} empty rows skipped", markup=False)
    if r.ignored_columns:
        out.print(f"  columns not used: {', '.join(r.ignored_columns)}", markup=False)
    for note in r.notes:
        out.print(f"  note: {note}", markup=False)
    if r.quarantined:
        rules = ", ".join(
            f"{k} {_int(v)}" for k, v in sorted(r.rules.items(), key=lambda kv: -kv[1])
        )
        out.print(f"  quarantined by rule: {rules}", markup=False)
        out.print(f"  see them with: marsad quarantine show {r.load_id}", markup=False)


class _Progress:
    """A rich progress bar on stderr, with the rows per second."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar = None
        self.tasks: dict[str, tuple] = {}

    def __enter__(self) -> _Progress:
        if self.enabled:
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
        return self._update if self.enabled else None

    #: where each phase sits on the file's bar (start, span)
    PHASES: ClassVar[dict[str, tuple[float, float]]] = {
        "hash": (0.0, 0.15),
        "read": (0.15, 0.4),
        "check": (0.55, 0.2),
        "write": (0.75, 0.24),
        "done": (1.0, 0.0),
    }

    def _update(self, ev: ProgressEvent) -> None:
        if self.bar is None:
            return
        key = str(ev.file)
        if key not in self.tasks:
            task = self.bar.add_task(ev.file.name, total=1000, rate="")
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
            description=f"{escape(ev.file.name)} ({ev.phase})",
            rate=entry[2],
        )


# ----------------------------------------------------------------------------
# loads
# ----------------------------------------------------------------------------


def loads(
    warehouse: WarehouseOpt = None,
    load: Annotated[
        str | None, typer.Option("--load", help="Only this load (id, file name or SHA-256 prefix).")
    ] = None,
    totals: Annotated[
        bool, typer.Option("--totals/--no-totals", help="Show the control totals per currency.")
    ] = True,
) -> None:
    """The load ledger: each file's SHA-256, rows read, loaded, quarantined and control totals."""
    from marsad.ingest.store import ensure_tables, find_load

    out = _console()
    wh = _open(warehouse)
    try:
        ensure_tables(wh)
        where, params = "", []
        if load:
            ids = find_load(wh, load)
            if not ids:
                _fail(f"no load matches {load!r}")
            where = f"WHERE load_id IN ({', '.join('?' for _ in ids)})"
            params = ids
        rows = wh.sql(
            f"""SELECT load_id, kind, file_name, strftime(loaded_at, '%Y-%m-%d %H:%M:%S'), sha256,
                       rows_read, loaded, quarantined, duplicates, corrections
                FROM ingest_loads {where} ORDER BY load_id""",
            params,
        )
        if not rows:
            out.print("no file loaded yet")
            return
        t = Table(title="Loads", title_justify="left")
        for c in (
            "load",
            "kind",
            "file",
            "loaded at",
            "sha256",
            "read",
            "loaded",
            "quarantined",
            "duplicates",
            "corrections",
        ):
            t.add_column(
                c,
                justify="right"
                if c in ("read", "loaded", "quarantined", "duplicates", "corrections")
                else "left",
                no_wrap=c == "sha256",
            )
        for r in rows:
            t.add_row(r[0], r[1], r[2], r[3], r[4], *(_int(x) for x in r[5:]))
        out.print(t)
        if totals:
            trows = wh.sql(
                f"""SELECT t.load_id, l.kind, t.grp, t.rows_read, t.amount_read, t.rows_loaded,
                           t.amount_loaded
                    FROM ingest_totals t JOIN ingest_loads l USING (load_id)
                    {where.replace("load_id", "t.load_id")} ORDER BY t.load_id, t.grp""",
                params,
            )
            if trows:
                tt = Table(
                    title="Control totals (amounts in original currency)", title_justify="left"
                )
                for c in (
                    "load",
                    "kind",
                    "currency / segment",
                    "rows read",
                    "amount read",
                    "rows loaded",
                    "amount loaded",
                ):
                    tt.add_column(
                        c,
                        justify="left" if c in ("load", "kind", "currency / segment") else "right",
                    )
                for r in trows:
                    tt.add_row(r[0], r[1], r[2], _int(r[3]), _money(r[4]), _int(r[5]), _money(r[6]))
                out.print(tt)
    finally:
        wh.close()


# ----------------------------------------------------------------------------
# quarantine
# ----------------------------------------------------------------------------

quarantine_app = typer.Typer(
    help="Rows set aside by ingest, with the line, column, rule and reason.",
    no_args_is_help=True,
)


@quarantine_app.command("list")
def quarantine_list(
    warehouse: WarehouseOpt = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Also loads whose quarantined rows are all resolved.")
    ] = False,
) -> None:
    """Quarantined rows per load and rule: how many are open (to fix) and resolved."""
    from marsad.ingest.store import ensure_tables

    out = _console()
    wh = _open(warehouse)
    try:
        ensure_tables(wh)
        rows = wh.sql(
            """SELECT q.load_id, q.kind, q.file_name, q.rule,
                      count(*) FILTER (WHERE resolved_by IS NULL),
                      count(*) FILTER (WHERE resolved_by IS NOT NULL)
               FROM ingest_quarantine q GROUP BY ALL ORDER BY q.load_id, q.rule"""
        )
        if not all_:
            open_loads = {r[0] for r in rows if r[4]}
            rows = [r for r in rows if r[0] in open_loads]
        if not rows:
            out.print(
                "nothing in quarantine"
                + ("" if all_ else " to fix (--all shows resolved rows too)")
            )
            return
        t = Table(title="Quarantine", title_justify="left")
        for c in ("load", "kind", "file", "rule", "open", "resolved", "what the rule checks"):
            t.add_column(c, justify="right" if c in ("open", "resolved") else "left")
        for r in rows:
            t.add_row(r[0], r[1], r[2], r[3], _int(r[4]), _int(r[5]), RULES.get(r[3], ""))
        out.print(t)
        out.print("see the rows with: marsad quarantine show LOAD_ID (or FILE)")
    finally:
        wh.close()


@quarantine_app.command("show")
def quarantine_show(
    load: Annotated[
        str,
        typer.Argument(
            help="Load id (e.g. L00003), file name or SHA-256 prefix.", show_default=False
        ),
    ],
    warehouse: WarehouseOpt = None,
    rule: Annotated[str | None, typer.Option("--rule", help="Only this rule.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Also resolved rows.")] = False,
    limit: Annotated[int, typer.Option("--limit", help="At most this many rows (0: all).")] = 200,
) -> None:
    """The quarantined rows of one load: line, column, rule, value and message."""
    from marsad.ingest.store import ensure_tables, find_load

    out = _console()
    wh = _open(warehouse)
    try:
        ensure_tables(wh)
        ids = find_load(wh, load)
        if not ids:
            _fail(f"no load matches {load!r} (see: marsad loads)")
        cond = [f"load_id IN ({', '.join('?' for _ in ids)})"]
        params: list = list(ids)
        if rule:
            cond.append("rule = ?")
            params.append(rule)
        if not all_:
            cond.append("resolved_by IS NULL")
        lim = f"LIMIT {int(limit)}" if limit > 0 else ""
        rows = wh.sql(
            f"""SELECT load_id, file_name, line, column_name, rule, value, message, other_rules,
                       resolved_by
                FROM ingest_quarantine WHERE {" AND ".join(cond)}
                ORDER BY load_id, line {lim}""",
            params,
        )
        total = wh.scalar(
            f"SELECT count(*) FROM ingest_quarantine WHERE {' AND '.join(cond)}", params
        )
        if not rows:
            out.print("no quarantined rows" + ("" if all_ else " open (--all shows resolved ones)"))
            return
        t = Table(title=f"Quarantine of {', '.join(ids)}", title_justify="left")
        for c in (
            "load",
            "file",
            "line",
            "column",
            "rule",
            "value",
            "message",
            "also fails",
            "resolved by",
        ):
            t.add_column(c, overflow="fold")
        for r in rows:
            t.add_row(*("" if x is None else str(x) for x in r))
        out.print(t)
        if total > len(rows):
            out.print(
                f"{len(rows)} of {total} rows shown "
                "(--limit 0 shows all, or use: marsad quarantine export)"
            )
    finally:
        wh.close()


@quarantine_app.command("export")
def quarantine_export(
    out_file: Annotated[Path, typer.Option("--out", help="CSV file to write.", show_default=False)],
    warehouse: WarehouseOpt = None,
    load: Annotated[
        str | None, typer.Option("--load", help="Only this load (id, file name, SHA-256 prefix).")
    ] = None,
    kind: Annotated[
        KindName | None,
        typer.Option(
            "--kind", help="Only this kind (needed when loads of several kinds are selected)."
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Also resolved rows.")] = False,
) -> None:
    """Write the quarantined rows to a CSV the compiler can correct and load again.

    The file has the kind's input columns (the raw values), then the
    quarantine's: file, line, rule, column, value and message. A corrected
    copy loads with `marsad ingest` (the extra columns are ignored).
    """
    from marsad.ingest.store import ensure_tables, find_load

    wh = _open(warehouse)
    try:
        ensure_tables(wh)
        cond, params = [], []
        if load:
            ids = find_load(wh, load)
            if not ids:
                _fail(f"no load matches {load!r} (see: marsad loads)")
            cond.append(f"load_id IN ({', '.join('?' for _ in ids)})")
            params.extend(ids)
        if kind:
            cond.append("kind = ?")
            params.append(kind.value)
        if not all_:
            cond.append("resolved_by IS NULL")
        where = ("WHERE " + " AND ".join(cond)) if cond else ""
        kinds = [
            r[0] for r in wh.sql(f"SELECT DISTINCT kind FROM ingest_quarantine {where}", params)
        ]
        if len(kinds) > 1:
            _fail(
                f"the selection holds rows of several kinds ({', '.join(sorted(kinds))}): "
                "choose one with --kind"
            )
        rows = wh.sql(
            f"""SELECT file_name, line, rule, column_name, value, message, record, load_id,
                       resolved_by
                FROM ingest_quarantine {where} ORDER BY load_id, line""",
            params,
        )
        fields = list(KINDS[kinds[0]].field_names) if kinds else []
        extra = [
            "quarantine_load",
            "quarantine_file",
            "quarantine_line",
            "quarantine_rule",
            "quarantine_column",
            "quarantine_value",
            "quarantine_message",
            "quarantine_resolved_by",
        ]
        out_file.parent.mkdir(parents=True, exist_ok=True)
        with out_file.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(fields + extra)
            for file_name, line, rule, column, value, message, record, load_id, resolved in rows:
                rec = json.loads(record) if record else {}
                w.writerow(
                    [rec.get(f) or "" for f in fields]
                    + [
                        load_id,
                        file_name,
                        line,
                        rule,
                        column or "",
                        value or "",
                        message,
                        resolved or "",
                    ]
                )
        typer.echo(f"{len(rows):,} quarantined rows written to {out_file}")
    finally:
        wh.close()


def register(app: typer.Typer) -> None:
    """Add ``ingest``, ``loads`` and ``quarantine`` to the ``marsad`` app."""
    app.command("ingest")(ingest)
    app.command("loads")(loads)
    app.add_typer(quarantine_app, name="quarantine")
