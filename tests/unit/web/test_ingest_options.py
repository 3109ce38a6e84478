"""The upload's read options: the CLI's rules, and its messages in the upload's words."""

from __future__ import annotations

import re
import string
from typing import get_args

import pytest
import typer

from marsad.cli.ingest import _separator
from marsad.errors import BadArgument
from marsad.ingest.marks import SEPARATOR_NAMES
from marsad.web.ingest_options import SEP_PATTERN, Decimal, UploadOptions, web_words


def _cli_takes(sep: str) -> bool:
    try:
        _separator(sep)
    except (BadArgument, typer.Exit, SystemExit):
        return False
    return True


@pytest.mark.parametrize("sep", [*string.printable, *SEPARATOR_NAMES, "ab", "TAB", "Pipe"])
def test_the_upload_takes_the_separators_the_command_takes(sep):
    """Every ASCII character and word the schema's pattern allows is one ``marsad ingest
    --sep`` takes, and each it refuses the command refuses (line ends, quotes, letters,
    digits): a request valid by the schema never makes a job that fails on its option.
    The upload refuses besides a vertical tab and a form feed, which separate no fields."""
    web = re.fullmatch(SEP_PATTERN, sep) is not None
    cli = _cli_takes(sep) and sep not in "\x0b\x0c"
    # (a name in another case, TAB: the command's words; the schema lists them in lower case)
    assert web == (cli and sep == sep.lower()), repr(sep)


@pytest.mark.parametrize("decimal", get_args(Decimal))
def test_the_upload_takes_the_decimal_marks_the_command_takes(decimal):
    """``sep=semicolon`` was taken but ``decimal=comma`` refused: every value of the
    schema's enum is one ``marsad ingest --decimal`` and ``reporters set`` take, as the
    mark it names; the names of the mark are all in the enum."""
    from marsad.ingest.marks import DECIMAL_NAMES
    from marsad.ingest.reporters import check_decimal

    assert check_decimal(decimal) in (".", ",")
    assert set(DECIMAL_NAMES) <= set(get_args(Decimal))
    assert UploadOptions(decimal=decimal).args() == [f"--decimal={decimal}"]


@pytest.mark.parametrize(
    ("said", "worded"),
    [("state --decimal , to read this file with ','", "state decimal=, to read this file with ','"),
     ("the decimal mark cannot be told from the data: state --decimal",
      "the decimal mark cannot be told from the data: state decimal"),
     ("(this file uses a decimal comma: state --decimal . if not)",
      "(this file uses a decimal comma: state decimal=. if not)"),
     ("(state the file's encoding with --encoding, e.g. --encoding cp1252)",
      "(state the file's encoding with encoding, e.g. encoding=cp1252)"),
     ("it is not a text (CSV) file (if it is UTF-16 text, state --encoding utf-16-le); Excel",
      "it is not a text (CSV) file (if it is UTF-16 text, state encoding=utf-16-le); Excel"),
     ("(load it with --sheet 'Hidden 1' if it holds data)",
      "(load it with sheet='Hidden 1' if it holds data)"),
     ("state the reading option that was wrong: --decimal, --sep, --encoding, "
      "--date-format, --map)",
      "state the reading option that was wrong: decimal, sep, encoding, date_format, map)"),
     ("--map wants NAME=field, e.g. 'Record ID=record_id', not 'x'",
      "map wants NAME=field, e.g. 'Record ID=record_id', not 'x'"),
     ("the earliest date accepted (--min-date or MARSAD_MIN_VALUE_DATE, 2025-01-01) is after "
      "the latest (--max-date or MARSAD_MAX_VALUE_DATE, 2024-01-01)",
      "the earliest date accepted (MARSAD_MIN_VALUE_DATE, 2025-01-01) is after "
      "the latest (MARSAD_MAX_VALUE_DATE, 2024-01-01)"),
     ("or change the reporter's with marsad reporters set BK01 --decimal ,",
      "or change the reporter's with marsad reporters set BK01 --decimal ,"),
     ("  see them with: marsad quarantine show L00003",
      "  see them with: marsad quarantine show L00003"),
     ("marsad: error: f.csv: no --kind", "marsad: error: f.csv: no --kind")],
)  # fmt: skip
def test_the_commands_options_are_named_as_the_uploads(said, worded):
    """What ``marsad ingest`` says of its options (ingest's messages, as they are
    written), in the words of the upload's parameters; a ``marsad`` command it suggests
    is left as the server's shell runs it."""
    assert web_words(said) == worded


def test_each_option_is_passed_with_its_value_attached():
    """A value starting with ``-`` (a sheet named ``-1``, ``--warehouse``) stays a value."""
    args = UploadOptions(sheet="--warehouse", sep="tab", map=("A=amount", "B=currency")).args()
    assert args == ["--sep=tab", "--sheet=--warehouse", "--map=A=amount", "--map=B=currency"]
