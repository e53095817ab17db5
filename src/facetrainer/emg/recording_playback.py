"""Replaying a recording file (CSV, EDF/BDF, OpenBCI GUI text) as a live EMG source.

BrainFlow's playback board replays only BrainFlow's own file format, so ``--emg
playback:FILE`` for any other recording that :func:`~facetrainer.emg.recording_io.read_recording`
reads goes through this source: the whole file is read when the source opens, then its
samples are released at the recording's own rate against the app clock, through the same
thread, ring buffer and subscribers as a device. It ends (status "finished") after the
last sample; a file that cannot be read fails with the reader's message.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from facetrainer import clock
from facetrainer.emg.recording_io import RecordingError, read_recording
from facetrainer.emg.source import EmgSource, EmgSourceError, EmgStreamInfo


class RecordingPlaybackSource(EmgSource):
    """Streams a recording file in real time (``speed`` > 1 replays faster)."""

    poll_interval_s = 0.01

    def __init__(self, path: str | Path, fs_hz: float | None = None, speed: float = 1.0) -> None:
        self.path = Path(path)
        if not speed > 0:
            raise EmgSourceError(f"playback speed must be positive, got {speed!r}")
        super().__init__(f"playback {self.path.name}")
        self._fs_override = fs_hz
        self._speed = float(speed)
        self._data: np.ndarray | None = None
        self._pos = 0
        self._t0: float | None = None

    def _open(self) -> EmgStreamInfo:
        try:
            rec = read_recording(self.path, self._fs_override)
        except RecordingError as exc:
            raise EmgSourceError(str(exc)) from exc
        # Gaps (NaN) stay NaN: the processing chain treats them as missing samples.
        self._data = rec.data_uv
        self._pos = 0
        self._t0 = None
        return EmgStreamInfo(
            rec.fs_hz, tuple(rec.channel_names),
            extra={"file": str(self.path), "notes": list(rec.notes)},
        )

    def _read_chunk(self) -> np.ndarray | None:
        assert self._data is not None and self.info is not None
        n_total = self._data.shape[1]
        if self._pos >= n_total:
            return None
        now = clock.now()
        if self._t0 is None:
            self._t0 = now
        due = min(n_total, int((now - self._t0) * self._speed * self.info.fs_hz) + 1)
        chunk = self._data[:, self._pos : due]
        self._pos = max(self._pos, due)
        return chunk
