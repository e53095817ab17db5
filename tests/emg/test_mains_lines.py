"""Which mains harmonics the live chain notches, from its first 2 s of raw EMG.

Each harmonic found adds a notch and, when channels differ, a filter group to the live
chain; a line that is not there costs speed and cuts EMG for nothing. The detection must
find the lines that are there and only those, on any seed.
"""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.emg.mains import detect_mains_lines
from facetrainer.emg.synthetic_signals import make_synthetic_emg

DETECT_S = 2.0  # the live chain's detection stretch (emg/chain.py)
N_SEEDS = 24


def _rest(fs_hz: float, seed: int, mains_hz: float | None) -> np.ndarray:
    """2 s of resting EMG (4 µV) with a DC offset and, optionally, mains at 20 µV whose
    3rd harmonic is 6 µV (make_synthetic_emg's model of a mains line)."""
    sig = make_synthetic_emg(
        fs_hz, DETECT_S, bursts_s=[], rest_uv=4.0, burst_uv=50.0,
        mains_hz=mains_hz, mains_uv=20.0 if mains_hz else 0.0, offset_uv=300.0, seed=seed,
    )  # fmt: skip
    return sig.data_uv


@pytest.mark.parametrize("fs_hz", [1000.0, 2000.0])
def test_only_the_harmonics_present_are_notched_on_every_seed(fs_hz):
    data = np.vstack([_rest(fs_hz, seed, 50.0) for seed in range(N_SEEDS)])
    mains, lines = detect_mains_lines(data, fs_hz)
    assert mains == [50.0] * N_SEEDS
    wrong = {seed: got for seed, got in enumerate(lines) if got != (1, 3)}
    assert wrong == {}  # no false 100, 200, 250 Hz ... lines from one noisy periodogram


def test_channels_without_mains_get_no_notch_on_every_seed():
    data = np.vstack([_rest(2000.0, seed, None) for seed in range(N_SEEDS)])
    mains, lines = detect_mains_lines(data, 2000.0)
    assert mains == [None] * N_SEEDS and lines == [None] * N_SEEDS


def test_a_weak_harmonic_that_is_there_is_still_notched():
    fs_hz = 2000.0
    t = np.arange(int(DETECT_S * fs_hz)) / fs_hz
    data = np.vstack([_rest(fs_hz, seed, 50.0) for seed in range(8)])
    data += 3.0 * np.sin(2 * np.pi * 250.0 * t)  # 3 µV at the 5th harmonic, under the 4 µV EMG
    _, lines = detect_mains_lines(data, fs_hz)
    assert lines == [(1, 3, 5)] * 8
