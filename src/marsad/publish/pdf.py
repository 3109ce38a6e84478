"""The bulletin as PDF: the HTML bulletin, printed by WeasyPrint.

The PDF is made from the very HTML document the ``.html`` bulletin is (same
template, same inline SVG charts; for Arabic, the charts as pictures: see
:func:`raster_charts`), laid out by the print rules of
``templates/_bulletin.css`` (A4, page numbers, tables and figures kept whole,
mirrored for ``dir="rtl"``). Text is shaped by Pango with the fonts of the
machine: DejaVu Sans, present on a fresh Debian machine, has the Latin and Arabic
glyphs, so Arabic letters are joined as they should be.

Written whole or not at all (a temporary file beside the target, renamed). An
unwritable target is an :class:`OSError` for the caller (the CLI turns it into one
plain line); a missing font or a rendering failure is a :class:`PdfError`, one
plain line too.

>>> from pathlib import Path
>>> import tempfile
>>> out = Path(tempfile.mkdtemp()) / "hello.pdf"
>>> write_pdf("<html lang='fr'><body><p>Bonjour</p></body></html>", out)
>>> out.read_bytes()[:5]
b'%PDF-'
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import warnings
from pathlib import Path

from marsad.errors import MarsadError
from marsad.publish.files import atomic_path

log = logging.getLogger(__name__)

#: Languages whose charts are printed as pictures (see :func:`raster_charts`).
RTL_LANGS: frozenset[str] = frozenset({"ar"})
#: Languages whose glyphs must be in an installed font (``fc-list :lang=ar``). Without
#: any font Pango crashes the process (a segmentation fault), so every language is checked.
FONT_LANGS: frozenset[str] = frozenset({"fr", "en", "ar"})


class PdfError(MarsadError):
    """The PDF cannot be made (e.g. no font with Arabic glyphs, or WeasyPrint missing)."""


#: An inline chart of the bulletin (vl-convert's SVG: one root ``<svg>``, none nested).
_SVG = re.compile(r"<svg\b[^>]*>.*?</svg>", re.DOTALL)
_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)"[^>]*?\bheight="([\d.]+)"')
#: Pixels per SVG unit of a chart printed as a picture (3 = sharp at 100 % zoom and in print).
RASTER_SCALE = 3


def write_pdf(html: str, out: Path, *, lang: str = "fr") -> None:
    """Print the HTML document ``html`` to the PDF file ``out`` (see the module's example)."""
    _check_fonts(lang)
    if lang in RTL_LANGS:
        html = raster_charts(html)
    document = _render(html)
    with atomic_path(Path(out)) as tmp:
        # no creation date (none is set by the HTML): the same bulletin gives the same bytes
        document.write_pdf(tmp, pdf_identifier=b"marsad-bulletin", uncompressed_pdf=False)
    log.info("PDF bulletin written to %s (%d pages)", out, len(document.pages))


def raster_charts(html: str) -> str:
    """The document with each inline SVG chart replaced by the same chart as a PNG picture.

    WeasyPrint draws SVG ``<text>`` without Arabic shaping or bidirectional
    reordering (letters come out unjoined and in the wrong order), while its
    HTML text is shaped by Pango. The SVG is therefore rasterised by vl-convert's
    resvg, which shapes Arabic and orders it right to left, at
    :data:`RASTER_SCALE` times its size; the HTML bulletin keeps the SVG.

    >>> svg = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"></svg>'
    >>> raster_charts(f"<figure>{svg}</figure>")[:44]
    '<figure><img class="chart" width="20" height'
    """
    import base64

    import vl_convert

    def picture(match: re.Match) -> str:
        svg = match.group(0)
        size = _SIZE.match(svg)
        width, height = size.groups() if size else ("100%", "auto")
        png = base64.b64encode(vl_convert.svg_to_png(svg, scale=RASTER_SCALE)).decode("ascii")
        return (
            f'<img class="chart" width="{width}" height="{height}" alt="" '
            f'src="data:image/png;base64,{png}">'
        )

    return _SVG.sub(picture, html)


def _render(html: str):
    """The laid-out document; a missing library or a broken layout is a :class:`PdfError`."""
    try:
        with warnings.catch_warnings():  # "HarfBuzz-Subset will be required": fontTools subsets
            warnings.simplefilter("ignore", DeprecationWarning)
            import weasyprint
    except (ImportError, OSError) as exc:  # OSError: pango or its libraries missing
        raise PdfError(
            f"cannot write a PDF: WeasyPrint or the Pango library is missing ({exc})"
        ) from exc
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return weasyprint.HTML(string=html, base_url=None).render()


def _check_fonts(lang: str) -> None:
    """Refuse, with one plain line, a language whose script no installed font has."""
    fc_list = shutil.which("fc-list")
    if lang not in FONT_LANGS or fc_list is None:
        return
    found = subprocess.run(
        [fc_list, f":lang={lang}", "family"], capture_output=True, text=True, check=False
    ).stdout.strip()
    if not found:
        raise PdfError(
            f"cannot write the {lang} bulletin as PDF: no font with {lang} glyphs is installed "
            "(install fonts-dejavu-core or fonts-noto-core)"
        )
