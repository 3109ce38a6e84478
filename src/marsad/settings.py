"""One settings class for the whole project.

Every setting has a default that works on a laptop and can be set by an
environment variable with the ``MARSAD_`` prefix (e.g. ``MARSAD_WAREHOUSE``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import AliasChoices, ByteSize, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
        description="Decimals kept for percentages in the indicator table (e.g. 4 gives 3.4971).",
    )
    provisional_from: int | None = Field(
        default=None,
        description="First year whose figures are provisional (obs_status P); "
        "earlier years are final (A). Default: every year is provisional.",
    )
    rate_max_age_days: int = Field(
        default=7,
        ge=0,
        description="Oldest exchange rate the build carries forward, in days before a "
        "record's value date (e.g. 7: a Monday takes the previous Friday's rate, a "
        "week of holidays still converts); a record whose latest rate is older stops "
        "the build, as a record with no rate does.",
    )

    # -- ingest ------------------------------------------------------------------
    memory_limit: str = Field(
        default="4GB",
        description="Memory DuckDB may hold while loading files (e.g. 2GB); beyond it the "
        "staged rows spill to disk, so a file of any size loads in bounded memory "
        "(measured: a 10M-row, 559 MB file peaks at 4.3 GB unbounded, 1.3 GB at 1GB). "
        "The --memory-limit flag overrides it.",
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
        description="Files of one load are checked together and written in one transaction "
        "per batch of about this size (e.g. 256MiB); a larger file is a batch of its own.",
    )
    header_search_rows: int = Field(
        default=50,
        description="Rows searched for the header row at the top of a file (e.g. 50).",
    )


def get_settings() -> Settings:
    """Return the settings as set now in the environment."""
    return Settings()
