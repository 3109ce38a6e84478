"""Numeric settings outside a sensible range are refused as one plain line, exit 2."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ByteSize
from typer.testing import CliRunner

from marsad.cli import app
from marsad.engine import Warehouse
from marsad.errors import BadArgument
from marsad.settings import CONFIDENTIAL, RANGES, Settings, get_settings

#: The types of a numeric setting; ``memory_limit`` is a size held as DuckDB's text.
_NUMERIC = (int, int | None, Decimal, Decimal | None, ByteSize, ByteSize | None)


def _numeric_settings() -> set[str]:
    return {name for name, f in Settings.model_fields.items() if f.annotation in _NUMERIC} | {
        "memory_limit"
    }


def test_every_numeric_setting_has_a_range():
    """A new numeric setting without a range in ``RANGES`` fails here."""
    assert _numeric_settings() <= set(RANGES), _numeric_settings() - set(RANGES)
    assert set(RANGES) <= set(Settings.model_fields)


def _bad_values(name: str) -> list[tuple[str, str]]:
    """(value, why) a setting must refuse: out of range either side, not a number,
    empty, other digits than 0-9, huge, exponent."""
    rule = RANGES[name]
    if rule.kind == "size":
        below = f"{rule.low - 1}B" if rule.low > 1 else "0"
        return [
            (below, "below"), ("99999999TB", "above"), ("lots", "not a number"),
            ("", "empty"), ("   ", "blank"), ("\u0663GB", "Arabic-Indic digit"),
            ("\u0664\u0660GB", "Arabic-Indic digits"), ("-1", "negative"), ("1e400", "exponent"),
            ("9" * 40 + "TB", "huge"), ("4 GB extra", "trailing words"),
        ]  # fmt: skip
    below = str(rule.low) if rule.low_open else str(rule.low - 1)
    return [
        (below, "below"), (str(rule.high + 1), "above"), ("abc", "not a number"),
        ("", "empty"), ("   ", "blank"), ("\u0663", "Arabic-Indic digit"),
        ("\u06f5", "Persian digit"), ("1e400", "exponent"), ("inf", "infinity"),
        ("nan", "not a number"), ("9" * 40, "huge"), ("-" + "9" * 40, "huge negative"),
        ("0x10", "hexadecimal"), ("1_000", "underscores"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [(name, value, why) for name in sorted(RANGES) for value, why in _bad_values(name)],
)
def test_every_numeric_setting_refuses_what_is_not_in_its_range(monkeypatch, name, value, why):
    """One validation path for every numeric setting: MARSAD_SDC_P took -1, 1e400 and
    an Arabic-Indic three, MARSAD_SDC_MIN_CONTRIBUTORS -1, MARSAD_BATCH_BYTES an
    Arabic-Indic three, MARSAD_MEMORY_LIMIT 1KB (DuckDB then crashed)."""
    monkeypatch.setenv(f"MARSAD_{name.upper()}", value)
    with pytest.raises(BadArgument, match=f"^setting MARSAD_{name.upper()}: ") as caught:
        get_settings()
    message = str(caught.value)
    assert "\n" not in message
    if name in CONFIDENTIAL and value.strip():
        said = message.removeprefix(f"setting MARSAD_{name.upper()}: ").split(": give")[0]
        assert value.strip() not in said


@pytest.mark.parametrize("name", sorted(RANGES))
def test_every_numeric_setting_takes_its_bounds(monkeypatch, name):
    rule = RANGES[name]
    unit = "B" if rule.kind == "size" else ""
    low = rule.low + (1 if rule.low_open else 0)
    for value in (low, rule.high):
        monkeypatch.setenv(f"MARSAD_{name.upper()}", f"{value}{unit}")
        got = getattr(get_settings(), name)
        assert got == (f"{value}B" if name == "memory_limit" else value)


@pytest.mark.parametrize("value", ["-1", "\u0663", "1e400", "99999999999999999999", "0"])
@pytest.mark.parametrize("command", [["coverage"], ["build"]])
def test_sdc_p_out_of_range_is_one_line_that_does_not_repeat_it(
    monkeypatch, tmp_path, command, value
):
    Warehouse(tmp_path / "w.duckdb").close()
    monkeypatch.setenv("MARSAD_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("MARSAD_SDC_P", value)
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("marsad: error: setting MARSAD_SDC_P: ")
    said = last.removeprefix("marsad: error: setting MARSAD_SDC_P: ").split(": give")[0]
    assert said in ("out of range", "not a number written in digits 0-9")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PERCENT_DECIMALS", "99"),
        ("PERCENT_DECIMALS", "-1"),
        ("PROVISIONAL_FROM", "-5"),
        ("FINAL_AFTER_MONTHS", "99999999999999999999"),
        ("RATE_MAX_AGE_DAYS", "100000000000"),
        ("COVERAGE_WINDOW", "99999999999"),
        ("BATCH_BYTES", "0"),
        ("HEADER_SEARCH_ROWS", "-3"),
        ("HEADER_SEARCH_ROWS", "0"),
    ],
)
def test_a_numeric_setting_out_of_range_is_refused(monkeypatch, name, value):
    """MARSAD_PERCENT_DECIMALS=99 crashed the build with decimal.InvalidOperation and
    -1 published shares rounded to tens (70, 30); other settings took negative or huge
    values that meant nothing."""
    monkeypatch.setenv(f"MARSAD_{name}", value)
    with pytest.raises(BadArgument, match=f"^setting MARSAD_{name}: "):
        get_settings()


@pytest.mark.parametrize("value", ["0", "6"])
def test_percent_decimals_within_range_are_accepted(monkeypatch, value):
    monkeypatch.setenv("MARSAD_PERCENT_DECIMALS", value)
    assert get_settings().percent_decimals == int(value)


@pytest.mark.parametrize(
    "command", [["build"], ["bulletin", "--period", "2024", "--out", "b.html"]]
)
def test_build_and_bulletin_refuse_percent_decimals_99_in_one_line(monkeypatch, tmp_path, command):
    Warehouse(tmp_path / "w.duckdb").close()
    monkeypatch.setenv("MARSAD_PERCENT_DECIMALS", "99")
    monkeypatch.setenv("MARSAD_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1] == (
        "marsad: error: setting MARSAD_PERCENT_DECIMALS: out of range (99): "
        "give a whole number from 0 to 6"
    )


@pytest.mark.parametrize(
    ("value", "said"),
    [("/nonexistent", "does not exist"), ("/etc/passwd", "is a file, not a folder"),
     ("", "is empty"), ("   ", "is empty")],
)  # fmt: skip
@pytest.mark.parametrize("variable", ["MARSAD_TEMP_DIR", "MARSAD_TMP"])
def test_a_temp_dir_that_cannot_be_used_is_one_plain_line(
    monkeypatch, tmp_path, variable, value, said
):
    """MARSAD_TEMP_DIR=/nonexistent (or a file) crashed ingest: FileNotFoundError, exit 70."""
    monkeypatch.delenv("MARSAD_TEMP_DIR", raising=False)
    monkeypatch.setenv(variable, value)
    (tmp_path / "r.csv").write_text("x\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["ingest", "--kind", "rates", "--warehouse", str(tmp_path / "w.duckdb"),
              str(tmp_path / "r.csv")],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("marsad: error: setting MARSAD_TEMP_DIR: ") and said in last
    assert "Traceback" not in result.output


def test_a_usable_temp_dir_is_taken(monkeypatch, tmp_path):
    monkeypatch.setenv("MARSAD_TEMP_DIR", str(tmp_path))
    assert get_settings().temp_dir == tmp_path


@pytest.mark.parametrize("value", ["/etc/passwd", ""])
def test_a_releases_dir_that_is_a_file_or_empty_is_refused(monkeypatch, value):
    monkeypatch.setenv("MARSAD_RELEASES_DIR", value)
    with pytest.raises(BadArgument, match=r"^setting MARSAD_RELEASES_DIR: "):
        get_settings()


@pytest.mark.parametrize(("value", "code"), [("MA", "MA"), ("ma", "MA"), (" tn ", "TN")])
def test_home_country_is_read_in_any_case_as_the_files_codes(monkeypatch, value, code):
    monkeypatch.setenv("MARSAD_HOME_COUNTRY", value)
    assert get_settings().home_country == code


@pytest.mark.parametrize("value", ["XX", "", "MAR", "M", "\u0645\u0627"])
def test_home_country_not_in_the_iso_list_is_refused(monkeypatch, value):
    monkeypatch.setenv("MARSAD_HOME_COUNTRY", value)
    with pytest.raises(BadArgument, match=r"^setting MARSAD_HOME_COUNTRY: .* ISO 3166-1"):
        get_settings()


@pytest.mark.parametrize(
    ("value", "said"),
    [(",,,", "names no reporter"), (" , ", "names no reporter"),
     ("BK01,,BK02", "has an empty code"), ("BK01,BK02,", "has an empty code"),
     ("BK01, BK01", "names BK01 more than once")],
)  # fmt: skip
def test_expected_reporters_naming_none_or_one_twice_are_refused(monkeypatch, value, said):
    """MARSAD_EXPECTED_REPORTERS=",,," silently meant no reporter expected."""
    monkeypatch.setenv("MARSAD_EXPECTED_REPORTERS", value)
    with pytest.raises(BadArgument, match=f"^setting MARSAD_EXPECTED_REPORTERS: {said}"):
        get_settings()


@pytest.mark.parametrize("value", ["", "  "])
def test_blank_expected_reporters_are_as_unset(monkeypatch, value):
    """A blank value is the variable unset (``release verify`` sets it so for a release
    made without it, and env files write ``MARSAD_EXPECTED_REPORTERS=``)."""
    monkeypatch.setenv("MARSAD_EXPECTED_REPORTERS", value)
    assert get_settings().expected_reporters == []


def test_expected_reporters_are_kept_as_written_as_ingest_keeps_reporter_codes(monkeypatch):
    """Ingest keeps a reporter code as the file writes it (trimmed): bk02 and BK02 are
    two reporters there, so they are here."""
    monkeypatch.setenv("MARSAD_EXPECTED_REPORTERS", " BK01 ,bk02,BK02")
    assert get_settings().expected_reporters == ["BK01", "bk02", "BK02"]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("LOCAL[2]", "local[2]"),
        (" Local[*] ", "local[*]"),
        ("SPARK://Host-1:7077", "spark://Host-1:7077"),
        ("YARN", "yarn"),
        ("spark://a:7077", "spark://a:7077"),
    ],
)
def test_a_spark_master_is_read_with_its_scheme_in_any_case(monkeypatch, written, read):
    """Spark reads a master's scheme in lower case only (``LOCAL[2]`` was refused with
    ``Could not parse Master URL``): the setting takes it in any case, the host as is."""
    monkeypatch.setenv("MARSAD_SPARK_MASTER", written)
    assert Settings().spark_master == read
