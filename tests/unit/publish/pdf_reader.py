"""Just enough of a PDF reader to check what WeasyPrint wrote, without another package:
the pages, and the glyphs each text operator shows with the text they stand for
(through the fonts' ToUnicode maps), in the order of the content streams.

WeasyPrint keeps the font's own glyph ids when it subsets a font, so a glyph id can
be compared with the font file's (e.g. DejaVu Sans): an Arabic letter shown by a
glyph other than its isolated form is a joined (initial, medial or final) form.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

_OBJ = re.compile(rb"(\d+) 0 obj\s*(.*?)endobj", re.S)
_REF = re.compile(rb"/([\w.+-]+) (\d+) 0 R")


@dataclass(frozen=True)
class Glyph:
    font: str  # e.g. "DejaVuSans-Bold"
    gid: int
    text: str


def objects(pdf: bytes) -> dict[int, tuple[bytes, bytes]]:
    """Object number -> (dictionary, decompressed stream), object streams expanded."""
    found: dict[int, tuple[bytes, bytes]] = {}
    for m in _OBJ.finditer(pdf):
        head, sep, rest = m.group(2).partition(b"stream")
        data = b""
        if sep:
            raw = rest.lstrip(b"\r\n").rsplit(b"endstream", 1)[0]
            data = zlib.decompress(raw) if b"FlateDecode" in head else raw
        found[int(m.group(1))] = (head, data)
    for head, data in list(found.values()):
        if b"/ObjStm" in head:
            first = int(re.search(rb"/First (\d+)", head).group(1))
            pairs = data[:first].split()
            offsets = [(int(pairs[i]), int(pairs[i + 1])) for i in range(0, len(pairs), 2)]
            for k, (num, off) in enumerate(offsets):
                end = offsets[k + 1][1] if k + 1 < len(offsets) else len(data) - first
                found[num] = (data[first + off : first + end], b"")
    return found


def page_count(pdf: bytes) -> int:
    """How many pages (``/Type /Page`` dictionaries)."""
    return sum(bool(re.search(rb"/Type\s*/Page(?![s\w])", h)) for h, _ in objects(pdf).values())


def glyphs(pdf: bytes) -> list[Glyph]:
    """Every glyph shown by a ``TJ`` operator, with its font and text."""
    objs = objects(pdf)
    fonts = _fonts(objs)
    names = {  # resource name -> font object, wherever the resources are
        name.decode(): int(num)
        for head, _ in objs.values()
        for name, num in _REF.findall(head)
        if int(num) in fonts
    }
    shown: list[Glyph] = []
    for _, data in objs.values():
        if b"TJ" not in data:
            continue
        font = None
        for op in re.finditer(rb"/([\w.+-]+) [\d.]+ Tf|\[([^\[\]]*)\]\s*TJ", data):
            if op.group(1) is not None:
                font = fonts.get(names.get(op.group(1).decode(), -1))
                continue
            if font is None:
                continue
            base, cmap = font
            for chunk in re.findall(rb"<([0-9a-fA-F]+)>", op.group(2)):
                for i in range(0, len(chunk), 4):
                    gid = int(chunk[i : i + 4], 16)
                    shown.append(Glyph(base, gid, cmap.get(gid, "")))
    return shown


def text(pdf: bytes) -> str:
    """The text of the glyphs, in the order they are drawn (enough for ``in`` checks)."""
    return "".join(g.text for g in glyphs(pdf))


def _fonts(objs: dict[int, tuple[bytes, bytes]]) -> dict[int, tuple[str, dict[int, str]]]:
    """Font object -> (base font name without subset tag, glyph id -> text)."""
    fonts = {}
    for num, (head, _) in objs.items():
        unicode_ref = re.search(rb"/ToUnicode (\d+) 0 R", head)
        base = re.search(rb"/BaseFont /(?:[A-Z]{6}\+)?([\w.-]+)", head)
        if b"/Font" in head and unicode_ref and base:
            cmap = _cmap(objs[int(unicode_ref.group(1))][1])
            fonts[num] = (base.group(1).decode(), cmap)
    return fonts


def _cmap(data: bytes) -> dict[int, str]:
    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for gid, uni in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
            mapping[int(gid, 16)] = bytes.fromhex(uni.decode()).decode("utf-16-be")
    return mapping
