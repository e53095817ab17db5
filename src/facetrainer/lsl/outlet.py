"""FaceTrainer's live data as Lab Streaming Layer streams (off unless the user turns it on).

Streams (names start with ``FaceTrainer``; types and metadata follow the LSL/XDF
conventions: ``<channels><channel><label/><unit/><type/></channel>…</channels>``):

``FaceTrainer EMG raw (<source>)``
    type ``EMG``, float32, the source's rate, one channel per EMG channel labelled with its
    montage placement (``zygomaticus_major/left``) or else its channel name, unit
    ``microvolts``; every sample the source delivers, sent in 40 ms batches.
``FaceTrainer EMG envelope (<source>)``
    type ``EMG``, the same channels after FaceTrainer's filters and envelope (µV).
``FaceTrainer face measures``
    type ``FaceMeasures``, float32, irregular rate (one sample per processed video frame):
    ``<measure>/<side>`` for every :data:`facetrainer.face.measures.MEASURE_NAMES` (mm or
    degrees; NaN when the frame was not measured), then ``activation/target_pct`` and
    ``activation/watch_max_pct`` from a running exercise (NaN otherwise).
``FaceTrainer markers``
    type ``Markers``, one string channel of JSON: ``{"event": "set_start"|"set_end"|
    "phase"|"rep_onset"|"rep_end"|..., "exercise": id, ...}``; ``rep_end`` carries the rep
    number, start/end times and its scores (quality, spillover, symmetry).

Timestamps are the samples' own app-clock times mapped onto LSL's clock
(``pylsl.local_clock``), so receivers align FaceTrainer with their other streams.

Wiring: :meth:`LslPublisher.attach` is idempotent and takes what the live pipeline exposes
today (``pipeline.emg_sources`` with ``EmgSource.subscribe``, ``processor.listeners`` and a
running exercise session's ``subscribe``); call it again when sources or the session change.
EMG is read from the sources' ring buffers by the publisher's own sender thread (the
acquisition threads never wait on LSL); frame and event callbacks only push one sample.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from typing import Any

import numpy as np

from facetrainer import clock
from facetrainer.lsl import scope as lsl_scope
from facetrainer.lsl.emg_outlet import MAX_BUFFERED_S, SEND_EVERY_S, EmgOutlets
from facetrainer.lsl.scope import configured_pylsl

log = logging.getLogger(__name__)

MEASURE_STREAM = "FaceTrainer face measures"
MARKER_STREAM = "FaceTrainer markers"
ACTIVATION_CHANNELS = ("activation/target_pct", "activation/watch_max_pct")


class LslPublisher:
    """Publishes EMG, face measures and exercise markers as LSL streams.

    Parameters
    ----------
    source_id : str
        Prefix of every stream's ``source_id`` (receivers such as LabRecorder use it to
        reconnect to the same stream after a restart).
    scope : str or None
        Discovery scope; None uses the saved setting (``machine`` by default), see
        :mod:`facetrainer.lsl.scope`.
    """

    def __init__(self, source_id: str | None = None, scope: str | None = None,
                 config_folder: Any = None) -> None:
        self.pylsl = configured_pylsl(scope, config_folder)
        self.source_id = source_id or lsl_scope.DEFAULT_SOURCE_ID
        # App clock (time.monotonic) to LSL clock (steady_clock): a constant offset.
        self.clock_offset_s = float(self.pylsl.local_clock()) - clock.now()
        self._emg: dict[int, EmgOutlets] = {}
        self._processor: Any = None
        self._sessions: list[Any] = []
        self._session_ids: set[int] = set()
        self._measures: Any = None
        self._markers: Any = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sender: threading.Thread | None = None
        self._model: Any = None
        self._model_slots: list[tuple[Any, Any]] = []
        self._activation: Any = None  # the newest ActivationSample (attach_model)
        self.n_frames = 0
        self.n_markers = 0
        self.n_errors = 0
        self.closed = False
        # The marker stream exists from the start, so a recorder can subscribe before the
        # first set.
        si = self.pylsl.StreamInfo(MARKER_STREAM, "Markers", 1, self.pylsl.IRREGULAR_RATE,
                                   self.pylsl.cf_string, f"{self.source_id}-markers")
        self._markers = self.pylsl.StreamOutlet(si, 0, MAX_BUFFERED_S)

    # -- wiring ----------------------------------------------------------------------
    def attach(self, pipeline: Any = None, session: Any = None, montage: Any = None) -> None:
        """Publish what ``pipeline`` and ``session`` offer now (idempotent).

        EMG sources that left ``pipeline.emg_sources`` stop being published (their streams
        disappear for receivers); new ones, the processor and a new session are attached.
        """
        if self.closed:
            return
        if pipeline is not None:
            sources = list(getattr(pipeline, "emg_sources", []))
            keep = {id(s) for s in sources}
            with self._lock:
                for key in [k for k in self._emg if k not in keep]:
                    self._emg.pop(key).close()
            for s in sources:
                self.attach_emg(s, montage)
            processor = getattr(pipeline, "processor", None)
            if processor is not None and processor is not self._processor:
                self.attach_frames(processor)
        if session is not None:
            self.attach_events(session)

    def attach_emg(self, source: Any, montage: Any = None, live: Any = None) -> None:
        """Publish one EMG source's raw samples and envelope (once per source).

        ``live`` is the source's processing (an object with an ``envelope`` ring buffer,
        :class:`~facetrainer.emg.live.LiveEmg`); by default the shared one of ``live_for``.
        """
        if id(source) in self._emg:
            return
        with self._lock:
            self._emg[id(source)] = EmgOutlets(self, source, montage, live)
        if self._sender is None:
            self._sender = threading.Thread(target=self._send_loop, name="lsl-outlet",
                                            daemon=True)
            self._sender.start()

    def _send_loop(self) -> None:
        while not self._stop.wait(SEND_EVERY_S):
            with self._lock:
                emg = list(self._emg.values())
            for outlets in emg:
                try:
                    outlets.send()
                except Exception:  # noqa: BLE001 - one bad source must not stop the rest
                    self.n_errors += 1
                    if self.n_errors == 1:
                        log.exception("LSL: publishing EMG of %s failed",
                                      outlets.source.name)

    def attach_frames(self, processor: Any) -> None:
        """Publish the face measures of every processed frame (``processor.listeners``)."""
        if self._processor is not None and self._on_frame in self._processor.listeners:
            self._processor.listeners.remove(self._on_frame)
        self._processor = processor
        with self._lock:
            self._measure_outlet()
        processor.listeners.append(self._on_frame)

    def attach_model(self, model: Any) -> None:
        """Follow the live-session model (:class:`facetrainer.live.session_model.
        LiveSessionModel`): its EMG streams and frames now and on every
        ``events.sources_changed``; engine events (``events.feedback``) as markers, with
        ``set_started``/``set_stopped``; the activation channels from ``events.activation``.
        Callbacks run on the emitting thread and only push (no waiting)."""
        current: dict[str, str | None] = {"exercise": None}
        self._model = model

        def sync(*_: Any) -> None:
            if self.closed:
                return
            streams = list(getattr(model, "emg_streams", []))
            keep = {id(st.source) for st in streams}
            with self._lock:
                for key in [k for k in self._emg if k not in keep]:
                    self._emg.pop(key).close()
            for st in streams:
                self.attach_emg(st.source, getattr(model, "montage", None), live=st)
            processor = getattr(getattr(model, "pipeline", None), "processor", None)
            if processor is not None and processor is not self._processor:
                self.attach_frames(processor)

        def set_started(exercise: Any) -> None:
            current["exercise"] = getattr(exercise, "id", None)
            self._push_marker({"event": "set_start", "exercise": current["exercise"]},
                              clock.now())

        def set_stopped() -> None:
            self._activation = None
            self._push_marker({"event": "set_stopped", "exercise": current["exercise"]},
                              clock.now())

        def activation(sample: Any) -> None:
            self._activation = sample

        sync()
        self._model_slots = [
            (model.events.sources_changed, sync),
            (model.events.set_started, set_started),
            (model.events.feedback, lambda event: self._on_event(event, current["exercise"])),
        ]
        for name, slot in (("set_stopped", set_stopped), ("activation", activation)):
            signal = getattr(model.events, name, None)
            if signal is not None:
                self._model_slots.append((signal, slot))
        for signal, slot in self._model_slots:
            signal.connect(slot)

    def attach_events(self, session: Any) -> None:
        """Publish an exercise session's events as markers (once per session).

        ``session`` is a live exercise session (``subscribe(listener)``, ``exercise.id``)
        or a practice runner whose psygnal ``engine_event`` carries the engine's events
        (its current ``item.exercise.id`` names the exercise).
        """
        if id(session) in self._session_ids:
            return
        self._session_ids.add(id(session))
        self._sessions.append(session)  # keeps id() unique while we remember it

        def exercise() -> str | None:
            ex = getattr(session, "exercise", None) or getattr(
                getattr(session, "item", None), "exercise", None)
            return getattr(ex, "id", None)

        def on_event(event: Any) -> None:
            self._on_event(event, exercise())

        self._push_marker({"event": "set_start", "exercise": exercise()}, clock.now())
        signal = getattr(session, "engine_event", None)
        if hasattr(session, "subscribe"):
            session.subscribe(on_event)
        elif signal is not None and hasattr(signal, "connect"):
            signal.connect(on_event)
        else:
            raise TypeError(f"cannot follow the events of {type(session).__name__}")

    def close(self) -> None:
        """Withdraw every stream and stop publishing."""
        self.closed = True
        for signal, slot in self._model_slots:
            try:
                signal.disconnect(slot)
            except (ValueError, RuntimeError):
                pass
        self._model_slots = []
        self._stop.set()
        if self._sender is not None:
            self._sender.join(5.0)
            self._sender = None
        with self._lock:
            for outlets in self._emg.values():
                try:
                    outlets.send()  # what arrived since the last batch
                except Exception:  # noqa: BLE001, S110 - closing anyway
                    pass
                outlets.close()
            self._emg.clear()
        if self._processor is not None and self._on_frame in self._processor.listeners:
            self._processor.listeners.remove(self._on_frame)
        self._processor = None
        with self._lock:
            self._measures = self._markers = None

    @property
    def n_emg_samples(self) -> int:
        return sum(o.n_samples for o in self._emg.values())

    # -- callbacks -------------------------------------------------------------------
    def _measure_outlet(self) -> Any:
        if self._measures is None:
            from facetrainer.face.measures import MEASURE_NAMES, SIDES

            labels = [f"{m}/{s}" for m in MEASURE_NAMES for s in SIDES] + list(ACTIVATION_CHANNELS)
            si = self.pylsl.StreamInfo(MEASURE_STREAM, "FaceMeasures", len(labels),
                                       self.pylsl.IRREGULAR_RATE, self.pylsl.cf_float32,
                                       f"{self.source_id}-face-measures")
            channels = si.desc().append_child("channels")
            for label in labels:
                ch = channels.append_child("channel")
                ch.append_child_value("label", label)
                unit = ("degrees" if "angle_deg" in label else
                        "percent" if label.startswith("activation/") else "millimeters")
                ch.append_child_value("unit", unit)
                ch.append_child_value("type", "FaceMeasure")
            self._measures = self.pylsl.StreamOutlet(si, 0, MAX_BUFFERED_S)
        return self._measures

    def _on_frame(self, pf: Any) -> None:
        try:
            m = pf.results.get("measures")
            values = getattr(m, "values", None)
            n = 16 if values is None else int(np.asarray(values).size)
            row = np.full(n + 2, np.nan, dtype=np.float32)
            if values is not None:
                row[:n] = np.asarray(values, dtype=np.float32).ravel()
            sample = self._activation
            if sample is not None:  # the model's activation signal
                target, watch = sample.target_pct, sample.watch_pct
            else:  # older pipelines wrote it into the frame
                act = pf.results.get("activation") or {}
                target, watch = act.get("target_pct"), act.get("watch_pct")
            if isinstance(watch, dict):
                watch = max(watch.values()) if watch else None
            row[n] = np.nan if target is None else float(target)
            row[n + 1] = np.nan if watch is None else float(watch)
            with self._lock:
                if self.closed:
                    return
                self._measure_outlet().push_sample(
                    row, float(pf.frame.timestamp_s) + self.clock_offset_s
                )
            self.n_frames += 1
        except Exception:  # noqa: BLE001 - publishing must never stop the video pipeline
            self.n_errors += 1
            if self.n_errors == 1:
                log.exception("LSL: publishing face measures failed")

    def _on_event(self, event: Any, exercise: str | None) -> None:
        from facetrainer.exercises import events as ev

        doc: dict[str, Any] = {"event": event.kind, "exercise": exercise}
        data = dict(event.data)
        if event.kind == ev.SET_COMPLETED:
            doc["event"] = "set_end"
            doc["summary"] = data.get("summary")
        elif event.kind == ev.REP_COMPLETED:
            rep = data.get("rep") or {}
            doc.update(event="rep_end", number=data.get("number", rep.get("number")),
                       start_s=rep.get("start_s"), end_s=rep.get("end_s"),
                       quality=rep.get("quality"), spillover=rep.get("spillover"),
                       symmetry=rep.get("symmetry"))
        else:
            doc.update(data)
        self._push_marker(doc, float(event.t_s))
        if event.kind == ev.PHASE and data.get("phase") == "contract":
            self._push_marker({"event": "rep_onset", "exercise": exercise}, float(event.t_s))

    def _push_marker(self, doc: dict[str, Any], t_app_s: float) -> None:
        try:
            text = json.dumps(doc, default=_json_default, allow_nan=False)
        except ValueError:
            text = json.dumps(_finite(doc), default=_json_default)
        try:
            with self._lock:
                if self.closed:
                    return
                if self._markers is None:
                    return
                self._markers.push_sample([text], t_app_s + self.clock_offset_s)
            self.n_markers += 1
        except Exception:  # noqa: BLE001
            self.n_errors += 1
            log.exception("LSL: publishing a marker failed")


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


def _finite(obj: Any) -> Any:
    """NaN/inf -> None, recursively (JSON has no NaN)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj
