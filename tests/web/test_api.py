"""The REST API under /api/v1, compared with the releases' frozen public CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marsad.web.store import OBS_COLUMNS, Filters

API = "/api/v1"
PROBLEM = "application/problem+json"
#: A query answered quickly, in JSON or CSV.
SMALL_QUERY = {**{"indicator": "level", "flow": "exports", "segment": "TOTAL", "service": "_T",
                  "partner": "_T"}, "freq": "A", "release": "R2"}  # fmt: skip
SERIES = {"indicator": "level", "flow": "exports", "segment": "TOTAL", "service": "_T",
          "partner": "_T"}  # fmt: skip


def frozen(world, release: str, name: str = "indicators.csv") -> list[dict[str, str]]:
    """The rows of a release's frozen CSV (read once per session)."""
    return _read(Path(world["root"]) / release / name)


@cache
def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def obs(row: dict[str, str]) -> dict[str, str | None]:
    """A frozen CSV row as the API answers it (value null when empty)."""
    return {c: (row[c] or None) if c == "value" else row[c] for c in OBS_COLUMNS}


def get(client: TestClient, path: str, **params) -> dict:
    answer = client.get(f"{API}{path}", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json(parse_float=Decimal)


def walk(client: TestClient, **params) -> tuple[list[dict], list[dict]]:
    """Every page of a query, following ``next``; returns (observations, pages)."""
    pages = [get(client, "/observations", **params)]
    while pages[-1]["next"]:
        answer = client.get(pages[-1]["next"])
        assert answer.status_code == 200, answer.text
        pages.append(answer.json(parse_float=Decimal))
    return [o for p in pages for o in p["observations"]], pages


# -- code lists and releases ---------------------------------------------------------


def test_indicators_have_labels_unit_and_definition(client, world):
    body = get(client, "/indicators")
    assert body["release"] == "R2"
    found = {i["id"]: i for i in body["indicators"]}
    assert set(found) == {r["indicator"] for r in frozen(world, "R2")}
    level = found["level"]
    assert level["unit"] == "MAD"
    assert level["labels"] == {"fr": "Montant", "en": "Level", "ar": "المبلغ"}
    assert level["definition"]["en"].startswith("sum of the MAD values")
    assert level["definition"]["fr"].startswith("somme des valeurs")


@pytest.mark.parametrize("dimension", ["segment", "service", "partner"])
def test_code_lists_are_the_codes_present(client, world, dimension):
    body = get(client, f"/{dimension}s", release="R1")
    assert body["release"] == "R1" and body["dimension"] == dimension
    codes = [c["code"] for c in body["codes"]]
    assert codes == sorted({r[dimension] for r in frozen(world, "R1")})
    assert all(set(c["labels"]) == {"fr", "en", "ar"} for c in body["codes"])


def test_code_labels(client):
    segments = {c["code"]: c["labels"] for c in get(client, "/segments")["codes"]}
    assert segments["TOTAL"]["en"] == "Whole sector"
    partners = {c["code"]: c["labels"] for c in get(client, "/partners")["codes"]}
    assert partners["_T"]["en"] == "All partner countries"


def test_periods_with_their_frequency(client, world):
    body = get(client, "/periods")
    found = {p["period"]: p["freq"] for p in body["periods"]}
    assert set(found) == {r["period"] for r in frozen(world, "R2")}
    assert found["2024"] == "A" and found["2024-S1"] == "S"
    assert found["2024-Q1"] == "Q" and found["2024-03"] == "M"
    freqs = [p["freq"] for p in body["periods"]]
    assert freqs == sorted(freqs, key="ASQM".index)


def test_releases_and_one_release(client):
    body = get(client, "/releases")
    assert body["latest"] == "R2"
    assert [r["id"] for r in body["releases"]] == ["R1", "R2"]
    r1 = body["releases"][0]
    assert r1["date"] == "2025-10-15" and r1["note"] == "first" and r1["synthetic"] is True
    assert r1["links"]["downloads"].endswith("/downloads/R1/")
    assert r1["links"]["indicators_csv"].endswith("/downloads/R1/indicators.csv")
    assert get(client, "/releases/R1") == r1
    assert get(client, "/releases/latest")["id"] == "R2"
    assert not any(k.startswith("sdc") for k in json.dumps(body).split('"'))


def test_unknown_release_is_a_404_problem(client):
    answer = client.get(f"{API}/releases/R9")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == 404 and problem["title"] == "Not Found"
    assert problem["detail"] == "no release 'R9'"
    assert problem["instance"] == f"{API}/releases/R9"
    assert client.get(f"{API}/observations", params={"release": "R9"}).status_code == 404
    assert client.get(f"{API}/segments", params={"release": "R9"}).status_code == 404


# -- observations --------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {**SERIES, "freq": "Q", "start": "2024-Q1", "end": "2025-Q2"},
        {"indicator": "level", "flow": "exports", "freq": "A"},
        {"indicator": "share", "segment": "ITO,CRM", "partner": "_T", "freq": "S"},
        {"indicator": "growth_yoy", "service": "_T", "partner": "_T", "start": "2024"},
        {"flow": "exports", "segment": "TOTAL", "partner": "_T", "end": "2023-06"},
    ],
)
def test_filters_answer_the_frozen_rows(client, world, params):
    """Each filter keeps exactly the frozen CSV's rows, value strings unchanged."""
    found, _ = walk(client, release="R2", limit=500, **params)
    expected = [obs(r) for r in matching(frozen(world, "R2"), params)]
    assert expected, params
    assert sorted(found, key=_key) == sorted(expected, key=_key)


def _key(o: dict) -> tuple:
    return tuple(o[c] for c in ("indicator", "flow", "segment", "service", "partner", "period"))


def matching(rows: list[dict], params: dict) -> list[dict]:
    """The frozen rows a query's filters keep."""
    keys = ("indicator", "flow", "segment", "service", "partner", "freq", "start", "end")
    wanted = Filters.parse(**{k: v for k, v in params.items() if k in keys})
    return [r for r in rows if wanted.keeps(tuple(r.values()))]


def test_a_series_in_time_order_with_exact_values(client, world):
    body = get(client, "/observations", **SERIES, freq="Q", start="2024-Q1", end="2025-Q2")
    assert [o["period"] for o in body["observations"]] == [
        "2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2"]  # fmt: skip
    values = {r["period"]: r["value"] for r in matching(frozen(world, "R2"), SERIES)}
    for o in body["observations"]:
        assert o["value"] == values[o["period"]]
        assert isinstance(o["value"], str) and Decimal(o["value"]) > 0
    assert body["total"] == 6 and body["next"] is None


def test_no_float_anywhere(client):
    """Values are decimal strings: parsed with parse_float=Decimal, no number appears."""
    answer = client.get(f"{API}/observations", params={"indicator": "growth_yoy", "limit": 200})
    body = answer.json(parse_float=Decimal)
    assert body["observations"]
    for o in body["observations"]:
        assert all(v is None or isinstance(v, str) for v in o.values()), o
    numbers = [
        v for o in body["observations"] for v in o.values() if isinstance(v, Decimal | float | int)
    ]
    assert numbers == []


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"indicator": "nothing"}, "indicator='nothing': no indicator 'nothing' in release R2"),
        ({"indicator": "level,levle"}, "indicator='level,levle': no indicator 'levle'"),
        ({"flow": "export"}, "flow='export': no flow 'export' in release R2 (the flows: "),
        ({"flow": "exports,out", "format": "csv"}, "no flow 'out'"),
        ({"segment": "IT0"}, "segment='IT0': no segment 'IT0' in release R2 (the segments: "),
        ({"segment": "ITO,ZZZ,QQQ"}, "segment='ITO,ZZZ,QQQ': no segment 'ZZZ', 'QQQ' in"),
        ({"service": "SX"}, "service='SX': no service 'SX' in release R2 (the services: "),
        ({"partner": "QQ", "release": "R1"}, "partner='QQ': no partner 'QQ' in release R1"),
    ],
)
def test_a_code_the_release_does_not_have_is_a_404_naming_it(client, params, detail):
    """Symptom: segment=IT0 (a zero for an O) answered 200 with no observations, as if
    there were no data for ITO; a misspelt indicator or flow did too, once. Then a 400:
    a request the schema calls valid (``partner=0``) refused (``st run``'s
    ``positive_data_acceptance``); a 404 names it, as SDMX's NoResultsFound."""
    answer = client.get(f"{API}/observations", params=params)
    assert answer.status_code == 404 and answer.headers["content-type"] == PROBLEM
    assert detail in answer.json()["detail"], answer.json()["detail"]
    dim = next(iter(params))
    if dim in ("segment", "service", "partner"):
        found = get(client, f"/{dim}s", release=params.get("release", "latest"))
        codes = [c["code"] for c in found["codes"]]
        listed = ", ".join(codes) if len(codes) <= 20 else f"see /api/v1/{dim}s"
        assert f"(the {dim}s: {listed})" in answer.json()["detail"]


def test_spaces_around_codes_are_ignored(client):
    """segment=ITO%20 or ITO,%20CRM means ITO and CRM (codes have no spaces)."""
    spaced = get(client, "/observations", indicator="level", freq="A", segment=" ITO, CRM ")
    plain = get(client, "/observations", indicator="level", freq="A", segment="ITO,CRM")
    assert spaced["observations"] == plain["observations"] and plain["total"] > 0


def test_the_schema_lists_the_fixed_code_lists(client):
    """Indicator, flow, segment and freq codes are fixed by the code: the schema lists
    them (one code, or a comma list of them), so that a client or a fuzzer knows them."""
    schema = client.get(f"{API}/openapi.json").json()
    params = {p["name"]: p["schema"] for p in schema["paths"][f"{API}/observations"]["get"]
              ["parameters"]}  # fmt: skip
    one, many = params["segment"]["anyOf"]
    assert one["enum"] == ["ITO", "CRM", "ESO", "BPO", "KPO", "TOTAL", "DDS"]
    assert re.fullmatch(many["pattern"], "ITO,TOTAL") and not re.search(many["pattern"], "IT0")
    assert params["freq"]["anyOf"][0]["enum"] == ["A", "S", "Q", "M"]
    assert "level" in params["indicator"]["anyOf"][0]["enum"]
    assert params["flow"]["anyOf"][0]["enum"] == ["exports", "imports", "balance", "_Z"]


def test_a_start_after_the_end_is_a_404_saying_so(client):
    """``start=2025&end=2024`` is well formed (no schema can order two parameters) and
    matches nothing: a 404 naming why, as SDMX's NoResultsFound; it was a 400."""
    answer = client.get(f"{API}/observations", params={"start": "2025", "end": "2024"})
    assert answer.status_code == 404 and answer.headers["content-type"] == PROBLEM
    assert answer.json()["detail"] == "start 2025 comes after end 2024: no period can match"


def test_the_schema_states_the_largest_page(client):
    """``limit`` at most MARSAD_API_MAX_ROWS in the schema, the number the server holds
    to (``limit=50001`` was valid by the schema and a 400)."""
    from marsad.settings import get_settings

    schema = client.get(f"{API}/openapi.json").json()
    params = {p["name"]: p["schema"] for p in schema["paths"][f"{API}/observations"]["get"]
              ["parameters"]}  # fmt: skip
    (limit,) = [k for k in params["limit"]["anyOf"] if k.get("type") == "integer"]
    assert limit["maximum"] == get_settings().api_max_rows == 50_000
    most = client.get(f"{API}/observations", params={"limit": limit["maximum"]})
    assert most.status_code == 200
    over = client.get(f"{API}/observations", params={"limit": limit["maximum"] + 1})
    assert over.status_code == 400


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"freq": "W"}, "not a frequency: 'W' (use A, S, Q or M)"),
        ({"start": "2025-H1"}, "not a period: '2025-H1'"),
        ({"end": "yesterday"}, "not a period: 'yesterday'"),
        ({"asOf": "2025-13-01"}, "asOf"),
        ({"asOf": "soon"}, "asOf"),
        ({"limit": "0"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "50001"}, "limit 50001 is more than 50,000, the most observations a page"),
        ({"offset": "-1"}, "offset"),
        ({"limit": "1_0"}, "'1_0' is not a whole number"),  # (pydantic read it as 10)
        ({"offset": "1.0"}, "'1.0' is not a whole number"),
        ({"format": "xml"}, "format"),
        ({"release": "../x"}, "not a release id"),
    ],
)
def test_malformed_queries_are_400_problems(client, params, detail):
    answer = client.get(f"{API}/observations", params=params)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert set(problem) == {"type", "title", "status", "detail", "instance"}
    assert problem["status"] == 400 and problem["title"] == "Bad Request"
    assert detail in problem["detail"]


def test_as_of_answers_the_release_in_force(client, world):
    """A date between R1 and R2 answers R1 (March 2024 before its correction)."""
    march = {**SERIES, "freq": "M", "start": "2024-03", "end": "2024-03"}
    r1 = get(client, "/observations", asOf="2025-11-01", **march)
    r2 = get(client, "/observations", asOf="2025-11-15", **march)
    assert (r1["release"], r2["release"]) == ("R1", "R2")
    value = {rel: matching(frozen(world, rel), march)[0]["value"] for rel in ("R1", "R2")}
    assert r1["observations"][0]["value"] == value["R1"] != value["R2"]
    assert r2["observations"][0]["value"] == value["R2"]
    assert get(client, "/observations", release="R1", **march) == r1


def test_a_release_with_as_of_is_that_release_if_published_by_then(client):
    """``asOf`` is the day the request looks from: ``latest`` is the release in force that
    day, and a release id answers only if it was published by then (R1 on 2025-10-15 and
    R2 on 2025-11-15, as the world dates them). The schema allows the pair: refusing it
    was a "schema-valid request rejected" for Schemathesis."""
    march = {**SERIES, "freq": "M", "start": "2024-03", "end": "2024-03"}
    r1 = get(client, "/observations", asOf="2025-11-01", **march)
    assert get(client, "/observations", release="latest", asOf="2025-11-01", **march) == r1
    assert get(client, "/observations", release="R1", asOf="2025-11-01", **march) == r1
    assert get(client, "/observations", release="R2", asOf="2025-11-15", **march)["release"] == "R2"
    early = client.get(f"{API}/observations", params={"release": "R2", "asOf": "2025-11-01"})
    assert early.status_code == 404, early.text
    assert early.headers["content-type"] == "application/problem+json"
    assert "published on 2025-11-15, after 2025-11-01" in early.json()["detail"]
    params = client.get(f"{API}/openapi.json").json()["paths"][f"{API}/observations"]["get"]
    (as_of,) = [p for p in params["parameters"] if p["name"] == "asOf"]
    assert "published by then" in as_of["description"]


def test_as_of_before_the_first_release_is_a_404_problem(client):
    answer = client.get(f"{API}/observations", params={"asOf": "2025-10-14"})
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"] == "no release on or before 2025-10-14"


def test_pages_walk_to_the_whole_filtered_set(client, world):
    params = {"indicator": "level", "flow": "exports", "freq": "Q"}
    found, pages = walk(client, limit=97, **params)
    assert len(pages) > 2
    assert all(p["total"] == len(found) for p in pages)
    assert all(len(p["observations"]) == 97 for p in pages[:-1])
    assert all("release=R2" in p["next"] and "offset=" in p["next"] for p in pages[:-1])
    expected = [obs(r) for r in matching(frozen(world, "R2"), params)]
    assert len(found) == len(expected)
    assert sorted(map(json.dumps, found)) == sorted(map(json.dumps, expected))


@given(limit=st.integers(1, 400), offset=st.integers(0, 1200))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_page_is_its_slice_of_the_whole(client, limit, offset):
    """Page arithmetic: a page is the slice [offset, offset + limit) of the whole set."""
    params = {"indicator": "level", "flow": "exports", "freq": "Q", "release": "R2"}
    whole = get(client, "/observations", **params, limit=50_000)["observations"]
    page = get(client, "/observations", **params, limit=limit, offset=offset)
    assert page["observations"] == whole[offset : offset + limit]
    assert page["total"] == len(whole)
    assert (page["next"] is None) == (offset + limit >= len(whole))


def test_next_is_pinned_to_the_release_answered(client):
    """A walk started by asOf or latest goes on in the same release."""
    body = get(client, "/observations", asOf="2025-10-20", indicator="level", limit=10)
    assert body["release"] == "R1"
    assert "release=R1" in body["next"] and "asOf" not in body["next"]
    assert client.get(body["next"]).json()["release"] == "R1"


def test_csv_by_format_or_accept(client, world):
    params = {"indicator": "level", "flow": "exports", "segment": "TOTAL,ITO", "release": "R2"}
    by_format = client.get(f"{API}/observations", params={**params, "format": "csv"})
    by_accept = client.get(f"{API}/observations", params=params, headers={"Accept": "text/csv"})
    for answer in (by_format, by_accept):
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert by_format.content == by_accept.content
    rows = list(csv.reader(io.StringIO(by_format.text)))
    assert tuple(rows[0]) == OBS_COLUMNS
    expected = [[r[c] for c in OBS_COLUMNS] for r in matching(frozen(world, "R2"), params)]
    assert sorted(rows[1:]) == sorted(expected)
    assert len(rows) - 1 == len(expected) > 5
    assert "link" not in by_format.headers


def csv_rows(answer) -> list[list[str]]:
    assert answer.status_code == 200, answer.text
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert tuple(rows[0]) == OBS_COLUMNS
    return rows[1:]


@given(limit=st.integers(1, 400), offset=st.integers(0, 1200))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_csv_page_is_its_slice_of_the_whole_csv(client, limit, offset):
    """Symptom: ``format=csv&limit=2&offset=3`` ignored limit and offset and answered
    every matched row. Page arithmetic: the page is the slice [offset, offset + limit)
    of the whole CSV, in the JSON pages' order, and ``Link`` names the next one."""
    params = {"indicator": "level", "flow": "exports", "freq": "Q", "release": "R2"}
    whole = csv_rows(client.get(f"{API}/observations", params={**params, "format": "csv"}))
    paged = {**params, "format": "csv", "limit": limit, "offset": offset}
    answer = client.get(f"{API}/observations", params=paged)
    assert csv_rows(answer) == whole[offset : offset + limit]
    json_page = get(client, "/observations", **params, limit=limit, offset=offset)
    assert [[o[c] or "" for c in OBS_COLUMNS] for o in json_page["observations"]] == csv_rows(
        answer
    )
    link = answer.headers.get("link")
    if offset + limit >= len(whole):
        assert link is None
    else:
        assert link.endswith('>; rel="next"') and "format=csv" in link and "release=R2" in link
        assert f"offset={offset + limit}&limit={limit}>" in link
    only_offset = client.get(
        f"{API}/observations", params={**params, "format": "csv", "offset": offset}
    )
    assert csv_rows(only_offset) == whole[offset:]


def test_csv_pages_walk_by_their_link_and_have_their_own_etag(client, world):
    params = {"indicator": "level", "flow": "exports", "freq": "Q", "format": "csv", "limit": 150}
    answer = client.get(f"{API}/observations", params=params)
    found, tags = [], set()
    while True:
        found += csv_rows(answer)
        tags.add(answer.headers["etag"])
        link = answer.headers.get("link")
        if link is None:
            break
        assert "release=R2" in link
        answer = client.get(link[1 : link.index(">")])
    expected = matching(frozen(world, "R2"), params)
    assert sorted(found) == sorted([r[c] for c in OBS_COLUMNS] for r in expected)
    assert len(tags) == -(-len(expected) // 150) > 2


@pytest.fixture(scope="module")
def small(world) -> Iterator[TestClient]:
    """An app whose answers hold at most 100 observations (``MARSAD_API_MAX_ROWS``)."""
    from marsad.web.app import create_app

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MARSAD_API_MAX_ROWS", "100")
        with TestClient(create_app(world["warehouse"], root=world["root"])) as c:
            c.get(f"{API}/observations", params={"limit": 1})  # reads the settings
            yield c


def test_too_many_rows_for_one_csv_is_a_413_saying_how_to_narrow(small, world):
    csv_answer = small.get(f"{API}/observations", params={"indicator": "level", "format": "csv"})
    accepted = small.get(f"{API}/observations", headers={"Accept": "text/csv"})
    fits = small.get(f"{API}/observations", params={**SERIES, "freq": "Q", "format": "csv"})
    assert csv_answer.status_code == 413 == accepted.status_code
    assert csv_answer.headers["content-type"] == PROBLEM
    assert csv_answer.json()["title"] == "Content Too Large"
    matched = sum(r["indicator"] == "level" for r in frozen(world, "R2"))
    detail = csv_answer.json()["detail"]
    assert f"{matched:,} observations match, more than the 100 one CSV answer" in detail
    assert "narrow it with indicator" in detail and "ask for pages (limit=100 and offset)" in detail
    assert "/downloads/R2/indicators.csv" in detail
    assert fits.status_code == 200


def test_the_cap_bounds_a_csv_page(small, world):
    """A CSV page of the whole table is answered when it fits the cap; a larger limit is
    a 400 as in JSON, and an offset alone leaving more than the cap is a 413."""
    total = len(frozen(world, "R2"))
    page = small.get(f"{API}/observations", params={"format": "csv", "limit": 100, "offset": 7})
    assert page.status_code == 200 and len(page.text.splitlines()) == 101
    assert "offset=107" in page.headers["link"]
    too_big = small.get(f"{API}/observations", params={"format": "csv", "limit": 101})
    assert too_big.status_code == 400 and "limit 101 is more than 100" in too_big.json()["detail"]
    rest = small.get(f"{API}/observations", params={"format": "csv", "offset": total - 101})
    assert (
        rest.status_code == 413
        and f"101 observations match after offset {total - 101:,}" in rest.json()["detail"]
    )
    last = small.get(f"{API}/observations", params={"format": "csv", "offset": total - 100})
    assert last.status_code == 200 and len(last.text.splitlines()) == 101


def test_the_cap_bounds_a_json_page_not_the_match(small, world):
    """Symptom: ``?limit=1`` on the whole table was a 413, because the cap counted every
    matching row although a JSON answer holds one page."""
    whole = small.get(f"{API}/observations", params={"limit": 1})
    assert whole.status_code == 200, whole.text
    assert whole.json()["total"] == len(frozen(world, "R2"))
    assert len(whole.json()["observations"]) == 1 and "offset=1" in whole.json()["next"]
    default = small.get(f"{API}/observations", params={"indicator": "level"}).json()
    assert len(default["observations"]) == 100  # the default page fits the cap
    too_big = small.get(f"{API}/observations", params={"limit": 101})
    assert too_big.status_code == 400 and too_big.headers["content-type"] == PROBLEM
    assert (
        "limit 101 is more than 100, the most observations a page holds"
        in (too_big.json()["detail"])
    )


def test_next_walks_a_match_larger_than_the_cap(small, world):
    params = {"indicator": "level", "flow": "exports", "freq": "Q"}
    expected = [obs(r) for r in matching(frozen(world, "R2"), params)]
    assert len(expected) > 300
    found, pages = walk(small, limit=100, **params)
    assert len(pages) == -(-len(expected) // 100)
    assert sorted(map(json.dumps, found)) == sorted(map(json.dumps, expected))


@pytest.mark.parametrize(
    ("accept", "answered"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json, text/csv", "application/json"),
        ("text/csv, application/json", "text/csv; charset=utf-8"),
        ("text/csv;q=0, */*", "application/json"),
        ("application/json;q=0.5, text/csv;q=0.9", "text/csv; charset=utf-8"),
        ("text/*", "text/csv; charset=utf-8"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/json"),
    ],
)
def test_accept_is_negotiated_with_q_values_and_order(client, accept, answered):
    """Symptom: any Accept naming text/csv got CSV, even ``text/csv;q=0`` or after JSON."""
    headers = {"Accept": accept} if accept else {}
    answer = client.get(f"{API}/observations", params=SMALL_QUERY, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == answered
    # (and Origin, which Starlette's CORS middleware adds to every answer)
    assert "Accept" in answer.headers["vary"].split(", ")


@pytest.mark.parametrize("accept", ["application/xml", "text/csv;q=0", "image/*"])
def test_what_cannot_be_served_is_a_406_problem(client, accept):
    answer = client.get(f"{API}/observations", params=SMALL_QUERY, headers={"Accept": accept})
    assert answer.status_code == 406 and answer.headers["content-type"] == PROBLEM
    assert "application/json or text/csv" in answer.json()["detail"]


def test_format_wins_over_accept(client):
    csv_type = "text/csv; charset=utf-8"
    for fmt, accept, answered in (("csv", "application/json", csv_type),
                                  ("json", "text/csv", "application/json"),
                                  ("csv", "application/xml", csv_type)):  # fmt: skip
        answer = client.get(f"{API}/observations", params={**SMALL_QUERY, "format": fmt},
                            headers={"Accept": accept})  # fmt: skip
        assert answer.status_code == 200 and answer.headers["content-type"] == answered


# -- HEAD on every GET route ------------------------------------------------------------

HEADED = [
    f"{API}/indicators",
    f"{API}/observations?indicator=level&limit=3",
    "/sdmx/v2/data/dataflow/*/*/*/A.level.exports.TOTAL._T._T",
    "/downloads/R2/indicators.csv",
    "/fr/",
    "/static/docs/swagger-ui.css",
    "/",
]


@pytest.mark.parametrize("path", HEADED)
def test_head_answers_as_get_without_the_body(client, path):
    """Symptom: ``curl -I`` got 405 on every public route (they were declared GET only)."""
    got = client.get(path, follow_redirects=False)
    head = client.head(path, follow_redirects=False)
    assert got.status_code in (200, 307) and head.status_code == got.status_code
    assert head.content == b""
    for name in ("etag", "cache-control", "content-type", "content-length", "location"):
        assert head.headers.get(name) == got.headers.get(name), name
    if got.status_code == 200:
        assert int(head.headers["content-length"]) == len(got.content) > 0


def test_head_revalidates_with_304(client):
    for path in (f"{API}/indicators", "/downloads/R2/indicators.csv"):
        tag = client.head(path).headers["etag"]
        again = client.head(path, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.content == b"", path
        assert again.headers["etag"] == tag


def test_head_of_a_post_only_route_is_still_405(client):
    assert client.head(f"{API}/admin/build").status_code == 405


def test_etag_and_cache_control_on_every_read(client):
    paths = ["/indicators", "/segments", "/services", "/partners", "/periods", "/releases",
             "/releases/R1", "/observations?indicator=level&limit=3"]  # fmt: skip
    for path in paths:
        answer = client.get(API + path)
        assert answer.headers["etag"].startswith('"'), path
        assert "max-age" in answer.headers["cache-control"], path
        again = client.get(API + path, headers={"If-None-Match": answer.headers["etag"]})
        assert again.status_code == 304 and again.content == b"", path
        assert again.headers["etag"] == answer.headers["etag"]


def test_a_named_release_is_frozen_latest_revalidates(client):
    named = client.get(f"{API}/observations", params={"release": "R1", "indicator": "level"})
    latest = client.get(f"{API}/observations", params={"indicator": "level"})
    assert "immutable" in named.headers["cache-control"]
    assert "max-age=60" in latest.headers["cache-control"]
    assert "max-age=60" in client.get(f"{API}/releases/latest").headers["cache-control"]


def test_etag_depends_on_release_query_and_format(client):
    def tag(**params) -> str:
        return client.get(f"{API}/observations", params={"indicator": "level", **params}
                          ).headers["etag"]  # fmt: skip

    tags = [tag(release="R1"), tag(release="R2"), tag(release="R2", freq="Q"),
            tag(release="R2", format="csv"), tag(release="R2", limit=5)]  # fmt: skip
    assert len(set(tags)) == len(tags)
    assert tag(release="R2") == tag() == tag(release="latest")


def test_withheld_cells_are_null_with_their_status(client, world):
    withheld = [r for r in frozen(world, "R2") if r["conf_status"] != "F"]
    assert withheld, "the test world has confidential cells"
    for r in withheld[:20]:
        assert r["value"] == ""
        params = {d: r[d] for d in ("indicator", "flow", "segment", "service", "partner")}
        found = get(client, "/observations", **params, start=r["period"], end=r["period"])
        [o] = [o for o in found["observations"] if o["period"] == r["period"]]
        assert o["value"] is None and o["conf_status"] == r["conf_status"] != "F"


KEY = ("indicator", "flow", "period", "segment", "service", "partner")


def test_internal_values_of_withheld_cells_appear_nowhere(client, world):
    """The frozen internal CSV's values of withheld cells are in no answer."""
    internal = {tuple(r[c] for c in KEY): r["value"]
                for r in frozen(world, "R2", "internal/indicators.csv")}  # fmt: skip
    withheld = [tuple(r[c] for c in KEY) for r in frozen(world, "R2") if r["conf_status"] != "F"]
    public = {r["value"] for r in frozen(world, "R2")}
    # a withheld cell's value that equals some published cell's value is not a secret
    secret = {internal[k] for k in withheld if internal.get(k)} - public
    assert len(secret) > 10
    answers = [client.get(f"{API}/observations", params={"format": "csv", "release": "R2"})]
    answers += [client.get(f"{API}/observations", params={"indicator": i, "limit": 50_000})
                for i in ("level", "share", "contribution")]  # fmt: skip
    answers += [client.get(f"{API}{p}") for p in ("/indicators", "/releases", "/segments")]
    assert all(a.status_code == 200 for a in answers)
    tokens = {t for a in answers for t in re.split(r'[,"\n:{}\[\]]', a.text)}
    assert sorted(secret & tokens) == []


@pytest.mark.parametrize(
    ("query", "said"),
    [("limit=0", "limit: '0' is less than 1: give 1 or more"),
     ("format=CSV", "format: 'CSV' is not one of 'json' or 'csv'")],
)  # fmt: skip
def test_a_value_out_of_bounds_or_list_is_said_in_marsads_words(client, query, said):
    """A reviewer: these said pydantic's "Input should be greater than or equal to 1" and
    "Input should be 'json' or 'csv'", where every other detail is a sentence of marsad's."""
    answer = client.get(f"{API}/observations?indicator=level&{query}")
    assert answer.status_code == 400 and answer.json()["detail"] == said
