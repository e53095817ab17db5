"""Home practice sets on the running pipeline: a :class:`~facetrainer.exercises.practice.SetRunner`
over the live exercise session.

Each set is one cued :class:`~facetrainer.exercises.session.LiveExerciseSession` of the
exercise as the program prescribes it (reps of this segment, hold, rest, thresholds), on the
pipeline's video and EMG. The engine's events go straight to ``emit`` (the practice runner
queues them); the bars read the engine's snapshot.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from facetrainer.exercises.events import FeedbackEvent


class LiveSetRunner:
    """Parameters as :class:`~facetrainer.exercises.session.LiveExerciseSession`."""

    def __init__(
        self,
        pipeline: Any,
        *,
        montage: Any = None,
        affected_side: str | None = None,
        calibration: Any = None,
        use_video: bool = True,
        use_emg: bool = True,
    ) -> None:
        self.pipeline = pipeline
        self.options = dict(
            montage=montage, affected_side=affected_side, calibration=calibration,
            use_video=use_video, use_emg=use_emg,
        )  # fmt: skip
        self.session: Any = None
        self.error = ""

    def start_set(self, request: Any, emit: Callable[[FeedbackEvent], None]) -> None:
        from facetrainer.exercises.session import LiveExerciseSession

        self.stop_set()
        exercise = replace(request.item.exercise, reps=request.reps)
        try:
            session = LiveExerciseSession(
                self.pipeline, exercise, thresholds=exercise.thresholds, cued=True, **self.options
            )
        except ValueError as exc:  # no signal for this exercise (e.g. no face stage, no EMG)
            self.error = str(exc)
            emit(FeedbackEvent("set_completed", 0.0, {"summary": {}, "error": str(exc)}))
            return
        session.subscribe(emit)
        session.start()
        self.session = session

    def stop_set(self) -> None:
        if self.session is not None:
            self.session.stop()
            self.session = None

    def levels(self) -> tuple[float, dict[str, float]]:
        if self.session is None:
            return math.nan, {}
        snap = self.session.snapshot()
        return snap.target_pct, dict(snap.watch_pct)
