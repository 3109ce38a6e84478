"""What the open-data files say about the indicator table: its columns, its flags,
and the publication details, written once for the Excel, SDMX and CSV-bundle writers.

>>> OBS_STATUS["B"]
'Break in series'
>>> COLUMN_NOTES["conf_status"].split(":")[0]
'Confidentiality status (SDMX CL_CONF_STATUS)'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: SDMX CL_OBS_STATUS codes the table uses, with their names.
OBS_STATUS: dict[str, str] = {
    "A": "Normal value",
    "B": "Break in series",
    "E": "Estimated value",
    "P": "Provisional value",
}
#: SDMX CL_CONF_STATUS codes, with their names (``F`` is the one published value).
CONF_STATUS: dict[str, str] = {
    "F": "Free (published)",
    "A": "Primary confidentiality due to small counts",
    "O": "Primary confidentiality due to dominance by one unit",
    "T": "Primary confidentiality due to dominance by two units",
    "G": "Primary confidentiality due to other measures of concentration",
    "C": "Confidential statistical information",
    "D": "Secondary confidentiality set by the sender, not for publication",
    "N": "Not for publication, restricted for internal use only",
}
#: Codes of the flows, with their names; a flow not listed is named by its code.
FLOWS: dict[str, str] = {
    "exports": "Exports (credits)",
    "imports": "Imports (debits)",
    "balance": "Balance (exports less imports)",
    "_Z": "Not applicable (e.g. jobs)",
}

#: Meaning of each column of the indicator table (``marsad export --format csv``).
COLUMN_NOTES: dict[str, str] = {
    "indicator": "Indicator id, as in the indicator registry (e.g. level, growth_yoy, share)",
    "flow": "Flow: exports, imports, balance; _Z when not applicable (e.g. jobs)",
    "period": "Period: a year (2024), half (2024-S1), quarter (2024-Q3) or month (2024-07)",
    "segment": "Segment: TOTAL, ITO, CRM, ESO, BPO, KPO, DDS (digitally deliverable services)",
    "service": "Service: _T (all the sector's services) or an EBOPS 2010 code (e.g. SI22)",
    "partner": "Partner country: _T (all partners) or an ISO 3166-1 alpha-2 code (e.g. FR)",
    "value": "Value: plain decimal with '.'; MAD to the centime, percentages rounded once; "
    "empty when withheld or absent",
    "unit": "Unit of the value: MAD, percent, percentage_points, jobs",
    "obs_status": "Observation status (SDMX CL_OBS_STATUS): A normal, P provisional, "
    "E estimated, B break in series",
    "conf_status": "Confidentiality status (SDMX CL_CONF_STATUS): F free; A, O, C, G primary "
    "confidential; D secondary; a withheld value is empty in every public file",
    "release": "Release (or build) the row belongs to",
}


@dataclass(frozen=True)
class Publication:
    """Who publishes the files and when (e.g. publisher ``marsad``, release ``2025-10``).

    >>> Publication(release="R1").title
    'Exports of digital and outsourced services: indicator table'
    """

    release: str = ""
    publisher: str = "marsad"
    contact: str = ""
    release_date: dt.date | None = None
    next_release_date: dt.date | None = None
    synthetic: bool = False
    internal: bool = False
    title: str = "Exports of digital and outsourced services: indicator table"
    source: str = (
        "Bank-reported settlement records (balance of payments, BPM6 credits and debits), "
        "compiled with marsad"
    )

    @classmethod
    def from_settings(cls, release: str, *, synthetic: bool, internal: bool) -> Publication:
        """The publication details of the settings (``MARSAD_PUBLISHER``, ``MARSAD_CONTACT``,
        ``MARSAD_RELEASE_DATE``, ``MARSAD_NEXT_RELEASE_DATE``) for ``release``."""
        from marsad.settings import get_settings

        settings = get_settings()
        return cls(
            release=release,
            publisher=settings.publisher,
            contact=settings.contact,
            release_date=settings.release_date,
            next_release_date=settings.next_release_date,
            synthetic=synthetic,
            internal=internal,
        )

    @classmethod
    def of_release(
        cls, release: str, date: str | dt.date | None, *, synthetic: bool, internal: bool = False
    ) -> Publication:
        """The publication details of a frozen release: the settings' publisher, contact
        and next release date (:meth:`from_settings`), dated by the release itself (its
        manifest's ``date``, e.g. ``"2025-10-15"``); ``MARSAD_RELEASE_DATE`` only when
        the release has no date. The one rule of ``marsad export --release`` and of every
        file the web serves, so that a release's files say the same date (and have the
        same bytes) whichever made them.

        A date that is not ``YYYY-MM-DD`` raises :class:`ValueError`.

        >>> Publication.of_release("R1", "2025-10-15", synthetic=True).stamp().isoformat()
        '2025-10-15T00:00:00+00:00'
        """
        found = cls.from_settings(release, synthetic=synthetic, internal=internal)
        if isinstance(date, str):
            date = dt.date.fromisoformat(date) if date else None
        if date is None:
            return found
        from dataclasses import replace

        return replace(found, release_date=date)

    def stamp(self) -> dt.datetime:
        """When the files say they were made (UTC, to the second): the release date at
        midnight, else ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention), else
        now. With either set, the same warehouse gives the same bytes in every format
        (a workbook's ``docProps/core.xml`` carried the clock's time).
        ``SOURCE_DATE_EPOCH`` is read by :func:`marsad.dates.source_date_epoch`, checked
        even when a release date wins: a value that is no time is refused, always.

        >>> Publication(release_date=dt.date(2025, 10, 15)).stamp().isoformat()
        '2025-10-15T00:00:00+00:00'
        """
        from marsad.dates import source_date_epoch

        epoch = source_date_epoch()
        if (day := self.release_date) is not None:
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        return epoch or dt.datetime.now(dt.UTC).replace(microsecond=0)

    def notes(self) -> list[str]:
        """Plain notes every file carries: synthetic data, internal use, the break in series.

        >>> Publication(synthetic=True).notes()[0]
        'Synthetic data: these figures come from synthetic records, not from real firms.'
        """
        notes = []
        if self.synthetic:
            notes.append(
                "Synthetic data: these figures come from synthetic records, not from real firms."
            )
        if self.internal:
            notes.append(
                "Internal: withheld (confidential) values are included; not for publication."
            )
        notes.append(
            "Break in series: the old 'offshoring' series (indicator level_old_scope) and the "
            "new series (level) are two indicators, never chained; the first period of the new "
            "series carries obs_status B."
        )
        notes.append(
            "Confidentiality: a value whose conf_status is not F is withheld: empty in the CSV "
            "and SDMX files, [c] in the spreadsheet."
        )
        return notes
