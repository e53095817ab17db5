"""A recording killed with SIGKILL mid-way is found on the next start and kept, intact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from facetrainer.storage import (
    SessionRecorder,
    find_interrupted_sessions,
    load_emg,
    recover_incomplete_sessions,
)
from facetrainer.storage.schema import Session
from facetrainer.storage.session_data import load_frame_measures, load_reps

CHILD = Path(__file__).with_name("recording_child.py")
RECORD_S = 3.0  # seconds of recording before the kill
MAX_GAP_S = 0.3  # the EMG clock re-anchors only past 0.25 s of drift


def _run_and_kill(db_url: str) -> tuple[int, int, int, tuple[float, int]]:
    """Start the recording child, SIGKILL it after RECORD_S; (session, samples, frames)
    that it reported committed just before the kill, and its EMG (rate, channels)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), db_url, "P001"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    session_id, written, frames, stream = -1, 0, 0, (0.0, 0)
    t_start = None
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            parts = line.split()
            if parts[:1] == ["session"]:
                session_id = int(parts[1])
            elif parts[:1] == ["emg"]:
                stream = (float(parts[1]), int(parts[2]))
            elif parts[:1] == ["written"]:
                written, frames = int(parts[1]), int(parts[2])
                if written and t_start is None:
                    t_start = time.monotonic()
                if t_start is not None and time.monotonic() - t_start > RECORD_S and frames:
                    break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    return session_id, written, frames, stream


@pytest.mark.slow
def test_sigkilled_virtual_patient_recording_is_recovered_intact(db, patient, db_url):
    session_id, written, frames, (fs_hz, n_channels) = _run_and_kill(db_url)
    assert session_id > 0 and written > 0

    found = find_interrupted_sessions(db)
    assert [f.session_id for f in found] == [session_id]
    assert found[0].patient_code == "P001"
    # Every sample the child saw committed before the kill is there.
    assert found[0].emg_samples >= written
    assert found[0].frames >= frames > 0

    kept = recover_incomplete_sessions(db, keep=True)
    assert [k.session_id for k in kept] == [session_id]
    assert find_interrupted_sessions(db) == []
    with db.session() as s:
        row = s.get(Session, session_id)
        assert row.status == "incomplete" and row.ended_at is not None

    emg = load_emg(db, session_id)
    assert emg.fs_hz == fs_hz and emg.data_uv.shape[0] == n_channels > 0
    assert emg.data_uv.shape[1] >= written
    steps = np.diff(emg.times_s)
    assert np.all(steps > 0), "samples in recording order"
    assert steps.max() < MAX_GAP_S, "no chunk missing between flushes"
    assert emg.times_s[-1] - emg.times_s[0] >= RECORD_S - 1.0
    fm = load_frame_measures(db, session_id)
    assert fm.times_s.size >= frames and np.nanmean(fm.values["face_found"]) > 0.5
    brow = fm.values["measures/metrics/brow_height_mm/left"]  # the face-analysis stage's
    assert np.isfinite(brow).sum() > 0.5 * brow.size
    assert len(load_reps(db, session_id)) >= int(RECORD_S) - 1


def test_a_live_recording_is_not_offered_for_recovery(db, patient):
    rec = SessionRecorder(db, "P001")
    rec.start()
    assert find_interrupted_sessions(db) == []
    rec.stop()


def test_discarding_removes_the_interrupted_session(db, patient):
    from facetrainer.storage.session_data import session_counts

    rec = SessionRecorder(db, "P001", flush_interval_s=0.1)
    sid = rec.start()
    rec.add_emg_stream(0, 100.0, ["a"])
    rec.on_emg(0, np.ones((1, 10)), rec.t0 + np.arange(10) / 100.0)
    time.sleep(0.4)
    _crash(rec)
    with db.session() as s:
        s.get(Session, sid).pid = 2**22 + 12345  # a process id that does not run
    assert [f.session_id for f in find_interrupted_sessions(db)] == [sid]
    recover_incomplete_sessions(db, keep=False)
    with db.session() as s:
        assert s.get(Session, sid) is None
    assert session_counts(db, sid)["emg_samples"] == 0


def _crash(rec):
    """End a recorder the way a crash does: no final write, status left ``recording``."""
    from facetrainer.storage.recorder import ACTIVE_SESSIONS

    rec.detach()
    rec._stop.set()
    rec._thread.join(5)
    ACTIVE_SESSIONS.discard(rec.session_id)  # a new process knows nothing of it


def test_reused_process_ids_do_not_hide_an_interrupted_session(db, patient):
    import datetime as dt

    rec = SessionRecorder(db, "P001")
    sid = rec.start()
    _crash(rec)
    with db.session() as s:  # a container restarted with the same process id as before
        s.get(Session, sid).pid = os.getpid()
    assert [f.session_id for f in find_interrupted_sessions(db)] == [sid]
    with db.session() as s:  # another live process got the old id: judged by the heartbeat
        row = s.get(Session, sid)
        row.pid = 1
        row.last_write_at = dt.datetime.now(dt.UTC)
    assert find_interrupted_sessions(db, stale_after_s=30.0) == []
    with db.session() as s:
        s.get(Session, sid).last_write_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    assert [f.session_id for f in find_interrupted_sessions(db, stale_after_s=30.0)] == [sid]


def test_a_live_recorder_keeps_touching_its_session(db, patient, monkeypatch):
    from facetrainer.storage import recorder as recorder_module

    monkeypatch.setattr(recorder_module, "HEARTBEAT_S", 0.2)
    rec = SessionRecorder(db, "P001", flush_interval_s=0.1)
    sid = rec.start()
    with db.session() as s:
        first = s.get(Session, sid).last_write_at
    time.sleep(0.8)  # no data at all
    with db.session() as s:
        assert s.get(Session, sid).last_write_at > first
    rec.stop()
