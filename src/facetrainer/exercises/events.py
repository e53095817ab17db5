"""Feedback events the engine emits (Qt-free): what the GUI, sound or a recorder react to.

Listeners are plain callables ``listener(event)``; the live session calls them on its
worker thread, so a GUI should only queue them (the exercise panel drains a queue on its
timer).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from psygnal import Signal, SignalGroup

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


# -- typed events (psygnal) ------------------------------------------------------------------
# The same happenings as FeedbackEvent kinds, but typed: a listener gets the engine's own
# objects, not dicts it must guess the shape of. Emitted on the thread that scores the set
# (a Qt panel connects with ``thread="main"``).


@dataclass(frozen=True)
class SetSummary:
    """A finished set: its exercise and the engine's summary (``summarise_set``'s document).

    The main figures are attributes; ``data`` keeps the whole document, so figures the engine
    adds later reach the recorder and reports without a change here. ``quality_mean`` is on
    the engine's 0–100 scale.
    """

    exercise: str
    t_s: float
    reps_expected: int
    reps_detected: int
    quality_mean: float | None
    symmetry_mean: float | None
    data: dict[str, Any]

    @classmethod
    def from_json(cls, exercise: str, t_s: float, summary: dict[str, Any]) -> SetSummary:
        return cls(
            exercise,
            float(t_s),
            int(summary.get("reps_expected", 0)),
            int(summary.get("reps_detected", 0)),
            summary.get("quality_mean"),
            summary.get("symmetry_mean"),
            dict(summary),
        )


@dataclass(frozen=True)
class ActivationSample:
    """Activation at one engine input (a video frame or an EMG chunk), app-clock time.

    ``target_pct``: the target's activation in % of its reference; ``watch_pct``: each
    watched signal's; ``phase``: the engine's phase then. This is what the recorder stores as
    the frame's activation (never written into the published frame itself).
    """

    t_s: float
    target_pct: float
    watch_pct: dict[str, float]
    phase: str


@dataclass(frozen=True)
class ScoredRep:
    """One scored repetition of ``exercise``: the engine's ``RepScore`` (``rep``) and its
    app-clock times (``rep.start_s``/``rep.end_s`` are on the same clock)."""

    exercise: str
    rep: Any  # facetrainer.exercises.scoring.RepScore (typed Any: no import cycle)

    @property
    def quality(self) -> float:
        """0–100."""
        return float(self.rep.quality)


class SetEvents(SignalGroup):
    """Typed signals of one live exercise set (see :class:`facetrainer.exercises.session.
    LiveExerciseSession`); the live-session model forwards them as its own."""

    feedback = Signal(FeedbackEvent)  # every engine event, as the FeedbackEvent kinds above
    phase_changed = Signal(str)  # rest | contract | hold | release | calibrating
    rep_scored = Signal(ScoredRep)
    set_completed = Signal(SetSummary)
    activation = Signal(ActivationSample)
