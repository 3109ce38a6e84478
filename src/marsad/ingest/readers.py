"""Reading the files of a batch: each to its reader, into the staging tables.

The format is recognised (:func:`~marsad.ingest.scan.detect_format`); a text
file is first planned (:func:`~marsad.ingest.text.prepare_text`: encoding,
separator, header, decimal mark), so that small files of one dialect are read
together; Excel (:mod:`~marsad.ingest.excel`) and Parquet
(:mod:`~marsad.ingest.parquet`) files are staged directly. A file that cannot
be read is refused (:class:`FileRefused`), the others go on.
"""

from __future__ import annotations

from pathlib import Path

from marsad.engine import Warehouse
from marsad.ingest.errors import FileRefused, IngestError
from marsad.ingest.excel import stage_excel
from marsad.ingest.options import ProgressFn, ReadOptions
from marsad.ingest.parquet import stage_parquet
from marsad.ingest.scan import detect_format
from marsad.ingest.schema import Kind
from marsad.ingest.staging import BatchFile
from marsad.ingest.text import TextPlan, prepare_text, read_text, stage_text_group

#: Text files up to this size, of one dialect, are read with one ``read_csv``.
GROUP_BYTES = 64 * 1024 * 1024

__all__ = ["stage_batch"]


def stage_batch(
    wh: Warehouse,
    kind: Kind,
    files: list[BatchFile],
    options: ReadOptions,
    tmp: Path,
    progress: ProgressFn | None,
    on_refused: str,
) -> None:
    """Stage every file of the batch (``f.staged``), or mark it refused
    (raise :class:`FileRefused` when ``on_refused == "raise"``)."""

    plans: dict[int, TextPlan] = {}
    for f in files:
        try:
            plan = _plan_or_stage(wh, kind, f, options, tmp, progress)
        except IngestError as exc:
            _refuse(f, exc, on_refused)
        else:
            if plan is not None:
                plans[f.index] = plan
    for members in _text_groups(files, plans):
        try:
            _stage_text(wh, kind, members, plans, tmp, progress, on_refused)
        except IngestError as exc:
            for f in members:
                if f.staged is None:
                    _refuse(f, exc, on_refused)


def _refuse(f: BatchFile, exc: IngestError, on_refused: str) -> None:
    """Refuse the file whole: raise, or mark it (the other files go on)."""
    refused = FileRefused(f.path, str(exc))
    if on_refused == "raise":
        raise refused from None
    f.refused = refused


def _plan_or_stage(
    wh: Warehouse,
    kind: Kind,
    f: BatchFile,
    options: ReadOptions,
    tmp: Path,
    progress: ProgressFn | None,
) -> TextPlan | None:
    """A text file's plan (read later, with its group); Excel and Parquet staged now."""
    assert f.scan is not None
    fmt = detect_format(f.path, f.scan, options)
    if fmt == "csv":
        return prepare_text(kind, f.path, f.scan, options, tmp, progress)
    if fmt == "excel":
        f.staged = stage_excel(wh, kind, f.path, options, f.index)
    else:
        f.staged = stage_parquet(wh, kind, f.path, options, f.index)
    return None


def _text_groups(files: list[BatchFile], plans: dict[int, TextPlan]) -> list[list[BatchFile]]:
    """The text files, grouped by dialect when small and not transcoded."""
    groups: dict[tuple, list[BatchFile]] = {}
    for f in files:
        plan = plans.get(f.index)
        if plan is None:
            continue
        small = plan.read_path == f.path and plan.size <= GROUP_BYTES
        key = plan.dialect if small else ("alone", f.index)
        groups.setdefault(key, []).append(f)
    return list(groups.values())


def _stage_text(wh, kind, members, plans, tmp, progress, on_refused) -> None:
    """Stage one group of text files (one file: on its own)."""
    if len(members) == 1:
        (f,) = members
        f.staged = read_text(wh, kind, plans[f.index], tmp, progress, f.index)
        return
    staged = stage_text_group(
        wh, kind, [(f.index, plans[f.index]) for f in members], tmp, progress,
        tag=members[0].index,
    )  # fmt: skip
    for f in members:
        result = staged[f.index]
        if isinstance(result, IngestError):
            _refuse(f, result, on_refused)
        else:
            f.staged = result
