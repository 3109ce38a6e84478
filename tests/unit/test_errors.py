"""Errors a user can fix are MarsadErrors (one plain line, exit code 1)."""

from __future__ import annotations

import pytest

from marsad.build import BuildError, build, load_indicators
from marsad.convert import MissingRateError
from marsad.errors import MarsadError
from marsad.publish.export import ExportError, export_table
from marsad.synth.generate import SynthError, generate


@pytest.mark.parametrize("error", [BuildError, MissingRateError, ExportError, SynthError])
def test_user_errors_are_marsad_errors(error):
    """BuildError, MissingRateError and ExportError were plain RuntimeError/ValueError,
    so the command line could not tell them from a bug."""
    assert issubclass(error, MarsadError) and error("x").exit_code == 1


def test_each_stage_raises_a_marsad_error_with_what_to_do(warehouse, tmp_path):
    with pytest.raises(MarsadError, match="marsad ingest"):
        build(warehouse)
    with pytest.raises(MarsadError, match="marsad build"):
        load_indicators(warehouse)
    with pytest.raises(MarsadError, match="choose one of csv"):
        export_table(warehouse, "xls", tmp_path / "out.xls")
    with pytest.raises(MarsadError, match="rows_per_year must be at least"):
        generate(tmp_path / "synth", rows_per_year=10)
