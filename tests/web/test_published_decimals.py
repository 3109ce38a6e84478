"""Every page and bulletin shows a figure with no more decimals than the release
publishes, rounded once from its exact value (``MARSAD_PERCENT_DECIMALS`` 0, 1 and 4).

With 0 decimals a growth of 3.497 % is published ``3``: the pages showed +3,0 % (a digit
the table does not have, and not the exact value's: 3,5) and the bulletin 3,5 %; the
tracker's share of the target (65.4972 %, published ``65``) read 65,0 % on the home page
and 65,5 % in the bulletin. Now both say 3 % and 65 %, digit for digit.
"""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from fastapi.testclient import TestClient

from marsad.engine import Warehouse
from marsad.indicators.registry import INDICATORS
from marsad.indicators.rows import plain_decimal
from tests.support import copy_warehouse, run

GROWTH, SHARE = "3.497", "65.4972"
NNBSP = "\u202f"
#: What the pages and bulletins say, by decimals published (French).
SAID = {0: ("3", "65"), 1: ("3,5", "65,5"), 4: ("3,5", "65,5")}


@pytest.fixture(scope="module", params=[0, 1, 4])
def release(request, world, tmp_path_factory) -> dict:
    """A release ``D`` built with ``MARSAD_PERCENT_DECIMALS`` = the param, whose headline
    growth is :data:`GROWTH` and every tracker share :data:`SHARE` (exact values)."""
    decimals = request.param
    base = tmp_path_factory.mktemp(f"decimals{decimals}")
    wh = copy_warehouse(world["warehouse"], base / "w" / "marsad.duckdb")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MARSAD_RELEASES_DIR", raising=False)
        mp.setenv("MARSAD_PERCENT_DECIMALS", str(decimals))
        run("build", "--warehouse", str(wh))
        with Warehouse(wh) as w:
            (period,) = w.sql(
                "SELECT max(period) FROM indicators WHERE indicator = 'level' "
                "AND flow = 'exports' AND segment = 'TOTAL' AND period LIKE '%-S_'"
            )[0]
            for indicator, exact, where in (
                ("growth_yoy", GROWTH, f"period = '{period}'"),
                ("target_share", SHARE, "true"),
            ):
                text = plain_decimal(Decimal(exact), decimals)
                w.sql(
                    "UPDATE indicators SET value = ?, internal_value = ?, exact = ? "
                    f"WHERE indicator = ? AND flow = 'exports' AND segment = 'TOTAL' "
                    f"AND service = '_T' AND partner = '_T' AND {where}",
                    [text, text, exact, indicator],
                )
        run("release", "create", "--id", "D", "--date", "2025-12-01", "--warehouse", str(wh))
    from marsad.web.app import create_app

    app = create_app(wh, root=wh.parent / "releases")
    with TestClient(app) as client:
        yield {"client": client, "period": period, "root": wh.parent / "releases",
               "decimals": decimals}  # fmt: skip


def _said(html: str, indicator: str, period: str = r"[^/]*") -> tuple[str, str]:
    """(published text, words) of the bulletin's figure of ``indicator`` (total)."""
    key = rf"{indicator}/exports/{period}/TOTAL/_T/_T"
    found = re.search(rf'<data value="([^"]*)" data-key="{key}"[^>]*>([^<]*)<', html)
    assert found, f"the bulletin names {indicator}"
    return found[1], unescape(found[2]).lstrip("+").replace(f"{NNBSP}%", "")


def _bulletins(release) -> list[str]:
    """The frozen bulletin and one the web makes from the public table."""
    from marsad.web import derived
    from marsad.web.store import PublicStore

    period = release["period"]
    frozen = release["client"].get(f"/downloads/D/bulletin-{period}-fr.html")
    assert frozen.status_code == 200
    store = PublicStore(release["root"])
    out = release["root"].parent / f"made-{release['decimals']}.html"
    derived.bulletin_html(store.table(store.find("D")), period, "fr", out)
    return [frozen.text, out.read_text(encoding="utf-8")]


def test_the_headline_growth_has_the_published_decimals(release):
    growth, _ = SAID[release["decimals"]]
    for html in _bulletins(release):
        text, said = _said(html, "growth_yoy", release["period"])
        assert text == plain_decimal(Decimal(GROWTH), release["decimals"])
        assert said == growth  # 3.497 published 3: was 3,5
    home = release["client"].get("/fr/").text
    shown = re.search(r'<span class="growth">([^<]*)</span>', home)
    assert shown and unescape(shown[1]) == f"+{growth}{NNBSP}%"  # was +3,0 %


def test_the_tracker_share_reads_as_in_the_bulletin(release):
    _, share = SAID[release["decimals"]]
    for html in _bulletins(release):
        assert _said(html, "target_share")[1] == share  # was 65,5 at 0 decimals
    home = unescape(release["client"].get("/fr/").text)
    name = re.escape(INDICATORS["target_share"].label("fr"))
    row = re.search(rf"<td>{name}</td><td>[^<]*</td><td class=\"num\">([^<]*)</td>", home)
    assert row and row[1] == share  # was 65,0 at 0 decimals
