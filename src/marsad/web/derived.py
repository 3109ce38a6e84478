"""Files made from a release for its downloads, once, into a cache folder.

A release freezes its public table, its revision triangle and its HTML bulletins; the
other downloads (Excel, SDMX, the CSV bundle, the PDF bulletins, and an HTML bulletin
in a language the release did not freeze) are made from those frozen files by the
publication's own writers (:func:`marsad.publish.export.export_release`,
:func:`marsad.publish.pdf.write_pdf`, :func:`marsad.publish.bulletin.write_bulletin`),
never from the warehouse. Each is made on first request into
``<releases>/.cache/<id>-<sha>-v<n>/`` (the release's public SHA-256 in the name, so a
file is never served for another table, and :data:`MADE`; a temporary folder when the
releases folder is not writable), written to a temporary file and renamed, under a per-file lock (a
thread lock and ``flock``): two requests at once make it once.

>>> from marsad.web.derived import EXPORTS
>>> EXPORTS["indicators.xlsx"]
'xlsx'
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from marsad.release.store import PUBLIC_CSV, Release
from marsad.web.store import PublicTable, ReleaseInfo

#: Data files made from the frozen public table, with the export format of each.
EXPORTS: dict[str, str] = {
    "indicators.xlsx": "xlsx",
    "indicators-sdmx.csv": "sdmx-csv",
    "indicators-sdmx.xml": "sdmx-ml",
    "structure-sdmx.xml": "sdmx-structure",
    "indicators-bundle.zip": "csv-bundle",
}
#: Name of the cache folder inside the releases folder (hidden: not a release id).
CACHE = ".cache"
#: The version of what is made (in each cache folder's name), raised when the files made
#: from a release change, so that one made before is made again, not served (2: a
#: bulletin's figures rounded once from the exact values, ``internal/exact.csv``).
MADE = 2

_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


def cache_dir(root: Path, info: ReleaseInfo) -> Path:
    """Where the files made from ``info`` are kept (created):
    ``<root>/.cache/<id>-<sha12>-v<MADE>``, else the same under the system's temporary
    folder when ``root`` is not writable."""
    name = f"{info.id}-{info.sha256[:12]}-v{MADE}"
    chosen = Path(root) / CACHE / name
    with contextlib.suppress(OSError):
        chosen.mkdir(parents=True, exist_ok=True)
        if os.access(chosen, os.W_OK):
            return chosen
    place = hashlib.sha256(str(Path(root).absolute()).encode()).hexdigest()[:12]
    chosen = Path(tempfile.gettempdir()) / "marsad-downloads" / place / name
    chosen.mkdir(parents=True, exist_ok=True)
    return chosen


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Hold the lock of ``path``: in this process (a thread lock) and across processes
    (``flock`` on ``.<name>.lock`` beside it)."""
    with _locks_guard:
        lock = _locks.setdefault(path, threading.Lock())
    with lock, open(path.with_name(f".{path.name}.lock"), "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def made(path: Path, make) -> Path:
    """``path``, made first by ``make(path)`` (which writes it atomically) unless it exists."""
    if path.is_file():
        return path
    with _file_lock(path):
        if not path.is_file():
            make(path)
    return path


def export(info: ReleaseInfo, name: str, out: Path) -> None:
    """Write the data file ``name`` (a key of :data:`EXPORTS`) of ``info`` to ``out``."""
    from marsad.publish.export import export_release

    frozen = Release(info.path).checked_file(PUBLIC_CSV)
    export_release(frozen, EXPORTS[name], out, info.publication())


def indicator_table(table: PublicTable):
    """The public rows as an :class:`~marsad.indicators.table.IndicatorTable` (a withheld
    value is ``None``: it is not in the frozen table), for the bulletin writer."""
    from marsad.indicators.table import IndicatorTable, Observation

    rows = [Observation(*r[:6], _exact(r[6], r[:6]), *r[7:]) for r in table.rows]
    return IndicatorTable(rows, release=table.release.id)


def _exact(value: str, key: tuple[str, ...]) -> Decimal | None:
    """A public value as the bulletin reads it: the cell's exact value when the release
    keeps it (:mod:`marsad.web.exact`), so that a bulletin made here rounds once, as the
    one frozen with the release; else the published value; None when withheld. It is a
    :class:`~marsad.publish.keyed.Keyed` that knows the published text, so that the
    bulletin shows no more decimals than the release published (whatever this server's
    ``MARSAD_PERCENT_DECIMALS``)."""
    from marsad.publish.keyed import Keyed

    if not value:
        return None
    exact = getattr(value, "exact", None)
    return Keyed(Decimal(value) if exact is None else exact, "/".join(key), str(value))


def bulletin_html(table: PublicTable, period: str, lang: str, out: Path) -> None:
    """Write the HTML bulletin of ``period`` in ``lang`` from the public table."""
    from marsad.publish.bulletin import write_bulletin

    info = table.release
    write_bulletin(
        indicator_table(table),
        period,
        lang,
        out,
        synthetic=info.synthetic,
        published=info.publication(),
    )


def bulletin_pdf(html: Path, lang: str, out: Path) -> None:
    """Print the HTML bulletin ``html`` to the PDF ``out`` (the same document)."""
    from marsad.publish.pdf import write_pdf

    write_pdf(html.read_text(encoding="utf-8"), out, lang=lang)
