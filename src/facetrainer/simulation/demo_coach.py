"""Following the demo on a live session: start and stop the model's sets as the virtual
patient moves through its program (no Qt; the exercise panel calls :meth:`DemoCoach.tick`
on a timer and only shows what happened).

Moved out of the exercise panel (issue 10): which exercise the virtual patient does, when a
set may start (in the rest before it, once frames are processed) and must stop, its reps and
timing, and the EMG references from the virtual patient's known full contraction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from facetrainer.exercises.activation import Calibration
from facetrainer.exercises.library import Exercise
from facetrainer.simulation.demo_follow import DemoFollower, DemoSet, cue_phase
from facetrainer.simulation.demo_follow import reference_calibration as _reference
from facetrainer.simulation.sources import VirtualPatientEmg, VirtualPatientVideo
from facetrainer.source_status import SourceState

REFERENCE_TEXT = "EMG in % of the virtual patient's full contraction"


@dataclass(frozen=True)
class CoachStep:
    """What one tick did: ``"start"`` (``exercise`` started, ``references`` describes the
    calibration used), ``"stop"`` (the set ended with the block), or ``"none"``."""

    action: str
    exercise: Exercise | None = None
    references: str = ""


class DemoCoach:
    """Starts and stops sets of a :class:`~facetrainer.live.session_model.LiveSessionModel`
    to follow the virtual patient that is its video source.

    Parameters
    ----------
    model
        The live-session model (``video_source``, ``emg_sources``, ``library``,
        ``calibration``, ``start_set``, ``stop_set``, ``exercise_session``).
    face_in_view
        Whether processed frames show a face now (a set's rest window needs frames);
        default: the model's newest processed frame has one.
    """

    def __init__(self, model: Any, face_in_view: Callable[[], bool] | None = None) -> None:
        self.model = model
        self.face_in_view = face_in_view or self._latest_has_face
        self.follower: DemoFollower | None = None
        self._video: VirtualPatientVideo | None = None
        self._own_set: Any = None  # the exercise session this coach started

    @property
    def video(self) -> VirtualPatientVideo | None:
        """The virtual patient, when it is the video source."""
        src = self.model.video_source
        return src if isinstance(src, VirtualPatientVideo) else None

    @property
    def following(self) -> bool:
        """A set this coach started is running."""
        return self._own_set is not None and self._own_set is self.model.exercise_session

    def abandon(self) -> None:
        """The user took over: the current demo set is not restarted."""
        if self.follower is not None and self.follower.running is not None:
            self.follower.abandon()
        self._own_set = None

    def tick(self, enabled: bool = True) -> CoachStep:
        """Start or stop a set as the virtual patient's timeline requires (nothing happens
        with another video source, when disabled, or while the user's own set runs)."""
        video = self.video
        stopped = CoachStep("none")
        if video is not self._video:  # the demo restarted, or another source
            if self.following:
                self.abandon()
                self.model.stop_set()
                stopped = CoachStep("stop")
            self._video = video
            self.follower = DemoFollower(video.patient.timeline) if video is not None else None
        if video is None or self.follower is None or not enabled:
            return stopped
        if self.model.exercise_session is not None and not self.following:
            return stopped  # the user's own set is running
        t = video.clock.now_s()
        if t is None or (self.follower.running is None and not self.face_in_view()):
            return stopped  # a set starts once frames are processed
        if self.follower.running is None and self._emg_starting():
            return stopped  # ... and once the EMG streams (or failed): the set scores both
        decision = self.follower.decide(t)
        if decision.action == "stop":
            self._own_set = None
            self.model.stop_set()
            return CoachStep("stop")
        if decision.action == "start" and decision.demo_set is not None:
            return self._start(video, decision.demo_set, decision.reps)
        return stopped

    def cue(self) -> str | None:
        """The virtual patient's own phase now (cue, contract, hold, release, rest), when a
        followed set runs; else None."""
        video = self.video
        t = video.clock.now_s() if video is not None else None
        if not self.following or video is None or t is None:
            return None
        return cue_phase(video.patient.timeline, t)

    def reference_calibration(self) -> tuple[Calibration | None, str]:
        """EMG references from the virtual patient's reference contraction; a calibration
        loaded into the model takes precedence for its channels."""
        user = self.model.calibration
        emg = next((s for s in self.model.emg_sources
                    if isinstance(s, VirtualPatientEmg) and s.info is not None), None)  # fmt: skip
        if emg is None or emg.info is None:
            return user, ""
        ref = _reference(tuple(emg.info.channel_names), float(emg.info.fs_hz), int(emg.seed))
        if user is not None:
            return Calibration({**ref.channels, **user.channels}), f"{REFERENCE_TEXT}; yours"
        return ref, REFERENCE_TEXT

    # -- internals ---------------------------------------------------------------------------
    def _start(self, video: VirtualPatientVideo, ds: DemoSet, reps: int) -> CoachStep:
        assert self.follower is not None
        ex = self.model.library.exercises.get(ds.exercise)
        if ex is None or not ex.scored:
            self.follower.abandon()
            return CoachStep("none")
        first = ds.reps[0]
        rest_s = ds.reps[1].start_s - ds.reps[0].end_s if len(ds.reps) > 1 else ex.rest_s
        ex = dataclasses.replace(
            ex, reps=reps, hold_s=first.hold_end_s - first.hold_start_s, rest_s=rest_s
        )
        side = video.patient.profile.affected_side
        self.model.set_affected_side(side if side in ("left", "right") else None)
        calibration, references = self.reference_calibration()
        try:
            self._own_set = self.model.start_set(ex, cued=False, calibration=calibration)
        except ValueError:
            self.follower.abandon()
            return CoachStep("none")
        return CoachStep("start", ex, references)

    def _emg_starting(self) -> bool:
        """An EMG source is still opening (its first set would be scored from video alone)."""
        return any(
            s.status.state in (SourceState.IDLE, SourceState.CONNECTING)
            for s in self.model.emg_sources
        )

    def _latest_has_face(self) -> bool:
        pf = self.model.pipeline.processor.latest
        return pf is not None and getattr(pf, "face", None) is not None
