import time

import numpy as np
import pytest

from facetrainer.emg.brainflow_source import (
    PLAYBACK_BOARD_ID,
    SYNTHETIC_BOARD_ID,
    BrainFlowParams,
    BrainFlowSource,
    describe_board,
)
from facetrainer.source_status import SourceState

RATE_TOLERANCE = 0.15  # BrainFlow's synthetic board delivers in bursts


def test_synthetic_board_streams_at_its_described_rate_and_drops_nothing():
    src = BrainFlowSource(SYNTHETIC_BOARD_ID)
    chunks = []
    src.subscribe(lambda d, t: chunks.append((d.copy(), t.copy())))
    src.start()
    assert src.wait_ready()
    time.sleep(2.0)
    src.stop()
    fs, rows, names = describe_board(SYNTHETIC_BOARD_ID)
    assert src.info.fs_hz == fs == 250
    assert list(src.info.channel_names) == names and len(names) == len(rows)
    total = sum(d.shape[1] for d, _ in chunks)
    assert total == src.n_samples == src.ring.total_written
    assert total == pytest.approx(2.0 * fs, rel=RATE_TOLERANCE)
    times = np.concatenate([t for _, t in chunks])
    assert np.all(np.diff(times) > 0)
    assert src.ring.capacity >= 30 * fs


def test_unknown_board_fails_with_a_clear_message():
    src = BrainFlowSource(9999)
    src.start()
    assert not src.wait_ready()
    assert src.status.state == SourceState.FAILED
    assert "9999" in src.status.message


def test_playback_board_replays_a_recording(tmp_path):
    from brainflow.board_shim import BoardShim
    from brainflow.data_filter import DataFilter

    n_rows = BoardShim.get_num_rows(SYNTHETIC_BOARD_ID)
    fs, rows, _ = describe_board(SYNTHETIC_BOARD_ID)
    n = int(fs * 3)
    data = np.zeros((n_rows, n))
    rng = np.random.default_rng(3)
    data[rows, :] = rng.normal(0, 10, (len(rows), n))
    data[BoardShim.get_timestamp_channel(SYNTHETIC_BOARD_ID)] = time.time() + np.arange(n) / fs
    path = tmp_path / "rec.csv"
    DataFilter.write_file(data, str(path), "w")
    src = BrainFlowSource(PLAYBACK_BOARD_ID, BrainFlowParams(file=str(path)))
    received = []
    src.subscribe(lambda d, t: received.append(d.copy()))
    src.start()
    assert src.wait_ready(), src.status
    time.sleep(1.5)
    src.stop()
    got = np.concatenate(received, axis=1)
    assert got.shape[0] == len(rows) and got.shape[1] > fs * 0.8
    # The samples are the recorded ones, in order.
    first = got[0, :50]
    start = int(np.argmin(np.abs(data[rows[0]] - first[0])))
    np.testing.assert_allclose(first, data[rows[0], start : start + 50], atol=1e-4)


def test_missing_playback_file_fails_clearly(tmp_path):
    src = BrainFlowSource(PLAYBACK_BOARD_ID, BrainFlowParams(file=str(tmp_path / "nope.csv")))
    src.start()
    assert not src.wait_ready()
    assert "playback file not found" in src.status.message


def test_a_board_that_fails_to_prepare_names_the_board_and_the_reason():
    cyton = 0  # a real board id; there is no such serial port here
    src = BrainFlowSource(cyton, BrainFlowParams(serial_port="/dev/ttyNOPE"))
    src.start()
    assert not src.wait_ready()
    assert src.status.state == SourceState.FAILED
    assert "cyton" in src.status.message and "failed to prepare" in src.status.message
