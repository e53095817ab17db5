"""What a patient is shown of a live number: clamped to what makes sense, flagged otherwise.

An activation below the resting baseline, or far above the reference, is not a movement
the patient made but a signal problem (an electrode lifting, a source switched mid-set, a
face half out of the frame). Showing "−43 %" or "448 %" only confuses; the patient sees the
value clamped to the sensible range and a plain flag ("signal lost", "signal unreliable").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

MAX_SHOWN_PCT = 150.0
"""Highest % of the reference a bar shows; above it the reading is flagged unreliable."""
NEGATIVE_TOLERANCE_PCT = -5.0
"""Readings a little below rest are noise around zero, shown as 0 without a flag."""

SIGNAL_LOST = "signal lost"
SIGNAL_UNRELIABLE = "signal unreliable"


@dataclass(frozen=True)
class Readout:
    """A value ready to show: ``value`` is within [0, ``MAX_SHOWN_PCT``]; ``flag`` is empty
    when the reading is believable, else the words to show instead of a number."""

    value: float
    flag: str = ""

    @property
    def ok(self) -> bool:
        return not self.flag


def readout_pct(value: Any, max_pct: float = MAX_SHOWN_PCT) -> Readout:
    """Clamp an activation in % of its reference for display and flag nonsense.

    Missing or non-finite → 0 with :data:`SIGNAL_LOST`; clearly negative or above
    ``max_pct`` → clamped with :data:`SIGNAL_UNRELIABLE`.
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return Readout(0.0, SIGNAL_LOST)
    v = float(value)
    if v < NEGATIVE_TOLERANCE_PCT:
        return Readout(0.0, SIGNAL_UNRELIABLE)
    if v > max_pct:
        return Readout(max_pct, SIGNAL_UNRELIABLE)
    return Readout(max(v, 0.0))


def rep_counter_text(rep_number: int, reps: int) -> str:
    """ "Rep 3 of 10": the number is kept within 1..reps whatever the engine counted."""
    reps = max(1, int(reps))
    return f"Rep {min(max(int(rep_number), 1), reps)} of {reps}"
