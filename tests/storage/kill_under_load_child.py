"""A recording process for the kill-under-load test: 16 EMG channels at 2 kHz, recorded with
the default flush interval, until SIGKILL.

Usage: python kill_under_load_child.py DB_URL PATIENT_CODE NEWEST_FILE
Prints ``t0 T`` (the recorder's start on the system-wide monotonic clock) once the EMG
streams, and keeps the time of the newest sample the source has delivered in NEWEST_FILE
(8 bytes, float64, memory-mapped: readable at the moment of the kill); never ends by itself.
"""

from __future__ import annotations

import mmap
import struct
import sys
import time

import numpy as np

from facetrainer import clock
from facetrainer.emg.source import EmgSource, EmgStreamInfo

FS_HZ = 2000.0
N_CHANNELS = 16


class RealTimeNoise(EmgSource):
    """Gaussian noise delivered as fast as real time passes (like a USB amplifier)."""

    poll_interval_s = 0.005

    def __init__(self) -> None:
        super().__init__("noise 16 ch 2 kHz")
        self._rng = np.random.default_rng(0)
        self._sent = 0
        self._t0 = 0.0

    def _open(self) -> EmgStreamInfo:
        self._t0 = clock.now()
        return EmgStreamInfo(FS_HZ, tuple(f"c{k}" for k in range(N_CHANNELS)))

    def _read_chunk(self) -> np.ndarray:
        due = int((clock.now() - self._t0) * FS_HZ) - self._sent
        self._sent += max(due, 0)
        return self._rng.normal(0, 20, (N_CHANNELS, max(due, 0)))


def main() -> None:
    from facetrainer.storage import SessionRecorder, open_database

    url, code, newest_path = sys.argv[1], sys.argv[2], sys.argv[3]
    db = open_database(url)
    source = RealTimeNoise()
    with open(newest_path, "r+b") as f:
        newest = mmap.mmap(f.fileno(), 8)

    def note_newest(data: np.ndarray, times: np.ndarray) -> None:
        if times.size:
            newest[:8] = struct.pack("d", float(times[-1]))

    source.subscribe(note_newest)
    recorder = SessionRecorder(db, code, sources={"emg": [source.name]})
    recorder.attach_emg_source(source, 0)
    recorder.start()
    source.start()
    if not source.wait_ready(30.0):
        sys.exit("the EMG source did not start")
    print("t0", repr(recorder.t0), flush=True)
    while True:
        time.sleep(1.0)


if __name__ == "__main__":
    main()
