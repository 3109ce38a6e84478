"""One settings class for the whole project.

Every setting has a default that works on a laptop and can be set by an
environment variable with the ``MARSAD_`` prefix (e.g. ``MARSAD_WAREHOUSE``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    AliasChoices,
    ByteSize,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from marsad.dates import IsoDate
from marsad.errors import BadArgument

if TYPE_CHECKING:
    from marsad.protect.primary import SdcRule


@dataclass(frozen=True)
class Range:
    """The values a numeric setting may take: ``kind`` ``int`` (a whole number),
    ``decimal`` or ``size`` (bytes, written with a unit: 64MB, 4GiB), from ``low``
    (excluded when ``low_open``) to ``high``. Written in ASCII digits only: ``٣``
    (an Arabic-Indic three), ``1e400``, ``inf`` or ``''`` are refused, as are values
    out of range, in one plain line that never repeats a confidential value."""

    kind: Literal["int", "decimal", "size"]
    low: int | Decimal
    high: int
    low_open: bool = False

    def words(self) -> str:
        """What to give, e.g. ``a whole number from 0 to 6``."""
        if self.kind == "size":
            return f"a size from {_size_words(self.low)} to {_size_words(self.high)} (e.g. 4GB)"
        what = "a whole number" if self.kind == "int" else "a number"
        if self.low_open:
            return f"{what} above {self.low} and at most {self.high}"
        return f"{what} from {self.low} to {self.high}"


_MB, _GB, _TB = 1000**2, 1000**3, 1000**4

#: Every numeric setting and its range: one validation path for all of them
#: (``tests/unit/test_settings_ranges.py`` fails for a numeric setting not listed).
RANGES: dict[str, Range] = {
    "percent_decimals": Range("int", 0, 6),
    "provisional_from": Range("int", 1000, 9999),
    "final_after_months": Range("int", 0, 1200),
    "rate_max_age_days": Range("int", 0, 3660),
    "rate_spike_factor": Range("decimal", Decimal("1.1"), 1000),
    "coverage_window": Range("int", 0, 1200),
    "memory_limit": Range("size", 64 * _MB, 1000 * _TB),
    "batch_bytes": Range("size", 1, _TB),
    "max_amount": Range("int", 1, 10**14),
    "header_search_rows": Range("int", 1, 100_000),
    "api_max_rows": Range("int", 1, 10_000_000),
    "api_page_size": Range("int", 1, 10_000_000),
    "sdc_min_contributors": Range("int", 1, 1000),
    "sdc_p": Range("decimal", 0, 100, low_open=True),
}

_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?", re.ASCII)
_SIZE = re.compile(r"([0-9]+(?:\.[0-9]+)?) ?([A-Za-z]*)", re.ASCII)
#: The units of a size, as DuckDB reads them (any case).
_UNITS = {
    "": 1, "b": 1, "kb": 1000, "mb": _MB, "gb": _GB, "tb": _TB,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}  # fmt: skip


def _size_words(n: int) -> str:
    for unit, size in (("TB", _TB), ("GB", _GB), ("MB", _MB), ("KB", 1000)):
        if n >= size and n % size == 0:
            return f"{n // size}{unit}"
    return "1 byte" if n == 1 else f"{n} bytes"


def read_number(name: str, value: object) -> object:
    """``value`` of the numeric setting ``name`` (a key of :data:`RANGES`) checked:
    a string must be ASCII digits (a size, digits and a unit) within the range. Raises
    :class:`ValueError` with a message that repeats no confidential value.

    >>> read_number("percent_decimals", "4"), read_number("memory_limit", "2GB")
    (4, '2GB')
    >>> read_number("sdc_p", "1e400")
    Traceback (most recent call last):
    ...
    ValueError: not a number written in digits 0-9: give a number above 0 and at most 100
    """
    rule = RANGES[name]
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip()
    number, unit = _parse_number(text, rule)
    too_low = number <= rule.low if rule.low_open else number < rule.low
    if too_low or number > rule.high:
        shown = "" if name in CONFIDENTIAL else f" ({text})"
        raise ValueError(f"out of range{shown}: give {rule.words()}")
    if rule.kind == "decimal":
        return number
    if name == "memory_limit":  # DuckDB wants a unit
        return text if unit else f"{text}B"
    return int(number)


def _parse_number(text: str, rule: Range) -> tuple[Decimal, str]:
    """(the value, its unit) of ``text`` written as ``rule`` says, else :class:`ValueError`."""
    if not text:
        raise ValueError(f"is empty: give {rule.words()}, or unset it")
    if rule.kind == "size":
        match = _SIZE.fullmatch(text)
        if not match or match[2].lower() not in _UNITS:
            raise ValueError(f"not a size written in digits 0-9 and a unit: give {rule.words()}")
        return Decimal(match[1]) * _UNITS[match[2].lower()], match[2]
    if not _NUMBER.fullmatch(text):
        raise ValueError(f"not a number written in digits 0-9: give {rule.words()}")
    number = Decimal(text)
    if rule.kind == "int" and number != number.to_integral_value():
        raise ValueError(f"not a whole number: give {rule.words()}")
    return number, ""


class Settings(BaseSettings):
    """Settings read from the environment (prefix ``MARSAD_``)."""

    model_config = SettingsConfigDict(env_prefix="MARSAD_", extra="ignore")

    warehouse: Path = Field(
        default=Path("marsad.duckdb"),
        description="DuckDB warehouse file (e.g. data/marsad.duckdb); "
        "default marsad.duckdb in the current directory.",
    )
    percent_decimals: int = Field(
        default=4,
        description="Decimals kept for percentages in the indicator table, 0 to 6 (e.g. 4 "
        "gives 3.4971).",
    )
    provisional_from: int | None = Field(
        default=None,
        description="First year whose figures are provisional (obs_status P); "
        "earlier years are final (A). Default: every year is provisional.",
    )
    final_after_months: int = Field(
        default=12,
        description="Revision policy: a period's figures are provisional (obs_status P) when "
        "first published and final (A) once the build's last complete month is at least this "
        "many months after the period's end (e.g. 12: the year 2024 becomes final with the "
        "data of December 2025, its first half with those of June 2025).",
    )
    releases_dir: Path | None = Field(
        default=None,
        description="Folder holding the frozen releases, one folder per release id (e.g. "
        "/data/releases); default releases/ beside the warehouse file.",
    )
    rate_max_age_days: int = Field(
        default=7,
        description="Oldest exchange rate the build carries forward, in days before a "
        "record's value date (e.g. 7: a Monday takes the previous Friday's rate, a "
        "week of holidays still converts); a record whose latest rate is older stops "
        "the build, as a record with no rate does.",
    )
    rate_spike_factor: Decimal = Field(
        default=Decimal("1.5"),
        description="Plausibility of exchange rates (1.1 to 1000): a rate at least this "
        "many times above both rates beside it in date (the previous and the next of its "
        "currency, in the file or the warehouse), or as many times below both, is an "
        "isolated spike and is quarantined (rule implausible; e.g. 1.5 catches EUR 108.5 "
        "for 10.85, a decimal point shifted, and lets a devaluation through: it agrees "
        "with the rates after it).",
    )

    # -- coverage: which months are complete ------------------------------------
    expected_reporters: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Reporters (banks) expected to deliver every month, comma-separated "
        "(e.g. BK01,BK02,BK03); a month is complete when each has delivered records or a "
        "nil return. Default: those active within MARSAD_COVERAGE_WINDOW months.",
    )
    coverage_window: int = Field(
        default=3,
        description="Without MARSAD_EXPECTED_REPORTERS, a reporter is expected in a month "
        "when it delivered within this many months before or after it, and not before its "
        "first delivery (e.g. 3).",
    )
    today: IsoDate | None = Field(
        default=None,
        description="The day the build takes as today, YYYY-MM-DD (e.g. 2026-12-02); "
        "default the machine's date. A month is complete only once it is over (its last "
        "day before this one). Each release records the day it was made with, and "
        "release verify rebuilds it with that day.",
    )

    @field_validator("engine", mode="before")
    @classmethod
    def _engine_any_case(cls, value: object) -> object:
        """``SPARK``, ``DuckDB`` -> ``spark``, ``duckdb`` (as ``--format XLSX``)."""
        return value.lower() if isinstance(value, str) else value

    @field_validator("spark_master", mode="before")
    @classmethod
    def _master_scheme_any_case(cls, value: object) -> object:
        """``LOCAL[2]``, ``Spark://host:7077`` -> ``local[2]``, ``spark://host:7077``:
        the scheme in lower case, as Spark reads only that (it refused ``LOCAL[2]`` with
        ``Could not parse Master URL``); the host and the rest as written. Spaces at the
        ends are trimmed.

        >>> Settings(spark_master=" LOCAL[*] ").spark_master
        'local[*]'
        """
        if not isinstance(value, str):
            return value
        value = value.strip()
        for scheme in ("local", "spark://", "yarn", "k8s://", "mesos://"):
            if value.lower().startswith(scheme):
                return scheme + value[len(scheme) :]
        return value

    @field_validator("expected_reporters", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """``BK01, BK02`` -> ``["BK01", "BK02"]``, as written: a reporter code is read as
        it is in the files (``bk02`` and ``BK02`` are two reporters), only trimmed.
        A blank value is no list, as when unset; one of commas only (``,,,``), an empty
        code between commas or a code twice is refused."""
        if isinstance(value, str) and not value.strip():
            return []
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",")]
            value = [part for part in parts if part]
            if not value:
                raise ValueError(
                    "names no reporter: give codes separated by commas (e.g. BK01,BK02), "
                    "or unset it"
                )
            if len(value) != len(parts):
                raise ValueError("has an empty code between commas: write e.g. BK01,BK02")
        if isinstance(value, list):
            twice = sorted({code for code in value if value.count(code) > 1})
            if twice:
                raise ValueError(f"names {', '.join(twice)} more than once")
        return value

    # -- ingest ------------------------------------------------------------------
    memory_limit: str = Field(
        default="4GB",
        description="Memory DuckDB may hold in any command (e.g. 2GB; 64MB to 1000TB); beyond "
        "it DuckDB spills to disk beside the warehouse, so loads and builds of any size run "
        "in bounded memory (measured: a 10M-row, 559 MB file peaks at 4.3 GB unbounded, "
        "1.3 GB at 1GB). The ingest flag --memory-limit overrides it for a load.",
    )
    temp_dir: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("MARSAD_TEMP_DIR", "MARSAD_TMP"),
        description="Folder for the temporary copies a load makes (text files transcoded to "
        "UTF-8, e.g. /scratch); default the system's temporary folder. MARSAD_TMP is "
        "also read.",
    )
    min_value_date: IsoDate = Field(
        default=dt.date(2000, 1, 1),
        description="Earliest date accepted in loaded files, YYYY-MM-DD (e.g. 2015-01-01); "
        "earlier rows are quarantined (rule date_range). The --min-date flag overrides it.",
    )
    max_value_date: IsoDate | None = Field(
        default=None,
        description="Latest date accepted in loaded files, YYYY-MM-DD (e.g. 2025-12-31); "
        "default today. The --max-date flag overrides it.",
    )
    batch_bytes: ByteSize = Field(
        default=ByteSize(256 * 1024 * 1024),
        description="Files of one load are checked together and written in one transaction "
        "per batch of about this size (e.g. 256MiB; a Parquet file counted as its values "
        "would be as text, about 7 bytes each); a larger file is a batch of its own.",
    )
    max_amount: int = Field(
        default=10**14,
        description="Amounts (original currency) must be below this (e.g. 1000000000000 to "
        "quarantine any amount of a trillion or more); larger ones are quarantined (rule "
        "too_large). Default and highest value 10^14, so that amount x rate (rates below "
        "10^6 MAD per unit) can never overflow the build's exact decimals.",
    )
    home_country: str = Field(
        default="MA",
        min_length=2,
        max_length=2,
        description="ISO 3166-1 alpha-2 code of the reporting economy (e.g. MA, in any case): "
        "a record with this partner country is a resident, not an export or import, and is "
        "quarantined (rule resident).",
    )
    user: str = Field(
        default_factory=lambda: _login_name(),
        description="Who waives quarantined rows or withdraws loads, as recorded in the "
        "warehouse (e.g. a.benali); default the login name.",
    )
    header_search_rows: int = Field(
        default=50,
        description="Rows searched for the header row at the top of a file (e.g. 50).",
    )

    # -- the engine of the build's heavy steps (classify, convert, cube) ---------------
    engine: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        description="Engine of the build's heavy steps: duckdb (in the process) or spark "
        "(pip install 'marsad[spark]', Java 17); both read the same Parquet record store "
        "and give identical results. marsad build --engine overrides it.",
    )
    spark_master: str = Field(
        default="local[*]",
        min_length=1,
        description="Spark master of the spark engine: local[*] (every core of this "
        "machine), local[2], or a cluster such as spark://host:7077 (its executors must "
        "see the record store at the same path).",
    )

    # -- publication: shown in the bulletin's header and footer, and the data files ---
    publisher: str = Field(
        default="marsad",
        description="Who publishes the bulletin and the data files, as shown in their "
        "header (e.g. Office des Changes).",
    )
    contact: str = Field(
        default="",
        description="Where readers write with questions (e.g. statistiques@oc.gov.ma); "
        "default none, and no contact line is shown.",
    )
    release_date: IsoDate | None = Field(
        default=None,
        description="Date of publication, written YYYY-MM-DD (e.g. 2025-10-15); default "
        "none, and no date is shown.",
    )
    next_release_date: IsoDate | None = Field(
        default=None,
        description="Date of the next release, written YYYY-MM-DD (e.g. 2026-04-15); "
        "default none, and no date is shown.",
    )

    # -- the web (marsad serve) ------------------------------------------------
    admin: bool = Field(
        default=False,
        description="Enable the web's admin side (upload a file to ingest, build, create a "
        "release) under /api/v1/admin; it then needs MARSAD_ADMIN_TOKEN.",
    )
    admin_token: SecretStr | None = Field(
        default=None,
        repr=False,
        description="The admin side's bearer token (at least 16 characters, not a "
        "placeholder such as changeme); with admin enabled, marsad serve refuses to start "
        "without one. Secret: shown in no output.",
    )
    api_max_rows: int = Field(
        default=50_000,
        description="Most observations one answer may hold: a JSON page of the API (a "
        "larger limit is a 400), one CSV or SDMX answer (a query matching more is refused, "
        "413, with a way to narrow it or download the whole table).",
    )
    api_page_size: int = Field(
        default=1_000,
        description="Observations per page of GET /api/v1/observations when no limit is "
        "given (a page's limit may go up to MARSAD_API_MAX_ROWS).",
    )

    # -- disclosure control: confidential, never shown -------------------------
    sdc_min_contributors: int = Field(
        default=3,
        repr=False,
        description="Primary confidentiality, minimum frequency rule (1 to 1000): a level cell "
        "with fewer contributors (enterprise groups) is withheld. Confidential: shown in no "
        "output.",
    )
    sdc_p: Decimal = Field(
        default=Decimal(10),
        repr=False,
        description="Primary confidentiality, p% rule (percent, 0 < p <= 100): a cell is "
        "withheld when its total less its two largest contributions is below p% of the "
        "largest. Confidential: shown in no output, log or error.",
    )

    @field_validator(*RANGES, mode="before")
    @classmethod
    def _in_range(cls, value: object, info: ValidationInfo) -> object:
        """Every numeric setting: ASCII digits, within its range (:data:`RANGES`)."""
        return read_number(str(info.field_name), value)

    @field_validator("home_country", mode="before")
    @classmethod
    def _iso_country(cls, value: object) -> object:
        """An ISO 3166-1 alpha-2 code of the reference list, read in any case as the
        files' country codes are (``ma`` is ``MA``); ``XX`` is refused."""
        from marsad.reference import countries

        if isinstance(value, str):
            code = value.strip().upper()
            if code not in countries():
                raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (e.g. MA)")
            return code
        return value

    @field_validator("temp_dir", "releases_dir", mode="before")
    @classmethod
    def _not_blank(cls, value: object) -> object:
        """An empty path is refused (``Path("")`` would be the current folder)."""
        if isinstance(value, str) and not value.strip():
            raise ValueError("is empty: give a folder, or unset it")
        return value

    @field_validator("temp_dir", mode="after")
    @classmethod
    def _usable_folder(cls, value: Path | None) -> Path | None:
        """A folder that is there and can be written: a missing one or a file crashed
        the load (``FileNotFoundError``)."""
        if value is None:
            return value
        folder = value.expanduser()
        if not folder.exists():
            raise ValueError(f"{folder} does not exist: create the folder, or unset it")
        if not folder.is_dir():
            raise ValueError(f"{folder} is a file, not a folder")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ValueError(f"{folder} cannot be written (permission denied)")
        return folder

    @field_validator("releases_dir", mode="after")
    @classmethod
    def _a_folder(cls, value: Path | None) -> Path | None:
        """A folder, or a path where one can be made: not a file, not empty. Where it
        stands against the warehouse is checked by ``marsad.release.store.releases_root``."""
        if value is None:
            return value
        if value.expanduser().exists() and not value.expanduser().is_dir():
            raise ValueError(f"{value} is a file, not a folder")
        return value

    @model_validator(mode="after")
    def _next_release_after_this_one(self) -> Settings:
        first, then = self.release_date, self.next_release_date
        if first and then and then <= first:
            raise ValueError(
                "MARSAD_NEXT_RELEASE_DATE must come after MARSAD_RELEASE_DATE "
                f"({then} is not after {first})"
            )
        return self

    def sdc_rule(self) -> SdcRule:
        """The confidentiality parameters as the protection reads them."""
        from marsad.protect.primary import SdcRule

        try:
            return SdcRule(min_contributors=self.sdc_min_contributors, p=self.sdc_p)
        except ValueError as exc:
            raise BadArgument(str(exc)) from None


def _login_name() -> str:
    """The login name of the user running marsad (``unknown`` when there is none)."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


#: Settings whose value no message may repeat.
CONFIDENTIAL = frozenset({"sdc_p", "sdc_min_contributors", "admin_token"})


def get_settings() -> Settings:
    """Return the settings as set now in the environment.

    A value that cannot be read is a :class:`~marsad.errors.BadArgument` naming
    the variable (``MARSAD_PERCENT_DECIMALS: Input should be a valid integer``),
    never repeating a confidential value.
    """
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        if not first.get("loc"):  # a rule between settings: its message names them
            raise BadArgument(f"settings: {first['msg'].removeprefix('Value error, ')}") from None
        name = str(first["loc"][0])
        message = first["msg"].removeprefix("Value error, ")
        if name in CONFIDENTIAL and first["type"] != "value_error":  # ours repeat no value
            message = "not a valid value"
        variable = name if name.startswith("MARSAD_") else f"MARSAD_{name.upper()}"
        raise BadArgument(f"setting {variable}: {message}") from None
