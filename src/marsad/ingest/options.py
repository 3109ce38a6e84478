"""What the user states about the files, what was detected about each, and
the progress events sent while files load.

:class:`ReadOptions` holds what the user states (``None``: detect it, or take
the setting); :class:`Detected` what a file was read with, once read: the
readers fill it, the ledger stores it, the report shows it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from marsad.settings import Settings, get_settings


@dataclass
class ReadOptions:
    """What the user states about the files; ``None`` means detect it (or, for
    the dates, memory and temporary folder, take the ``MARSAD_`` setting).

    ``sep`` is the field separator (``,`` ``;`` tab ``|``); ``decimal`` the
    decimal separator (``.`` or ``,``); ``encoding`` any Python codec name
    (``utf-8``, ``cp1252``, ``latin-1``, ``utf-16``); ``sheet`` an Excel sheet
    name or 1-based number (default: every sheet that carries the header).
    ``date_format`` is how the dates are written (``%d/%m/%Y``; default
    YYYY-MM-DD) and ``column_map`` the file's column names for the kind's
    fields (``{"Record ID": "record_id"}``); both default to what the file's
    reporter is known to use (:mod:`marsad.ingest.reporters`). Dates must lie
    in ``[min_date, max_date]`` (settings ``MARSAD_MIN_VALUE_DATE``,
    ``MARSAD_MAX_VALUE_DATE``: 2000-01-01 to today).
    """

    sep: str | None = None
    decimal: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    format: str | None = None  # csv | parquet | excel
    date_format: str | None = None
    column_map: dict[str, str] | None = None
    min_date: dt.date | None = None
    max_date: dt.date | None = None
    #: DuckDB memory limit while loading (e.g. "2GB"): beyond it, staging spills
    #: to disk (default: the ``MARSAD_MEMORY_LIMIT`` setting, 4GB).
    memory_limit: str | None = None
    #: folder for transcoded copies (default: ``MARSAD_TEMP_DIR``, else the system's)
    temp_dir: Path | None = None
    #: rows searched for the header (default: ``MARSAD_HEADER_SEARCH_ROWS``, 50)
    header_search_rows: int | None = None

    def with_settings(self, settings: Settings | None = None) -> ReadOptions:
        """These options with every unstated setting filled from ``settings``."""
        s = settings or get_settings()
        return dataclasses.replace(
            self,
            min_date=self.min_date or s.min_value_date,
            max_date=self.max_date or s.max_value_date,
            memory_limit=self.memory_limit or s.memory_limit,
            temp_dir=self.temp_dir or s.temp_dir,
            header_search_rows=self.header_search_rows or s.header_search_rows,
        )

    def date_range(self) -> tuple[dt.date, dt.date]:
        lo = self.min_date or get_settings().min_value_date
        return lo, self.max_date or dt.date.today()


@dataclass(frozen=True)
class Detected:
    """What a file was read with: detected, or stated by the user.

    ``encoding`` is the label reported (``utf-8``, ``utf-8 (with BOM)``,
    ``windows-1252``, ``latin-1 (stated)``) and ``codec`` the Python codec
    decoding it; ``separator`` the field separator and ``quote`` the quote
    character (text only); ``decimal`` the decimal mark; ``header_line`` the
    line (Excel: row) of the header; ``sheet`` the Excel sheet read;
    ``decimal_from`` where the decimal mark comes from (``detected``,
    ``stated``, ``reporter BK01's, learnt from …``); ``date_format`` the
    format of the dates when not YYYY-MM-DD.

    >>> Detected("csv", encoding="utf-8", separator=";", decimal=",", header_line=3).describe()
    "csv, encoding utf-8, separator ';', decimal ',', header on line 3"
    >>> Detected("csv", decimal=",", decimal_from="stated").describe()
    "csv, decimal ',' (stated)"
    """

    format: str
    encoding: str | None = None
    codec: str | None = None
    bom: bool = False
    separator: str | None = None
    quote: str | None = None
    decimal: str | None = "."
    sheet: str | None = None
    header_line: int | None = None
    decimal_from: str | None = None
    date_format: str | None = None

    @property
    def thousands(self) -> tuple[str, ...]:
        """Digit-grouping marks accepted with this decimal mark (``1,234.5``,
        ``1 234,5``): the other mark, spaces (any of Unicode's) and ``'``."""
        from marsad.ingest.cleaning import UNICODE_SPACES

        other = "," if self.decimal != "," else "."
        return (other, " ", *UNICODE_SPACES, "'")

    def describe(self) -> str:
        """What was used to read the file, in plain words."""
        parts = [self.format]
        if self.encoding:
            parts.append(f"encoding {self.encoding}")
        if self.separator:
            shown = {"\t": "tab"}.get(self.separator, self.separator)
            parts.append(f"separator {shown!r}" if shown != "tab" else "separator tab")
        if self.decimal:
            source = f" ({self.decimal_from})" if self.decimal_from else ""
            parts.append(f"decimal {self.decimal!r}{source}")
        if self.date_format:
            parts.append(f"dates {self.date_format}")
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.header_line and self.header_line > 1:
            unit = "row" if self.format == "excel" else "line"
            parts.append(f"header on {unit} {self.header_line}")
        return ", ".join(parts)

    def ledger_values(self) -> list[object]:
        """The ledger's columns format, encoding, separator, decimal_sep, sheet, header_line."""
        return [
            self.format, self.encoding, self.separator, self.decimal, self.sheet, self.header_line,
        ]  # fmt: skip

    @classmethod
    def from_ledger(cls, *columns: object) -> Detected:
        """The record of a file already loaded, from the ledger columns of
        :meth:`ledger_values` (the codec and quote are not kept)."""
        fmt, encoding, separator, decimal, sheet, header_line = columns
        return cls(
            format=fmt, encoding=encoding, bom="BOM" in (encoding or ""), separator=separator,
            decimal=decimal, sheet=sheet, header_line=header_line,
        )  # fmt: skip


@dataclass
class ProgressEvent:
    """Sent to the ``progress`` callback while a file loads.

    ``phase`` is ``hash``, ``read``, ``check``, ``write`` or ``done``; ``done``
    and ``total`` are bytes for ``hash`` and ``read``; ``rows`` is the rows
    read so far, exact when ``phase == "done"`` and estimated before.
    """

    file: Path
    phase: str
    done: float = 0.0
    total: float = 0.0
    rows: int | None = None


ProgressFn = Callable[[ProgressEvent], None]
