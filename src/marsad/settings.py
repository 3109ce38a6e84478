"""One settings class for the whole project.

Every setting has a default that works on a laptop and can be set by an
environment variable with the ``MARSAD_`` prefix (e.g. ``MARSAD_WAREHOUSE``).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
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


def get_settings() -> Settings:
    """Return the settings as set now in the environment."""
    return Settings()
