"""The virtual patient doing a set of home practice, for the demo and the tests.

:class:`VirtualSetRunner` is a :class:`~facetrainer.exercises.practice.SetRunner`: asked for
a set, the virtual patient performs exactly what the request prescribes (the program's
reps, hold and rest), its EMG goes through the app's processing chain and the same
:class:`~facetrainer.exercises.scorer.ExerciseScorer` the live session runs, with the
request's thresholds; the engine's events come back through ``emit``, paced in real time
divided by ``speed`` (``speed=inf``: as fast as they are computed). Event times are on the
app clock (:func:`facetrainer.clock.now` at the set's start plus the set's own time), as a
live set's are, so a recorder stores them the same way.

With ``frame_sink`` the rendered face of every rep (from its cue to the end of its release)
is handed over at ``clip_fps`` frames per second, for the best-rep clip.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from facetrainer import clock
from facetrainer.exercises import events as ev
from facetrainer.exercises.events import FeedbackEvent

CLIP_FPS = 8.0


class VirtualSetRunner:
    """Runs each requested set with the virtual patient (a background thread per set).

    Parameters
    ----------
    profile : str
        A ready profile (``healthy``, ``flaccid_right``, ``synkinesis_left``).
    speed : float
        How much faster than real time events are delivered (``math.inf``: at once).
    seed : int
    frame_sink : callable, optional
        ``frame_sink(t_s, rgb)`` with the rendered face (app-clock times) during each rep.
    clip_fps : float
    fail_exercises : set of str
        Exercises whose set loses the face mid-set (tracking lost, then regained), for the
        bad-input tests.
    """

    def __init__(
        self,
        profile: str = "synkinesis_left",
        speed: float = math.inf,
        seed: int = 0,
        frame_sink: Callable[[float, np.ndarray], None] | None = None,
        clip_fps: float = CLIP_FPS,
        fail_exercises: frozenset[str] = frozenset(),
    ) -> None:
        self.profile = profile
        self.speed = float(speed)
        self.seed = seed
        self.frame_sink = frame_sink
        self.clip_fps = clip_fps
        self.fail_exercises = fail_exercises
        self.requests: list[Any] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._renderer: Any = None
        self._levels: list[tuple[float, float, dict[str, float]]] = []
        self._started = time.monotonic()

    def start_set(self, request: Any, emit: Callable[[FeedbackEvent], None]) -> None:
        self.stop_set()
        self.requests.append(request)
        self._stop = threading.Event()
        events = self._score(request)
        t0 = clock.now()
        self._started = time.monotonic()
        self._thread = threading.Thread(
            target=self._deliver, args=(events, emit, t0, self._stop), daemon=True,
            name="virtual-practice-set",
        )  # fmt: skip
        self._thread.start()

    def stop_set(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2.0)
        self._thread = None

    def levels(self) -> tuple[float, dict[str, float]]:
        """(target %, {watch signal: %}) the set shows now (as a live engine snapshot)."""
        if not self._levels:
            return math.nan, {}
        t = (
            (time.monotonic() - self._started) * self.speed
            if math.isfinite(self.speed)
            else math.inf
        )
        k = int(np.searchsorted([x[0] for x in self._levels], t, side="right")) - 1
        _, target, watch = self._levels[max(k, 0)]
        return target, watch

    def wait(self, timeout_s: float = 30.0) -> None:
        """Block until the running set has delivered all its events (tests)."""
        if self._thread is not None:
            self._thread.join(timeout_s)

    # -- internals -----------------------------------------------------------------------
    def _score(self, request: Any) -> list[tuple[float, FeedbackEvent, tuple[float, float]]]:
        from dataclasses import replace

        from facetrainer.emg.processing import SETTLE_S, EmgProcessor
        from facetrainer.exercises.scorer import ExerciseScorer
        from facetrainer.simulation.demo_follow import reference_calibration
        from facetrainer.simulation.emg_synth import DEFAULT_MONTAGE, EmgSynthesizer
        from facetrainer.simulation.patient import VirtualPatient
        from facetrainer.simulation.profile import load_profile
        from facetrainer.simulation.protocol import ProtocolTiming, build_timeline

        exercise = replace(request.item.exercise, reps=request.reps)
        lead_in_s = SETTLE_S + 3.0  # the filters settle, then the engine's rest window
        timing = ProtocolTiming(
            lead_in_s=lead_in_s, cue_s=0.6, contract_s=1.2, hold_s=exercise.hold_s,
            release_s=1.2, rest_s=max(exercise.rest_s - 0.6, 0.5),
        )  # fmt: skip
        timeline = build_timeline([exercise.id], reps=request.reps, timing=timing, seed=self.seed)
        patient = VirtualPatient(load_profile(self.profile), timeline, seed=self.seed)
        fs_hz = 1000.0
        synth = EmgSynthesizer(patient, DEFAULT_MONTAGE, fs_hz=fs_hz, seed=self.seed)
        data = synth.generate(int(math.ceil((timeline.duration_s + 1.0) * fs_hz)))
        proc = EmgProcessor(fs_hz, data.shape[0], None)
        step = int(0.1 * fs_hz)
        env = np.hstack(
            [proc.process(data[:, i : i + step])[1] for i in range(0, data.shape[1], step)]
        )
        t = np.arange(data.shape[1]) / fs_hz
        keep = t >= SETTLE_S
        scorer = ExerciseScorer(
            exercise,
            video=False,
            emg_channels=list(DEFAULT_MONTAGE),
            affected_side=patient.profile.affected_side,
            thresholds=exercise.thresholds,
            calibration=reference_calibration(DEFAULT_MONTAGE, fs_hz, self.seed),
        )
        out: list[tuple[float, FeedbackEvent, tuple[float, float]]] = []
        scorer.engine.subscribe(lambda e: out.append((e.t_s, e, (0.0, 0.0))))
        tk, ek = t[keep], env[:, keep]
        levels: list[tuple[float, float, dict[str, float]]] = []
        for i in range(0, tk.size, step):  # the bars a live set would show, every 0.1 s
            scorer.push_emg(tk[i : i + step], ek[:, i : i + step])
            snap = scorer.engine.snapshot()
            levels.append((float(tk[min(i + step, tk.size) - 1]), snap.target_pct,
                           dict(snap.watch_pct)))  # fmt: skip
        self._levels = levels
        scorer.end("emg")
        scorer.finish()
        for rep in timeline.reps:  # the cues a live, cued engine gives
            out.append((rep.cue_s, FeedbackEvent(ev.CUE, rep.cue_s, {
                "phase": "contract", "rep": rep.index,
                "text": exercise.instructions.split(".")[0]}), (rep.cue_s, rep.end_s)))  # fmt: skip
            rest_t = rep.end_s + 0.05
            out.append((rest_t, FeedbackEvent(ev.CUE, rest_t, {"phase": "rest",
                "rep": rep.index + 1, "text": "Relax"}), (0.0, 0.0)))  # fmt: skip
        if exercise.id in self.fail_exercises and timeline.reps:
            r = timeline.reps[len(timeline.reps) // 2]
            lost, back = r.start_s + 0.3, r.start_s + 0.9
            out.append((lost, FeedbackEvent(ev.TRACKING_LOST, lost, {}), (0.0, 0.0)))
            out.append((lost, FeedbackEvent(ev.REP_ABORTED, lost, {"reason": "face lost"}), (0, 0)))
            out.append((back, FeedbackEvent(ev.TRACKING_REGAINED, back, {}), (0.0, 0.0)))
        out.sort(key=lambda x: (x[0], x[1].kind == ev.SET_COMPLETED))
        if self.frame_sink is not None:
            self._patient = patient
        return out

    def _render(self, t_s: float) -> np.ndarray:
        if self._renderer is None:
            from facetrainer.simulation.face_renderer import FaceRenderer
            from facetrainer.simulation.face_rig import build_rig

            self._renderer = FaceRenderer(build_rig(None))
        return self._renderer.render(self._patient.pose(t_s))

    def _deliver(
        self,
        events: list[tuple[float, FeedbackEvent, tuple[float, float]]],
        emit: Callable[[FeedbackEvent], None],
        t0: float,
        stop: threading.Event,
    ) -> None:
        start = time.monotonic()
        # App-clock times follow the delivery: a set played 3x faster lasts a third as long.
        scale = 1.0 / self.speed if math.isfinite(self.speed) else 1.0
        for t_s, event, rep_window in events:
            if stop.is_set():
                return
            if math.isfinite(self.speed):
                wait = t_s / self.speed - (time.monotonic() - start)
                if wait > 0 and stop.wait(wait):
                    return
            emit(_shifted(event, t0, scale))
            if self.frame_sink is not None and rep_window[1] > rep_window[0]:
                for tf in np.arange(rep_window[0], rep_window[1], 1.0 / self.clip_fps):
                    if stop.is_set():
                        return
                    self.frame_sink(t0 + float(tf) * scale, self._render(float(tf)))


def _shifted(event: FeedbackEvent, t0: float, scale: float = 1.0) -> FeedbackEvent:
    """The event on the app clock: its time and a rep's start/end scaled and moved by ``t0``."""
    data = dict(event.data)
    rep = data.get("rep")
    if isinstance(rep, dict):
        rep = dict(rep)
        for key in ("start_s", "end_s"):
            if isinstance(rep.get(key), int | float):
                rep[key] = float(rep[key]) * scale + t0
        data["rep"] = rep
    return FeedbackEvent(event.kind, float(event.t_s) * scale + t0, data)
