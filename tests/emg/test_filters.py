"""Raw-EMG filtering: rate-aware band-pass, mains notch, carried state, gaps."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import signal

from facetrainer.emg.envelope import EnvelopeSettings
from facetrainer.emg.filters import (
    EmgFilter,
    EmgFilterWarning,
    clamp_lowpass_hz,
    filter_emg,
    run_sos,
)
from facetrainer.emg.processing import EmgProcessor
from facetrainer.emg.synthetic_signals import make_band_noise, make_synthetic_emg

RATES_HZ = (250.0, 487.0, 2000.0)
STREAM_EQUALS_BATCH_ATOL = 1e-9  # µV, on signals of tens of µV
MAINS_ATTENUATION_DB = 20.0
EMG_BAND_POWER_TOLERANCE = 0.10
SETTLE_S = 1.0


@pytest.mark.parametrize("fs_hz", RATES_HZ)
def test_chunked_processing_equals_batch_in_random_chunk_sizes(fs_hz):
    rng = np.random.default_rng(7)
    sig = make_synthetic_emg(
        fs_hz,
        6.0,
        n_channels=3,
        bursts_s=[(1.0, 2.0), (3.5, 4.0)],
        mains_hz=50.0,
        mains_uv=15.0,
        offset_uv=800.0,
        seed=3,
    )
    data = sig.data_uv.copy()
    data[1, int(2.2 * fs_hz) : int(2.4 * fs_hz)] = np.nan
    data[2, :5] = np.nan
    for method in ("rms", "lowpass"):
        from facetrainer.emg.processing import ProcessingSettings

        settings = ProcessingSettings(envelope=EnvelopeSettings(method=method))
        mains = [50.0, None, 60.0]
        f_batch, e_batch = EmgProcessor(fs_hz, 3, mains, settings).process(data)
        proc = EmgProcessor(fs_hz, 3, mains, settings)
        pieces_f, pieces_e, i = [], [], 0
        while i < data.shape[1]:
            n = int(rng.integers(1, 300))
            f, e = proc.process(data[:, i : i + n])
            pieces_f.append(f)
            pieces_e.append(e)
            i += n
        np.testing.assert_allclose(
            np.hstack(pieces_f), f_batch, atol=STREAM_EQUALS_BATCH_ATOL, equal_nan=True
        )
        np.testing.assert_allclose(
            np.hstack(pieces_e), e_batch, atol=STREAM_EQUALS_BATCH_ATOL, equal_nan=True
        )


def _band_power(x: np.ndarray, fs_hz: float, lo_hz: float, hi_hz: float) -> float:
    f, p = signal.welch(x, fs=fs_hz, nperseg=int(fs_hz))
    band = (f >= lo_hz) & (f <= hi_hz)
    return float(p[band].sum())


@pytest.mark.parametrize("fs_hz", RATES_HZ)
@pytest.mark.parametrize("mains_hz", (50.0, 60.0))
def test_mains_attenuated_while_emg_band_power_kept(fs_hz, mains_hz):
    rng = np.random.default_rng(11)
    n = int(12 * fs_hz)
    t = np.arange(n) / fs_hz
    emg = 20.0 * make_band_noise(rng, fs_hz, (1, n))[0]
    mains = sum(
        30.0 / k * np.sin(2 * np.pi * k * mains_hz * t + k)
        for k in range(1, 4)
        if k * mains_hz < fs_hz / 2
    )
    settle = int(SETTLE_S * fs_hz)
    # The chain is linear, so the mains and EMG parts of its output can be measured apart.
    mains_kept = filter_emg(mains, fs_hz, mains_hz)[0, settle:]
    mains_passed = filter_emg(mains, fs_hz, None)[0, settle:]
    attenuation_db = 10 * np.log10(np.mean(mains_passed**2) / np.mean(mains_kept**2))
    assert attenuation_db >= MAINS_ATTENUATION_DB
    hi = min(150.0, clamp_lowpass_hz(fs_hz, 450.0, warn=False))
    notched = filter_emg(emg, fs_hz, mains_hz)[0, settle:]
    plain = filter_emg(emg, fs_hz, None)[0, settle:]
    kept = _band_power(notched, fs_hz, 80.0, hi) / _band_power(plain, fs_hz, 80.0, hi)
    assert abs(kept - 1.0) <= EMG_BAND_POWER_TOLERANCE


def test_lowpass_is_clamped_below_nyquist_with_a_warning_for_a_250_hz_board():
    with warnings.catch_warnings():
        warnings.simplefilter("error", EmgFilterWarning)
        EmgFilter(2000.0, 1)  # 450 Hz fits: no warning
        with pytest.raises(EmgFilterWarning, match="250 Hz"):
            EmgFilter(250.0, 1)
    assert clamp_lowpass_hz(250.0, 450.0, warn=False) == pytest.approx(112.5)


def test_bad_band_is_refused_with_the_value_named():
    with pytest.raises(ValueError, match="highpass_hz=200"):
        from facetrainer.emg.filters import FilterSettings

        EmgFilter(250.0, 1, settings=FilterSettings(highpass_hz=200.0))


@pytest.mark.parametrize("fs_hz", RATES_HZ)
def test_nan_gap_stays_a_gap_and_does_not_smear(fs_hz):
    sig = make_synthetic_emg(fs_hz, 4.0, bursts_s=[(1.0, 3.0)], offset_uv=300.0, seed=5)
    gapped = sig.data_uv.copy()
    g0, g1 = int(1.5 * fs_hz), int(1.8 * fs_hz)
    gapped[0, g0:g1] = np.nan
    out = filter_emg(gapped, fs_hz)[0]
    ref = filter_emg(sig.data_uv, fs_hz)[0]
    assert np.isnan(out[g0:g1]).all()
    assert np.isfinite(out[:g0]).all() and np.isfinite(out[g1:]).all()
    np.testing.assert_allclose(out[:g0], ref[:g0])  # causal: nothing before the gap changes
    after = slice(g1, g1 + int(0.2 * fs_hz))
    assert np.abs(out[after]).max() <= 1.5 * np.abs(ref[after]).max()


def test_adc_offset_does_not_ring_at_start_up():
    fs = 1000.0
    sig = make_synthetic_emg(fs, 2.0, rest_uv=5.0, offset_uv=20000.0, seed=1)
    out = filter_emg(sig.data_uv, fs)[0]
    assert np.abs(out).max() < 10 * 5.0  # rest EMG is 5 µV RMS; an unprimed filter rings at ~20 mV


def test_fast_sos_kernel_matches_public_sosfilt():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 257))
    sos = signal.butter(4, [20, 450], btype="bandpass", fs=2000, output="sos")
    zi = np.zeros((4, sos.shape[0], 2))
    fast = np.hstack([run_sos(sos, x[:, :100], zi), run_sos(sos, x[:, 100:], zi)])
    np.testing.assert_allclose(fast, signal.sosfilt(sos, x, axis=-1), atol=1e-12)
