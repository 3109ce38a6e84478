"""Titles and text descriptions of the charts, as messages."""

from __future__ import annotations

from decimal import Decimal

from marsad.periods import Period
from marsad.publish.facts import Cell, Facts
from marsad.publish.figures import Tracker
from marsad.publish.story.messages import Message
from marsad.publish.story.sentences import target_money


def chart_segments(f: Facts, cells: list[Cell]) -> tuple[Message, Message]:
    """Title and description of the segments chart: this period, and a year earlier when
    some segment has last year's level."""
    if any(c.previous is not None for c in cells):
        title = Message("chart.segments.title_vs", period=f.period, previous=f.previous_period)
        items = [
            Message("chart.segments.item_vs", code=c.code, level=c.level, previous=c.previous)
            if c.previous is not None
            else Message("chart.segments.item", code=c.code, level=c.level)
            for c in cells
        ]
        return title, Message("chart.segments.description_vs", items=items)
    items = [Message("chart.segments.item", code=c.code, level=c.level) for c in cells]
    title = Message("chart.segments.title", period=f.period)
    return title, Message("chart.segments.description", items=items)


def chart_history(kind: str, totals: list[tuple[Period, Decimal]]) -> tuple[Message, Message]:
    """Title and description of the history of totals (e.g. by half-year), segments stacked."""
    items = [Message("chart.history.item", period=p, level=v) for p, v in totals]
    return (
        Message("chart.history.title", kind=kind),
        Message("chart.history.description", items=items),
    )


def chart_target(t: Tracker) -> tuple[Message, Message]:
    """Title and description of the path to the target: the tracker rows the text states."""
    required = recent = None
    if t.required is not None:
        required = Message("chart.target.required", rate=t.required)
    if t.recent is not None and t.projected is not None:
        recent = Message(
            "chart.target.recent", rate=t.recent, projected=t.projected, target_year=t.target_year
        )
    description = Message(
        "chart.target.description",
        latest_year=t.year,
        latest_level=t.level,
        target=target_money(t.target),
        target_year=t.target_year,
        required=required,
        recent=recent,
    )
    return Message("chart.target.title", target_year=t.target_year), description
