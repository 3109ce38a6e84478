"""Releases: frozen vintages of the indicator table, their diffs, revisions and checks.

Between ``protect`` and ``publish`` in the data flow (DESIGN.md):

* :mod:`~marsad.release.store`: where releases live (``releases/<ID>/`` beside the
  warehouse, or ``MARSAD_RELEASES_DIR``), ids, reading a release back;
* :mod:`~marsad.release.snapshot`: what a release takes from the warehouse (public
  and internal tables, the load ledger's state, reference-data versions, settings);
* :mod:`~marsad.release.freeze`: ``release create`` (atomic, read-only, audited);
* :mod:`~marsad.release.compare`: ``release diff`` and the revision triangle;
* :mod:`~marsad.release.verify`: ``release verify`` (rebuild from recorded inputs).

A release is immutable: its id is never reused and its files are read-only. Its
files depend on the data only (no clock, no path): the same inputs give the same
bytes.

>>> from marsad.release.store import check_id
>>> check_id("2025-S1")
'2025-S1'
"""
