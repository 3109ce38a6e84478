"""The synthetic firm registry: about 1,200 firms with heavy-tailed sizes."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from marsad.reference import SEGMENT_CODES
from marsad.synth import profiles as P

FIRMS_HEADER: tuple[str, ...] = ("firm_id", "name", "segment", "isic", "city")


@dataclass(frozen=True)
class Firms:
    """The registry as arrays, one entry per firm (index = position in ``ids``).

    ``weight`` is the firm's share of its segment's exports in expectation (the
    weights of a segment add up to 1); ``segment`` indexes SEGMENT_CODES;
    ``bank`` indexes REPORTERS (the firm's main bank).
    """

    ids: tuple[str, ...]
    names: tuple[str, ...]
    segment: npt.NDArray[np.int64]
    isic: tuple[str, ...]
    city: tuple[str, ...]
    weight: npt.NDArray[np.float64]
    bank: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.ids)

    def of_segment(self, seg: int) -> npt.NDArray[np.int64]:
        """Indices of the firms of one segment (e.g. 0 for ITO)."""
        return np.flatnonzero(self.segment == seg)


def probabilities(weights: dict[str, float]) -> tuple[list[str], npt.NDArray[np.float64]]:
    """Keys and normalised probabilities of a weight table."""
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=np.float64)
    return keys, p / p.sum()


def _pick(weights: dict[str, float], u: float) -> str:
    """The key of a weight table that a uniform draw u in [0, 1) falls on."""
    keys, p = probabilities(weights)
    return keys[min(int(np.searchsorted(np.cumsum(p), u, side="right")), len(keys) - 1)]


def size_weights(rng: np.random.Generator, count: int) -> npt.NDArray[np.float64]:
    """Zipf-like firm weights adding up to 1; the largest holds 10-25% of the total."""
    ranks = np.arange(1, count + 1, dtype=np.float64)
    w = ranks**-P.ZIPF_EXPONENT * rng.lognormal(0.0, P.SIZE_JITTER_SIGMA, count)
    top = int(np.argmax(w))
    rest = w.sum() - w[top]
    lo, hi = P.TOP_FIRM_SHARE
    share = float(np.clip(w[top] / w.sum(), lo, hi))
    w[top] = share * rest / (1.0 - share)
    return w / w.sum()


def make_firms(rng: np.random.Generator) -> Firms:
    """Draw the registry: segments, sizes, ISIC classes, cities, main banks, names."""
    segment = np.concatenate(
        [np.full(P.FIRM_COUNTS[s], i, dtype=np.int64) for i, s in enumerate(SEGMENT_CODES)]
    )
    weight = np.concatenate([size_weights(rng, P.FIRM_COUNTS[s]) for s in SEGMENT_CODES])
    # Identifiers are shuffled so that they say nothing of a firm's size or segment.
    order = rng.permutation(len(segment))
    segment, weight = segment[order], weight[order]
    n = len(segment)
    cities, p_city = probabilities(P.CITIES)
    city = [cities[i] for i in rng.choice(len(cities), size=n, p=p_city)]
    banks, p_bank = probabilities(P.REPORTERS)
    bank = rng.choice(len(banks), size=n, p=p_bank).astype(np.int64)
    isic, names = [], []
    words = rng.integers(0, len(P.NAME_WORDS), size=n)
    suffix_draw = rng.integers(0, 60, size=n)
    isic_draw = rng.random(n)
    for k in range(n):
        seg = SEGMENT_CODES[segment[k]]
        isic.append(_pick(P.ISIC[seg], float(isic_draw[k])))
        suffixes = P.NAME_SUFFIXES[seg]
        suffix = suffixes[suffix_draw[k] % len(suffixes)]
        names.append(f"Synthetic {P.NAME_WORDS[words[k]]} {suffix} {k + 1:04d}")
    return Firms(
        ids=tuple(f"F{k + 1:04d}" for k in range(n)),
        names=tuple(names),
        segment=segment,
        isic=tuple(isic),
        city=tuple(city),
        weight=weight,
        bank=bank,
    )


def unregistered_ids() -> dict[str, tuple[str, ...]]:
    """Identifiers of the unregistered firms of each segment (``UNREG-0001`` ...)."""
    out, k = {}, 0
    for seg in SEGMENT_CODES:
        count = P.UNREGISTERED_COUNTS[seg]
        out[seg] = tuple(f"UNREG-{k + j + 1:04d}" for j in range(count))
        k += count
    return out


def write_firms(firms: Firms, path: Path) -> int:
    """Write ``firms.csv``; returns the number of firms."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(FIRMS_HEADER)
        for k in range(len(firms)):
            seg = SEGMENT_CODES[firms.segment[k]]
            writer.writerow((firms.ids[k], firms.names[k], seg, firms.isic[k], firms.city[k]))
    return len(firms)
