"""The PDF bulletin (marsad.publish.pdf): written whole, pages, text a reader can copy,
Arabic letters joined, one plain line when it cannot be written."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from marsad.errors import MarsadError
from marsad.publish import pdf
from marsad.publish.bulletin import render_bulletin, write_bulletin

from . import pdf_reader

ARABIC = (
    '<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8"></head><body>'
    "<h1>صادرات الخدمات الرقمية</h1><p>بلغت الصادرات 13,4 مليار درهم.</p></body></html>"
)


@pytest.fixture(scope="module")
def french_pdf(demo_table, tmp_path_factory) -> bytes:
    out = tmp_path_factory.mktemp("pdf") / "bulletin-2025-S1-fr.pdf"
    assert write_bulletin(demo_table, "2025-S1", "fr", out, synthetic=True) == [out]
    return out.read_bytes()


def test_the_pdf_has_pages_numbered_and_its_text_can_be_read(french_pdf):
    assert french_pdf.startswith(b"%PDF-")
    pages = pdf_reader.page_count(french_pdf)
    assert 2 <= pages <= 8
    text = pdf_reader.text(french_pdf).replace("\u202f", " ").replace("\xa0", " ")
    assert "Exportations de services numériques" in text
    assert "13,4 milliards de dirhams" in text
    assert "données synthétiques" in text  # the warning of the HTML, and on each chart
    assert f"1 / {pages}" in text and f"{pages} / {pages}" in text  # page numbers
    # the charts' words are text, not outlines (SVG text is drawn glyph by glyph, no spaces)
    assert "Milliardsdedirhams" in text.replace(" ", "")


def test_the_pdf_is_the_html_bulletin_printed(demo_table, french_pdf):
    """Same template as the HTML: its headline sentence is in the PDF."""
    html = render_bulletin(demo_table, "2025-S1", "fr", "html", synthetic=True)
    assert "Faits marquants" in html
    assert "Faits marquants" in pdf_reader.text(french_pdf)


def test_the_same_bulletin_gives_the_same_bytes(tmp_path):
    html = "<html><body><p>Bonjour</p></body></html>"
    pdf.write_pdf(html, tmp_path / "a.pdf")
    pdf.write_pdf(html, tmp_path / "b.pdf")
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def _nominal_glyphs() -> dict[str, int]:
    """DejaVu Sans's glyph id of each Arabic letter's isolated (nominal) form."""
    from fontTools.ttLib import TTFont

    fc_match = shutil.which("fc-match")
    if fc_match is None:
        pytest.skip("fontconfig's fc-match is not installed")
    path = subprocess.run(
        [fc_match, "-f", "%{file}", "DejaVu Sans"], capture_output=True, text=True, check=True
    ).stdout
    font = TTFont(path, lazy=True)
    cmap = font.getBestCmap()
    return {chr(c): font.getGlyphID(name) for c, name in cmap.items() if 0x0620 <= c <= 0x064A}


def test_arabic_letters_are_joined_not_isolated(tmp_path):
    """Arabic drawn letter by letter (isolated forms) is unreadable: the glyphs of a word's
    inner letters must be their joined forms, and the text must still read as Arabic."""
    out = tmp_path / "ar.pdf"
    pdf.write_pdf(ARABIC, out, lang="ar")
    shown = pdf_reader.glyphs(out.read_bytes())
    nominal = _nominal_glyphs()
    arabic = [g for g in shown if g.text and g.text[0] in nominal]
    assert len(arabic) > 20
    joined = [g for g in arabic if g.gid != nominal.get(g.text)]
    # in "صادرات الخدمات الرقمية …" most letters touch a neighbour
    assert len(joined) > len(arabic) / 2
    sad = [g for g in arabic if g.text == "ص"]  # initial form in صادرات
    assert sad and all(g.gid != nominal["ص"] for g in sad)
    assert "رايلم" in pdf_reader.text(out.read_bytes())  # مليار, in visual order


def test_the_arabic_bulletin_pdf_is_right_to_left_and_joined(demo_table, tmp_path):
    out = tmp_path / "bulletin-ar.pdf"
    write_bulletin(demo_table, "2025-S1", "ar", out)
    data = out.read_bytes()
    nominal = _nominal_glyphs()
    arabic = [g for g in pdf_reader.glyphs(data) if g.text and g.text[0] in nominal]
    assert len([g for g in arabic if g.gid != nominal.get(g.text)]) > len(arabic) / 2
    assert pdf_reader.page_count(data) >= 2


def test_written_whole_or_not_at_all(tmp_path, monkeypatch):
    out = tmp_path / "b.pdf"
    out.write_bytes(b"previous")

    def broken(self, target, **options):
        Path(target).write_bytes(b"%PDF-half")
        raise RuntimeError("killed half-way")

    import weasyprint.document

    monkeypatch.setattr(weasyprint.document.Document, "write_pdf", broken)
    with pytest.raises(RuntimeError):
        pdf.write_pdf("<p>x</p>", out)
    assert out.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["b.pdf"]  # no temporary file left


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_an_os_error_and_leaves_nothing(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OSError):
            pdf.write_pdf("<p>x</p>", folder / "b.pdf")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_no_font_for_the_script_is_one_plain_line(monkeypatch, tmp_path, lang):
    """Without a font for the script the PDF would show empty boxes, and without any font
    Pango crashed the process (segmentation fault, exit 139, for fr and en): refused,
    plainly, in every language."""
    fake = tmp_path / "fc-list"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setattr(shutil, "which", lambda name: str(fake))
    with pytest.raises(MarsadError) as caught:
        pdf.write_pdf(ARABIC, tmp_path / "ar.pdf", lang=lang)
    assert f"no font with {lang} glyphs is installed" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "ar.pdf").exists()


def test_arabic_charts_are_printed_as_shaped_pictures(demo_table):
    """Regression: WeasyPrint drew the SVG charts' Arabic text unjoined and in the wrong
    order ("الصاداارت"); the Arabic PDF prints each chart as the PNG resvg renders."""
    html = render_bulletin(demo_table, "2025-S1", "ar")
    figures = html.count("<figure")
    printed = pdf.raster_charts(html)
    assert figures and "<svg" not in printed
    assert printed.count('<img class="chart"') == figures
    png = printed.split('src="data:image/png;base64,', 1)[1].split('"', 1)[0]
    assert base64.b64decode(png)[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_segments_table_is_on_one_page(demo_table, lang):
    """A reviewer found the Total row alone on page 2, under a repeated header (English;
    in French KPO and the Total): the table of the segments is laid out on one page."""
    from marsad.publish.bulletin import render_bulletin
    from marsad.publish.pdf import _render

    document = _render(render_bulletin(demo_table, "2025-S1", lang, synthetic=True))
    pages_of_rows = set()
    for number, page in enumerate(document.pages):
        boxes = [(page._page_box, False)]  # (box, inside the segments' table)
        while boxes:
            box, inside = boxes.pop()
            element, tag = getattr(box, "element", None), getattr(box, "element_tag", None)
            if tag == "table" and element is not None:
                inside = "segments" in (element.get("class") or "")
            if tag == "tr" and inside:
                pages_of_rows.add(number)
            boxes.extend((child, inside) for child in getattr(box, "children", []))
    assert len(pages_of_rows) == 1, pages_of_rows
