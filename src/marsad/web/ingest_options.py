"""What an admin upload states about its files: the read options of ``marsad ingest``.

``POST /api/v1/admin/ingest?kind=transactions&decimal=,&sep=;`` takes as query
parameters what ``marsad ingest`` takes as options: ``decimal``, ``sep``, ``encoding``,
``sheet``, ``date_format`` and ``map`` (repeatable). They are checked by the CLI's rules
before a file is saved or a job started (a bad one is a 400 problem naming it), and
passed on as ``--decimal=,`` and so on. The schema gives each its enum or pattern.

The job's output is the command's, which names its own options (``state --decimal , to
read this file``): :func:`web_words` rewrites them as the upload's parameters (``state
decimal=, to read this file``), leaving alone a ``marsad`` command it suggests.

>>> web_words("the decimal mark cannot be told from the data: state --decimal")
'the decimal mark cannot be told from the data: state decimal'
>>> UploadOptions(decimal=",", map=("Record ID=record_id",)).args()
['--decimal=,', '--map=Record ID=record_id']
"""

from __future__ import annotations

import codecs
import itertools
import re
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Query
from pydantic import WithJsonSchema

from marsad.errors import BadArgument, quoted
from marsad.ingest.marks import DECIMAL_MARKS, DECIMAL_NAMES, SEPARATOR_NAMES
from marsad.web.problems import Problem

#: ``marsad ingest``'s read options and the upload's parameters stating the same.
PARAMETERS = {"decimal": "decimal", "sep": "sep", "encoding": "encoding", "sheet": "sheet",
              "date-format": "date_format", "map": "map"}  # fmt: skip
#: A field separator, as ``marsad ingest --sep`` takes one, in ASCII: its name in lower
#: case (``tab``, ``comma``, ``semicolon``, ``pipe``, ``space``, ``colon``, ``\\t``:
#: :data:`~marsad.ingest.marks.SEPARATOR_NAMES`) or one character that is not a quote, a
#: line end, a letter or a digit (``;``, ``|``, a tab, a space).
SEP_PATTERN = (
    rf"^(?:{'|'.join(re.escape(name) for name in SEPARATOR_NAMES)}"
    r"|[!#$%&()*+,./:;<=>?@^_`{|}~\[\]\\ \t-])$"
)
#: A decimal mark, as ``marsad ingest --decimal`` takes one: itself or its name in lower
#: case (:data:`~marsad.ingest.marks.DECIMAL_NAMES`).
Decimal = Literal[DECIMAL_MARKS + tuple(DECIMAL_NAMES)]  # type: ignore[valid-type]
#: A codec's name in form (``utf-8``, ``cp1252``, ``latin-1``); the server looks it up.
ENCODING_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,39}$"
#: A date format holds a directive (``%d/%m/%Y``), in printable ASCII (DuckDB, which
#: checks it, failed with a UnicodeDecodeError on some other characters); the server
#: checks it reads back a whole date.
DATE_FORMAT_PATTERN = r"^[ -~]*%[ -~]*$"
#: ``NAME=field``: a column's name in the files, then the field of marsad it holds.
MAP_PATTERN = r"^[^\r\n\x00]*[^\s=\x00][^\r\n\x00]*=\s*[A-Za-z_]+\s*$"


def _text_encodings() -> list[str]:
    """The names of the text encodings Python knows, as written in its alias table and
    with hyphens (``utf_8`` and ``utf-8``, ``cp1252``, ``latin-1``): the schema's list."""
    import encodings.aliases

    found = set()
    for alias, name in encodings.aliases.aliases.items():
        for word in (alias, name, alias.replace("_", "-"), name.replace("_", "-")):
            try:
                if codecs.lookup(word)._is_text_encoding:  # type: ignore[attr-defined]
                    found.add(word)
            except LookupError:
                continue
    return sorted(found)


def _date_format_forms() -> str:
    """The schema's pattern of a date format: a year (``%Y``, ``%y``), a month (``%m``,
    ``%-m``, ``%b``, ``%B``) and a day (``%d``, ``%-d``) in any order, each pair apart
    by a text of no digit nor ``%``, nor a space at either end: forms that read back a
    whole date, every one (``tests/unit/web/test_upload_schema.py``). The server takes
    any other that does too (``%Y%m%d``)."""
    text, edge = r"[ !-$&-/:-~]", r"[!-$&-/:-~]"
    year, month, day = r"%[Yy]", r"(%-?m|%[bB])", r"%-?d"
    orders = "|".join(f"{a}{text}{{1,8}}{b}{text}{{1,8}}{c}"
                      for a, b, c in itertools.permutations((year, month, day)))  # fmt: skip
    return rf"^({edge}{text}{{0,7}})?({orders})({text}{{0,7}}{edge})?$"


def _map_forms() -> str:
    """The schema's pattern of ``NAME=field``: ``field`` one that marsad reads, in any
    case (:func:`marsad.ingest.reporters.parse_map`)."""
    from marsad.ingest.schema import KINDS

    fields = sorted({f for kind in KINDS.values() for f in kind.field_names})
    any_case = ["".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in f)
                for f in fields]  # fmt: skip
    return rf"^[^\r\n\x00]*[^\s=\x00][^\r\n\x00]*=\s*({'|'.join(any_case)})\s*$"


_VALUE = r"""[.,](?=[\s)]|$)|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[A-Za-z0-9][\w.-]*[A-Za-z0-9]"""
_OPTION = re.compile(rf"--(?P<name>{'|'.join(PARAMETERS)})\b(?: (?P<value>{_VALUE}))?")
#: A command the output suggests (``marsad reporters set BK01 --decimal ,``): left as is.
_COMMAND = re.compile(r"\bmarsad [a-z]")
#: Options a web upload cannot state: named by their setting only.
_SETTING_ONLY = re.compile(r"--(?:min|max)-date or ")


@dataclass(frozen=True)
class UploadOptions:
    """The read options an upload states (e.g. ``decimal=","``); ``None``: detect it."""

    decimal: str | None = None
    sep: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    date_format: str | None = None
    map: tuple[str, ...] = ()

    def args(self) -> list[str]:
        """The options of ``marsad ingest``, each as ``--name=value``, so that a value
        starting with ``-`` (a sheet ``-1``) is never read as an option."""
        given = [("decimal", self.decimal), ("sep", self.sep), ("encoding", self.encoding),
                 ("sheet", self.sheet), ("date-format", self.date_format)]  # fmt: skip
        out = [f"--{name}={value}" for name, value in given if value is not None]
        return out + [f"--map={item}" for item in self.map]


def _text(pattern: str, longest: int | None = None, **more: object) -> object:
    """A text whose schema gives ``pattern`` (and at most ``longest`` characters; ``more``
    replaces or adds keywords): the server checks it in :func:`upload_options`, to say
    what is wrong in words. Every text the schema admits, the server takes (a 400 to a
    request the schema calls valid fails ``st run``); it may take more."""
    schema = {"type": "string", "minLength": 1, "pattern": pattern}
    if longest is not None:
        schema["maxLength"] = longest
    schema.update(more)
    return Annotated[str, WithJsonSchema(schema)]


def upload_options(
    decimal: Annotated[
        Decimal | None,
        Query(
            description="The decimal mark, . or , or its name: point (also period, dot) or "
            "comma (default: detected, else the reporter's).",
        ),
    ] = None,
    sep: Annotated[
        _text(SEP_PATTERN) | None,
        Query(
            description="The field separator: one character such as "
            "; or | (URL-encoded: %3B, %7C), or its name: comma, semicolon, tab, pipe, space, "
            "colon (default: detected among , ; tab |).",
        ),
    ] = None,
    encoding: Annotated[
        _text(ENCODING_PATTERN, enum=_text_encodings()) | None,
        Query(
            description="The text encoding, e.g. utf-8, cp1252, latin-1 (default: detected).",
        ),
    ] = None,
    sheet: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            pattern=r"^[^\x00]*$",  # (a NUL cannot be passed to the job: it ran for ever)
            description="The Excel sheet's name or number (default: every sheet with the header).",
        ),
    ] = None,
    date_format: Annotated[
        _text(_date_format_forms(), 40) | None,
        Query(
            description="How the dates are "
            "written, e.g. %d/%m/%Y (default: YYYY-MM-DD, or the reporter's); kept for the "
            "reporter.",
        ),
    ] = None,
    column_map: Annotated[
        list[_text(_map_forms(), 200)] | None,
        Query(
            alias="map",
            description="A column's name in the files and the field it holds, "
            "Record ID=record_id (repeat it for several); kept for the reporter.",
        ),
    ] = None,
) -> UploadOptions:
    """The read options of an upload, checked as ``marsad ingest`` checks them: a bad
    one is a 400 problem before any file is saved. The schema's patterns are checked
    here, to say what is wrong in words."""
    if sep is not None and not re.fullmatch(SEP_PATTERN, sep):
        raise Problem(400, f"sep {quoted(sep)} cannot separate fields: give one "
                      "character such as , ; | or tab (a letter, a digit, a quote or a line "
                      "end cannot)")  # fmt: skip
    if encoding is not None:
        _check_encoding(encoding)
    if date_format is not None and not _matches(DATE_FORMAT_PATTERN, date_format, 40):
        raise Problem(400, f"date_format {quoted(date_format)} does not give a whole "
                      "date (e.g. %d/%m/%Y)")  # fmt: skip
    for item in column_map or ():
        if not _matches(MAP_PATTERN, item, 200):
            raise Problem(400, f"map wants NAME=field, e.g. Record ID=record_id, not "
                          f"{quoted(item)}")  # fmt: skip
    try:
        from marsad.ingest import reporters

        if date_format is not None:
            reporters.check_date_format(date_format)
        if column_map:
            reporters.parse_map(column_map)
    except BadArgument as exc:
        raise Problem(400, web_words(str(exc))) from None
    return UploadOptions(
        decimal=decimal,
        sep=sep,
        encoding=encoding,
        sheet=sheet,
        date_format=date_format,
        map=tuple(column_map or ()),
    )


def _matches(pattern: str, text: str, longest: int) -> bool:
    return len(text) <= longest and re.fullmatch(pattern, text) is not None


def _check_encoding(encoding: str) -> None:
    """A 400 unless ``encoding`` names a text codec (``base64`` is a codec, not one)."""
    try:
        text = re.fullmatch(ENCODING_PATTERN, encoding) and codecs.lookup(encoding)
    except LookupError:
        text = None
    if not text or not text._is_text_encoding:  # type: ignore[attr-defined]
        raise Problem(400, f"encoding {quoted(encoding)} is not an encoding: e.g. utf-8, cp1252, "
                      "latin-1")  # fmt: skip


def web_words(line: str) -> str:
    """``line`` with ``marsad ingest``'s options named as the upload's parameters
    (``--decimal ,`` as ``decimal=,``, ``--date-format`` as ``date_format``), up to a
    ``marsad`` command it suggests, left as the server's shell would run it.

    >>> web_words("state --decimal , to read this file with ',', or change the "
    ...           "reporter's with marsad reporters set BK01 --decimal ,")
    "state decimal=, to read this file with ',', or change the reporter's with marsad reporters set BK01 --decimal ,"
    >>> web_words("(state the file's encoding with --encoding, e.g. --encoding cp1252)")
    "(state the file's encoding with encoding, e.g. encoding=cp1252)"
    >>> web_words("--map wants NAME=field, e.g. 'Record ID=record_id', not 'x'")
    "map wants NAME=field, e.g. 'Record ID=record_id', not 'x'"
    """  # noqa: E501
    found = _COMMAND.search(line)
    head, tail = (line[: found.start()], line[found.start() :]) if found else (line, "")
    return _OPTION.sub(_named, _SETTING_ONLY.sub("", head)) + tail


def _named(match: re.Match[str]) -> str:
    name, value = PARAMETERS[match["name"]], match["value"]
    if value is None:
        return name
    if value[0] not in "'\".," and match["name"] != "encoding":
        return f"{name} {value}"  # a word after the option, not its value
    return f"{name}={value}"
