"""Fault injection: the file system holding the database fills up while recording
(issue 16, item 10). The recorder names the full disk, stops after its retries, and every
sample committed before stays readable."""

from __future__ import annotations

import time

import numpy as np
import pytest

from facetrainer.storage import SessionRecorder, create_patient, load_emg, open_database
from facetrainer.storage.database import DB_FILE_NAME
from facetrainer.storage.schema import Session

FS_HZ = 2000.0
N_CHANNELS = 16
WAIT_S = 10.0


def _wait(condition, timeout_s: float = WAIT_S) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_a_disk_filling_up_during_recording_keeps_every_committed_sample(small_disk):
    url = f"sqlite:///{small_disk.path / DB_FILE_NAME}"
    db = open_database(url)
    create_patient(db, "P001", affected_side="left")
    rec = SessionRecorder(db, "P001", flush_interval_s=0.1, retry_limit_s=0.5)
    sid = rec.start()
    rec.add_emg_stream(0, FS_HZ, [f"c{i}" for i in range(N_CHANNELS)])
    rec.on_emg(0, np.ones((N_CHANNELS, 400)), rec.t0 + np.arange(400) / FS_HZ)
    assert _wait(lambda: rec.stats.emg_samples == 400)
    small_disk.fill()  # the real thing: no byte left on the file system
    for k in range(10):
        t = rec.t0 + 0.2 + k + np.arange(int(FS_HZ)) / FS_HZ
        rec.on_emg(0, np.full((N_CHANNELS, int(FS_HZ)), 2.0 + k), t)
    assert _wait(lambda: rec.failed)
    assert "disk is full" in rec.error and f"session {sid}" in rec.error
    time.sleep(1.0)  # the wall clock runs on past the data
    rec.stop()
    db.close()
    small_disk.free()
    db = open_database(url)
    kept = load_emg(db, sid)
    assert kept.data_uv.shape[0] == N_CHANNELS and kept.data_uv.shape[1] >= 400
    np.testing.assert_array_equal(kept.data_uv[:, :400], 1.0)  # committed before: intact
    with db.session() as s:
        row = s.get(Session, sid)  # still "recording" (the disk was full): recovery offers it
        # the stored duration is the data's, not the time the recorder kept trying
        assert row.duration_s == pytest.approx(float(kept.times_s[-1]), abs=1 / FS_HZ)
    db.close()


def test_a_session_s_duration_is_that_of_its_data(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / DB_FILE_NAME}")
    create_patient(db, "P001", affected_side="left")
    rec = SessionRecorder(db, "P001", flush_interval_s=0.1)
    sid = rec.start()
    rec.add_emg_stream(0, FS_HZ, ["c0"])
    rec.on_emg(0, np.ones((1, 2000)), rec.t0 + np.arange(2000) / FS_HZ)  # 1 s of data
    assert _wait(lambda: rec.stats.emg_samples == 2000)
    time.sleep(0.5)
    rec.stop()
    with db.session() as s:
        assert s.get(Session, sid).duration_s == pytest.approx(1999 / FS_HZ, abs=1e-9)
    db.close()
