"""The dashboard in a real browser (Debian's chromium through Playwright): the explorer's
script, the URL holding the view, Arabic right to left, a phone-wide screen, and no request
leaving the machine. Screenshots go to ``test-artefacts/screenshots/`` (or
``$MARSAD_TEST_ARTEFACTS/screenshots``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from itertools import combinations, pairwise
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian chromium is not installed (apt-get install chromium)"
)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    root = Path(
        os.environ.get("MARSAD_TEST_ARTEFACTS") or Path(__file__).parents[2] / "test-artefacts"
    )
    out = root / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture
def page(browser, live_server):
    """A fresh page whose every request is recorded; all must go to the loopback server."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    p = context.new_page()
    seen: list[str] = []
    p.on("request", lambda r: seen.append(r.url))
    yield p
    assert seen, "no request recorded"
    hosts = {urlparse(u).hostname for u in seen if not u.startswith("data:")}
    context.close()
    assert hosts <= {"127.0.0.1"}, hosts


def _view(page) -> tuple[str, str]:
    return page.inner_html("#view .chart-box"), page.inner_text("#view table")


def test_home(page, live_server, shots):
    page.goto(f"{live_server}/fr/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "milliards de dirhams" in page.inner_text(".headline")
    assert page.locator(".segments svg").count() == 1
    page.screenshot(path=shots / "home-fr.png", full_page=True)


def test_explorer_changes_view_and_url_reopens_it(page, browser, live_server, shots):
    """Changing a choice swaps chart and table without reloading, the URL then holds the
    whole view, and that URL opened afresh shows the same choices, chart and table."""
    page.goto(f"{live_server}/en/explore?indicator=level&flow=exports&segment=ESO&freq=Q")
    before = _view(page)
    page.evaluate("window.__same = 1")
    page.select_option("select[name=indicator]", "growth_yoy")
    page.wait_for_function("location.search.includes('indicator=growth_yoy')")
    page.check("input[name=segment][value=ITO]")
    page.wait_for_function("decodeURIComponent(location.search).includes('segment=ESO,ITO')")
    page.wait_for_function("document.querySelectorAll('#view .swatch').length === 2")
    after = _view(page)
    assert after != before and after[0] != before[0] and after[1] != before[1]
    assert page.evaluate("window.__same") == 1, "the page reloaded"
    url = page.url
    query = parse_qs(urlparse(url).query)
    assert query["indicator"] == ["growth_yoy"] and query["segment"] == ["ESO,ITO"]
    assert query["freq"] == ["Q"] and query["flow"] == ["exports"]
    page.screenshot(path=shots / "explore-en.png", full_page=True)

    fresh = browser.new_page()
    fresh.goto(url)
    assert fresh.input_value("select[name=indicator]") == "growth_yoy"
    assert fresh.is_checked("input[name=segment][value=ITO]")
    assert fresh.is_checked("input[name=segment][value=ESO]")
    assert _view(fresh) == after
    fresh.close()


def test_arabic_is_right_to_left(page, live_server, shots):
    """The language switcher keeps the view; Arabic pages run right to left."""
    page.goto(f"{live_server}/fr/explore?indicator=share&segment=ITO&freq=A")
    page.click("a.lang-link[data-lang=ar]")
    page.wait_for_load_state()
    assert urlparse(page.url).path == "/ar/explore"
    assert parse_qs(urlparse(page.url).query)["indicator"] == ["share"]
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    page.screenshot(path=shots / "explore-ar.png", full_page=True)


@pytest.mark.parametrize(
    "path", ["/fr/", "/ar/explore?segment=ESO,ITO,CRM", "/en/releases?from=R1&to=R2"]
)
def test_phone_width_has_no_horizontal_scroll(browser, live_server, shots, path):
    """At 375 px wide the page itself never scrolls sideways (wide tables scroll in their box)."""
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server}{path}")
    width = page.evaluate("document.documentElement.scrollWidth")
    name = path.strip("/").split("?")[0].replace("/", "-") or "home"
    page.screenshot(path=shots / f"phone-{name}.png", full_page=True)
    context.close()
    assert width <= 375, (path, width)


def test_changing_frequency_reloads_the_period_lists(page, live_server):
    """The first/last period lists follow the frequency: choosing annual reloads the page
    with years to choose from, keeping the rest of the view."""
    page.goto(f"{live_server}/fr/explore?segment=ITO&freq=Q")
    with page.expect_navigation():
        page.select_option("select[name=freq]", "A")
    query = parse_qs(urlparse(page.url).query)
    assert query["freq"] == ["A"] and query["segment"] == ["ITO"]
    options = page.eval_on_selector_all("select[name=start] option", "os => os.map(o => o.value)")
    assert options[1:] and all(len(o) == 4 for o in options[1:])


def test_back_button_restores_the_previous_view(page, live_server):
    """Symptom: each explorer change replaced the history entry, so Back left the explorer.
    Now each change is an entry: change twice, go back once, and the URL, the form, the
    chart and the table show the first change again."""
    page.goto(f"{live_server}/en/explore?indicator=level&flow=exports&segment=ESO&freq=Q")
    page.evaluate("window.__same = 1")
    page.select_option("select[name=indicator]", "growth_yoy")
    page.wait_for_function("location.search.includes('indicator=growth_yoy')")
    page.wait_for_function("!document.querySelector('#view.loading')")
    first = _view(page)
    page.check("input[name=segment][value=ITO]")
    page.wait_for_function("decodeURIComponent(location.search).includes('segment=ESO,ITO')")
    page.wait_for_function("document.querySelectorAll('#view .swatch').length === 2")
    page.go_back()
    page.wait_for_function("!decodeURIComponent(location.search).includes('ITO')")
    page.wait_for_function("document.querySelectorAll('#view .swatch').length === 1")
    query = parse_qs(urlparse(page.url).query)
    assert query["indicator"] == ["growth_yoy"] and query["segment"] == ["ESO"]
    assert page.input_value("select[name=indicator]") == "growth_yoy"
    assert not page.is_checked("input[name=segment][value=ITO]")
    assert _view(page) == first
    page.go_back()
    page.wait_for_function("location.search.includes('indicator=level')")
    page.wait_for_function(
        "document.querySelector('#view .view-title').textContent.includes('Level')"
    )
    assert page.input_value("select[name=indicator]") == "level"
    assert page.evaluate("window.__same") == 1, "the page reloaded"


@pytest.mark.parametrize("path", ["/fr/explore?segment=ESO,ITO", "/ar/", "/en/explore?freq=M"])
def test_phone_charts_are_readable(browser, live_server, shots, path):
    """Symptom: at 375 px the charts (drawn 640 wide, scaled) had ~5 px text. Every chart
    label, as rendered, is at least 9 px high; labels do not overlap; no sideways scroll."""
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server}{path}")
    boxes = page.eval_on_selector_all(
        "svg.chart text",
        "ts => ts.map(t => t.getBoundingClientRect())"
        ".filter(b => b.width > 0).map(b => [b.x, b.y, b.width, b.height])",
    )
    width = page.evaluate("document.documentElement.scrollWidth")
    name = path.strip("/").split("?")[0].replace("/", "-") or "home"
    page.screenshot(path=shots / f"phone-chart-{name}-{path[1:3]}.png", full_page=True)
    context.close()
    assert boxes and min(h for *_, h in boxes) >= 9, sorted(h for *_, h in boxes)[:3]
    assert width <= 375, width
    for a, b in combinations(boxes, 2):  # no two labels overlap
        apart = a[0] + a[2] <= b[0] + 1 or b[0] + b[2] <= a[0] + 1
        assert apart or a[1] + a[3] <= b[1] + 1 or b[1] + b[3] <= a[1] + 1, (a, b)


def _segments_shown(page) -> list[str]:
    """The segment codes of the table's columns, from the view's own query."""
    query = page.get_attribute("#view", "data-query")
    return parse_qs(query)["segment"][0].split(",")


def test_two_quick_changes_show_the_latest_view(page, live_server):
    """Symptom: two quick changes (tick ITO, 100 ms later CRM, slow network) left the table
    and chart behind the URL and form: the second answer replaced a view already gone and
    history was pushed anyway. Now only the latest answer is shown, and the table's columns
    are the URL's segments."""
    page.goto(f"{live_server}/fr/explore?segment=ESO&freq=Q&start=2023-Q1&end=2025-Q2")

    def slow(route):
        page.wait_for_timeout(300)
        route.continue_()

    page.route("**/explore/view?*", slow)
    page.click("input[name=segment][value=ITO]")
    page.wait_for_timeout(100)
    page.click("input[name=segment][value=CRM]")
    page.wait_for_function("decodeURIComponent(location.search).includes('CRM')")
    page.wait_for_function("!document.querySelector('#view.loading')")
    page.wait_for_timeout(800)  # any stale answer would have arrived by now
    url = parse_qs(urlparse(page.url).query)["segment"][0].split(",")
    assert sorted(url) == ["CRM", "ESO", "ITO"]
    assert _segments_shown(page) == url
    assert page.locator("#view table thead th").count() == 1 + len(url)
    assert page.locator("#view .swatch").count() == len(url)
    ticked = page.eval_on_selector_all("input[name=segment]:checked", "xs => xs.map(x => x.value)")
    assert sorted(ticked) == sorted(url)


def test_back_after_a_frequency_change_shows_the_form_of_the_url(page, live_server):
    """Symptom: Back after choosing annual showed 'annual' in the form of the quarterly
    page (the browser restored the form), and start=2023-Q1 stayed in the URL with blank
    menus. Now the annual page's URL is its canonical view (start 2023, end 2024) equal to
    its form, and Back shows the quarterly form of the quarterly URL."""
    page.goto(f"{live_server}/fr/explore?segment=ESO&freq=Q&start=2023-Q1&end=2025-Q2")
    with page.expect_navigation():
        page.select_option("select[name=freq]", "A")
    page.wait_for_load_state("load")
    query = parse_qs(urlparse(page.url).query)
    assert (query["freq"], query["start"], query["end"]) == (["A"], ["2023"], ["2024"])
    assert page.input_value("select[name=start]") == "2023"
    assert page.input_value("select[name=end]") == "2024"
    page.go_back()
    page.wait_for_function("location.search.includes('freq=Q')")
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    assert page.input_value("select[name=freq]") == "Q"
    assert page.input_value("select[name=start]") == "2023-Q1"
    page.check("input[name=segment][value=ITO]")
    page.wait_for_function("decodeURIComponent(location.search).includes('ESO,ITO')")
    assert "freq=Q" in page.url


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_phone_table_shows_the_first_value_column(browser, live_server, shots, lang):
    """Symptom: at 375 px the explorer's headers did not wrap and the table was 851 px
    wide: the first value column was off screen. Headers wrap, numbers stay on one line,
    right-aligned in every language (Arabic too)."""
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(f"{live_server}/{lang}/explore?segment=ESO,ITO,CRM&freq=M")
    cell = page.locator("#view tbody tr td.num").first.bounding_box()
    align, lines = page.eval_on_selector(
        "#view tbody td.num",
        "e => { const r = document.createRange(); r.selectNodeContents(e);"
        " return [getComputedStyle(e).textAlign, r.getClientRects().length]; }",
    )
    page.screenshot(path=shots / f"phone-table-{lang}.png")
    context.close()
    assert cell["x"] >= 0 and cell["x"] + cell["width"] <= 375, cell
    assert align == "right"
    assert lines == 1  # the number stays on one line


@pytest.mark.parametrize("lang", ["fr", "ar"])
@pytest.mark.parametrize("width", [375, 480, 481, 1100])
def test_chart_labels_stay_inside_the_chart(browser, live_server, lang, width):
    """Symptom: a monthly chart cut its last period label ('mars 202', 'مارس 024'). Every
    label, as drawn, lies inside the chart, at every width."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    # nine months: the last one is labelled, at the chart's end
    page.goto(f"{live_server}/{lang}/explore?segment=ESO&freq=M&start=2024-01&end=2024-09")
    chart = page.locator("#view svg.chart").bounding_box()
    boxes = page.eval_on_selector_all(
        "#view svg.chart text",
        "ts => ts.map(t => t.getBoundingClientRect()).filter(b => b.width > 0)"
        ".map(b => [b.x, b.x + b.width])",
    )
    context.close()
    assert boxes
    for left, right in boxes:
        inside = chart["x"] - 0.5 <= left and right <= chart["x"] + chart["width"] + 0.5
        assert inside, (left, right, chart)


def test_chart_text_grows_smoothly(browser, live_server):
    """Symptom: the chart's text jumped from 13 to 22 units between 481 and 480 px; its
    size now changes by little between neighbouring widths."""
    sizes = []
    for width in (470, 480, 481, 490):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        page.goto(f"{live_server}/fr/explore?segment=ESO&freq=Q")
        sizes.append(
            page.eval_on_selector(
                "#view svg.chart", "e => parseFloat(getComputedStyle(e).fontSize)"
            )
        )
        context.close()
    assert max(abs(a - b) for a, b in pairwise(sizes)) < 1, sizes


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_bulletin_chart_text_stays_inside_its_chart(browser, shots, lang):
    """Symptom (a reviewer): in the Arabic HTML bulletin the charts' titles, the
    synthetic-data warning and the legends were drawn off the chart (the inline SVG took
    the page's dir="rtl", which flips each text's anchor): the reader saw "20" of the title
    and "مية" of the warning. Every text of every chart, as drawn, lies inside its chart."""
    from marsad.publish.bulletin import render_bulletin
    from tests.unit.publish.conftest import DEMO_LEVELS, DEMO_PARTNERS, build_table

    html = render_bulletin(build_table(DEMO_LEVELS, DEMO_PARTNERS), "2025-S1", lang, synthetic=True)
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    page.set_content(html)
    outside = page.eval_on_selector_all(
        "figure svg",
        """svgs => svgs.map(s => {
            const r = s.getBoundingClientRect();
            return [...s.querySelectorAll('text')].map(t => [t.textContent.trim(),
                t.getBoundingClientRect()]).filter(([_, b]) => b.width > 0
                && (b.left < r.left - 1 || b.right > r.right + 1)).map(([t, _]) => t);
        })""",
    )
    page.locator("figure").first.screenshot(path=shots / f"bulletin-chart-{lang}.png")
    context.close()
    assert len(outside) >= 2 and all(not texts for texts in outside), outside
