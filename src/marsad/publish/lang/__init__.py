"""Phrasebooks: every word of the bulletin in one module per language.

A phrasebook turns :class:`~marsad.publish.facts.Facts` into sentences and holds
the labels of the templates and charts. Figures always come from the facts,
formatted by :mod:`marsad.publish.fmt`; a phrasebook types words, never numbers.

Each module defines ``LANG``, ``DIR`` (``ltr`` or ``rtl``), ``LABELS`` and the
functions ``title``, ``key_figures``, ``headline``, ``movements``, ``target``,
``method``, ``segment_name``, ``partner_name``, ``chart_segments``,
``chart_history`` and ``chart_target``. Arabic (``ar``, right to left) is
prepared in :mod:`marsad.publish.fmt` and the templates but not written yet.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType

#: Languages with a complete phrasebook.
WRITTEN: tuple[str, ...] = ("fr", "en")


@dataclass(frozen=True)
class Section:
    """A section of the methodological note (e.g. "Sources", two paragraphs)."""

    title: str
    paragraphs: tuple[str, ...] = ()
    #: (label, indicator id, formula) lines, for the definitions section.
    definitions: tuple[tuple[str, str, str], ...] = field(default=())


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
    """``a, b et c`` (``conjunction`` is the word before the last item)."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
