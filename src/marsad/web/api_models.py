"""What the REST API answers, declared once so that its OpenAPI schema documents it.

Every value is an exact decimal string (``"13377000000.00"``), never a float; a withheld
or absent value is ``null``. The models describe the answers; the routes build the JSON
themselves (a page of observations is plain dictionaries, not thousands of models).

>>> Observation.model_json_schema()["properties"]["value"]["anyOf"][0]["type"]
'string'
"""

from __future__ import annotations

from pydantic import BaseModel, Field

#: A decimal value as the frozen public table writes it (e.g. ``13377000000.00``, ``-3.5``).
DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"


class Labels(BaseModel):
    """A name in French, English and Arabic (e.g. ``{"fr": "Part", "en": "Share", ...}``)."""

    fr: str = Field(description="French name.", examples=["Montant"])
    en: str = Field(description="English name.", examples=["Level"])
    ar: str = Field(description="Arabic name.", examples=["المبلغ"])


class Definition(BaseModel):
    """How an indicator is computed, in English and French."""

    en: str = Field(examples=["(level(t) / level(t-1y) - 1) x 100"])
    fr: str = Field(examples=["(montant(t) / montant(t-1 an) - 1) x 100"])


class IndicatorItem(BaseModel):
    """An indicator of the release (e.g. ``growth_yoy``, in percent)."""

    id: str = Field(description="The indicator's code, as in observations.", examples=["level"])
    labels: Labels
    unit: str = Field(description="Unit of its values (MAD, percent, ...).", examples=["MAD"])
    definition: Definition = Field(description="The formula, in English and French.")


class CodeItem(BaseModel):
    """A code present in the release, with its names (e.g. segment ``ITO``)."""

    code: str = Field(examples=["ITO"])
    labels: Labels


class PeriodItem(BaseModel):
    """A period present in the release and its frequency (e.g. ``2024-Q1``, ``Q``)."""

    period: str = Field(examples=["2024-Q1"])
    freq: str = Field(description="A annual, S half-year, Q quarter, M month.", examples=["Q"])


class IndicatorList(BaseModel):
    release: str = Field(description="The release answered.", examples=["2025-S1"])
    indicators: list[IndicatorItem]


class CodeList(BaseModel):
    """The codes of one dimension present in a release."""

    release: str = Field(description="The release answered.", examples=["2025-S1"])
    dimension: str = Field(description="segment, service or partner.", examples=["segment"])
    codes: list[CodeItem] = Field(description="The codes, sorted, with their names.")


class PeriodList(BaseModel):
    release: str = Field(description="The release answered.", examples=["2025-S1"])
    periods: list[PeriodItem] = Field(description="Years, then halves, quarters and months.")


class ReleaseLinks(BaseModel):
    """Where to read a release: paths on this server (e.g. ``/api/v1/releases/2025-S1``)."""

    self: str = Field(examples=["/api/v1/releases/2025-S1"])
    observations: str = Field(examples=["/api/v1/observations?release=2025-S1"])
    downloads: str = Field(
        description="The list of the release's files (JSON).",
        examples=["/downloads/2025-S1/"],
    )
    indicators_csv: str = Field(
        description="The whole public table, byte for byte as frozen.",
        examples=["/downloads/2025-S1/indicators.csv"],
    )


class ReleaseItem(BaseModel):
    """A release as the public sees it (e.g. ``2025-S1`` of 2025-10-15)."""

    id: str = Field(examples=["2025-S1"])
    date: str = Field(description="Its publication date, YYYY-MM-DD.", examples=["2025-10-15"])
    note: str = Field(examples=["First half of 2025"])
    last_period: str | None = Field(
        description="The latest period it covers.", examples=["2025-S1"]
    )
    synthetic: bool = Field(description="True when built from synthetic (demo) records.")
    previous: list[str] = Field(description="Ids of the releases before it.", examples=[[]])
    links: ReleaseLinks


class ReleaseList(BaseModel):
    latest: str | None = Field(
        description="Id of the latest release (null: none yet, or the latest is unavailable)."
    )
    releases: list[ReleaseItem] = Field(description="Every release served, oldest first.")
    unavailable: list[str] = Field(
        default_factory=list,
        description="Ids of the releases made but not served for the moment (damaged or "
        "missing on the server), sorted; asking for one by id is a 503 (damaged) or a 404 "
        "(missing), and `latest` is null while one of them may be the latest.",
        examples=[["2025-S1"]],
    )


class Observation(BaseModel):
    """One value of the public table (e.g. level of exports, 2025-S1, whole sector)."""

    indicator: str = Field(examples=["level"])
    flow: str = Field(examples=["exports"])
    period: str = Field(examples=["2025-S1"])
    segment: str = Field(examples=["TOTAL"])
    service: str = Field(examples=["_T"])
    partner: str = Field(examples=["_T"])
    value: str | None = Field(
        pattern=DECIMAL,
        description="Exact decimal string; null when withheld (conf_status not F) or absent.",
        examples=["13377000000.00"],
    )
    unit: str = Field(examples=["MAD"])
    obs_status: str = Field(
        description="SDMX OBS_STATUS: A normal, P provisional, E estimated, B break in series.",
        examples=["P"],
    )
    conf_status: str = Field(
        description="SDMX CONF_STATUS: F free; A (too few contributors) or O (dominance) "
        "primary confidential, D withheld to protect another cell (then value is null).",
        examples=["F"],
    )


class ObservationPage(BaseModel):
    """A page of observations of one release."""

    release: str = Field(description="The release answered.", examples=["2025-S1"])
    observations: list[Observation]
    next: str | None = Field(
        description="URL of the next page (pinned to this release), null on the last page.",
        examples=["/api/v1/observations?indicator=level&offset=1000&limit=1000&release=2025-S1"],
    )
    total: int = Field(description="How many observations match, over all pages.", ge=0)
