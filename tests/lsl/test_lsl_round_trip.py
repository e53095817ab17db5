"""Lab Streaming Layer on this machine: FaceTrainer's outlet to its own inlet, EMG samples
(count and values), face measures and markers, the machine-only scope, and a sender that
goes away and comes back."""

from __future__ import annotations

import json
import queue
import stat
import time
import uuid
from types import SimpleNamespace

import numpy as np
import pytest

from facetrainer.emg.lsl_source import LslEmgSource
from facetrainer.emg.source import EmgSource, EmgStreamInfo
from facetrainer.emg.source_spec import emg_source_from_spec
from facetrainer.exercises.events import PHASE, REP_COMPLETED, SET_COMPLETED, FeedbackEvent
from facetrainer.lsl.outlet import MARKER_STREAM, MEASURE_STREAM, LslPublisher
from facetrainer.lsl.scope import config_text, configured_pylsl, user_config_folder
from facetrainer.source_status import SourceState

RUN = uuid.uuid4().hex[:8]  # other LSL programs on this machine must not be mistaken for ours
FS_HZ = 2000.0
N_CH = 4
CHUNK = 20
FLOAT32_REL = 1e-6  # LSL carries float32
CLOCK_TOLERANCE_S = 0.05  # same machine: LSL clock sync error is far below this
WAIT_S = 10.0


def wait_until(predicate, timeout_s=WAIT_S, interval_s=0.01) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(interval_s)
    return bool(predicate())


class GatedSource(EmgSource):
    """Delivers exactly the chunks the test puts into its queue."""

    poll_interval_s = 0.002

    def __init__(self, name: str = "gated") -> None:
        super().__init__(name)
        self.chunks: queue.Queue[np.ndarray] = queue.Queue()

    def _open(self) -> EmgStreamInfo:
        return EmgStreamInfo(FS_HZ, tuple(f"ch{i + 1}" for i in range(N_CH)))

    def _read_chunk(self) -> np.ndarray:
        out = []
        while not self.chunks.empty():
            out.append(self.chunks.get_nowait())
        return np.hstack(out) if out else np.zeros((N_CH, 0))


@pytest.fixture(scope="module")
def pylsl():
    return configured_pylsl("machine")


@pytest.fixture
def data():
    rng = np.random.default_rng(15)
    return rng.normal(0.0, 50.0, (N_CH, 40 * CHUNK))


def test_liblsl_is_configured_for_this_machine_only(pylsl):
    path = user_config_folder() / "lsl_api.cfg"
    text = path.read_text()
    assert "ResolveScope = machine" in text and "ListenAddress = 127.0.0.1" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    from facetrainer.paths import user_log_folder

    assert stat.S_IMODE((user_log_folder() / "liblsl.log").stat().st_mode) == 0o600
    wider = config_text("site")
    assert "ResolveScope = site" in wider and "ListenAddress" not in wider


def _publish(source_name: str, source_id: str) -> tuple[LslPublisher, GatedSource]:
    publisher = LslPublisher(source_id=source_id)
    src = GatedSource(source_name)
    publisher.attach_emg(src)
    src.start()
    assert src.wait_ready()
    return publisher, src


def test_emg_round_trips_through_lsl_with_every_sample_and_its_time(pylsl, data):
    publisher, src = _publish(f"rt-{RUN}", f"ft-test-rt-{RUN}")
    sent_times = []
    src.subscribe(lambda d, t: sent_times.append(t.copy()))
    src.chunks.put(data[:, :CHUNK])  # the first chunk creates the outlets
    assert wait_until(lambda: publisher.n_emg_samples == CHUNK)
    inlet = LslEmgSource(f"FaceTrainer EMG raw (rt-{RUN})", resolve_timeout_s=5.0)
    got, got_t = [], []
    inlet.subscribe(lambda d, t: (got.append(d.copy()), got_t.append(t.copy())))
    inlet.start()
    try:
        assert inlet.wait_ready(), inlet.status
        assert inlet.info.fs_hz == FS_HZ and inlet.info.channel_names == (
            "ch1", "ch2", "ch3", "ch4")
        time.sleep(0.3)  # the inlet's connection is up before the rest is sent
        for i in range(CHUNK, data.shape[1], CHUNK):
            src.chunks.put(data[:, i : i + CHUNK])
        expected = data[:, CHUNK:]
        assert wait_until(lambda: inlet.n_samples >= expected.shape[1]), inlet.n_samples
        time.sleep(0.1)
    finally:
        inlet.stop()
        src.stop()
        publisher.close()
    received = np.hstack(got)
    assert received.shape == expected.shape
    np.testing.assert_allclose(received, expected, rtol=FLOAT32_REL, atol=1e-4)
    t_sent = np.concatenate(sent_times)[CHUNK:]
    t_got = np.concatenate(got_t)
    assert np.max(np.abs(t_got - t_sent)) < CLOCK_TOLERANCE_S


def test_envelope_stream_carries_montage_labels_in_microvolts(pylsl, data):
    from facetrainer.emg.montage import load_montage

    publisher = LslPublisher(source_id=f"ft-test-env-{RUN}")
    src = GatedSource(f"env-{RUN}")
    publisher.attach_emg(src, load_montage("smile_eye_4ch"))
    src.start()
    src.chunks.put(data[:, :CHUNK])
    try:
        assert wait_until(lambda: publisher.n_emg_samples == CHUNK)
        (info,) = pylsl.resolve_byprop("name", f"FaceTrainer EMG envelope (env-{RUN})", 1, 5.0)
        inlet = pylsl.StreamInlet(info)
        full = inlet.info(5.0)
    finally:
        src.stop()
        publisher.close()
    assert full.type() == "EMG" and full.nominal_srate() == FS_HZ
    ch = full.desc().child("channels").child("channel")
    labels, units = [], []
    while not ch.empty():
        labels.append(ch.child_value("label"))
        units.append(ch.child_value("unit"))
        ch = ch.next_sibling()
    assert all("/" in lab for lab in labels) and len(labels) == N_CH
    assert set(units) == {"microvolts"}


def test_markers_and_face_measures_round_trip(pylsl):
    publisher = LslPublisher(source_id=f"ft-test-mk-{RUN}")
    processor = SimpleNamespace(listeners=[])
    publisher.attach(SimpleNamespace(emg_sources=[], processor=processor))
    (minfo,) = pylsl.resolve_byprop("source_id", f"ft-test-mk-{RUN}-markers", 1, 5.0)
    (finfo,) = pylsl.resolve_byprop("source_id", f"ft-test-mk-{RUN}-face-measures", 1, 5.0)
    assert minfo.name() == MARKER_STREAM and finfo.name() == MEASURE_STREAM
    markers = pylsl.StreamInlet(minfo)
    measures = pylsl.StreamInlet(finfo)
    markers.open_stream(5.0)
    measures.open_stream(5.0)
    time.sleep(0.3)
    listeners = []
    session = SimpleNamespace(exercise=SimpleNamespace(id="brow_raise"),
                              subscribe=listeners.append)
    publisher.attach(session=session)
    publisher.attach(session=session)  # idempotent: one set_start
    t = time.monotonic()
    rep = {"number": 1, "start_s": t - 2, "end_s": t, "quality": 82.5, "spillover": 0.1,
           "symmetry": 0.9}
    for event in (FeedbackEvent(PHASE, t - 2, {"phase": "contract"}),
                  FeedbackEvent(REP_COMPLETED, t, {"rep": rep, "number": 1}),
                  FeedbackEvent(SET_COMPLETED, t + 1, {"summary": {"reps": 1}})):
        listeners[0](event)
    values = np.arange(16, dtype=float).reshape(8, 2)
    pf = SimpleNamespace(results={"measures": SimpleNamespace(values=values),
                                  "activation": {"target_pct": 55.0,
                                                 "watch_pct": {"eye": 3.0, "lips": 7.0}}},
                         frame=SimpleNamespace(timestamp_s=t))
    for listener in processor.listeners:
        listener(pf)
    docs = []
    assert wait_until(lambda: (docs.extend(json.loads(s[0]) for s in
                                            markers.pull_chunk(0.0)[0]) or len(docs) >= 5))
    sample, stamp = measures.pull_sample(5.0)
    publisher.close()
    assert [d["event"] for d in docs] == ["set_start", "phase", "rep_onset", "rep_end",
                                          "set_end"]
    assert all(d["exercise"] == "brow_raise" for d in docs)
    assert docs[3]["number"] == 1 and docs[3]["quality"] == 82.5
    np.testing.assert_allclose(sample[:16], values.ravel())
    assert sample[16:] == [55.0, 7.0]
    assert abs(stamp - (t + publisher.clock_offset_s)) < 1e-3


def test_a_sender_that_disappears_shows_disconnected_and_reconnects(pylsl, data):
    publisher, src = _publish(f"rc-{RUN}", f"ft-test-rc-{RUN}")
    src.chunks.put(data[:, :CHUNK])
    assert wait_until(lambda: publisher.n_emg_samples == CHUNK)
    inlet = LslEmgSource(f"FaceTrainer EMG raw (rc-{RUN})")
    inlet.reconnect_interval_s = 0.1
    inlet.start()
    try:
        assert inlet.wait_ready()
        publisher.close()  # the sender goes away
        assert wait_until(lambda: inlet.status.state == SourceState.DISCONNECTED)
        assert "disappeared" in inlet.status.message
        publisher2 = LslPublisher(source_id=f"ft-test-rc-{RUN}")
        publisher2.attach_emg(src)
        src.chunks.put(data[:, CHUNK : 2 * CHUNK])
        assert wait_until(lambda: inlet.status.state == SourceState.STREAMING)
        before = inlet.n_samples
        for i in range(2 * CHUNK, 10 * CHUNK, CHUNK):
            src.chunks.put(data[:, i : i + CHUNK])
            time.sleep(0.02)
        assert wait_until(lambda: inlet.n_samples > before)
        assert inlet.n_reconnects == 1
        publisher2.close()
    finally:
        inlet.stop()
        src.stop()


def test_lsl_spec_names_the_stream_it_cannot_find(pylsl):
    import argparse

    from facetrainer.emg.source_spec import add_emg_arguments

    parser = argparse.ArgumentParser()
    add_emg_arguments(parser)
    src = emg_source_from_spec(f"lsl:NoSuchStream{RUN}", parser.parse_args(["--lsl-timeout", "0.3"]))
    assert isinstance(src, LslEmgSource)
    src.start()
    assert not src.wait_ready()
    assert src.status.state == SourceState.FAILED and "NoSuchStream" in src.status.message


def test_markers_follow_a_practice_runners_psygnal_events(pylsl):
    from psygnal import Signal

    class Runner:
        engine_event = Signal(object)

        def __init__(self):
            self.item = SimpleNamespace(exercise=SimpleNamespace(id="pucker"))

    publisher = LslPublisher(source_id=f"ft-test-psygnal-{RUN}")
    (minfo,) = pylsl.resolve_byprop("source_id", f"ft-test-psygnal-{RUN}-markers", 1, 5.0)
    markers = pylsl.StreamInlet(minfo)
    markers.open_stream(5.0)
    time.sleep(0.3)
    runner = Runner()
    publisher.attach(session=runner)
    runner.engine_event.emit(FeedbackEvent(PHASE, time.monotonic(), {"phase": "contract"}))
    docs = []
    assert wait_until(lambda: (docs.extend(json.loads(s[0]) for s in
                                            markers.pull_chunk(0.0)[0]) or len(docs) >= 3))
    publisher.close()
    assert [d["event"] for d in docs] == ["set_start", "phase", "rep_onset"]
    assert {d["exercise"] for d in docs} == {"pucker"}


def test_publisher_follows_a_live_session_models_events(pylsl, data):
    """The model documented in docs/dev/ARCHITECTURE.md, reduced to what the outlet uses."""
    from psygnal import Signal, SignalGroup

    from facetrainer.emg.live import LiveEmg

    class Events(SignalGroup):
        sources_changed = Signal()
        set_started = Signal(object)
        feedback = Signal(object)

    src = GatedSource(f"model-src-{RUN}")
    model = SimpleNamespace(events=Events(), emg_streams=[], montage=None,
                            pipeline=SimpleNamespace(processor=SimpleNamespace(listeners=[])))
    publisher = LslPublisher(source_id=f"ft-test-model-{RUN}")
    publisher.attach_model(model)
    (minfo,) = pylsl.resolve_byprop("source_id", f"ft-test-model-{RUN}-markers", 1, 5.0)
    markers = pylsl.StreamInlet(minfo)
    markers.open_stream(5.0)
    time.sleep(0.3)
    model.emg_streams.append(LiveEmg(src))
    model.events.sources_changed.emit()
    src.start()
    src.chunks.put(data[:, :CHUNK])
    model.events.set_started.emit(SimpleNamespace(id="snarl"))
    model.events.feedback.emit(FeedbackEvent(PHASE, time.monotonic(), {"phase": "hold"}))
    docs = []
    try:
        assert wait_until(lambda: publisher.n_emg_samples == CHUNK)
        assert wait_until(lambda: (docs.extend(json.loads(s[0]) for s in
                                                markers.pull_chunk(0.0)[0]) or len(docs) >= 2))
    finally:
        src.stop()
        publisher.close()
    assert [(d["event"], d["exercise"]) for d in docs] == [("set_start", "snarl"),
                                                           ("phase", "snarl")]
    assert len(model.pipeline.processor.listeners) == 0  # closed: frames detached


def test_reading_by_type_never_picks_facetrainers_own_output(pylsl, data, monkeypatch):
    import facetrainer.lsl.scope as outlet_scope

    monkeypatch.setattr(outlet_scope, "DEFAULT_SOURCE_ID", f"ft-own-{RUN}")
    publisher = LslPublisher()  # FaceTrainer publishing with --lsl
    src = GatedSource(f"own-{RUN}")
    publisher.attach_emg(src)
    src.start()
    src.chunks.put(data[:, :CHUNK])
    try:
        assert wait_until(lambda: publisher.n_emg_samples == CHUNK)
        inlet = LslEmgSource(f"FaceTrainer EMG raw (own-{RUN})", resolve_timeout_s=2.0)
        inlet._pylsl = pylsl
        own = pylsl.resolve_byprop("source_id", f"ft-own-{RUN}-emg-raw-{id(src):x}", 1, 5.0)
        assert inlet._acceptable(own) is own[0]  # asked for by name: allowed
        by_type = LslEmgSource("EMG")
        assert by_type._acceptable(own) is None  # matched only by type: skipped
    finally:
        src.stop()
        publisher.close()
