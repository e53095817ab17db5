"""Normalising EMG to a reference contraction: MVC, healthy side, or task maximum.

A paretic muscle has no meaningful maximal voluntary contraction (MVC), so the reference
can also be the same muscle on the healthy side (the montage names it) or the largest
activity seen during the task. Values are percentages of ``reference - baseline``:
``pct = 100 · (envelope - baseline) / (reference - baseline)``.
"""

from __future__ import annotations

import enum

import numpy as np


class ReferenceKind(enum.StrEnum):
    MVC = "mvc"  # maximal voluntary contraction of the same muscle
    HEALTHY_SIDE = "healthy_side"  # the same muscle on the healthy side
    TASK_MAX = "task_max"  # the largest sustained activity during the task


def measure_reference_uv(envelope_uv: np.ndarray, fs_hz: float, hold_s: float = 0.5) -> float:
    """Reference level of a calibration contraction: the highest ``hold_s`` moving mean.

    Averaging over ``hold_s`` (MVC convention: the best 0.5-1 s) keeps one spike from
    setting the scale. NaNs are ignored; shorter recordings use their overall maximum mean.

    Raises
    ------
    ValueError
        When the envelope holds no valid sample.
    """
    env = np.asarray(envelope_uv, dtype=np.float64).ravel()
    valid = np.isfinite(env)
    if not valid.any():
        raise ValueError("cannot measure a reference: the envelope holds no valid sample")
    w = max(1, min(int(round(hold_s * fs_hz)), int(valid.sum())))
    x = np.where(valid, env, 0.0)
    c = np.concatenate([[0.0], np.cumsum(x)])
    cv = np.concatenate([[0.0], np.cumsum(valid)])
    sums = c[w:] - c[:-w]
    counts = cv[w:] - cv[:-w]
    full = counts >= w / 2
    if not full.any():
        return float(x[valid].mean())
    return float(np.max(sums[full] / counts[full]))


def normalise_to_reference_pct(
    envelope_uv: np.ndarray, baseline_uv: float, reference_uv: float
) -> np.ndarray:
    """Envelope as % of the reference above baseline (NaN when the reference is unusable)."""
    env = np.asarray(envelope_uv, dtype=np.float64)
    span = float(reference_uv) - float(baseline_uv)
    if not np.isfinite(span) or span <= 0:
        return np.full(env.shape, np.nan)
    return 100.0 * (env - baseline_uv) / span
