"""Ids that match a known one only when case is ignored, said in the load's notes.

Ids are compared as written (``F002`` and ``f002`` are two firms: a registry may hold
both), so nothing is changed; but a reviewer's record of firm ``f002`` was not matched to
the registry's ``F002``, went by the service-code concordance into another segment, and
the only sign was a count in the build's report. A reporter ``banka`` beside the
warehouse's ``BANKA`` likewise made ``coverage`` count a second bank. Each such id is now
a note of the file's report, naming the id and the one it differs from (ids, never an
amount)."""

from __future__ import annotations

from marsad.engine import Warehouse
from marsad.ingest.keys import CHK
from marsad.ingest.schema import Kind
from marsad.ingest.staging import BatchFile

#: The most ids a note names (then "and N more").
SHOWN = 3


def note_case_variants(wh: Warehouse, kind: Kind, files: list[BatchFile]) -> None:
    """Add to each transactions file's notes the firm ids not in the registry that are a
    registered firm's in another case, and the reporters the warehouse knows in
    another case (checked rows, table ``_ing_chk``)."""
    if kind.table != "transactions" or not files:
        return
    by_index = {f.index: f for f in files if f.staged is not None}
    reporters = _reporters(wh)
    for what, rows in (
        ("firm", _firms(wh)),
        ("reporter", [(i, w, k) for i, w, k, held in reporters if held]),
        ("reporter in the load", [(i, w, k) for i, w, k, held in reporters if not held]),
    ):
        per_file: dict[int, list[tuple[str, str]]] = {}
        for i, written, known in rows:
            per_file.setdefault(int(i), []).append((written, known))
        for i, pairs in per_file.items():
            if i in by_index:
                by_index[i].staged.notes.append(case_note(what, pairs))


def case_note(what: str, pairs: list[tuple[str, str]]) -> str:
    """The note of ``pairs`` (id as written, id known) of a ``what`` (firm, reporter).

    >>> case_note("firm", [("f002", "F002")])
    "firm id 'f002' is not in the registry, but 'F002' is (ids are compared as written: the records went by their service code; correct the file or the registry)"
    >>> case_note("reporter", [("banka", "BANKA"), ("bk2", "BK2")])[:60]
    "reporters 'banka', 'bk2' are known to this warehouse as 'BAN"
    >>> case_note("reporter in the load", [("bk01", "BK01")])[:54]
    "reporter 'bk01' is written also as 'BK01' in the files"
    """  # noqa: E501
    pairs = sorted(pairs)
    more = f" and {len(pairs) - SHOWN} more" if len(pairs) > SHOWN else ""
    written = ", ".join(repr(w) for w, _ in pairs[:SHOWN]) + more
    known = ", ".join(repr(k) for _, k in pairs[:SHOWN])
    one = len(pairs) == 1
    ids = ("firm id" if what == "firm" else what) + ("" if one else "s")
    verb = "is" if one else "are"
    if what == "reporter in the load":
        return (
            f"{ids.replace(' in the load', '')} {written} {verb} written also as {known} in "
            "the files of this load (two banks to coverage: ids are compared as written; "
            "correct the file if it is the same bank)"
        )
    if what == "firm":
        return (
            f"{ids} {written} {verb} not in the registry, but {known} {verb} (ids are compared "
            "as written: the records went by their service code; correct the file or the "
            "registry)"
        )
    return (
        f"{ids} {written} {verb} known to this warehouse as {known} (another bank to "
        "coverage: ids are compared as written; correct the file if it is the same bank)"
    )


def _firms(wh: Warehouse) -> list[tuple]:
    """(file, firm id as written, the registry's) for the batch's unregistered firm ids."""
    if not wh.has_table("firms"):
        return []
    return wh.sql(
        f"""WITH unknown AS (
                SELECT DISTINCT _file, firm_id FROM {CHK}
                WHERE _fail IS NULL AND firm_id IS NOT NULL
                  AND firm_id NOT IN (SELECT firm_id FROM firms WHERE firm_id IS NOT NULL))
            SELECT u._file, u.firm_id, min(f.firm_id)
            FROM unknown u JOIN firms f ON upper(u.firm_id) = upper(f.firm_id)
            GROUP BY ALL ORDER BY ALL"""
    )


def _reporters(wh: Warehouse) -> list[tuple]:
    """(file, reporter as written, the other) for the batch's reporters that the
    warehouse, or the batch itself, knows in another case (a few: in Python)."""
    known = {r for r, *_ in wh.records.deliveries()}
    batch = wh.sql(
        f"SELECT DISTINCT _file, reporter FROM {CHK} WHERE _fail IS NULL AND reporter IS NOT NULL"
    )
    every: dict[str, set[str]] = {}
    for r in known | {r for _, r in batch}:
        every.setdefault(r.upper(), set()).add(r)
    out = []
    for i, r in sorted(batch):
        others = every[r.upper()] - {r}
        if others and r not in known:
            # (the other known to the warehouse, or only written in this load's files)
            out.append((i, r, min(others), bool(others & known)))
    return out
