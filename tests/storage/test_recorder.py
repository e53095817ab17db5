"""Crash-safe recording: every EMG sample kept, committed within a second, clear failures."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest
from sqlalchemy import event

from facetrainer.storage import SessionRecorder, StorageError, load_emg, open_database
from facetrainer.storage.schema import Session
from facetrainer.storage.session_data import (
    load_events,
    load_frame_measures,
    load_reps,
    session_counts,
)

COMMIT_DEADLINE_S = 1.0  # the issue: data written at least once a second


def _feed(recorder, index, fs_hz, n_channels, n_total, rng, out):
    """Push n_total samples in random chunk sizes, as an EMG source thread would."""
    sent = 0
    t0 = recorder.t0
    while sent < n_total:
        n = int(min(rng.integers(1, 97), n_total - sent))
        data = rng.normal(0, 50, (n_channels, n))
        times = t0 + (sent + np.arange(n)) / fs_hz
        recorder.on_emg(index, data, times)
        out.append(data)
        sent += n


def test_every_emg_sample_is_stored_exactly(db, patient):
    rng = np.random.default_rng(7)
    rec = SessionRecorder(db, "P001", flush_interval_s=0.2, max_queue=64)  # small: back-pressure
    sid = rec.start()
    rec.add_emg_stream(0, 1000.0, ["zygomaticus_major/left", "zygomaticus_major/right"], "a")
    rec.add_emg_stream(1, 512.0, [f"c{i}" for i in range(5)], "b")
    sent: dict[int, list] = {0: [], 1: []}
    threads = [
        threading.Thread(target=_feed, args=(rec, 0, 1000.0, 2, 4000, rng, sent[0])),
        threading.Thread(
            target=_feed, args=(rec, 1, 512.0, 5, 1500, np.random.default_rng(8), sent[1])
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rec.stop()
    for index, fs, n in ((0, 1000.0, 4000), (1, 512.0, 1500)):
        got = load_emg(db, sid, index)
        expected = np.concatenate(sent[index], axis=1).astype(np.float32)
        assert got.fs_hz == fs
        assert got.data_uv.shape == expected.shape == (expected.shape[0], n)
        np.testing.assert_array_equal(got.data_uv, expected)  # float32 storage: exact
        np.testing.assert_allclose(got.times_s, np.arange(n) / fs, atol=1e-9)
    with db.session() as s:
        assert s.get(Session, sid).status == "complete"


def test_data_is_committed_within_a_second(tmp_path, patient_url_db):
    db, url = patient_url_db
    rec = SessionRecorder(db, "P001")
    sid = rec.start()
    rec.add_emg_stream(0, 250.0, ["ch1"])
    reader = open_database(url)  # another connection, as a second process would see it
    rec.on_emg(0, np.ones((1, 25)), rec.t0 + np.arange(25) / 250.0)
    t_sent = time.monotonic()
    while session_counts(reader, sid)["emg_samples"] < 25:
        assert time.monotonic() - t_sent < COMMIT_DEADLINE_S, "not committed within 1 s"
        time.sleep(0.02)
    rec.stop()
    reader.close()


@pytest.fixture
def patient_url_db(tmp_path):
    from facetrainer.storage import create_patient

    url = f"sqlite:///{tmp_path / 'f.sqlite3'}"
    db = open_database(url)
    create_patient(db, "P001", "left")
    yield db, url
    db.close()


def _frame(t, measures, events=()):
    return SimpleNamespace(
        frame=SimpleNamespace(timestamp_s=t),
        face=object(),
        results={"measures": measures, "rep_events": list(events)},
    )


def test_frames_measures_reps_and_events_are_recorded(db, patient):
    rec = SessionRecorder(db, "P001", calibration={"zygomaticus_major/left": 120.0})
    sid = rec.start()
    score = {
        "start_s": 1.0,
        "end_s": 3.5,
        "target": 0.62,
        "symmetry": 0.81,
        "quality": 70.0,
        "spillover": {"orbicularis_oculi/left": 0.12},
    }
    for k in range(30):
        rec.on_frame(
            _frame(
                rec.t0 + k / 30.0,
                {"brow_height_mm": {"left": 20.0 + k, "right": 21.0}, "symmetry": {"brow": 0.9}},
                [],
            )
        )
    rec.record_event("rep_start", 1.0, exercise="open_smile")
    rec.record_rep(score, exercise="open_smile")
    rec.record_event("marker", 0.5, note="patient tired")
    rec.stop()
    fm = load_frame_measures(db, sid)
    np.testing.assert_allclose(fm.times_s, np.arange(30) / 30.0, atol=1e-9)
    np.testing.assert_array_equal(fm.values["measures/brow_height_mm/left"], 20.0 + np.arange(30))
    assert fm.values["measures/symmetry/brow"][0] == 0.9
    reps = load_reps(db, sid)
    assert len(reps) == 1 and reps[0]["exercise"] == "open_smile"
    assert (reps[0]["start_s"], reps[0]["end_s"]) == (pytest.approx(1.0), pytest.approx(3.5))
    assert {k: reps[0][k] for k in score if not k.endswith("_s")} == {
        k: v for k, v in score.items() if not k.endswith("_s")
    }
    kinds = [(e["kind"], e["t_s"]) for e in load_events(db, sid)]
    assert sorted(kinds) == [("marker", 0.5), ("rep_start", pytest.approx(1.0))]
    with db.session() as s:
        assert s.get(Session, sid).calibration == {"zygomaticus_major/left": 120.0}


def _rep_score(number: int, start_s: float, end_s: float, quality: float):
    from facetrainer.exercises.scoring import RepScore

    return RepScore(
        number=number, start_s=start_s, end_s=end_s, peak_pct=70.0, hold_mean_pct=55.0,
        hold_s=2.0, contract_s=1.0, release_s=1.0, steadiness=0.9, speed=1.0, too_fast=False,
        partial=False, by_side={"left": {"hold_mean_pct": 55.0}}, symmetry=0.8,
        weaker_side="left", spillover={"eye": 12.5}, spillover_detail={}, terms={},
        quality=quality,
    )  # fmt: skip


def test_typed_set_events_are_recorded_with_the_declared_rep_columns(db, patient):
    from facetrainer.exercises.events import (
        PHASE,
        ActivationSample,
        FeedbackEvent,
        ScoredRep,
        SetEvents,
        SetSummary,
    )
    from facetrainer.storage.schema import ACTIVATION_TARGET_PCT

    events = SetEvents()
    rec = SessionRecorder(db, "P001")
    sid = rec.start()
    rec.attach_set_events(events, "open_smile")
    events.feedback.emit(FeedbackEvent(PHASE, rec.t0 + 2.0, {"phase": "contract"}))
    events.activation.emit(ActivationSample(rec.t0 + 2.5, 48.0, {"eye": 9.0}, "hold"))
    events.rep_scored.emit(ScoredRep("open_smile", _rep_score(1, rec.t0 + 2.0, rec.t0 + 5.0, 66.0)))
    summary = {"reps_expected": 1, "reps_detected": 1, "quality_mean": 66.0}
    events.set_completed.emit(SetSummary.from_json("open_smile", rec.t0 + 5.5, summary))
    rec.stop()
    events.rep_scored.emit(ScoredRep("open_smile", _rep_score(2, rec.t0 + 6, rec.t0 + 7, 50.0)))
    [rep] = load_reps(db, sid)  # the rep after stop() is not recorded: detached
    assert rep["exercise"] == "open_smile" and rep["rep_index"] == 0
    assert (rep["start_s"], rep["end_s"]) == (pytest.approx(2.0), pytest.approx(5.0))
    assert rep["target"] == 55.0 and rep["extra"]["target"]["peak_pct"] == 70.0
    assert rep["quality"] == 66.0 and rep["spillover"] == {"eye": 12.5}
    kinds = {e["kind"]: e for e in load_events(db, sid)}
    assert kinds["phase"]["payload"]["phase"] == "contract"
    assert kinds["phase"]["t_s"] == pytest.approx(2.0)
    assert kinds["set_completed"]["payload"]["summary"]["quality_mean"] == 66.0
    frames = load_frame_measures(db, sid)
    assert frames.values[ACTIVATION_TARGET_PCT].tolist() == [48.0]
    assert frames.times_s.tolist() == [pytest.approx(2.5)]


def test_a_quality_outside_0_100_is_refused_with_the_rep_named(db, patient):
    rec = SessionRecorder(db, "P001")
    rec.start()
    with pytest.raises(ValueError, match=r"'open_smile' #0: quality 140.0 is outside 0–100"):
        rec.record_rep({"start_s": 1.0, "end_s": 2.0, "quality": 140.0}, exercise="open_smile")
    rec.stop()


def test_emg_is_read_from_the_source_ring_without_blocking_acquisition(db, patient):
    """The recorder never runs on the acquisition thread: it reads the source's ring at
    every flush, so a source that outpaces a flush loses nothing."""
    from facetrainer.emg.source import EmgSource, EmgStreamInfo

    class Burst(EmgSource):
        poll_interval_s = 0.0

        def __init__(self, data):
            super().__init__("burst")
            self.data, self.pos = data, 0

        def _open(self):
            return EmgStreamInfo(500.0, ("a", "b"))

        def _read_chunk(self):
            if self.pos >= self.data.shape[1]:
                return None
            self.pos += 25
            return self.data[:, self.pos - 25 : self.pos]

    data = np.random.default_rng(3).normal(0, 40, (2, 5000))
    rec = SessionRecorder(db, "P001", flush_interval_s=0.2)
    sid = rec.start()
    src = Burst(data)
    rec.attach_emg_source(src, 0)
    src.start()
    deadline = time.monotonic() + 20
    while src.status.state.value != "finished" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert src._listeners == []  # nothing of the recorder runs on the acquisition thread
    rec.stop()
    got = load_emg(db, sid, 0)
    np.testing.assert_array_equal(got.data_uv, data.astype(np.float32))
    assert rec.stats.emg_samples_lost == 0


def test_disk_full_gives_clear_message_and_keeps_what_was_written(patient_url_db):
    db, _ = patient_url_db
    rec = SessionRecorder(db, "P001", flush_interval_s=0.1, retry_limit_s=0.3)
    sid = rec.start()
    rec.add_emg_stream(0, 2000.0, [f"c{i}" for i in range(16)])
    rec.on_emg(0, np.ones((16, 200)), rec.t0 + np.arange(200) / 2000.0)
    deadline = time.monotonic() + 2.0
    while rec.stats.emg_samples < 200 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert rec.stats.emg_samples == 200
    # From now on the database may not grow: SQLite then reports "database or disk is full".
    with db.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    db.engine.dispose()
    event.listen(db.engine, "connect", lambda c, _r: c.execute(f"PRAGMA max_page_count = {pages}"))
    noise = np.random.default_rng(2).normal(0, 50, (20, 16, 2000))  # does not compress away
    for k in range(20):
        rec.on_emg(0, noise[k], rec.t0 + 0.1 + k + np.arange(2000) / 2000.0)
    deadline = time.monotonic() + 5.0
    while not rec.failed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert rec.failed
    assert "disk is full" in rec.error and f"session {sid}" in rec.error
    rec.stop()
    db.engine.dispose()
    kept = load_emg(open_database(db.url), sid)  # a fresh engine, without the page limit
    assert kept.data_uv.shape == (16, 200)
    np.testing.assert_array_equal(kept.data_uv, 1.0)


def test_read_only_database_gives_clear_message(patient_url_db):
    db, url = patient_url_db
    path = url.removeprefix("sqlite:///")
    ro = open_database(f"sqlite:///file:{path}?mode=ro&uri=true")
    with pytest.raises(StorageError, match="read-only"):
        SessionRecorder(ro, "P001").start()
    ro.close()


def test_flush_interval_is_validated(db):
    with pytest.raises(ValueError, match="flush_interval_s = 2"):
        SessionRecorder(db, "P001", flush_interval_s=2)
