"""A fixed-size, locked ring buffer of multichannel samples with their timestamps."""

from __future__ import annotations

import threading

import numpy as np


class RingBuffer:
    """Holds the newest ``capacity`` samples of ``n_channels`` channels.

    Writers append chunks of shape (n_channels, n); readers ask for the newest window
    (:meth:`get_data`) or for everything after a sample counter they remember
    (:meth:`read_since`), so a consumer that keeps up never misses a sample.
    """

    def __init__(self, n_channels: int, capacity: int) -> None:
        if n_channels < 1:
            raise ValueError(f"n_channels must be >= 1, got {n_channels}")
        if capacity < 1:
            raise ValueError(f"capacity must be >= 1, got {capacity}")
        self.n_channels = n_channels
        self.capacity = capacity
        self._data = np.zeros((n_channels, capacity), dtype=np.float64)
        self._times = np.zeros(capacity, dtype=np.float64)
        self._lock = threading.Lock()
        self._total = 0  # samples ever written

    @property
    def total_written(self) -> int:
        with self._lock:
            return self._total

    def write(self, data: np.ndarray, times_s: np.ndarray) -> None:
        data = np.asarray(data, dtype=np.float64)
        times_s = np.asarray(times_s, dtype=np.float64)
        if data.ndim != 2 or data.shape[0] != self.n_channels:
            raise ValueError(f"data must have shape ({self.n_channels}, n), got {data.shape}")
        n = data.shape[1]
        if times_s.shape != (n,):
            raise ValueError(f"times_s must have shape ({n},), got {times_s.shape}")
        if n == 0:
            return
        if n > self.capacity:
            data, times_s = data[:, -self.capacity :], times_s[-self.capacity :]
            skipped = n - self.capacity
            n = self.capacity
        else:
            skipped = 0
        with self._lock:
            start = (self._total + skipped) % self.capacity
            first = min(n, self.capacity - start)
            self._data[:, start : start + first] = data[:, :first]
            self._times[start : start + first] = times_s[:first]
            if first < n:
                self._data[:, : n - first] = data[:, first:]
                self._times[: n - first] = times_s[first:]
            self._total += n + skipped

    def _slice(self, start_count: int, end_count: int) -> tuple[np.ndarray, np.ndarray]:
        idx = np.arange(start_count, end_count) % self.capacity
        return self._data[:, idx].copy(), self._times[idx].copy()

    def get_data(self, n_samples: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The newest ``n_samples`` (all held samples when None): (data, times_s)."""
        with self._lock:
            held = min(self._total, self.capacity)
            n = held if n_samples is None else max(0, min(int(n_samples), held))
            return self._slice(self._total - n, self._total)

    def read_since(self, counter: int) -> tuple[np.ndarray, np.ndarray, int, int]:
        """Samples written after ``counter`` (a previous return value, 0 at first).

        Returns (data, times_s, new_counter, n_lost); ``n_lost`` counts samples that were
        overwritten before this reader came back (0 for a reader that keeps up).
        """
        with self._lock:
            oldest = max(0, self._total - self.capacity)
            lost = max(0, oldest - counter)
            start = max(counter, oldest)
            data, times = self._slice(start, self._total)
            return data, times, self._total, lost

    def overwrite(self, start_count: int, data: np.ndarray) -> int:
        """Replace already written samples from sample count ``start_count`` on (times kept).

        For a producer that revises its own recent output (the EMG chain once mains
        detection has decided, see :mod:`facetrainer.emg.chain`). Samples no longer held or
        not written yet are skipped; returns how many were replaced.
        """
        data = np.asarray(data, dtype=np.float64)
        if data.ndim != 2 or data.shape[0] != self.n_channels:
            raise ValueError(f"data must have shape ({self.n_channels}, n), got {data.shape}")
        with self._lock:
            lo = max(int(start_count), self._total - self.capacity, 0)
            hi = min(int(start_count) + data.shape[1], self._total)
            if hi <= lo:
                return 0
            idx = np.arange(lo, hi) % self.capacity
            self._data[:, idx] = data[:, lo - start_count : hi - start_count]
            return hi - lo
