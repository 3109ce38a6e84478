"""The dashboard's pages (home, explorer, releases) in each language, over the two-release
world of ``conftest.py``: what they show, how numbers read, and what they never show."""

from __future__ import annotations

import csv
import html
import io
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marsad.web import views
from marsad.web.app import STATIC
from marsad.web.explore import View
from marsad.web.store import Filters, PublicStore

LANGS = ("fr", "en", "ar")
EXPLORE = ("/{lang}/explore?indicator=level&flow=exports&segment=ESO&partner=_T&service=_T"
           "&freq=Q&start=2023-Q1&end=2025-Q2")  # fmt: skip


def _html_lang_dir(html: str) -> tuple[str, str]:
    m = re.search(r'<html lang="(\w+)" dir="(\w+)">', html)
    assert m, html[:200]
    return m.group(1), m.group(2)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", ["/{lang}/", EXPLORE, "/{lang}/releases"])
def test_each_page_in_each_language(client, lang, path):
    """Every page answers in its language, right to left in Arabic, with a viewport, the
    release shown, the synthetic banner, a switcher keeping the view, and caching headers."""
    r = client.get(path.format(lang=lang))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert _html_lang_dir(r.text) == (lang, "rtl" if lang == "ar" else "ltr")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in r.text
    assert "R2" in r.text and 'class="synthetic"' in r.text
    assert r.headers["etag"] and "max-age" in r.headers["cache-control"]
    links = dict(re.findall(r'data-lang="(\w+)" data-path="[^"]*" href="([^"]*)"', r.text))
    for other in LANGS:
        got = urlparse(html.unescape(links[other]))
        want = urlparse(path.format(lang=other))
        assert got.path == want.path
        assert parse_qs(got.query) == parse_qs(want.query)


def test_unknown_language_is_a_404_page(client):
    """/de/ answers a 404 page (HTML), not a bug."""
    r = client.get("/de/")
    assert r.status_code == 404 and "<html" in r.text
    assert client.get("/de/explore").status_code == 404


def test_bad_explorer_query_is_a_400_page(client):
    r = client.get("/fr/explore?freq=W")
    assert r.status_code == 400 and "W" in r.text and "Traceback" not in r.text
    assert client.get("/fr/explore?release=R9").status_code == 404
    for lang, said in (("fr", "vient après la fin"), ("ar", "تأتي بعد النهاية"),
                       ("en", "comes after the end")):  # fmt: skip
        inverted = client.get(f"/{lang}/explore?start=2025&end=2024")  # the API's 404
        assert inverted.status_code == 400 and said in inverted.text, lang
    for query in ("segment=ITO,,CRM", "segment=,", "segment=ITO&segment=CRM,"):
        # read as ITO,CRM, as every segment, as ITO,CRM: the API refuses them
        for path in ("explore", "explore/view", "explore.csv"):
            r = client.get(f"/en/{path}?{query}")
            assert r.status_code == 400 and "a code of the list is empty" in r.text, (query, r.text)
    assert client.get("/en/explore?segment=ITO,CRM&segment=").status_code == 200


@pytest.mark.parametrize(
    ("lang", "query", "said"),
    [
        ("fr", "indicator=nope", "Indicateur\u00a0: valeur inconnue «\u00a0nope\u00a0»"),
        ("en", "indicator=nope", "Indicator: unknown value &#39;nope&#39;"),
        ("ar", "indicator=nope", "المؤشر: قيمة غير معروفة «nope»"),
        ("en", "flow=nope", "Flow: unknown value"),
        ("en", "segment=TOTAL,NOPE", "Segment: unknown value &#39;NOPE&#39;"),
        ("en", "partner=ZZ", "Partner country: unknown value &#39;ZZ&#39;"),
        ("fr", "freq=W", "Fréquence\u00a0: valeur inconnue «\u00a0W\u00a0»"),
    ],
)
def test_an_unknown_code_is_a_400_page_in_the_page_language(client, lang, query, said):
    """/fr/explore?indicator=nope answered 200 "no observation", as if the query were fine."""
    for path in ("explore", "explore/view", "explore.csv"):
        r = client.get(f"/{lang}/{path}?{query}")
        assert r.status_code == 400, (path, r.text[:200])
        assert said in r.text, r.text
    assert "level" in client.get(f"/{lang}/explore?indicator=nope").text  # what to choose


def test_home_headline_in_french_reads_like_the_bulletin(client, world):
    """Headline: exports of the last period as '13,4 milliards de dirhams' style text and a
    signed growth ('+3,5 %' with U+202F), from the latest release's public table."""
    store = PublicStore(world["root"])
    table = store.table(store.latest())
    period = store.latest().last_period
    level = next(r for r in table.series[("level", "exports", "TOTAL", "_T", "_T")]
                 if r[2] == period)  # fmt: skip
    r = client.get("/fr/")
    billions = (Decimal(level[6]) / 10**9).quantize(Decimal("0.1"))
    assert f"{str(billions).replace('.', ',')} milliards de dirhams" in r.text
    assert re.search(r"[+\u2212]\d+,\d\u202f%", r.text)
    assert "Objectif d&#39;exportations" in r.text or "Objectif d'exportations" in r.text
    assert "/downloads/R2/indicators.csv" in r.text
    assert f"/downloads/R2/bulletin-{period}-ar.pdf" in r.text


def test_home_english_has_no_french_number_format(client):
    r = client.get("/en/")
    assert re.search(r"\d+\.\d billion dirhams", r.text)


def test_home_shows_what_changed_since_the_previous_release(client, world):
    """R2 corrected March 2024: the home page counts revised cells and lists the largest
    revisions of headline series with old -> new values; the counts match a diff of the
    two public tables as ``marsad release diff`` finds them."""
    from marsad.release.compare import diff, read_public

    cli = diff(*(read_public(world["root"] / r / "indicators.csv") for r in ("R1", "R2")))
    revised = len(cli.revised)
    assert revised, "the world's correction should revise cells"
    r = client.get("/en/")
    # a cell withheld on one side is newly released or withheld, as the diff says, not revised
    assert f'<span class="revised-count">{revised:,}</span>' in r.text
    for kind, cells in (("released", cli.released), ("withheld", cli.withheld)):
        shown = f'<span class="{kind}-count">{len(cells):,}</span> cells newly {kind}'
        assert (shown in r.text) == bool(cells), kind
    assert f'<span class="new-count">{len(cli.added):,}</span>' in r.text
    store = PublicStore(world["root"])
    found = views.changes(store.table(store.find("R1")), store.table(store.find("R2")))
    assert found.largest() and "Largest revisions" in r.text


def test_first_release_says_so(client):
    r = client.get("/fr/?release=R1")
    assert "Première publication" in r.text
    assert r.headers["cache-control"].endswith("immutable")


def test_changes_never_show_a_withheld_value(world):
    """A cell revised from or to withheld has an empty side: shown as '[c]', never a number."""
    store = PublicStore(world["root"])
    table = store.table(store.find("R2"))
    withheld = next(r for r in table.rows if r[6] == "")
    assert views.shown(withheld[6], withheld[7], "fr") == "[c]"


def test_releases_archive_and_revisions_between_two(client, world):
    """The archive lists both releases (id, date, note, synthetic mark, files); ?from&to
    lists revised cells old -> new."""
    r = client.get("/fr/releases")
    for rid, date in (("R1", "2025-10-15"), ("R2", "2025-11-15")):
        assert f'id="r-{rid}"' in r.text and date in r.text
    assert "March 2024 corrected" in r.text and "(synthétique)" in r.text
    assert "/downloads/R1/revisions.csv" in r.text
    r = client.get("/en/releases?from=R1&to=R2")
    store = PublicStore(world["root"])
    found = views.changes(store.table(store.find("R1")), store.table(store.find("R2")))
    revised = [c for c in found.revised if found.kinds.get(c[0], "revised") == "revised"]
    assert f'<span class="revised-count">{len(revised)}</span>' in r.text
    assert r.text.count("<tr>") >= min(len(found.revised), 300)


def test_withheld_cells_show_c_with_a_legend(client, world):
    """A withheld value shows 'c' in the explorer's table and the legend says what it
    means; the value itself is not in the page."""
    store = PublicStore(world["root"])
    table = store.table(store.latest())
    row = next(r for r in table.rows if r[6] == "" and r[0] == "level")
    query = (f"indicator={row[0]}&flow={row[1]}&segment={row[3]}&service={row[4]}"
             f"&partner={row[5]}&freq={_freq(row[2])}")  # fmt: skip
    r = client.get(f"/en/explore?{query}")
    assert '<td class="num withheld"' in r.text and ">[c]</td>" in r.text
    assert "[c]: confidential value" in r.text
    # its tooltip says why in words, in the page's language (it was the code: title="D")
    said = {"A": "too few firms", "O": "dominate", "D": "secondary suppression"}[row[9]]
    assert re.search(f'class="num withheld" title="[^"]*{said}[^"]*">\\[c\\]', r.text), said
    fr = client.get(f"/fr/explore?{query}").text
    assert re.search('class="num withheld" title="(Confidentielle|Retenue)', fr)
    assert not re.search('title="[AOD]"', r.text + fr)


def test_explore_xlsx_writes_withheld_as_the_main_workbook_does(client, world):
    """Symptom: the explorer's Excel download wrote ``c`` for a withheld cell where the
    release's workbook (``marsad export --format xlsx``) writes ``[c]``, and its legend
    said ``c:``. Both now write the workbook's mark, and so does the dashboard."""
    import openpyxl

    store = PublicStore(world["root"])
    table = store.table(store.latest())
    row = next(r for r in table.rows if r[6] == "" and r[0] == "level")
    query = (f"indicator={row[0]}&flow={row[1]}&segment={row[3]}&service={row[4]}"
             f"&partner={row[5]}&freq={_freq(row[2])}")  # fmt: skip
    got = client.get(f"/en/explore.xlsx?{query}")
    sheet = openpyxl.load_workbook(io.BytesIO(got.content)).active
    cells = [c for line in sheet.iter_rows(values_only=True) for c in line if c is not None]
    main = openpyxl.load_workbook(
        io.BytesIO(client.get("/downloads/latest/indicators.xlsx").content)
    )
    marks = {c for ws in main for line in ws.iter_rows(values_only=True) for c in line
             if isinstance(c, str) and c.startswith("[c]")}  # fmt: skip
    assert "[c]" in marks and any(m.startswith("[c] = confidential") for m in marks)
    assert "[c]" in cells and "c" not in cells
    assert any(str(c).startswith("[c]: confidential") for c in cells)  # the legend line


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "Synthetic data: these figures describe no real firm."),
     ("fr", "Données synthétiques : ces chiffres ne décrivent aucune entreprise réelle.")],
)  # fmt: skip
def test_the_explorers_excel_of_a_synthetic_release_says_so(client, lang, said):
    """A reviewer: the explorer's Excel download of synthetic numbers (calibrated to the
    official figures) said nothing of being synthetic, unlike every other output."""
    import openpyxl

    got = client.get(f"/{lang}/explore.xlsx?indicator=level&segment=TOTAL&freq=A")
    sheet = openpyxl.load_workbook(io.BytesIO(got.content)).active
    lines = [line for line in sheet.iter_rows(values_only=True) if line[0] is not None]
    assert lines[0][0] == "indicator" and lines[-1][0] == said


def _freq(period: str) -> str:
    return "Q" if "Q" in period else "S" if "S" in period else "M" if "-" in period else "A"


def test_explore_url_round_trip(client):
    """The page's form holds exactly the URL's view, and its downloads and switcher carry it."""
    r = client.get(EXPLORE.format(lang="fr"))
    view = View.parse({k: v[0] for k, v in parse_qs(urlparse(EXPLORE).query).items()})
    assert f'data-query="{view.query().replace("&", "&amp;")}"' in r.text
    assert '<option value="level" selected>' in r.text
    assert 'value="ESO" checked' in r.text
    assert '<option value="2023-Q1" selected>' in r.text
    assert '<option value="2025-Q2" selected>' in r.text
    assert f"/fr/explore.csv?{view.query()}".replace("&", "&amp;") in r.text
    again = View.parse(dict(parse_qs(view.query())))
    assert again == view


def test_explore_reads_period_letters_in_either_case():
    """``/fr/explore?start=2023-q1`` kept the lower-case text, which no period option
    matched: the view holds the canonical codes (and puts them in the view's frequency)."""
    view = View.parse({"freq": "Q", "start": "2023-q1", "end": "2025-s1"})
    assert (view.start, view.end) == ("2023-Q1", "2025-Q2")
    assert View.parse({"freq": "S", "start": "2024-s2"}).start == "2024-S2"


def test_explore_several_segments(client):
    r = client.get("/en/explore?segment=ESO&segment=ITO&freq=A")
    assert 'value="ESO" checked' in r.text and 'value="ITO" checked' in r.text
    assert r.text.count('class="swatch') == 2


def test_explore_downloads_equal_the_public_rows(client, world):
    """explore.csv holds exactly the public CSV's rows the view selects (same text), and
    explore.xlsx the same rows with values as numbers."""
    store = PublicStore(world["root"])
    table = store.table(store.latest())
    want = table.query(Filters.parse(indicator="level", flow="exports", segment="ESO",
                                     service="_T", partner="_T", freq="Q",
                                     start="2023-Q1", end="2025-Q2"))  # fmt: skip
    r = client.get(EXPLORE.format(lang="fr").replace("/explore?", "/explore.csv?"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    got = list(csv.reader(io.StringIO(r.text)))
    assert [tuple(x) for x in got[1:]] == want and want
    r = client.get(EXPLORE.format(lang="fr").replace("/explore?", "/explore.xlsx?"))
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    cells = [row for row in sheet.iter_rows(min_row=2, values_only=True) if row[1]]
    assert [(c[2], Decimal(str(c[6]))) for c in cells] == [(w[2], Decimal(w[6])) for w in want]


def test_no_external_url_anywhere(client):
    """No page, fragment or asset names another host: everything is served from here."""
    pages = ("/{lang}/", EXPLORE, "/{lang}/releases", "/{lang}/explore/view")
    paths = [p.format(lang=lang) for lang in LANGS for p in pages]
    paths += [f"/static/{f.name}" for f in STATIC.iterdir() if f.is_file()]
    for path in paths:
        r = client.get(path)
        assert r.status_code == 200, path
        assert "http" not in r.text.lower(), path
        assert not re.search(r"""(src|href|action)=["']//|url\(\s*["']?//""", r.text), path


def test_not_modified_and_cache(client):
    """A page asked again with its ETag gets 304; a named release's page is immutable."""
    r = client.get("/en/?release=R2")
    assert r.headers["cache-control"].endswith("immutable")
    again = client.get("/en/?release=R2", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False))
def test_shown_money_is_never_a_float_repr(value):
    """Any public amount reads as words with a decimal comma in French, never 'e+' or '.'."""
    text = views.shown(str(value), "MAD", "fr")
    assert "e" not in text.replace("de", "").replace("dirham", "").replace("milliard", "")
    assert "." not in text and "dirham" in text


def test_rendered_pages_are_kept_in_a_bounded_memory():
    """The page memory keeps the most recently used answers and never grows past its size."""
    from marsad.web.pages import _Rendered

    memory, made = _Rendered(2), []
    for key in ("a", "b", "a", "c", "a", "b"):
        memory.get((key,), lambda k=key: made.append(k) or k.encode())
    assert made == ["a", "b", "c", "b"]
    assert len(memory._items) == 2


# -- One unit per column (fix: cells each in their own unit could not be compared) --------

UNIT_HEADERS = {"fr": "millions de dirhams", "en": "millions of dirhams", "ar": "مليون درهم"}


def _cells(page: str, table_class: str = "series") -> list[str]:
    body = page.split(f'class="{table_class}"', 1)[1].split("</table>", 1)[0]
    return [html.unescape(c) for c in re.findall(r'<td class="num[^"]*"[^>]*>([^<]*)</td>', body)]


@pytest.mark.parametrize("lang", LANGS)
def test_explorer_table_writes_amounts_in_one_unit_named_in_the_header(client, lang):
    """Symptom: the explorer's table wrote '1,0 milliard de dirhams' beside '792 millions de
    dirhams' (rows could not be compared). Now every cell is a bare number in millions with
    one decimal or more, and each column's header names the unit, in the page's language."""
    url = EXPLORE.format(lang=lang).replace("segment=ESO", "segment=ESO,ITO,TOTAL")
    r = client.get(url)
    head = r.text.split('class="series"', 1)[1].split("</thead>", 1)[0]
    assert head.count(f'<span class="unit">{UNIT_HEADERS[lang]}</span>') == 3
    cells = [c for c in _cells(r.text) if c != "[c]"]
    assert cells and not any(w in c for c in cells for w in ("dirham", "درهم", "milliard"))
    decimal = "." if lang == "en" else ","
    assert all(re.fullmatch(rf"[\d\u202f,.\u00a0\u066c]+\{decimal}\d{{1,3}}", c) for c in cells)


def test_home_tables_put_units_in_headers_or_a_unit_column(client):
    """Symptom: the segments and 2030 tables wrote words in each cell. Now the segments'
    columns say 'millions de dirhams' and '%'; the tracker, mixing amounts, percents and
    jobs, has a unit column; the headline card keeps the words."""
    r = client.get("/fr/")
    seg = r.text.split('<section class="segments">', 1)[1].split("</section>", 1)[0]
    assert '<span class="unit">millions de dirhams</span>' in seg
    assert '<span class="unit">%</span>' in seg
    assert not any("dirham" in c or "%" in c for c in _cells(seg, "table-box"))
    tracker = r.text.split('<section class="tracker">', 1)[1].split("</section>", 1)[0]
    units = re.findall(r'<td class="unit">([^<]*)</td>', tracker)
    assert {"millions de dirhams", "%", "emplois"} <= set(units)
    assert "milliards de dirhams" in r.text.split('class="headline"', 1)[1]


def test_revised_values_never_read_the_same(client, world):
    """Symptom risk: a revision of 1.3926 -> 1.3912 points written with one decimal would
    read '1,4 -> 1,4'. Old and new of every listed revised cell read differently."""
    r = client.get("/fr/releases?from=R1&to=R2")
    body = r.text.split('class="revised"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<td class="num[^"]*">([^<]*)</td><td class="num[^"]*">([^<]*)</td>', body)
    assert rows and all(old != new for old, new in rows)


@given(
    st.lists(st.decimals(min_value=1000, max_value=10**11, places=2), min_size=1, max_size=6),
    st.integers(min_value=0, max_value=5),
)
def test_two_amounts_half_a_percent_apart_read_differently(values, pick):
    """Any two amounts of a column that differ by 0.5% show different text, when they are
    at least one of the column's units (e.g. a million dirhams in a millions column: up to
    three decimals keep four significant digits)."""
    from hypothesis import assume

    from marsad.web.pages_units import scale_of

    a = values[pick % len(values)]
    b = (a * Decimal("1.005")).quantize(Decimal("0.01"))
    column = [str(v) for v in (*values, b)]
    scale = scale_of(column, "MAD")
    assume(a >= scale.divisor)
    for lang in LANGS:
        assert scale.cell(str(a), lang) != scale.cell(str(b), lang)


def test_units_scale_examples():
    """Millions with one decimal for amounts near a billion (1 004,3), percent and points
    with one decimal, jobs whole; the unit in each language."""
    from marsad.web.pages_units import scale_of

    s = scale_of(["1004300000", "1013000000", "1009000000", "795879000"], "MAD")
    assert [s.cell(v, "fr") for v in ("1004300000", "1009000000")] == [
        "1\u202f004,3",
        "1\u202f009,0",
    ]
    assert (s.name("fr"), s.name("en"), s.name("ar")) == tuple(UNIT_HEADERS.values())
    assert scale_of(["795879"], "MAD").name("en") == "thousands of dirhams"
    assert scale_of(["148500"], "jobs").cell("148500", "en") == "148,500"
    assert scale_of(["39.24"], "percent").cell("39.24", "fr") == "39,2"


# -- Arabic and typography ------------------------------------------------------------------


def test_release_ids_and_dates_keep_their_order_in_arabic(client):
    """Symptom: in Arabic the release 2025-S1 read 'S1-2025' (bidi reordering) in the
    archive and its selects. Ids are isolated left to right, dates written out in Arabic
    (Moroccan month names, the ISO date in ``datetime``); the arrow between
    two releases points the reading way; no French space before a colon in English/Arabic."""
    r = client.get("/ar/releases?from=R1&to=R2")
    assert '<bdi dir="ltr">R2</bdi>' in r.text
    assert '<time datetime="2025-11-15">15 نونبر 2025</time>' in r.text
    assert '<select name="from" dir="ltr">' in r.text
    assert "</bdi> ← <bdi" in r.text
    en = client.get("/en/")
    assert "Last period: " in en.text and "Last period :" not in en.text
    assert "Dernière période\u00a0: " in client.get("/fr/").text


def test_chart_legend_matches_the_drawn_series(client):
    """A chosen segment with no observation draws no line, and the legend lists only the
    drawn series, so its colours match the lines. Here BPO has no cell for Canada and
    every ESO value is withheld: no line at all, so no chart and no legend, but a line
    saying why, and the table's [x] and [c] with their legends."""
    r = client.get("/en/explore?indicator=level&segment=BPO,ESO&partner=CA&freq=Q")
    view = r.text.split('id="view"', 1)[1]
    assert 'class="chart-legend"' not in view and "<svg" not in view
    assert "Nothing to draw" in view and "[x]:" in view and "[c]:" in view
    both = client.get("/en/explore?indicator=level&segment=ITO,ESO&freq=Q").text
    legend = both.split('class="chart-legend"', 1)[1].split("</ul>", 1)[0]
    drawn = both.split('<div class="chart-box">', 1)[1].split("</svg>", 1)[0]
    assert legend.count("<li>") == drawn.count("<path ") == 2
    # a chosen segment with no cell draws no line: the legend names it as the table, [x]
    some = client.get("/en/explore?indicator=level&segment=TOTAL,BPO&partner=CA&freq=Q").text
    legend = some.split('class="chart-legend"', 1)[1].split("</ul>", 1)[0]
    drawn = some.split('<div class="chart-box">', 1)[1].split("</svg>", 1)[0]
    assert legend.count("<li>") == drawn.count("<path ") == 1
    assert '<li class="undrawn">Business process outsourcing: [x]</li>' in legend, legend


def test_charts_are_readable_on_a_phone():
    """The line chart marks every other period label 'minor' (hidden on a phone, where its
    text is drawn larger); the bar chart is drawn 400 wide (about a phone's width)."""
    from marsad.web import svg

    points = [(f"202{y}-Q{q}", Decimal(10**9)) for y in range(4) for q in range(1, 5)]
    line = svg.line_chart([("Total", points)], "MAD", "fr")
    assert 'class="chart line"' in line and 'class="minor"' in line
    bars = svg.bar_chart([("ITO", Decimal(5 * 10**9)), ("KPO", None)], "MAD", "ar")
    assert bars.startswith(f'<svg viewBox="0 0 {svg.BARS_WIDTH} ') and svg.BARS_WIDTH <= 400
    css = (STATIC / "marsad.css").read_text()
    assert ".chart.line .minor { display: none; }" in css


@pytest.mark.parametrize(
    ("freq", "start", "end", "want"),
    [("A", "2023-Q1", "2025-Q2", ("2023", "2024")),
     ("A", "2023-Q2", "2024-12", ("2024", "2024")),
     ("Q", "2023", "2024-S1", ("2023-Q1", "2024-Q2")),
     ("S", "2023-02", "2024-Q3", ("2023-S2", "2024-S1")),
     ("M", "2023-Q2", "2023-Q3", ("2023-04", "2023-09")),
     ("Q", "2023-Q2", "", ("2023-Q2", ""))],
)  # fmt: skip
def test_start_and_end_are_put_in_the_chosen_frequency(client, freq, start, end, want):
    """Symptom: after a frequency change, start=2023-Q1 with freq=A left the menus blank
    while the URL kept it. The view's start is the first period of its frequency beginning
    on or after start's first month, its end the last ending on or before end's last
    month; the form selects them and the canonical query (what the URL becomes) says so."""
    r = client.get(f"/fr/explore?segment=ESO&freq={freq}&start={start}&end={end}")
    assert r.status_code == 200
    view = View.parse({"segment": "ESO", "freq": freq, "start": start, "end": end})
    assert (view.start, view.end) == want
    query = parse_qs(view.query())
    assert query.get("start", [""]) == [want[0]] and query.get("end", [""]) == [want[1]]
    assert f'data-query="{html.escape(view.query())}"' in r.text
    for name, period in zip(("start", "end"), want, strict=True):
        menu = re.search(rf'<select name="{name}".*?</select>', r.text, re.S).group(0)
        if period:
            assert f'<option value="{period}" selected>' in menu, (name, period)
        else:
            assert " selected" not in menu


def _revised_rows(page: str) -> list[str]:
    body = re.search(r'<table class="revised">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    return [html.unescape(re.sub(r"<[^>]+>", "|", tr)) for tr in body.split("</tr>") if tr]


def test_revisions_list_headline_series_first_largest_first(client, world):
    """Symptom: the releases page listed 300 of the revised cells by indicator name, so no
    exports level showed. Now the exports level of the whole sector comes first, then of
    each segment, then the other indicators, the largest relative revision first within."""
    store = PublicStore(world["root"])
    found = views.changes(store.table(store.find("R1")), store.table(store.find("R2")))
    ordered = found.ordered()
    assert sorted(ordered) == sorted(found.revised)
    ranks = [views._rank(c[0]) for c in ordered]
    assert ranks == sorted(ranks) and ranks[0] == 0 and 1 in ranks
    for rank in set(ranks):
        sizes = [views._size(c) for c, k in zip(ordered, ranks, strict=True) if k == rank]
        assert sizes == sorted(sizes, reverse=True)
    rows = _revised_rows(client.get("/fr/releases?from=R1&to=R2").text)
    assert rows[0].strip("|").startswith("Montant · Exportations · Ensemble du secteur|")


def test_revisions_download_holds_the_whole_diff(client, world):
    """Symptom: 'download the rest' linked to revisions.csv, the revision triangle. Now the
    page links to /{lang}/releases/revisions.csv?from=&to=, every revised cell with its key,
    old and new public values and the revision (new - old), as an attachment."""
    page = client.get("/en/releases?from=R1&to=R2").text
    assert 'href="/en/releases/revisions.csv?from=R1&amp;to=R2"' in page
    r = client.get("/en/releases/revisions.csv?from=R1&to=R2")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="marsad-revisions-R1-R2.csv"'
    lines = list(csv.DictReader(io.StringIO(r.text)))
    store = PublicStore(world["root"])
    found = views.changes(store.table(store.find("R1")), store.table(store.find("R2")))
    assert len(lines) == len(found.revised) + found.new + found.removed
    public = {(c[0], c[1], c[2]) for c in found.revised}
    for line in lines:
        key = tuple(line[k] for k in ("indicator", "flow", "segment", "service", "partner",
                                      "period"))  # fmt: skip
        assert (key, line["old_value"], line["new_value"]) in public
        if line["old_value"] and line["new_value"]:
            got = Decimal(line["new_value"]) - Decimal(line["old_value"])
            assert Decimal(line["revision"]) == got
        else:
            assert line["revision"] == ""
    assert client.get("/en/releases/revisions.csv").text == r.text  # the last two by default


def test_unknown_release_to_compare_is_a_404_in_the_page_language(client):
    """Symptom: /fr/releases?from=R1&to=nope was a 400 page with an English detail."""
    for lang, words in (("fr", "Cette publication n'existe pas."),
                        ("ar", "هذا الإصدار غير موجود.")):  # fmt: skip
        r = client.get(f"/{lang}/releases?from=R1&to=nope")
        assert r.status_code == 404 and words in html.unescape(r.text)
        assert "no release" not in r.text
    assert client.get("/fr/releases/revisions.csv?from=R1&to=nope").status_code == 404


def test_explorer_downloads_are_named_after_the_view(client):
    """Symptom: explore.csv and .xlsx were saved as 'explore.csv'. They are attachments named
    after the view."""
    for ext in ("csv", "xlsx"):
        r = client.get(EXPLORE.format(lang="fr").replace("/explore?", f"/explore.{ext}?"))
        name = f"marsad-level-exports-ESO-Q-2023-Q1-2025-Q2.{ext}"
        assert r.headers["content-disposition"] == f'attachment; filename="{name}"'


def test_counts_dates_and_colons_in_each_language(client, monkeypatch):
    """Symptom: '2606 cellules révisées', ISO dates in French pages, and the French space
    before ':' in English. Counts use the language's thousands separator, dates are
    written out (15 octobre 2025), and only French puts a space before the colon."""
    from marsad.web import pages, pages_views

    assert pages_views.long_date("2025-10-15", "fr") == "15 octobre 2025"
    assert pages_views.long_date("2025-08-15", "ar") == "15 غشت 2025"
    fr, en = client.get("/fr/releases?from=R1&to=R2").text, client.get("/en/releases").text
    assert "15 octobre 2025" in fr and "October 15, 2025" in en
    assert "</bdi>\u00a0: <span" in fr
    for lang in ("en", "ar"):
        page = client.get(f"/{lang}/releases?from=R1&to=R2").text
        assert "</bdi>: <span" in page and "\u00a0:" not in page
    many = views.Changes(new=2606, removed=1234)
    monkeypatch.setattr(pages_views.views, "changes", lambda old, new: many)
    pages.RENDERED.clear()  # (pages rendered with the real counts are remembered)
    try:
        for lang, want in (("fr", "2\u202f606"), ("en", "2,606")):
            page = client.get(f"/{lang}/releases?from=R1&to=R2").text
            assert f'<span class="new-count">{want}</span>' in page, lang
    finally:
        pages.RENDERED.clear()  # nor those with these counts


def test_withheld_legend_says_what_c_means(client):
    """Symptom: the legend said '(statut de confidentialité indiqué)' though no status was
    shown. It says plainly why a value is withheld."""
    page = client.get("/fr/explore?segment=ESO,ITO,CRM&freq=M").text
    assert "statut de confidentialité indiqué" not in page
    assert "pour ne pas révéler les chiffres d&#39;entreprises individuelles" in page


def test_numbers_align_right_in_every_language_and_headers_wrap():
    """Symptom: 'text-align: end' put Arabic numbers on the left, and headers never wrapped
    (the phone table was 851 px wide). Number cells and headers align right; headers wrap."""
    css = (STATIC / "marsad.css").read_text()
    rule = re.search(r"td\.num, th\.num \{([^}]*)\}", css).group(1)
    assert "text-align: right" in rule
    assert not re.search(r"(^|\n)th[^{]*\{[^}]*nowrap", css)
    assert re.search(r"td\.num \{[^}]*white-space: nowrap", css)


def test_chart_text_size_has_no_jump_at_480_px():
    """Symptom: the chart's text jumped from 13 to 22 units between 481 and 480 px. It is
    a continuous clamp of the viewport width now (no size set in a width media query)."""
    css = (STATIC / "marsad.css").read_text()
    assert re.search(r"\.chart\.line \{ font-size: clamp\(13px, calc\([^)]*vw\), 22px\)", css)
    for block in re.findall(r"@media[^{]*\{(.*?)\n\}", css, re.S):
        assert "font-size: 22px" not in block


def test_last_period_label_stays_inside_the_chart():
    """Symptom: a monthly chart cut its last x label ('mars 202', 'مارس 024'). The side time
    runs to keeps a margin of half the widest label at the largest text size."""
    from marsad.web import svg

    points = [(f"2024-{m:02d}", Decimal(m * 10**8)) for m in range(1, 4)]
    for lang in ("fr", "ar", "en"):
        drawn = svg.line_chart([("Total", points)], "MAD", lang)
        labels = re.findall(r'<text x="([\d.]+)" y="[\d.]+" dy="0.8em" '
                            r'text-anchor="middle"[^>]*>([^<]+)</text>', drawn)  # fmt: skip
        assert labels, lang
        for x, text in labels:
            half = len(html.unescape(text)) * svg.CHAR_EM * svg.LARGEST_TEXT / 2
            assert half <= float(x) <= svg.WIDTH - half, (lang, x, text)


def test_decimals_rule_in_docs_matches_the_code():
    """Symptom: an amount of 0,185 million showed three significant digits where the docs
    promised four. Four significant digits, with at most three decimals: both say so."""
    from marsad.web.pages_units import scale_of

    assert scale_of(["185000", "2000000000"], "MAD").decimals == 3  # 0,185 (capped)
    assert scale_of(["1850000", "2000000000"], "MAD").decimals == 3  # 1,850
    docs = (Path(__file__).parents[2] / "docs" / "web.md").read_text()
    assert "at most three decimals" in docs


def test_the_change_counts_use_the_diff_s_words(tmp_path):
    """The pages counted a cell withheld before and published now (or the reverse) among
    the revised cells, where marsad release diff says newly released (withheld): their
    counts are apart, in each language, and a revised cell is one whose value changed."""
    from marsad.web import pages_views
    from marsad.web.store import PublicTable, ReleaseInfo

    def row(period, value, conf="F"):
        return ("level", "exports", period, "TOTAL", "_T", "_T", value, "MAD", "P", conf, "R")

    tables = {
        "R1": [row("2024-01", "10.00"), row("2024-02", "5.00"), row("2024-03", "", "D"),
               row("2024-04", "", "D")],
        "R2": [row("2024-01", "9.50"), row("2024-02", "", "O"), row("2024-03", "3.00"),
               row("2024-04", "4.00")],
    }  # fmt: skip
    infos = {i: ReleaseInfo(i, "2025-10-15", "", None, "", (), tmp_path) for i in tables}

    class Store:
        def table(self, info):
            return PublicTable(info, tables[info.id])

    for lang, released in (
        ("fr", "cellules nouvellement publiées"),
        ("en", "cells newly released"),
        ("ar", "خليتان نُشرتا حديثا"),
    ):  # fmt: skip (2: the Arabic dual)
        found = pages_views._changes(Store(), infos["R1"], infos["R2"], lang, 0)
        assert (found["revised"], found["released"], found["withheld"]) == ("1", "2", "1")
        assert found["words"]["newly_released"] == released


def test_a_damaged_earlier_release_leaves_the_intact_one_s_pages_standing(world, tmp_path, caplog):
    """One byte changed in R1's frozen table made ``/en/`` (showing R2) a 400 page
    "release R1: indicators.csv is not the file that was frozen": the visitor blamed,
    and R2's page lost for a fault of R1's disk. R2's pages stand, the comparison left
    out with a note and the fault logged; what needs R1 is a 503 saying plainly that R1
    is unavailable, as in the API (the fault in the log only)."""
    import shutil

    from fastapi.testclient import TestClient

    from marsad.release.store import make_writable
    from marsad.web import pages
    from marsad.web.app import create_app

    root = tmp_path / "releases"
    shutil.copytree(world["root"], root, ignore=shutil.ignore_patterns(".cache"))
    make_writable(root)
    table = root / "R1" / "indicators.csv"
    data = bytearray(table.read_bytes())
    data[-2] = ord("9") if data[-2] != ord("9") else ord("8")
    table.write_bytes(bytes(data))
    pages.RENDERED.clear()  # the same ids and checksums as the session's world
    c = TestClient(create_app(world["warehouse"], root=root))
    try:
        for url in ("/en/", "/en/?release=R2", "/fr/", "/ar/"):
            r = c.get(url)
            assert r.status_code == 200, (url, r.text[:300])
            assert "R1" in r.text and 'class="damaged"' in r.text
        assert "the comparison is left out" in c.get("/en/").text
        assert any("R1" in m and "not the file" in m for m in caplog.messages)
        for url in ("/en/?release=R1", "/en/releases?from=R1&to=R2",
                    "/en/releases/revisions.csv", "/en/explore?release=R1"):  # fmt: skip
            r = c.get(url)
            assert r.status_code == 503, (url, r.status_code)
            assert "unavailable" in r.text and "R1" in r.text
            assert "not the file that was frozen" not in r.text and "verify" not in r.text
        assert c.get("/api/v1/observations?release=R1").status_code == 503
        assert c.get("/en/releases").status_code == 200
    finally:
        pages.RENDERED.clear()
        make_writable(root)


def _own_copy(world, tmp_path) -> Path:
    """A writable copy of the world's releases folder, for a test that changes it."""
    import shutil

    from marsad.release.store import make_writable

    root = tmp_path / "releases"
    shutil.copytree(world["root"], root, ignore=shutil.ignore_patterns(".cache"))
    make_writable(root)
    return root


def test_a_repaired_or_removed_release_is_seen_without_a_restart(world, tmp_path):
    """The home page kept its note "R1 is damaged" (and its ETag) after R1's table was
    restored from its backup, or R1 removed, until the server restarted: the rendered
    page was kept under a key that the repair did not change."""
    import shutil

    from fastapi.testclient import TestClient

    from marsad.web import pages
    from marsad.web.app import create_app

    root = _own_copy(world, tmp_path)
    table = root / "R1" / "indicators.csv"
    good = table.read_bytes()
    data = bytearray(good)
    data[-2] = ord("9") if data[-2] != ord("9") else ord("8")
    table.write_bytes(bytes(data))
    pages.RENDERED.clear()
    c = TestClient(create_app(world["warehouse"], root=root))
    try:
        damaged = c.get("/en/")
        assert 'class="damaged"' in damaged.text
        assert c.get("/en/?release=R1").status_code == 503
        named = c.get("/en/?release=R2")  # a named release, but a page missing a part
        assert 'class="damaged"' in named.text
        assert "immutable" not in named.headers["cache-control"]
        again = c.get("/en/?release=R2", headers={"If-None-Match": named.headers["etag"]})
        assert again.status_code == 304 and "immutable" not in again.headers["cache-control"]
        table.write_bytes(good)  # restored from the backup
        repaired = c.get("/en/", headers={"If-None-Match": damaged.headers["etag"]})
        assert repaired.status_code == 200 and 'class="damaged"' not in repaired.text
        assert c.get("/en/?release=R1").status_code == 200
        whole = c.get("/en/?release=R2", headers={"If-None-Match": named.headers["etag"]})
        assert whole.status_code == 200 and 'class="damaged"' not in whole.text
        assert "immutable" in whole.headers["cache-control"]
        table.write_bytes(bytes(data))  # damaged again, after its table was read
        again = c.get("/en/")
        assert 'class="damaged"' in again.text
        assert again.headers["etag"] != repaired.headers["etag"]
        shutil.rmtree(root / "R1")  # or removed: R2 lists it, so it is missing
        alone = c.get("/en/")
        assert alone.status_code == 200 and 'class="damaged"' not in alone.text
        assert 'class="missing"' in alone.text and "the previous release is missing" in alone.text
        assert c.get("/en/?release=R1").status_code == 503  # published: unavailable, not 404
    finally:
        pages.RENDERED.clear()


def test_a_release_made_after_start_up_is_served_without_a_restart(world, tmp_path):
    """The list of releases was read again only when the releases folder's modification
    time changed: a release renamed into the folder within the same clock tick as the
    previous change (file systems stamp times by ticks of a few milliseconds) was never
    seen until the server restarted."""
    import json
    import os
    import shutil

    from fastapi.testclient import TestClient

    from marsad.web import pages
    from marsad.web.app import create_app

    root = _own_copy(world, tmp_path)
    pages.RENDERED.clear()
    c = TestClient(create_app(world["warehouse"], root=root))
    try:
        assert "R3" not in c.get("/en/releases").text
        before = root.stat()
        tmp = root / ".R3.tmp-0000"  # as marsad release create makes it
        shutil.copytree(root / "R2", tmp)
        manifest = json.loads((tmp / "manifest.json").read_text(encoding="utf-8"))
        manifest["id"], manifest["previous_releases"] = "R3", ["R1", "R2"]
        (tmp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        os.rename(tmp, root / "R3")
        os.utime(root, ns=(before.st_atime_ns, before.st_mtime_ns))  # the same tick
        assert "R3" in c.get("/en/releases").text
        assert c.get("/en/?release=R3").status_code == 200
        assert c.get("/api/v1/releases/latest").json()["id"] == "R3"
    finally:
        pages.RENDERED.clear()


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
@pytest.mark.parametrize("release", ["R1", "R2"])
def test_the_home_page_explains_c_wherever_it_shows_it(client, lang, release):
    """The home page showed ``[c]`` for the headline's growth and in the 2030 tracker with
    no legend (only the segments' table had one): the legend is there exactly when the
    page shows ``[c]``, once."""
    from marsad.web.pages_text import text

    page = client.get(f"/{lang}/?release={release}").text
    legend = html.escape(text(lang)["withheld"], quote=True)
    shown = re.sub(r"<p class=\"legend\">.*?</p>", "", page).count("[c]")
    assert page.count(legend) == (1 if shown else 0), (shown, page.count(legend))


@pytest.mark.parametrize("where", ["headline", "tracker"])
def test_a_withheld_headline_or_tracker_value_gets_the_legend(client, monkeypatch, where):
    """The world's home pages show no ``[c]`` outside the segments: one is made, in the
    headline's growth or a tracker row, as a reviewer's release had them."""
    from marsad.publish.marks import WITHHELD
    from marsad.web import pages, views
    from marsad.web.pages_text import text

    monkeypatch.setattr(pages, "RENDERED", pages._Rendered(pages.CACHE_SIZE))
    if where == "headline":
        real = views.headline
        monkeypatch.setattr(
            views, "headline", lambda t, lang: {**real(t, lang), "growth": WITHHELD}
        )
    else:
        real_t = views.tracker
        monkeypatch.setattr(
            views, "tracker", lambda t: [(*row[:6], "", *row[7:]) for row in real_t(t)]
        )  # fmt: skip (value withheld)
    page = client.get("/en/?release=R1").text
    legend = html.escape(text("en")["withheld"], quote=True)
    assert WITHHELD in re.sub(r"<p class=\"legend\">.*?</p>", "", page) and legend in page


def test_a_withheld_mark_is_found_however_nested():
    from marsad.web.pages_views import _holds

    class Row:
        def __init__(self, value):
            self.value = value

    assert _holds({"tracker": [Row("12,3"), Row("[c]")]}, "[c]")
    assert not _holds({"tracker": [Row("12,3")], "headline": {"growth": None}}, "[c]")


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_counts_of_cells_take_the_languages_plural(client, lang):
    """A reviewer read "481 خلايا معدلة" (Arabic takes the singular from 11) and a Latin
    comma in the Arabic list; "1 cellules" was possible in French."""
    from marsad.web.pages_text import counted, text

    page = html.unescape(client.get(f"/{lang}/?release=R2").text)
    found = re.search(r'<span class="revised-count">([^<]+)</span> ([^<,،]+?)(, |، )', page)
    assert found, page[:2000]
    n = int(re.sub(r"\D", "", found[1]))
    assert found[2] == counted("revised", n, lang) and found[3] == text(lang)["comma"]


def test_a_series_without_a_cell_shows_x_with_its_legend(client, monkeypatch):
    """A selected series with no cell in a period was an unmarked blank (a reviewer's
    ITO x NZ): it is [x], as in the bulletin and the workbook, and the legend says so."""
    from marsad.publish.marks import MISSING
    from marsad.web import pages, pages_views
    from marsad.web.pages_text import text

    monkeypatch.setattr(pages, "RENDERED", pages._Rendered(pages.CACHE_SIZE))
    real = pages_views.grid

    def holed(view, rows):
        periods, cells = real(view, rows)
        cells.pop(next(iter(cells)))  # one cell the table does not have
        return periods, cells

    monkeypatch.setattr(pages_views, "grid", holed)
    page = client.get("/en/explore?indicator=level&flow=exports&segment=ITO,CRM&freq=A").text
    assert f'class="num missing">{MISSING}</td>' in page
    assert html.escape(text("en")["missing"], quote=True) in page


def test_a_selection_entirely_withheld_says_so_instead_of_an_empty_chart(client, monkeypatch):
    """A series entirely withheld drew an empty chart on a 0-1 axis, with no word."""
    from marsad.web import pages
    from marsad.web.explore import View
    from marsad.web.pages_text import text

    monkeypatch.setattr(pages, "RENDERED", pages._Rendered(pages.CACHE_SIZE))
    real = View.rows
    monkeypatch.setattr(
        View, "rows", lambda self, t: [(*r[:6], "", *r[7:]) for r in real(self, t)]
    )  # fmt: skip (every value withheld)
    answer = client.get("/fr/explore?indicator=level&flow=exports&segment=ITO&freq=A")
    page = answer.text
    assert answer.status_code == 200, page[-3000:]
    assert html.escape(text("fr")["nothing_drawn"], quote=True) in page, page[-3000:]
    assert "<svg" not in page.split('id="view"')[1] and "[c]" in page


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/fr/explore?start=0000&freq=A", "« 0000 » n'est pas une période"),
        ("/fr/explore.csv?start=2024-13", "« 2024-13 » n'est pas une période"),
        ("/ar/explore?start=2024-Q5", "«2024-Q5» ليست فترة"),
        ("/en/explore?end=yesterday", "'yesterday' is not a period"),
        ("/ar/explore?release=..%2Fx", "«../x» ليس معرّف إصدار"),
        ("/fr/releases?from=../x&to=R1", "« ../x » n'est pas un identifiant de publication"),
        ("/fr/explore/view?release=..x", "« ..x » n'est pas un identifiant de publication"),
    ],
)
def test_a_period_or_release_id_written_wrongly_is_said_in_the_pages_language(client, path, said):
    """A reviewer: the French and Arabic 400 pages said "not a period: '2024-Q5'; write
    2025-S1…" and "not a release id: '../x'…" in English (unknown codes were translated)."""
    answer = client.get(path)
    assert answer.status_code == 400 and answer.headers["content-type"].startswith("text/html")
    detail = html.unescape(answer.text).replace("\u00a0", " ")
    assert said in detail, detail
    assert "not a period: '" not in detail and "not a release id: '" not in detail


def test_a_view_with_no_observation_links_to_one_the_indicator_has(client):
    """A reviewer picked Jobs (or a year-to-date figure) in the explorer: it kept exports
    and quarters, and said "No observation for this selection" with no hint that jobs are
    annual with no flow. It now links the nearest view the indicator has."""
    page = client.get("/en/explore?indicator=ytd_level&flow=exports&segment=TOTAL&freq=Q")
    assert page.status_code == 200
    found = re.search(r'This indicator is published for: <a href="([^"]+)">([^<]+)</a>',
                      page.text)  # fmt: skip
    assert found, page.text[page.text.find('id="view"') :][:600]
    href, shown = html.unescape(found[1]), found[2]
    assert shown == "Exports, Monthly" and "freq=M" in href and "indicator=ytd_level" in href
    there = client.get(href).text
    assert "No observation for this selection" not in there
    plain = client.get("/en/explore?indicator=level&flow=exports&segment=TOTAL&freq=Q").text
    assert "published for" not in plain
