"""Mains detection, resting baseline and reference normalisation."""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.emg.baseline import estimate_resting_baseline, measure_baseline
from facetrainer.emg.envelope import EnvelopeSettings, compute_envelope, measure_step_delay_s
from facetrainer.emg.mains import detect_mains_hz
from facetrainer.emg.reference import measure_reference_uv, normalise_to_reference_pct
from facetrainer.emg.synthetic_signals import make_synthetic_emg

BASELINE_TOLERANCE = 0.10  # relative
ENVELOPE_DELAY_MAX_S = 0.050


@pytest.mark.parametrize("fs_hz", (250.0, 487.0, 2000.0))
def test_mains_is_detected_per_channel(fs_hz):
    parts = [
        make_synthetic_emg(fs_hz, 6.0, bursts_s=[(2, 3)], mains_hz=m, mains_uv=a, seed=i).data_uv
        for i, (m, a) in enumerate([(50.0, 8.0), (60.0, 8.0), (None, 0.0)])
    ]
    data = np.vstack(parts)
    data[0, 100:200] = np.nan
    assert detect_mains_hz(data, fs_hz) == [50.0, 60.0, None]


def test_mains_detection_needs_a_second_of_data():
    sig = make_synthetic_emg(1000.0, 0.5, mains_hz=50.0, mains_uv=50.0)
    assert detect_mains_hz(sig.data_uv, 1000.0) == [None]


def test_resting_baseline_ignores_contractions():
    fs = 1000.0
    sig = make_synthetic_emg(
        fs, 20.0, bursts_s=[(2, 6), (9, 14)], rest_uv=5.0, burst_uv=80.0, seed=3
    )
    env = compute_envelope(sig.emg_uv, fs)[0]
    base = estimate_resting_baseline(env, fs)
    assert base.level_uv == pytest.approx(5.0, rel=BASELINE_TOLERANCE)
    rest_only = measure_baseline(env[int(15 * fs) :])
    assert base.noise_sd_uv == pytest.approx(rest_only.noise_sd_uv, rel=0.3)


def test_baseline_of_nothing_is_refused():
    with pytest.raises(ValueError, match="no valid sample"):
        measure_baseline(np.full(10, np.nan))


def test_reference_is_the_best_sustained_level_and_normalises_to_percent():
    fs = 100.0
    env = np.full(1000, 2.0)
    env[300:400] = 52.0  # a 1 s contraction at 52 µV
    env[600] = 500.0  # a spike must not set the scale
    ref = measure_reference_uv(env, fs, hold_s=0.5)
    assert ref == pytest.approx(52.0)
    pct = normalise_to_reference_pct(np.array([2.0, 27.0, 52.0]), 2.0, ref)
    np.testing.assert_allclose(pct, [0.0, 50.0, 100.0])
    assert np.isnan(normalise_to_reference_pct(np.array([1.0]), 5.0, 5.0)).all()


def test_default_envelope_step_delay_meets_the_feedback_budget():
    for fs in (250.0, 2000.0):
        assert measure_step_delay_s(fs, EnvelopeSettings()) <= ENVELOPE_DELAY_MAX_S


def test_envelope_of_gaussian_emg_reads_its_rms_for_both_methods():
    fs = 2000.0
    rng = np.random.default_rng(0)
    x = 10.0 * rng.standard_normal((1, int(10 * fs)))
    for method in ("rms", "lowpass"):
        env = compute_envelope(x, fs, EnvelopeSettings(method=method))[0, int(fs) :]
        assert np.mean(env) == pytest.approx(10.0, rel=0.05), method
