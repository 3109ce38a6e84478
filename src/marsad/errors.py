"""What a user can fix, as opposed to a bug.

Every error that a user can act on (a file that cannot be read, a warehouse
that does not exist, a period written wrongly, a missing exchange rate) is a
:class:`MarsadError`. The command line prints its message as one plain line and
exits with its ``exit_code``: 2 when the work could not start (input that
cannot be read, :class:`UnreadableInput`, such as a frozen release file changed since,
``marsad.release.store.DamagedRelease``; an option written wrongly,
:class:`BadArgument`; a fault of the machine such as a full disk,
:class:`CannotWrite`), 1 otherwise. Any other exception is a bug and keeps
its traceback (shown with ``marsad --debug``, otherwise written to a log file
whose path is printed).

>>> str(MarsadError("nothing is built yet: run `marsad build` first"))
'nothing is built yet: run `marsad build` first'
>>> UnreadableInput("x").exit_code, MarsadError("y").exit_code
(2, 1)
"""

from __future__ import annotations


class MarsadError(Exception):
    """An error a user can fix; its message is one plain line (exit code 1)."""

    exit_code: int = 1


class UnreadableInput(MarsadError):
    """A file or warehouse that cannot be read at all (exit code 2)."""

    exit_code = 2


class WarehouseMissing(UnreadableInput):
    """A read-only command was given a warehouse path that does not exist."""


class BadArgument(MarsadError):
    """An option or argument that names nothing or is written wrongly (e.g. ``no load
    matches 'L9'``, ``--memory-limit lots``): exit code 2, as for other usage errors."""

    exit_code = 2


class PeriodError(BadArgument, ValueError):
    """A period written wrongly (e.g. ``2025-H1``): ``not a period: write 2025-S1``."""


class CannotWrite(MarsadError):
    """An output that cannot be written: permission, a full disk, a read-only folder (exit 2)."""

    exit_code = 2


#: Characters of a request's header or parameter an error message quotes at most.
QUOTED = 60


def excerpt(value: str, limit: int = QUOTED) -> str:
    """``value`` as an error message may show it: at most ``limit`` characters, then
    ``…``, with what does not print (control characters, line breaks) escaped. A message
    quoting a request's input in full echoed a 20 KB ``Accept`` header back.

    >>> excerpt("a" * 100, 5), excerpt("x\\ny")
    ('aaaaa…', 'x\\\\ny')
    """
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in value[:limit])
    return shown + ("…" if len(value) > limit else "")


def quoted(value: str, limit: int = QUOTED) -> str:
    """:func:`excerpt` in quotes (``'period'``), as a message names a value given."""
    return f"'{excerpt(value, limit)}'"
