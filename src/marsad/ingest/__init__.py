"""Ingestion: bank files in, validated records, quarantine and ledger out.

``load_files(wh, kind, paths)`` is the entry point the command line and the
demo use; see :mod:`marsad.ingest.load` for what a load guarantees, and
:mod:`marsad.ingest.readers` for the file formats read.
"""

from marsad.ingest.load import LoadReport, load_file, load_files
from marsad.ingest.readers import FileRefused, IngestError, ProgressEvent, ReadOptions
from marsad.ingest.schema import KINDS, RULES
from marsad.ingest.store import ensure_tables, find_load

__all__ = [
    "KINDS",
    "RULES",
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
