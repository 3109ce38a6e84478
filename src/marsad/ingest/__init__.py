"""Ingestion: bank files in, validated records, quarantine and ledger out.

``load_files(wh, kind, paths)`` is the entry point the command line and the
demo use; see :mod:`marsad.ingest.load` for what a load guarantees. The
modules, in the order a load runs them:

``schema``      the kinds of file, their fields and rules; the table definitions
``options``     what the user states (:class:`ReadOptions`) and what was
                :class:`Detected` about a file
``scan``        one pass over the bytes: SHA-256, text statistics, format
``readers``     each file to its reader: ``text/`` (encoding, dialect,
                ``read_csv``, line numbers), ``excel``, ``parquet``; shared:
                ``header``, ``staging``
``validate``    the row checks, one SQL pass
``versions``    duplicates and corrections; ``quarantine``; ``ledger``
``load``        the orchestration: read, check, write in one transaction
``store``       ingest's own tables (ledger, totals, quarantine, history)

Names are imported on first use, so that ``marsad.ingest.schema`` (read by
``marsad.engine``) stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from marsad.ingest.errors import FileRefused, IngestError
    from marsad.ingest.ledger import LoadReport
    from marsad.ingest.load import load_file, load_files
    from marsad.ingest.options import Detected, ProgressEvent, ReadOptions
    from marsad.ingest.schema import KINDS, RULES
    from marsad.ingest.store import ensure_tables, find_load

_WHERE = {
    "KINDS": "schema",
    "RULES": "schema",
    "Detected": "options",
    "FileRefused": "errors",
    "IngestError": "errors",
    "LoadReport": "ledger",
    "ProgressEvent": "options",
    "ReadOptions": "options",
    "ensure_tables": "store",
    "find_load": "store",
    "load_file": "load",
    "load_files": "load",
}

__all__ = [
    "KINDS",
    "RULES",
    "Detected",
    "FileRefused",
    "IngestError",
    "LoadReport",
    "ProgressEvent",
    "ReadOptions",
    "ensure_tables",
    "find_load",
    "load_file",
    "load_files",
]


def __getattr__(name: str) -> object:
    if name not in _WHERE:
        raise AttributeError(f"module 'marsad.ingest' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"marsad.ingest.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
