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

import warnings
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from facetrainer.exercises.activation import StreamNormaliser
    from facetrainer.exercises.calibration import Calibration

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


def fix_rest_and_reference(
    norm: StreamNormaliser,
    times_s: np.ndarray,
    values: np.ndarray,
    targets: set[int],
    calibration: Calibration | None,
    *,
    set_reference: bool,
    rest_window_s: float,
) -> list[str]:
    """Set every channel's rest (and, with ``set_reference``, each target's reference) of
    ``norm`` from a whole recording ``values`` (n_channels, k) at ``times_s``.

    Rest: the calibration's rest when it has one; else the median of the first
    ``rest_window_s`` when that lies within ``START_REST_TOLERANCE`` of reference of the
    quietest stretch (a quiet start is kept: the quietest stretch of a long set is biased
    towards its most relaxed moment); else the quietest stretch. Reference: one per target
    signal for both sides, the stronger side's robust maximum (a per-side maximum would
    read every face as symmetric), for targets without a calibrated reference and whose
    100 % is not their own rest (the eye). Returns notes on the target channels whose rest
    came from a quiet stretch.
    """
    cal = calibration.channels if calibration is not None else {}
    notes = []
    for i, key in enumerate(norm.keys):
        d = float(norm.direction[i, 0])
        c = cal.get(key)
        if c is not None and c.rest is not None:
            norm.set_rest(i, c.rest, "calibration")
            continue
        q = find_quiet_rest(times_s, values[i], d)
        if q is None:
            continue
        start = start_rest(times_s, values[i], rest_window_s)
        ref = float(norm.reference[i])
        scale = abs(q.value) if not np.isfinite(ref) else ref
        if start is not None and d * (start - q.value) <= START_REST_TOLERANCE * scale:
            norm.set_rest(i, start, "rest window")
            continue
        norm.set_rest(i, q.value, "quiet stretch")
        if i in targets:
            notes.append(
                f"{key}: the first {rest_window_s:g} s are not at rest; rest "
                f"{q.value:.3g} from the quietest stretch {q.start_s:.2f}-{q.end_s:.2f} s"
            )
    if not set_reference:
        return notes
    groups: dict[str, list[int]] = {}
    for i in sorted(targets):
        c = cal.get(norm.keys[i])
        if (c is None or c.reference is None) and not norm.reference_is_rest(i):
            groups.setdefault(norm.keys[i].rsplit("/", 1)[0], []).append(i)
    for members in groups.values():
        peaks = np.array(
            [
                robust_maximum(values[i], float(norm.rest[i]), float(norm.direction[i, 0]))
                for i in members
            ]
        )
        if not np.isfinite(peaks).any():
            continue
        peak = float(np.nanmax(peaks))
        for i in members:
            if peak >= MIN_SET_REFERENCE_FRACTION * float(norm.reference[i]):
                norm.set_reference(i, peak, "set robust maximum")
    return notes


class LiveQuietRest:
    """Live: finds, in the last ``QUIET_WINDOW_S`` of a stream, channels that are clearly
    less activated than their rest (``StreamNormaliser(adapt_rest=True)``).

    The pushed blocks are kept by reference (a caller must not modify a block after
    pushing it) until they fall out of the window.
    """

    def __init__(self) -> None:
        self._recent: deque[tuple[np.ndarray, np.ndarray]] = deque()

    def observe(self, times_s: np.ndarray, values: np.ndarray) -> None:
        self._recent.append((times_s, values))
        while self._recent and self._recent[0][0][-1] < times_s[-1] - QUIET_WINDOW_S:
            self._recent.popleft()

    def quieter_rest(
        self, t_check: float, direction: np.ndarray, rest: np.ndarray, tolerance: np.ndarray
    ) -> np.ndarray:
        """Per channel: the median of the ``QUIET_WINDOW_S`` before ``t_check`` where it lies
        below ``rest`` by more than ``tolerance`` (in the activating ``direction``) with at
        least half the samples valid, else NaN."""
        out = np.full(rest.shape, np.nan)
        if not self._recent:
            return out
        t = np.concatenate([b[0] for b in self._recent])
        v = np.concatenate([b[1] for b in self._recent], axis=1)
        inside = (t >= t_check - QUIET_WINDOW_S) & (t < t_check)
        t, v = t[inside], v[:, inside]
        if t.size < 3 or t[-1] - t[0] < 0.9 * QUIET_WINDOW_S:
            return out
        x = direction[:, None] * v
        limit = direction * rest - tolerance
        with np.errstate(invalid="ignore"):
            maybe = np.fmin.reduce(x, axis=1) < limit  # cheap: only a lower minimum can
        if not maybe.any():
            return out
        ok = np.isfinite(x)
        if ok.all():
            med = np.median(x, axis=1)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows
                med = np.nanmedian(x, axis=1)
        lower = maybe & (ok.sum(axis=1) >= 0.5 * t.size) & (med < limit)
        out[lower] = direction[lower] * med[lower]
        return out
