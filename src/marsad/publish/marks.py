"""The marks a public output writes in place of a figure, the same everywhere.

The main workbook (``marsad export --format xlsx``) uses the UK Government Statistical
Service's shorthand, in square brackets so that a mark can never be read as data; the
bulletin, the dashboard, the explorer's Excel download and the charts write the same
marks, so that one legend ("[c] = confidential") explains every file a reader opens.
The machine-readable files keep their own codes: an empty value with ``conf_status``
``A``, ``O`` or ``D`` in the CSV, ``OBS_STATUS`` and ``CONF_STATUS`` (SDMX code lists) in
SDMX, ``null`` in the API's JSON.

>>> WITHHELD, MISSING
('[c]', '[x]')
"""

#: Shown in place of a withheld (confidential) value (e.g. a segment of one firm).
WITHHELD = "[c]"
#: Shown where the table has no value at all (e.g. a growth of the first year).
MISSING = "[x]"
