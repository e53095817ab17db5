"""Burst onsets on real facial EMG (zygomaticus major, EMGFlow's sample recordings).

Truth: each excerpt's reference onset (tests/data/real/README.md): the first crossing, on
a zero-phase 100 ms RMS envelope of the whole recording, of 5 % of the way from the
baseline to the burst's peak.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from facetrainer.emg.envelope import compute_envelope
from facetrainer.emg.filters import EmgFilter
from facetrainer.emg.onsets import OnsetDetector, OnsetSettings
from facetrainer.emg.processing import ProcessingSettings, analyse_recording

DATA = Path(__file__).resolve().parent.parent / "data" / "real"
EXCERPTS = ("emg_zygomaticus_01", "emg_zygomaticus_02", "emg_zygomaticus_03")
ONSET_TOLERANCE_S = 0.1  # the limit on real ramped contractions


def _load(name: str) -> tuple[np.ndarray, float, float]:
    z = np.load(DATA / f"{name}.npz")
    return z["emg_uv"].astype(np.float64), float(z["fs_hz"]), float(z["reference_onset_s"])


def _onset_near(x: np.ndarray, fs: float, ref: float, settings: ProcessingSettings) -> float:
    bursts = analyse_recording(x[None, :], fs, ["zygomaticus_major/left"], settings)[0].bursts
    assert bursts, "the contraction was not found"
    return min((b.onset_s for b in bursts), key=lambda t: abs(t - ref))


@pytest.mark.parametrize("name", EXCERPTS)
def test_refined_onset_of_a_real_contraction_is_within_100_ms(name):
    x, fs, ref = _load(name)
    refined = _onset_near(x, fs, ref, ProcessingSettings())
    plain = _onset_near(x, fs, ref, ProcessingSettings(onsets=OnsetSettings(backtrack_s=0.0)))
    assert abs(refined - ref) <= ONSET_TOLERANCE_S, (refined, ref)
    assert abs(refined - ref) < abs(plain - ref)  # the refinement helps on every burst


@pytest.mark.parametrize("name", EXCERPTS)
def test_live_detector_reports_the_same_refined_onsets_on_real_emg(name):
    x, fs, _ = _load(name)
    filt = EmgFilter(fs, 1, 50.0)
    env = compute_envelope(filt.process(x[None, :]), fs)[0]
    quiet = np.sort(env[int(fs) :])[: int(0.2 * env.size)]
    level, sd = float(quiet.mean()), float(quiet.std())
    on, off = level + 4 * sd, level + 2 * sd
    times = np.arange(env.size) / fs
    whole = OnsetDetector(fs, 1)
    whole.set_thresholds(np.array([on]), np.array([off]))
    expected = [b.onset_s for b in whole.process(env[None, :], times)]
    assert expected
    rng = np.random.default_rng(5)
    live = OnsetDetector(fs, 1)
    live.set_thresholds(np.array([on]), np.array([off]))
    got: list[float] = []
    i = 0
    while i < env.size:
        k = int(rng.integers(1, 200))
        got += [b.onset_s for b in live.process(env[None, i : i + k], times[i : i + k])]
        i += k
    assert got == expected
