"""The stages depend only downstream-to-upstream: build never reaches into publish."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["marsad.build", "marsad.indicators.rows"])
def test_build_does_not_import_publish(module):
    """build.py imported publish.values for export_rows, so the build stage
    depended on the publishing stage (and everything it loads)."""
    code = (
        f"import sys, {module}; "
        "print(sorted(m for m in sys.modules if m.startswith('marsad.publish')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
