"""Query parameters a route does not read are refused, not ignored."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import TOKEN

API = "/api/v1"
PROBLEM = "application/problem+json"
SERIES = {"indicator": "level", "flow": "exports", "segment": "TOTAL", "service": "_T",
          "partner": "_T", "freq": "A"}  # fmt: skip
FLOW = "/sdmx/v2/data/dataflow/MA/DIGITAL_EXPORTS/1.0/A.level.exports.TOTAL._T.W1"
V1 = "/sdmx/data/DIGITAL_EXPORTS/A.level.exports.TOTAL._T.W1"


def test_an_unknown_parameter_is_a_400_naming_it_and_the_accepted_ones(client):
    """/api/v1/observations?period=2099 answered the whole table, as if filtered."""
    answer = client.get(f"{API}/observations", params={"period": "2099"})
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == PROBLEM
    detail = answer.json()["detail"]
    assert "unknown parameter 'period'" in detail
    for name in ("indicator", "start", "end", "release", "asOf", "limit", "format"):
        assert name in detail
    listing = client.get(f"{API}/segments", params={"relase": "R1"})
    assert listing.status_code == 400 and "'relase'" in listing.json()["detail"]
    assert "release" in listing.json()["detail"]


def test_a_repeated_parameter_is_a_400(client):
    """indicator=level&indicator=share answered share only (the last)."""
    answer = client.get(f"{API}/observations?indicator=level&indicator=share")
    assert answer.status_code == 400, answer.text
    assert "indicator is given 2 times" in answer.json()["detail"]
    assert "indicator=A,B" in answer.json()["detail"]
    assert client.get(f"{API}/releases/R1?release=R1&release=R2").status_code == 400


def test_the_documented_parameters_still_work(client):
    params = {**SERIES, "start": "2023", "end": "2025", "limit": "5", "offset": "0"}
    assert client.get(f"{API}/observations", params={**params, "release": "R2"}).status_code == 200
    answer = client.get(f"{API}/observations", params={**params, "asOf": "2025-10-20"})
    assert answer.status_code == 200 and answer.json()["release"] == "R1"
    assert client.get(f"{API}/observations", params={**params, "format": "csv"}).status_code == 200
    assert client.get(f"{API}/periods", params={"release": "R1"}).status_code == 200


@pytest.mark.parametrize("name", ["includeHistory", "attributes"])
def test_sdmx_parameters_not_implemented_are_a_501(client, name):
    """firstNObservations=1 answered every observation (it is served now)."""
    value = "true" if name == "includeHistory" else "all"
    for path in (FLOW, V1):
        answer = client.get(path, params={name: value})
        assert answer.status_code == 501, answer.text
        assert answer.json()["title"] == "Not Implemented"
        assert f"{name} is not supported" in answer.json()["detail"]


def test_sdmx_parameters_that_are_served_still_work(client):
    assert client.get(FLOW, params={"c[TIME_PERIOD]": "ge:2023"}).status_code == 200
    assert client.get(FLOW, params={"c[FREQ]": "A", "includeHistory": "false"}).status_code == 200
    assert client.get(V1, params={"startPeriod": "2023", "detail": "dataonly"}).status_code == 200
    structure = "/sdmx/datastructure/MA/DIGITAL_EXPORTS/1.0"
    assert client.get(structure, params={"references": "children"}).status_code == 200
    assert client.get(structure, params={"detail": "full"}).status_code == 200
    assert client.get(structure, params={"detail": "allstubs"}).status_code == 501
    unknown = client.get(FLOW, params={"startperiod": "2023"})
    assert unknown.status_code == 400 and "'startperiod'" in unknown.json()["detail"]
    twice = client.get(f"{FLOW}?c[TIME_PERIOD]=ge:2023&c[TIME_PERIOD]=le:2024")
    assert twice.status_code == 400, twice.text


def test_admin_refuses_unknown_parameters_after_the_token(client):
    assert client.post(f"{API}/admin/build?force=1").status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    answer = client.get(f"{API}/admin/jobs/nope?verbose=1", headers=auth)
    assert answer.status_code == 400 and "'verbose'" in answer.json()["detail"]


#: A value for each path parameter of the app's GET routes, so that every route can be
#: asked (a new route with another parameter fails the walk until it is named here).
PATH_VALUES = {"lang": "fr", "release": "R2", "name": "indicators.csv", "release_id": "R2",
               "job_id": "nope", "context": "dataflow", "agency": "MA", "flow": "DIGITAL_EXPORTS",
               "rid": "DIGITAL_EXPORTS", "version": "1.0", "key": "A.level.exports.TOTAL._T.W1",
               "provider": "all", "path": "marsad.css"}  # fmt: skip
#: A file under each static mount (:data:`marsad.web.app.ASSET_MOUNTS`).
FILES = {"/static": "/static/marsad.css", "/static/docs": "/static/docs/swagger-ui.css"}


def _get_paths(app) -> list[str]:
    """One concrete path per GET route and static mount of ``app``: the GET operations
    of its OpenAPI schema (the API, SDMX, downloads, and admin when enabled), and the
    routes the schema leaves out by their documented lists (the schema, docs and ``/``,
    the dashboard's pages, SDMX's shorter forms, the static mounts). Public names only,
    not the framework's route objects, whose layout changes between FastAPI versions."""
    from marsad.web import app as web
    from marsad.web import sdmx
    from marsad.web.pages import PAGES

    schema = app.openapi()["paths"]
    listed = [path for path, operations in schema.items() if "get" in operations]
    assert set(FILES) == set(web.ASSET_MOUNTS), "add a file of each mount to FILES"
    found = [FILES[mount] for mount in web.ASSET_MOUNTS]
    unlisted = [*web.UNLISTED.values(), *PAGES.values(), *(web.SDMX + p for p in sdmx.UNLISTED)]
    for path in dict.fromkeys([*listed, *unlisted]):
        names = re.findall(r"{(\w+)(?::\w+)?}", path)
        missing = [n for n in names if n not in PATH_VALUES]
        assert not missing, f"{path}: add a value for {missing} to PATH_VALUES"
        found.append(re.sub(r"{(\w+)(?::\w+)?}", lambda m: PATH_VALUES[m[1]], path))
    return found


def test_every_get_route_refuses_an_unknown_parameter(client, web_app):
    """/fr/?perod=2024, /downloads/R2/?perod=2024 ... answered as if there were no
    parameter: every GET route of the app (pages, downloads, API, SDMX, schema, docs,
    static files) now answers 400 naming it, and the same path without it is not a 400."""
    auth = {"Authorization": f"Bearer {TOKEN}"}
    paths = _get_paths(web_app)
    assert len(paths) > 20 and "/fr/releases/revisions.csv" in paths
    assert {"/api/v1/admin/jobs/nope", "/sdmx/data/DIGITAL_EXPORTS", "/downloads/R2/"} <= set(paths)
    for path in paths:
        plain = client.get(path, headers=auth, follow_redirects=False)
        assert plain.status_code != 400, (path, plain.text[:300])
        asked = client.get(path, params={"perod": "2024"}, headers=auth, follow_redirects=False)
        assert asked.status_code == 400, (path, asked.status_code, asked.text[:300])
        assert "perod" in asked.text, path
        html = path.startswith(("/fr/", "/en/", "/ar/"))
        kind = asked.headers["content-type"]
        assert kind.startswith("text/html") if html else kind == PROBLEM, (path, kind)


@pytest.mark.parametrize(
    ("lang", "said"),
    [("fr", "Paramètre inconnu «\u00a0perod\u00a0»"), ("en", "Unknown parameter &#39;perod&#39;"),
     ("ar", "معامل غير معروف «perod»")],
)  # fmt: skip
@pytest.mark.parametrize("page", ["/", "/explore", "/releases", "/explore/view"])
def test_a_page_names_an_unknown_parameter_in_its_language(client, lang, said, page):
    """A 400 page like the explorer's for an unknown code: in the page's language, right
    to left in Arabic, listing the page's own parameters."""
    answer = client.get(f"/{lang}{page}", params={"perod": "2024"})
    assert answer.status_code == 400 and said in answer.text, answer.text[-600:]
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in answer.text
    assert ("from" if page == "/releases" else "release") in answer.text.split(said)[1]
    twice = client.get(f"/{lang}{page}?release=R1&release=R2")
    assert twice.status_code == 400 and "release" in twice.text


def test_what_the_pages_send_still_works(client):
    """The explorer's form without JavaScript sends every field, empty ones too, and one
    segment per box; the releases form from and to; the home page release."""
    form = ("indicator=level&flow=exports&segment=ESO&segment=ITO&service=_T&partner=_T"
            "&freq=Q&start=&end=&release=")  # fmt: skip
    for page in ("explore", "explore/view", "explore.csv", "explore.xlsx"):
        assert client.get(f"/en/{page}?{form}").status_code == 200, page
    assert client.get("/ar/releases?from=R1&to=R2").status_code == 200
    assert client.get("/fr/releases/revisions.csv?from=R1&to=R2").status_code == 200
    assert client.get("/fr/?release=R1").status_code == 200
    assert client.get("/fr/?release=").status_code == 200
    shared = "/fr/explore?segment=ITO&utm_source=newsletter&utm_medium=email&fbclid=Iw4"
    assert client.get(shared).status_code == 200  # a link shared from elsewhere
    assert client.get("/api/v1/segments?utm_source=x").status_code == 400  # not the API
    assert client.get("/de/?perod=1").status_code == 404  # an unknown language first


@pytest.mark.parametrize(
    "query",
    [
        "utm_source=newsletter",
        "utm_source=newsletter&utm_medium=email&utm_campaign=s1",
        "mc_cid=4f2a&mc_eid=9b1c",  # Mailchimp
        "_ga=2.1234.5678&_gl=1*abc*_ga*MTIz",  # Google's cross-site linker
        "utm_source=a&utm_source=b",  # a link shared twice over
        "fbclid=Iw4&gclid=Cj0&msclkid=7e1",
    ],
)
def test_a_shared_link_opens_the_site_and_its_pages(client, query):
    """``/?utm_source=newsletter`` (the root, the link most shared) was a JSON 400 rather
    than the language home; the pages refused Mailchimp's mc_cid and Google's _ga, and a
    repeated utm_source. The root still sends to the language home, the parameters left
    behind; the pages answer as without them."""
    r = client.get(f"/?{query}", headers={"Accept-Language": "en"}, follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/en/", r.text
    for page in ("/fr/", "/en/explore?segment=ITO&", "/ar/releases"):
        url = f"{page}{'' if page.endswith('&') else '?'}{query}"
        assert client.get(url).status_code == 200, url
    assert client.get("/?perod=1").status_code == 400  # not a tracking parameter
    assert client.get(f"/api/v1/segments?{query}").status_code == 400  # not the API's


def test_tracking_parameters_make_no_page_of_their_own(client):
    """Each ``?utm_source=…`` value rendered and kept its own copy of a page, with its
    own ETag: an outsider could fill the pages' cache with them (pushing out what readers
    ask for), and the kept page's language links carried the first visitor's tracking
    parameters to everyone. The same page is now kept once, under one ETag, the
    parameters it reads kept and the tracking ones left out of its links."""
    from marsad.web import pages

    for path in ("/en/", "/fr/releases", "/ar/?release=R1", "/en/explore?segment=ITO"):
        plain = client.get(path)
        assert plain.status_code == 200, path
        kept = len(pages.RENDERED)
        glue = "&" if "?" in path else "?"
        for i in range(8):
            r = client.get(f"{path}{glue}utm_source=s{i}&fbclid=F{i}&_ga=2.{i}")
            assert r.status_code == 200 and r.headers["etag"] == plain.headers["etag"], path
            assert "utm_source" not in r.text and "fbclid" not in r.text, path
            if "release=R1" in path:
                assert "?release=R1" in r.text  # the language links keep what is read
        assert len(pages.RENDERED) == kept, path


@pytest.mark.parametrize("name", ["segment", "indicator", "start", "release", "freq"])
def test_an_empty_parameter_is_a_400_in_the_api(client, name):
    """segment= answered every segment, start= every period, release= the latest: an
    empty value (a client's unset variable) read as "no filter", without a word."""
    answer = client.get(f"{API}/observations?{name}=")
    assert answer.status_code == 400 and answer.headers["content-type"] == PROBLEM
    assert answer.json()["detail"].startswith(f"{name} is empty: give it a value")
    sdmx = client.get(f"{V1}?startPeriod=")
    assert sdmx.status_code == 400 and "startPeriod is empty" in sdmx.json()["detail"]


@pytest.mark.parametrize("query", ["from=R1", "to=R1", "from=R1&to="])
def test_one_release_to_compare_is_a_400_page(client, query):
    """/fr/releases?from=R1 showed the last two releases, R1 ignored."""
    for path in ("/en/releases", "/en/releases/revisions.csv"):
        answer = client.get(f"{path}?{query}")
        assert answer.status_code == 400, (path, answer.text[-300:])
        assert "Choose both releases to compare" in answer.text


@pytest.mark.parametrize("page", ["/fr/explore", "/en/explore/view", "/fr/explore.csv"])
def test_the_explorer_repeats_only_segment(client, page):
    """/fr/explore?indicator=a&indicator=b answered 200 (the last one read) where the API
    answers 400; segment is repeated legitimately, one per box ticked."""
    for name, value in [("indicator", "level"), ("flow", "exports"), ("freq", "A"),
                        ("service", "_T"), ("partner", "_T"), ("start", "2023")]:  # fmt: skip
        answer = client.get(f"{page}?{name}={value}&{name}={value}")
        assert answer.status_code == 400, (name, answer.status_code)
        assert name in answer.text
    assert client.get(f"{page}?segment=ITO&segment=BPO").status_code == 200


def test_what_an_error_quotes_from_the_request_is_short_and_escaped(client):
    """A 406 echoed a 20 KB Accept header back in full, and a 400 a 20 KB parameter name."""
    huge = "text/x-" + "a" * 20_000
    for path in (f"{API}/observations", FLOW, "/sdmx/datastructure/MA/DIGITAL_EXPORTS/1.0"):
        answer = client.get(path, headers={"Accept": huge})
        assert answer.status_code == 406, (path, answer.text[:200])
        assert len(answer.json()["detail"]) < 600, path
        assert "…" in answer.json()["detail"]
    answer = client.get(f"{API}/observations", params={"x" * 20_000: "1"})
    assert answer.status_code == 400 and len(answer.json()["detail"]) < 600
    answer = client.get(f"{API}/observations", params={"indicator": "<b>" + "y" * 20_000})
    assert answer.status_code == 404 and len(answer.json()["detail"]) < 600  # no such code
    page = client.get("/fr/explore", params={"<script>" + "z" * 20_000: "1"})
    assert page.status_code == 400 and len(page.text) < 40_000
    assert "<script>" not in page.text


@pytest.mark.parametrize(
    ("path", "said"),
    [(f"{V1}?startPeriod=2024-02-30", "startPeriod: '2024-02-30' is not a day of the calendar"),
     (f"{V1}?endPeriod=2023-02-29", "endPeriod: '2023-02-29' is not a day of the calendar"),
     (f"{V1}?startPeriod=2024-01-00", "startPeriod: '2024-01-00' is not a day"),
     (f"{V1}?endPeriod=2024-13-01", "endPeriod: '2024-13-01' is not a day"),
     (f"{FLOW}?c[TIME_PERIOD]=ge:2024-04-31", "c[TIME_PERIOD]: '2024-04-31' is not a day"),
     (f"{API}/observations?asOf=2023-02-29", "asOf: '2023-02-29' is not a day")],
)  # fmt: skip
def test_a_day_the_calendar_lacks_is_a_400_naming_it(client, path, said):
    """startPeriod=2024-02-30 was read as 2024-02 (a 404 or data), where the REST API
    refused asOf=2023-02-29 with a 400."""
    answer = client.get(path)
    assert answer.status_code == 400 and answer.headers["content-type"] == PROBLEM
    assert said in answer.json()["detail"], answer.text
    leap = client.get(f"{V1}?endPeriod=2024-02-29")
    assert leap.status_code in (200, 404), leap.text  # a day: read as its month


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [(f"{API}/observations", "start", "0000"), (f"{API}/observations", "end", "0000-Q2"),
     (f"{API}/observations", "asOf", "0000-01-01"), (V1, "startPeriod", "0000"),
     (V1, "endPeriod", "0000-02-29"), (V1, "asOf", "0000-01-01"),
     (FLOW, "c[TIME_PERIOD]", "ge:0000")],
)  # fmt: skip
def test_both_apis_refuse_the_year_0000(client, path, name, value):
    """The SDMX API answered startPeriod=0000 with data where the REST API refused
    asOf=0000-01-01: one rule, years 0001 to 9999 (marsad.dates.YEAR)."""
    params = {**SERIES, name: value} if path.startswith(API) else {name: value}
    answer = client.get(path, params=params)
    assert answer.status_code in (400, 422), answer.text
    assert "0000" in answer.text
    year_one = value.replace("0000", "0001").replace("-02-29", "-02-28")
    assert client.get(path, params={**params, name: year_one}).status_code in (200, 404)


@pytest.mark.parametrize(
    ("name", "value"),
    [("segment", ","), ("indicator", ",,"), ("segment", "ITO,,KPO"), ("partner", "FR, "),
     ("service", ",_T"), ("freq", "A,")],
)  # fmt: skip
def test_a_comma_list_with_an_empty_code_is_a_400(client, name, value):
    """segment=, answered the whole table (as segment= did before it was refused), and
    segment=ITO,,KPO was taken as ITO,KPO."""
    answer = client.get(f"{API}/observations", params={name: value})
    assert answer.status_code == 400, answer.text
    assert "a code of the list is empty" in answer.json()["detail"]
    assert client.get(f"{API}/observations", params={"segment": "ITO,KPO"}).status_code == 200


@pytest.mark.parametrize(
    ("path", "params"),
    [("/sdmx/v2/data/dataflow/MA/DIGITAL_EXPORTS/1.0/A.level.exports.ITO++CRM._T.W1", {}),
     ("/sdmx/data/DIGITAL_EXPORTS/A.level.exports.ITO+._T.W1", {}),
     ("/sdmx/v2/data/dataflow/MA/DIGITAL_EXPORTS/1.0/*", {"c[SEGMENT]": ","}),
     ("/sdmx/v2/data/dataflow/MA/DIGITAL_EXPORTS/1.0/*", {"c[SEGMENT]": "ITO,,CRM"}),
     ("/sdmx/v2/data/dataflow/MA/DIGITAL_EXPORTS/1.0/*", {"c[SEGMENT]": "eq:ITO+"})],
)  # fmt: skip
def test_an_empty_code_in_an_sdmx_list_is_a_400(client, path, params):
    """A key ITO++CRM, and c[SEGMENT]=ITO,,CRM, were read as ITO+CRM; c[SEGMENT]=, and a
    key part ITO+ as every segment or as ITO: an answer that looked as asked."""
    answer = client.get(path, params={**params, "format": "csv"})
    assert answer.status_code == 400, answer.text
    assert "empty" in answer.json()["detail"]
    kept = path.replace("ITO++CRM", "ITO+CRM").replace("ITO+.", "ITO.")
    fixed = {k: v.replace(",,", ",").strip(",+") or "ITO" for k, v in params.items()}
    assert client.get(kept, params={**fixed, "format": "csv"}).status_code == 200
