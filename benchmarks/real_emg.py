"""EMG onsets on real facial EMG: reference onsets, FaceTrainer's and neurokit2's.

Reference (the truth of the table): the recording is band-passed 20-450 Hz and notched at
mains and its harmonics with zero-phase filters, and enveloped with a centred (zero-phase)
100 ms moving RMS. A contraction is a stretch where that envelope rises above half-way
from the baseline level (its 10th percentile) to the channel's highest peak and stays above
a quarter of the way for at least ``MIN_CONTRACTION_S`` (shorter transients are movement
artefacts and blinks' electrode jolts, not contractions of the muscle). Its onset is the
first crossing, going forward from the last quiet sample, of the level 5 % of the way from
the baseline to the burst's peak (the issue's definition, taken above the baseline because
real baselines are not zero); the offset is the same crossing on the way down.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import ndimage, signal

REFERENCE_RMS_S = 0.1
MIN_CONTRACTION_S = 0.3
ONSET_FRACTION = 0.05
MIN_PEAK_OVER_LEVEL = 2.0  # a contraction at least doubles the resting RMS
MATCH_TOLERANCE_S = 1.0  # a detection within this of the reference onset is the same burst


@dataclass(frozen=True)
class ReferenceBurst:
    onset_s: float
    offset_s: float
    peak: float


def zero_phase_envelope(x: np.ndarray, fs_hz: float, mains_hz: float = 50.0) -> np.ndarray:
    """Band-pass 20-450 Hz (or 0.45 fs), notch mains and harmonics, centred moving RMS."""
    y = np.where(np.isfinite(x), x, 0.0)
    sos = signal.butter(4, [20.0, min(450.0, 0.45 * fs_hz)], "bandpass", fs=fs_hz, output="sos")
    y = signal.sosfiltfilt(sos, y)
    f = mains_hz
    while f < 0.5 * fs_hz:
        b, a = signal.iirnotch(f, 30.0, fs_hz)
        y = signal.filtfilt(b, a, y)
        f += mains_hz
    w = max(1, int(round(REFERENCE_RMS_S * fs_hz)))
    env = np.sqrt(np.convolve(y * y, np.ones(w) / w, mode="same"))
    env[~np.isfinite(x)] = np.nan
    return env


def reference_bursts(x: np.ndarray, fs_hz: float, edge_s: float = 0.3) -> list[ReferenceBurst]:
    """The reference contractions of one channel (see the module docstring)."""
    env = zero_phase_envelope(x, fs_hz)
    edge = int(edge_s * fs_hz)  # the zero-phase filters' edge transients
    env[:edge] = np.nan
    env[-edge:] = np.nan
    level = float(np.nanpercentile(env, 10))
    # A running median over MIN_CONTRACTION_S removes transients shorter than half of it
    # (artefacts), so that they neither count as contractions nor set the channel's top.
    smooth = ndimage.median_filter(
        np.nan_to_num(env, nan=level), size=int(MIN_CONTRACTION_S * fs_hz)
    )
    top = float(smooth.max())
    high = smooth > level + 0.5 * (top - level)
    keep = smooth > level + 0.25 * (top - level)
    out: list[ReferenceBurst] = []
    edges = np.diff(np.concatenate([[0], keep.astype(np.int8), [0]]))
    for s, e in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        if not high[s:e].any() or (e - s) / fs_hz < MIN_CONTRACTION_S:
            continue
        peak = float(smooth[s:e].max())
        if peak < MIN_PEAK_OVER_LEVEL * level:
            continue  # a wobble of the baseline, not a contraction
        thr = level + ONSET_FRACTION * (peak - level)
        i = s
        while i > edge and env[i - 1] > thr:
            i -= 1
        j = e
        while j < env.size - edge and env[j] > thr:
            j += 1
        if i <= edge or j >= env.size - edge:
            continue  # active from the start or to the end: its onset/offset is unknown
        out.append(ReferenceBurst(i / fs_hz, j / fs_hz, peak))
    return out


def facetrainer_bursts(
    x: np.ndarray, fs_hz: float, refined: bool = True, k_base: float | None = None
) -> list[tuple]:
    """(onset_s, offset_s) of ``facetrainer emg analyze``'s bursts; ``refined=False`` is
    the detector without onset refinement (the plain k·SD crossing), ``k_base`` another
    top of the baseline band."""
    from facetrainer.emg.filters import EmgFilterWarning
    from facetrainer.emg.onsets import OnsetSettings
    from facetrainer.emg.processing import ProcessingSettings, analyse_recording

    onsets = OnsetSettings() if k_base is None else OnsetSettings(k_base=k_base)
    if not refined:
        onsets = OnsetSettings(backtrack_s=0.0)
    settings = ProcessingSettings(onsets=onsets)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmgFilterWarning)
        ch = analyse_recording(x[None, :], fs_hz, ["emg"], settings)[0]
    return [(b.onset_s, b.offset_s) for b in ch.bursts]


def neurokit_bursts(x: np.ndarray, fs_hz: float) -> list[tuple]:
    """(onset_s, offset_s) of neurokit2's ``emg_process`` with its defaults."""
    import neurokit2 as nk

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sig, info = nk.emg_process(np.where(np.isfinite(x), x, 0.0), sampling_rate=int(fs_hz))
    on = np.asarray(info.get("EMG_Onsets", []), dtype=float)
    off = np.asarray(info.get("EMG_Offsets", []), dtype=float)
    on, off = on[np.isfinite(on)], off[np.isfinite(off)]
    return [(a / fs_hz, b / fs_hz) for a, b in zip(on, off, strict=False)]


def match(reference: ReferenceBurst, found: list[tuple]) -> tuple | None:
    """The detection overlapping the reference burst whose onset lies nearest to it."""
    near = [
        f
        for f in found
        if f[0] < reference.offset_s
        and f[1] > reference.onset_s
        and abs(f[0] - reference.onset_s) <= MATCH_TOLERANCE_S
    ]
    return min(near, key=lambda f: abs(f[0] - reference.onset_s)) if near else None
