"""Speed of the EMG chain and the delay of the default envelope.

Prints, for 16 channels at 2000 Hz fed in 20 ms chunks (40 samples), how many times
faster than real time the streaming chain (gap hold, DC removal, band-pass, mains notch,
moving-RMS envelope) runs with and without onset detection: without notch, with the
notches the live chain typically uses (the lines mains detection finds, e.g. 50 and
150 Hz), and with every harmonic below Nyquist (the costliest case); and the delay the default
envelope adds after a step in EMG amplitude (time to half the new level) at 250, 1000
and 2000 Hz, with the band-pass included. Targets: >= 500x real time, <= 50 ms.
Speed is measured in CPU time of this process (best of 5), as the machine is shared.

Run: ``.venv/bin/python benchmarks/bench_emg.py``
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from facetrainer.emg.envelope import EnvelopeSettings, measure_step_delay_s
from facetrainer.emg.filters import EmgFilterWarning
from facetrainer.emg.onsets import OnsetDetector
from facetrainer.emg.processing import EmgProcessor
from facetrainer.emg.synthetic_signals import make_band_noise

FS_HZ = 2000.0
N_CHANNELS = 16
CHUNK_S = 0.020
DURATION_S = 30.0
N_STEP_SEEDS = 20


N_REPEATS = 5  # best of, in CPU time: other processes share the machine


def measure_real_time_factor(
    mains_hz: float | None, with_onsets: bool, lines: tuple[int, ...] | None = None
) -> float:
    rng = np.random.default_rng(0)
    n = int(DURATION_S * FS_HZ)
    data = 20.0 * make_band_noise(rng, FS_HZ, (N_CHANNELS, n))
    chunk = int(round(CHUNK_S * FS_HZ))
    times = np.arange(n) / FS_HZ
    best = np.inf
    for _ in range(N_REPEATS):
        harmonics = [lines] * N_CHANNELS if lines is not None else None
        proc = EmgProcessor(FS_HZ, N_CHANNELS, mains_hz, mains_harmonics=harmonics)
        det = OnsetDetector(FS_HZ, N_CHANNELS)
        det.set_thresholds(np.full(N_CHANNELS, 40.0), np.full(N_CHANNELS, 30.0))
        proc.process(data[:, :chunk])  # warm-up
        t0 = time.process_time()
        for i in range(0, n, chunk):
            _, env = proc.process(data[:, i : i + chunk])
            if with_onsets:
                det.process(env, times[i : i + chunk])
        best = min(best, time.process_time() - t0)
    return DURATION_S / best


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
        f"EMG chain, {N_CHANNELS} channels at {FS_HZ:g} Hz in {CHUNK_S * 1000:g} ms chunks, "
        f"{DURATION_S:g} s of data:"
    )
    cases = [
        ("no notch", None, None),
        ("50 Hz, lines 1+3 (typical auto-detected)", 50.0, (1, 3)),
        ("50 Hz, all 19 harmonics", 50.0, None),
        ("60 Hz, all 16 harmonics", 60.0, None),
    ]
    for label, mains, lines in cases:
        for onsets in (False, True):
            factor = measure_real_time_factor(mains, onsets, lines)
            extra = " + onsets" if onsets else ""
            print(f"  {label + extra:<52} {factor:6.0f} x real time  (target >= 500 x)")
    window_ms = EnvelopeSettings().window_s * 1000
    print(
        f"Default envelope: moving RMS over {window_ms:g} ms; step delay = time to half the "
        "new level:"
    )
    for fs in (250.0, 1000.0, 2000.0):
        env_only = 1000.0 * float(
            np.mean([measure_step_delay_s(fs, seed=s) for s in range(N_STEP_SEEDS)])
        )
        chain = measure_chain_step_delay_ms(fs)
        print(
            f"  {fs:6g} Hz: envelope alone {env_only:5.1f} ms, band-pass + envelope "
            f"{chain:5.1f} ms  (target <= 50 ms)"
        )
    group_ms = (EnvelopeSettings().window_s * FS_HZ - 1) / 2 / FS_HZ * 1000
    print(
        f"  (the window's centre of mass lags (N-1)/2 samples = {group_ms:.1f} ms at {FS_HZ:g} Hz)"
    )


if __name__ == "__main__":
    main()
