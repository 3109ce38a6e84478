"""Plausibility profiles of the synthetic sector: who sells what, to whom, in which currency.

Plain data, read by the generator. Weights are relative (they need not add up to 1).
None of this is calibrated to published figures except the segment totals
(see :mod:`marsad.synth.calibration`); it only makes the records look plausible.
"""

from __future__ import annotations

from marsad.reference import SEGMENT_CODES, UNALLOCATED

#: Segments as the build classifies records: the five, then UNALLOCATED.
CLASSES: tuple[str, ...] = (*SEGMENT_CODES, UNALLOCATED)

#: Registered firms per segment (about 1,200 in all).
FIRM_COUNTS: dict[str, int] = {"ITO": 450, "CRM": 330, "ESO": 170, "BPO": 190, "KPO": 60}

#: Unregistered firm identifiers (``UNREG-0001`` ...) per segment.
UNREGISTERED_COUNTS: dict[str, int] = {"ITO": 12, "CRM": 8, "ESO": 6, "BPO": 6, "KPO": 3}

#: Share of the export rows going to each segment (KPO gets more rows than its
#: value share so that its monthly cells are never nearly empty).
ROW_SHARES: dict[str, int] = {"ITO": 38, "CRM": 30, "ESO": 14, "BPO": 14, "KPO": 4}

#: ISIC Rev.4 classes by segment.
ISIC: dict[str, dict[str, float]] = {
    "ITO": {"6201": 45, "6202": 25, "6209": 15, "6311": 15},
    "CRM": {"8220": 100},
    "ESO": {"7112": 60, "7120": 15, "7210": 25},
    "BPO": {"8211": 40, "6920": 30, "8219": 30},
    "KPO": {"6910": 30, "7320": 30, "7020": 40},
}

CITIES: dict[str, float] = {
    "Casablanca": 52, "Rabat": 20, "Tanger": 8, "Fès": 6,
    "Marrakech": 5, "Oujda": 3, "Agadir": 3, "Tétouan": 3,
}  # fmt: skip

NAME_WORDS: tuple[str, ...] = (
    "Atlas", "Argan", "Zellige", "Medina", "Sahara", "Rif", "Oasis", "Cedre", "Kasbah",
    "Souss", "Draa", "Anfa", "Toubkal", "Ifrane", "Majorelle", "Bouregreg", "Chellah",
    "Tafraout", "Noria", "Menara",
)  # fmt: skip

NAME_SUFFIXES: dict[str, tuple[str, ...]] = {
    "ITO": ("Digital", "Software", "Cloud", "Systems", "Tech"),
    "CRM": ("Contact", "Relation Client", "Call Center", "Connect"),
    "ESO": ("Engineering", "Ingenierie", "Design Labs"),
    "BPO": ("Services", "Gestion", "Back Office"),
    "KPO": ("Conseil", "Analytics", "Legal"),
}

#: Reporting banks and their market shares.
REPORTERS: dict[str, float] = {
    "BK01": 24, "BK02": 18, "BK03": 14, "BK04": 11, "BK05": 9,
    "BK06": 7, "BK07": 6, "BK08": 5, "BK09": 3.5, "BK10": 2.5,
}  # fmt: skip

#: Probability that a registered firm's record goes through its main bank.
MAIN_BANK_SHARE = 0.85

#: EBOPS 2010 service codes of export receipts, by segment.
EXPORT_SERVICES: dict[str, dict[str, float]] = {
    "ITO": {"SI22": 55, "SI21": 25, "SI1": 12, "SH3": 8},
    "CRM": {"SJ35": 90, "SJ22": 6, "SI22": 4},
    "ESO": {"SJ312": 45, "SJ311": 20, "SJ313": 20, "SJ111": 15},
    "BPO": {"SJ212": 40, "SJ34": 20, "SJ35": 40},
    "KPO": {"SJ211": 25, "SJ213": 30, "SJ22": 20, "SI31": 15, "SI32": 10},
}

#: Service codes of import payments by registered firms.
IMPORT_SERVICES: dict[str, float] = {
    "SI22": 30, "SI21": 20, "SH3": 15, "SI1": 10, "SJ22": 10, "SJ213": 10, "SJ35": 5,
}  # fmt: skip

#: Service codes of import payments by unregistered firms: SC12 (sea freight) and
#: SG1 (financial services) have no concordance entry, so the build reports them
#: as UNALLOCATED.
UNREGISTERED_IMPORT_SERVICES: dict[str, float] = {"SC12": 40, "SG1": 40, "SI22": 20}

_ITO_ESO_PARTNERS: dict[str, float] = {
    "FR": 38, "ES": 8, "DE": 7, "US": 10, "GB": 8, "BE": 5, "NL": 4, "IT": 4,
    "CH": 4, "CA": 3, "AE": 3, "SN": 2, "CI": 1, "JP": 1,
}  # fmt: skip

_BPO_KPO_PARTNERS: dict[str, float] = {
    "FR": 44, "US": 18, "GB": 12, "AE": 8, "SA": 5, "BE": 4, "ES": 4, "CH": 4,
}  # fmt: skip

#: Partner countries (ISO 3166-1 alpha-2) of export receipts, by segment.
EXPORT_PARTNERS: dict[str, dict[str, float]] = {
    "ITO": _ITO_ESO_PARTNERS,
    "CRM": {"FR": 66, "BE": 10, "CH": 8, "CA": 9, "ES": 7},
    "ESO": _ITO_ESO_PARTNERS,
    "BPO": _BPO_KPO_PARTNERS,
    "KPO": _BPO_KPO_PARTNERS,
}

#: Partner countries of import payments.
IMPORT_PARTNERS: dict[str, float] = {
    "US": 30, "FR": 25, "IE": 15, "DE": 8, "GB": 7, "NL": 5, "IN": 5, "ES": 5,
}  # fmt: skip

_EURO = {"EUR": 90, "USD": 10}

#: Settlement currency by partner country (before the MAD share below).
PARTNER_CURRENCIES: dict[str, dict[str, float]] = {
    "FR": _EURO, "BE": _EURO, "ES": _EURO, "DE": _EURO, "NL": _EURO,
    "IT": _EURO, "IE": _EURO,
    "US": {"USD": 100}, "SA": {"USD": 100}, "IN": {"USD": 100},
    "GB": {"GBP": 75, "EUR": 15, "USD": 10},
    "CH": {"CHF": 60, "EUR": 40},
    "CA": {"CAD": 60, "USD": 40},
    "AE": {"AED": 40, "USD": 60},
    "SN": {"XOF": 60, "EUR": 40}, "CI": {"XOF": 60, "EUR": 40},
    "JP": {"JPY": 70, "USD": 30},
}  # fmt: skip

#: Share of records settled in dirhams whatever the partner.
MAD_SHARE = 0.03

#: Reference rates: (lowest, highest) MAD per unit over the period. XOF is not
#: drawn: it follows EUR at the fixed parity of 655.957 XOF per EUR.
RATE_RANGES: dict[str, tuple[float, float]] = {
    "EUR": (10.6, 11.1), "USD": (9.7, 10.4), "GBP": (12.2, 13.0), "CHF": (11.0, 11.6),
    "CAD": (7.1, 7.6), "AED": (2.65, 2.80), "JPY": (0.065, 0.072),
}  # fmt: skip
XOF_PER_EUR_E3 = 655_957
#: Currencies quoted in rates.csv, in file order.
RATE_CURRENCIES: tuple[str, ...] = ("EUR", "USD", "GBP", "CHF", "CAD", "AED", "JPY", "XOF")
#: Currencies of the records: MAD (rate 1) first, then the quoted ones.
CURRENCIES: tuple[str, ...] = ("MAD", *RATE_CURRENCIES)
#: Currencies whose amounts are whole units (ISO 4217 minor unit 0).
WHOLE_UNIT_CURRENCIES: frozenset[str] = frozenset({"JPY", "XOF"})
RATES_FIRST_DAY = "2022-12-01"
RATES_LAST_DAY = "2025-06-30"

#: Rows that are import payments, and import value against export value.
IMPORT_ROW_SHARE = 0.15
IMPORT_VALUE_RATIO = 0.20
#: Share of export rows from firms not in the registry, and among those the share
#: with no firm identifier at all.
UNREGISTERED_EXPORT_SHARE = 0.02
UNREGISTERED_IMPORT_SHARE = 0.03
EMPTY_FIRM_ID_SHARE = 0.3

#: Firm sizes: weight of the firm of rank k is k^-ZIPF_EXPONENT times a
#: log-normal jitter; the largest firm's share is kept within TOP_FIRM_SHARE.
ZIPF_EXPONENT = 1.0
SIZE_JITTER_SIGMA = 0.3
TOP_FIRM_SHARE = (0.12, 0.22)
#: A firm of weight w sends rows in proportion to w^ROWS_ELASTICITY and invoices
#: in proportion to w^(1 - ROWS_ELASTICITY): its expected value is proportional to w.
ROWS_ELASTICITY = 0.6
#: Spread (sigma of the log) of record amounts around the firm's typical amount.
AMOUNT_SIGMA = 0.9

#: Relative chance of a value date by weekday (Monday first) and at month end.
WEEKDAY_WEIGHTS: tuple[float, ...] = (1.0, 1.0, 1.0, 1.0, 1.0, 0.2, 0.08)
MONTH_END_FROM_DAY = 25
MONTH_END_BOOST = 1.4
