"""BrainFlow's synthetic and playback boards through LiveEmg, recorded and replayed."""

from __future__ import annotations

import json
import time
import warnings

import numpy as np
import pytest

from facetrainer.cli import main
from facetrainer.emg.brainflow_source import (
    PLAYBACK_BOARD_ID,
    SYNTHETIC_BOARD_ID,
    BrainFlowParams,
    BrainFlowSource,
)
from facetrainer.emg.filters import EmgFilterWarning
from facetrainer.emg.live import LiveEmg
from facetrainer.emg.recorder import EmgRecorder
from facetrainer.emg.recording_io import read_recording

from .conftest import wait_until

RECORD_S = 1.5
BRAINFLOW_PRECISION_UV = 1e-6


@pytest.fixture(scope="module")
def synthetic_recording(tmp_path_factory):
    """1.5 s of the synthetic board, processed live and recorded to CSV and BrainFlow."""
    folder = tmp_path_factory.mktemp("bf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmgFilterWarning)  # 250 Hz: low-pass clamped
        return _record(folder)


def _record(folder):
    src = BrainFlowSource(SYNTHETIC_BOARD_ID)
    live = LiveEmg(src)
    chunks: list[np.ndarray] = []
    src.subscribe(lambda d, t: chunks.append(d.copy()))
    rec = EmgRecorder(src, csv_path=folder / "syn.csv", brainflow_path=folder / "syn_bf.csv")
    rec.start()
    src.start()
    assert src.wait_ready()
    time.sleep(RECORD_S)
    src.stop()
    rec.stop()
    return folder, live, np.hstack(chunks), rec


def test_synthetic_board_is_processed_live(synthetic_recording):
    _, live, raw, _ = synthetic_recording
    assert live.error is None
    assert live.fs_hz == 250.0 and len(live.channel_names) == 16
    filtered, times = live.get_filtered()
    env, _ = live.get_envelope()
    assert filtered.shape == env.shape == raw.shape
    assert np.isfinite(env).all() and (env >= 0).all()


def test_recordings_hold_every_sample_in_both_formats(synthetic_recording):
    folder, live, raw, rec = synthetic_recording
    assert rec.n_samples == raw.shape[1]
    from_csv = read_recording(folder / "syn.csv")
    from_bf = read_recording(folder / "syn_bf.csv")
    assert from_bf.fs_hz == 250.0 and from_bf.channel_names == list(live.channel_names)
    np.testing.assert_allclose(from_bf.data_uv, raw, atol=BRAINFLOW_PRECISION_UV)
    np.testing.assert_allclose(from_csv.data_uv, raw, rtol=1e-5, atol=1e-3)
    assert from_csv.fs_hz == pytest.approx(250.0, rel=0.05)


def test_playback_board_replays_the_recording(synthetic_recording):
    folder, _, raw, _ = synthetic_recording
    src = BrainFlowSource(PLAYBACK_BOARD_ID, BrainFlowParams(file=str(folder / "syn_bf.csv")))
    live = LiveEmg(src)
    src.start()
    try:
        assert src.wait_ready(), src.status
        assert wait_until(lambda: src.n_samples >= 100, 10.0)
    finally:
        src.stop()
    played, _ = live.get_raw()
    n = min(played.shape[1], raw.shape[1])
    np.testing.assert_allclose(played[:, :n], raw[:, :n], atol=BRAINFLOW_PRECISION_UV)


def test_analyze_reads_the_recorded_brainflow_file(synthetic_recording, tmp_path):
    folder, _, _, _ = synthetic_recording
    out = tmp_path / "syn.json"
    assert main(["emg", "analyze", str(folder / "syn_bf.csv"), "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["fs"] == 250.0 and len(doc["channels"]) == 16
