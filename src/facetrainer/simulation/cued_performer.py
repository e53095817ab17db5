"""The virtual patient on cue: a timeline that grows as a therapist (or a wizard) asks.

The demo's :class:`~facetrainer.simulation.protocol.Timeline` is fixed in advance. A guided
procedure such as the calibration wizard asks for one expression at a time, when the user
presses a button; :class:`CuedTimeline` answers: :meth:`perform` appends a repetition that
starts after a reaction time and holds until the step is over, :meth:`look_away` makes the
face leave the frame. Readers (the video and EMG threads) always see one complete,
immutable timeline: each cue builds a new one and swaps it in, and ``revision`` tells the
EMG synthesiser that activations it cached are out of date.

No Qt here; tests and scripts drive it from their own cues.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from facetrainer.simulation.patient import VirtualPatient
from facetrainer.simulation.profile import PatientProfile, load_profile
from facetrainer.simulation.protocol import EXERCISE_ACTIONS, LookAway, Rep, Timeline
from facetrainer.simulation.sources import SimulationClock, VirtualPatientEmg, VirtualPatientVideo

HORIZON_S = 3600.0  # blinks are drawn over this span; a cued session is shorter
REACTION_S = 0.3  # from the cue to the first movement
CONTRACT_S = 0.5  # ramp up to full effort (slowly, as in practice, but brief)
RELEASE_S = 0.4


class CuedTimeline:
    """A :class:`Timeline` that grows on cue (same reading interface, thread-safe)."""

    def __init__(self, horizon_s: float = HORIZON_S) -> None:
        self.horizon_s = float(horizon_s)
        self._reps: list[Rep] = []
        self._looks: list[LookAway] = []
        self._lock = threading.Lock()
        self.revision = 0
        self._current = Timeline([], [], self.horizon_s)

    # -- cues --------------------------------------------------------------------------------
    def perform(self, exercise: str, at_s: float, duration_s: float) -> Rep:
        """Do ``exercise`` (an id of :data:`EXERCISE_ACTIONS`) at full effort from ``at_s``
        (timeline time) plus the reaction time, holding until ``at_s + duration_s``."""
        if exercise not in EXERCISE_ACTIONS:
            raise ValueError(f"unknown exercise {exercise!r} (known: {', '.join(EXERCISE_ACTIONS)})")
        start = float(at_s) + REACTION_S
        hold0 = start + CONTRACT_S
        hold1 = max(float(at_s) + float(duration_s), hold0 + 0.1)
        with self._lock:
            self._cut(float(at_s), 1e-3)  # a new cue ends the movement under way
            rep = Rep(exercise, len(self._reps) + 1, "normal", float(at_s), start, hold0, hold1,
                      hold1 + RELEASE_S)
            self._reps.append(rep)
            self._swap()
        return rep

    def relax(self, at_s: float) -> None:
        """End the movement under way at ``at_s`` (released over the release time)."""
        with self._lock:
            if self._cut(float(at_s), RELEASE_S):
                self._swap()

    def _cut(self, at_s: float, release_s: float) -> bool:
        if not self._reps or self._reps[-1].end_s <= at_s:
            return False
        last = self._reps.pop()
        cut = max(at_s, last.hold_start_s)
        self._reps.append(Rep(last.exercise, last.index, last.kind, last.cue_s, last.start_s,
                              last.hold_start_s, cut, cut + release_s))
        return True

    def look_away(self, at_s: float, duration_s: float) -> LookAway:
        """The face leaves the frame from ``at_s`` for ``duration_s`` (sliding out and back)."""
        la = LookAway(float(at_s), float(at_s) + float(duration_s))
        with self._lock:
            self._looks.append(la)
            self._swap()
        return la

    def _swap(self) -> None:
        self._current = Timeline(list(self._reps), list(self._looks), self.horizon_s)
        self.revision += 1

    # -- what the patient reads (Timeline's interface) ---------------------------------------
    @property
    def reps(self) -> list[Rep]:
        return self._current.reps

    @property
    def look_aways(self) -> list[LookAway]:
        return self._current.look_aways

    @property
    def duration_s(self) -> float:
        return self.horizon_s

    @property
    def loop(self) -> bool:
        return False

    @property
    def exercises(self) -> tuple[str, ...]:
        return self._current.exercises

    def local_time(self, t_s: np.ndarray | float) -> np.ndarray:
        return self._current.local_time(t_s)

    def effort(self, t_s: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        return self._current.effort(t_s)

    def phase(self, t_s: float) -> str:
        return self._current.phase(t_s)

    def exercise_at(self, t_s: float) -> str | None:
        return self._current.exercise_at(t_s)

    def commands(self, t_s: np.ndarray | float) -> dict[str, np.ndarray]:
        return self._current.commands(t_s)

    def look_away_fraction(self, t_s: np.ndarray | float) -> np.ndarray:
        return self._current.look_away_fraction(t_s)


@dataclass
class CuedPatient:
    """The virtual patient's face and EMG sources, performing what it is asked, when asked."""

    patient: VirtualPatient
    timeline: CuedTimeline
    clock: SimulationClock
    video: VirtualPatientVideo
    emg: VirtualPatientEmg

    def now_s(self) -> float:
        t = self.clock.now_s()
        return 0.0 if t is None else float(t)

    def perform(self, exercise: str, duration_s: float) -> Rep:
        """Start ``exercise`` now (after the reaction time), held for ``duration_s``."""
        return self.timeline.perform(exercise, self.now_s(), duration_s)

    def relax(self) -> None:
        """End any movement now (rest follows)."""
        self.timeline.relax(self.now_s())

    def look_away(self, duration_s: float) -> LookAway:
        return self.timeline.look_away(self.now_s(), duration_s)

    def new_emg(self, seed: int | None = None) -> VirtualPatientEmg:
        """A fresh EMG source on the same patient and clock (a device plugged back in)."""
        return VirtualPatientEmg(self.patient, self.clock, seed=self.emg.seed if seed is None
                                 else seed, name=self.emg.name)


def cued_patient(profile: str | PatientProfile = "synkinesis_left", seed: int = 0,
                 face_path: str | None = None) -> CuedPatient:
    """A virtual patient (profile name or loaded profile) that performs on cue; its sources
    are not started (give them to a live session)."""
    prof = profile if isinstance(profile, PatientProfile) else load_profile(profile)
    timeline = CuedTimeline()
    patient = VirtualPatient(prof, timeline, seed=seed)  # type: ignore[arg-type]
    clock = SimulationClock()
    name = f"virtual patient ({prof.name})"
    video = VirtualPatientVideo(patient, clock, face_path=face_path, name=name)
    emg = VirtualPatientEmg(patient, clock, seed=seed, name=f"{name} EMG")
    return CuedPatient(patient, timeline, clock, video, emg)
