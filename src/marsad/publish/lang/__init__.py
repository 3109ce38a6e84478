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
- ``AND`` and ``LIST_SEP``, to join lists (``{codes:and}``, ``{items:list}``);
- optionally ``finish(text)``, applied to every worded message (French spacing).

Formats every language shares (:data:`FORMATS`): ``money``, ``percent``, ``growth``
(signed percent), ``points`` (signed), ``points_plain``, ``bn`` (billions for a chart
description), ``label``/``short``/``in``/``to`` (a period), ``country``, ``name`` (a
segment's full name), ``indicator`` (an indicator's label). A format written with a
capital (``{period:In}``, ``{segment:The}``) capitalises the first letter. A nested
message is worded in place; ``None`` is worded as nothing.

To add Arabic: write ``lang/ar.py`` with these names and add ``"ar"`` to :data:`WRITTEN`.

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

from babel import Locale

from marsad.indicators.registry import INDICATORS
from marsad.periods import Period
from marsad.publish import fmt
from marsad.publish.story import Message, Money
from marsad.reference import TOTAL, UNALLOCATED, segments

#: Languages with a complete phrasebook.
WRITTEN: tuple[str, ...] = ("fr", "en")


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
    billions = value / 10**9
    return fmt.number(billions, lang, 3 if abs(billions) < Decimal("0.1") else 2)


def _money(value: Decimal | Money, lang: str) -> str:
    if isinstance(value, Money):
        return fmt.money(value.value, lang, decimals=value.decimals)
    return fmt.money(value, lang)


#: Formats of values shared by every language: name -> f(value, lang).
FORMATS: dict[str, Callable[[Any, str], str]] = {
    "money": _money,
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


class _Wording(string.Formatter):
    """Fills a wording with a message's values, formatted for the language."""

    def __init__(self, pb: ModuleType) -> None:
        super().__init__()
        self.pb = pb

    def format_field(self, value: Any, spec: str) -> str:
        if isinstance(value, Message):
            return _word(value, self.pb)
        if value is None:
            return ""
        if spec in ("and", "list"):
            items = [self.format_field(v, "") for v in value]
            if spec == "and":
                return join_list(items, self.pb.AND)
            return self.pb.LIST_SEP.join(items)
        if spec[:1].isupper():
            text = self.format_field(value, spec[0].lower() + spec[1:])
            return text[:1].upper() + text[1:]
        if spec in self.pb.FORMS:
            return self.pb.FORMS[spec](value)
        if spec in FORMATS:
            return FORMATS[spec](value, self.pb.LANG)
        if spec:
            raise ValueError(f"unknown format {spec!r} in the {self.pb.LANG} phrasebook")
        return str(value)


def _word(message: Message, pb: ModuleType) -> str:
    wording = pb.WORDS[message.id]
    if callable(wording):
        return wording(message)
    return _Wording(pb).vformat(wording, (), {**message.values, "L": pb.LABELS})


def say(message: Message, lang: str) -> str:
    """A message in words, in ``lang`` (see the module's example)."""
    pb = phrasebook(lang)
    text = _word(message, pb)
    finish = getattr(pb, "finish", None)
    return finish(text) if finish else text


def say_all(messages: tuple[Message, ...] | list[Message], lang: str) -> list[str]:
    """Several messages in words, in order.

    >>> say_all([Message("target.reached"), Message("status.estimated")], "en")
    ['The target has already been reached.', 'Some figures are estimates.']
    """
    return [say(m, lang) for m in messages]
