"""What every command shares: the ``--warehouse`` option, the consoles, progress
bars, opening the warehouse, writing output files, and the handling of errors.

Errors: a :class:`~marsad.errors.MarsadError` is something the user can fix; it
ends as one plain line ``marsad: error: <message>`` on stderr and its
``exit_code``. Anything else is a bug: ``marsad --debug`` lets it propagate
with its traceback; otherwise one line says so, the traceback goes to a log
file whose path is printed, and the exit code is 70 (``EX_SOFTWARE``).

Nothing here imports Ibis, DuckDB, pandas or pyarrow: ``marsad --help``
answers without them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup
from typer.exceptions import Abort, Exit, TyperException

from marsad.entry import EXIT_INTERRUPTED
from marsad.errors import (
    OS_CAUSES,
    BadArgument,
    CannotWrite,
    MarsadError,
    WarehouseMissing,
    excerpt,
    os_code,
    os_fault,
    quoted,
)
from marsad.publish.files import is_special
from marsad.release.store import MANIFEST

if TYPE_CHECKING:
    from rich.progress import Progress

    from marsad.engine import Warehouse

#: Exit code of a bug (``EX_SOFTWARE`` in sysexits.h).
EXIT_BUG = 70

WarehouseOption = Annotated[
    Path | None,
    typer.Option(
        "--warehouse",
        envvar="MARSAD_WAREHOUSE",
        parser=lambda text: out_path(text),  # (defined below: the text typed is kept)
        help="Warehouse file (default: $MARSAD_WAREHOUSE, else marsad.duckdb here).",
        show_default=False,
    ),
]


#: Characters that would act on the terminal rather than show: C0 and C1 controls
#: (ESC starts colour and cursor sequences) and the bidirectional overrides that
#: reorder what follows them.
_INVISIBLE = {
    *(chr(c) for c in range(0x20)),
    *(chr(c) for c in range(0x7F, 0xA0)),
    *"\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
}


def visible(text: object) -> str:
    r"""``text`` with every control character written as its escape, so that a value
    shows as it is in the data and never acts on the terminal.

    >>> print(visible("a\x1b[31mred\tb\u202e"))
    a\x1b[31mred\tb\u202e
    """
    text = "" if text is None else str(text)
    if not any(ch in _INVISIBLE for ch in text):
        return text
    return "".join(ch.encode("unicode_escape").decode() if ch in _INVISIBLE else ch for ch in text)


def plain(value: object) -> Text:
    """A rich :class:`~rich.text.Text` that prints ``value`` verbatim: ``[bold]`` is not
    markup, ``:smile:`` not an emoji, control characters are escaped (see :func:`visible`)."""
    return Text(visible(value))


#: A raw value longer than this many characters is cut in a terminal listing
#: (:func:`shortened`); its first :data:`CELL_KEEP` characters are shown.
CELL_MAX = 60
CELL_KEEP = 20


def shortened(value: object) -> str:
    """``value`` as a terminal listing shows a raw value: whole up to :data:`CELL_MAX`
    characters, else its first :data:`CELL_KEEP`, ``…`` and its length. A 5,000-digit
    amount filled about 75 lines of ``marsad quarantine show`` per row, twice (value and
    message); the export keeps the value whole.

    >>> shortened("1234567890" * 500), shortened("F001")
    ('12345678901234567890… (5,000 characters)', 'F001')
    """
    text = "" if value is None else str(value)
    if len(text) <= CELL_MAX:
        return text
    return f"{text[:CELL_KEEP]}… ({len(text):,} characters)"


#: A run without spaces longer than :data:`CELL_MAX` (a raw value quoted in a message).
_LONG_RUN = re.compile(rf"[^\s\"]{{{CELL_MAX + 1},}}")


def shortened_in(text: object, *values: object) -> str:
    """``text`` (a message quoting raw values) with each long raw value in ``values``, and
    any other run of more than :data:`CELL_MAX` characters without a space, shortened as
    :func:`shortened` shows it.

    >>> shortened_in('line 4, column amount: "' + "9" * 5000 + '" is too large', "9" * 5000)
    'line 4, column amount: "99999999999999999999… (5,000 characters)" is too large'
    """
    text = "" if text is None else str(text)
    for value in values:
        value = "" if value is None else str(value)
        if len(value) > CELL_MAX:
            text = text.replace(value, shortened(value))
    return _LONG_RUN.sub(lambda m: shortened(m.group()), text)


class VerbatimConsole(Console):
    """A console that prints every string as it is: no markup, no emoji codes, control
    characters escaped; a table cell given as a string is printed the same way.
    Style what needs style with :class:`~rich.text.Text` (e.g. ``Text("3 records",
    style="yellow")``)."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(plain(o) if isinstance(o, str) else o for o in objects), **kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return plain(text)

    def on_broken_pipe(self) -> None:
        """The reader closed the pipe (``marsad loads | head -1``): stop as every command
        does then (:func:`stdout_closed`, exit 141), not with rich's exit code 1."""
        raise BrokenPipeError(errno.EPIPE, "the reader of standard output closed it")


def console(stderr: bool = False) -> Console:
    """A console on stdout (or stderr) that prints text verbatim (:class:`VerbatimConsole`),
    without highlighting; wide when not a terminal (:data:`PIPE_WIDTH`, or ``$COLUMNS``
    when wider), so that piped output is not cut."""
    tty = (sys.stderr if stderr else sys.stdout).isatty()
    columns = os.environ.get("COLUMNS", "")
    width = None if tty else max(PIPE_WIDTH, int(columns) if columns.isdigit() else 0)
    return VerbatimConsole(stderr=stderr, width=width, highlight=False, soft_wrap=not tty)


#: Characters of a line written to a pipe or a file: wide enough for the widest table
#: (the control totals of ``marsad loads``, 13 columns, about 230 characters).
PIPE_WIDTH = 320


def say(message: str) -> None:
    """One plain line on stderr (e.g. ``warehouse: /data/marsad.duckdb``), printed verbatim:
    control characters of a value in it (a file name, a raw value) are escaped."""
    typer.echo(visible(message), err=True)


def fail(message: str) -> NoReturn:
    """Stop the command: the argument given names nothing (exit code 2)."""
    raise BadArgument(message)


#: A date as every date option takes it: ISO 8601's calendar date, digits 0-9 only.
def iso_date(text: str, option: str) -> dt.date:
    """The value of the date option ``option`` (e.g. ``--min-date``): ``YYYY-MM-DD``, a
    real date, digits 0-9 only (:func:`marsad.dates.read_date`, which the settings and
    the web read dates with too); anything else is one plain line (exit code 2). The one
    parser of every date option: ``--min-date 20240101`` was taken (Python reads the
    basic form too) where ``release create --date 20240101`` was refused.

    >>> iso_date("2024-02-29", "--date")
    datetime.date(2024, 2, 29)
    >>> iso_date("20240101", "--min-date")
    Traceback (most recent call last):
    ...
    marsad.errors.BadArgument: --min-date '20240101' is not a date: write YYYY-MM-DD (e.g. 2025-10-15)
    >>> iso_date("2025-02-30", "--date")
    Traceback (most recent call last):
    ...
    marsad.errors.BadArgument: --date '2025-02-30' is not a day of the calendar
    """  # noqa: E501
    from marsad.dates import read_date, why_not

    day = read_date(text)
    if day is None:
        fail(f"{option} {text!r} {why_not(text)}")
    return day


# -- the warehouse -------------------------------------------------------------------------


def warehouse_path(path: Path | None) -> Path:
    """The warehouse file to use: ``--warehouse``, else the setting (absolute). A path
    typed as a folder's (``new/``, ``new/.``) is refused: a Path drops the ``/``, and
    ``ingest --warehouse ./new/`` made a warehouse file named ``new``.

    >>> warehouse_path(out_path("new/"))
    Traceback (most recent call last):
    ...
    marsad.errors.BadArgument: --warehouse new/ names a folder, not the warehouse's file: give the file, e.g. new/marsad.duckdb
    """  # noqa: E501
    if path is None:
        from marsad.settings import get_settings

        path = get_settings().warehouse
    typed = getattr(path, "typed", "")
    if typed and _typed_as_folder(typed):
        raise BadArgument(
            f"--warehouse {excerpt(typed, 1000)} names a folder, not the warehouse's file: "
            f"give the file, e.g. {Path(typed) / 'marsad.duckdb'}"
        )
    return Path(path).expanduser().absolute()


class OutPath(type(Path())):  # type: ignore[misc]
    """``--out`` as a path that remembers the text typed (:func:`out_path`): ``dir/`` and
    ``dir/.`` name a folder, but a :class:`~pathlib.Path` drops the ``/`` and the ``.``
    (``Path("dir/.")`` is ``dir``), and the file ``dir`` was written."""

    typed: str = ""


def out_path(text: str) -> Path:
    """The ``parser`` of every ``--out`` that names a file: the path, remembering the text.

    >>> out_path("new/.").typed, str(out_path("new/."))
    ('new/.', 'new')
    """
    out = OutPath(text)
    out.typed = text
    return out


def _typed(out: Path) -> str:
    """``--out`` as the user typed it (:func:`out_path`), else as the path says it."""
    return getattr(out, "typed", "") or str(out)


def _names_a_folder(out: Path) -> bool:
    """Whether ``--out`` names a folder: empty, ``.`` or ``..``, an existing folder, or
    typed ending with a separator, ``/.`` or ``/..`` (``new/``, ``new/.``)."""
    return _typed_as_folder(_typed(out)) or out.is_dir()


def _typed_as_folder(text: str) -> bool:
    """Whether a path typed so names a folder whether it exists or not: empty, ``.`` or
    ``..``, or ending with a separator, ``/.`` or ``/..``."""
    typed = text.replace(os.sep, "/")
    last = typed.rstrip("/").rsplit("/", 1)[-1]
    return typed.endswith("/") or last in ("", ".", "..")


def check_out(out: Path, warehouse: Path | None) -> Path:
    """``--out`` as a file to write, refused (:class:`~marsad.errors.BadArgument`, exit 2,
    nothing written) when it names no file (``''``, ``.``, a folder) or one of the
    warehouse's own: its file or write-ahead log, its record store, its releases (in the
    folder of ``MARSAD_RELEASES_DIR``, in ``releases/`` beside the warehouse whatever the
    setting, or in any folder holding a release's ``manifest.json``), or when the folder
    it goes in does not exist (:func:`check_parent`).
    ``marsad export --out marsad.duckdb`` wrote a CSV over the warehouse it read.

    >>> check_out(Path("/data/marsad.duckdb"), Path("/data/marsad.duckdb"))
    Traceback (most recent call last):
    ...
    marsad.errors.BadArgument: --out /data/marsad.duckdb is the warehouse's own file: give another path (nothing was written)
    """  # noqa: E501
    if is_stdout(out):  # standard output: none of the warehouse's files
        return out
    if _names_a_folder(out):
        raise BadArgument(
            f"--out {_typed(out)!r} is a folder, not a file: give a file name (e.g. indicators.csv)"
        )
    said = _warehouse_part(out.expanduser().absolute().resolve(), warehouse_path(warehouse))
    if said:
        raise BadArgument(f"--out {out} is {said}: give another path (nothing was written)")
    check_parent(out)
    return out


def check_parent(out: Path, option: str = "--out") -> Path:
    """``out`` when the folder it goes in exists; else one plain line
    (:class:`~marsad.errors.BadArgument`, exit 2, nothing written or created), as for a
    mistyped ``--warehouse``. ``marsad bulletin --out /nonexistent/a.md`` created
    ``/nonexistent/``: a typo in a folder's name made a folder tree instead of an error.
    marsad creates the file (or, for ``demo`` and ``synth``, the folder) it is given,
    never a missing folder above it.

    >>> check_parent(Path("/nonexistent-marsad/a.md"))
    Traceback (most recent call last):
    ...
    marsad.errors.BadArgument: --out /nonexistent-marsad/a.md: there is no folder /nonexistent-marsad; create it first or give another path (nothing was written)
    """  # noqa: E501
    if is_stdout(out):
        return out
    from marsad.engine.warehouse import folder_missing

    parent = out.expanduser().absolute().parent
    missing, blocker = folder_missing(parent)
    if not missing:
        return out
    if blocker is not None:
        raise BadArgument(
            f"cannot write {excerpt(_typed(out), 1000)}: {blocker} is a file, not a folder; "
            "give another path (nothing was written)"
        )
    raise BadArgument(
        f"{option} {excerpt(_typed(out), 1000)}: there is no folder {parent}; create it "
        "first or give another path (nothing was written)"
    )


#: ``--out -``: standard output, as for ``curl -o -`` or ``pandoc -o -``.
STDOUT = "-"


def is_stdout(out: Path | None) -> bool:
    """Whether ``--out`` is ``-``, standard output (``./-`` is a file named ``-``)."""
    return out is not None and str(out) == STDOUT


@contextlib.contextmanager
def output(out: Path, suffix: str, what: str, *, binary: bool = False) -> Iterator[Path]:
    """The file to write ``--out`` to: ``out`` itself (an OS fault as one line, as
    :func:`writing`), or for ``--out -`` a temporary file whose bytes are copied to
    standard output once written whole, so that a failure writes nothing there (and the
    writers that need a file, a workbook or a zip, work as for a file).

    A binary format (``binary``: xlsx, zip) to ``-`` is refused when standard output is
    a terminal, which would show bytes that garble it, and written when it is piped or
    redirected (as ``curl`` refuses binary output to a terminal; ``> file.xlsx`` or
    ``| unzip`` are what ``-`` is for). ``what`` names what is written (``--format xlsx``).
    ``--out /dev/stdout`` (or any name of standard output) is refused the same way. A
    device or a named pipe is written into, never replaced (:mod:`marsad.publish.files`).
    """
    if not is_stdout(out):
        if binary and is_special(out) and _same_as_stdout(out) and sys.stdout.isatty():
            _refuse_binary_to_terminal(out, suffix, what)
        with writing(out):
            yield out
        return
    if binary and sys.stdout.isatty():
        _refuse_binary_to_terminal(out, suffix, what)
    with tempfile.TemporaryDirectory(prefix="marsad-out-") as folder:
        path = Path(folder) / f"out{suffix}"
        with writing(path):
            yield path
        sys.stdout.flush()
        try:
            with path.open("rb") as f:
                while chunk := f.read(1 << 20):
                    _write_all(sys.stdout.buffer, chunk)
            sys.stdout.buffer.flush()
        except BrokenPipeError:  # `marsad export --out - | head`: the reader has enough,
            raise  # and the command stops there, quietly (MarsadGroup.invoke)


def _write_all(stream: Any, data: bytes) -> None:
    """Write all of ``data`` to ``stream``: an unbuffered stream (``PYTHONUNBUFFERED=1``
    makes ``sys.stdout.buffer`` a raw file) writes once and returns how much it took, and
    into a pipe whose reader closed it half-way that was part of the output, silently
    (``marsad export --out - | head -1`` said ``Wrote 55,754 observations``, exit 0);
    writing the rest meets the closed pipe (``BrokenPipeError``)."""
    view = memoryview(data)
    while view:
        done = stream.write(view)
        view = view[len(view) if done is None else done :]


def _refuse_binary_to_terminal(out: Path, suffix: str, what: str) -> NoReturn:
    raise BadArgument(
        f"--out {out}: {what} writes a binary {suffix} file, which a terminal cannot show: "
        f"redirect or pipe standard output (--out {out} > file{suffix}), or give a file name "
        "(nothing was written)"
    )


def _same_as_stdout(out: Path) -> bool:
    """Whether ``out`` is the file standard output writes to (``/dev/stdout``,
    ``/dev/fd/1``, or the terminal or pipe it is), compared by device and inode."""
    try:
        return os.path.samestat(os.stat(out), os.fstat(sys.stdout.fileno()))
    except (OSError, ValueError, AttributeError):  # (no real stdout, e.g. under a test runner)
        return False


def wrote(message: str, out: Path) -> None:
    """What a command wrote, on stdout; on stderr when ``--out`` holds stdout (``-``, or
    ``/dev/stdout``), which then carries the file's bytes and nothing else."""
    if is_stdout(out) or (is_special(out) and _same_as_stdout(out)):
        say(message)
    else:
        console().print(message, markup=False)


def check_out_folder(out: Path) -> Path:
    """``--out`` as a folder to write files into (``marsad synth``), refused as
    :func:`check_out` refuses a file: a folder of the warehouse (of ``MARSAD_WAREHOUSE``)
    or of a release, where the files written would mix with frozen ones, and a folder
    whose parent does not exist (:func:`check_parent`)."""
    check_parent(out)  # the folder itself is made, never a missing one above it
    target = out.expanduser().absolute().resolve()
    said = _warehouse_part(target, warehouse_path(None))
    if said is None and (target / MANIFEST).is_file():
        said = f"a release (it holds a {MANIFEST})"
    if said:
        raise BadArgument(f"--out {out} is {said}: give another folder (nothing was written)")
    return out


def _warehouse_part(target: Path, wh: Path) -> str | None:
    """What of the warehouse ``wh`` or of a release the resolved path ``target`` is
    in, in words, or ``None`` when it is none of them."""
    from marsad.engine.records import store_folder

    if target in (wh.resolve(), wh.with_name(wh.name + ".wal").resolve()):
        return "the warehouse's own file"
    if target.is_relative_to(store_folder(wh).resolve()):
        return "in the warehouse's record store"
    if any(target.is_relative_to(root) for root in _release_roots(wh)):
        return "in the releases folder"
    if any((folder / MANIFEST).is_file() for folder in target.parents):
        return f"in a release (its folder holds a {MANIFEST})"
    return None


def _release_roots(wh: Path) -> set[Path]:
    """Every releases folder of the warehouse ``wh`` that can be known: the one set by
    ``MARSAD_RELEASES_DIR`` and the default ``releases/`` beside the warehouse, which
    holds the releases made before the setting was (or after it is no longer) set."""
    from marsad.release.store import releases_root

    return {releases_root(wh).resolve(), (wh.parent / "releases").resolve()}


def loose_end(name: str) -> tuple[str, str]:
    """``name`` without the dots and spaces that end it, and those in words (empty when
    none): a name ending so is a slip (``--out name.``), and no suffix to Python, so
    that a hint adding one suggested ``name..html``.

    >>> loose_end("name."), loose_end("x.html.."), loose_end("b.csv "), loose_end("b.csv")
    (('name', 'a dot'), ('x.html', 'dots'), ('b.csv', "' '"), ('b.csv', ''))
    """
    kept = name.rstrip(". \t\n\r\v\f")
    end = name[len(kept) :]
    if not end:
        return kept, ""
    if set(end) == {"."}:
        return kept, "a dot" if end == "." else "dots"
    return kept, quoted(end)


def name_with(name: str, suffix: str, *, same: str | tuple[str, ...]) -> str:
    """``name`` as a hint gives it back: kept when its suffix is one of ``same`` (in any
    case), else with its suffix, if any, replaced by ``suffix``.

    >>> name_with("x.html", ".html", same=(".html", ".md")), name_with("x.csv", ".html", same=".html")
    ('x.html', 'x.html')
    >>> name_with("name", ".csv", same=".csv"), name_with("v1.2.csv", ".xlsx", same=".xlsx")
    ('name.csv', 'v1.2.xlsx')
    """  # noqa: E501
    kept = Path(name)
    if kept.suffix.lower() in ((same,) if isinstance(same, str) else same):
        return name
    if kept.suffix and kept.stem:
        return str(kept.with_suffix(suffix))
    return name + suffix


def check_suffix(out: Path, suffix: str, what: str) -> Path:
    """``--out`` when its suffix is ``suffix`` (in any case) or when it has none; a file
    name that says another format is refused (:class:`~marsad.errors.BadArgument`, exit 2,
    nothing written): ``marsad export --format xlsx --out x.csv`` wrote a workbook named
    ``.csv``. ``what`` names what is written (e.g. ``--format xlsx``). A device, a named
    pipe or a socket (``/dev/stdout``, ``results.pipe``: :func:`is_special`) is not
    checked: its name is not a file name chosen for a format, as ``-`` is not.

    >>> check_suffix(Path("t.XLSX"), ".xlsx", "--format xlsx"), check_suffix(Path("t"), ".csv", "")
    (PosixPath('t.XLSX'), PosixPath('t'))
    >>> check_suffix(Path("t.csv"), ".xlsx", "--format xlsx")
    Traceback (most recent call last):
    ...
    marsad.errors.BadArgument: --out t.csv: --format xlsx writes a .xlsx file, not .csv; give a name ending .xlsx (nothing was written)
    """  # noqa: E501
    if is_stdout(out) or is_special(out):  # the format says what it is, not the name
        return out
    name, end = loose_end(out.name)
    if end:  # "t.": no suffix to Python, so it passed as "t" does, and wrote "t."
        example = out.with_name(name_with(name or "out", suffix, same=suffix))
        raise BadArgument(
            f"--out {excerpt(str(out), 1000)}: the name ends with {end}; {what} writes a "
            f"{suffix} file: give a name ending {suffix}, e.g. --out {example} (nothing "
            "was written)"
        )
    # a name that is all suffix (".csv": a hidden file to Python, which sees no suffix)
    said = out.suffix or (out.name if out.name.startswith(".") else "")
    if said and said.lower() != suffix:
        raise BadArgument(
            f"--out {out}: {what} writes a {suffix} file, not {said}; "
            f"give a name ending {suffix} (nothing was written)"
        )
    return out


def open_store(path: Path | None, *, read_only: bool, must_exist: bool | None = None) -> Warehouse:
    """Open the warehouse and say which one on stderr, then where its records are
    (``records: /data/marsad.records``) and, on the open that moved the records of an
    older warehouse there, ``moved 12,345 records to the record store /data/marsad.records``.

    A read-only open never creates the file (nor its folder): a missing one is a
    :class:`~marsad.errors.WarehouseMissing` (``no warehouse at PATH: load files
    first with marsad ingest``), as does a missing one that ``must_exist``
    (default: when ``read_only``). A lock, a permission or a full disk is one plain
    :class:`~marsad.errors.UnreadableInput` line.
    """
    path = warehouse_path(path)
    say(f"warehouse: {path}")
    if (read_only if must_exist is None else must_exist) and not path.exists():
        raise WarehouseMissing(f"no warehouse at {path}: load files first with marsad ingest")
    from marsad.engine import open_warehouse

    wh = open_warehouse(path, read_only=read_only)
    if wh.records.legacy:
        say("records: in the warehouse file (an older layout: the next ingest or build moves "
            f"them to {wh.records.root})")  # fmt: skip
    else:
        say(f"records: {wh.records.root}")
    if wh.records.migrated is not None:
        say(f"moved {wh.records.migrated:,} records to the record store {wh.records.root}")
    return wh


# -- output files ----------------------------------------------------------------------------

#: OS faults a user can fix, in words: the machine's (:data:`~marsad.errors.OS_CAUSES`),
#: and a path that names a folder, or a file, where the other is needed.
_OS_FAULTS = {
    **OS_CAUSES,
    errno.EISDIR: "it is a folder",
    errno.EEXIST: "a file is in the way of a folder",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
}


@contextlib.contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn an OS fault while writing ``path`` into one plain line (exit code 2).

    >>> with writing(Path("/proc/x.csv")): ...  # doctest: +SKIP
    marsad: error: cannot write /proc/x.csv: permission denied
    """
    try:
        yield
    except BrokenPipeError:  # standard output's reader went (--out /dev/stdout | head)
        raise
    except OSError as exc:
        reason = _OS_FAULTS.get(os_code(exc)) or (exc.strerror or type(exc).__name__).lower()
        raise CannotWrite(f"cannot write {path}: {reason}") from exc


# -- progress bars ---------------------------------------------------------------------------


def progress_bars() -> Progress:
    """Rich progress bars on stderr (spinner, bar, done of total, time)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False, style="bold"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )


def bar(progress: Progress, description: str) -> Callable[[int, int], None]:
    """A new bar and the ``(done, total)`` callback that moves it."""
    task = progress.add_task(visible(description), total=None)

    def update(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)

    return update


# -- errors ----------------------------------------------------------------------------------


def _user_message(exc: BaseException) -> tuple[str, int] | None:
    """The one line and exit code of an error a user can fix, or ``None`` for a bug.

    Faults of the machine met by the SQL engine (a lock, a full disk, a read-only
    file) are told apart by :func:`marsad.engine.classify_error`: only ``engine/``
    knows the driver's exceptions. The engine is asked only when it was imported
    (else no SQL ran), so that this module stays light.
    """
    if isinstance(exc, MarsadError):
        return str(exc), exc.exit_code
    if "marsad.engine" in sys.modules:
        from marsad.engine import classify_error

        fault = classify_error(exc)
        if fault is not None:
            return str(fault), fault.exit_code
    fault = os_fault(exc)  # (before any SQL: a file the command writes itself)
    if fault is not None:
        return fault, 2
    return None


#: Exit code of a command whose standard output was closed by its reader (``| head``):
#: 128 + SIGPIPE, as the shell reports ``yes | head -1``'s ``yes``, killed by SIGPIPE.
EXIT_PIPE = 141


def stdout_closed() -> int:
    """Stop writing to standard output, whose reader closed it (``marsad export --out - |
    head -1``), and return the exit code to stop with, :data:`EXIT_PIPE`. As ``yes``,
    ``cat`` or ``grep`` do, nothing more is said: no ``Wrote 55,754 observations to
    standard output.`` (which the command said, exit 0, though the reader had one line),
    no error line (the reader chose to stop: ``head`` is no fault) and no ``Exception
    ignored … BrokenPipeError`` from Python flushing the stream at exit (the descriptor
    then points at the null device). The code is the shell's for a program killed by
    SIGPIPE, the Unix default, so that ``set -o pipefail`` sees the output was cut, as
    it does for ``yes | head``; Python ignores SIGPIPE, so it is exited with here."""
    with contextlib.suppress(OSError, ValueError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    return EXIT_PIPE


def _interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is the SQL engine's answer to Ctrl-C
    (:func:`marsad.engine.interrupted`): asked only when the engine was imported."""
    if "marsad.engine" not in sys.modules:
        return False
    from marsad.engine import interrupted

    return interrupted(exc)


def crash_log(exc: BaseException) -> Path:
    """Write the traceback of ``exc`` to ``marsad-crash-<timestamp>.log`` in the user's
    cache folder (else the temp folder) and return its path."""
    text = "".join(traceback.format_exception(exc))
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "marsad"
    for folder in (cache, Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"marsad-crash-{stamp}.log"
            path.write_text(
                f"marsad {' '.join(sys.argv[1:])}\n\n{text}",
                encoding="utf-8",
                errors="backslashreplace",  # (a file name of latin-1 bytes in the arguments)
            )
            return path
        except OSError:
            continue
    raise exc


class MarsadGroup(TyperGroup):
    """The ``marsad`` group: runs a command and turns its errors into what the user sees."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        """Parse and run; a usage error (an unknown option, a value not among the
        choices) is one line ``marsad: error: …`` with where to look, exit code 2."""
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except Abort:
            if not standalone_mode:
                raise
            say("marsad: aborted")
            sys.exit(1)
        except TyperException as exc:  # click's usage errors (typer vendors click)
            if not standalone_mode or not hasattr(exc, "format_message"):
                raise
            message = exc.format_message().replace("Value error, ", "")
            if type(exc).__name__ == "NoArgsIsHelpError":  # a group without arguments: its help
                typer.echo(message)
            elif message:
                where = getattr(getattr(exc, "ctx", None), "command_path", None) or "marsad"
                # one line: click lists the choices of a missing option one per line
                # ("Choose from:\n\tcsv,\n\txlsx…"), which showed as \n\t escapes
                message = " ".join(message.split())
                say(f"marsad: error: {message} (see: {where} --help)")
            sys.exit(getattr(exc, "exit_code", 2))
        if standalone_mode:
            try:  # what is still buffered: its reader may have gone too
                sys.stdout.flush()
            except BrokenPipeError:
                sys.exit(stdout_closed())
            sys.exit(result if isinstance(result, int) else 0)
        return result

    def invoke(self, ctx: Any) -> Any:
        """Run the command; a user error is one line, a bug keeps its traceback."""
        try:
            return super().invoke(ctx)
        except (Exit, Abort, TyperException):  # typer's own: usage errors, exits
            raise
        except BrokenPipeError:  # `marsad … | head -1`: standard output's reader went
            raise typer.Exit(stdout_closed()) from None
        except Exception as exc:
            if _interrupted(exc):  # Ctrl-C met by the SQL engine: as any other Ctrl-C
                raise typer.Exit(EXIT_INTERRUPTED) from None
            handled = _user_message(exc)
            if handled is not None:
                say(f"marsad: error: {handled[0]}")
                raise typer.Exit(handled[1]) from None
            if ctx.params.get("debug"):
                raise
            path = crash_log(exc)
            say(f"marsad: internal error ({type(exc).__name__}): this is a bug, not your data.")
            say(f"marsad: the traceback is in {path} (run with --debug to see it here)")
            raise typer.Exit(EXIT_BUG) from None
