"""The names a decimal mark and a field separator may be given by, wherever one is
stated: ``marsad ingest --decimal comma --sep semicolon``, ``marsad reporters set BK01
--decimal comma``, and the web upload's ``decimal=comma&sep=semicolon``. One table for
all of them, so that a word one accepts the others accept too (the upload took
``sep=semicolon`` but refused ``decimal=comma``).

A mark is stated as itself (``,``) or by its name in English, in any case on the
command line (``Comma``); the web's schema lists the names in lower case.

>>> decimal_mark("comma"), decimal_mark("Point"), decimal_mark(".")
(',', '.', '.')
>>> separator("semicolon"), separator("TAB"), separator("|"), separator("space")
(';', '\\t', '|', ' ')
"""

from __future__ import annotations

#: The decimal marks marsad reads, each as itself.
DECIMAL_MARKS = (".", ",")

#: Names of the decimal marks (e.g. ``comma`` for ``,``).
DECIMAL_NAMES = {"point": ".", "period": ".", "dot": ".", "comma": ","}

#: Names of field separators, and ``\\t`` as a shell passes a tab typed so.
SEPARATOR_NAMES = {
    "comma": ",",
    "semicolon": ";",
    "tab": "\t",
    "\\t": "\t",
    "pipe": "|",
    "space": " ",
    "colon": ":",
}


def decimal_mark(text: str) -> str | None:
    """The decimal mark ``text`` states (``.`` or ``,``), itself or by name; ``None`` when
    it states none (``;``)."""
    if text in DECIMAL_MARKS:
        return text
    return DECIMAL_NAMES.get(text.strip().lower())


def separator(text: str) -> str:
    """The separator ``text`` names (``semicolon`` is ``;``), else ``text`` itself (to be
    checked as one character)."""
    return SEPARATOR_NAMES.get(text.strip().lower(), text)
