"""Statistical disclosure control: no published figure reveals one firm's business.

Between ``cube`` and ``indicators`` in the data flow (DESIGN.md), in four steps:

* :mod:`~marsad.protect.primary`: which level cells are sensitive (too few
  contributors, or one contributor dominates by the p% rule) and how much
  protection each needs (its upper and lower protection levels);
* :mod:`~marsad.protect.table`: the linked table an intruder sees, cells and the
  additive relations between them (segments, services, partners, calendar);
* :mod:`~marsad.protect.secondary`: the complementary cells withheld so that the
  sensitive ones cannot be recomputed, chosen by linear programming (HiGHS);
* :mod:`~marsad.protect.audit`: the intruder's own linear programs, which check
  that every withheld sensitive cell keeps its protection interval.

Money is integer centimes throughout. The confidentiality parameters (the
minimum number of contributors and p) never appear in a message, a log line or
a ``repr``: knowing p narrows what an intruder has to guess.
"""

from marsad.protect.audit import AuditResult, audit
from marsad.protect.cache import cache_from_rows, cache_rows
from marsad.protect.primary import Primary, SdcRule, assess, contributors
from marsad.protect.secondary import Suppression, protect, suppress
from marsad.protect.table import (
    Cell,
    Dimension,
    LinkedTable,
    Relation,
    build_table,
    calendar,
    derived_status,
    derived_withheld,
    flat,
)

__all__ = [
    "AuditResult",
    "Cell",
    "Dimension",
    "LinkedTable",
    "Primary",
    "Relation",
    "SdcRule",
    "Suppression",
    "assess",
    "audit",
    "build_table",
    "cache_from_rows",
    "cache_rows",
    "calendar",
    "contributors",
    "derived_status",
    "derived_withheld",
    "flat",
    "protect",
    "suppress",
]
