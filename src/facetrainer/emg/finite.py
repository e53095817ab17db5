"""A cheap test for gaps (NaN or infinite samples) in an EMG chunk.

Live chains check every chunk for gaps before filtering; almost every chunk has none.
Summing the chunk answers that in one pass without a boolean array: the sum of finite
samples is finite unless it overflows (beyond 1e308, impossible for µV data; a
non-finite sum only sends the caller to its exact per-sample gap handling).
"""

from __future__ import annotations

import math

import numpy as np


def has_only_finite(x: np.ndarray) -> bool:
    """True when every element of ``x`` is finite (no NaN, no ±inf)."""
    return math.isfinite(float(np.add.reduce(x, axis=None)))
