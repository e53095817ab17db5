"""Latencies from capture to screen, recorded where they end (no Qt here).

A video frame carries the time it was captured (``VideoFrame.timestamp_s``) and an EMG sample
the time it was stamped on arrival, both on :func:`facetrainer.clock.now`; the widget that
shows them adds ``now - stamp`` when it paints. Feedback delayed beyond 100-125 ms degrades
myoelectric control (Farrell & Weir 2007), so the delay is measured, not assumed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np

HISTORY = 3000  # ~100 s of 30 fps frames


class LatencyLog:
    """The last ``maxlen`` latencies (s) of one path, with percentiles in ms."""

    def __init__(self, maxlen: int = HISTORY) -> None:
        if maxlen < 1:
            raise ValueError(f"maxlen must be at least 1, got {maxlen!r}")
        self._values: deque[float] = deque(maxlen=maxlen)
        self.n_total = 0

    def add(self, latency_s: float) -> None:
        """Record one latency; a non-finite value (a missing stamp) is ignored."""
        if np.isfinite(latency_s):
            self._values.append(float(latency_s))
            self.n_total += 1

    def __len__(self) -> int:
        return len(self._values)

    def clear(self) -> None:
        self._values.clear()

    def percentiles_ms(self, q: Sequence[float] = (50.0, 95.0, 99.0)) -> list[float]:
        """Percentiles ``q`` of the recorded latencies in ms (NaN while none is recorded)."""
        if not self._values:
            return [float("nan")] * len(q)
        return [float(v) * 1000.0 for v in np.percentile(np.fromiter(self._values, float), q)]
