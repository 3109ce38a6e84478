"""The story's rules of issue 9, decided once for every language: the year to date first,
no quarter set against a whole year, the tracker and jobs from the table's rows, the
two series never chained, publication settings, synthetic marking, Arabic."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marsad.errors import BadArgument
from marsad.indicators.table import IndicatorTable
from marsad.publish.bulletin import render_bulletin
from marsad.publish.facts import gather
from marsad.publish.keyed import Keyed
from marsad.publish.lang import WRITTEN, say, show
from marsad.publish.story import CATALOGUE, example, tell
from marsad.settings import get_settings

from .conftest import DEMO_LEVELS, DEMO_PARTNERS, build_table
from .test_bulletin import text_of
from .test_traceability import EXTRA, _month_levels

NN, NB = "\u202f", "\u00a0"


@pytest.fixture(scope="module")
def table() -> IndicatorTable:
    base = build_table({**DEMO_LEVELS, **_month_levels()}, DEMO_PARTNERS)
    return IndicatorTable.from_rows(base.rows + EXTRA, release=base.release)


@pytest.mark.parametrize(
    ("period", "lang", "lead"),
    [
        ("2025-05", "fr", "À fin mai 2025, les exportations cumulées depuis janvier atteignent "
         f"11,1 milliards de dirhams, en hausse de 4,2{NN}% sur un an."),
        ("2025-05", "en", "From January to the end of May 2025, exports totalled 11.1 billion "
         "dirhams, up 4.2% on a year earlier."),
        ("2025-05", "ar", "عند متم ماي 2025، بلغت الصادرات المتراكمة منذ بداية السنة 11,1 مليار "
         "درهم، بارتفاع نسبته 4,2% على أساس سنوي."),
        ("2024-Q3", "fr", "À fin septembre 2024, les exportations cumulées depuis janvier "
         f"atteignent 19,9 milliards de dirhams, en baisse de 1,0{NN}% sur un an."),
    ],
)  # fmt: skip
def test_a_quarter_or_a_month_leads_with_the_year_to_date(table, period, lang, lead):
    """The bulletin of May 2025 spoke of May alone, never of the months since January."""
    story = tell(gather(table, period))
    assert story.headline[0].id.startswith("headline.ytd")
    text = text_of(render_bulletin(table, period, lang))
    assert lead in text
    assert text.index(lead) < text.index(
        {"fr": "ont atteint", "en": "reached", "ar": "بلغت ص"}[lang]
    )


def test_a_year_a_half_or_a_first_quarter_has_no_separate_year_to_date(table):
    for period in ("2024", "2025-S1"):
        assert tell(gather(table, period)).headline[0].id.startswith("headline.level")


def test_a_later_quarter_is_never_set_against_a_whole_year(table):
    """2024-Q3 said "En un seul trimestre, le secteur a réalisé 26,6 % de son chiffre de
    2023" and showed a progress column: a quarter alone compared with a whole year."""
    story = tell(gather(table, "2024-Q3"))
    assert not [m for m in story.movements if m.id.startswith("progress.")]
    assert not any(h.id == "column.progress" for h in story.table.headers)
    assert "progress.sector_single" not in CATALOGUE
    # a period from January still says how far it went
    assert any(m.id.startswith("progress.") for m in tell(gather(table, "2025-S1")).movements)


def test_the_tracker_quotes_the_last_complete_year_from_its_rows(table):
    """A period that does not end in December quotes the year before (no fall that an
    incomplete year would cause); each figure is a target_* row."""
    t = gather(table, "2024-Q3").tracker
    assert t.year == 2023 and t.share.key == "target_share/exports/2023/TOTAL/_T/_T"
    t = gather(table, "2024").tracker
    assert t.year == 2024 and t.required.key.startswith("target_required_growth/exports/2024/")


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("fr", f"Le secteur employait 148{NN}500 personnes en 2024, soit 55,0{NN}% de "
         f"l'objectif de 270{NN}000 emplois fixé pour 2030."),
        ("en", "The sector employed 148,500 people in 2024, 55.0% of the target of 270,000 "
         "jobs set for 2030."),
        ("ar", "وبلغ عدد مناصب الشغل في القطاع 148.500 منصب سنة 2024، أي 55,0% من هدف "
         "270.000 منصب شغل في أفق 2030."),
    ],
)  # fmt: skip
def test_the_tracker_shows_jobs_when_loaded(table, lang, sentence):
    assert sentence in text_of(render_bulletin(table, "2025-S1", lang))
    assert "148" not in text_of(render_bulletin(build_table(), "2025-S1", lang))


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("fr", "Pour 2023, l'ancienne série donnait 17,9 milliards de dirhams, la nouvelle "
         "26,2 milliards de dirhams. Les deux séries ne sont pas comparables et ne sont pas "
         "enchaînées."),
        ("en", "For 2023, the old series gave 17.9 billion dirhams, the new one 26.2 billion "
         "dirhams."),
        ("ar", "وقد بلغت السلسلة القديمة 17,9 مليار درهم سنة 2023، مقابل 26,2 مليار درهم في "
         "السلسلة الجديدة."),
    ],
)  # fmt: skip
def test_the_two_series_are_stated_never_chained(table, lang, said):
    """The note said "soit 46,2 % de plus": a figure computed in the prose, not a row."""
    html = render_bulletin(table, "2025-S1", lang)
    assert said in text_of(html)
    assert 'data-key="level_old_scope/exports/2023/TOTAL/_T/_T"' in html
    assert "46,2" not in html and "46.2" not in html


def test_only_the_old_series_when_the_table_starts_later():
    levels = {k: v for k, v in DEMO_LEVELS.items() if k[0] != "2023"}
    text = text_of(render_bulletin(build_table(levels), "2025-S1", "fr"))
    assert "Pour 2023, l'ancienne série donnait 17,9 milliards de dirhams." in text


def test_publication_settings_in_header_and_footer(table, monkeypatch):
    plain = render_bulletin(table, "2025-S1", "fr")
    assert "Publié le" not in plain and "Contact" not in plain
    monkeypatch.setenv("MARSAD_PUBLISHER", "Office des Changes")
    monkeypatch.setenv("MARSAD_CONTACT", "stat@example.org")
    monkeypatch.setenv("MARSAD_RELEASE_DATE", "2025-10-15")
    monkeypatch.setenv("MARSAD_NEXT_RELEASE_DATE", "2026-04-15")
    html = render_bulletin(table, "2025-S1", "fr")
    footer = text_of(html[html.index("<footer>") :])
    assert f"Office des Changes · Version des données{NB}: 2025-10-test" in footer
    assert f"Publié le{NB}: 15 octobre 2025" in footer
    assert f"Prochaine publication{NB}: 15 avril 2026" in footer
    assert f"Contact{NB}: stat@example.org" in footer
    assert "Bulletin statistique · Office des Changes" in text_of(html[: html.index("</header>")])
    ar = text_of(render_bulletin(table, "2025-S1", "ar", "md"))
    assert "تاريخ النشر: 15 أكتوبر 2025" in ar and "النشر المقبل: 15 أبريل 2026" in ar


def test_a_date_written_wrongly_is_one_plain_error(monkeypatch):
    monkeypatch.setenv("MARSAD_RELEASE_DATE", "15/10/2025")
    with pytest.raises(BadArgument, match="MARSAD_RELEASE_DATE"):
        get_settings()


def test_the_next_release_comes_after_this_one(monkeypatch):
    """A next release dated on or before this one is refused, naming both settings."""
    monkeypatch.setenv("MARSAD_RELEASE_DATE", "2025-10-15")
    monkeypatch.setenv("MARSAD_NEXT_RELEASE_DATE", "2025-10-01")
    with pytest.raises(BadArgument, match="MARSAD_NEXT_RELEASE_DATE must come after") as e:
        get_settings()
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("lang", WRITTEN)
@pytest.mark.parametrize("fmt", ["html", "md"])
def test_synthetic_is_marked_everywhere(table, lang, fmt):
    """Banner, source line and method note, in every language and format."""
    from marsad.publish.lang import phrasebook

    labels, words = phrasebook(lang).LABELS, phrasebook(lang).WORDS
    text = render_bulletin(table, "2025-S1", lang, fmt, synthetic=True)
    for mark in (labels["synthetic"], labels["source_line_synthetic"], words["method.synthetic"]):
        assert mark.replace(" :", f"{NB}:").replace(" ;", f"{NN};") in text, mark


def test_arabic_page(table):
    html = render_bulletin(table, "2025-05", "ar")
    assert '<html lang="ar" dir="rtl">' in html
    assert "ماي 2025" in html and "يونيو" not in text_of(html)
    assert not re.search("[\u0660-\u0669\u06f0-\u06f9]", html)  # Latin digits (ar_MA)
    # a signed figure keeps its sign on the left of its digits, isolated left to right
    assert re.search(r'dir="ltr">\u200e[+\u2212]\d', html)
    # the release id reads left to right, not "synthetic.3fa9c2d1.06-2025" (reviewer)
    release = table.release
    assert f'<bdi dir="ltr">{release}</bdi>' in html
    assert f"\u2066{release}\u2069" in html


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_method_note_has_no_english_formula(table, lang):
    """The French and Arabic notes quoted the target's source and gave the growth still
    needed in English (``years left``), the Arabic every indicator's formula in English,
    the French legend ``t-1y`` beside formulas written ``t-1 an`` (a reviewer's finding)."""
    from marsad.indicators.registry import INDICATORS
    from marsad.reference import targets

    text = text_of(render_bulletin(table, "2025-S1", lang))
    assert "years left" not in text
    exports = next(t for t in targets() if t.target == "exports")
    # (the wording's own spaces may be narrow no-break ones: its name is enough)
    assert exports.source not in text and getattr(exports, f"source_{lang}").split(" (")[0] in text
    for d in INDICATORS.values():
        assert d.formula not in text, d.id
    shown = {d.id for d in INDICATORS.values() if getattr(d, f"formula_{lang}") in text}
    assert {"level", "growth_yoy", "target_required_growth"} <= shown, shown
    assert ("t-1y" in text) is (lang == "ar")  # the Arabic formulas keep Latin t-1y


@pytest.mark.parametrize("ident", sorted(CATALOGUE))
def test_every_language_states_the_same_figures(ident):
    """fr and en once disagreed on a negative recent pace; now the story decides and each
    wording must show exactly the figures of its message, in every language."""
    values = {}
    for lang in WRITTEN:
        html = say(example(ident), lang, html=True)
        values[lang] = sorted(re.findall(r'<data value="([^"]*)"', html))
    assert len({tuple(v) for v in values.values()}) == 1, values


_DECIMALS = st.decimals(
    min_value=Decimal("-1e6"), max_value=Decimal("1e6"), places=4, allow_nan=False
)


@given(_DECIMALS)
def test_a_figure_is_shown_from_its_published_value(value):
    """A figure shows its value rounded once (a fall as its size) and its <data value>
    is the published text, signed (here the exact value and the text are one)."""
    exact = f"{value:f}"
    row = Keyed(value, "growth_yoy/exports/2024/TOTAL/_T/_T", exact)
    shown = row.size() if value < 0 else row
    assert shown.exact == exact and shown.key == row.key
    assert shown.published == abs(value)
    html = show(shown, "num", "en", html=True)
    assert f'value="{exact}"' in html
    number = Decimal(re.sub(r"<[^>]+>", "", html).replace(",", ""))
    assert number == abs(value).quantize(Decimal("0.1"), "ROUND_HALF_UP")


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
@pytest.mark.parametrize(
    ("value", "published", "ident"),
    [
        ("0.3", "0", "_stable"),  # said "0 %": no rise
        ("-0.4", "0", "_stable"),
        ("0.6", "1", "_growth"),
        ("0.3", "0.3", "_growth"),
        ("-0.04", "-0.0400", "_stable"),  # said "0,0 %"
    ],
)
def test_a_change_is_said_as_the_table_publishes_it(lang, value, published, ident):
    """A growth published with no decimals (``0``) is said stable, not "up 0 %": the
    sign is decided on the value as shown, at no more decimals than published."""
    from marsad.publish.story.sentences import _change

    g = Keyed(value, "growth_yoy/exports/2025-S1/TOTAL/_T/_T", published)
    message = _change("headline.level", g, total=Keyed("13.4e9", "level/x", "13400000000"),
                      period="2025-S1", previous="2024-S1")  # fmt: skip
    assert message.id == "headline.level" + ident
    text = say(message, lang)
    assert not re.search(r"(hausse|up|ارتفاع)[^.]*\b0\s?%", text), text
