"""The bulletin (marsad.publish.bulletin): every sentence follows the indicator table."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from marsad.publish.bulletin import render_bulletin, write_bulletin

from .conftest import DEMO_LEVELS, DEMO_PARTNERS, build_table

NN = "\u202f"  # narrow no-break space: groups and before %
NB = "\u00a0"


class _Text(HTMLParser):
    """Visible text of an HTML document, SVG, style and titles left out."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("svg", "style", "title", "head"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("svg", "style", "title", "head"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def text_of(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"[ \t\r\n]+", " ", "".join(parser.parts))


LANGS = ("fr", "en")


@pytest.fixture(scope="module", params=LANGS)
def lang(request) -> str:
    """Structure and values are tested in every written language."""
    return request.param


@pytest.fixture(scope="module")
def html(demo_table, lang) -> str:
    return render_bulletin(demo_table, "2025-S1", lang)


@pytest.fixture(scope="module")
def text(html) -> str:
    return text_of(html)


def _in(text: str, lang: str, **expected: str | tuple[str, ...]) -> None:
    """Every sentence expected in ``lang`` is in the text."""
    wanted = expected[lang]
    for sentence in (wanted,) if isinstance(wanted, str) else wanted:
        assert sentence in text, sentence


def test_headline(text, lang):
    if lang == "en":
        assert (
            "Exports of digital and outsourcing services reached 13.4 billion dirhams in the "
            "first half of 2025, up 3.5% on the first half of 2024."
        ) in text
        assert (
            "The ITO segment (IT outsourcing) accounted for 39.2%, "
            "ahead of the CRM segment (31.3%)."
        ) in text
        return
    assert (
        "Les exportations de services numériques et d'externalisation ont atteint "
        f"13,4 milliards de dirhams au premier semestre 2025, en hausse de 3,5{NN}% "
        "par rapport au premier semestre 2024."
    ) in text
    assert (
        "Le segment ITO (externalisation des technologies de l'information) en représente "
        f"39,2{NN}%, devant le segment CRM (31,3{NN}%)."
    ) in text


#: The segment table of 2025-S1: same figures, local separators.
TABLE = {
    "fr": {
        "ESO": [f"1{NN}802,0", f"2{NN}580,0", "19,3", "+43,2", "+6,0", "74,5"],
        "CRM": [f"4{NN}800,0", f"4{NN}190,0", "31,3", "−12,7", "−4,7", "42,8"],
        "KPO": ["23,0", "27,0", "0,2", "+17,4", "0,0", "56,3"],
        "Total": [f"12{NN}925,0", f"13{NN}377,0", "", "+3,5", "+3,5", "51,0"],
    },
    "en": {
        "ESO": ["1,802.0", "2,580.0", "19.3", "+43.2", "+6.0", "74.5"],
        "CRM": ["4,800.0", "4,190.0", "31.3", "−12.7", "−4.7", "42.8"],
        "KPO": ["23.0", "27.0", "0.2", "+17.4", "0.0", "56.3"],
        "Total": ["12,925.0", "13,377.0", "", "+3.5", "+3.5", "51.0"],
    },
}


def test_segment_table(html, lang):
    """Every figure of the table is a row's <data> (the total's share is no row: blank)."""
    html = re.sub(r"</?data[^>]*>", "", html)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, flags=re.S) for r in rows]
    by_code = {re.sub(r"<[^>]+>.*", "", c[0].split('class="code">')[-1]): c[1:] for c in cells[1:]}
    for code in ("ESO", "CRM", "KPO"):
        assert by_code[code] == TABLE[lang][code]
    assert cells[-1][0] == {"fr": "Total", "en": "Total"}[lang]
    assert cells[-1][1:] == TABLE[lang]["Total"]
    if lang == "en":
        assert cells[0] == [
            "Segment", "H1 2024", "H1 2025", "Share (%)", "Growth (%)", "Contribution (points)",
            "Progress / 2024 (%)",
        ]  # fmt: skip
        assert "Engineering services outsourcing" in html
        return
    header = cells[0]
    assert header == [
        "Segment",
        "S1 2024",
        "S1 2025",
        "Part (%)",
        "Variation (%)",
        "Contribution (points)",
        "Réalisation / 2024 (%)",
    ]
    by_code = {re.sub(r"<[^>]+>.*", "", c[0].split('class="code">')[-1]): c[1:] for c in cells[1:]}
    assert by_code["ESO"] == [f"1{NN}802,0", f"2{NN}580,0", "19,3", "+43,2", "+6,0", "74,5"]
    assert by_code["CRM"] == [f"4{NN}800,0", f"4{NN}190,0", "31,3", "−12,7", "−4,7", "42,8"]
    assert by_code["KPO"] == ["23,0", "27,0", "0,2", "+17,4", "0,0", "56,3"]
    assert cells[-1][0] == "Total"
    assert cells[-1][1:] == [f"12{NN}925,0", f"13{NN}377,0", "", "+3,5", "+3,5", "51,0"]
    assert "Externalisation des services d'ingénierie" in html


def test_notable_movements(text, lang):
    if lang == "en":
        _in(
            text,
            lang,
            en=(
                "The ESO segment (engineering services outsourcing) grew fastest (+43.2%, to 2.6 "
                f"billion dirhams) and made the largest contribution to growth (+6.0{NB}pp).",
                "The CRM segment (customer relationship management) fell by 12.7%, to 4.2 billion "
                f"dirhams, taking 4.7{NB}pp off overall growth.",
                "The ESO segment has already achieved 74.5% of its 2024 exports.",
                "The sector as a whole has already achieved 51.0% of its 2024 exports.",
                "Main markets: France (45.0% of exports), Spain (12.0%) and United States (9.0%).",
            ),
        )
        return
    assert (
        "Le segment ESO (externalisation des services d'ingénierie) a enregistré la plus forte "
        f"hausse (+43,2{NN}%, à 2,6 milliards de dirhams) et apporté la plus forte contribution "
        f"à la croissance (+6,0{NB}points)."
    ) in text
    assert (
        f"Le segment CRM (gestion de la relation client) est en baisse de 12,7{NN}%, "
        f"à 4,2 milliards de dirhams, ce qui retire 4,7{NB}points à la croissance d'ensemble."
    ) in text
    assert f"Le segment ESO a déjà réalisé 74,5{NN}% de son chiffre de 2024." in text
    assert f"L'ensemble du secteur a déjà réalisé 51,0{NN}% de son chiffre de 2024." in text
    assert (
        f"Principaux marchés{NB}: France (45,0{NN}% des exportations), Espagne (12,0{NN}%) "
        f"et États-Unis (9,0{NN}%)."
    ) in text


def test_target_tracker(text, lang):
    if lang == "en":
        _in(
            text,
            lang,
            en=(
                "In 2024, the latest full year, exports reached 26.2 billion dirhams, 65.5% of the "
                "2030 target of 40 billion dirhams.",
                "Reaching it requires growth of 7.3% a year until 2030, against 0.2% from 2023 "
                "to 2024.",
                "exports would reach 26.5 billion dirhams in 2030",
            ),
        )
        return
    assert (
        "En 2024, dernière année complète, les exportations ont atteint 26,2 milliards de "
        f"dirhams, soit 65,5{NN}% de l'objectif de 40 milliards de dirhams fixé pour 2030."
    ) in text
    assert (
        f"Pour l'atteindre, elles devraient croître de 7,3{NN}% par an d'ici 2030, "
        f"contre 0,2{NN}% entre 2023 et 2024."
    ) in text
    assert "elles atteindraient 26,5 milliards de dirhams en 2030" in text


def test_charts_inline_and_self_contained(html, lang):
    assert html.count("<svg ") >= 2
    assert f'<html lang="{lang}" dir="ltr">' in html
    assert "<script" not in html
    assert "<link" not in html
    assert not re.search(r"""(src|href)=["']?https?:""", html)
    assert "@import" not in html and "url(" not in html


def test_methodological_note(text, lang):
    if lang == "en":
        _in(
            text,
            lang,
            en=(
                "Break in series",
                "For 2023, the old series gave 17.9 billion dirhams, the new one 26.2 billion "
                "dirhams. The two series are not comparable and are not chained.",
                "provisional",
                "Office des Changes",
                "reference rate of the value date",
                "proposed by marsad",
                "Data release: 2025-10-test",
                "Year-on-year growth",
                "(level(t) / level(t-1y) - 1) x 100",
            ),
        )
        assert "synthetic" not in text
        return
    assert "Rupture de série" in text
    assert "l'ancienne série donnait 17,9 milliards de dirhams" in text
    assert "la nouvelle 26,2 milliards de dirhams" in text
    assert "ne sont pas enchaînées" in text
    assert "provisoires" in text
    assert "Office des Changes" in text
    assert "cours de référence de la date de valeur" in text
    assert "proposée par marsad" in text
    assert "Version des données" in text and "2025-10-test" in text
    assert "Variation sur un an" in text  # definitions read from the registry
    assert "(montant(t) / montant(t-1 an) - 1) x 100" in text  # the French formula
    assert "synthétiques" not in text


def test_synthetic_is_said_plainly(demo_table):
    text = text_of(render_bulletin(demo_table, "2025-S1", "fr", synthetic=True))
    assert "données synthétiques" in text
    assert "Ce ne sont pas des statistiques officielles." in text
    by_release = build_table(DEMO_LEVELS, release="2025-06.synthetic.3fa9c2d1")
    assert "données synthétiques" in text_of(render_bulletin(by_release, "2025-S1"))


def test_a_fall_changes_the_text(levels):
    levels[("2025-S1", "CRM")] = "2.190"
    levels[("2025-S1", "TOTAL")] = "11.377"
    text = text_of(render_bulletin(build_table(levels), "2025-S1", "fr"))
    assert (
        f"11,4 milliards de dirhams au premier semestre 2025, en baisse de 12,0{NN}% "
        "par rapport au premier semestre 2024."
    ) in text
    assert "en hausse" not in text
    assert f"Le segment CRM (gestion de la relation client) est en baisse de 54,4{NN}%" in text


def test_stable_and_other_fastest_segment(levels):
    levels[("2025-S1", "TOTAL")] = "12.925"
    levels[("2025-S1", "ESO")] = "1.802"
    levels[("2025-S1", "BPO")] = "1.980"
    levels[("2025-S1", "ITO")] = "6.150"
    levels[("2025-S1", "CRM")] = "2.970"
    levels[("2025-S1", "KPO")] = "0.023"
    text = text_of(render_bulletin(build_table(levels), "2025-S1", "fr"))
    assert "stables par rapport au premier semestre 2024" in text
    assert (
        "Le segment BPO (externalisation des processus métiers) a enregistré la plus forte hausse"
    ) in text
    assert (
        f"La plus forte contribution à la croissance, +7,7{NB}points, vient du segment ITO "
        "(externalisation des technologies de l'information)."
    ) in text
    assert f"Le segment CRM n'a réalisé que 30,3{NN}% de son chiffre de 2024." in text
    assert "74,5" not in text


def test_year_bulletin(demo_table):
    text = text_of(render_bulletin(demo_table, "2024", "fr"))
    assert (
        f"ont atteint 26,2 milliards de dirhams en 2024, en hausse de 0,2{NN}% par rapport à 2023."
    ) in text
    # no segment has a 2023 level: nothing is said about segment growth
    assert "plus forte hausse" not in text and "en baisse" not in text
    assert "Réalisation" not in text
    assert "Objectif 2030" in text


def test_quarter_bulletin(demo_table):
    text = text_of(render_bulletin(demo_table, "2024-Q3", "fr"))
    assert (
        "ont atteint 7,0 milliards de dirhams au troisième trimestre 2024, en hausse de "
        f"3,0{NN}% par rapport au troisième trimestre 2023."
    ) in text
    assert (
        "Le segment ITO (externalisation des technologies de l'information) a enregistré la "
        "plus forte hausse (+8,0"
    ) in text
    assert f"Le segment CRM (gestion de la relation client) est en baisse de 3,0{NN}%" in text
    assert "Exportations par trimestre et par segment" in render_bulletin(
        demo_table, "2024-Q3", "fr", "md"
    )


def test_period_without_previous_year(demo_table):
    text = text_of(render_bulletin(demo_table, "2024-S1", "fr"))
    assert (
        "Les exportations de services numériques et d'externalisation ont atteint 12,9 "
        "milliards de dirhams au premier semestre 2024."
    ) in text
    for absent in (
        "en hausse",
        "en baisse",
        "stables",
        "par rapport au",
        "plus forte",
        "Variation (%)",
        "Contribution (points)",
    ):
        assert absent not in text, absent
    # the tracker quotes the last year ended by June 2024, not 2024 itself
    assert "En 2023, dernière année complète" in text
    assert "par an d'ici 2030" in text


@pytest.mark.parametrize(
    ("lang", "note", "absent"),
    [("fr", "Montants en millions de dirhams ; parts en pourcentage.", "variations"),
     ("en", "Amounts in millions of dirhams; shares in percent.", "growth"),
     ("ar", "المبالغ بملايين الدراهم؛ الحصص بالنسبة المئوية.", "المساهمات")],
)  # fmt: skip
@pytest.mark.parametrize("form", ["html", "md"])
def test_the_table_note_names_only_the_columns_shown(demo_table, lang, note, absent, form):
    """Symptom: the table of a first period (no growth or contribution column) was noted
    "parts et variations en pourcentage ; contributions à la croissance en points"."""

    def table_note(period: str) -> str:
        doc = render_bulletin(demo_table, period, lang, form)
        found = re.search(r"<caption>(.*?)</caption>" if form == "html" else r"\n\*(.*?)\*\n", doc)
        return re.sub(r"[\u202f\u00a0]", " ", found.group(1))

    first, later = table_note("2024-S1"), table_note("2025-S1")
    assert first.startswith(note) and absent not in first
    assert not later.startswith(note) and absent in later


def test_month_bulletin(levels):
    levels.update({("2024-07", "TOTAL"): "2.300", ("2023-07", "TOTAL"): "2.100"})
    text = text_of(render_bulletin(build_table(levels), "2024-07", "fr"))
    assert f"en juillet 2024, en hausse de 9,5{NN}% par rapport à juillet 2023." in text


def test_confidential_cell_is_marked_and_not_described():
    table = build_table(DEMO_LEVELS, DEMO_PARTNERS, confidential={("2025-S1", "KPO")})
    html = render_bulletin(table, "2025-S1", "fr")
    text = text_of(html)
    kpo_row = re.search(r'class="code">KPO</span>.*?</tr>', html, flags=re.S).group(0)
    assert re.findall(r"<td>(.*?)</td>", kpo_row)[1:] == ["[c]"] * 5
    assert "secret statistique" in text
    movements = text.split("Faits marquants")[1].split("Objectif 2030")[0]
    assert "KPO" not in movements


def test_unallocated_is_reported(levels):
    levels[("2025-S1", "UNALLOCATED")] = "0.100"
    levels[("2025-S1", "TOTAL")] = "13.477"
    text = text_of(render_bulletin(build_table(levels), "2025-S1", "fr"))
    assert "Non ventilé" in text
    assert "100 millions de dirhams" in text and "n'ont pu être rattachés à un segment" in text


def test_english_bulletin(demo_table):
    html = render_bulletin(demo_table, "2025-S1", "en")
    text = text_of(html)
    assert '<html lang="en" dir="ltr">' in html
    assert (
        "Exports of digital and outsourcing services reached 13.4 billion dirhams in the "
        "first half of 2025, up 3.5% on the first half of 2024."
    ) in text
    assert "The ESO segment has already achieved 74.5% of its 2024 exports." in text
    assert "(IT outsourcing)" in text


def test_bulletin_is_deterministic(demo_table):
    assert render_bulletin(demo_table, "2025-S1", "fr", "md") == render_bulletin(
        build_table(DEMO_LEVELS, DEMO_PARTNERS), "2025-S1", "fr", "md"
    )


def test_markdown_writes_the_charts_beside_it(demo_table, tmp_path):
    out = tmp_path / "bulletin-fr.md"
    written = write_bulletin(demo_table, "2025-S1", "fr", out)
    assert written[0] == out
    names = [p.name for p in written[1:]]
    assert names == [
        "bulletin-fr-segments.svg",
        "bulletin-fr-history.svg",
        "bulletin-fr-target.svg",
    ]
    md = out.read_text(encoding="utf-8")
    assert "<svg" not in md
    for name in names:
        assert f"]({name})" in md
        assert (tmp_path / name).read_text(encoding="utf-8").startswith("<svg ")
    assert "| ESO — Externalisation des services d'ingénierie |" in md
    assert f"Le segment ESO a déjà réalisé 74,5{NN}% de son chiffre de 2024." in md


def test_html_file_and_errors(demo_table, tmp_path):
    out = tmp_path / "sub" / "b.html"
    assert write_bulletin(demo_table, "2025-S1", "fr", out) == [out]
    assert out.read_text(encoding="utf-8").count("<svg ") == 3
    with pytest.raises(ValueError, match="format"):
        write_bulletin(demo_table, "2025-S1", "fr", tmp_path / "b.docx")
    with pytest.raises(ValueError, match="2019-S1"):
        render_bulletin(demo_table, "2019-S1")
    with pytest.raises(ValueError, match="phrasebook"):
        render_bulletin(demo_table, "2025-S1", "de")


@pytest.mark.parametrize("lang", LANGS)
def test_a_fall_changes_the_text_in_every_language(levels, lang):
    levels[("2025-S1", "CRM")] = "2.190"
    levels[("2025-S1", "TOTAL")] = "11.377"
    text = text_of(render_bulletin(build_table(levels), "2025-S1", lang))
    _in(
        text,
        lang,
        fr=(f"en baisse de 12,0{NN}% par rapport au premier semestre 2024.", "baisse de 54,4"),
        en=("11.4 billion dirhams in the first half of 2025, down 12.0% on the first half of "
            "2024.", "The CRM segment (customer relationship management) fell by 54.4%"),
    )  # fmt: skip
    assert {"fr": "en hausse", "en": ", up "}[lang] not in text


@pytest.mark.parametrize("lang", LANGS)
def test_stable_total_and_behind_pace_in_every_language(levels, lang):
    levels.update({("2025-S1", "TOTAL"): "12.925", ("2025-S1", "ESO"): "1.802",
                   ("2025-S1", "BPO"): "1.980", ("2025-S1", "ITO"): "6.150",
                   ("2025-S1", "CRM"): "2.970", ("2025-S1", "KPO"): "0.023"})  # fmt: skip
    text = text_of(render_bulletin(build_table(levels), "2025-S1", lang))
    _in(
        text,
        lang,
        fr=("stables par rapport", "vient du segment ITO", "n'a réalisé que 30,3"),
        en=("unchanged on the first half of 2024", f"The largest contribution to growth, "
            f"+7.7{NB}pp, came from the ITO segment (IT outsourcing).",
            "The CRM segment has achieved only 30.3% of its 2024 exports."),
    )  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("period", "fr", "en"),
    [
        ("2024", "en 2024, en hausse de 0,2", "in 2024, up 0.2% on 2023."),
        ("2024-Q3", "au troisième trimestre 2024, en hausse de 3,0", "in Q3 2024, up 3.0%"),
        ("2024-S1", "au premier semestre 2024.", "in the first half of 2024."),
    ],
)  # fmt: skip
def test_each_kind_of_period_in_every_language(demo_table, lang, period, fr, en):
    text = text_of(render_bulletin(demo_table, period, lang))
    _in(text, lang, fr=fr, en=en)
    if period == "2024-S1":  # no year earlier: no comparison, no growth column
        for absent in {"fr": ("en hausse", "Variation (%)"), "en": (", up ", "Growth (%)")}[lang]:
            assert absent not in text
        assert {"fr": "par an d'ici 2030", "en": "a year until 2030", "ar": "سنوياً حتى 2030"}[
            lang
        ] in text


@pytest.mark.parametrize("lang", LANGS)
def test_confidential_cell_in_every_language(lang):
    table = build_table(DEMO_LEVELS, DEMO_PARTNERS, confidential={("2025-S1", "KPO")})
    html = render_bulletin(table, "2025-S1", lang)
    kpo_row = re.search(r'class="code">KPO</span>.*?</tr>', html, flags=re.S).group(0)
    assert re.findall(r"<td>(.*?)</td>", kpo_row)[1:] == ["[c]"] * 5
    heads = {"fr": ("Faits marquants", "Objectif 2030"), "en": ("Highlights", "2030 target")}
    movements = text_of(html).split(heads[lang][0])[1].split(heads[lang][1])[0]
    assert "KPO" not in movements


@pytest.mark.parametrize("lang", LANGS)
def test_unallocated_in_every_language(levels, lang):
    levels[("2025-S1", "UNALLOCATED")] = "0.100"
    levels[("2025-S1", "TOTAL")] = "13.477"
    text = text_of(render_bulletin(build_table(levels), "2025-S1", lang))
    _in(text, lang, fr="100 millions de dirhams (0,7", en=(
        "Unallocated", "In the first half of 2025, 100 million dirhams (0.7% of the total) could "
        "not be allocated to a segment."))  # fmt: skip


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_markdown_total_row_has_no_empty_bold(demo_table, lang):
    """Regression: the total's blank share cell was written ``****`` in Markdown."""
    md = render_bulletin(demo_table, "2025-S1", lang, "md")
    assert "****" not in md


#: What a bulletin says of figures that are all final, in each language.
FINAL = {
    "fr": ("Statut des chiffres", "Les chiffres de ce bulletin sont définitifs."),
    "en": ("Status of the figures", "The figures in this bulletin are final."),
    "ar": ("وضعية الأرقام", "أرقام هذه النشرة نهائية"),
}


@pytest.mark.parametrize("release", ["", "2025-10-test"])
@pytest.mark.parametrize("lang", sorted(FINAL))
def test_final_figures_are_said_final(lang, release):
    """A bulletin whose figures are all final said nothing of their status: its section
    held the data release alone, or was left out. An official bulletin says the figures
    are final, in every language and format; provisional figures still say provisional."""
    final = build_table(obs_status="A", release=release)
    heading, sentence = FINAL[lang]
    for fmt in ("html", "md"):
        shown = render_bulletin(final, "2025-S1", lang, fmt)
        shown = text_of(shown) if fmt == "html" else shown
        after = shown[shown.index(heading) :]
        assert sentence in after, (fmt, after[:300])
        assert render_bulletin(build_table(), "2025-S1", lang, fmt).count(sentence) == 0
    provisional = text_of(render_bulletin(build_table(release=release), "2025-S1", lang))
    assert heading in provisional and sentence not in provisional


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_final_figures_are_said_final_in_the_pdf(tmp_path, lang):
    from . import pdf_reader

    out = tmp_path / f"bulletin-{lang}.pdf"
    write_bulletin(build_table(obs_status="A"), "2025-S1", lang, out)
    shown = pdf_reader.text(out.read_bytes()).replace("\u202f", " ").replace("\xa0", " ")
    assert FINAL[lang][1].replace(" ", "") in shown.replace(" ", "")
