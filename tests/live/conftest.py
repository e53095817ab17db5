"""Live-session fixtures: a virtual-patient recording replayed faster than real time."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from facetrainer import clock
from facetrainer.emg.recording_playback import RecordingPlaybackSource

REPLAY_SPEED = 6.0


class FastPlayback(RecordingPlaybackSource):
    """A recording replayed ``REPLAY_SPEED`` times faster, stamped on its own time base
    (from the app-clock time of its first sample), so the engine sees the real timing. It
    opens at once but holds its samples back until ``go`` is set."""

    def __init__(self, path, speed: float = REPLAY_SPEED) -> None:
        super().__init__(path, speed=speed)
        self._t_first: float | None = None
        self.go = threading.Event()

    def _read_chunk(self) -> np.ndarray | None:
        if not self.go.is_set():
            assert self.info is not None
            return np.zeros((self.info.n_channels, 0))
        return super()._read_chunk()

    def _stamp(self, n: int) -> np.ndarray:
        assert self.info is not None
        if self._t_first is None:
            self._t_first = clock.now()
        return self._t_first + (self.n_samples + np.arange(n)) / self.info.fs_hz


@pytest.fixture(scope="session")
def virtual_patient_set(tmp_path_factory):
    """``facetrainer simulate``: synkinesis_left doing 3 closed smiles (EMG only), with the
    truth; returns (emg_csv, truth dict)."""
    from facetrainer.cli import main

    d = tmp_path_factory.mktemp("virtual_set")
    argv = ["simulate", "--profile", "synkinesis_left", "--exercise", "closed_smile",
            "--reps", "3", "--emg", str(d / "set.csv"), "--truth", str(d / "truth.json")]  # fmt: skip
    assert main(argv) == 0
    return d / "set.csv", json.loads((d / "truth.json").read_text())
