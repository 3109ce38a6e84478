"""Phrasebooks: the words of the bulletin, one module per language.

A phrasebook words the messages that :mod:`marsad.publish.story` decides; it
makes no decision beyond grammar. Each module defines:

- ``LANG`` and ``DIR`` (``ltr`` or ``rtl``);
- ``LABELS``: the words of the layout (templates and charts), one per key of
  :data:`marsad.publish.story.LABEL_KEYS`;
- ``WORDS``: one wording per message id of :data:`marsad.publish.story.CATALOGUE`,
  a format string such as ``"{segment:The} fell by {fall:percent}"`` or a function
  of the message returning a string;
- ``FORMS``: the language's own formats of values (``{segment:the}``, ``{years:years}``,
  ``{kind:noun}``), functions of the value;
- ``AND`` and ``LIST_SEP``, to join lists (``{codes:and}``, ``{items:list}``), or
  ``join_and(items)`` where the language joins its own way (Arabic ``و``);
- optionally ``finish(text)``, applied to every worded message (French spacing).

Formats every language shares (:data:`FORMATS`): ``money``, ``percent``, ``growth``
(signed percent), ``points`` (signed), ``points_plain``, ``bn`` (billions for a chart
description), ``label``/``short``/``in``/``to`` (a period), ``country``, ``name`` (a
segment's full name), ``indicator`` (an indicator's label). A format written with a
capital (``{period:In}``, ``{segment:The}``) capitalises the first letter. A nested
message is worded in place; ``None`` is worded as nothing.

A figure read from the table (:class:`~marsad.publish.keyed.Keyed`) is shown from
its published text (what the CSV writes), a fall as its size. With ``html=True``,
:func:`say` wraps each one as ``<data value="EXACT" data-key="KEY">shown</data>``
(the row's value as the table writes it, signed, and its key); Markdown and plain
text stay plain.

A language is written when its module exists and is in :data:`WRITTEN`.

>>> from marsad.publish.story import Message, Mention
>>> say(Message("segment.top_contributor", segment=Mention("ESO"), contribution=Decimal(6)), "en")
'The largest contribution to growth, +6.0\\xa0pp, came from the ESO segment.'
"""

from __future__ import annotations

import importlib
import string
from collections.abc import Callable
from decimal import Decimal
from types import ModuleType
from typing import Any

import markupsafe
from babel import Locale

from marsad.indicators.registry import INDICATORS
from marsad.periods import Period
from marsad.publish import fmt
from marsad.publish.keyed import Keyed
from marsad.publish.story import Message, Money
from marsad.reference import TOTAL, UNALLOCATED, segments

#: Languages with a complete phrasebook.
WRITTEN: tuple[str, ...] = ("fr", "en", "ar")


def phrasebook(lang: str) -> ModuleType:
    """The phrasebook module of a language (e.g. ``marsad.publish.lang.fr``)."""
    if lang not in WRITTEN:
        raise ValueError(
            f"no bulletin phrasebook for language {lang!r} yet (written: {', '.join(WRITTEN)}). "
            "Number formats and the right-to-left template structure are ready for Arabic; "
            "add marsad/publish/lang/ar.py and templates/bulletin.ar.*.j2."
        )
    return importlib.import_module(f"{__name__}.{lang}")


def join_list(items: list[str], conjunction: str) -> str:
    """``a, b et c`` (``conjunction`` is the word before the last item).

    >>> join_list(["ITO", "CRM", "ESO"], "et")
    'ITO, CRM et ESO'
    """
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def segment_name(code: str, lang: str) -> str:
    """Full name of a segment, or the label of the total and of the unallocated line
    (e.g. ``ESO`` -> ``Engineering services outsourcing``)."""
    labels = phrasebook(lang).LABELS
    if code == UNALLOCATED:
        return labels["unallocated"]
    if code == TOTAL:
        return labels["total"]
    seg = segments().get(code)
    return seg.name(lang) if seg else code


def _bn(value: Decimal, lang: str) -> str:
    """Billions with two decimals, three below 0.1 (e.g. ``5,25``, ``0,027``)."""
    billions = fmt.shifted(value, 9)  # exact: a division rounds at 28 digits
    return fmt.number(billions, lang, 3 if billions.copy_abs() < Decimal("0.1") else 2)


def _money(value: Decimal | Money, lang: str) -> str:
    if isinstance(value, Money):
        return fmt.money(value.value, lang, decimals=value.decimals)
    return fmt.money(value, lang)


#: Formats of values shared by every language: name -> f(value, lang).
FORMATS: dict[str, Callable[[Any, str], str]] = {
    "money": _money,
    "count": lambda v, lang: fmt.number(v, lang, 0),
    "mn": lambda v, lang: fmt.number(fmt.shifted(Decimal(v), 6), lang, 1),
    "num": lambda v, lang: fmt.number(v, lang, 1),
    "signed": lambda v, lang: fmt.number(v, lang, 1, signed=True),
    "percent": lambda v, lang: fmt.percent(v, lang),
    "growth": lambda v, lang: fmt.growth(v, lang),
    "points": lambda v, lang: fmt.points(v, lang),
    "points_plain": lambda v, lang: fmt.points(v, lang, signed=False),
    "bn": _bn,
    "label": lambda v, lang: Period.parse(v).label(lang),
    "short": lambda v, lang: Period.parse(v).label(lang, short=True),
    "in": lambda v, lang: fmt.in_period(v, lang),
    "to": lambda v, lang: fmt.to_period(v, lang),
    "country": lambda v, lang: Locale.parse(fmt.LOCALES[lang]).territories.get(v, v),
    "name": segment_name,
    "indicator": lambda v, lang: INDICATORS[v].label(lang),
}


_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use marks around a figure while wording


def _published(value: Any) -> tuple[Any, Keyed | None]:
    """The value to format and its row: the row's exact value (a magnitude for a fall),
    rounded once for display, never its published text rounded again (a growth of
    3.44996 % is published 3.4500 and said 3,4 %, not 3,5 %), and shown with no more
    decimals than the published text has (:class:`~marsad.publish.fmt.Capped`: 3.497 %
    published 3 is said 3 %, not 3,5 %)."""
    row = value.value if isinstance(value, Money) else value
    if not isinstance(row, Keyed):
        return value, None
    if isinstance(value, Money):
        return Money(Decimal(row), value.decimals), row
    return fmt.Capped(Decimal(row), fmt.places(row.exact)), row


class _Wording(string.Formatter):
    """Fills a wording with a message's values, formatted for the language. With ``marks``
    (a list), each figure of the table is replaced by a mark and kept there, to be
    wrapped once the text is finished (:func:`say` with ``html=True``)."""

    def __init__(self, pb: ModuleType, marks: list | None = None) -> None:
        super().__init__()
        self.pb = pb
        self.marks = marks

    def format_field(self, value: Any, spec: str) -> str:
        if isinstance(value, Message):
            return _word(value, self.pb, self.marks)
        if value is None:
            return ""
        if spec in ("and", "list"):
            items = [self.format_field(v, "") for v in value]
            if spec == "and":
                own = getattr(self.pb, "join_and", None)
                return own(items) if own else join_list(items, self.pb.AND)
            return self.pb.LIST_SEP.join(items)
        if spec[:1].isupper():
            text = self.format_field(value, spec[0].lower() + spec[1:])
            return text[:1].upper() + text[1:]
        value, row = _published(value)
        text = self._format(value, spec)
        if row is None or self.marks is None:
            return text
        self.marks.append((row, text))
        return f"{_OPEN}{len(self.marks) - 1}{_CLOSE}"

    def _format(self, value: Any, spec: str) -> str:
        if spec in self.pb.FORMS:
            return self.pb.FORMS[spec](value)
        if spec in FORMATS:
            return FORMATS[spec](value, self.pb.LANG)
        if spec:
            raise ValueError(f"unknown format {spec!r} in the {self.pb.LANG} phrasebook")
        return str(value)


def _word(message: Message, pb: ModuleType, marks: list | None = None) -> str:
    wording = pb.WORDS[message.id]
    if callable(wording):
        return wording(message)
    return _Wording(pb, marks).vformat(wording, (), {**message.values, "L": pb.LABELS})


def escape(text: str) -> str:
    """HTML-escape text, apostrophes kept readable (every attribute is double-quoted).

    >>> escape('a < b & "c" l’a')
    'a &lt; b &amp; &quot;c&quot; l’a'
    """
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def data_element(row: Keyed, shown: str, lang: str) -> str:
    """A figure as HTML: ``<data value="13377000000.00" data-key="level/…">13,4 …</data>``.

    In Arabic, a figure without letters (``+3,5%``) is set left to right in its own
    isolate (``dir="ltr"``), so that the sign and ``%`` keep their place in the line.

    >>> from marsad.publish.keyed import Keyed
    >>> data_element(Keyed("-3.5", "growth_yoy/exports/2024/CRM/_T/_T", "-3.5000"),
    ...              "−3,5%", "ar")
    '<data value="-3.5000" data-key="growth_yoy/exports/2024/CRM/_T/_T" dir="ltr">−3,5%</data>'
    """
    ltr = ' dir="ltr"' if lang == "ar" and not any(c.isalpha() for c in shown) else ""
    return (
        f'<data value="{escape(row.exact)}" data-key="{escape(row.key)}"{ltr}>'
        f"{escape(shown)}</data>"
    )


def say(message: Message, lang: str, *, html: bool = False) -> str:
    """A message in words, in ``lang`` (see the module's example); ``html=True`` gives
    escaped HTML (:class:`markupsafe.Markup`) with every figure a ``<data>`` element."""
    pb = phrasebook(lang)
    marks: list | None = [] if html else None
    text = _word(message, pb, marks)
    finish = getattr(pb, "finish", None)
    text = finish(text) if finish else text
    if not html:
        return text
    out = escape(text)
    for i, (row, shown) in enumerate(marks):
        out = out.replace(f"{_OPEN}{i}{_CLOSE}", data_element(row, shown, lang))
    return markupsafe.Markup(out)


def say_all(
    messages: tuple[Message, ...] | list[Message], lang: str, *, html: bool = False
) -> list[str]:
    """Several messages in words, in order.

    >>> say_all([Message("target.reached"), Message("status.estimated")], "en")
    ['The target has already been reached.', 'Some figures are estimates.']
    """
    return [say(m, lang, html=html) for m in messages]


def show(value: Keyed | Decimal, style: str, lang: str, *, html: bool = False) -> str:
    """One figure alone, in a format of :data:`FORMATS` (e.g. a key figure as ``money``);
    with ``html=True`` a ``<data>`` element when it is a row of the table.

    >>> show(Decimal("3.4971"), "growth", "en")
    '+3.5%'
    """
    value, row = _published(value)
    text = FORMATS[style](value, lang)
    if not html or row is None:
        return text
    return markupsafe.Markup(data_element(row, text, lang))
