"""The sentences of the bulletin: headline, movements, target tracker, method note.

Each function takes the facts of a period and returns messages; see
:mod:`marsad.publish.story` for the rules they follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from marsad.indicators.targets import REQUIRED_GROWTH_FORMULA, TargetStatus
from marsad.publish.facts import Cell, Facts
from marsad.publish.fmt import round_half_up
from marsad.publish.story.messages import Mention, Message, Money, Section
from marsad.reference import segments

_BILLION = Decimal(10) ** 9


@dataclass(frozen=True)
class KeyFigure:
    """A figure shown first: its label and its value, shown as ``money``, ``growth`` or
    ``percent`` (e.g. ``KeyFigure(Message("key.level", …), Decimal("13377e6"), "money")``)."""

    label: Message
    value: Decimal
    style: str


def shown(value: Decimal) -> Decimal:
    """The value as the reader sees it, to one decimal (e.g. -0.04 -> 0.0): signs and
    comparisons are decided on it."""
    return round_half_up(value, 1)


class _Mentions:
    """Names a segment in full the first time in a passage, by its code afterwards."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, code: str) -> Mention:
        first = code not in self.seen
        self.seen.add(code)
        return Mention(code, first)


def key_figures(f: Facts) -> tuple[KeyFigure, ...]:
    """Level, growth on a year earlier and share of the target reached (when known)."""
    out = [KeyFigure(Message("key.level", period=f.period), f.total.level, "money")]
    if f.total.growth is not None:
        out.append(
            KeyFigure(Message("key.growth", indicator="growth_yoy"), f.total.growth, "growth")
        )
    t = f.target
    if t is not None:
        label = Message("key.target", target_year=t.target_year, latest_year=t.latest_year)
        out.append(KeyFigure(label, t.percent_reached, "percent"))
    return tuple(out)


def headline(f: Facts) -> tuple[Message, ...]:
    """The opening sentences: level and its change, then the leading segment's share (when
    the published figures prove it leads), then how many segments are withheld."""
    out = [_level(f)]
    lead, second = f.leader, f.runner_up
    if lead is not None and lead.share is not None:
        leader = Mention(lead.code, first=True)
        if second is not None and second.share is not None:
            out.append(
                Message(
                    "headline.leader_runner_up",
                    leader=leader,
                    share=lead.share,
                    runner_up=Mention(second.code),
                    runner_up_share=second.share,
                )
            )
        else:
            out.append(Message("headline.leader", leader=leader, share=lead.share))
    if f.segments_withheld:
        out.append(Message("segments.withheld", count=f.segments_withheld))
    return tuple(out)


def _level(f: Facts) -> Message:
    g = f.total.growth
    values = {"total": f.total.level, "period": f.period}
    if g is None:
        return Message("headline.level", **values)
    values["previous"] = f.previous_period
    if shown(g) > 0:
        return Message("headline.level_growth", **values, growth=g)
    if shown(g) < 0:
        return Message("headline.level_fall", **values, fall=-g)
    return Message("headline.level_stable", **values)


def movements(f: Facts) -> tuple[Message, ...]:
    """Fastest growth, largest contribution, declines, progress, partner markets."""
    name = _Mentions()
    out: list[Message] = []
    fast, top = f.fastest, f.top_contributor
    if fast is not None and top is not None and fast.code == top.code:
        out.append(
            Message(
                "segment.fastest_top_contributor",
                segment=name(fast.code),
                growth=fast.growth,
                level=fast.level,
                contribution=fast.contribution,
            )
        )
    else:
        if fast is not None:
            segment = name(fast.code)
            out.append(
                Message("segment.fastest", segment=segment, growth=fast.growth, level=fast.level)
            )
        if top is not None:
            segment = name(top.code)
            out.append(
                Message("segment.top_contributor", segment=segment, contribution=top.contribution)
            )
    out.extend(_decline(c, name) for c in f.declines)
    out.extend(progress(f, name))
    if f.partners:
        out.append(Message("partners", partners=_partners(f.partners)))
    if f.partners_withheld:
        out.append(Message("partners.withheld", count=f.partners_withheld))
    return tuple(out)


def _decline(c: Cell, name: _Mentions) -> Message:
    values = {"segment": name(c.code), "fall": -c.growth, "level": c.level}
    if c.contribution is not None and shown(c.contribution) < 0:
        return Message("segment.decline_drag", **values, drag=-c.contribution)
    return Message("segment.decline", **values)


def progress(f: Facts, name: _Mentions) -> list[Message]:
    """Progress against the previous full year, said when some segment is well ahead of or
    behind the calendar (``so_far`` from January, ``single`` for a later half or quarter)."""
    if f.previous_year is None or f.pace is None:
        return []
    how = "so_far" if f.period.starts_year else "single"
    extra = {} if f.period.starts_year else {"kind": f.kind}
    year = f.previous_year
    out = []
    if f.total.progress is not None and (f.ahead_of_pace or f.behind_pace):
        out.append(Message(f"progress.sector_{how}", progress=f.total.progress, year=year, **extra))
    for c in f.ahead_of_pace:
        out.append(
            Message(
                f"progress.segment_{how}",
                segment=name(c.code),
                progress=c.progress,
                year=year,
                **extra,
            )
        )
    for c in f.behind_pace:
        out.append(
            Message("progress.segment_behind", segment=name(c.code), progress=c.progress, year=year)
        )
    return out


def _partners(partners: tuple[Cell, ...]) -> list[Message]:
    """The main markets, the first with "of exports" after its share."""
    items = []
    for i, p in enumerate(partners):
        if p.share is None:
            items.append(Message("partner.name", partner=p.code))
        else:
            which = "partner.share_of_exports" if i == 0 else "partner.share"
            items.append(Message(which, partner=p.code, share=p.share))
    return items


def target_money(value: Decimal) -> Money:
    """A target in whole billions shows no decimals (``40 milliards``), others as usual."""
    return Money(value, 0 if value % _BILLION == 0 else None)


def target(t: TargetStatus | None) -> tuple[Message, ...]:
    """The target tracker: share reached, growth still needed against the recent pace,
    where that pace leads."""
    if t is None:
        return ()
    out = [
        Message(
            "target.reached_share",
            latest_year=t.latest_year,
            latest_level=t.latest_level,
            percent=t.percent_reached,
            target=target_money(t.target_level),
            target_year=t.target_year,
        )
    ]
    if t.percent_reached >= 100:
        return (*out, Message("target.reached"))
    if t.required_growth is None:
        return tuple(out)
    out.append(
        Message("target.required_growth", rate=t.required_growth, years=t.years_left, pace=pace(t))
    )
    if t.projected_level is not None:
        if t.on_track:
            out.append(
                Message("target.on_track", projected=t.projected_level, target_year=t.target_year)
            )
        else:
            out.append(
                Message(
                    "target.off_track",
                    projected=t.projected_level,
                    target_year=t.target_year,
                    percent=t.projected_level * 100 / t.target_level,
                )
            )
    return tuple(out)


def pace(t: TargetStatus) -> Message | None:
    """The recent pace, compared with the growth still needed: a rise or a fall (said as
    its size), over one year or on average over several; ``None`` when unknown.

    >>> from marsad.indicators.targets import TargetStatus as T
    >>> t = T(2030, Decimal("40e9"), 2024, Decimal("26e9"), Decimal(65), 6, Decimal("7.3"),
    ...       2022, Decimal("-1.25"), None, "")
    >>> pace(t)
    Message('pace.average_negative', rate=Decimal('1.25'), start=2022, end=2024)
    """
    if t.recent_growth is None:
        return None
    span = "" if t.latest_year - t.recent_from == 1 else "average_"
    falling = shown(t.recent_growth) < 0
    sign = "negative" if falling else "positive"
    rate = -t.recent_growth if falling else t.recent_growth
    return Message(f"pace.{span}{sign}", rate=rate, start=t.recent_from, end=t.latest_year)


def method(f: Facts) -> tuple[Section, ...]:
    """The methodological note: sources, definitions, classification, conversion, break in
    series, status of the figures."""
    sources = [Message("method.sources")]
    if f.synthetic:
        sources.insert(0, Message("method.synthetic"))
    definitions: tuple = tuple((d.id, d.id, d.formula) for d in f.definitions)
    if f.target is not None:
        sources.append(
            Message(
                "method.target_source", target_year=f.target.target_year, source=f.target.source
            )
        )
        definitions += ((Message("method.target_definition"), "target", REQUIRED_GROWTH_FORMULA),)
    codes = list(segments())
    sections = [
        Section(Message("section.sources"), tuple(sources)),
        Section(Message("section.definitions"), (Message("method.definitions"),), definitions),
        Section(Message("section.classification"), _classification(f, codes)),
        Section(Message("section.conversion"), (Message("method.conversion"),)),
    ]
    b = f.series_break
    if b is not None:
        text = Message(
            "method.break",
            codes=codes,
            year=b.year,
            old=Money(b.old_level, b.old_decimals),
            new=Money(b.new_level, b.new_decimals),
            difference=b.difference,
        )
        sections.append(Section(Message("section.break"), (text,)))
    status = _status(f)
    if status:
        sections.append(Section(Message("section.status"), status))
    return tuple(sections)


def _classification(f: Facts, codes: list[str]) -> tuple[Message, ...]:
    out = [Message("method.classification", codes=codes)]
    u = f.unallocated
    if u is not None and u.level is not None:
        if u.share is not None:
            out.append(
                Message("method.unallocated_share", period=f.period, level=u.level, share=u.share)
            )
        else:
            out.append(Message("method.unallocated", period=f.period, level=u.level))
    return tuple(out)


def _status(f: Facts) -> tuple[Message, ...]:
    out = []
    if f.provisional:
        out.append(Message("status.provisional"))
    if f.estimated:
        out.append(Message("status.estimated"))
    if f.has_confidential:
        out.append(Message("status.confidential"))
    if f.release:
        out.append(Message("status.release", release=f.release))
    return tuple(out)
