"""A live exercise session: attaches the engine to the running pipeline, off the GUI thread.

Video: a listener on ``pipeline.processor.listeners`` hands each processed frame's face
measures (``pf.results["measures"]``) to a worker thread; frames may be skipped if the
worker falls behind (video is a latest-value stream). EMG: a subscriber on the first EMG
source whose channels the montage maps hands every chunk over a bounded queue with
blocking puts, so no EMG sample is ever dropped. The worker filters and envelopes EMG
with ``facetrainer.emg.processing.EmgProcessor``, then runs :class:`ExerciseScorer` — the
same code the ``score`` command runs — and publishes events and a snapshot for the GUI.

No Qt here: the GUI polls :meth:`LiveExerciseSession.snapshot` and
:meth:`LiveExerciseSession.drain_events` on its timer.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from typing import Any

import numpy as np

from facetrainer.emg.processing import SETTLE_S
from facetrainer.exercises.activation import Calibration
from facetrainer.exercises.engine import EngineSnapshot
from facetrainer.exercises.events import EventListener, FeedbackEvent
from facetrainer.exercises.library import Exercise, Thresholds
from facetrainer.exercises.scorer import ExerciseScorer

QUEUE_ITEMS = 4096  # ~40 s of 10 ms EMG chunks plus frames; a put blocks when full
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
    ) -> None:
        self.pipeline = pipeline
        self.exercise = exercise
        self._emg_source = None
        self._emg_labels: list[str] | None = None
        if use_emg:
            self._emg_source, self._emg_labels = _pick_emg(pipeline, montage)
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
        self._events: deque[FeedbackEvent] = deque(maxlen=EVENT_BACKLOG)
        self._events_lock = threading.Lock()
        self._listeners: list[EventListener] = []
        self._running = threading.Event()
        self._thread: threading.Thread | None = None
        self._processor: Any = None
        self._last_seen: dict[str, float] = {}
        self._ended: set[str] = set()
        self._started_at = time.monotonic()
        self.n_frames_skipped = 0
        self._emg_t0: float | None = None
        self.error: str | None = None  # the worker stopped on an unexpected error
        self.notices: list[str] = []  # degraded operation, e.g. a modality went silent
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
        self._running.set()
        self._thread = threading.Thread(target=self._run, name="exercise-engine", daemon=True)
        self._thread.start()
        if "video" in self.modalities:
            self.pipeline.processor.listeners.append(self._on_frame)
        if self._emg_source is not None and "emg" in self.modalities:
            self._emg_source.subscribe(self._on_emg)

    def stop(self, timeout_s: float = 2.0) -> None:
        """Detach from the pipeline and finish the set (a rep in progress is dropped)."""
        if not self._running.is_set():
            return
        self._running.clear()
        listeners = self.pipeline.processor.listeners
        if self._on_frame in listeners:
            listeners.remove(self._on_frame)
        if self._emg_source is not None:
            subs = getattr(self._emg_source, "_listeners", [])
            if self._on_emg in subs:  # EmgSource has no unsubscribe(); a stopped listener
                subs.remove(self._on_emg)  # would only return early anyway
        self._queue.put(("stop", None, None))
        if self._thread is not None:
            self._thread.join(timeout_s)

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
        snap = self.scorer.engine.snapshot()
        pf.results["activation"] = {
            "target_pct": snap.target_pct,
            "watch_pct": snap.watch_pct,
            "phase": snap.phase,
        }

    def _on_emg(self, data: np.ndarray, times_s: np.ndarray) -> None:
        while self._running.is_set():
            try:  # never drop EMG: wait for room (the worker is far faster than real time)
                self._queue.put(("emg", data, times_s), timeout=0.5)
                return
            except queue.Full:
                continue

    # -- worker ---------------------------------------------------------------------------
    def _on_event(self, event: FeedbackEvent) -> None:
        with self._events_lock:
            self._events.append(event)
        for listener in list(self._listeners):
            listener(event)

    def _run(self) -> None:
        processor = None
        sc = self.scorer
        try:
            while True:
                try:
                    kind, a, b = self._queue.get(timeout=0.2)
                except queue.Empty:
                    self._end_silent_modalities()
                    continue
                if kind == "stop":
                    break
                self._last_seen[kind] = time.monotonic()
                if kind == "video":
                    sc.push_video(a, *b)
                elif kind == "emg":
                    if processor is None:
                        processor = self._make_processor(a.shape[0])
                        if len(b):
                            primed = self._prime(processor, float(b[0]))
                            self._emg_t0 = float(b[0]) - (SETTLE_S if primed else 0.0)
                    _, env = processor.process(a)
                    if self._emg_t0 is not None:
                        # As offline: skip the filters' settling time at the start.
                        keep = b >= self._emg_t0 + SETTLE_S
                        sc.push_emg(b[keep], env[:, keep])
                self._end_silent_modalities()
            sc.finish()
        except Exception as exc:  # noqa: BLE001 - reported to the GUI, the app keeps running
            self.error = f"exercise engine stopped: {exc}"

    def _make_processor(self, n_channels: int) -> Any:
        from facetrainer.emg.processing import EmgProcessor

        info = self._emg_source.info if self._emg_source is not None else None
        fs = info.fs_hz if info is not None else 1000.0
        return EmgProcessor(
            fs,
            n_channels,
            None,
            is_envelope=bool(info is not None and info.extra.get("is_envelope")),
        )

    def _prime(self, processor: Any, first_t_s: float) -> bool:
        """Settle the filters on the source's ring buffer: the ``SETTLE_S`` of samples just
        before the first chunk this session received (a stream that was already running),
        so that scoring need not skip its first second. False when the ring holds less."""
        ring = getattr(self._emg_source, "ring", None)
        fs = getattr(getattr(self._emg_source, "info", None), "fs_hz", None)
        if ring is None or not fs:
            return False
        n = int(np.ceil(SETTLE_S * fs))
        data, times = ring.get_data(n + int(2 * fs))  # the first chunk itself is in it too
        before = times < first_t_s - 0.5 / fs
        if int(before.sum()) < n or data.shape[0] != processor.n_channels:
            return False
        processor.process(data[:, before][:, -n:])
        return True

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


def _pick_emg(pipeline: Any, montage: Any) -> tuple[Any, list[str] | None]:
    """The first EMG source with channels the montage maps (without a montage: channels
    named ``muscle/side`` themselves, as the virtual patient's), and its labels."""
    from facetrainer.emg.montage import Montage, load_montage
    from facetrainer.exercises.scorer import parse_channel_label

    mon = None
    if montage is not None:
        mon = montage if isinstance(montage, Montage) else load_montage(montage)
    for src in getattr(pipeline, "emg_sources", []):
        info = src.info
        if info is None and hasattr(src, "wait_ready"):
            src.wait_ready(2.0)
            info = src.info
        if info is None:
            continue
        if mon is not None:
            placements = mon.placements_for(info.channel_names)
            labels = [p.label if p is not None else "" for p in placements]
        else:
            labels = [n if parse_channel_label(n) else "" for n in info.channel_names]
        if any(labels):
            return src, labels
    return None, None
