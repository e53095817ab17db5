"""Rest and reference of a whole recorded set, for recordings that do not start at rest.

A patient's or therapist's recording rarely begins with two quiet seconds: a selfie clip
may start a fraction of a second before the smile. Over a complete recording the rest of
each channel can instead be found where the channel is least activated, and, when no
calibration gives a reference, the set's own robust maximum can serve as 100 %.

Both are pure functions on raw channel values (mm or µV, as the activation model reads
them); :class:`facetrainer.exercises.scorer.ExerciseScorer` applies them offline
(``rest="quiet"``, ``reference="set"``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

QUIET_WINDOW_S = 0.5
"""Length of the sliding window whose median is a candidate rest value: long enough to
average out landmark jitter (a few tenths of a mm) and a blink, shorter than the ~0.6 s
of rest that a short clip may offer."""

MIN_WINDOW_FRACTION = 0.25
"""A clip shorter than two windows uses windows of this fraction of its length."""

ROBUST_MAX_PERCENTILE = 95.0
"""The set's robust maximum excursion: this percentile of the excursion from rest (a
single spike or mis-tracked frame does not set the 100 %)."""

MIN_SET_REFERENCE_FRACTION = 0.25
"""The set's maximum replaces a default reference only when it is at least this fraction
of the default: a still face's jitter must not become 100 %."""


START_REST_TOLERANCE = 0.10
"""The start window is kept as rest when its median lies within this fraction of the
reference of the quietest stretch (below the rep detector's lowest on-level, 8 %... 25 %):
the quietest stretch of a long set is biased towards the most relaxed moment, which
would read ordinary rest as a little activation."""


def start_rest(times_s: np.ndarray, values: np.ndarray, window_s: float) -> float | None:
    """Median of a channel's first ``window_s`` of valid values (what live scoring takes as
    rest); None when the recording's valid data span less than ``window_s``."""
    t = np.asarray(times_s, dtype=float)
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(v) & np.isfinite(t)
    if not ok.any():
        return None
    t, v = t[ok], v[ok]
    if t[-1] - t[0] < window_s:
        return None
    return float(np.median(v[t < t[0] + window_s]))


@dataclass(frozen=True)
class QuietRest:
    """Rest value of one channel and where it was found (times in the recording's base)."""

    value: float
    start_s: float
    end_s: float


def find_quiet_rest(
    times_s: np.ndarray, values: np.ndarray, direction: float, window_s: float = QUIET_WINDOW_S
) -> QuietRest | None:
    """Rest of one channel: the median of the least activated ``window_s`` stretch.

    Windows start at every sample; each window's median of ``direction · value`` (an
    activating change raises it) is a candidate, and the lowest one is rest. Windows with
    fewer than half their samples valid are skipped. A recording shorter than two windows
    uses windows of ``MIN_WINDOW_FRACTION`` of its duration.

    Returns None when the channel has no valid value.
    """
    t = np.asarray(times_s, dtype=float)
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(v) & np.isfinite(t)
    if not ok.any():
        return None
    t, x = t[ok], direction * v[ok]
    duration = float(t[-1] - t[0])
    w = window_s if duration >= 2 * window_s else max(duration * MIN_WINDOW_FRACTION, 0.0)
    ends = np.searchsorted(t, t + w, side="right")
    best: tuple[float, int, int] | None = None
    step = max(1, t.size // 2000)  # a 10 min clip: ~2000 candidate windows are plenty
    for i in range(0, t.size, step):
        j = int(ends[i])
        if t[j - 1] - t[i] < 0.5 * w and best is not None:
            break  # the last windows run off the end of the recording
        m = float(np.median(x[i:j]))
        if best is None or m < best[0]:
            best = (m, i, j)
    assert best is not None
    m, i, j = best
    return QuietRest(direction * m, float(t[i]), float(t[j - 1]))


def robust_maximum(values: np.ndarray, rest: float, direction: float) -> float:
    """The ``ROBUST_MAX_PERCENTILE`` of the excursion ``direction · (value − rest)``;
    NaN when no value is valid."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return float("nan")
    return float(np.percentile(direction * (v - rest), ROBUST_MAX_PERCENTILE))
