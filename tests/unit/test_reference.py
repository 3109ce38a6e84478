"""The packaged reference tables: complete, consistent, and described in sources.toml."""

from __future__ import annotations

from importlib import resources

import pytest

from marsad import reference
from marsad.reference import (
    DIGITALLY_DELIVERABLE_ROOTS,
    SEGMENT_CODES,
    concordance,
    countries,
    currencies,
    ebops,
    segment_for_service,
    segments,
    sources,
)

MAIN_COMPONENTS = {
    "SA": "Manufacturing services on physical inputs owned by others",
    "SB": "Maintenance and repair services n.i.e.",
    "SC": "Transport",
    "SD": "Travel",
    "SE": "Construction",
    "SF": "Insurance and pension services",
    "SG": "Financial services",
    "SH": "Charges for the use of intellectual property n.i.e.",
    "SI": "Telecommunications, computer, and information services",
    "SJ": "Other business services",
    "SK": "Personal, cultural, and recreational services",
    "SL": "Government goods and services n.i.e.",
}


def _ancestors(code: str) -> list[str]:
    items = ebops()
    out = []
    parent = items[code].parent
    while parent is not None:
        out.append(parent)
        parent = items[parent].parent
    return out


def test_ebops_has_a_single_root_services_at_level_zero() -> None:
    items = ebops()
    roots = [item for item in items.values() if item.parent is None]
    assert [r.code for r in roots] == ["S"]
    assert items["S"].level == 0
    assert items["S"].name_en == "Services"


def test_every_ebops_parent_exists_one_level_up() -> None:
    items = ebops()
    for item in items.values():
        if item.parent is None:
            continue
        assert item.parent in items, f"{item.code}: parent {item.parent} missing"
        assert items[item.parent].level == item.level - 1, item.code
        assert item.code.startswith(item.parent), item.code


def test_ebops_codes_are_unique_and_named_in_both_languages() -> None:
    rows = reference.read_table("ebops2010.csv")
    codes = [row["code"] for row in rows]
    assert len(codes) == len(set(codes))
    for item in ebops().values():
        assert item.name_en.strip(), item.code
        assert item.name_fr.strip(), item.code
        assert item.name("fr") == item.name_fr
        assert item.name("en") == item.name_en


def test_the_twelve_main_components_have_their_english_names() -> None:
    items = ebops()
    level_one = {item.code for item in items.values() if item.level == 1}
    assert set(MAIN_COMPONENTS) <= level_one
    assert level_one - set(MAIN_COMPONENTS) == {"SN"}
    for code, name in MAIN_COMPONENTS.items():
        assert items[code].parent == "S"
        assert items[code].name_en == name


@pytest.mark.parametrize(
    ("code", "name", "parent", "level"),
    [
        ("SI21", "Computer software", "SI2", 3),
        ("SI22", "Other computer services", "SI2", 3),
        ("SJ312", "Engineering services", "SJ31", 4),
        ("SJ35", "Other business services n.i.e.", "SJ3", 3),
        ("SJ211", "Legal services", "SJ21", 4),
        ("SH3", "Licences to reproduce and/or distribute computer software", "SH", 2),
        ("SC11", "Sea transport; Passenger", "SC1", 3),
        ("SC3A", "Space transport", "SC3", 3),
        ("SJ1121", "Patents", "SJ112", 5),
        ("SN", "Services not allocated", "S", 1),
    ],
)
def test_known_items(code: str, name: str, parent: str, level: int) -> None:
    item = ebops()[code]
    assert item.name_en == name
    assert item.parent == parent
    assert item.level == level


def test_every_level_of_the_classification_is_present() -> None:
    items = ebops()
    expected = {
        "SC1", "SC11", "SC12", "SC13", "SC2", "SC21", "SC3", "SC3B1", "SC3G", "SC4",
        "SD", "SDA", "SDA1", "SDB3", "SE1", "SE2",
        "SF1", "SF11", "SF12", "SF13", "SF2", "SF3", "SF4", "SF41", "SF42", "SG1", "SG2",
        "SH1", "SH2", "SH3", "SH4", "SH41", "SH42",
        "SI1", "SI2", "SI21", "SI22", "SI3", "SI31", "SI32",
        "SJ1", "SJ11", "SJ111", "SJ112", "SJ12", "SJ2", "SJ21", "SJ211", "SJ212", "SJ213",
        "SJ22", "SJ3", "SJ31", "SJ311", "SJ312", "SJ313", "SJ32", "SJ321", "SJ322", "SJ323",
        "SJ33", "SJ34", "SJ35",
        "SK1", "SK11", "SK12", "SK2", "SK21", "SK22", "SK23", "SK24", "SL1", "SL2", "SL3",
    }  # fmt: skip
    assert expected <= set(items)
    assert max(item.level for item in items.values()) == 5


def test_digitally_deliverable_is_exactly_the_subtree_of_sf_to_sk() -> None:
    assert DIGITALLY_DELIVERABLE_ROOTS == ("SF", "SG", "SH", "SI", "SJ", "SK")
    for item in ebops().values():
        in_subtree = item.code in DIGITALLY_DELIVERABLE_ROOTS or any(
            a in DIGITALLY_DELIVERABLE_ROOTS for a in _ancestors(item.code)
        )
        assert item.digitally_deliverable is in_subtree, item.code


def test_digitally_deliverable_column_is_a_strict_boolean() -> None:
    values = {row["digitally_deliverable"] for row in reference.read_table("ebops2010.csv")}
    assert values == {"true", "false"}


def test_every_concordance_code_is_an_ebops_code_mapped_to_a_segment() -> None:
    items = ebops()
    table = concordance()
    assert table
    for code, segment in table.items():
        assert code in items, code
        assert segment in SEGMENT_CODES, (code, segment)
        assert items[code].digitally_deliverable, code


@pytest.mark.parametrize(
    ("code", "segment"),
    [
        ("SJ312", "ESO"),
        ("SJ311", "ESO"),
        ("SJ212", "BPO"),
        ("SJ211", "KPO"),
        ("SJ35", "CRM"),
        ("SI21", "ITO"),
        ("SI31", "KPO"),
        ("SH3", "ITO"),
        ("SJ1121", "ESO"),
        ("SC1", None),
        ("SD", None),
        ("SJ33", None),
    ],
)
def test_segment_for_service_uses_the_longest_prefix(code: str, segment: str | None) -> None:
    assert segment_for_service(code) == segment


def test_currencies_contain_the_usual_ones_with_minor_units() -> None:
    table = currencies()
    expected = {
        "MAD": "2", "EUR": "2", "USD": "2", "GBP": "2", "CHF": "2", "CAD": "2", "AED": "2",
        "SAR": "2", "JPY": "0", "CNY": "2", "XOF": "0", "TND": "3", "DZD": "2", "QAR": "2",
        "KWD": "3",
    }  # fmt: skip
    for code, minor_unit in expected.items():
        assert table[code]["minor_unit"] == minor_unit, code
    assert table["MAD"]["name_en"] == "Moroccan Dirham"
    for code, row in table.items():
        assert len(code) == 3 and code.isalpha() and code.isupper(), code
        assert row["minor_unit"].isdigit(), code
        assert row["name_en"].strip(), code
    assert "XAU" not in table
    assert len(table) > 150


def test_countries_are_the_249_iso_3166_entries() -> None:
    table = countries()
    assert len(table) == 249
    assert table["MA"]["alpha3"] == "MAR"
    assert table["MA"]["name_en"] == "Morocco"
    assert table["FR"]["alpha3"] == "FRA"
    assert table["US"]["alpha3"] == "USA"
    assert "XK" not in table
    alpha3 = [row["alpha3"] for row in table.values()]
    assert len(alpha3) == len(set(alpha3))
    for code, row in table.items():
        assert len(code) == 2 and code.isalpha() and code.isupper(), code
        assert len(row["alpha3"]) == 3 and row["alpha3"].isupper(), code
        assert row["name_en"].strip(), code


def test_every_packaged_csv_has_a_sources_entry() -> None:
    files = {
        entry.name
        for entry in resources.files("marsad.reference").iterdir()
        if entry.name.endswith(".csv")
    }
    assert {"ebops2010.csv", "iso4217.csv", "iso3166.csv", "concordance.csv"} <= files
    assert files <= set(sources())


@pytest.mark.parametrize("name", sorted(sources()))
def test_every_sources_entry_names_a_source_and_a_licence(name: str) -> None:
    entry = sources()[name]
    for key in ("title", "source", "licence", "status"):
        assert isinstance(entry.get(key), str) and entry[key].strip(), (name, key)
    assert resources.files("marsad.reference").joinpath(name).is_file(), name


def test_every_segment_has_french_english_and_arabic_names() -> None:
    table = segments()
    assert tuple(table) == SEGMENT_CODES
    for code, segment in table.items():
        for lang in ("fr", "en", "ar"):
            assert segment.name(lang).strip(), (code, lang)
