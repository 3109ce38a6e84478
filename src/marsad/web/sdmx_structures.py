"""SDMX structures served: which artefacts a structure query names, and flow checks.

The dataflow and data structure ``{agency}:DIGITAL_EXPORTS(1.0)``, its concept scheme
``CS_DIGITAL_EXPORTS`` and code lists ``CL_FREQ``, ``CL_INDICATOR``... (see
:mod:`marsad.publish.sdmx`). ``references=`` adds the artefacts around the one asked:
``children`` (a dataflow's structure; a structure's code lists and concepts),
``parents`` (a structure's dataflow), ``descendants`` and ``all`` (everything).

>>> parse_flow_ref("MA,DIGITAL_EXPORTS,1.0")
('MA', 'DIGITAL_EXPORTS', '1.0')
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from marsad.errors import quoted
from marsad.publish import sdmx as psdmx
from marsad.web.problems import Problem
from marsad.web.store import PublicTable

RESOURCES = ("dataflow", "datastructure", "codelist", "conceptscheme")
ANY = ("*", "all", "ALL")
VERSIONS = (psdmx.VERSION, "latest", "~", "+", *ANY)
REFERENCES = ("none", "parents", "parentsandsiblings", "children", "descendants", "all")

#: Releases whose artefacts are kept (the most recently asked): every release made
#: while the server runs (or made again under its id) had its own, kept for good.
KEPT = 8
_cache: OrderedDict[str, list] = OrderedDict()
_lock = threading.Lock()


def parse_flow_ref(flow: str) -> tuple[str, str, str]:
    """(agency, id, version) of an SDMX 2.1 flow reference (``DIGITAL_EXPORTS``,
    ``MA,DIGITAL_EXPORTS`` or ``MA,DIGITAL_EXPORTS,1.0``).

    >>> parse_flow_ref("DIGITAL_EXPORTS")
    ('all', 'DIGITAL_EXPORTS', 'latest')
    """
    parts = flow.split(",")
    if len(parts) == 1:
        return "all", parts[0], "latest"
    if len(parts) == 2:
        return parts[0], parts[1], "latest"
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    raise Problem(404, f"no dataflow {quoted(flow)}: use {psdmx.ID} or "
                  f"{psdmx.agency()},{psdmx.ID},{psdmx.VERSION}")  # fmt: skip


def check_agency(agency: str) -> None:
    """Nothing when ``agency`` is the agency (or any); else a 404 problem with the hint
    sdmx1 users need: sdmx1 puts its source id where the agency goes, so the source
    must be added with the agency as its id."""
    ours = psdmx.agency()
    if agency not in (ours, *ANY):
        raise Problem(404, f"no agency {quoted(agency)}: the agency is {ours}. With sdmx1, add "
                      f"the source with the id {ours!r} (sdmx1 puts the source id where "
                      f'the agency goes): sdmx.add_source({{"id": "{ours}", "url": '
                      f'".../sdmx", "name": "marsad"}})')  # fmt: skip


def check_version(version: str) -> None:
    if version not in VERSIONS:
        raise Problem(404, f"no version {quoted(version)}: the version is {psdmx.VERSION}")


def check_flow(agency: str, flow: str, version: str) -> None:
    """Nothing when ``agency``/``flow``/``version`` name the dataflow; else a 404 problem."""
    check_agency(agency)
    if flow not in (psdmx.ID, *ANY):
        raise Problem(404, f"no dataflow {quoted(flow)}: the dataflow is {psdmx.ID}")
    check_version(version)


def all_artefacts(table: PublicTable) -> list:
    """Every artefact of the release's table (code lists, concepts, structure, dataflow),
    made once per release (those of the :data:`KEPT` releases last asked are kept)."""
    key = f"{table.release.id}:{table.release.sha256}"
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
    if found is None:
        found = psdmx.structure(table.rows)
        with _lock:
            found = _cache.setdefault(key, found)
            while len(_cache) > KEPT:
                _cache.popitem(last=False)
    return found


def artefacts(table: PublicTable, resource: str, agency: str, rid: str, version: str,
              references: str) -> list:  # fmt: skip
    """The artefacts a structure query names (e.g. the dataflow and, with
    ``references=all``, everything it uses)."""
    check_agency(agency)
    check_version(version)
    if references not in REFERENCES:
        raise Problem(400, f"references={references} is not served: use "
                      f"{', '.join(REFERENCES)}")  # fmt: skip
    every = all_artefacts(table)
    *lists, scheme, dsd, flow = every
    by_kind = {"codelist": lists, "conceptscheme": [scheme], "datastructure": [dsd],
               "dataflow": [flow]}  # fmt: skip
    asked = [a for a in by_kind[resource] if rid in ANY or a.id == rid]
    if not asked:
        raise Problem(404, f"no {resource} {quoted(rid)}")
    if references in ("all", "descendants") and resource in ("dataflow", "datastructure"):
        return every
    extra = _around(resource, references, lists, scheme, dsd, flow)
    chosen = {id(a) for a in (*asked, *extra)}
    return [a for a in every if id(a) in chosen]


def _around(resource: str, references: str, lists: list, scheme, dsd, flow) -> list:
    parents = references in ("parents", "parentsandsiblings", "all")
    children = references in ("children", "descendants", "all")
    if resource == "dataflow":
        return [dsd] if children else []
    if resource == "datastructure":
        return ([*lists, scheme] if children else []) + ([flow] if parents else [])
    return [dsd] if parents else []
