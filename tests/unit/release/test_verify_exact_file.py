"""release verify and the exact values a release keeps (internal/exact.csv): a release
frozen before they were kept has none to compare, but one whose manifest lists the file
and that lacks it (deleted) fails verify like any other missing file (the server refuses
it with 503, and verify said OK)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from marsad.release.store import EXACT_CSV
from marsad.release.verify import Verdict, _compare


@dataclass
class _Release:
    path: Path
    manifest: dict = field(default_factory=dict)

    def files(self) -> list[tuple[str, int]]:
        return sorted(
            (p.relative_to(self.path).as_posix(), p.stat().st_size)
            for p in self.path.rglob("*")
            if p.is_file()
        )


def _folder(root: Path, names: list[str]) -> Path:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("same\n")
    return root


def _verdict(tmp_path: Path, frozen: list[str], listed: list[str]) -> Verdict:
    rebuilt = _folder(tmp_path / "rebuilt", ["indicators.csv", EXACT_CSV])
    release = _Release(_folder(tmp_path / "release", frozen), {"files": dict.fromkeys(listed, "x")})
    verdict = Verdict("R1")
    _compare(release, rebuilt, verdict)
    return verdict


def test_a_listed_exact_file_deleted_fails_verify(tmp_path):
    verdict = _verdict(tmp_path, ["indicators.csv"], ["indicators.csv", EXACT_CSV])
    assert not verdict.ok
    assert verdict.extra == [EXACT_CSV]


def test_a_release_frozen_before_exact_values_were_kept_passes(tmp_path):
    verdict = _verdict(tmp_path, ["indicators.csv"], ["indicators.csv"])
    assert verdict.ok


def test_a_release_with_its_exact_file_passes(tmp_path):
    both = ["indicators.csv", EXACT_CSV]
    assert _verdict(tmp_path, both, both).ok
