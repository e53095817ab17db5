"""The live session: attached to a pipeline's EMG source and frame listeners, it scores the
same reps as the offline ``score`` path."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest

from facetrainer.emg.source import EmgSource, EmgStreamInfo
from facetrainer.exercises import events as ev
from facetrainer.exercises.library import load_library
from facetrainer.exercises.score_command import score_recording
from facetrainer.exercises.session import LiveExerciseSession
from facetrainer.source_status import SourceState

from .synthetic import Performer, raw_emg_csv

LIVE_OFFLINE_TOL_S = 0.05
SPILL_TOL_PCT = 1.0


class CsvPlaybackSource(EmgSource):
    """Replays a CSV recording faster than real time, stamped with the file's own times."""

    poll_interval_s = 0.0

    def __init__(self, path, chunk: int = 37) -> None:
        super().__init__("csv playback")
        from facetrainer.emg.recording_io import read_recording

        self.rec = read_recording(path)
        self.chunk, self.pos = chunk, 0
        self.go = threading.Event()  # hold the data back until the session listens

    def _open(self) -> EmgStreamInfo:
        return EmgStreamInfo(self.rec.fs_hz, tuple(self.rec.channel_names))

    def _read_chunk(self):
        if not self.go.wait(0.01):
            return np.empty((self.rec.data_uv.shape[0], 0))
        if self.pos >= self.rec.data_uv.shape[1]:
            return None
        out = self.rec.data_uv[:, self.pos : self.pos + self.chunk]
        return out

    def _stamp(self, n: int) -> np.ndarray:
        t = (self.pos + np.arange(n)) / self.rec.fs_hz
        self.pos += n
        return t


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    d = tmp_path_factory.mktemp("live")
    p = Performer(reps=4, side_gain={"left": 0.5, "right": 1.0}, synkinesis={"eye": 0.2})
    names = raw_emg_csv(d / "set.csv", p, "zygomaticus_major", {"orbicularis_oculi": 0.2})
    montage = d / "m.toml"
    montage.write_text(
        "name = 'm'\n[channels]\n"
        + "".join(f'{n} = "{n.rsplit("_", 1)[0]}/{n.rsplit("_", 1)[1]}"\n' for n in names)
    )
    return d / "set.csv", montage, p


def test_live_emg_scoring_equals_offline(recording):
    csv_path, montage, p = recording
    ex = load_library(include_user=False)["closed_smile"]
    source = CsvPlaybackSource(csv_path)
    pipeline = SimpleNamespace(processor=SimpleNamespace(listeners=[]), emg_sources=[source])
    source.start()
    assert source.wait_ready(5.0)
    session = LiveExerciseSession(
        pipeline, ex, montage=montage, use_video=False, affected_side="left", cued=False
    )
    seen: list[str] = []
    session.subscribe(lambda e: seen.append(e.kind))
    session.start()
    source.go.set()
    deadline = time.monotonic() + 60
    while source.status.state != SourceState.FINISHED and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    session.stop()
    live = session.result()
    # the live session takes rest from the set's start: score offline with the same rest
    offline = score_recording(
        "closed_smile", emg=csv_path, montage=montage, affected_side="left", rest="start"
    )
    assert session.error is None
    assert live["modalities"] == offline["modalities"] == ["emg"]
    assert len(live["reps"]) == len(offline["reps"]) == 4
    for a, b in zip(live["reps"], offline["reps"], strict=True):
        assert abs(a["start_s"] - b["start_s"]) < LIVE_OFFLINE_TOL_S
        assert abs(a["end_s"] - b["end_s"]) < LIVE_OFFLINE_TOL_S
        assert a["spillover"]["eye"] == pytest.approx(b["spillover"]["eye"], abs=SPILL_TOL_PCT)
    assert seen.count(ev.REP_COMPLETED) == 4 and seen[-1] == ev.SET_COMPLETED
    assert [e.kind for e in session.drain_events()].count(ev.REP_COMPLETED) == 4
    assert session.drain_events() == []


MAINS_UV = 30.0  # hum on a real desk: several times the resting EMG (5 µV)
QUALITY_TOL = 1.0  # points of 100


@pytest.fixture(scope="module", params=[50.0, 60.0], ids=["50Hz", "60Hz"])
def humming_recording(request, tmp_path_factory):
    """The same kind of set with mains hum (fundamental and 3rd harmonic) on every channel."""
    from facetrainer.emg.recording_io import read_recording

    mains_hz = request.param
    d = tmp_path_factory.mktemp(f"hum{mains_hz:g}")
    p = Performer(
        reps=3, side_gain={"left": 0.5, "right": 1.0}, synkinesis={"eye": 0.2}
    )
    names = raw_emg_csv(d / "clean.csv", p, "zygomaticus_major", {"orbicularis_oculi": 0.2})
    rec = read_recording(d / "clean.csv")
    t = np.arange(rec.data_uv.shape[1]) / rec.fs_hz
    rng = np.random.default_rng(11)
    phase = rng.uniform(0, 2 * np.pi, (rec.data_uv.shape[0], 1))
    hum = MAINS_UV * (np.sin(2 * np.pi * mains_hz * t + phase)
                      + 0.3 * np.sin(2 * np.pi * 3 * mains_hz * t + phase))  # fmt: skip
    data = rec.data_uv + hum
    path = d / "set.csv"
    with open(path, "w") as f:
        f.write(",".join(["time_s", *names]) + "\n")
        for k in range(t.size):
            f.write(f"{t[k]:.4f}," + ",".join(f"{v:.3f}" for v in data[:, k]) + "\n")
    montage = d / "m.toml"
    montage.write_text(
        "name = 'm'\n[channels]\n"
        + "".join(f'{n} = "{n.rsplit("_", 1)[0]}/{n.rsplit("_", 1)[1]}"\n' for n in names)
    )
    # A calibrated reference for every channel: live and offline then share the 100 %
    # (without one, offline falls back on the set's own maximum, which live cannot know).
    from facetrainer.exercises.calibration import Calibration, ChannelReference, emg_key

    refs = {emg_key(*n.rsplit("_", 1)): ChannelReference(None, 50.0, "calibrated") for n in names}
    Calibration(refs).save(d / "cal.json")
    return path, montage, p, mains_hz


def test_live_scoring_equals_offline_with_mains_hum(humming_recording):
    """Live and offline run the same chain: with 50 or 60 Hz hum they find the same reps
    with the same scores (they used to differ: only the display's chain had a notch)."""
    from facetrainer.emg.live import live_for

    csv_path, montage, p, mains_hz = humming_recording
    ex = load_library(include_user=False)["closed_smile"]
    source = CsvPlaybackSource(csv_path)
    pipeline = SimpleNamespace(processor=SimpleNamespace(listeners=[]), emg_sources=[source])
    source.start()
    assert source.wait_ready(5.0)
    from facetrainer.exercises.calibration import Calibration

    calibration = Calibration.load(csv_path.parent / "cal.json")
    session = LiveExerciseSession(
        pipeline, ex, montage=montage, use_video=False, affected_side="left", cued=False,
        calibration=calibration,
    )  # fmt: skip
    scored = []
    session.events.rep_scored.connect(scored.append)
    session.start()
    source.go.set()
    deadline = time.monotonic() + 60
    while source.status.state != SourceState.FINISHED and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    session.stop()
    live = session.result()
    offline = score_recording(
        "closed_smile", emg=csv_path, montage=montage, affected_side="left",
        calibration=csv_path.parent / "cal.json",
    )  # fmt: skip
    assert session.error is None and session.n_emg_lost == 0
    assert set(live_for(source).chain.mains_hz) == {mains_hz}
    assert len(live["reps"]) == len(offline["reps"]) == len(p.rep_windows()) == 3
    for a, b, (start, end) in zip(live["reps"], offline["reps"], p.rep_windows(), strict=True):
        assert abs(a["start_s"] - b["start_s"]) < LIVE_OFFLINE_TOL_S
        assert abs(a["end_s"] - b["end_s"]) < LIVE_OFFLINE_TOL_S
        assert a["quality"] == pytest.approx(b["quality"], abs=QUALITY_TOL)
        assert a["spillover"]["eye"] == pytest.approx(b["spillover"]["eye"], abs=SPILL_TOL_PCT)
        assert start - 0.5 < a["start_s"] < end
    assert [s.rep.number for s in scored] == [1, 2, 3]
    assert all(0.0 <= s.quality <= 100.0 for s in scored)


def test_a_modality_that_never_starts_does_not_hold_the_other_back(recording, monkeypatch):
    """EMG flows but the video source never delivers a frame: after the timeout the session
    scores from EMG alone and says so."""
    import facetrainer.exercises.session as session_module

    monkeypatch.setattr(session_module, "MODALITY_TIMEOUT_S", 0.3)
    csv_path, montage, _ = recording
    ex = load_library(include_user=False)["closed_smile"]
    source = CsvPlaybackSource(csv_path, chunk=500)
    pipeline = SimpleNamespace(processor=SimpleNamespace(listeners=[]), emg_sources=[source])
    source.start()
    assert source.wait_ready(5.0)
    session = LiveExerciseSession(pipeline, ex, montage=montage, use_video=True, cued=False)
    assert session.modalities == ["video", "emg"]
    session.start()
    source.go.set()
    deadline = time.monotonic() + 60
    while source.status.state != SourceState.FINISHED and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    session.stop()
    assert session.error is None
    assert any("no video data" in n for n in session.notices)
    assert len(session.result()["reps"]) == 4


class JoinedSource(CsvPlaybackSource):
    """Plays the first ``join_s`` of the recording, then waits for ``resume``: a stream
    that was already running when the session started."""

    def __init__(self, path, join_s: float) -> None:
        super().__init__(path)
        self.limit = int(join_s * self.rec.fs_hz)
        self.resume = threading.Event()

    def _read_chunk(self):
        if self.pos >= self.limit and not self.resume.is_set():
            return np.empty((self.rec.data_uv.shape[0], 0))
        return super()._read_chunk()


def test_a_session_joining_a_running_stream_primes_its_filters_from_the_ring(recording):
    """The EMG filters settle on the ring buffer's last second instead of skipping the
    first second of the session: rest is calibrated right from the first chunk."""
    from facetrainer.exercises.activation import REST_WINDOW_S

    csv_path, montage, _ = recording
    source = JoinedSource(csv_path, join_s=1.0)
    pipeline = SimpleNamespace(processor=SimpleNamespace(listeners=[]), emg_sources=[source])
    source.start()
    source.go.set()
    deadline = time.monotonic() + 10
    while source.pos < source.limit and time.monotonic() < deadline:
        time.sleep(0.01)
    joined_s = source.pos / source.rec.fs_hz
    session = LiveExerciseSession(
        pipeline,
        load_library(include_user=False)["closed_smile"],
        montage=montage,
        use_video=False,
        affected_side="left",
        cued=False,
    )
    events: list[ev.FeedbackEvent] = []
    session.subscribe(events.append)
    session.start()
    source.resume.set()
    while source.status.state != SourceState.FINISHED and time.monotonic() < deadline + 60:
        time.sleep(0.05)
    time.sleep(0.3)
    session.stop()
    calibrated = next(e for e in events if e.kind == ev.CALIBRATED)
    assert calibrated.t_s == pytest.approx(joined_s + REST_WINDOW_S, abs=0.1)
    assert session.error is None and len(session.result()["reps"]) == 4


def test_a_listener_that_raises_is_reported_once_and_the_set_goes_on(recording):
    """A bug in a panel (or a full disk in the recorder) must not stop scoring."""
    csv_path, montage, _ = recording
    source = CsvPlaybackSource(csv_path)
    pipeline = SimpleNamespace(processor=SimpleNamespace(listeners=[]), emg_sources=[source])
    source.start()
    assert source.wait_ready(5.0)
    session = LiveExerciseSession(
        pipeline, load_library(include_user=False)["closed_smile"], montage=montage,
        use_video=False, affected_side="left", cued=False,
    )  # fmt: skip

    def broken(_rep):
        raise OSError("disk full")

    session.events.rep_scored.connect(broken)
    session.start()
    source.go.set()
    deadline = time.monotonic() + 60
    while source.status.state != SourceState.FINISHED and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    session.stop()
    assert session.error is None and len(session.result()["reps"]) == 4
    failures = [n for n in session.notices if "rep_scored failed" in n]
    assert len(failures) == 1 and "disk full" in failures[0]
