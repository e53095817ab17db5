"""A live exercise session: attaches the engine to the running pipeline, off the GUI thread.

Video: a listener on ``pipeline.processor.listeners`` hands each processed frame's face
measures (``pf.results["measures"]``) to a worker thread; frames may be skipped if the
worker falls behind (video is a latest-value stream). EMG: the worker reads the envelope
ring of the stream's one chain (:class:`facetrainer.emg.live.LiveEmg`, the same chain the
display and offline scoring use) by sample index, so it never blocks acquisition and never
misses a sample while it keeps within the ring's 60 s. It then runs
:class:`ExerciseScorer` — the same code the ``score`` command runs — and publishes typed
events (:class:`~facetrainer.exercises.events.SetEvents`) and a snapshot for the GUI. The
published frames are never written to.

No Qt here: the GUI reads :meth:`LiveExerciseSession.snapshot` on its timer and connects to
``events`` (or polls :meth:`LiveExerciseSession.drain_events`).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from typing import Any

from facetrainer import clock
from facetrainer.exercises import events as ev
from facetrainer.exercises.activation import Calibration
from facetrainer.exercises.engine import EngineSnapshot
from facetrainer.exercises.events import (
    ActivationSample,
    EventListener,
    FeedbackEvent,
    ScoredRep,
    SetEvents,
    SetSummary,
)
from facetrainer.exercises.library import Exercise, Thresholds
from facetrainer.exercises.scorer import ExerciseScorer

log = logging.getLogger(__name__)

QUEUE_ITEMS = 4096  # video frames waiting for the worker (~2 min at 30 fps; more are skipped)
EMG_POLL_S = 0.02  # how often the worker reads new envelope samples without video
MODALITY_TIMEOUT_S = 2.0  # a modality silent this long (while another flows) is ended
EVENT_BACKLOG = 1000


class LiveExerciseSession:
    """Score one set live from the pipeline's video and/or EMG.

    Parameters
    ----------
    pipeline : facetrainer.pipeline.Pipeline
    exercise : Exercise
    montage : Montage, str, Path or None
        Which EMG channel is which muscle/side; None: channels named ``muscle/side``
        label themselves.
    use_emg : bool
        Score from the first EMG source the montage (or its channel names) maps.
    use_video : bool
        Score from the face measures (needs the face-analysis stage in the pipeline).
    affected_side, thresholds, calibration : see :class:`ExerciseScorer`.
    cued : bool
        Pace the set with cues (rest, contract) and count missed reps.
    events : SetEvents, optional
        Where to emit the typed events (the live-session model passes its own group); a new
        group by default.
    """

    def __init__(
        self,
        pipeline: Any,
        exercise: Exercise,
        *,
        montage: Any = None,
        use_video: bool = True,
        use_emg: bool = True,
        affected_side: str | None = None,
        thresholds: Thresholds | None = None,
        calibration: Calibration | None = None,
        cued: bool = True,
        events: SetEvents | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.exercise = exercise
        self.events = events if events is not None else SetEvents()
        self._emg_source = None
        self._emg_labels: list[str] | None = None
        self.notices: list[str] = []  # degraded operation, e.g. a modality went silent
        if use_emg:
            self._emg_source, self._emg_labels = _pick_emg(pipeline, montage, self.notices)
        self._live: Any = None
        if self._emg_source is not None:
            from facetrainer.emg.live import live_for

            self._live = live_for(self._emg_source)
        if self._emg_source is not None and self._emg_labels is not None:
            live_refs = _live_emg_references(self._emg_source, self._emg_labels)
            calibration = live_refs.merged(calibration) if calibration else live_refs
        self.scorer = ExerciseScorer(
            exercise,
            video=use_video,
            emg_channels=self._emg_labels,
            affected_side=affected_side,
            thresholds=thresholds,
            calibration=calibration,
            cued=cued,
        )
        self._queue: queue.Queue[tuple[str, Any, Any]] = queue.Queue(QUEUE_ITEMS)
        self._emg_counter: int | None = None  # next envelope-ring sample to score
        self._emg_start = 0
        self.n_emg_lost = 0  # envelope samples overwritten before the worker read them
        self._events: deque[FeedbackEvent] = deque(maxlen=EVENT_BACKLOG)
        self._events_lock = threading.Lock()
        self._listeners: list[EventListener] = []
        self._running = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_seen: dict[str, float] = {}
        self._ended: set[str] = set()
        self._started_at = time.monotonic()
        self._phase = ""
        self._failed_listeners: set[str] = set()
        self.n_frames_skipped = 0
        self.error: str | None = None  # the worker stopped on an unexpected error
        self.scorer.engine.subscribe(self._on_event)

    # -- public ---------------------------------------------------------------------------
    @property
    def modalities(self) -> list[str]:
        return self.scorer.modalities

    def subscribe(self, listener: EventListener) -> None:
        """Called on the worker thread with every event (keep it short)."""
        self._listeners.append(listener)

    def start(self) -> None:
        self._started_at = time.monotonic()
        if self._live is not None and "emg" in self.modalities:
            # Score EMG from now on: the envelope ring's current count (0 before data).
            env = self._live.envelope
            self._emg_start = env.total_written if env is not None else 0
        self._running.set()
        self._thread = threading.Thread(target=self._run, name="exercise-engine", daemon=True)
        self._thread.start()
        if "video" in self.modalities:
            self.pipeline.processor.listeners.append(self._on_frame)

    def stop(self, timeout_s: float = 2.0) -> None:
        """Detach from the pipeline and finish the set (a rep still held is scored as
        unfinished).
        EMG that reached the stream before this call is scored first."""
        if not self._running.is_set():
            return
        self._running.clear()
        listeners = self.pipeline.processor.listeners
        if self._on_frame in listeners:
            listeners.remove(self._on_frame)
        self._queue.put(("stop", None, None))
        if self._thread is not None:
            self._thread.join(timeout_s)

    def set_thresholds(self, thresholds: Thresholds, source: str = "therapist") -> None:
        """Change the running set's band and ceiling; applied on the engine's thread, which
        emits THRESHOLDS_CHANGED (recorded like every engine event)."""
        from facetrainer.exercises.threshold_limits import check_thresholds

        check_thresholds(thresholds)
        self._queue.put(("thresholds", source, thresholds))

    @property
    def running(self) -> bool:
        return self._running.is_set() and not self.scorer.engine.finished

    def snapshot(self) -> EngineSnapshot:
        return self.scorer.engine.snapshot()

    def drain_events(self) -> list[FeedbackEvent]:
        """Events since the last call (for a GUI timer)."""
        with self._events_lock:
            out = list(self._events)
            self._events.clear()
        return out

    def result(self) -> dict[str, Any]:
        """The same JSON document as ``facetrainer score``."""
        return self.scorer.result()

    # -- producer side (pipeline threads) -------------------------------------------------
    def _on_frame(self, pf: Any) -> None:
        if not self._running.is_set():
            return
        measures = pf.results.get("measures")
        face = pf.face
        item = (measures, face.xy if face is not None else None, pf.midline)
        try:
            self._queue.put_nowait(("video", float(pf.frame.timestamp_s), item))
        except queue.Full:
            self.n_frames_skipped += 1  # video is latest-value: a skipped frame is harmless

    # -- worker ---------------------------------------------------------------------------
    def _on_event(self, event: FeedbackEvent) -> None:
        with self._events_lock:
            self._events.append(event)
        for listener in list(self._listeners):
            listener(event)
        self._emit(self.events.feedback, event)
        if event.kind == ev.PHASE:
            self._emit_phase(str(event.data.get("phase", "")))
        elif event.kind == ev.REP_COMPLETED:
            number = int(event.data["number"])
            reps = self.scorer.engine.reps
            if 0 < number <= len(reps):
                self._emit(self.events.rep_scored, ScoredRep(self.exercise.id, reps[number - 1]))
        elif event.kind == ev.SET_COMPLETED:
            summary = SetSummary.from_json(self.exercise.id, event.t_s, event.data["summary"])
            self._emit(self.events.set_completed, summary)

    def _emit(self, signal: Any, value: Any) -> None:
        """Emit to the listeners; one that raises is reported once (log and ``notices``)
        and scoring goes on (a bug in a panel, a full disk must not stop the set)."""
        try:
            signal.emit(value)
        except Exception as exc:  # noqa: BLE001 - psygnal's EmitLoopError names the callback
            key = f"{signal.name}: {type(exc).__name__}"
            if key not in self._failed_listeners:
                self._failed_listeners.add(key)
                log.error("a listener of %s failed: %s", signal.name, exc)
                self.notices.append(f"a listener of {signal.name} failed: {exc}")

    def _emit_phase(self, phase: str) -> None:
        if phase and phase != self._phase:
            self._phase = phase
            self._emit(self.events.phase_changed, phase)

    def _emit_activation(self, t_s: float) -> None:
        snap = self.scorer.engine.snapshot()
        self._emit_phase(snap.phase)
        self._emit(
            self.events.activation,
            ActivationSample(t_s, snap.target_pct, dict(snap.watch_pct), snap.phase),
        )

    def _run(self) -> None:
        sc = self.scorer
        try:
            while True:
                try:
                    kind, a, b = self._queue.get(timeout=EMG_POLL_S)
                except queue.Empty:
                    kind = ""
                if kind == "stop":
                    self._pull_emg()
                    break
                if kind == "thresholds":  # the therapist's change, at the moment it was made
                    sc.engine.set_thresholds(b, clock.now(), str(a))
                if kind == "video":
                    self._last_seen["video"] = time.monotonic()
                    sc.push_video(a, *b)
                    self._emit_activation(a)
                self._pull_emg()
                self._end_silent_modalities()
            sc.finish()
        except Exception as exc:  # noqa: BLE001 - reported to the GUI, the app keeps running
            self.error = f"exercise engine stopped: {exc}"

    def _pull_emg(self) -> None:
        """Score the envelope samples the stream's chain produced since the last call.

        Scoring starts at the session's start or where the chain's output is settled,
        whichever is later — the same rule offline scoring applies to a recording."""
        live = self._live
        if live is None or "emg" not in self.modalities or live.envelope is None:
            return
        if self._emg_counter is None:
            settled = live.settled_index
            if settled is None:
                return  # mains detection has not decided yet: the output may still change
            self._emg_counter = max(self._emg_start, settled)
        env, times, counter, lost = live.read_envelope_since(self._emg_counter)
        self._emg_counter = counter
        if lost:
            self.n_emg_lost += lost
            self.notices.append(f"EMG scoring fell behind: {lost} samples were not scored")
        if times.size:
            self._last_seen["emg"] = time.monotonic()
            self.scorer.push_emg(times, env)
            if "video" not in self.modalities:
                self._emit_activation(float(times[-1]))

    def _end_silent_modalities(self) -> None:
        """A modality silent for MODALITY_TIMEOUT_S (or that never started) while another
        flows is ended, so that the other one is not held back waiting for it."""
        now = time.monotonic()
        flowing = [m for m, t in self._last_seen.items() if now - t <= MODALITY_TIMEOUT_S]
        if not flowing:
            return
        for m in list(self.scorer.mixer.rows):
            if m in self._ended or m in flowing:
                continue
            last = self._last_seen.get(m, self._started_at)
            if now - last > MODALITY_TIMEOUT_S:
                self._ended.add(m)
                self.scorer.end(m)
                self.notices.append(f"no {m} data for {MODALITY_TIMEOUT_S:g} s: scoring without it")


def _live_emg_references(source: Any, labels: list[str]) -> Calibration:
    """References the EMG panel set (MVC, healthy side) on the source's shared LiveEmg."""
    from facetrainer.exercises.activation import ChannelReference, emg_key
    from facetrainer.exercises.scorer import parse_channel_label

    out: dict[str, ChannelReference] = {}
    try:
        from facetrainer.emg.live import live_for

        states = live_for(source).states()
    except Exception:  # noqa: BLE001 - no live EMG processing: keep the defaults
        return Calibration({})
    for state, label in zip(states, labels, strict=False):
        parsed = parse_channel_label(label)
        if parsed is not None and state.reference_uv is not None and state.reference_uv > 0:
            out[emg_key(*parsed)] = ChannelReference(
                None, float(state.reference_uv), "live EMG reference"
            )
    return Calibration(out)


def _pick_emg(pipeline: Any, montage: Any, notices: list[str]) -> tuple[Any, list[str] | None]:
    """The first EMG source with channels the montage maps (without a montage: channels
    named ``muscle/side`` themselves, as the virtual patient's), and its labels.

    Never waits for a device (this runs on the GUI thread): a source that is not open yet is
    skipped and named in ``notices``."""
    from facetrainer.emg.montage import Montage, load_montage
    from facetrainer.exercises.scorer import parse_channel_label

    mon = None
    if montage is not None:
        mon = montage if isinstance(montage, Montage) else load_montage(montage)
    for src in getattr(pipeline, "emg_sources", []):
        info = src.info
        if info is None:
            notices.append(f"EMG source {src.name!r} is not streaming yet: scoring without it")
            continue
        if mon is not None:
            placements = mon.placements_for(info.channel_names)
            labels = [p.label if p is not None else "" for p in placements]
        else:
            labels = [n if parse_channel_label(n) else "" for n in info.channel_names]
        if any(labels):
            return src, labels
    return None, None
