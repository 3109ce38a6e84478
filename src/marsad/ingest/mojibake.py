"""Text encoded twice (mojibake): UTF-8 read as Windows-1252 (or Latin-1) and saved
again as UTF-8, so that ``Société`` reads ``SociÃ©tÃ©`` and ``l’Office`` reads
``lâ€™Office``. Such a file is valid UTF-8 and loads without an error: the load says so
in a note naming the column, a few lines and the likely fix, and never changes a value.

A character of UTF-8 beyond ASCII is a lead byte (0xC2-0xDF for two bytes, 0xE0-0xEF
for three) and one or two continuation bytes (0x80-0xBF). Read one byte a character, as
Windows-1252 or Latin-1 does, the lead is one of ``Â Ã … ß`` (``à … ï``) and each
continuation one of U+0080-U+00BF or the characters Windows-1252 puts at 0x80-0x9F
(``€ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ``). A value holding such a
sequence that decodes as UTF-8 once written back in those bytes is taken for mojibake:
``Ã©`` gives back ``é``, ``â€™`` gives ``’``, ``Ø§`` the Arabic alef. A French or
Arabic name written right holds no such pair (``é»`` is one continuation short).

The check is an SQL regular expression over the text fields of the checked rows, run
only for files that may hold a character beyond ASCII (a text file with such bytes,
any workbook or Parquet file); a few matches are then confirmed in Python.
"""

from __future__ import annotations

import re

from marsad.engine import Warehouse, quote_ident
from marsad.ingest.keys import CHK
from marsad.ingest.schema import Kind
from marsad.ingest.staging import BatchFile

#: what a continuation byte 0x80-0xBF reads as in Windows-1252 (or Latin-1: U+0080-U+009F)
_CONT = "\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
#: a two- or three-byte UTF-8 character read one byte a character
PATTERN = f"[\u00c2-\u00df][{_CONT}]|[\u00e0-\u00ef][{_CONT}]{{2}}"
_RE = re.compile(PATTERN)
#: lines named in the note
SHOWN = 3


def _byte(c: str) -> int:
    """The byte a character read as Windows-1252 (or Latin-1) came from."""
    try:
        return c.encode("cp1252")[0]
    except UnicodeEncodeError:
        return ord(c)  # (U+0080-U+009F: Latin-1, or the 5 bytes Windows-1252 leaves out)


def undone(value: str) -> str | None:
    """``value`` with its double-encoded characters decoded once, or None when it holds
    none (a sequence that does not decode as UTF-8 is no mojibake).

    >>> undone("SociÃ©tÃ© GÃ©nÃ©rale, lâ€™Office")
    'Société Générale, l’Office'
    >>> undone("Société Générale « Fès »"), undone("Ã€ part")
    (None, 'À part')
    """
    found = False

    def decode(m: re.Match) -> str:
        nonlocal found
        text = bytes(_byte(c) for c in m.group()).decode("utf-8")  # UnicodeDecodeError: none
        found = True
        return text

    try:
        fixed = _RE.sub(decode, value)
    except UnicodeDecodeError:
        return None
    return fixed if found else None


def may_hold_non_ascii(f: BatchFile) -> bool:
    """Whether the file's text may hold a character beyond ASCII: a text file whose
    bytes hold one; a workbook or a Parquet file, whose text is Unicode."""
    if f.staged is None:
        return False
    if f.staged.detected.format != "csv":
        return True
    return f.scan is None or not f.scan.utf8_ok or f.scan.utf8_chars > 0


def note_double_encoding(wh: Warehouse, kind: Kind, files: list[BatchFile]) -> None:
    """Add to each file's notes the text fields whose values look double-encoded
    (checked rows, table ``_ing_chk``); nothing is changed."""
    by_index = {f.index: f for f in files if may_hold_non_ascii(f)}
    fields = [x.name for x in kind.fields if x.type == "text"]
    if not by_index or not fields:
        return
    listed = ", ".join(str(i) for i in sorted(by_index))
    pattern = PATTERN.replace("'", "''")
    # one pass over the rows: each field's match a column, each its aggregates; the
    # search only in a value beyond ASCII (more bytes than characters): all of a
    # Parquet file's rows were searched, 1.5 s at 10M
    flags = ", ".join(
        f"CASE WHEN strlen({(c := quote_ident(name))}) <> length({c}) "
        f"THEN regexp_matches({c}, '{pattern}') ELSE false END AS _m{k}"
        for k, name in enumerate(fields)
    )
    cols = ", ".join(quote_ident(name) for name in fields)
    aggregates = ", ".join(
        f"count(*) FILTER (WHERE _m{k}), min_by(_line, _line, {SHOWN}) FILTER (WHERE _m{k}), "
        f"min_by({quote_ident(name)}, _line, {SHOWN}) FILTER (WHERE _m{k})"
        for k, name in enumerate(fields)
    )
    found = wh.sql(
        f"""SELECT _file, {aggregates}
            FROM (SELECT _file, _line, {cols}, {flags} FROM {CHK} WHERE _file IN ({listed}))
            GROUP BY _file ORDER BY _file"""
    )
    for i, *per_field in found:
        for k, name in enumerate(fields):
            count, lines, values = per_field[3 * k : 3 * k + 3]
            if count and (note := _note(name, int(count), lines, values, by_index[i].staged.unit)):
                by_index[i].staged.notes.append(note)


def _note(name: str, count: int, lines: list, values: list, unit: str) -> str | None:
    """The note of a column whose ``count`` values match, the first at ``lines``;
    None when none of those shown decodes (no mojibake after all)."""
    example = next(((v, n) for v, n in zip(values, lines, strict=True) if undone(v)), None)
    if example is None:
        return None
    value, at = example
    where = ", ".join(str(n) for n in lines if n is not None)
    more = f" (and {count - len(lines):,} more)" if count > len(lines) else ""
    values_word = "value looks" if count == 1 else "values look"
    return (
        f"column {name}: {count:,} {values_word} double-encoded (UTF-8 read as Windows-1252 "
        f"and saved again), {unit}{'s' * (len(lines) > 1)} {where}{more}: {value!r} on "
        f"{unit} {at} is likely "
        f"{undone(value)!r}; loaded as written: export the file again as UTF-8 from its "
        "source and load it again"
    )
