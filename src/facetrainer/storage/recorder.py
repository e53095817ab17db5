"""Crash-safe session recording: everything the pipeline produces, committed every flush.

The pipeline's frame callback (``processor.listeners`` on the processing thread) and the
typed set events (:class:`facetrainer.exercises.events.SetEvents`: reps, set summaries,
activation, feedback) only copy their data into a bounded queue; a writer thread drains it
and commits one transaction per flush (``flush_interval_s``, 0.25 s by default, so a kill
loses at most about half a second even when the machine is busy). SQLite runs in WAL mode
with ``synchronous=FULL``, so a SIGKILLed app loses only what was not flushed yet; the
session's ``duration_s`` is the time of its last stored EMG sample or frame (the wall
clock only for a session without data), so a session stopped by a full disk never claims
more than it holds; the session stays ``recording`` and
:mod:`facetrainer.storage.recovery` offers it to the next start.

EMG of an attached source is read by the writer from the source's raw ring buffer by sample
index at every flush (the mne-lsl model): acquisition never waits for the database, and no
sample is lost while the writer comes back within the ring's 60 s (``stats.emg_samples_lost``
counts any that were overwritten). Video measures are at most one per frame; if the writer
falls behind they are counted in ``stats.frames_dropped``. A failing write (disk full,
read-only location) keeps the data in memory and retries each flush for ``retry_limit_s``;
``error`` says why. Reps are stored as :class:`facetrainer.storage.schema.RepRecord` (the
columns declared once; quality 0–100).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import queue
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from facetrainer import clock
from facetrainer.storage.database import Database, StorageError, explain_db_error
from facetrainer.storage.flush_batch import (
    build_batch,
    flatten_measures,
    jsonable,
    rep_record_from_dict,
)
from facetrainer.storage.patients import UnknownPatientError
from facetrainer.storage.schema import (
    ACTIVATION_PHASE,
    ACTIVATION_TARGET_PCT,
    ACTIVATION_WATCH_PREFIX,
    FRAME_ACTIVATION_PREFIX,
    FRAME_FACE_FOUND,
    FRAME_MEASURES_PREFIX,
    PHASE_CODES,
    Patient,
    RepRecord,
    Session,
    utc_now,
)

HEARTBEAT_S = 2.0  # a live recorder touches its session at least this often, data or not
ACTIVE_SESSIONS: set[int] = set()  # sessions this process is recording (for recovery)


@dataclass
class RecorderStats:
    emg_samples: int = 0
    emg_samples_lost: int = 0  # overwritten in a source's ring before the writer read them
    frames: int = 0
    frames_dropped: int = 0
    reps: int = 0
    events: int = 0
    flushes: int = 0
    last_flush_s: float = 0.0  # app-clock time of the last successful commit
    writer_cpu_s: float = 0.0  # CPU time spent in the writer thread


class SessionRecorder:
    """Record one session of one patient into the database, incrementally.

    Parameters
    ----------
    db : Database
    patient_code : str
    program_id : int, optional
    kind : str
        ``"practice"`` or ``"assessment"``.
    sources, montage, calibration : dict
        Stored with the session (video/EMG source descriptions, the ``muscle/side`` of each
        channel, the calibration's reference activations).
    flush_interval_s : float
        Commit period (≤ 1 s keeps the "written at least once a second" promise).
    """

    def __init__(
        self,
        db: Database,
        patient_code: str,
        program_id: int | None = None,
        kind: str = "practice",
        sources: dict | None = None,
        montage: dict | None = None,
        calibration: dict | None = None,
        flush_interval_s: float = 0.25,
        max_queue: int = 20000,
        retry_limit_s: float = 60.0,
        started_at: dt.datetime | None = None,
    ) -> None:
        if not 0 < flush_interval_s <= 1.0:
            raise ValueError(f"flush_interval_s = {flush_interval_s}: must be in (0, 1]")
        self.db = db
        self.patient_code = patient_code
        self.program_id = program_id
        self.kind = kind
        self._meta = {
            "sources": dict(sources or {}),
            "montage": dict(montage or {}),
            "calibration": dict(calibration or {}),
        }
        self.flush_interval_s = flush_interval_s
        self._data_end_s: float | None = None  # last stored EMG sample or frame, session s
        self.started_at = started_at  # None: now (another time only when importing)
        self.retry_limit_s = retry_limit_s
        self._queue: queue.Queue[tuple] = queue.Queue(maxsize=max_queue)
        self.session_id: int | None = None
        self.t0 = 0.0
        self.stats = RecorderStats()
        self._error: str | None = None
        self._failed = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._seq = 0
        self._streams: dict[int, tuple[str, float, tuple[str, ...]]] = {}
        self._rep_count: dict[str, int] = {}
        self._lock = threading.Lock()
        self._attached: list[tuple[Any, Any]] = []
        self._signals: list[tuple[Any, Any]] = []  # (psygnal signal, callback) to disconnect
        self._rings: dict[int, tuple[Any, int]] = {}  # source index -> (source, counter)
        self._rings_lock = threading.Lock()

    # -- life cycle ------------------------------------------------------------------
    def start(self) -> int:
        """Create the session row (status ``recording``) and start the writer; return its id."""
        try:
            with self.db.session() as s:
                pid = s.scalar(select(Patient.id).where(Patient.code == self.patient_code))
                if pid is None:
                    raise UnknownPatientError(f"unknown patient {self.patient_code!r}")
                row = Session(
                    patient_id=pid,
                    program_id=self.program_id,
                    kind=self.kind,
                    status="recording",
                    host=socket.gethostname(),
                    pid=os.getpid(),
                    last_write_at=utc_now(),
                    **self._meta,
                    **({"started_at": self.started_at} if self.started_at else {}),
                )
                s.add(row)
                s.flush()
                self.session_id = row.id
                ACTIVE_SESSIONS.add(row.id)
        except SQLAlchemyError as exc:
            raise StorageError(
                f"cannot start recording in {self.db.description}: {explain_db_error(exc)}"
            ) from exc
        self.t0 = clock.now()
        self._thread = threading.Thread(target=self._run, name="session-writer", daemon=True)
        self._thread.start()
        return self.session_id

    def attach(self, pipeline: Any) -> None:
        """Subscribe to a :class:`facetrainer.pipeline.Pipeline`'s frames and EMG sources."""
        pipeline.processor.listeners.append(self.on_frame)
        self._attached.append((pipeline.processor.listeners, self.on_frame))
        for index, source in enumerate(pipeline.emg_sources):
            self.attach_emg_source(source, index)

    def attach_emg_source(self, source: Any, index: int) -> None:
        """Record every sample of an :class:`~facetrainer.emg.source.EmgSource` from now on
        (from its first sample when it has not started yet), read from its ring buffer."""
        ring = getattr(source, "ring", None)
        with self._rings_lock:
            self._rings[index] = (source, ring.total_written if ring is not None else 0)

    def attach_set_events(self, events: Any, exercise: str | Any = "") -> None:
        """Record a set's typed events (:class:`~facetrainer.exercises.events.SetEvents` or
        the live-session model's group): scored reps, the set summary, the activation per
        engine input and the other feedback events. ``exercise``: the exercise id, or a
        callable giving the current one (the model's sets change)."""
        from facetrainer.exercises import events as ev

        def exercise_id() -> str:
            return str(exercise() if callable(exercise) else exercise)

        def on_rep(scored: Any) -> None:
            self.record_rep_score(scored.exercise or exercise_id(), scored.rep)

        def on_summary(summary: Any) -> None:
            self.record_event(
                ev.SET_COMPLETED, summary.t_s - self.t0, exercise=summary.exercise,
                summary=summary.data,
            )  # fmt: skip

        def on_feedback(event: Any) -> None:
            if event.kind in (ev.REP_COMPLETED, ev.SET_COMPLETED):
                return  # stored from their typed signals
            self.record_event(event.kind, event.t_s - self.t0, exercise=exercise_id(),
                              **dict(event.data))  # fmt: skip

        for signal, callback in (
            (events.rep_scored, on_rep),
            (events.set_completed, on_summary),
            (events.activation, self.on_activation),
            (events.feedback, on_feedback),
        ):
            signal.connect(callback)
            self._signals.append((signal, callback))

    def detach(self) -> None:
        for listeners, fn in self._attached:
            if fn in listeners:
                listeners.remove(fn)
        self._attached.clear()
        for signal, callback in self._signals:
            signal.disconnect(callback, missing_ok=True)
        self._signals.clear()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Detach, write what is pending and mark the session ``complete``."""
        self.detach()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        ACTIVE_SESSIONS.discard(self.session_id or -1)
        if self.session_id is None:
            return
        duration = self._stored_duration_s()
        try:
            with self.db.session() as s:
                row = s.get(Session, self.session_id)
                if row is not None:
                    row.status = "complete" if not self._failed else "incomplete"
                    row.ended_at = utc_now()
                    if not self._failed:  # after a failure the last commit's value stands
                        row.duration_s = duration
        except SQLAlchemyError as exc:
            self._set_error(
                f"could not mark session {self.session_id} complete: {explain_db_error(exc)}"
            )

    @property
    def error(self) -> str | None:
        """The last write problem (None once writes succeed again)."""
        with self._lock:
            return self._error

    @property
    def failed(self) -> bool:
        """True when writes failed for longer than ``retry_limit_s``: recording stopped."""
        return self._failed

    # -- inputs (any thread) -----------------------------------------------------------
    def add_emg_stream(
        self, index: int, fs_hz: float, channel_names: tuple[str, ...] | list, name: str = ""
    ) -> None:
        """Describe EMG source ``index`` (rate, channel names) before its first chunk."""
        info = (str(name), float(fs_hz), tuple(str(c) for c in channel_names))
        if self._streams.get(index) == info:
            return
        self._streams[index] = info
        self._put(("stream", index, info))

    def on_emg(self, index: int, data: np.ndarray, times: np.ndarray) -> None:
        """A chunk (n_channels, n) µV with app-clock times (n,); blocks rather than drops."""
        if self._failed or self.session_id is None:
            return
        chunk = np.array(data, dtype=np.float32, copy=True)
        self._put(("emg", index, chunk, np.asarray(times, dtype=np.float64) - self.t0))

    def on_frame(self, pf: Any) -> None:
        """A :class:`~facetrainer.pipeline.ProcessedFrame`: whether a face was found, its
        measures, and region activations a processing stage computed for it
        (``results["activation"]``, before the frame was published). The engine's activation
        comes from the set's events (:meth:`on_activation`), never from the frame."""
        if self._failed or self.session_id is None:
            return
        results = getattr(pf, "results", {}) or {}
        t_s = float(pf.frame.timestamp_s) - self.t0
        values: dict[str, float] = {FRAME_FACE_FOUND: 1.0 if pf.face is not None else 0.0}
        if FRAME_MEASURES_PREFIX in results:
            values.update(flatten_measures(results[FRAME_MEASURES_PREFIX], FRAME_MEASURES_PREFIX))
        if FRAME_ACTIVATION_PREFIX in results:
            values.update(flatten_measures(results[FRAME_ACTIVATION_PREFIX], FRAME_ACTIVATION_PREFIX))
        self._put_frame(t_s, values)

    def on_activation(self, sample: Any) -> None:
        """An :class:`~facetrainer.exercises.events.ActivationSample` (app-clock time)."""
        if self._failed or self.session_id is None:
            return
        values = {
            ACTIVATION_TARGET_PCT: float(sample.target_pct),
            ACTIVATION_PHASE: PHASE_CODES.get(sample.phase, float("nan")),
        }
        for name, pct in sample.watch_pct.items():
            values[f"{ACTIVATION_WATCH_PREFIX}/{name}"] = float(pct)
        self._put_frame(float(sample.t_s) - self.t0, values)

    def _put_frame(self, t_s: float, values: dict[str, float]) -> None:
        try:
            self._queue.put_nowait(("frame", t_s, values))
        except queue.Full:
            self.stats.frames_dropped += 1

    def attach_exercise_session(self, live: Any, exercise: str | None = None) -> None:
        """Record the events and scored reps of a
        :class:`facetrainer.exercises.session.LiveExerciseSession` (app-clock times)."""
        ex = exercise or getattr(getattr(live, "exercise", None), "id", "") or ""

        def listener(event: Any) -> None:
            self.on_engine_event(event, exercise=ex)

        live.subscribe(listener)
        listeners = getattr(live, "_listeners", None)
        if isinstance(listeners, list):
            self._attached.append((listeners, listener))

    def on_engine_event(
        self, event: Any, t_s: float | None = None, exercise: str | None = None
    ) -> None:
        """An engine event (:class:`facetrainer.exercises.events.FeedbackEvent` or a dict
        with ``kind`` and ``t_s`` on the app clock, ``t_s`` defaulting to the given one).

        A ``rep_completed`` event (its ``data["rep"]`` is the engine's per-rep score), or a
        dict carrying ``start_s``/``end_s`` itself or under ``score``, is stored as a rep;
        anything else as an event with its data.
        """
        if dataclasses.is_dataclass(event) and not isinstance(event, type):
            event = dataclasses.asdict(event)
        if not isinstance(event, Mapping):
            event = {"kind": type(event).__name__, "value": str(event)}
        data = event.get("data") if isinstance(event.get("data"), Mapping) else {}
        rep = next(
            (
                c
                for c in (data.get("rep"), event.get("score"), event)
                if isinstance(c, Mapping) and "start_s" in c and "end_s" in c
            ),
            None,
        )
        ex = exercise or event.get("exercise") or data.get("exercise") or ""
        if rep is not None:
            score = dict(rep)
            score["start_s"] = float(rep["start_s"]) - self.t0
            score["end_s"] = float(rep["end_s"]) - self.t0
            if "number" in rep and "rep_index" not in rep:
                score["rep_index"] = int(rep["number"]) - 1
            self.record_rep(score, exercise=str(ex or rep.get("exercise") or ""))
            return
        kind = str(event.get("kind") or event.get("type") or "event")
        when = event.get("t_s", event.get("time_s", t_s))
        payload = {
            k: v for k, v in event.items() if k not in ("kind", "type", "t_s", "time_s", "data")
        }
        payload.update(data)
        if ex:
            payload.setdefault("exercise", ex)
        self.record_event(kind, None if when is None else float(when) - self.t0, **payload)

    def record_rep(self, score: Mapping[str, Any], exercise: str | None = None) -> None:
        """A per-rep score ``{start_s, end_s, target, spillover{name→value}, symmetry,
        quality}`` (session-relative seconds) for ``exercise`` (or ``score["exercise"]``).

        ``target`` may be a number or the engine's target dict (then its ``hold_mean_pct``,
        the mean activation over the hold in % of the reference, is the rep's target).
        """
        ex = str(exercise or score.get("exercise") or "")
        idx = self._next_rep_index(ex)
        given = score.get("rep_index", score.get("rep"))
        record = rep_record_from_dict(score, ex, idx if given is None else int(given))
        self._put(("rep", record))

    def record_rep_score(self, exercise: str, rep: Any) -> None:
        """The engine's :class:`~facetrainer.exercises.scoring.RepScore` (app-clock times)."""
        record = RepRecord.from_rep_score(exercise, self._next_rep_index(exercise), rep, self.t0)
        self._put(("rep", record))

    def _next_rep_index(self, exercise: str) -> int:
        with self._lock:
            idx = self._rep_count.get(exercise, 0)
            self._rep_count[exercise] = idx + 1
        return idx

    def record_event(self, kind: str, t_s: float | None = None, **payload: Any) -> None:
        """A marker or engine event at ``t_s`` (session seconds; now when omitted)."""
        when = float(t_s) if t_s is not None else clock.now() - self.t0
        self._put(("event", str(kind), when, jsonable(payload)))

    def set_calibration(self, calibration: Mapping[str, Any]) -> None:
        self._put(("meta", "calibration", jsonable(dict(calibration))))

    def _put(self, item: tuple) -> None:
        if self._failed:
            return
        self._queue.put(item)  # blocks when full: EMG is never dropped

    def _stored_duration_s(self) -> float:
        """The session's duration as its data says: the last stored EMG sample or frame
        (session seconds); the wall clock only while nothing with a time is stored."""
        if self._data_end_s is not None:
            return max(0.0, self._data_end_s)
        return clock.now() - self.t0

    # -- writer thread ---------------------------------------------------------------
    def _set_error(self, message: str | None) -> None:
        with self._lock:
            self._error = message

    def _run(self) -> None:
        pending: list[tuple] = []
        failing_since: float | None = None
        next_flush = time.monotonic() + self.flush_interval_s
        while True:
            stopping = self._stop.is_set()
            timeout = max(0.0, next_flush - time.monotonic())
            try:
                pending.append(self._queue.get(timeout=0 if stopping else timeout))
                while True:
                    pending.append(self._queue.get_nowait())
            except queue.Empty:
                pass
            if time.monotonic() < next_flush and not stopping:
                continue
            next_flush = time.monotonic() + self.flush_interval_s
            pending.extend(self._read_rings())
            heartbeat = not stopping and clock.now() - self.stats.last_flush_s >= HEARTBEAT_S
            if pending or heartbeat:
                c0 = time.thread_time()
                try:
                    self._write(pending)
                    pending = []
                    failing_since = None
                    self._set_error(None)
                    self.stats.flushes += 1
                    self.stats.last_flush_s = clock.now()
                except (SQLAlchemyError, OSError) as exc:
                    now = time.monotonic()
                    failing_since = failing_since or now
                    self._set_error(
                        f"session {self.session_id} in {self.db.description}: "
                        f"writing failed: {explain_db_error(exc)}"
                    )
                    if now - failing_since > self.retry_limit_s or stopping:
                        self._failed = True
                        self._set_error(
                            f"{self.error}; recording stopped, what was saved before is kept"
                        )
                        self._drain_forever()
                        return
                self.stats.writer_cpu_s += time.thread_time() - c0
            if stopping and self._queue.empty():
                return

    def _read_rings(self) -> list[tuple]:
        """The attached sources' new raw samples, as ``emg`` items (writer thread)."""
        out: list[tuple] = []
        with self._rings_lock:
            attached = list(self._rings.items())
        for index, (source, counter) in attached:
            ring, info = getattr(source, "ring", None), getattr(source, "info", None)
            if ring is None or info is None:
                continue
            data, times, new_counter, lost = ring.read_since(counter)
            with self._rings_lock:
                if index in self._rings:
                    self._rings[index] = (source, new_counter)
            if index not in self._streams:  # described here, not queued: this is the writer
                desc = (str(source.name), float(info.fs_hz), tuple(map(str, info.channel_names)))
                self._streams[index] = desc
                out.append(("stream", index, desc))
            if lost:
                self.stats.emg_samples_lost += lost
                self._set_error(
                    f"session {self.session_id}: {lost} EMG samples of {source.name} were "
                    "overwritten before they could be written (the database was too slow)"
                )
            if times.size:
                out.append(("emg", index, data.astype(np.float32),
                            np.asarray(times, dtype=np.float64) - self.t0))  # fmt: skip
        return out

    def _drain_forever(self) -> None:
        """After giving up, keep emptying the queue so that no producer blocks."""
        while not self._stop.is_set() or not self._queue.empty():
            try:
                self._queue.get(timeout=0.2)
            except queue.Empty:
                continue

    def _write(self, items: list[tuple]) -> None:
        sid = self.session_id
        assert sid is not None
        batch = build_batch(items, sid, self._seq)
        with self.db.session() as s:
            s.add_all(batch.rows)
            row = s.get(Session, sid)
            if row is not None:
                row.last_write_at = utc_now()
                if batch.data_end_s is not None:
                    self._data_end_s = max(self._data_end_s or 0.0, batch.data_end_s)
                row.duration_s = self._stored_duration_s()
                for key, value in batch.meta.items():
                    setattr(row, key, value)
        self._seq += 1
        self.stats.emg_samples += batch.emg_samples
        self.stats.frames += batch.frames
        self.stats.reps += batch.reps
        self.stats.events += batch.events
