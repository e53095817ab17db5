"""Home practice sets on the live-session model: a
:class:`~facetrainer.exercises.practice.SetRunner` over
:meth:`facetrainer.live.session_model.LiveSessionModel.start_set`.

Each set is one cued set of the exercise as the program prescribes it (the reps of this
segment, the program's hold, rest and thresholds) on the model's video and its one EMG chain
per source. The model's ``feedback`` signal carries every engine event to ``emit`` (the
practice runner queues them); the bars read the running set's snapshot.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from facetrainer.exercises.events import SET_COMPLETED, FeedbackEvent


class LiveSetRunner:
    """Parameters
    ----------
    model : LiveSessionModel
        Duck-typed: ``start_set``, ``stop_set``, ``events.feedback``, ``exercise_session``.
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self._emit: Callable[[FeedbackEvent], None] | None = None
        self.error = ""

    def start_set(self, request: Any, emit: Callable[[FeedbackEvent], None]) -> None:
        self.stop_set()
        ex = request.item.exercise  # already carries the program's hold, rest and band
        try:
            self._emit = emit
            self.model.events.feedback.connect(emit)
            self.model.start_set(
                ex, cued=True, thresholds=ex.thresholds, reps=request.reps,
                hold_s=ex.hold_s, rest_s=ex.rest_s,
            )  # fmt: skip
        except (KeyError, ValueError) as exc:  # no usable input for this exercise
            self._disconnect()
            self.error = str(exc).strip("'\"")
            emit(FeedbackEvent(SET_COMPLETED, 0.0, {"summary": {}, "error": self.error}))

    def pending_inputs(self) -> str:
        """The model's sources still connecting, by name ("" when none): the practice's
        first set waits for them instead of starting without its input."""
        sources = [getattr(self.model, "video_source", None),
                   *getattr(self.model, "emg_sources", [])]
        names = [src.name for src in sources
                 if src is not None and str(getattr(src.status.state, "value", src.status.state))
                 in ("idle", "connecting")]
        return ", ".join(names)

    def stop_set(self) -> None:
        self._disconnect()
        if getattr(self.model, "exercise_session", None) is not None:
            self.model.stop_set()

    def levels(self) -> tuple[float, dict[str, float]]:
        session = getattr(self.model, "exercise_session", None)
        if session is None:
            return math.nan, {}
        snap = session.snapshot()
        return snap.target_pct, dict(snap.watch_pct)

    def _disconnect(self) -> None:
        if self._emit is not None:
            self.model.events.feedback.disconnect(self._emit)
            self._emit = None
