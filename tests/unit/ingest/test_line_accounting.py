"""Property: in a messy CSV (title blocks with quotes, unclosed quotes, lines
with too few or far too many fields, embedded newlines, stray bytes, blank
lines), every line is accounted for: rows read = loaded + quarantined, each
record's first line is a loaded or quarantined row, and every other line
holding text is the continuation of a quoted value. Nothing is swallowed."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from marsad.engine.warehouse import Warehouse
from marsad.ingest import ReadOptions, load_files

from .conftest import TX_HEADER, tx

TITLES = {
    "none": b"",
    "plain": b"Releve des reglements\n\n",
    "quoted multi-line": b'"Releve\nmensuel",,\n"BK ""01"""\n',
    "unclosed quote": b'"Releve mensuel\n',
}


def _line(kind: str, i: int) -> tuple[bytes, int]:
    """A record of ``kind`` as bytes, and the physical lines it spans."""
    row = tx(f"R{i}", firm_id="Société")
    cells = [row[h] for h in TX_HEADER]
    if kind == "bad value":
        cells[5] = "x"
    elif kind == "few":
        cells = cells[:5]
    elif kind == "many":
        cells += ["extra", "more"]
    elif kind == "wide":
        cells += ["1"] * 5000
    elif kind == "unclosed":
        cells[2] = '"Soc'
    elif kind == "multiline":
        cells[2] = '"two\nlines"'
    elif kind == "stray":  # a quote inside a value: where an unclosed one may end
        cells[2] = 'So"c'
    text = ",".join(cells).encode()
    if kind == "bad byte":
        text = text.replace(b"Soci", b"So\xffci")
    return text + b"\n", text.count(b"\n") + 1


KINDS = [
    "good", "good", "bad value", "few", "many", "wide", "unclosed", "multiline", "bad byte",
    "stray", "run",
]  # fmt: skip
#: good records in a "run": over 10,000 characters, more than DuckDB shows of a rejected line
RUN = 250


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kinds=st.lists(st.sampled_from([*KINDS, "blank"]), min_size=1, max_size=14),
    title=st.sampled_from(sorted(TITLES)),
)
@example(kinds=["unclosed", "run"], title="none")  # a quote never closed, 16 KB after it
@example(kinds=["good", "unclosed", "run", "stray", "run"], title="plain")  # closed far on
@example(kinds=["stray", "blank", "good"], title="none")  # a quote inside a value opens nothing
@example(kinds=["unclosed", "bad byte", "run"], title="none")  # a stray byte in what it swallowed
def test_every_line_is_loaded_or_quarantined(kinds, title):
    data = TITLES[title] + ",".join(TX_HEADER).encode() + b"\n"
    line = data.count(b"\n") + 1
    starts, continuation, good = [], set(), set()
    for i, kind in enumerate(kinds):
        if kind == "blank":
            data += b"\n"
            line += 1
            continue
        if kind == "run":
            for k in range(RUN):
                text, _span = _line("good", 10_000 + i * 1000 + k)
                starts.append(line)
                good.add(f"R{10_000 + i * 1000 + k}")
                data += text
                line += 1
            continue
        text, span = _line(kind, i)
        starts.append(line)
        continuation.update(range(line + 1, line + span))
        if kind == "good":
            good.add(f"R{i}")
        data += text
        line += span
    with_text = {n for n, x in enumerate(data.split(b"\n"), start=1) if x.strip()}

    work = Path(tempfile.mkdtemp(prefix="marsad-lines-"))
    try:
        path = work / "messy.csv"
        path.write_bytes(data)
        wh = Warehouse(work / "wh.duckdb")
        try:
            (r,) = load_files(wh, "transactions", [path], options=ReadOptions(decimal="."))
            loaded = dict(wh.sql("SELECT line, record_id FROM transactions"))
            held = [x[0] for x in wh.sql("SELECT line FROM ingest_quarantine")]
        finally:
            wh.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rows = sorted([*loaded, *held])
    assert r.rows_read == r.loaded + r.quarantined == len(rows)
    assert len(set(rows)) == len(rows), "a line counted twice"
    assert set(starts) <= set(rows), "a record swallowed"
    header_line = r.header_line
    body = {n for n in with_text if n > header_line}
    assert body <= set(rows) | continuation, "a line neither loaded nor quarantined"
    assert set(rows) <= body
    assert good <= set(loaded.values()), "a good record lost"
