"""The calibrated synthetic data generator (``marsad synth``).

It writes a firm registry, reference rates and one file of bank settlement
records per month (January 2023 to June 2025) whose built aggregates reproduce
the exports published in October 2025 by the Office des Changes and the
Ministry of Digital Transition. The records are synthetic, not real transactions.

Calibration method
------------------
1. :data:`CALIBRATION` gives each segment's exports for a partition of the
   period into years, halves or quarters (e.g. CRM 2024-Q3: 2.814 bn MAD). Each
   figure is split into months in proportion to a seasonality profile (August
   low, December high), in integer centimes, by the largest-remainder method:
   the months add up to the figure exactly (:func:`monthly_targets`).
2. Each month, each segment's export records are drawn (firm by a Zipf-like
   size, service code, partner, currency consistent with the partner, value
   date) with a relative size; sizes are scaled so that their MAD values add up
   to the month's target, converted to the original currency at the rate of the
   value date (or the latest earlier one), and rounded to the cent.
3. The MAD value of every record is then recomputed exactly as the build does
   (``amount_cents * rate_e4 / 10_000``, rounded half away from zero, in
   integers), and the cell's small rounding residual is added to its largest
   record settled in MAD (rate 1), so that the cell hits its target to the
   centime. A cell without a MAD record gets one before pricing.
4. Records of unregistered firms carry a service code that the concordance maps
   to the segment being calibrated, so the build puts them in the same cell.
   Imports (flow D) are not calibrated: about 15% of rows, about 20% of export value.

``expected_mad.csv`` holds the generator's own MAD totals per month, flow and
segment (as the build will classify records), computed from the written amounts.

>>> from marsad.synth import target_centimes
>>> target_centimes("CRM", "2024-Q3")
281400000000
"""

from marsad.synth.calibration import (
    CALIBRATION,
    SEASONALITY,
    CalibrationTarget,
    monthly_targets,
    period_months,
    target_centimes,
)
from marsad.synth.generate import SynthResult, generate
from marsad.synth.writer import TRANSACTION_COLUMNS

__all__ = [
    "CALIBRATION",
    "SEASONALITY",
    "TRANSACTION_COLUMNS",
    "CalibrationTarget",
    "SynthResult",
    "generate",
    "monthly_targets",
    "period_months",
    "target_centimes",
]
