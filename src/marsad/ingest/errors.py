"""Why a load stops: errors the user can act on, in plain words."""

from __future__ import annotations

from pathlib import Path

from marsad.errors import MarsadError, UnreadableInput


class IngestError(MarsadError):
    """Ingestion failed for a reason the user can act on (message in plain words)."""


class FileRefused(IngestError, UnreadableInput):
    """The file as a whole cannot be loaded (unreadable, a required column
    missing, …): it is refused whole, exit code 2.

    >>> str(FileRefused("in/bank.csv", "the file is empty"))
    'bank.csv: the file is empty'
    """

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{shown(self.path)}: {reason}")


def shown(path: Path) -> str:
    """``path`` as a message names it: the file's name (``bank.csv``), or the path as
    given when it is no file's: a folder (``.`` has no name: ``: is a folder``), a device
    (``/dev/null`` was ``null``).

    >>> shown(Path("/dev/null")), shown(Path(".")), shown(Path("/no/such.csv"))
    ('/dev/null', '.', 'such.csv')
    """
    if not path.name or (path.exists() and not path.is_file()):
        return str(path)
    return path.name


def first_line(msg: str) -> str:
    """The first non-blank line of a library's error message.

    >>> first_line("\\nInvalid Input Error: bad file\\n  at line 3")
    'Invalid Input Error: bad file'
    """
    lines = [ln.strip() for ln in msg.splitlines() if ln.strip()]
    return lines[0] if lines else msg


def not_a_file(path: Path) -> str | None:
    """Why ``path`` cannot be ingested before it is opened, in words after its name, or
    ``None`` for a regular file (a symlink is followed). A named pipe, a device or a
    socket is refused: a file is read more than once (its SHA-256, then its rows), and
    opening a pipe that no program writes waited forever (``marsad ingest <(…)`` too).

    >>> not_a_file(Path("/no/such.csv")), not_a_file(Path("/"))
    ('no such file', 'is a folder, not a file')
    """
    import stat

    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):
        return "no such file"
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if not stat.S_ISREG(mode):
        return (
            "is a named pipe, a device or a socket, not a file: marsad ingest reads a file "
            "more than once (its SHA-256, then its rows); save the data to a file and "
            "ingest that"
        )
    return None
