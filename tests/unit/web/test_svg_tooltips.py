"""The explorer chart's point tooltips (``<title>`` of each point, read on hover and by
screen readers) are punctuated as their language is.

Symptom: ``Externalisation des processus métiers, janv. 2025: 2,16 millions de dirhams``
on a French page (no space before the colon) and ``إدارة علاقات العملاء, ر1 2023: …`` on an
Arabic page (a Latin comma in Arabic text).
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from marsad.web.svg import line_chart

SERIES = [("A & B", [("2025-01", Decimal("2163000")), ("2025-02", None)])]


def _tips(lang: str) -> list[str]:
    return re.findall(r"<title>([^<]*)</title>", line_chart(SERIES, "MAD", lang, "t"))[1:]


@pytest.mark.parametrize(
    ("lang", "tip"),
    [("fr", "A &amp; B, janv. 2025\u00a0: 2,16 millions de dirhams"),
     ("en", "A &amp; B, Jan 2025: 2.16 million dirhams"),
     ("ar", "A &amp; B\u060c يناير 2025: 2,16 مليون درهم")],
)  # fmt: skip
def test_a_point_tooltip_is_punctuated_in_its_language(lang, tip):
    found = _tips(lang)
    assert len(found) == 1  # the withheld point has none
    assert found[0] == tip
