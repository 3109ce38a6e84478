"""The calibrated synthetic data generator: files, determinism, exact totals, plausibility."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from marsad import reference
from marsad.synth import (
    CALIBRATION,
    TRANSACTION_COLUMNS,
    SynthResult,
    generate,
    monthly_targets,
    target_centimes,
)
from marsad.synth.calibration import largest_remainder
from marsad.synth.generate import SynthError
from marsad.synth.money import mad_centimes

ROWS = 20_000
SEED = 7
CENT = Decimal("0.01")
TOLERANCE = Decimal(1000)  # MAD

#: The calibration table of the brief, typed again here (bn MAD) so that the
#: generator's own CALIBRATION is checked against an independent copy.
EXPECTED_BN: dict[tuple[str, str], str] = {
    ("ITO", "2023"): "10.100", ("ITO", "2024-S1"): "5.150", ("ITO", "2024-S2"): "5.428",
    ("ITO", "2024"): "10.578", ("ITO", "2025-S1"): "5.250",
    ("CRM", "2023"): "10.300", ("CRM", "2024-S1"): "4.800", ("CRM", "2024-Q1"): "2.350",
    ("CRM", "2024-Q2"): "2.450", ("CRM", "2024-Q3"): "2.814", ("CRM", "2024-Q4"): "2.183",
    ("CRM", "2024"): "9.797", ("CRM", "2025-S1"): "4.190",
    ("ESO", "2023"): "3.2325", ("ESO", "2024-S1"): "1.802", ("ESO", "2024-S2"): "1.660",
    ("ESO", "2024"): "3.462", ("ESO", "2025-S1"): "2.580",
    ("BPO", "2023"): "2.4595", ("BPO", "2024-S1"): "1.150", ("BPO", "2024-S2"): "1.184",
    ("BPO", "2024"): "2.334", ("BPO", "2025-S1"): "1.330",
    ("KPO", "2023"): "0.078", ("KPO", "2024-S1"): "0.023", ("KPO", "2024-S2"): "0.025",
    ("KPO", "2024"): "0.048", ("KPO", "2025-S1"): "0.027",
    ("TOTAL", "2023"): "26.170", ("TOTAL", "2024"): "26.219",
    ("TOTAL", "2024-S1"): "12.925", ("TOTAL", "2025-S1"): "13.377",
}  # fmt: skip


# --- fixtures -----------------------------------------------------------------


@pytest.fixture(scope="module")
def run_a(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    return generate(tmp_path_factory.mktemp("a"), rows_per_year=ROWS, seed=SEED)


@pytest.fixture(scope="module")
def run_a_again(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    return generate(tmp_path_factory.mktemp("a2"), rows_per_year=ROWS, seed=SEED)


@pytest.fixture(scope="module")
def run_b(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    return generate(tmp_path_factory.mktemp("b"), rows_per_year=ROWS, seed=SEED + 1)


@pytest.fixture(scope="module")
def transactions(run_a: SynthResult) -> pd.DataFrame:
    return _read_transactions(run_a)


@pytest.fixture(scope="module")
def firms(run_a: SynthResult) -> pd.DataFrame:
    return pd.read_csv(run_a.firms_path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def rates(run_a: SynthResult) -> pd.DataFrame:
    return pd.read_csv(run_a.rates_path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def recomputed(run_a: SynthResult) -> dict[tuple[str, str, str], Decimal]:
    return _recompute(run_a)


def _read_transactions(result: SynthResult) -> pd.DataFrame:
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in result.transaction_paths]
    return pd.concat(frames, ignore_index=True)


def _read_expected(result: SynthResult) -> dict[tuple[str, str, str], Decimal]:
    with result.expected_path.open(encoding="utf-8") as fh:
        return {
            (r["month"], r["flow"], r["segment"]): Decimal(r["mad"]) for r in csv.DictReader(fh)
        }


def _recompute(result: SynthResult) -> dict[tuple[str, str, str], Decimal]:
    """MAD totals by month, flow and segment, from the files alone, with Decimal."""
    tx = _read_transactions(result)
    tx["date"] = pd.to_datetime(tx["value_date"])
    rates = pd.read_csv(result.rates_path, dtype=str)
    rates["date"] = pd.to_datetime(rates["date"])
    parts = [tx[tx["currency"] == "MAD"].assign(mad_per_unit="1")]
    for cur, group in tx[tx["currency"] != "MAD"].groupby("currency"):
        quoted = rates.loc[rates["currency"] == cur, ["date", "mad_per_unit"]]
        parts.append(
            pd.merge_asof(group.sort_values("date"), quoted.sort_values("date"), on="date")
        )
    tx = pd.concat(parts, ignore_index=True)
    assert tx["mad_per_unit"].notna().all()
    registry = dict(zip(*_firm_segments(result), strict=True))
    totals: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for firm, code, date, flow, amount, rate in zip(
        tx["firm_id"],
        tx["service_code"],
        tx["value_date"],
        tx["flow"],
        tx["amount"],
        tx["mad_per_unit"],
        strict=True,
    ):
        seg = registry.get(firm) or reference.segment_for_service(code) or reference.UNALLOCATED
        value = (Decimal(amount) * Decimal(rate)).quantize(CENT, rounding=ROUND_HALF_UP)
        totals[(date[:7], flow, seg)] += value
    return dict(totals)


def _firm_segments(result: SynthResult) -> tuple[list[str], list[str]]:
    with result.firms_path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r["firm_id"] for r in rows], [r["segment"] for r in rows]


def _months(period: str) -> set[str]:
    """Months of ``2024``, ``2024-S2`` or ``2024-Q3``, written out independently."""
    spans = {"": (1, 12), "S1": (1, 6), "S2": (7, 12), "Q1": (1, 3), "Q2": (4, 6),
             "Q3": (7, 9), "Q4": (10, 12)}  # fmt: skip
    first, last = spans[period[5:]]
    return {f"{period[:4]}-{m:02d}" for m in range(first, last + 1)}


def _exports(totals: dict[tuple[str, str, str], Decimal], segment: str, period: str) -> Decimal:
    months = _months(period)
    return sum(
        (
            v
            for (m, f, s), v in totals.items()
            if f == "C" and m in months and segment in (s, "TOTAL")
        ),
        Decimal(0),
    )


# --- files and columns --------------------------------------------------------


def test_files_exist_with_exact_headers(run_a: SynthResult) -> None:
    out = run_a.out_dir
    assert [p.name for p in run_a.transaction_paths] == [
        f"{y}-{m:02d}.csv" for y in (2023, 2024, 2025) for m in range(1, 13)
    ][:30]
    headers = {
        out / "firms.csv": "firm_id,name,segment,isic,city",
        out / "rates.csv": "date,currency,mad_per_unit",
        out / "expected_mad.csv": "month,flow,segment,mad",
        **{p: ",".join(TRANSACTION_COLUMNS) for p in run_a.transaction_paths},
    }
    for path, header in headers.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0] == header, path
        assert not any(line.startswith("#") for line in lines), path
    assert ",".join(TRANSACTION_COLUMNS) == (
        "record_id,reporter,firm_id,value_date,flow,amount,currency,service_code,partner_country"
    )


def test_readme_says_synthetic(run_a: SynthResult) -> None:
    text = run_a.readme_path.read_text(encoding="utf-8")
    assert "SYNTHETIC" in text
    assert f"seed {SEED}" in text
    assert "Office des Changes" in text and "October 2025" in text
    assert "not real transactions" in text


def test_row_counts(run_a: SynthResult, transactions: pd.DataFrame) -> None:
    assert run_a.n_transactions == len(transactions) == ROWS * 5 // 2
    assert run_a.n_exports + run_a.n_imports == run_a.n_transactions
    assert run_a.n_firms == 1200


def test_required_fields_are_filled(transactions: pd.DataFrame) -> None:
    for column in TRANSACTION_COLUMNS:
        empty = (transactions[column] == "").sum()
        if column == "firm_id":
            assert 0 < empty < 0.01 * len(transactions)
        else:
            assert empty == 0, column
    assert transactions["flow"].isin(["C", "D"]).all()
    assert transactions["amount"].str.fullmatch(r"\d+\.\d{2}").all()
    assert (transactions["amount"].map(Decimal) > 0).all()
    assert transactions["value_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()


def test_record_ids_unique_per_reporter(transactions: pd.DataFrame) -> None:
    assert not transactions.duplicated(["reporter", "record_id"]).any()
    assert (transactions["record_id"].str[:4] == transactions["reporter"]).all()
    assert transactions["reporter"].nunique() == 10
    shares = transactions["reporter"].value_counts(normalize=True)
    assert shares.max() > 3 * shares.min()  # uneven market shares


# --- determinism --------------------------------------------------------------


def test_same_seed_gives_identical_bytes(run_a: SynthResult, run_a_again: SynthResult) -> None:
    names = ["firms.csv", "rates.csv", "expected_mad.csv", "README.txt"]
    paths = [(run_a.out_dir / n, run_a_again.out_dir / n) for n in names]
    paths += list(zip(run_a.transaction_paths, run_a_again.transaction_paths, strict=True))
    for left, right in paths:
        assert left.read_bytes() == right.read_bytes(), left.name


def test_other_seed_changes_records_not_totals(run_a: SynthResult, run_b: SynthResult) -> None:
    for left, right in zip(run_a.transaction_paths, run_b.transaction_paths, strict=True):
        assert left.read_bytes() != right.read_bytes()
    exports_a = {k: v for k, v in _read_expected(run_a).items() if k[1] == "C"}
    exports_b = {k: v for k, v in _read_expected(run_b).items() if k[1] == "C"}
    assert exports_a == exports_b


# --- exact MAD totals and calibration -----------------------------------------


def test_independent_recomputation_equals_expected(
    run_a: SynthResult, recomputed: dict[tuple[str, str, str], Decimal]
) -> None:
    assert recomputed == _read_expected(run_a)


def test_monthly_export_cells_hit_their_targets(run_a: SynthResult) -> None:
    expected = _read_expected(run_a)
    for (month, segment), centimes in monthly_targets().items():
        assert expected[(month, "C", segment)] == Decimal(centimes) / 100, (month, segment)


@pytest.mark.parametrize(("segment", "period"), sorted(EXPECTED_BN))
def test_calibrated_totals(
    recomputed: dict[tuple[str, str, str], Decimal], segment: str, period: str
) -> None:
    published = Decimal(EXPECTED_BN[(segment, period)]) * 10**9
    assert abs(_exports(recomputed, segment, period) - published) <= TOLERANCE


def test_calibration_table_matches_the_brief() -> None:
    for t in CALIBRATION:
        assert Decimal(EXPECTED_BN[(t.segment, t.period)]) == t.bn_mad
        assert target_centimes(t.segment, t.period) == t.centimes
    assert target_centimes("CRM", "2024") == 979_700_000_000
    with pytest.raises(KeyError):
        target_centimes("ITO", "2024-Q3")  # only the half-year is calibrated


def test_months_add_up_to_each_figure_and_follow_seasonality() -> None:
    months = monthly_targets()
    for t in CALIBRATION:
        assert sum(months[(m, t.segment)] for m in t.months) == t.centimes
    for seg in reference.SEGMENT_CODES:
        assert months[("2023-12", seg)] > months[("2023-08", seg)]


def test_largest_remainder_is_exact() -> None:
    assert largest_remainder(10, [1, 1, 1]) == [4, 3, 3]
    assert sum(largest_remainder(281_400_000_001, [100, 84, 103])) == 281_400_000_001


def test_mad_conversion_rounds_half_away_from_zero() -> None:
    # 0.50 x 10.8765 = 5.438250 -> 5.44; 1.00 x 0.0165 -> 0.02; 0.01 x 0.5 = 0.005 -> 0.01
    amounts = np.array([50, 100, 1, -1, 3])
    rates = np.array([108_765, 165, 5_000, 5_000, 15_000])
    assert mad_centimes(amounts, rates).tolist() == [544, 2, 1, -1, 5]  # 0.045 -> 0.05


# --- rates ---------------------------------------------------------------------


def test_no_rates_on_weekends(rates: pd.DataFrame) -> None:
    days = pd.to_datetime(rates["date"])
    assert (days.dt.day_of_week < 5).all()
    assert rates["date"].min() == "2022-12-01" and rates["date"].max() == "2025-06-30"
    assert rates["mad_per_unit"].str.fullmatch(r"\d+\.\d{4}").all()


def test_rate_ranges_and_xof_parity(rates: pd.DataFrame) -> None:
    value = rates.assign(v=rates["mad_per_unit"].astype(float))
    ranges = {
        "EUR": (10.6, 11.1),
        "USD": (9.7, 10.4),
        "GBP": (12.2, 13.0),
        "CHF": (11.0, 11.6),
        "CAD": (7.1, 7.6),
        "AED": (2.65, 2.80),
        "JPY": (0.065, 0.072),
    }
    for cur, (lo, hi) in ranges.items():
        v = value.loc[value["currency"] == cur, "v"]
        assert lo - 1e-9 <= v.min() and v.max() <= hi + 1e-9, cur
    wide = value.pivot(index="date", columns="currency", values="v")
    assert ((wide["EUR"] / 655.957 - wide["XOF"]).abs() <= 0.00005 + 1e-12).all()


def test_every_record_has_a_rate(transactions: pd.DataFrame, rates: pd.DataFrame) -> None:
    first = rates.groupby("currency")["date"].min()
    foreign = transactions[transactions["currency"] != "MAD"]
    assert foreign["currency"].isin(first.index).all()
    assert (foreign["value_date"] >= foreign["currency"].map(first)).all()
    weekend = pd.to_datetime(transactions["value_date"]).dt.day_of_week >= 5
    assert weekend.any()  # weekend records exist and use the previous business day


# --- plausibility ---------------------------------------------------------------


def test_imports_are_about_fifteen_percent(
    transactions: pd.DataFrame, recomputed: dict[tuple[str, str, str], Decimal]
) -> None:
    share = (transactions["flow"] == "D").mean()
    assert 0.13 <= share <= 0.17
    imports = sum(v for k, v in recomputed.items() if k[1] == "D")
    exports = sum(v for k, v in recomputed.items() if k[1] == "C")
    assert Decimal("0.15") <= imports / exports <= Decimal("0.25")


def test_unregistered_firms(
    transactions: pd.DataFrame, firms: pd.DataFrame, recomputed: dict
) -> None:
    exports = transactions[transactions["flow"] == "C"]
    unregistered = ~exports["firm_id"].isin(firms["firm_id"])
    assert 0.01 <= unregistered.mean() <= 0.03
    assert exports.loc[unregistered, "firm_id"].str.fullmatch(r"(UNREG-\d{4})?").all()
    codes = exports.loc[unregistered, "service_code"]
    assert codes.map(reference.segment_for_service).notna().all()
    assert any(seg == reference.UNALLOCATED and flow == "D" for _, flow, seg in recomputed)
    assert not any(seg == reference.UNALLOCATED and flow == "C" for _, flow, seg in recomputed)


def test_codes_exist_in_reference_lists(transactions: pd.DataFrame) -> None:
    try:
        countries, currencies = reference.countries(), reference.currencies()
    except FileNotFoundError:
        pytest.skip("iso3166.csv / iso4217.csv are not packaged yet")
    assert set(transactions["partner_country"]) <= set(countries)
    assert set(transactions["currency"]) <= set(currencies)


def test_service_codes_exist_in_ebops(transactions: pd.DataFrame) -> None:
    try:
        codes = reference.ebops()
    except FileNotFoundError:
        pytest.skip("ebops2010.csv is not packaged yet")
    assert set(transactions["service_code"]) <= set(codes)


def test_currency_follows_partner(transactions: pd.DataFrame) -> None:
    pairs = transactions[transactions["currency"] != "MAD"]
    allowed = {
        "US": {"USD"},
        "GB": {"GBP", "EUR", "USD"},
        "SN": {"XOF", "EUR"},
        "CI": {"XOF", "EUR"},
        "FR": {"EUR", "USD"},
    }
    for partner, currencies in allowed.items():
        assert set(pairs.loc[pairs["partner_country"] == partner, "currency"]) <= currencies
    shares = transactions["currency"].value_counts(normalize=True)
    assert 0.5 <= shares["EUR"] <= 0.7 and 0.15 <= shares["USD"] <= 0.3
    assert 0.02 <= shares["MAD"] <= 0.05


def test_registry(firms: pd.DataFrame) -> None:
    counts = firms["segment"].value_counts().to_dict()
    assert counts == {"ITO": 450, "CRM": 330, "BPO": 190, "ESO": 170, "KPO": 60}
    assert firms["firm_id"].is_unique and firms["name"].is_unique
    assert firms["name"].str.startswith("Synthetic ").all()
    assert set(firms.loc[firms["segment"] == "CRM", "isic"]) == {"8220"}
    assert set(firms.loc[firms["segment"] == "ITO", "isic"]) <= {"6201", "6202", "6209", "6311"}
    top_cities = firms["city"].value_counts().index[:2]
    assert set(top_cities) == {"Casablanca", "Rabat"}


def test_firm_sizes_are_concentrated(
    transactions: pd.DataFrame, rates: pd.DataFrame, firms: pd.DataFrame
) -> None:
    exports = transactions[
        (transactions["flow"] == "C") & transactions["firm_id"].isin(firms["firm_id"])
    ]
    mean_rate = rates.assign(v=rates["mad_per_unit"].astype(float)).groupby("currency")["v"].mean()
    rate = exports["currency"].map(mean_rate).fillna(1.0)  # MAD
    by_firm = (exports["amount"].astype(float) * rate).groupby(exports["firm_id"]).sum()
    by_firm = by_firm.sort_values(ascending=False)
    top = by_firm.head(len(firms) // 10).sum()
    assert top > 0.5 * by_firm.sum()


# --- formats and progress -------------------------------------------------------


def test_parquet_holds_the_same_records(run_a: SynthResult, tmp_path: Path) -> None:
    result = generate(tmp_path, rows_per_year=ROWS, seed=SEED, fmt="parquet")
    assert result.transaction_paths[0].name == "2023-01.parquet"
    assert result.expected_path.read_bytes() == run_a.expected_path.read_bytes()
    table = pq.read_table(result.transaction_paths[6])
    assert table.column_names == list(TRANSACTION_COLUMNS)
    assert table.schema.field("value_date").type == pa.date32()
    assert table.schema.field("amount").type == pa.decimal128(18, 2)
    as_text = pd.DataFrame(
        {c: table.column(c).cast(pa.string()).to_pylist() for c in TRANSACTION_COLUMNS}
    ).fillna("")
    from_csv = pd.read_csv(run_a.transaction_paths[6], dtype=str, keep_default_na=False)
    assert as_text.to_dict("list") == from_csv.to_dict("list")


def test_progress_reaches_the_total(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    generate(tmp_path, rows_per_year=2_000, seed=1, progress=lambda d, t: calls.append((d, t)))
    done = [d for d, _ in calls]
    assert calls[0] == (0, 5_000) and calls[-1] == (5_000, 5_000)
    assert done == sorted(done) and len(calls) == 31


def test_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(SynthError, match="xlsx"):
        generate(tmp_path, fmt="xlsx")
    with pytest.raises(SynthError):
        generate(tmp_path, rows_per_year=10)
