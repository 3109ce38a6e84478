"""What a file's bytes say it is, beyond its first bytes: the kind of workbook a zip or
a compound file holds, and whether a workbook or a Parquet file is whole.

:func:`marsad.ingest.scan.detect_format` asks these before a reader opens the file, so
that a file the readers cannot open is refused in marsad's words (``the workbook is
damaged: …``) rather than a library's (``Cfb error: Invalid sector shift``, ``invalid
Zip archive: Could not find EOCD``), and a workbook named for another kind (an ``.xlsx``
named ``.ods``), which the workbook reader opens by its name, is told so.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

from marsad.ingest.errors import IngestError

ZIP = b"PK\x03\x04"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: .xls, or an encrypted workbook
PARQUET = b"PAR1"

#: The suffix a workbook of each kind is opened by, and its name in words.
KINDS = {
    "xlsx": (".xlsx", "an Excel workbook (.xlsx)"),
    "xlsb": (".xlsb", "an Excel binary workbook (.xlsb)"),
    "ods": (".ods", "an OpenDocument spreadsheet (.ods)"),
    "xls": (".xls", "an Excel 97-2003 workbook (.xls)"),
}
#: The kind of workbook each workbook suffix names.
SUFFIX_KIND = {
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xltx": "xlsx",
    ".xltm": "xlsx",
    ".xlsb": "xlsb",
    ".ods": "ods",
    ".xls": "xls",
}
_ODS = b"application/vnd.oasis.opendocument.spreadsheet"
_AGAIN = "ask for it again, or open it in Excel and save it again"


def workbook_kind(path: Path, head: bytes) -> str:
    """``xlsx``, ``xlsb``, ``ods`` or ``xls``: the kind of workbook the file holds, read
    from its content; a file that starts as a workbook but is damaged, or a zip that
    holds no workbook, is an :class:`~marsad.ingest.errors.IngestError` in plain words.

    >>> workbook_kind(Path("old.xls"), OLE2 + bytes(504))
    Traceback (most recent call last):
    ...
    marsad.ingest.errors.IngestError: the workbook is damaged: it starts as an Excel 97-2003 workbook (.xls) but the rest of its header is not one; ask for it again, or open it in Excel and save it as .xlsx
    """  # noqa: E501
    if head.startswith(OLE2):
        return _compound_file(path, head)
    return _zip_kind(path)


#: The stream of a workbook saved with a password (Excel writes it in a compound file).
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def _compound_file(path: Path, head: bytes) -> str:
    """``xls`` when the compound file's header is whole (byte order, sector sizes as
    the format sets them). A workbook saved with a password, and a compound file named
    ``.xlsx`` (or another workbook suffix), are left to the workbook reader, which says
    which of the two it is."""
    if _ENCRYPTED in head or SUFFIX_KIND.get(path.suffix.lower()) not in (None, "xls"):
        return "xls"
    fields = struct.unpack("<HHHH", head[26:34]) if len(head) >= 34 else None
    if fields is not None:
        major, order, shift, mini = fields
        if major in (3, 4) and order == 0xFFFE and shift in (9, 12) and mini == 6:
            return "xls"
    raise IngestError(
        f"the workbook is damaged: it starts as {KINDS['xls'][1]} but the rest of its header "
        "is not one; ask for it again, or open it in Excel and save it as .xlsx"
    )


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            kind = _kind_of_zip(z, names)
            if kind is None:
                raise IngestError(_not_a_workbook(sorted(names)))
            _check_member(z, _MAIN[kind] if _MAIN[kind] in names else None)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise IngestError(
            "the workbook is damaged or cut short (its zip archive cannot be read: "
            f"{_zip_why(exc)}): {_AGAIN}"
        ) from None
    return kind


#: The member that holds each kind of workbook's list of sheets.
_MAIN = {"xlsx": "xl/workbook.xml", "xlsb": "xl/workbook.bin", "ods": "content.xml"}


def _kind_of_zip(z: zipfile.ZipFile, names: set[str]) -> str | None:
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "mimetype" in names and z.read("mimetype").strip().startswith(_ODS):
        return "ods"
    return None


def _check_member(z: zipfile.ZipFile, name: str | None) -> None:
    """Read the workbook's list of sheets whole (a few kilobytes), which a damaged
    archive fails (bad CRC, cut short)."""
    if name is None:
        return
    try:
        with z.open(name) as fh:
            while fh.read(1 << 20):
                pass
    except NotImplementedError:  # a compression Python lacks: left to the workbook reader
        return


def _zip_why(exc: BaseException) -> str:
    text = str(exc).lower()
    if "not a zip file" in text:
        return "it has no end"
    if "crc" in text:
        return "a part of it does not match its checksum"
    return "a part of it is missing or broken"


def _not_a_workbook(names: list[str]) -> str:
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3:,} more" if len(names) > 3 else "")
    held = f"holding {shown}" if names else "empty"
    return (
        f"the file is a zip archive ({held}), not a workbook: unzip it and load the files it holds"
    )


def check_named_kind(path: Path, kind: str) -> None:
    """Refuse a workbook named for another kind of workbook (an ``.xlsx`` named ``.ods``):
    the workbook reader chooses how to open a file by its suffix, and failed in its own
    words (``'mimetype' file not found in archive``). A compound file under another
    workbook suffix is left to the reader, which tells a workbook saved with a password
    (an ``.xlsx`` in a compound file) from an ``.xls`` misnamed."""
    named = SUFFIX_KIND.get(path.suffix.lower())
    if named is None or named == kind or kind == "xls":
        return
    suffix, what = KINDS[kind]
    raise IngestError(
        f"the file is {what} named {path.suffix}: rename it {suffix} (the name tells how "
        "to open it)"
    )


def check_parquet_end(path: Path) -> None:
    """Refuse a file that starts as Parquet but does not end as one (``PAR1``), cut
    short in a transfer: DuckDB said ``No magic bytes found at end of file``."""
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, 2)
            fh.seek(max(size - len(PARQUET), 0))
            tail = fh.read()
    except OSError:
        return  # (the reader says why it cannot read it)
    if size < 3 * len(PARQUET) or tail != PARQUET:
        raise IngestError(
            "the Parquet file is damaged or cut short (it does not end as a Parquet file "
            "does): ask for it again"
        )
