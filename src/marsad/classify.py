"""Classify: give each record its segment, its EBOPS 2010 main component and
whether the service is digitally deliverable.

The segment comes from the firm registry; failing that (firm not registered or
no firm id), from the service code through the concordance (marsad's own
proposal, longest code prefix); failing that, ``UNALLOCATED``: the record is
held for review (``marsad review``), outside the sector total and every
published figure, and never dropped.

Written as Ibis expressions: runs unchanged on DuckDB or Spark.
"""

from __future__ import annotations

import ibis
import pyarrow as pa

from marsad import reference


def service_map() -> pa.Table:
    """One row per EBOPS 2010 code: the concordance segment (None when the
    concordance has none), the main component (e.g. ``SI`` for ``SI22``) and
    the digitally-deliverable flag."""
    codes = reference.ebops()
    rows = {
        "service_code": list(codes),
        "concordance_segment": [reference.segment_for_service(c) for c in codes],
        "service_main": [c[:2] if len(c) >= 2 else c for c in codes],
        "digitally_deliverable": [codes[c].digitally_deliverable for c in codes],
    }
    schema = pa.schema(
        [
            ("service_code", pa.string()),
            ("concordance_segment", pa.string()),
            ("service_main", pa.string()),
            ("digitally_deliverable", pa.bool_()),
        ]
    )
    return pa.table(rows, schema=schema)


def mapped_services() -> list[str]:
    """The EBOPS 2010 codes the concordance places in a segment (e.g. ``SI22``,
    ``SJ312``); a record of an unregistered firm with any other code is held for review.

    >>> "SJ312" in mapped_services(), "SC12" in mapped_services()
    (True, False)
    """
    return sorted(c for c in reference.ebops() if reference.segment_for_service(c) is not None)


def classify(transactions: ibis.Table, firms: ibis.Table, services: ibis.Table) -> ibis.Table:
    """Add ``segment``, ``segment_source``, ``service_main`` and ``digitally_deliverable``.

    >>> classify(wh.table("transactions"), wh.table("firms"), service_map())  # doctest: +SKIP
    """
    registry = firms.select(reg_firm_id=firms.firm_id, registry_segment=firms.segment)
    joined = transactions.left_join(
        registry, transactions.firm_id == registry.reg_firm_id
    ).left_join(services, transactions.service_code == services.service_code)
    segment = ibis.coalesce(
        joined.registry_segment, joined.concordance_segment, ibis.literal(reference.UNALLOCATED)
    )
    source = ibis.cases(
        (joined.registry_segment.notnull(), "registry"),
        (joined.concordance_segment.notnull(), "concordance"),
        else_="unallocated",
    )
    return joined.select(
        *[joined[c] for c in transactions.columns],
        segment=segment,
        segment_source=source,
        service_main=joined.service_main,
        digitally_deliverable=joined.digitally_deliverable.fill_null(False),
    )
