"""The web's pages round a published figure once, from its exact value, as the bulletin does.

A release publishes percentages to four decimals; the bulletin rounds the exact value
to one. The pages rounded the published value again: a growth of 3.44996 % is published
3.4500, the bulletin said +3,4 % and the home page +3,5 %.
"""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from fastapi.testclient import TestClient

from marsad.engine import Warehouse
from tests.support import copy_warehouse, run

EXACT, PUBLISHED = "3.44996", "3.4500"  # just below a half at one decimal; 4 decimals: a half
NNBSP = "\u202f"


@pytest.fixture(scope="module")
def half(world, tmp_path_factory) -> dict:
    """A release ``H1`` of the world's build whose headline growth (exports, total, the
    last period) is :data:`EXACT`, published :data:`PUBLISHED`; the app over it."""
    base = tmp_path_factory.mktemp("half")
    wh = copy_warehouse(world["warehouse"], base / "w" / "marsad.duckdb")
    with Warehouse(wh) as w:
        (period,) = w.sql(
            "SELECT period FROM indicators WHERE indicator = 'level' AND flow = 'exports' "
            "AND segment = 'TOTAL' AND service = '_T' AND partner = '_T' AND period LIKE '%-S_' "
            "ORDER BY period DESC LIMIT 1"
        )[0]
        w.sql(
            "UPDATE indicators SET value = ?, internal_value = ?, exact = ? "
            "WHERE indicator = 'growth_yoy' AND flow = 'exports' AND segment = 'TOTAL' "
            "AND service = '_T' AND partner = '_T' AND period = ?",
            [PUBLISHED, PUBLISHED, EXACT, period],
        )
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MARSAD_RELEASES_DIR", raising=False)
        run("release", "create", "--id", "H1", "--date", "2025-12-01", "--warehouse", str(wh))
    from marsad.web.app import create_app

    app = create_app(wh, root=wh.parent / "releases")
    with TestClient(app) as client:
        yield {"client": client, "period": period, "root": wh.parent / "releases"}


def _bulletin_growth(html: str, period: str) -> str:
    key = f"growth_yoy/exports/{period}/TOTAL/_T/_T"
    found = re.search(rf'<data value="([^"]*)" data-key="{re.escape(key)}"[^>]*>([^<]*)<', html)
    assert found, "the bulletin names the headline growth"
    assert found[1] == PUBLISHED  # the bulletin's figure says where it comes from
    return unescape(found[2]).lstrip("+")  # the prose says a rise in words


def test_the_home_page_shows_the_bulletins_digits(half):
    client, period = half["client"], half["period"]
    bulletin = client.get(f"/downloads/H1/bulletin-{period}-fr.html")
    assert bulletin.status_code == 200
    said = _bulletin_growth(bulletin.text, period)
    assert said == f"3,4{NNBSP}%"  # rounded once from 3.44996
    home = client.get("/fr/")
    shown = re.search(r'<span class="growth">([^<]*)</span>', home.text)
    assert shown and unescape(shown[1]) == f"+{said}"  # was +3,5 %: 3.4500 rounded again


def test_a_bulletin_the_web_makes_shows_the_frozen_bulletins_digits(half):
    """A bulletin the release did not freeze is made from the public table: it read the
    published 3.4500 and said +3,5 %."""
    from marsad.web import derived
    from marsad.web.store import PublicStore

    store = PublicStore(half["root"])
    table = store.table(store.find("H1"))
    out = half["root"].parent / "made-fr.html"
    derived.bulletin_html(table, half["period"], "fr", out)
    assert _bulletin_growth(out.read_text(encoding="utf-8"), half["period"]) == f"3,4{NNBSP}%"


def test_the_exact_file_holds_public_cells_only_and_the_api_the_published_text(half):
    from marsad.release.store import EXACT_CSV, PUBLIC_CSV, Release
    from marsad.web.exact import _read

    release = Release(half["root"] / "H1")
    exact = _read(release.checked_file(EXACT_CSV), "H1")
    public = {}
    for line in release.checked_file(PUBLIC_CSV).read_text().splitlines()[1:]:
        r = line.split(",")
        public[(r[0], r[1], r[2], r[3], r[4], r[5])] = r[6]
    assert exact, "the world's ratios are rounded for publication"
    for key, value in exact.items():
        assert public[key], f"{key} is withheld: its exact value is not kept"
        assert Decimal(public[key]) != value
    growth = ("growth_yoy", "exports", half["period"], "TOTAL", "_T", "_T")
    assert exact[growth] == Decimal(EXACT)
    answer = half["client"].get(
        "/api/v1/observations",
        params={"indicator": "growth_yoy", "flow": "exports", "segment": "TOTAL",
                "release": "H1", "format": "csv"},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert f",{PUBLISHED}," in answer.text and EXACT not in answer.text
    for name in ("internal/exact.csv", "internal%2Fexact.csv", "exact.csv"):  # never served
        assert half["client"].get(f"/downloads/H1/{name}").status_code == 404
