"""Docs stay in step with the code: every indicator, command and setting is documented."""

from __future__ import annotations

from pathlib import Path

import typer.main

from marsad.cli import app
from marsad.indicators.registry import INDICATORS
from marsad.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
METHODOLOGY = (ROOT / "docs" / "methodology.md").read_text(encoding="utf-8")


def test_every_indicator_is_defined_in_the_methodology():
    for indicator in INDICATORS:
        assert f"`{indicator}`" in METHODOLOGY, indicator


def test_every_command_is_in_the_readme():
    group = typer.main.get_group(app)
    for name in group.commands:
        assert f"marsad {name}" in README, name


def test_every_setting_is_in_the_readme():
    for name in Settings.model_fields:
        assert f"MARSAD_{name.upper()}" in README, name


def test_the_readme_gives_the_two_commands_that_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = next(line for line in ci.splitlines() if "pytest" in line)
    assert test_command in README
    assert "marsad demo --out" in README


def test_every_ingest_rule_is_documented():
    from marsad.ingest.schema import RULES

    text = (ROOT / "docs" / "ingestion.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"`{rule}`" in text, rule


def _layout_table() -> str:
    start = README.index("### Where things live")
    return README[start : README.index("\n## ", start)]


def test_every_package_and_module_of_the_layout_is_in_the_readme():
    """The "where things live" table names every folder and top-level module of
    ``src/marsad`` (a new stage gets a line), and every path it names exists."""
    table = _layout_table()
    src = ROOT / "src" / "marsad"
    for path in sorted(src.iterdir()):
        if path.name.startswith(("_", ".")) or path.suffix not in ("", ".py"):
            continue
        name = f"{path.name}/" if path.is_dir() else path.name
        assert f"`{name}`" in table or f"`src/marsad/{name}`" in table, name
    for cell in table.split("`"):
        if cell.startswith(("src/", "tests/", "bench/", "docs/")):
            assert (ROOT / cell).exists(), cell
