"""Resting baseline of an EMG envelope: its level and noise, and the thresholds from them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Baseline:
    """Envelope at rest: mean level and standard deviation (both µV)."""

    level_uv: float
    noise_sd_uv: float

    def threshold_uv(self, k: float) -> float:
        """``level + k · SD`` (the onset/offset thresholds of :mod:`facetrainer.emg.onsets`)."""
        return self.level_uv + k * self.noise_sd_uv


def measure_baseline(envelope_uv: np.ndarray) -> Baseline:
    """Baseline from an envelope recorded at rest (NaNs ignored).

    Raises
    ------
    ValueError
        When the envelope holds no valid sample.
    """
    env = np.asarray(envelope_uv, dtype=np.float64).ravel()
    env = env[np.isfinite(env)]
    if env.size == 0:
        raise ValueError("cannot measure a baseline: the envelope holds no valid sample")
    return Baseline(float(env.mean()), float(env.std()))


def estimate_resting_baseline(
    envelope_uv: np.ndarray,
    fs_hz: float,
    window_s: float = 0.5,
    quiet_fraction: float = 0.2,
    k_rest: float = 3.0,
    n_iterations: int = 3,
) -> Baseline:
    """Baseline of a recording without a marked rest period, from its quiet stretches.

    The envelope is cut into ``window_s`` windows (windows more than half NaN are
    skipped). The ``quiet_fraction`` with the lowest means (at least one) give a first
    estimate; then every window whose mean lies within ``level + k_rest · SD`` counts as
    rest and the estimate is recomputed from all of them (``n_iterations`` times). Taking
    only the quietest windows would bias the level and the SD low (and thresholds with
    them); widening to every window consistent with rest removes that bias while windows
    holding contractions stay out. Needs the muscle at rest for ``quiet_fraction`` of
    the recording.
    """
    env = np.asarray(envelope_uv, dtype=np.float64).ravel()
    w = max(1, int(round(window_s * fs_hz)))
    n_win = env.size // w
    if n_win < 1:
        return measure_baseline(env)
    wins = env[: n_win * w].reshape(n_win, w)
    valid = np.isfinite(wins)
    usable = valid.sum(axis=1) >= w / 2
    if not usable.any():
        return measure_baseline(env)
    means = np.where(
        usable, np.where(valid, wins, 0.0).sum(axis=1) / np.maximum(valid.sum(axis=1), 1), np.inf
    )
    n_quiet = max(1, int(np.floor(quiet_fraction * usable.sum())))
    base = measure_baseline(wins[np.argsort(means)[:n_quiet]])
    for _ in range(n_iterations):
        rest = usable & (means <= base.threshold_uv(k_rest))
        if not rest.any():
            break
        base = measure_baseline(wins[rest])
    return base
