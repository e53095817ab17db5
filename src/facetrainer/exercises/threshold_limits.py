"""Limits of the therapist's thresholds: the target band and the spillover ceiling, in %.

Thresholds are percentages of each signal's reference; a value outside 0-200 % or a band
whose bottom is not below its top is refused with the field named, wherever it was typed or
dragged (the threshold lines, the program editor, a program file).
"""

from __future__ import annotations

import math

from facetrainer.exercises.library import Thresholds

MAX_THRESHOLD_PCT = 200.0


def check_thresholds(thresholds: Thresholds) -> Thresholds:
    """Return ``thresholds`` when usable; ``ValueError`` naming the field otherwise."""
    lo, hi = thresholds.target_band_pct
    fields = (("target_band_pct[0]", lo), ("target_band_pct[1]", hi),
              ("spillover_ceiling_pct", thresholds.spillover_ceiling_pct))
    for name, value in fields:
        if not (isinstance(value, int | float) and math.isfinite(value)
                and 0.0 <= value <= MAX_THRESHOLD_PCT):
            raise ValueError(f"{name} = {value!r}: must be within 0-{MAX_THRESHOLD_PCT:g} % "
                             "of the reference")
    if lo >= hi:
        raise ValueError(f"target_band_pct = ({lo:g}, {hi:g}): the bottom must be below the top")
    return thresholds
