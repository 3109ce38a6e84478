"""The bulletin of a period: every sentence generated from the indicator table.

Read top-down: gather the facts of the period (:mod:`marsad.publish.facts`),
decide what to say (:mod:`marsad.publish.story`), word it with the language's
phrasebook (:mod:`marsad.publish.lang`), draw the charts
(:mod:`marsad.publish.charts`), fill the template ``templates/bulletin.<lang>.<format>.j2``.

>>> html = render_bulletin(table, "2025-S1")                          # doctest: +SKIP
>>> write_bulletin(table, "2025-S1", "fr", Path("out/bulletin.md"))   # doctest: +SKIP
[PosixPath('out/bulletin.md'), PosixPath('out/bulletin-segments.svg'), ...]

HTML is self-contained (inline CSS and SVG, no external font or script) and
printable. Markdown links its charts, written as ``<stem>-<chart>.svg`` beside it
(not beside a named pipe or a device: see :func:`write_bulletin`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import ModuleType

import jinja2
import markupsafe

from marsad.indicators.registry import INDICATORS
from marsad.indicators.table import IndicatorTable
from marsad.periods import Period
from marsad.publish import fmt as numbers
from marsad.publish.charts import Chart, bulletin_charts
from marsad.publish.columns import Publication
from marsad.publish.facts import Facts, gather
from marsad.publish.files import is_special, write_text
from marsad.publish.lang import phrasebook, say, say_all, segment_name, show
from marsad.publish.story import Figure, Message, Section, Table, tell

log = logging.getLogger(__name__)

#: Output formats by file suffix (a PDF is the HTML document, printed).
FORMATS: dict[str, str] = {".html": "html", ".htm": "html", ".md": "md", ".pdf": "pdf"}


def _escape(value: object) -> object:
    """HTML-escape text but keep apostrophes readable ("d'externalisation", not "d&#39;…"):
    every attribute in the templates is double-quoted, so ``'`` needs no escaping."""
    if isinstance(value, markupsafe.Markup) or not isinstance(value, str):
        return value
    escaped = (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
    return markupsafe.Markup(escaped)


def _environment(fmt: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("marsad.publish", "templates"),
        autoescape=fmt == "html",
        finalize=_escape if fmt == "html" else None,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_bulletin(
    table: IndicatorTable,
    period: str,
    lang: str = "fr",
    fmt: str = "html",
    *,
    synthetic: bool = False,
    chart_prefix: str = "bulletin",
    published: Publication | None = None,
) -> str:
    """The bulletin of ``period`` as an HTML or Markdown document.

    ``synthetic=True`` (or a table of a synthetic build,
    :func:`~marsad.indicators.table.synthetic_build`) says plainly that the
    figures come from synthetic records. In Markdown, charts are linked as
    ``<chart_prefix>-<name>.svg``; :func:`write_bulletin` writes those files.
    ``published``: who publishes it and when (:func:`publication`; default the settings).
    """
    text, _ = _render(
        table,
        period,
        lang,
        fmt,
        synthetic=synthetic,
        chart_prefix=chart_prefix,
        published=published,
    )
    return text


def write_bulletin(
    table: IndicatorTable,
    period: str,
    lang: str,
    out: Path,
    *,
    synthetic: bool = False,
    published: Publication | None = None,
) -> list[Path]:
    """Write the bulletin to ``out`` (format from the suffix: ``.html``, ``.md`` or ``.pdf``),
    ``synthetic`` and ``published`` as in :func:`render_bulletin`.

    For Markdown, each chart is written beside it as ``<stem>-<chart>.svg``, except
    beside a named pipe or a device (:func:`~marsad.publish.files.is_special`, e.g.
    ``bulletin.md`` made with ``mkfifo``): its folder is no place for files (``/dev``),
    so the Markdown is written into it alone, its chart links pointing at no file. HTML
    and PDF hold their charts. A PDF is the HTML bulletin printed by WeasyPrint
    (:mod:`marsad.publish.pdf`). Returns the paths written, the bulletin first.
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(
            f"unknown bulletin format {out.suffix!r} for {out}; use .html, .md or .pdf"
        )
    fmt = FORMATS[suffix]
    markup = "html" if fmt == "pdf" else fmt
    text, charts = _render(
        table, period, lang, markup, synthetic=synthetic, chart_prefix=out.stem, published=published
    )
    written, special = [out], is_special(out)
    if fmt == "pdf":
        from marsad.publish.pdf import write_pdf  # WeasyPrint is loaded only for a PDF

        write_pdf(text, out, lang=lang)
    else:
        write_text(out, text)  # whole or not at all: a temporary file renamed
    if fmt == "md" and not special:
        for chart in charts:
            path = out.with_name(_chart_file(out.stem, chart))
            write_text(path, chart.svg)
            written.append(path)
    log.info("bulletin %s %s written to %s (%d files)", period, lang, out, len(written))
    return written


def _render(
    table: IndicatorTable,
    period: str,
    lang: str,
    fmt: str,
    *,
    synthetic: bool,
    chart_prefix: str,
    published: Publication | None = None,
) -> tuple[str, list[Chart]]:
    if fmt not in ("html", "md"):
        raise ValueError(f"unknown bulletin format {fmt!r}; expected 'html' or 'md'")
    period = Period.parse(period)
    pb = phrasebook(lang)
    table = table.public()  # from here on, a withheld value is not even in memory
    facts = gather(table, period, synthetic=synthetic)
    charts = bulletin_charts(table, period, lang, facts)
    context = _context(facts, pb, lang, charts, chart_prefix, published, html=fmt == "html")
    template = _environment(fmt).get_template(f"bulletin.{lang}.{fmt}.j2")
    return template.render(**context), charts


def _context(
    f: Facts,
    pb: ModuleType,
    lang: str,
    charts: list[Chart],
    chart_prefix: str,
    published: Publication | None,
    *,
    html: bool = False,
) -> dict:
    """Everything the template shows, worded; in HTML every figure is a ``<data>``
    element carrying its row's key and value."""
    story = tell(f)
    key_figures = [
        (say(k.label, lang), show(k.value, k.style, lang, html=html)) for k in story.key_figures
    ]
    return {
        "lang": lang,
        "dir": pb.DIR,
        "L": pb.LABELS,
        "title": say(story.title, lang),
        "period_label": f.period.label(lang),
        "release": f.release,
        "provisional": f.provisional,
        "synthetic": f.synthetic,
        "publication": publication(lang, published),
        "key_figures": key_figures,
        "headline": say_all(story.headline, lang, html=html),
        "table": _segment_table(story.table, pb, lang, html=html),
        "movements": say_all(story.movements, lang, html=html),
        "target": say_all(story.target, lang, html=html),
        "charts": [
            {
                "name": c.name,
                "title": c.title,
                "description": c.description,
                "svg": c.svg,
                "note": c.note,
                "file": _chart_file(chart_prefix, c),
            }
            for c in charts
        ],
        "method": [_section(s, lang, html=html) for s in story.method],
    }


def _chart_file(stem: str, chart: Chart) -> str:
    return f"{stem}-{chart.name}.svg"


def publication(lang: str, published: Publication | None = None) -> dict:
    """Who publishes and when, as shown in the header and footer (e.g. ``{"publisher":
    "marsad", "date": "15 octobre 2025", "next": "", "contact": ""}``); an unset one is
    empty and not shown. ``published``: a release's (the web's bulletin of a past
    release is dated by it, :meth:`~marsad.publish.columns.Publication.of_release`),
    default the settings (``MARSAD_PUBLISHER``, ``MARSAD_RELEASE_DATE``, ...).

    >>> import datetime as dt
    >>> publication("fr", Publication(release="R1", release_date=dt.date(2025, 10, 17)))["date"]
    '17 octobre 2025'
    """
    s = published or Publication.from_settings("", synthetic=False, internal=False)

    def date(value) -> str:
        return numbers.long_date(value, lang) if value else ""

    return {
        "publisher": s.publisher,
        "date": date(s.release_date),
        "next": date(s.next_release_date),
        "contact": s.contact,
    }


def _section(section: Section, lang: str, *, html: bool = False) -> dict:
    """A section of the method note in words; an indicator's label and formula come from
    the registry (e.g. ``Variation sur un an``, ``(montant(t) / montant(t-1 an) - 1) x 100``)."""
    definitions = []
    for label, ident, formula in section.definitions:
        if isinstance(label, Message):
            definitions.append((say(label, lang), ident, formula))
        else:
            d = INDICATORS[label]
            definitions.append((d.label(lang), ident, getattr(d, f"formula_{lang}", formula)))
    return {
        "title": say(section.title, lang),
        "paragraphs": say_all(section.paragraphs, lang, html=html),
        "definitions": definitions,
    }


def _segment_table(table: Table, pb: ModuleType, lang: str, *, html: bool = False) -> dict:
    """Headers and formatted rows of the table by segment (levels in millions of MAD)."""
    rows = [
        {
            "code": row.code,
            "name": segment_name(row.code, lang),
            "total": row.total,
            "values": [_figure(x, pb, lang, html) for x in row.figures],
        }
        for row in table.rows
    ]
    legend = say(table.legend, lang) if table.legend is not None else ""
    headers = say_all(table.headers, lang)
    return {"headers": headers, "rows": rows, "legend": legend, "changes": table.changes}


#: How each style of a table cell is shown (a format of ``lang.FORMATS``).
_CELL_FORMATS = {"millions": "mn", "percent": "num", "signed": "signed"}


def _figure(x: Figure, pb: ModuleType, lang: str, html: bool = False) -> str:
    if x.style == "confidential":
        return pb.LABELS["confidential_mark"]
    if x.style == "missing":
        return pb.LABELS["missing_mark"]
    if x.style == "blank":
        return ""
    return show(x.value, _CELL_FORMATS[x.style], lang, html=html)
