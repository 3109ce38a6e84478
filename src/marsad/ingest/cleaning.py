"""Values are what they look like: invisible characters removed from ids and
codes, and the formula guard of the quarantine export undone on reload.

**Invisible characters.** Bank and spreadsheet exports carry characters that
print as nothing: zero-width space (U+200B), zero-width non-joiner and joiner
(U+200C, U+200D), left-to-right and right-to-left marks (U+200E, U+200F), the
direction embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069),
word joiner and invisible operators (U+2060-U+2064), soft hyphen (U+00AD) and
the byte-order mark (U+FEFF) inside a field. They are removed from every value
but free text (a firm's name, a city), wherever they are, and no-break spaces
(U+00A0, U+202F), the other spaces of Unicode (U+1680, U+2000-U+200A, U+205F,
U+3000) and the characters that break lines (vertical tab, form feed,
U+0085, U+2028, U+2029) and the end-of-file mark of older systems (Ctrl-Z)
are trimmed at either end, as spaces are. A row whose
every value holds only spaces and invisible characters is an empty row,
skipped. A record re-sent with such a character is the same record. Each load
counts the values it cleaned.

**Control characters.** A control character inside a value (:data:`CONTROL_CHARS`:
U+0001 Ctrl-A, U+001A Ctrl-Z between two letters, DEL, the C1 controls U+0080-U+009F)
is no text: it is a fault of the file (a corrupted export, or text converted with
the wrong encoding), and the row is quarantined (rule ``control``) rather than
loaded with an id that no correction sent cleanly would match. A tab is a space:
trimmed at a value's ends, kept inside it, as a space inside an id is; line ends
have their own rule (``line_break``).

**Formula guard.** A cell of ``marsad quarantine export`` that would start
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a
leading apostrophe, so that a spreadsheet shows it as text instead of running
it (OWASP, "CSV injection"). Reading a file, ingest removes that one
apostrophe from a value that would otherwise start with one of those
characters: ``'-5`` is read ``-5``, ``'=A1`` is read ``=A1``.

>>> neutralise("=HYPERLINK(1)"), neutralise("-5"), neutralise("FR")
("'=HYPERLINK(1)", "'-5", 'FR')
>>> unneutralise("'-5"), unneutralise("'quoted")
('-5', "'quoted")
>>> clean_code("M\\u200bA\\u00a0")
'MA'
"""

from __future__ import annotations

import re

from marsad.engine import quote_ident, quote_literal


def _re2_class(chars: str) -> str:
    r"""The body of an RE2 character class naming exactly ``chars``, each as ``\x{…}``.

    >>> _re2_class(" \u00a0")
    '\\x{20}\\x{a0}'
    """
    return "".join(f"\\x{{{ord(c):x}}}" for c in chars)


#: Invisible format characters, removed from ids and codes (see the module).
INVISIBLE_CHARS = "".join(
    map(chr, (0xAD, *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065),
              *range(0x2066, 0x206A), 0xFEFF))
)  # fmt: skip
#: :data:`INVISIBLE_CHARS` as an RE2 class body.
INVISIBLE_CLASS = _re2_class(INVISIBLE_CHARS)
_PY_INVISIBLE = re.compile(f"[{re.escape(INVISIBLE_CHARS)}]")
#: The spaces of Unicode beyond ASCII's (category Zs: no-break, ogham, en quad to hair
#: space, medium mathematical, ideographic); they also group digits (1 234,56 with a
#: thin space U+2009, the SI's mark, or a no-break space).
UNICODE_SPACES = "\u00a0\u202f\u1680\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
#: :data:`UNICODE_SPACES` as an RE2 class body.
UNICODE_SPACES_CLASS = _re2_class(UNICODE_SPACES)
#: Spaces trimmed at the ends of every value (ordinary, no-break and the other Unicode
#: spaces), the other characters that break lines (vertical tab, form feed, U+0085,
#: U+2028, U+2029), and the end-of-file mark of DOS and older systems (Ctrl-Z, 0x1A),
#: which their exports still write after the last line.
WS_CHARS = " \t\r\n\x0b\x0c\x1a\x85\u2028\u2029\ufeff" + UNICODE_SPACES
#: :data:`WS_CHARS` as an RE2 class body.
_WS_CLASS = _re2_class(WS_CHARS)
#: Control characters, a fault of the file wherever they stand in a value (rule
#: ``control``): C0 (U+0000-U+001F) but those read as spaces or as line ends (tab, LF,
#: vertical tab, form feed, CR), DEL (U+007F) and C1 (U+0080-U+009F) but NEL (U+0085, a
#: line end). Ctrl-Z (U+001A) is one: at a value's ends it is trimmed first, as a space
#: (:data:`WS_CHARS`), so only one inside a value is left to the rule.
CONTROL_CHARS = "".join(
    map(chr, (*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F, *range(0x80, 0x85), *range(0x86, 0xA0)))
)  # fmt: skip
#: :data:`CONTROL_CHARS` as an RE2 class body.
CONTROL_CLASS = _re2_class(CONTROL_CHARS)
#: Names of the control characters a message gives beside their code point, but
#: Ctrl-A to Ctrl-Z (U+0001-U+001A), which are named by their key.
CONTROL_NAMES = {0x00: "NUL", 0x1B: "Escape", 0x7F: "Delete"}
#: What the fields of a row are joined by for the checks of the whole row
#: (:func:`dirty_sql`, :func:`control_sql`). Any character but a space or a control
#: character would do: one inside a value can only make its row look as if it needed
#: cleaning, and cleaning it then changes nothing.
JOINER = "|"
#: What a value that holds nothing may hold: spaces and invisible characters. A row
#: whose every value holds nothing is an empty row, skipped.
BLANK_CHARS = WS_CHARS + INVISIBLE_CHARS
#: First characters a spreadsheet reads as a formula (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_GUARDED = r"^'[=+\-@\t\r]"


def neutralise(value: object) -> object:
    """A cell of an export as a spreadsheet may open it: text that would start a
    formula gets a leading apostrophe (numbers and empty cells are unchanged)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """What :func:`neutralise` wrote, read back (the Python twin of the SQL)."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def clean_code(value: str) -> str:
    """An id or code with invisible characters removed and spaces trimmed."""
    return _PY_INVISIBLE.sub("", unneutralise(value)).strip(WS_CHARS)


def holds_nothing(value: str | None) -> bool:
    r"""Whether a value holds nothing: empty, or only spaces and invisible characters.

    >>> holds_nothing(" \u200b\u3000"), holds_nothing(" x "), holds_nothing(None)
    (True, False, True)
    """
    return not value or not value.strip(BLANK_CHARS)


def blank_sql(expr: str, first: str | None = None) -> str:
    """SQL: whether the text ``expr`` holds nothing (NULL counts), :func:`holds_nothing`.

    A regular expression: DuckDB's ``trim`` with a list of characters took 1 µs a
    value for this one, 30 times as long, on every row of a file with quotes.

    ``first``: the text of one of the values ``expr`` joins (a row's cells): a row whose
    ``first`` starts with a visible ASCII character (``!`` to ``~``, none of which a
    value that holds nothing has) is not blank, and the expression over the whole row is
    not run (a Parquet file's rows of 9 fields: 0.15 CPU-s a million instead of 0.45).

    >>> import duckdb
    >>> sql = blank_sql("a || b", first="a")
    >>> duckdb.sql(f"SELECT {sql} FROM (VALUES ('x', ' '), (' ', 'y'), (chr(8203), ' '), "
    ...            f"(NULL, NULL), ('', '')) t(a, b)").fetchall()
    [(False,), (False,), (True,), (True,), (True,)]
    """
    pattern = quote_literal(f"[{_WS_CLASS}{INVISIBLE_CLASS}]*")
    test = f"coalesce(regexp_full_match({expr}, {pattern}), true)"
    if first is None:
        return test
    visible = f"coalesce(ascii({first}) BETWEEN 33 AND 126, false)"
    return f"CASE WHEN {visible} THEN false ELSE {test} END"


def dirty_pattern() -> str:
    """RE2 pattern matching a row (fields joined by :data:`JOINER`) that needs
    cleaning: a space at a field's edge, an invisible character, or a formula guard."""
    ws, joiner = f"[{_WS_CLASS}]", f"[{_re2_class(JOINER)}]"
    edge = f"(^|{joiner}){ws}|{ws}({joiner}|$)"
    guard = f"(^|{joiner})'[=+\\-@\\t\\r]"
    return f"{edge}|[{INVISIBLE_CLASS}]|{guard}"


#: The ASCII characters :func:`dirty_pattern` can match; every other one it can is not ASCII.
_ASCII_IN_DIRTY = " \t\r\n\x0b\x0c\x1a'"


def dirty_sql(joined: str) -> str:
    """SQL: whether the row ``joined`` (its fields joined by :data:`JOINER`, an
    expression used once) needs cleaning, :func:`dirty_pattern`. Most rows are plain
    ASCII with none of the few ASCII characters the pattern can match (space, tab, line
    ends, apostrophe): for them, a few ``contains`` and a length say no without running
    the regular expression (a quarter of the checks' time in a large file).

    >>> sql = dirty_sql("j")
    >>> sql.startswith("CASE WHEN strlen(j) = length(j) AND NOT (contains(j, ' ')")
    True
    """
    plain = " OR ".join(
        f"contains({joined}, {quote_literal(c) if c.isprintable() else f'chr({ord(c)})'})"
        for c in _ASCII_IN_DIRTY
    )
    pattern = quote_literal(dirty_pattern())
    return (
        f"CASE WHEN strlen({joined}) = length({joined}) AND NOT ({plain}) THEN false "
        f"ELSE regexp_matches({joined}, {pattern}) END"
    )


def clean_sql(column: str, free_text: bool) -> str:
    """SQL: the value of ``column`` cleaned (guard undone, invisible characters
    removed unless ``free_text``, spaces trimmed)."""
    c = quote_ident(column)
    text = (
        f"CASE WHEN regexp_matches({c}, {quote_literal(_GUARDED)}) THEN substr({c}, 2) ELSE {c} END"
    )
    return strip_sql(text, invisible=not free_text)


def strip_sql(expr: str, invisible: bool = True) -> str:
    """SQL: the text ``expr`` with the spaces and invisible characters at its ends
    trimmed (:data:`BLANK_CHARS`) and, with ``invisible``, its invisible characters
    removed wherever they are (as :func:`clean_code` does, but for the formula guard).
    Free text (``invisible=False``) keeps those inside it (a name may need a zero-width
    non-joiner), not at its ends: a name re-sent with a zero-width space after it is the
    same name, and one of nothing but such characters is empty.

    One regular expression: DuckDB's ``trim`` with a list of characters took 0.7 µs
    a value, six times as long."""
    edge = f"[{_WS_CLASS}{INVISIBLE_CLASS}]"
    pattern = f"^{edge}+|{edge}+$" + (f"|[{INVISIBLE_CLASS}]" if invisible else "")
    return f"regexp_replace({expr}, {quote_literal(pattern)}, '', 'g')"


def cleaned_sql(column: str) -> str:
    """SQL: 1 when the value of ``column`` holds an invisible character or a
    no-break space at an end (it is counted as cleaned), else 0."""
    return f"CASE WHEN {counted_sql(quote_ident(column))} THEN 1 ELSE 0 END"


def counted_sql(expr: str) -> str:
    """SQL: whether the text ``expr`` holds what cleaning counts (see :func:`cleaned_sql`)."""
    pattern = f"[{INVISIBLE_CLASS}]|^\\s*[{UNICODE_SPACES_CLASS}]|[{UNICODE_SPACES_CLASS}]\\s*$"
    return f"regexp_matches({expr}, {quote_literal(pattern)})"


def control_sql(expr: str) -> str:
    """SQL: whether the text ``expr`` holds a control character (:data:`CONTROL_CHARS`),
    by one regular expression (the value of a field, or a row joined by :data:`JOINER`).

    >>> import duckdb
    >>> duckdb.sql(f"SELECT {control_sql('s')} FROM (VALUES ('R1' || chr(1)), ('R' || chr(9) || '1'), (NULL)) t(s)").fetchall()
    [(True,), (False,), (None,)]
    """  # noqa: E501
    return f"regexp_matches({expr}, {quote_literal(f'[{CONTROL_CLASS}]')})"


def control_name_sql(expr: str) -> str:
    """SQL: the first control character of the text ``expr`` in words: its code point,
    and its name when it has a short one (``U+0001 (Ctrl-A)``, ``U+007F (Delete)``,
    ``U+0090``); NULL when ``expr`` holds none.

    >>> import duckdb
    >>> duckdb.sql(f"SELECT {control_name_sql('s')} FROM (VALUES ('R' || chr(26) || 'Z'), (chr(144)), ('R1')) t(s)").fetchall()
    [('U+001A (Ctrl-Z)',), ('U+0090',), (None,)]
    """  # noqa: E501
    code = control_code_sql(expr)
    names = " ".join(f"WHEN {c} THEN ' ({name})'" for c, name in CONTROL_NAMES.items())
    keys = f"WHEN {code} BETWEEN 1 AND 26 THEN ' (Ctrl-' || chr(64 + {code}) || ')'"
    return f"printf('U+%04X', {code}) || CASE {code} {names} ELSE CASE {keys} ELSE '' END END"


#: What a control character in a value or a header tells of the file: a C0 control or
#: DEL, damage; a C1 control, most often text converted with the wrong encoding
#: (Windows-1252's curly quotes and euro sign read as Latin-1).
DAMAGED = "the file may be damaged (a corrupted export)"
WRONG_ENCODING = (
    "the text may have been converted with the wrong encoding (Windows-1252 read as "
    "Latin-1, for one), or the file is damaged"
)


def control_name(ch: str) -> str:
    r"""The control character ``ch`` in words, as :func:`control_name_sql` writes it.

    >>> control_name("\x01"), control_name("\x00"), control_name("\x90")
    ('U+0001 (Ctrl-A)', 'U+0000 (NUL)', 'U+0090')
    """
    code = ord(ch)
    name = CONTROL_NAMES.get(code) or (f"Ctrl-{chr(64 + code)}" if 1 <= code <= 26 else "")
    return f"U+{code:04X}" + (f" ({name})" if name else "")


def first_control(text: str) -> str | None:
    r"""The first control character (:data:`CONTROL_CHARS`) of ``text``, or None.

    >>> first_control("amount\x1b\x01"), first_control("a\tb")
    ('\x1b', None)
    """
    return next((ch for ch in text if ch in CONTROL_CHARS), None)


def control_told(ch: str) -> str:
    """What the control character ``ch`` tells of the file (:data:`DAMAGED`,
    :data:`WRONG_ENCODING`)."""
    return WRONG_ENCODING if ord(ch) >= 0x80 else DAMAGED


def control_code_sql(expr: str) -> str:
    """SQL: the code point of the first control character of the text ``expr``
    (:data:`CONTROL_CHARS`, an INTEGER), NULL when it holds none.

    >>> import duckdb
    >>> duckdb.sql(f"SELECT {control_code_sql('s')} FROM (VALUES ('a' || chr(9) || chr(127) || chr(1)), ('R1')) t(s)").fetchall()
    [(127,), (None,)]
    """  # noqa: E501
    char = f"regexp_extract({expr}, {quote_literal(f'[{CONTROL_CLASS}]')})"
    return f"unicode(NULLIF({char}, ''))"


def time_of_day_note(
    column: str, count: int, earliest: str, latest: str, zone: str | None = None
) -> str:
    """The load's note on the dates of ``column`` that had a time of day (a settlement
    timestamp, an Excel date and time): their calendar date was taken, on the wall clock
    of ``zone`` when the column has one; ``earliest`` and ``latest``, the times seen.

    >>> time_of_day_note("value_date", 12, "12:00:00", "12:00:00")
    'column value_date: 12 dates had a time of day (12:00:00): their date was taken'
    >>> time_of_day_note("value_date", 1, "00:30:00", "00:30:00", "Africa/Casablanca")
    'column value_date: 1 date had a time of day (00:30:00, Africa/Casablanca time): its date there was taken'
    """  # noqa: E501
    times = earliest if earliest == latest else f"{earliest} to {latest}"
    where = f", {zone} time" if zone else ""
    dates, its = ("date", "its") if count == 1 else ("dates", "their")
    there = " there" if zone else ""
    return (
        f"column {column}: {count:,} {dates} had a time of day ({times}{where}): "
        f"{its} date{there} was taken"
    )
