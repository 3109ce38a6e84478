"""What identifies a load: a file's content (SHA-256), its sheet, and the reading
options that change its values.

The same bytes read with another decimal mark, separator, encoding, date format or
column mapping are other records (``1,500`` is 1.5 or 1500), so a file misread and
withdrawn can be read again with the right options, without editing it. Each load
keeps what it was read with (ledger column ``read_with``, JSON)::

    {"separator": ",", "encoding": "utf-8", "decimal": ",", "date_format": null,
     "columns": {"record id": "record_id"}, "cells": ["record id", "reporter", ...]}

``decimal`` is null when no number of the file needed one (whole numbers): any mark
reads it the same; ``separator`` and ``encoding`` are null for Excel and Parquet.

When the same content (and sheet) is in the ledger, only the options *stated* on this
call are compared with what the earlier load was read with: an option left to be
detected (or taken from the reporter) agrees with any earlier reading, so running the
same command again, with or without its options, is ``already loaded``. Then:

- an earlier load agrees: ``already loaded`` (withdrawn or not, as before: the same
  reading of a withdrawn load stays out);
- none agrees and one is in force: refused, saying which load to withdraw first
  (two readings of one file in force would load its records twice, or correct them
  with the other reading's values without a word);
- none agrees and every one was withdrawn: a new load.

>>> used = {"separator": ",", "encoding": "utf-8", "decimal": ",", "date_format": None,
...         "columns": {}, "cells": ["amount"]}
>>> differences(ReadOptions(decimal="."), used)
["decimal '.' (it was read with ',')"]
>>> differences(ReadOptions(encoding="UTF8", sep=","), used)
[]
>>> differences(ReadOptions(column_map={"amount": "amount"}), used)
[]
"""

from __future__ import annotations

import codecs
import json
from typing import TYPE_CHECKING

from marsad.engine import Warehouse
from marsad.ingest.errors import IngestError
from marsad.ingest.keys import load_number
from marsad.ingest.options import Detected, ReadOptions
from marsad.ingest.schema import normalise_header

if TYPE_CHECKING:
    from marsad.ingest.header import Header

#: Where a decimal mark comes from when no number needed one (reporters.decide_decimal).
NO_NUMBER_NEEDS_ONE = "no number in the file needs one"


def codec_name(name: str | None) -> str | None:
    """A codec or encoding label as one name (``UTF8``, ``utf-8 (with BOM)`` -> ``utf-8``;
    ``windows-1252`` -> ``cp1252``; ``utf-16-le`` -> ``utf-16``).

    >>> codec_name("latin-1 (stated)"), codec_name("utf-8-sig")
    ('iso8859-1', 'utf-8')
    """
    if not name:
        return None
    word = name.strip().split(" ")[0]
    try:
        found = codecs.lookup(word).name
    except LookupError:
        return word.lower()
    if found.startswith("utf-16"):
        return "utf-16"
    return "utf-8" if found == "utf-8-sig" else found


def header_columns(header: Header | None) -> tuple[list[str], dict[str, str]]:
    """(the header's cells as matched before any mapping, the cells a column mapping
    renamed -> field) of a text file or a sheet."""
    if header is None:
        return [], {}
    cells = [normalise_header(w) for w in header.written]
    return cells, {normalise_header(w): f for w, f in header.renamed.items()}


def read_with(detected: Detected, cells: list[str], renamed: dict[str, str]) -> str:
    """The ledger's ``read_with``: what the file was read with, as JSON."""
    irrelevant = detected.decimal_from == NO_NUMBER_NEEDS_ONE
    used = {
        "separator": detected.separator,
        "encoding": codec_name(detected.codec or detected.encoding),
        "decimal": None if irrelevant else detected.decimal,
        "date_format": detected.date_format,
        "columns": dict(sorted(renamed.items())),
        "cells": cells,
    }
    return json.dumps(used, ensure_ascii=False)


def _used(stored: str | None, encoding: str | None, separator: str | None, decimal: str | None):
    """What a load was read with: its ``read_with``, or (a load made before it was kept)
    its ledger columns, the date format and columns then unknown (agreeing with any)."""
    if stored:
        return json.loads(stored)
    return {"separator": separator, "encoding": codec_name(encoding), "decimal": decimal}


def differences(options: ReadOptions, used: dict) -> list[str]:
    """The stated options that read the file otherwise than ``used``, in words; an
    option not stated, or not known for the earlier load, agrees."""
    out = []
    if options.decimal is not None and used.get("decimal") not in (None, options.decimal):
        out.append(f"decimal {options.decimal!r} (it was read with {used['decimal']!r})")
    if options.sep is not None and used.get("separator") not in (None, options.sep):
        out.append(f"separator {options.sep!r} (it was read with {used['separator']!r})")
    stated = codec_name(options.encoding)
    if stated is not None and used.get("encoding") not in (None, stated):
        out.append(f"encoding {options.encoding} (it was read as {used['encoding']})")
    if options.date_format and used.get("date_format", options.date_format) != options.date_format:
        before = used["date_format"] or "YYYY-MM-DD"
        out.append(f"date format {options.date_format} (it was read with {before})")
    if options.column_map is not None and "columns" in used:
        cells = set(used.get("cells") or ())
        # a pair naming a column by its own field (reporter=reporter, any case) renames
        # nothing, as ``columns`` keeps only what was renamed: it was "another mapping"
        now = {k: v for k, v in options.column_map.items() if k in cells and k != v}
        if now != used["columns"]:
            out.append("another column mapping (--map)")
    return out


def earlier_load(wh: Warehouse, sha256: str, sheet: str | None, options: ReadOptions):
    """The ledger row (``ledger.LEDGER_ROW``) of the earlier load of this content and
    sheet read as ``options`` read it (one in force rather than a withdrawn one), or
    None when the file is to be loaded; an :class:`IngestError` when a load of the
    content read otherwise is in force."""
    from marsad.ingest.ledger import LEDGER_ROW

    rows = wh.sql(
        f"SELECT {LEDGER_ROW}, withdrawn_at IS NOT NULL, read_with FROM ingest_loads"
        " WHERE sha256 = ? AND sheet IS NOT DISTINCT FROM ?"
        f" ORDER BY {load_number()}",
        [sha256, sheet],
    )
    agreeing, other_in_force = [], []
    for row in rows:  # (in the order they were loaded)
        *ledger_row, withdrawn, stored = row
        why = differences(options, _used(stored, *ledger_row[11:14]))
        if not why:
            agreeing.append((not withdrawn, ledger_row))
        elif not withdrawn:
            other_in_force.append((ledger_row, why))
    if agreeing:  # the latest in force, else the latest withdrawn
        return max(enumerate(agreeing), key=lambda a: (a[1][0], a[0]))[1][1]
    if other_in_force:
        (load_id, *_), why = other_in_force[-1]
        raise IngestError(
            f"its content is loaded as {load_id}, read otherwise than stated now: "
            f"{'; '.join(why)}. To read it again with these options, withdraw that load "
            f"first (marsad loads withdraw {load_id} --reason TEXT), then load the file again"
        )
    return None
