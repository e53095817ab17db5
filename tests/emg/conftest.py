"""EMG test helpers: a finite array-backed source on the real EmgSource thread."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from facetrainer.emg.filters import EmgFilterWarning
from facetrainer.emg.source import EmgSource, EmgStreamInfo


class ArraySource(EmgSource):
    """Streams a fixed array in chunks as fast as the source thread polls, then ends."""

    poll_interval_s = 0.0005

    def __init__(
        self,
        data_uv: np.ndarray,
        fs_hz: float,
        names: tuple[str, ...] | None = None,
        chunk: int = 40,
        is_envelope: bool = False,
    ) -> None:
        super().__init__("array")
        self.data = np.asarray(data_uv, dtype=np.float64)
        self.fs = fs_hz
        self.names = names or tuple(f"ch{i + 1}" for i in range(self.data.shape[0]))
        self.chunk = chunk
        self.pos = 0
        self.is_envelope = is_envelope

    def _open(self) -> EmgStreamInfo:
        return EmgStreamInfo(self.fs, self.names, extra={"is_envelope": self.is_envelope})

    def _stamp(self, n: int) -> np.ndarray:
        # Replayed faster than real time, the recording keeps its own time base.
        start = self.n_samples
        return (start + np.arange(n)) / self.fs

    def _read_chunk(self) -> np.ndarray | None:
        if self.pos >= self.data.shape[1]:
            return None
        out = self.data[:, self.pos : self.pos + self.chunk]
        self.pos += self.chunk
        return out


@pytest.fixture
def array_source_factory():
    made: list[ArraySource] = []

    def make(*args, **kwargs) -> ArraySource:
        src = ArraySource(*args, **kwargs)
        made.append(src)
        return src

    yield make
    for src in made:
        src.stop()


def wait_until(predicate, timeout_s: float = 10.0, interval_s: float = 0.01) -> bool:
    import time

    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(interval_s)
    return bool(predicate())


@pytest.fixture(autouse=True)
def _ignore_clamp_warning():
    """250 Hz boards clamp the 450 Hz low-pass with a warning: expected in these tests."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmgFilterWarning)
        yield
