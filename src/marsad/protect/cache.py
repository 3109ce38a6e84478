"""Exact reuse of a component's suppression pattern from one build to the next.

The secondary suppression (:func:`~marsad.protect.secondary.protect`) solves each
connected component of the linked table alone (exports and imports, each year),
and its outcome, the cells withheld after the suppress/audit rounds, is a
deterministic function of that component's content: the keys in order, each
cell's value, status, protection levels and weight, and the relations. A new
month changes the components of its year; the nine other years of a ten-year
history come out exactly as before.

:func:`fingerprint` is the SHA-256 of that content (and of the method's version
and the solver's, so that a new release of either solves again); a *cache* is a
mapping ``fingerprint -> frozenset of withheld keys``. The build keeps it in the
internal DuckDB table ``sdc_cache`` (:func:`cache_rows`, :func:`cache_from_rows`):
its keys are cell keys, and the cells they name are not published, but no value
is stored. A cached pattern that does not fit its component (a key that is not
one of its published cells) is ignored and the component solved again.

>>> rows = cache_rows({"ab12": frozenset({("exports", "2024-07", "ITO", "_T", "FR")})})
>>> rows.to_pylist()
[{'fingerprint': 'ab12', 'keys': '[["exports","2024-07","ITO","_T","FR"]]', 'year': None}]
>>> cache_from_rows(rows)
{'ab12': frozenset({('exports', '2024-07', 'ITO', '_T', 'FR')})}
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Hashable, Iterable, Mapping
from importlib.metadata import version

import pyarrow as pa

from marsad.protect._lp import Component
from marsad.protect.table import LinkedTable

#: Bump when the suppression or the audit changes in a way that changes a pattern.
METHOD = "lp-heuristic/1"
_SOLVER = f"highspy {version('highspy')}"
#: Columns of ``sdc_cache``: ``year`` is the component's (a build keeps the rows of
#: the years it did not recompute).
SCHEMA = pa.schema([("fingerprint", pa.string()), ("keys", pa.string()), ("year", pa.int32())])

Cache = dict[str, frozenset[Hashable]]


def fingerprint(table: LinkedTable, comp: Component) -> str:
    """SHA-256 (hex) of one component's canonical content: its keys in order
    with each cell's value, status, protection levels, weight and whether an
    earlier release made it known (:mod:`~marsad.protect.apriori`), then its
    relations by position. Any change to a cell of the component (or to the
    order of its cells) gives another fingerprint.

    >>> from marsad.protect._lp import components
    >>> from marsad.protect.table import Cell, build_table, flat
    >>> t = build_table({("T",): Cell(30), ("a",): Cell(10, "A", 1, 1), ("b",): Cell(20)},
    ...                 [flat(0, "T", "ab")])
    >>> len(fingerprint(t, components(t)[0]))
    64
    """
    digest = hashlib.sha256(f"{METHOD}\x1f{_SOLVER}\x1e".encode())
    cells = table.cells
    parts = []
    for k in comp.keys:
        c = cells[k]
        part = f"{k!r}\x1f{c.value}\x1f{c.status}\x1f{c.upl}\x1f{c.lpl}\x1f{c.weight()!r}"
        parts.append(f"{part}\x1fknown" if c.known else part)
    index = comp.index
    parts.append("")
    for rel in comp.relations:
        parts.append(" ".join(str(index[k]) for k in (rel.total, *rel.parts)))
    digest.update("\x1e".join(parts).encode())
    return digest.hexdigest()


def fits(table: LinkedTable, comp: Component, keys: Iterable[Hashable]) -> bool:
    """True when every key is a published cell of ``comp`` (a usable cached pattern).

    >>> from marsad.protect._lp import components
    >>> from marsad.protect.table import Cell, build_table, flat
    >>> t = build_table({("T",): Cell(30), ("a",): Cell(10, "A", 1, 1), ("b",): Cell(20)},
    ...                 [flat(0, "T", "ab")])
    >>> fits(t, components(t)[0], [("b",)]), fits(t, components(t)[0], [("a",)])
    (True, False)
    """
    members = set(comp.keys)
    return all(k in members and not table.cells[k].withheld for k in keys)


def cache_rows(
    cache: Mapping[str, Iterable[Hashable]], years: Mapping[str, int] | None = None
) -> pa.Table:
    """The cache as the rows of ``sdc_cache``: ``fingerprint`` (hex), ``keys``
    (the withheld keys as a JSON list of lists, sorted) and ``year`` (of
    ``years``, null when not given), by fingerprint.
    Raises ``TypeError`` for a key that JSON cannot write (keys are tuples of codes).
    """
    fps = sorted(cache)
    keys = [_json(sorted((_plain(k) for k in cache[f]), key=_json)) for f in fps]
    year = [(years or {}).get(f) for f in fps]
    return pa.table(
        [pa.array(fps, pa.string()), pa.array(keys, pa.string()), pa.array(year, pa.int32())],
        schema=SCHEMA,
    )


def cache_from_rows(rows: pa.Table | Iterable[tuple[str, str]]) -> Cache:
    """The cache back from the rows of ``sdc_cache`` (an Arrow table, or pairs
    ``(fingerprint, keys as JSON)``); keys come back as tuples. Raises
    ``ValueError`` on text that is not the JSON :func:`cache_rows` writes."""
    if isinstance(rows, pa.Table):
        rows = zip(
            rows.column("fingerprint").to_pylist(), rows.column("keys").to_pylist(), strict=True
        )
    return {str(f): frozenset(_key(k) for k in json.loads(keys)) for f, keys in rows}


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def _plain(key: Hashable) -> object:
    """A key as JSON writes it: tuples become lists, at any depth."""
    return [_plain(v) for v in key] if isinstance(key, tuple) else key


def _key(item: object) -> Hashable:
    """A JSON value back as a key: lists become tuples, at any depth."""
    return tuple(_key(v) for v in item) if isinstance(item, list) else item  # type: ignore[return-value]
