"""The sentences of the bulletin: headline, movements, target tracker, method note.

Each function takes the facts of a period and returns messages; see
:mod:`marsad.publish.story` for the rules they follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from marsad.indicators.registry import INDICATORS
from marsad.publish.facts import Cell, Facts, shown
from marsad.publish.figures import Tracker, YearToDate
from marsad.publish.story.messages import Keyed, Mention, Message, Money, Section
from marsad.reference import segments

_BILLION = Decimal(10) ** 9


@dataclass(frozen=True)
class KeyFigure:
    """A figure shown first: its label and its row's value, shown as ``money``, ``growth``
    or ``percent`` (e.g. ``KeyFigure(Message("key.level", …), Keyed("13377e6", …), "money")``)."""

    label: Message
    value: Keyed
    style: str


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
    t = f.tracker
    if t is not None:
        label = Message("key.target", target_year=t.target_year, latest_year=t.year)
        out.append(KeyFigure(label, t.share, "percent"))
    return tuple(out)


def headline(f: Facts) -> tuple[Message, ...]:
    """The opening sentences: the year to date (a quarter or a month), level and its
    change, then the leading segment's share (when the published figures prove it
    leads), then whether some segments are withheld."""
    out = [] if f.ytd is None else [_year_to_date(f.ytd)]
    out.append(_level(f))
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
        out.append(Message("segments.withheld", one=f.segments_withheld == 1))
    return tuple(out)


def _year_to_date(y: YearToDate) -> Message:
    """``À fin mai 2025, les exportations cumulées depuis janvier atteignent …``."""
    return _change("headline.ytd", y.growth, total=y.level, month=y.month)


def _level(f: Facts) -> Message:
    values = {"total": f.total.level, "period": f.period}
    if f.total.growth is not None:
        values["previous"] = f.previous_period
    return _change("headline.level", f.total.growth, **values)


def _change(ident: str, g: Keyed | None, **values) -> Message:
    """``ident`` alone, or ``_growth``, ``_fall`` (said as its size) or ``_stable``, as
    the change ``g`` shows to one decimal."""
    if g is None:
        return Message(ident, **values)
    if shown(g) > 0:
        return Message(f"{ident}_growth", **values, growth=g)
    if shown(g) < 0:
        return Message(f"{ident}_fall", **values, fall=g.size())
    return Message(f"{ident}_stable", **values)


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
        out.append(Message("partners.withheld", one=f.partners_withheld == 1))
    return tuple(out)


def _decline(c: Cell, name: _Mentions) -> Message:
    values = {"segment": name(c.code), "fall": c.growth.size(), "level": c.level}
    if c.contribution is not None and shown(c.contribution) < 0:
        return Message("segment.decline_drag", **values, drag=c.contribution.size())
    return Message("segment.decline", **values)


def progress(f: Facts, name: _Mentions) -> list[Message]:
    """Progress against the previous full year, said when some segment is well ahead of or
    behind the calendar, only for a period that runs from January (S1, Q1, January): a
    later quarter or half alone is never compared with a whole year."""
    if f.previous_year is None or f.pace is None or not f.period.starts_year:
        return []
    year = f.previous_year
    out = []
    if f.total.progress is not None and (f.ahead_of_pace or f.behind_pace):
        out.append(Message("progress.sector_so_far", progress=f.total.progress, year=year))
    for c in f.ahead_of_pace:
        out.append(
            Message("progress.segment_so_far", segment=name(c.code), progress=c.progress, year=year)
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


def target(t: Tracker | None) -> tuple[Message, ...]:
    """The target tracker, from the rows ``target_*`` of the latest complete year: share
    reached, growth still needed against the recent pace, where that pace leads; then
    jobs against their target, when an employment series is loaded."""
    if t is None:
        return ()
    out = [
        Message(
            "target.reached_share",
            latest_year=t.year,
            latest_level=t.level,
            percent=t.share,
            target=target_money(t.target),
            target_year=t.target_year,
        )
    ]
    if shown(t.share) >= 100:
        out.append(Message("target.reached"))
    elif t.required is not None:
        out.append(
            Message(
                "target.required_growth", rate=t.required, target_year=t.target_year, pace=pace(t)
            )
        )
        if t.projected is not None:
            which = "target.on_track" if t.on_track else "target.off_track"
            out.append(Message(which, projected=t.projected, target_year=t.target_year))
    j = t.jobs
    if j is not None:
        out.append(
            Message(
                "target.jobs",
                year=j.year,
                jobs=j.jobs,
                share=j.share,
                target=j.target,
                target_year=j.target_year,
            )
        )
    return tuple(out)


def pace(t: Tracker) -> Message | None:
    """The recent pace, compared with the growth still needed: a rise or a fall (said as
    its size), over one year or on average over several; ``None`` when unknown.

    >>> from marsad.publish.story.messages import keyed
    >>> t = Tracker(2024, keyed("26e9"), keyed(65), keyed("40e9"), 2030, keyed("7.3"),
    ...             keyed("-1.25"), 2022, None, "", None)
    >>> pace(t)
    Message('pace.average_negative', rate=Keyed('1.25'), start=2022, end=2024)
    """
    if t.recent is None:
        return None
    span = "" if t.year - t.recent_from == 1 else "average_"
    falling = shown(t.recent) < 0
    sign = "negative" if falling else "positive"
    rate = t.recent.size() if falling else t.recent
    return Message(f"pace.{span}{sign}", rate=rate, start=t.recent_from, end=t.year)


def method(f: Facts) -> tuple[Section, ...]:
    """The methodological note: sources, definitions, classification, conversion, break in
    series, status of the figures."""
    sources = [Message("method.sources")]
    if f.synthetic:
        sources.insert(0, Message("method.synthetic"))
    definitions: tuple = tuple((d.id, d.id, d.formula) for d in f.definitions)
    if f.tracker is not None:
        sources.append(
            Message(
                "method.target_source",
                target_year=f.tracker.target_year,
                source=f.tracker.source,
                source_fr=f.tracker.source_fr or f.tracker.source,
                source_ar=f.tracker.source_ar or f.tracker.source,
            )
        )
        # the registry's (its label and formula in each language)
        required = INDICATORS["target_required_growth"]
        definitions += ((required.id, "target", required.formula),)
    codes = list(segments())
    sections = [
        Section(Message("section.sources"), tuple(sources)),
        Section(Message("section.definitions"), (Message("method.definitions"),), definitions),
        Section(Message("section.classification"), _classification(f, codes)),
        Section(Message("section.conversion"), (Message("method.conversion"),)),
    ]
    if f.series_break is not None:
        sections.append(Section(Message("section.break"), (_break(f, codes),)))
    sections.append(Section(Message("section.status"), _status(f)))
    return tuple(sections)


def _break(f: Facts, codes: list[str]) -> Message:
    """The two series, each as published, never chained: the old one's level of the
    break year and the new one's, when the table holds them."""
    b = f.series_break
    if b.old is None:
        return Message("method.break", codes=codes, year=b.year)
    if b.new is None:
        return Message("method.break_old", codes=codes, year=b.year, old=b.old)
    return Message("method.break_both", codes=codes, year=b.year, old=b.old, new=b.new)


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
    """The status of the figures, always said, as an official bulletin says it: provisional
    (and may be revised), or final (revised only to correct an error); then estimates,
    withheld cells, the data release. A bulletin of final figures said nothing of their
    status (its section held the release line alone, or was left out)."""
    out = [Message("status.provisional" if f.provisional else "status.final")]
    if f.estimated:
        out.append(Message("status.estimated"))
    if f.has_confidential:
        out.append(Message("status.confidential"))
    if f.release:
        out.append(Message("status.release", release=f.release))
    return tuple(out)
