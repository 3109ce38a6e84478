"""What the bulletin says, decided once for every language.

Modules: :mod:`~.messages` (the catalogue of message ids), :mod:`~.sentences`
(headline, movements, target tracker, method note), :mod:`~.table` (the table by
segment), :mod:`~.charts` (chart titles and descriptions).


:func:`tell` turns the :class:`~marsad.publish.facts.Facts` of a period into a
:class:`Story`: ordered :class:`~marsad.publish.message.Message` objects for the
title, key figures, headline, movements, target tracker and methodological note,
and the segment table as values. Every choice is made here: which sentence,
which comparison, what to leave out when a value is missing, the sign of a
movement (decided on the value as shown, to one decimal, so that -0.04 % is
neither a fall nor a rise), the order. The phrasebooks (:mod:`marsad.publish.lang`)
only word the messages.

>>> story = tell(gather(table, "2025-S1"))                    # doctest: +SKIP
>>> [m.id for m in story.headline]                             # doctest: +SKIP
['headline.level_growth', 'headline.leader_runner_up']
"""

from __future__ import annotations

from dataclasses import dataclass

from marsad.publish.facts import Facts
from marsad.publish.story import charts
from marsad.publish.story.messages import CATALOGUE, Mention, Message, Money, Section, example
from marsad.publish.story.sentences import (
    KeyFigure,
    headline,
    key_figures,
    method,
    movements,
    shown,
    target,
)
from marsad.publish.story.table import Figure, Row, Table, segment_table

__all__ = [
    "CATALOGUE", "LABEL_KEYS", "Figure", "KeyFigure", "Mention", "Message", "Money", "Row",
    "Section", "Story", "Table", "charts", "example", "shown", "tell",
]  # fmt: skip

#: Label keys of the layout (templates and charts) that every phrasebook defines.
LABEL_KEYS: tuple[str, ...] = (
    "sector", "bulletin", "provisional", "synthetic", "h_key", "h_segments", "h_movements",
    "h_target", "h_charts", "h_method", "col_segment", "table_note", "table_note_levels",
    "total", "unallocated", "confidential_mark", "missing_mark", "figure", "source_line",
    "source_line_synthetic", "release", "axis_bn", "axis_mn", "legend_period", "legend_segment",
    "legend_series", "legend_withheld", "series_actual", "series_required", "series_recent",
    "series_target", "year", "colon", "published", "next_release", "contact", "synthetic_badge",
)  # fmt: skip


@dataclass(frozen=True)
class Story:
    """Everything the bulletin of one period says, in order, before any wording."""

    title: Message
    key_figures: tuple[KeyFigure, ...]
    headline: tuple[Message, ...]
    table: Table
    movements: tuple[Message, ...]
    target: tuple[Message, ...]
    method: tuple[Section, ...]


def tell(f: Facts) -> Story:
    """The story of the facts of one period (see the module's example)."""
    return Story(
        title=Message("title", period=f.period),
        key_figures=key_figures(f),
        headline=headline(f),
        table=segment_table(f),
        movements=movements(f),
        target=target(f.tracker),
        method=method(f),
    )
