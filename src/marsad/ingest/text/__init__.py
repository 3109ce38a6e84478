"""Delimited text files, read top-down:

:mod:`~marsad.ingest.text.encoding` (which encoding; a UTF-8 copy when needed),
:mod:`~marsad.ingest.text.dialect` (separator, header, decimal mark: a
:class:`TextPlan`), :mod:`~marsad.ingest.text.read` (staging with DuckDB's
``read_csv``), :mod:`~marsad.ingest.text.lines` (the line of every row, and the
rejected lines) and :mod:`~marsad.ingest.text.group` (many small files in one
scan).
"""

import csv

from marsad.ingest.text.dialect import TextPlan, prepare_text
from marsad.ingest.text.group import one_pass, stage_text_group
from marsad.ingest.text.read import read_text

# A line of a bank file may hold a value of any length (a quote never closed joins the
# lines after it into one): the csv module's guard of 131,072 characters a field stopped
# a load with a traceback. The lines it parses (a sample, one line on its own) are in
# memory already; what a too-long value means is for the checks to say.
csv.field_size_limit(2**31 - 1)

__all__ = ["TextPlan", "one_pass", "prepare_text", "read_text", "stage_text_group"]
