"""Per-channel signal-quality hints for the live view: flat line, saturation, mains.

Hints are heuristics shown to the user ("check this electrode"), not verdicts:

- ``flat``: the raw signal's SD over the window is below ``FLAT_SD_UV`` (a lead off, a
  dead channel or a disconnected amplifier input);
- ``saturated``: at least ``SATURATION_FRACTION`` of the samples sit exactly on the
  window's maximum or minimum, and they pile up there: more than ``PILE_UP_RATIO`` times
  as many as in the stretch just inside it (one quantisation step, or 1 % of the range).
  A clipped signal piles up at the ADC's rail; noise, even integer ADC noise that repeats
  its extremes, thins out towards them;
- ``mains``: more than ``MAINS_FRACTION`` of the power above 10 Hz lies within ±1 Hz of
  50 or 60 Hz and harmonics (a loose electrode or a missing reference).
"""

from __future__ import annotations

import numpy as np

from facetrainer.emg.filters import MAINS_CANDIDATES_HZ
from facetrainer.emg.mains import measure_mains_fraction

FLAT_SD_UV = 0.1
SATURATION_FRACTION = 0.01
PILE_UP_RATIO = 3.0
MAINS_FRACTION = 0.5
HINTS = ("flat", "saturated", "mains")


def assess_signal_quality(raw_uv: np.ndarray, fs_hz: float) -> list[tuple[str, ...]]:
    """Hints per channel for a window of raw samples (n_channels, n), about 2 s long."""
    x = np.atleast_2d(np.asarray(raw_uv, dtype=np.float64))
    out: list[tuple[str, ...]] = []
    if x.shape[1] < 2:
        return [()] * x.shape[0]
    mains_frac = np.zeros(x.shape[0])
    if x.shape[1] >= fs_hz:  # a spectrum needs a second of data
        for mains in MAINS_CANDIDATES_HZ:
            if mains * 1.1 < fs_hz / 2:
                mains_frac = np.maximum(mains_frac, measure_mains_fraction(x, fs_hz, mains))
    for ch in range(x.shape[0]):
        v = x[ch][np.isfinite(x[ch])]
        hints: list[str] = []
        if v.size >= 2:
            if v.std() < FLAT_SD_UV:
                hints.append("flat")
            elif _is_clipped(v):
                hints.append("saturated")
            if "flat" not in hints and mains_frac[ch] > MAINS_FRACTION:
                hints.append("mains")
        out.append(tuple(hints))
    return out


def is_saturated(samples: np.ndarray) -> bool:
    """Whether a stretch of raw samples is clipped at a rail (the ``saturated`` hint's
    test; NaNs ignored)."""
    v = np.asarray(samples, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    return v.size >= 2 and v.std() >= FLAT_SD_UV and _is_clipped(v)


def _is_clipped(v: np.ndarray) -> bool:
    levels = np.unique(v)
    if levels.size < 3:
        return False
    step = max(0.01 * float(levels[-1] - levels[0]), float(np.min(np.diff(levels))))
    for rail, inside in ((levels[-1], v >= levels[-1] - step), (levels[0], v <= levels[0] + step)):
        at_rail = np.count_nonzero(v == rail)
        near = np.count_nonzero(inside) - at_rail
        if at_rail >= SATURATION_FRACTION * v.size and at_rail > PILE_UP_RATIO * max(near, 1):
            return True
    return False
