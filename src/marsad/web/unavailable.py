"""Releases that cannot be served, and which requests they stop.

A release the office made may be unreadable on the server: damaged (its manifest cannot
be read, a frozen file changed since) or missing (a later release's manifest lists it,
its folder is gone). Its date is then unknown, so whether it is the latest, or the one in
force on a day, is known only from the others' manifests: each lists every release made
before it (:func:`later`). When it may be the one a request selects (``latest``,
``asOf``), the request is :class:`ReleaseUnavailable` (503), never answered with an older
release as if it were the latest or the one in force.

>>> str(ReleaseUnavailable(["R3"], [], None))[:45]
'the latest release (R3) is unavailable for th'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from marsad.errors import MarsadError
from marsad.release.store import DamagedRelease


class _Listed(Protocol):
    date: str
    previous: tuple[str, ...]


class ReleaseUnavailable(MarsadError):
    """The release that ``latest`` or ``asOf`` selects cannot be served: damaged on the
    server (its manifest cannot be read) or missing from it, so that its date, and
    whether it is the one asked for, cannot be known. Answered 503 with ``Retry-After``
    (:mod:`marsad.web.problems`), never an older release served in its place as if it
    were the latest or the one in force (a reader took R2's figures for the latest while
    R3, damaged, was). Its message is public and plain (e.g. ``the latest release (R3)
    is unavailable for the moment on this server: …``); ``faults`` are for the server's
    log only.
    """

    def __init__(self, ids: list[str], faults: list[DamagedRelease], day: str | None,
                 *, others: bool = True) -> None:  # fmt: skip
        self.ids, self.faults, self.day = tuple(ids), tuple(faults), day
        named = ", ".join(ids)
        if day is None:
            said = f"the latest release ({named}) is unavailable"
        else:
            said = f"the release in force on {day} may be {named}, which is unavailable"
        # ``others``: a release the server can serve, to name by id meanwhile
        more = ", or name an earlier release by id" if others else ""
        super().__init__(f"{said} for the moment on this server: try again later{more}")


def later(every: Iterable[_Listed], faults: Mapping[str, DamagedRelease],
          info: _Listed | None, day: str | None) -> list[str]:  # fmt: skip
    """The ids of ``faults`` (releases that cannot be read, by id) that may have been made
    after ``info`` (``None``: before every release) and dated on or before ``day``
    (``None``: any day), ``every`` being the releases read: one that ``info`` lists came
    before it; one that a release dated after ``day`` does not list came after that one.

    >>> from types import SimpleNamespace as R
    >>> r1, r2 = R(date="2025-10-15", previous=()), R(date="2025-11-15", previous=("R1",))
    >>> r3 = DamagedRelease("release R3: …", release="R3")
    >>> later([r1, r2], {"R3": r3}, r2, None), later([r1, r2], {"R3": r3}, r1, "2025-11-01")
    (['R3'], [])
    """
    every = list(every)
    found = []
    for release_id, fault in faults.items():
        names = {release_id, fault.holds} - {""}
        if info is not None and names & set(info.previous):
            continue  # made before info
        if day is not None and any(r.date > day and not names & set(r.previous) for r in every):
            continue  # made after a release dated after day
        found.append(release_id)
    return found
