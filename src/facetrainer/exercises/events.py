"""Feedback events the engine emits (Qt-free): what the GUI, sound or a recorder react to.

Listeners are plain callables ``listener(event)``; the live session calls them on its
worker thread, so a GUI should only queue them (the exercise panel drains a queue on its
timer).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CALIBRATED = "calibrated"  # rest calibration finished; scoring can start
CUE = "cue"  # data: phase ("rest" | "contract"), text, rep (next rep number)
ENTERED_BAND = "entered_band"  # the target activation entered the target band
LEFT_BAND = "left_band"  # data: direction ("above" | "below")
CEILING_CROSSED = "ceiling_crossed"  # data: signal, value_pct, ceiling_pct
CEILING_CLEARED = "ceiling_cleared"  # data: signal
PHASE = "phase"  # data: phase ("rest" | "contract" | "hold" | "release")
REP_COMPLETED = "rep_completed"  # data: rep (RepScore.to_json()), number
REP_MISSED = "rep_missed"  # a cued rep with no movement; data: number
REP_ABORTED = "rep_aborted"  # a rep cut short because tracking was lost; data: reason
TRACKING_LOST = "tracking_lost"  # no target signal (face left the frame, EMG stalled)
TRACKING_REGAINED = "tracking_regained"
THRESHOLDS_CHANGED = "thresholds_changed"  # shaping moved the band/ceiling; data: new values
SET_COMPLETED = "set_completed"  # data: summary (SetSummary.to_json())

KINDS = (
    CALIBRATED,
    CUE,
    ENTERED_BAND,
    LEFT_BAND,
    CEILING_CROSSED,
    CEILING_CLEARED,
    PHASE,
    REP_COMPLETED,
    REP_MISSED,
    REP_ABORTED,
    TRACKING_LOST,
    TRACKING_REGAINED,
    THRESHOLDS_CHANGED,
    SET_COMPLETED,
)


@dataclass(frozen=True)
class FeedbackEvent:
    """One feedback event at time ``t_s`` (app clock, or seconds into a recording)."""

    kind: str
    t_s: float
    data: dict[str, Any] = field(default_factory=dict)


EventListener = Callable[[FeedbackEvent], None]
