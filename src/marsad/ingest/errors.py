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
        super().__init__(f"{self.path.name}: {reason}")


def first_line(msg: str) -> str:
    """The first non-blank line of a library's error message.

    >>> first_line("\\nInvalid Input Error: bad file\\n  at line 3")
    'Invalid Input Error: bad file'
    """
    lines = [ln.strip() for ln in msg.splitlines() if ln.strip()]
    return lines[0] if lines else msg
