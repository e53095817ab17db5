"""Seeded synthetic surface EMG with known bursts, mains and gaps (tests, benchmarks, docs).

EMG is modelled as band-limited Gaussian noise (20-450 Hz, clamped below Nyquist) whose
amplitude jumps from ``rest_uv`` to ``burst_uv`` inside each burst: the truth onsets and
offsets are exact sample times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import signal


@dataclass(frozen=True)
class SyntheticEmg:
    data_uv: np.ndarray  # (n_channels, n)
    fs_hz: float
    bursts_s: tuple[tuple[float, float], ...]  # (onset, offset) truth, same on all channels
    emg_uv: np.ndarray  # the EMG part alone (no mains, no offset, no gaps)


def make_band_noise(
    rng: np.random.Generator,
    fs_hz: float,
    shape: tuple[int, int],
    low_hz: float = 20.0,
    high_hz: float = 450.0,
) -> np.ndarray:
    """Unit-RMS Gaussian noise band-limited to [low_hz, min(high_hz, 0.45 fs)]."""
    high = min(high_hz, 0.45 * fs_hz)
    sos = signal.butter(4, [low_hz, high], btype="bandpass", fs=fs_hz, output="sos")
    pad = int(fs_hz)  # let the filter settle before the kept part
    x = signal.sosfilt(sos, rng.standard_normal((shape[0], shape[1] + pad)), axis=-1)[:, pad:]
    return x / x.std(axis=1, keepdims=True)


def make_synthetic_emg(
    fs_hz: float,
    duration_s: float,
    *,
    n_channels: int = 1,
    bursts_s: Sequence[tuple[float, float]] = (),
    rest_uv: float = 5.0,
    burst_uv: float = 60.0,
    mains_hz: float | None = None,
    mains_uv: float = 0.0,
    offset_uv: float = 0.0,
    seed: int = 0,
) -> SyntheticEmg:
    """EMG with bursts (onset, offset in s), optional mains (with 3rd harmonic) and DC."""
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * fs_hz))
    t = np.arange(n) / fs_hz
    amp = np.full(n, rest_uv)
    for on, off in bursts_s:
        amp[(t >= on) & (t < off)] = burst_uv
    emg = make_band_noise(rng, fs_hz, (n_channels, n)) * amp
    data = emg + offset_uv
    if mains_hz is not None and mains_uv:
        phase = rng.uniform(0, 2 * np.pi, (n_channels, 1))
        data = data + mains_uv * np.sin(2 * np.pi * mains_hz * t + phase)
        if 3 * mains_hz < fs_hz / 2:
            data = data + 0.3 * mains_uv * np.sin(2 * np.pi * 3 * mains_hz * t + 2 * phase)
    return SyntheticEmg(data, float(fs_hz), tuple((float(a), float(b)) for a, b in bursts_s), emg)
