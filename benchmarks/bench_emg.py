"""Speed of the EMG chain against a plain scipy/numpy chain, and the envelope's delay.

The case the issue sets (>= 500x real time): 16 channels at 2000 Hz fed in 20 ms chunks
(40 samples) for 30 s, with bursts that start and end on every channel, mains at 50 Hz
(fundamental and 3rd harmonic) on half of the channels, notches auto-detected from the
first 2 s of raw data as the live chain does (:func:`facetrainer.emg.mains.detect_mains_lines`),
onset thresholds from that rest, and the :class:`~facetrainer.emg.onsets.OnsetDetector` run
on every chunk. Also: no notch, a notch at every 50 Hz harmonic below Nyquist (the
costliest setting), and the auto-notched chain without onset detection (against the
reference without its crossings).

The reference, measured in the same run on the same chunks, is the same chain written
plainly: ``scipy.signal.sosfilt`` (public API, carried ``zi``) with the same cascades,
a moving RMS by ``np.concatenate`` + ``np.cumsum``, and threshold crossings by
``np.diff``. The machine is shared and its speed varies 3-5x, so the ratio of the two
(chain speed / reference speed) is the figure to compare across runs; each is the best
of ``N_REPEATS`` runs in CPU time of this process, chain and reference alternating.

Then the delay the default envelope adds after a step in EMG amplitude (time to half
the new level) at 250, 1000 and 2000 Hz, with the band-pass included (target <= 50 ms).

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/bench_emg.py``
"""

from __future__ import annotations

import os
import platform
import time
import warnings
from collections.abc import Callable

import numpy as np
from scipy import signal

from facetrainer.emg.baseline import measure_baseline
from facetrainer.emg.envelope import EnvelopeSettings, measure_step_delay_s
from facetrainer.emg.filters import (
    EmgFilterWarning,
    FilterSettings,
    design_bandpass_sos,
    design_dc_blocker_sos,
    design_notch_sos,
)
from facetrainer.emg.mains import detect_mains_lines
from facetrainer.emg.onsets import OnsetDetector, OnsetSettings
from facetrainer.emg.processing import EmgProcessor
from facetrainer.emg.synthetic_signals import make_band_noise, make_synthetic_emg

FS_HZ = 2000.0
N_CHANNELS = 16
CHUNK_S = 0.020
DURATION_S = 30.0
REST_S = 2.0  # the live chain detects mains on its first 2 s (emg/live.py MAINS_DETECT_S)
N_REPEATS = 5  # best of, in CPU time: other processes share the machine
N_STEP_SEEDS = 20
TARGET_REAL_TIME = 500.0


def make_recording(seed: int = 0) -> np.ndarray:
    """16 channels: rest for 2 s, then 1.2 s bursts every 3 s, staggered by channel;
    mains (50 + 150 Hz) on channels 0-7 only, a DC offset on all."""
    rows = []
    for ch in range(N_CHANNELS):
        shift = 0.17 * ch
        bursts = [
            (t + shift, t + shift + 1.2) for t in np.arange(REST_S + 0.5, DURATION_S - 2, 3.0)
        ]
        sig = make_synthetic_emg(
            FS_HZ,
            DURATION_S,
            bursts_s=bursts,
            rest_uv=4.0,
            burst_uv=50.0,
            mains_hz=50.0 if ch < N_CHANNELS // 2 else None,
            mains_uv=20.0,
            offset_uv=300.0 + 10 * ch,
            seed=seed + ch,
        )
        rows.append(sig.data_uv[0])
    return np.vstack(rows)


def build_chain(data: np.ndarray, setting: str) -> tuple[EmgProcessor, OnsetDetector]:
    """The chain as the live path builds it: notches, priming on the rest, thresholds."""
    rest = data[:, : int(REST_S * FS_HZ)]
    if setting == "auto":
        mains, lines = detect_mains_lines(rest, FS_HZ)
    elif setting == "all":
        mains, lines = [50.0] * N_CHANNELS, [None] * N_CHANNELS
    else:
        mains, lines = [None] * N_CHANNELS, [None] * N_CHANNELS
    proc = EmgProcessor(FS_HZ, N_CHANNELS, mains, mains_harmonics=lines)
    _, env = proc.process(rest)
    settle = int(1.0 * FS_HZ)
    bases = [measure_baseline(env[ch, settle:]) for ch in range(N_CHANNELS)]
    o = OnsetSettings()
    det = OnsetDetector(FS_HZ, N_CHANNELS, o)
    det.set_thresholds(
        np.array([b.threshold_uv(o.k_on) for b in bases]),
        np.array([b.threshold_uv(o.k_off) for b in bases]),
    )
    return proc, det


class PlainChain:
    """The same chain written plainly with public scipy/numpy calls (the reference)."""

    def __init__(self, proc: EmgProcessor, det: OnsetDetector) -> None:
        s = FilterSettings()
        head = np.vstack(
            [
                design_dc_blocker_sos(FS_HZ, s.dc_time_constant_s),
                design_bandpass_sos(FS_HZ, s.highpass_hz, s.lowpass_hz, s.order, warn=False),
            ]
        )
        assert proc.filter is not None
        keys = list(zip(proc.filter.mains_hz, proc.filter.mains_harmonics, strict=True))
        self.groups = []
        for key in dict.fromkeys(keys):
            rows = np.array([i for i, k in enumerate(keys) if k == key])
            parts = [head]
            if key[0] is not None:
                parts.append(design_notch_sos(FS_HZ, key[0], s.notch_width_hz, key[1]))
            sos = np.vstack(parts)
            self.groups.append((rows, sos, np.zeros((sos.shape[0], rows.size, 2))))
        self.window = proc.envelope.window_samples
        self.hist = np.zeros((N_CHANNELS, self.window))
        self.sum_sq = np.zeros(N_CHANNELS)
        self.on = det.on_uv[:, None]
        self.above = np.zeros((N_CHANNELS, 1), dtype=np.int8)
        self.crossings = 0

    def process(self, x: np.ndarray, with_onsets: bool = True) -> None:
        y = np.empty_like(x)
        for i, (rows, sos, zi) in enumerate(self.groups):
            y[rows], zf = signal.sosfilt(sos, x[rows], axis=-1, zi=zi)
            self.groups[i] = (rows, sos, zf)
        sq = y * y
        both = np.concatenate([self.hist, sq], axis=1)
        sums = self.sum_sq[:, None] + np.cumsum(sq - both[:, : sq.shape[1]], axis=1)
        self.sum_sq, self.hist = sums[:, -1], both[:, -self.window :]
        env = np.sqrt(np.maximum(sums, 0.0) / self.window)
        if not with_onsets:
            return
        above = (env > self.on).astype(np.int8)
        edges = np.diff(np.concatenate([self.above, above], axis=1), axis=1)
        self.crossings += int(np.count_nonzero(edges))
        self.above = above[:, -1:]


def time_streaming(step: Callable[[np.ndarray, np.ndarray], object], data: np.ndarray) -> float:
    """CPU seconds to feed ``data`` after the rest, chunk by chunk, to ``step``."""
    chunk = int(round(CHUNK_S * FS_HZ))
    times = np.arange(data.shape[1]) / FS_HZ
    start = int(REST_S * FS_HZ)
    t0 = time.process_time()
    for i in range(start, data.shape[1], chunk):
        step(data[:, i : i + chunk], times[i : i + chunk])
    return time.process_time() - t0


def measure_case(
    data: np.ndarray, setting: str, with_onsets: bool = True
) -> tuple[float, float, int]:
    """Best real-time factors of the chain and of the plain reference, and the bursts."""
    streamed_s = DURATION_S - REST_S
    best_chain, best_plain, n_bursts = np.inf, np.inf, 0
    for _ in range(N_REPEATS):
        proc, det = build_chain(data, setting)
        plain = PlainChain(proc, det)
        found: list[object] = []

        def chain_step(x: np.ndarray, t: np.ndarray) -> None:
            env = proc.process(x)[1]  # noqa: B023
            if with_onsets:
                found.extend(det.process(env, t))  # noqa: B023

        def plain_step(x: np.ndarray, t: np.ndarray) -> None:
            plain.process(x, with_onsets)  # noqa: B023

        best_chain = min(best_chain, time_streaming(chain_step, data))
        best_plain = min(best_plain, time_streaming(plain_step, data))
        n_bursts = len(found)
    return streamed_s / best_chain, streamed_s / best_plain, n_bursts


def measure_chain_step_delay_ms(fs_hz: float) -> float:
    """Step delay through band-pass + envelope, averaged over seeds (half-level crossing)."""
    delays = []
    for seed in range(N_STEP_SEEDS):
        rng = np.random.default_rng(seed)
        n = int(2.0 * fs_hz)
        step = n // 2
        x = make_band_noise(rng, fs_hz, (1, n))
        x[:, step:] *= 10.0
        _, env = EmgProcessor(fs_hz, 1).process(x)
        settle = int(0.3 * fs_hz)
        half = 0.5 * (env[0, step - settle : step].mean() + env[0, -settle:].mean())
        delays.append((int(np.argmax(env[0, step:] > half))) / fs_hz)
    return 1000.0 * float(np.mean(delays))


def main() -> None:
    warnings.simplefilter("ignore", EmgFilterWarning)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} logical CPUs, load "
        f"{os.getloadavg()[0]:.1f}, python {platform.python_version()}"
    )
    print(
        f"EMG chain + onsets, {N_CHANNELS} channels at {FS_HZ:g} Hz in {CHUNK_S * 1000:g} ms "
        f"chunks, {DURATION_S - REST_S:g} s streamed after {REST_S:g} s of rest; reference = "
        "the same chain in plain scipy.signal.sosfilt + numpy, same run:"
    )
    data = make_recording()
    cases = [
        ("auto-detected notches (50+150 Hz on 8 ch)", "auto"),
        ("no notch", "none"),
        ("50 Hz, all 19 harmonics on 16 ch", "all"),
    ]
    for label, setting in cases:
        chain, plain, n_bursts = measure_case(data, setting)
        print(
            f"  {label:<42} {chain:6.0f} x real time (target >= {TARGET_REAL_TIME:g}); "
            f"reference {plain:5.0f} x; ratio {chain / plain:4.2f}; {n_bursts} bursts"
        )
    chain, plain, _ = measure_case(data, "auto", with_onsets=False)
    print(
        f"  {'auto-detected notches, filter + envelope only':<42} {chain:6.0f} x real time; "
        f"reference {plain:5.0f} x; ratio {chain / plain:4.2f}"
    )
    window_ms = EnvelopeSettings().window_s * 1000
    print(
        f"Default envelope: moving RMS over {window_ms:g} ms; step delay = time to half the "
        "new level:"
    )
    for fs in (250.0, 1000.0, 2000.0):
        env_only = 1000.0 * float(
            np.mean([measure_step_delay_s(fs, seed=s) for s in range(N_STEP_SEEDS)])
        )
        chain_ms = measure_chain_step_delay_ms(fs)
        print(
            f"  {fs:6g} Hz: envelope alone {env_only:5.1f} ms, band-pass + envelope "
            f"{chain_ms:5.1f} ms  (target <= 50 ms)"
        )
    group_ms = (EnvelopeSettings().window_s * FS_HZ - 1) / 2 / FS_HZ * 1000
    print(
        f"  (the window's centre of mass lags (N-1)/2 samples = {group_ms:.1f} ms at {FS_HZ:g} Hz)"
    )


if __name__ == "__main__":
    main()
