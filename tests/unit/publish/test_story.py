"""What the bulletin says (marsad.publish.story) and that every language can say it."""

from __future__ import annotations

import string
from dataclasses import replace
from decimal import Decimal

import pytest

from marsad.errors import PeriodError
from marsad.publish.bulletin import render_bulletin, write_bulletin
from marsad.publish.facts import gather
from marsad.publish.figures import Tracker
from marsad.publish.keyed import keyed
from marsad.publish.lang import WRITTEN, phrasebook, say
from marsad.publish.story import CATALOGUE, LABEL_KEYS, Message, example, tell
from marsad.publish.story.sentences import pace, target

from .conftest import build_table


@pytest.mark.parametrize("lang", WRITTEN)
def test_every_message_has_a_wording_in_every_language(lang):
    """A message id the story can say but a phrasebook cannot word fails here."""
    words = phrasebook(lang).WORDS
    missing = sorted(set(CATALOGUE) - set(words))
    assert not missing, f"{lang} phrasebook lacks wordings for {missing}"
    unknown = sorted(set(words) - set(CATALOGUE))
    assert not unknown, f"{lang} phrasebook words ids the story never says: {unknown}"


@pytest.mark.parametrize("lang", WRITTEN)
def test_every_label_of_the_layout_is_in_every_language(lang):
    labels = phrasebook(lang).LABELS
    assert sorted(set(LABEL_KEYS) - set(labels)) == []


@pytest.mark.parametrize("lang", WRITTEN)
@pytest.mark.parametrize("ident", sorted(CATALOGUE))
def test_every_message_can_be_worded_with_its_values(ident, lang):
    """Each wording uses only the values its message carries, with known formats."""
    text = say(example(ident), lang)
    assert text.strip()
    assert "{" not in text and "}" not in text and "None" not in text


@pytest.mark.parametrize("lang", WRITTEN)
def test_wordings_name_only_the_values_of_their_message(lang):
    for ident, wording in phrasebook(lang).WORDS.items():
        if callable(wording):
            continue
        fields = {f.split("[")[0] for _, f, _, _ in string.Formatter().parse(wording) if f}
        assert fields <= set(CATALOGUE[ident]) | {"L"}, (ident, fields)


def test_an_unknown_message_id_is_refused():
    with pytest.raises(KeyError, match="unknown message id"):
        Message("headline.levl")


def test_the_story_of_the_half_year(demo_table):
    story = tell(gather(demo_table, "2025-S1"))
    assert [m.id for m in story.headline] == ["headline.level_growth", "headline.leader_runner_up"]
    assert [m.id for m in story.movements] == [
        "segment.fastest_top_contributor",
        "segment.decline_drag",
        "progress.sector_so_far",
        "progress.segment_so_far",
        "partners",
    ]
    fastest = story.movements[0]
    assert fastest["segment"].code == "ESO" and fastest["segment"].first
    assert round(fastest["growth"], 2) == Decimal("43.17")
    assert [m.id for m in story.target] == [
        "target.reached_share",
        "target.required_growth",
        "target.off_track",
    ]
    assert story.target[1]["pace"].id == "pace.positive"


def _status(recent: str | None, recent_from: int = 2023) -> Tracker:
    """A tracker as read from the table's rows (the rows' exact text is their value)."""
    return Tracker(
        2024, keyed("26e9"), keyed("65"), keyed("40e9"), 2030, keyed("7.3"),
        None if recent is None else keyed(recent), recent_from, None, "", None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("recent", "recent_from", "ident", "rate"),
    [
        ("0.19", 2023, "pace.positive", "0.19"),
        ("-1.5", 2023, "pace.negative", "1.5"),
        ("-1.5", 2020, "pace.average_negative", "1.5"),
        ("2.1", 2020, "pace.average_positive", "2.1"),
        ("-0.04", 2023, "pace.positive", "-0.04"),  # shows as 0.0: not a fall
    ],
)
def test_the_sign_of_the_recent_pace_is_decided_once(recent, recent_from, ident, rate):
    """fr said "un recul de 1,5 %", en printed "−1.5%": both now word pace.negative."""
    message = pace(_status(recent, recent_from))
    assert message.id == ident and message["rate"] == Decimal(rate)
    assert pace(_status(None)) is None


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", "par an d'ici 2030, contre un recul de 1,5\u202f% entre 2023 et 2024."),
        ("en", "a year until 2030, against a fall of 1.5% from 2023 to 2024."),
        ("ar", "سنوياً حتى 2030، مقابل تراجع بنسبة 1,5% بين 2023 و2024."),
    ],
)
def test_a_negative_recent_pace_is_said_as_a_fall(lang, expected):
    """Every language words the same message (pace.negative) with the fall's size."""
    required = target(_status("-1.5"))[1]
    assert say(required, lang).endswith(expected)


def test_a_target_already_reached_says_so_and_nothing_more():
    t = replace(_status("3"), share=keyed("101"))
    assert [m.id for m in target(t)] == ["target.reached_share", "target.reached"]


@pytest.mark.parametrize("period", ["2025-H1", "2025-S3", "25-S1", "2025-13"])
def test_a_malformed_period_raises_period_error(demo_table, period, tmp_path):
    with pytest.raises(PeriodError, match=r"not a period: .*; write 2025-S1"):
        render_bulletin(demo_table, period)
    with pytest.raises(PeriodError):
        write_bulletin(demo_table, period, "en", tmp_path / "b.md")


def test_a_period_object_is_accepted(demo_table):
    from marsad.periods import Period

    assert render_bulletin(demo_table, Period.parse("2025-S1"), "en", "md") == render_bulletin(
        demo_table, "2025-S1", "en", "md"
    )


def test_confidential_segment_is_never_mentioned():
    table = build_table(confidential={("2025-S1", "ESO")})
    story = tell(gather(table, "2025-S1"))
    for m in (*story.headline, *story.movements):
        for value in m.values.values():
            assert getattr(value, "code", None) != "ESO", m
