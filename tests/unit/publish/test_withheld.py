"""Withheld figures in the bulletin: never shown, never ranked, never used (issue 8, item 6).

The tables here are made as ``marsad.build.load_indicators`` returns them after
disclosure control: a withheld observation keeps its exact value and carries its
flag (``A`` small count, ``O`` dominance, ``C``/``G`` primary, ``D`` secondary), so
any path of the publish layer that reads a raw value would show it.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from marsad.indicators.table import IndicatorTable, Observation
from marsad.indicators.targets import tracker
from marsad.publish import fmt
from marsad.publish.bulletin import render_bulletin
from marsad.publish.charts import bulletin_charts
from marsad.publish.facts import gather
from marsad.publish.story import tell

from .conftest import ALL, DEMO_LEVELS, DEMO_PARTNERS, TOTAL, build_table, derived_of, withhold
from .test_bulletin import text_of

LANGS = ("fr", "en", "ar")
PERIOD = "2025-S1"

#: Segment levels withheld (primary small count, and its complement), a growth and a
#: contribution withheld (derived), partner markets withheld (dominance, secondary).
FLAGS: dict[tuple[str, ...], str] = {
    ("level", PERIOD, "KPO"): "A",
    ("level", "2024-S1", "KPO"): "A",
    ("level", PERIOD, "BPO"): "D",
    **derived_of(PERIOD, "KPO"),
    **derived_of(PERIOD, "BPO"),
    ("growth_yoy", PERIOD, "ESO"): "D",
    ("contribution", PERIOD, "ESO"): "D",
    ("level", PERIOD, TOTAL, "ES"): "O",
    ("level", PERIOD, TOTAL, "BE"): "D",
    **derived_of(PERIOD, TOTAL, "ES"),
    **derived_of(PERIOD, TOTAL, "BE"),
}


@pytest.fixture(scope="module")
def exact() -> IndicatorTable:
    return withhold(build_table(DEMO_LEVELS, DEMO_PARTNERS), FLAGS)


def _forms(obs: Observation, lang: str) -> set[str]:
    """Every way the bulletin could print the value: money in words, millions in the
    table, billions in chart descriptions, percent, growth, points."""
    v = obs.value
    if obs.unit == "MAD":
        out = {fmt.money(v, lang), fmt.number(v / 10**6, lang, 1)}
        out |= {fmt.money(v, lang, decimals=d) for d in (0, 1, 2)}
        out |= {fmt.number(v / 10**9, lang, d) for d in (2, 3)}
        return out
    return {
        fmt.percent(v, lang),
        fmt.growth(v, lang),
        fmt.points(v, lang),
        fmt.points(v, lang, signed=False),
        fmt.number(v, lang, 1),
    }


def _leaks(table: IndicatorTable, text: str, lang: str) -> list[str]:
    """Forms of withheld values found in ``text`` (not also the form of a published one),
    as whole numbers: not inside a longer number."""
    public = set().union(*(_forms(o, lang) for o in table if not o.withheld and o.value))
    secret = set().union(*(_forms(o, lang) for o in table if o.withheld)) - public
    found = []
    for form in sorted(secret):
        if re.search(rf"(?<![\d.,\u202f]){re.escape(form)}(?![\d]|[.,\u202f]\d)", text):
            found.append(form)
    return found


def _readable(html: str) -> str:
    """What a reader (or a screen reader) gets: visible text, chart titles, descriptions
    and the labels of their marks."""
    labels = re.findall(r'aria-label="([^"]*)"', html)
    descs = re.findall(r"<(?:title|desc)[^>]*>([^<]*)<", html)
    return " ".join([text_of(html), *labels, *descs])


@pytest.fixture(scope="module", params=LANGS)
def lang(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def html(exact, lang) -> str:
    return render_bulletin(exact, PERIOD, lang)


@pytest.fixture(scope="module")
def markdown(exact, lang) -> str:
    return render_bulletin(exact, PERIOD, lang, "md")


def test_withheld_codes_are_all_hidden_by_get():
    """get() hid only C and D with an empty value: an A, O or G cell with its exact value
    (as the build now loads it) came out as a figure."""
    obs = Observation("level", "exports", "2024", "KPO", ALL, ALL, Decimal("48e6"), "MAD")
    for code in ("A", "O", "C", "G", "D", ""):
        table = IndicatorTable([replace(obs, conf_status=code)])
        assert table.get("level", "2024", "KPO") is None, code
        assert table.withheld("level", "2024", "KPO")
        assert table.public().rows[0].value is None
    table = IndicatorTable([obs])
    assert table.get("level", "2024", "KPO") == Decimal("48e6")
    assert not table.withheld("level", "2024", "KPO")
    assert not table.withheld("level", "2023", "KPO")  # absent is not withheld


def test_no_withheld_value_in_html(exact, html, lang):
    """A withheld value, at every precision the bulletin uses, appears nowhere a reader
    (or a screen reader) can read it."""
    assert _leaks(exact, _readable(html), lang) == []


def test_no_withheld_value_in_markdown(exact, markdown, lang):
    assert _leaks(exact, markdown, lang) == []


def test_the_leak_check_finds_a_leak(lang):
    """The check itself: the same table with nothing withheld shows those values."""
    open_table = build_table(DEMO_LEVELS, DEMO_PARTNERS)
    flagged = withhold(open_table, FLAGS)
    text = _readable(render_bulletin(open_table, PERIOD, lang))
    assert _leaks(flagged, text, lang)


def _row(html: str, code: str) -> list[str]:
    row = re.search(rf'class="code">{code}</span>.*?</tr>', html, flags=re.S).group(0)
    return re.findall(r"<td>(.*?)</td>", row)


def test_withheld_cells_show_c_with_legend(html, lang):
    """A withheld table cell shows c, each figure by its own flag, and the table says
    what c means."""
    assert _row(html, "KPO") == ["[c]"] * 6  # last year's level is withheld too
    bpo = _row(html, "BPO")
    assert bpo[0] != "[c]" and bpo[1:] == ["[c]"] * 5  # last year's level is published
    eso = _row(html, "ESO")
    assert eso[3:5] == ["[c]", "[c]"] and "[c]" not in (eso[:3] + eso[5:])
    legend = {
        "fr": "[c]\u00a0: confidentiel (secret statistique)",
        "en": "[c]: confidential (statistical confidentiality)",
        "ar": "[c]: سري (السر الإحصائي)",
    }[lang]
    caption = re.search(r"<caption>(.*?)</caption>", html, flags=re.S).group(1)
    assert legend in caption


def test_markdown_table_shows_c_with_legend(markdown, lang):
    kpo = next(line for line in markdown.splitlines() if line.startswith("| KPO"))
    assert kpo.count(" [c] |") == 6
    assert {"fr": "[c]\u00a0: confidentiel", "en": "[c]: confidential", "ar": "[c]: سري"}[
        lang
    ] in markdown


def test_no_legend_for_marks_not_shown(lang):
    """The demo table shows no c: its legend does not explain one."""
    html = render_bulletin(build_table(DEMO_LEVELS, DEMO_PARTNERS), PERIOD, lang)
    assert {"fr": "confidentiel (secret", "en": "[c]: confidential", "ar": "[c]: سري"}[
        lang
    ] not in html


def test_sentences_that_need_a_withheld_figure_are_left_out(exact, lang):
    """ESO grew fastest, but its growth is withheld: the superlative is left out (and
    would rank the others), while the other sentences still read."""
    story = tell(gather(exact, PERIOD))
    ids = [m.id for m in (*story.headline, *story.movements)]
    assert not any(i.startswith(("segment.fastest", "segment.top_contributor")) for i in ids)
    assert "headline.leader_runner_up" in ids  # ITO, CRM: larger than any withheld segment
    assert "segment.decline" in ids or "segment.decline_drag" in ids  # CRM fell
    assert "segments.withheld" in ids and "partners.withheld" in ids
    named = {getattr(v, "code", None) for m in story.movements for v in m.values.values()}
    assert not named & {"KPO", "BPO"}
    eso = [m for m in story.movements if getattr(m.values.get("segment"), "code", "") == "ESO"]
    assert [m.id for m in eso] == ["progress.segment_so_far"]  # published: still said


def test_sentences_in_words(html, lang):
    text = text_of(html)
    expected = {
        "fr": (
            "Les chiffres de certains segments ne sont pas publiés (secret statistique).",
            "Certains marchés partenaires ne sont pas publiés (secret statistique).",
            "Les valeurs confidentielles (secret statistique) ne sont pas représentées.",
            "Les cellules marquées «\u00a0[c]\u00a0» sont couvertes par le secret statistique.",
        ),
        "en": (
            "Figures for some segments are not published (statistical confidentiality).",
            "Figures for some partner markets are not published (statistical confidentiality).",
            "Confidential values (statistical confidentiality) are not shown.",
        ),
        "ar": (
            "لا تُنشر أرقام بعض الفروع (السر الإحصائي).",
            "لا تُنشر أرقام بعض الأسواق الشريكة (السر الإحصائي).",
            "القيم السرية (السر الإحصائي) غير معروضة.",
            "الخانات التي تحمل الرمز «[c]» مشمولة بالسر الإحصائي.",
        ),
    }[lang]
    for sentence in expected:
        assert sentence in text, sentence
    for absent in ("plus forte hausse", "grew fastest", "Espagne", "Spain", "Belgique", "إسبانيا"):
        assert absent not in text


def test_partners_list_only_what_no_withheld_market_could_enter(exact):
    """Spain (withheld) is larger than the United States: naming the US among the main
    markets would reveal that every withheld market is smaller. Only France, larger than
    all withheld markets together, is named."""
    facts = gather(exact, PERIOD)
    assert [c.code for c in facts.partners] == ["FR"]
    assert facts.partners_withheld == 2


def test_no_bar_for_a_withheld_value(exact, lang, monkeypatch):
    """The bars drawn, read from the charts' data (their marks carry no text of their
    own: the chart speaks through its title and description)."""
    from marsad.publish import charts as drawing

    drawn, real = [], drawing._svg.__wrapped__
    monkeypatch.setattr(drawing, "_svg", lambda spec, lg: drawn.append(spec) or real(spec, lg))
    charts = {c.name: c for c in bulletin_charts(exact, PERIOD, lang)}
    now, before = {
        "fr": ("S1 2025", "S1 2024"),
        "en": ("H1 2025", "H1 2024"),
        "ar": ("ن1 2025", "ن1 2024"),
    }[lang]
    bars, history = ([(r["segment"], r["period"]) for r in json.loads(spec)["data"]["values"]]
                     for spec in drawn[:2])  # fmt: skip
    assert bars and not [b for b in bars if b[0] == "KPO" or b == ("BPO", now)]
    assert charts["segments"].note and charts["segments"].note in charts["segments"].description
    assert history and ("KPO", before) not in history and ("KPO", now) not in history
    assert [b for b in history if b[0] == "KPO"]  # the published half-years still have KPO


@pytest.mark.parametrize("lang", LANGS)
def test_monthly_partners_withheld_for_dominance(lang):
    """A month's partner markets served by one dominant firm (O): left out of the main
    markets with the ones they could exceed, counted in a sentence, and never printed."""
    month = {("2024-07", TOTAL): "2.300", ("2023-07", TOTAL): "2.100"}
    levels = {"FR": "1.100", "ES": "0.400", "US": "0.350", "BE": "0.300", "GB": "0.150"}
    partners = {("2024-07", c): v for c, v in levels.items()}
    flags = {("level", "2024-07", TOTAL, c): "O" for c in ("ES", "GB")}
    for c in ("ES", "GB"):
        flags.update(derived_of("2024-07", TOTAL, c))
    table = withhold(build_table(month, partners), flags)
    html = render_bulletin(table, "2024-07", lang)
    text = text_of(html)
    assert _leaks(table, _readable(html), lang) == []
    assert [c.code for c in gather(table, "2024-07").partners] == ["FR"]  # 1.1 > 2.3 - 1.75
    said = {
        "fr": "Certains marchés partenaires ne sont pas publiés",
        "en": "some partner markets are",
        "ar": "لا تُنشر أرقام بعض الأسواق الشريكة",
    }
    assert said[lang] in text
    assert {"fr": "États-Unis", "en": "United States", "ar": "الولايات المتحدة"}[lang] not in text


def test_leader_not_named_when_a_withheld_segment_could_lead():
    """With ITO withheld, the rest (13.377 - 4.19 - 2.58 - 1.33 bn) could all be one
    segment, larger than CRM: calling CRM the leader would be a guess and a disclosure."""
    flags = {("level", PERIOD, "ITO"): "A", ("level", PERIOD, "KPO"): "D"}
    facts = gather(withhold(build_table(), flags), PERIOD)
    assert facts.leader is None
    ids = [m.id for m in tell(facts).headline]
    assert ids == ["headline.level_growth", "segments.withheld"]


def test_partner_share_is_not_computed_when_withheld():
    """A partner's share withheld (D) while its level is published: the bulletin does not
    work it out from the levels."""
    table = withhold(build_table(DEMO_LEVELS, DEMO_PARTNERS), {("share", PERIOD, TOTAL, "FR"): "D"})
    france = gather(table, PERIOD).partners[0]
    assert france.code == "FR" and france.share is None


def test_target_tracker_never_reads_a_withheld_year():
    """The 2024 total withheld: the tracker does not fall back on 2023 as if it were the
    latest full year; it says nothing."""
    table = withhold(build_table(), {("level", "2024", TOTAL): "C"})
    assert tracker(table, PERIOD) is None
    assert gather(table, PERIOD).tracker is None


def test_withheld_total_of_the_period_is_refused():
    table = withhold(build_table(), {("level", PERIOD, TOTAL): "C"})
    with pytest.raises(ValueError, match="not published"):
        gather(table, PERIOD)


def test_withheld_unallocated_shows_c_and_no_sentence(levels):
    levels[("2025-S1", "UNALLOCATED")] = "0.100"
    levels[("2025-S1", "TOTAL")] = "13.477"
    table = withhold(build_table(levels), {("level", PERIOD, "UNALLOCATED"): "A"})
    html = render_bulletin(table, PERIOD, "fr")
    assert "100 millions" not in html and "n'ont pu être rattachés" not in html
    row = re.search(r"Non ventilé.*?</tr>", html, flags=re.S).group(0)
    assert re.findall(r"<td>(.*?)</td>", row)[1] == "[c]"


# -- property: the bulletin does not depend on any withheld value ------------------------

_TABLE = build_table(DEMO_LEVELS, DEMO_PARTNERS)
#: Every observation but the total of the bulletin's period (withheld, no bulletin),
#: the tracker's rows (target_*) and the old series included: the text and the charts
#: read them all from the table's public view.
_KEYS = sorted(
    {(o.indicator, o.period, o.segment, o.partner) for o in _TABLE}
    - {("level", PERIOD, TOTAL, ALL)}
)
_CODES = st.sampled_from(("A", "O", "C", "G", "D"))


def _perturbed(table: IndicatorTable) -> IndicatorTable:
    """The same table with every withheld value changed (levels x 1.37, ratios + 7.3)."""
    rows = [
        replace(o, value=o.value * Decimal("1.37") if o.unit == "MAD" else o.value + 7)
        if o.withheld and o.value is not None
        else o
        for o in table
    ]
    return IndicatorTable.from_rows(rows, release=table.release)


@pytest.mark.parametrize("lang", LANGS)
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    phases=(Phase.explicit, Phase.generate),  # shrinking a bulletin takes minutes
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(flags=st.dictionaries(st.sampled_from(_KEYS), _CODES, min_size=1, max_size=12))
def test_bulletin_is_blind_to_withheld_values(lang, flags):
    """For any withholding pattern, changing the withheld values changes not one byte of
    the bulletin (text, tables, charts' SVG): it cannot show, rank or derive from them."""
    table = withhold(_TABLE, flags)
    first = render_bulletin(table, PERIOD, lang)
    assert first == render_bulletin(_perturbed(table), PERIOD, lang)
    assert _leaks(table, _readable(first), lang) == []
