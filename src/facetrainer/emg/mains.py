"""Which mains frequency (50 or 60 Hz) contaminates a recording, and how much.

Detection compares the Welch power spectrum (0.5 Hz resolution, median over at least
three segments, so coarser on data shorter than 4 s) at each candidate's
fundamental and first harmonics with the median of the spectrum 1.5-5 Hz either side:
mains shows as a narrow line standing well above the broad EMG spectrum. A candidate
counts when its strongest line is at least ``MIN_PROMINENCE`` (10, i.e. 10 dB) above its
surroundings; the more prominent candidate wins.
"""

from __future__ import annotations

import numpy as np

from facetrainer.emg.filters import MAINS_CANDIDATES_HZ

MIN_PROMINENCE = 10.0
"""Power ratio of the mains line to its neighbourhood needed to call mains present."""

MIN_DURATION_S = 1.0
"""Shortest stretch of data worth looking at (two 0.5 s Welch segments)."""

_N_HARMONICS = 3

HARMONIC_PROMINENCE = 10.0
"""A harmonic of detected mains is notched when it stands this far (10 dB) above the EMG,
in the median over the spectrum's segments (``MIN_SEGMENTS``)."""

MIN_SEGMENTS = 3
"""Half-overlapping segments every spectrum here takes the median of, at least: a line must
stand out consistently over the data looked at, not in one periodogram."""


def _power_spectrum(
    data: np.ndarray, fs_hz: float, resolution_hz: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    x = np.atleast_2d(np.asarray(data, dtype=np.float64))
    valid = np.isfinite(x)
    sums = np.where(valid, x, 0.0).sum(axis=1, keepdims=True)
    means = sums / np.maximum(valid.sum(axis=1, keepdims=True), 1)
    x = np.where(valid, x, means)  # gaps read as silence around the mean
    # At least MIN_SEGMENTS half-overlapping segments, coarser than ``resolution_hz`` on
    # short data (1 Hz on the live chain's first 2 s): see detect_mains_lines.
    nperseg = min(x.shape[1] // (MIN_SEGMENTS - 1), int(round(fs_hz / resolution_hz)))
    # The median over segments keeps contractions from burying the mains line.
    from scipy import signal  # lazy: see facetrainer.emg.filters

    f, pxx = signal.welch(x, fs=fs_hz, nperseg=nperseg, axis=-1, average="median")
    return f, np.atleast_2d(pxx)


def _line_prominence(f: np.ndarray, pxx: np.ndarray, line_hz: float) -> np.ndarray:
    """Per channel: peak power within ±0.5 Hz of the line / median power 1.5-5 Hz away."""
    near = np.abs(f - line_hz) <= 0.5
    ring = (np.abs(f - line_hz) >= 1.5) & (np.abs(f - line_hz) <= 5.0)
    if not near.any() or ring.sum() < 2:
        return np.zeros(pxx.shape[0])
    peak = pxx[:, near].max(axis=1)
    background = np.median(pxx[:, ring], axis=1)
    tiny = np.finfo(float).tiny
    return peak / np.maximum(background, tiny)


def measure_mains_prominence(data: np.ndarray, fs_hz: float) -> dict[float, np.ndarray]:
    """For 50 and 60 Hz: per-channel prominence of the strongest of the first 3 lines."""
    return _prominences(*_power_spectrum(data, fs_hz), fs_hz)


def _prominences(f: np.ndarray, pxx: np.ndarray, fs_hz: float) -> dict[float, np.ndarray]:
    out: dict[float, np.ndarray] = {}
    for mains in MAINS_CANDIDATES_HZ:
        lines = [k * mains for k in range(1, _N_HARMONICS + 1) if k * mains + 5.0 < fs_hz / 2]
        prom = np.zeros(pxx.shape[0])
        for line in lines:
            prom = np.maximum(prom, _line_prominence(f, pxx, line))
        out[mains] = prom
    return out


def _pick_mains(prom: dict[float, np.ndarray]) -> list[float | None]:
    """Per channel the more prominent candidate, or None below ``MIN_PROMINENCE``."""
    p50, p60 = prom[MAINS_CANDIDATES_HZ[0]], prom[MAINS_CANDIDATES_HZ[1]]
    best = np.where(p60 > p50, MAINS_CANDIDATES_HZ[1], MAINS_CANDIDATES_HZ[0])
    found = np.maximum(p50, p60) >= MIN_PROMINENCE
    return [float(b) if ok else None for b, ok in zip(best, found, strict=True)]


def detect_mains_hz(data: np.ndarray, fs_hz: float) -> list[float | None]:
    """Per channel: 50.0, 60.0 or None (no mains line ``MIN_PROMINENCE`` above the EMG).

    ``data`` is raw or filtered EMG (n_channels, n); NaN gaps are tolerated. Recordings
    shorter than ``MIN_DURATION_S`` give None.
    """
    x = np.atleast_2d(np.asarray(data, dtype=np.float64))
    if x.shape[1] < MIN_DURATION_S * fs_hz:
        return [None] * x.shape[0]
    return _pick_mains(measure_mains_prominence(x, fs_hz))


def measure_mains_fraction(
    data: np.ndarray, fs_hz: float, mains_hz: float, highpass_hz: float = 10.0
) -> np.ndarray:
    """Per channel: share of the power above ``highpass_hz`` within ±1 Hz of mains lines."""
    f, pxx = _power_spectrum(data, fs_hz)
    band = f >= highpass_hz
    near = np.zeros_like(f, dtype=bool)
    k = 1
    while k * mains_hz < fs_hz / 2:
        near |= np.abs(f - k * mains_hz) <= 1.0
        k += 1
    total = pxx[:, band].sum(axis=1)
    line = pxx[:, band & near].sum(axis=1)
    return np.where(total > 0, line / np.maximum(total, np.finfo(float).tiny), 0.0)


def detect_mains_lines(
    data: np.ndarray, fs_hz: float
) -> tuple[list[float | None], list[tuple[int, ...] | None]]:
    """Per channel: the mains frequency (or None) and which harmonics of it are present.

    The fundamental always counts once mains is detected; a harmonic ``k`` counts when its
    line stands ``HARMONIC_PROMINENCE`` above the neighbouring spectrum. Both are read from
    a median-averaged spectrum of at least ``MIN_SEGMENTS`` half-overlapping segments
    (coarser than 0.5 Hz when the data is short: 1 Hz for the live chain's first 2 s). A
    single periodogram's bins scatter as chi-square with 2 degrees of freedom: over ~20
    line positions one of them reads 10 times its neighbourhood now and then on plain EMG,
    and each such false line added a notch and a filter group to the live chain. In the
    median of three segments a false line must stand out in two of them at the same bin.
    """
    x = np.atleast_2d(np.asarray(data, dtype=np.float64))
    if x.shape[1] < MIN_DURATION_S * fs_hz:
        return [None] * x.shape[0], [None] * x.shape[0]
    f, pxx = _power_spectrum(x, fs_hz)  # one spectrum for the mains and its harmonics
    mains = _pick_mains(_prominences(f, pxx, fs_hz))
    lines: list[tuple[int, ...] | None] = [None] * x.shape[0]
    # Harmonic by harmonic for all channels with the same mains at once (no channel loop).
    for m in {m for m in mains if m is not None}:
        rows = np.array([ch for ch, mm in enumerate(mains) if mm == m])
        present = [np.ones(rows.size, dtype=bool)]  # the fundamental always counts
        ks = [1]
        k = 2
        while k * m + 5.0 < fs_hz / 2:
            present.append(_line_prominence(f, pxx[rows], k * m) >= HARMONIC_PROMINENCE)
            ks.append(k)
            k += 1
        table = np.array(present)  # (harmonics, rows)
        for j, ch in enumerate(rows):
            lines[ch] = tuple(k for k, on in zip(ks, table[:, j], strict=True) if on)
    return mains, lines
