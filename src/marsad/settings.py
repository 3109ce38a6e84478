"""One settings class for the whole project.

Every setting has a default that works on a laptop and can be set by an
environment variable with the ``MARSAD_`` prefix (e.g. ``MARSAD_WAREHOUSE``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    AliasChoices,
    ByteSize,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from marsad.errors import BadArgument

if TYPE_CHECKING:
    from marsad.protect.primary import SdcRule


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
        ge=0,
        le=6,
        description="Decimals kept for percentages in the indicator table, 0 to 6 (e.g. 4 "
        "gives 3.4971).",
    )
    provisional_from: int | None = Field(
        default=None,
        ge=1000,
        le=9999,
        description="First year whose figures are provisional (obs_status P); "
        "earlier years are final (A). Default: every year is provisional.",
    )
    final_after_months: int = Field(
        default=12,
        ge=0,
        le=1200,
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
        ge=0,
        le=3660,
        description="Oldest exchange rate the build carries forward, in days before a "
        "record's value date (e.g. 7: a Monday takes the previous Friday's rate, a "
        "week of holidays still converts); a record whose latest rate is older stops "
        "the build, as a record with no rate does.",
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
        ge=0,
        le=1200,
        description="Without MARSAD_EXPECTED_REPORTERS, a reporter is expected in a month "
        "when it delivered within this many months before or after it, and not before its "
        "first delivery (e.g. 3).",
    )

    @field_validator("expected_reporters", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """``BK01, BK02`` -> ``["BK01", "BK02"]`` (blanks dropped)."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    # -- ingest ------------------------------------------------------------------
    memory_limit: str = Field(
        default="4GB",
        description="Memory DuckDB may hold in any command (e.g. 2GB); beyond it DuckDB "
        "spills to disk beside the warehouse, so loads and builds of any size run in bounded "
        "memory (measured: a 10M-row, 559 MB file peaks at 4.3 GB unbounded, 1.3 GB at 1GB). "
        "The ingest flag --memory-limit overrides it for a load.",
    )
    temp_dir: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("MARSAD_TEMP_DIR", "MARSAD_TMP"),
        description="Folder for the temporary copies a load makes (text files transcoded to "
        "UTF-8, e.g. /scratch); default the system's temporary folder. MARSAD_TMP is "
        "also read.",
    )
    min_value_date: dt.date = Field(
        default=dt.date(2000, 1, 1),
        description="Earliest date accepted in loaded files (e.g. 2015-01-01); earlier "
        "rows are quarantined (rule date_range). The --min-date flag overrides it.",
    )
    max_value_date: dt.date | None = Field(
        default=None,
        description="Latest date accepted in loaded files (e.g. 2025-12-31); default today. "
        "The --max-date flag overrides it.",
    )
    batch_bytes: ByteSize = Field(
        default=ByteSize(256 * 1024 * 1024),
        gt=0,
        description="Files of one load are checked together and written in one transaction "
        "per batch of about this size (e.g. 256MiB); a larger file is a batch of its own.",
    )
    max_amount: int = Field(
        default=10**14,
        gt=0,
        le=10**14,
        description="Amounts (original currency) must be below this (e.g. 1000000000000 to "
        "quarantine any amount of a trillion or more); larger ones are quarantined (rule "
        "too_large). Default and highest value 10^14, so that amount x rate (rates below "
        "10^6 MAD per unit) can never overflow the build's exact decimals.",
    )
    home_country: str = Field(
        default="MA",
        min_length=2,
        max_length=2,
        description="ISO 3166-1 alpha-2 code of the reporting economy (e.g. MA): a record "
        "with this partner country is a resident, not an export or import, and is "
        "quarantined (rule resident).",
    )
    user: str = Field(
        default_factory=lambda: _login_name(),
        description="Who waives quarantined rows or withdraws loads, as recorded in the "
        "warehouse (e.g. a.benali); default the login name.",
    )
    header_search_rows: int = Field(
        default=50,
        ge=1,
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
    release_date: dt.date | None = Field(
        default=None,
        description="Date of publication, written YYYY-MM-DD (e.g. 2025-10-15); default "
        "none, and no date is shown.",
    )
    next_release_date: dt.date | None = Field(
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
        gt=0,
        description="Most observations one answer may hold: a JSON page of the API (a "
        "larger limit is a 400), one CSV or SDMX answer (a query matching more is refused, "
        "413, with a way to narrow it or download the whole table).",
    )
    api_page_size: int = Field(
        default=1_000,
        gt=0,
        description="Observations per page of GET /api/v1/observations when no limit is "
        "given (a page's limit may go up to MARSAD_API_MAX_ROWS).",
    )

    # -- disclosure control: confidential, never shown -------------------------
    sdc_min_contributors: int = Field(
        default=3,
        repr=False,
        description="Primary confidentiality, minimum frequency rule: a level cell with fewer "
        "contributors (enterprise groups) is withheld. Confidential: shown in no output.",
    )
    sdc_p: Decimal = Field(
        default=Decimal(10),
        repr=False,
        description="Primary confidentiality, p% rule (percent, 0 < p <= 100): a cell is "
        "withheld when its total less its two largest contributions is below p% of the "
        "largest. Confidential: shown in no output, log or error.",
    )

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
        message = first["msg"] if name not in CONFIDENTIAL else "not a valid value"
        raise BadArgument(f"setting MARSAD_{name.upper()}: {message}") from None
