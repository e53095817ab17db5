"""Burst detection: known onsets at odd rates, hysteresis, minimum duration, streaming."""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.emg.onsets import OnsetDetector, OnsetSettings, detect_bursts
from facetrainer.emg.processing import analyse_recording
from facetrainer.emg.synthetic_signals import make_synthetic_emg

RATES_HZ = (250.0, 487.0, 2000.0)
ONSET_TOLERANCE_S = 0.030
OFFSET_TOLERANCE_S = 0.030  # offline offsets come from the time-reversed pass
MAX_FALSE_BURSTS_PER_CHANNEL_MINUTE = 1.0
TRUTH = ((2.0, 3.0), (4.5, 5.2), (7.0, 8.5), (10.3, 10.8))


@pytest.mark.parametrize("fs_hz", RATES_HZ)
@pytest.mark.parametrize("seed", (1, 2))
def test_known_burst_onsets_are_found_within_30_ms(fs_hz, seed):
    sig = make_synthetic_emg(
        fs_hz,
        12.0,
        n_channels=2,
        bursts_s=TRUTH,
        rest_uv=4.0,
        burst_uv=40.0,
        mains_hz=50.0,
        mains_uv=20.0,
        offset_uv=600.0,
        seed=seed,
    )
    for ch in analyse_recording(sig.data_uv, fs_hz, ["a", "b"]):
        assert ch.mains_hz == 50.0
        assert len(ch.bursts) == len(TRUTH), [(b.onset_s, b.offset_s) for b in ch.bursts]
        for burst, (on, off) in zip(ch.bursts, TRUTH, strict=True):
            assert abs(burst.onset_s - on) <= ONSET_TOLERANCE_S
            assert abs(burst.offset_s - off) <= OFFSET_TOLERANCE_S
            assert burst.peak_uv > 30.0


@pytest.mark.parametrize("fs_hz", RATES_HZ)
def test_rest_alone_gives_almost_no_bursts(fs_hz):
    sig = make_synthetic_emg(fs_hz, 60.0, n_channels=4, rest_uv=5.0, seed=9)
    result = analyse_recording(sig.data_uv, fs_hz, list("abcd"))
    n_false = sum(len(ch.bursts) for ch in result)
    assert n_false / 4 <= MAX_FALSE_BURSTS_PER_CHANNEL_MINUTE


def test_dips_between_the_thresholds_do_not_split_a_burst():
    fs = 100.0
    env = np.full(300, 1.0)
    env[100:200] = 10.0
    env[140:150] = 4.0  # above off (3) but below on (5): hysteresis holds the burst
    bursts = detect_bursts(env, fs, on_uv=5.0, off_uv=3.0)
    assert [(b.onset_s, b.offset_s) for b in bursts] == [(1.0, 2.0)]


def test_bursts_shorter_than_the_minimum_duration_are_dropped():
    fs = 1000.0
    env = np.ones(1000)
    env[100:130] = 10.0  # 30 ms
    env[500:600] = 10.0  # 100 ms
    bursts = detect_bursts(env, fs, 5.0, 3.0, OnsetSettings(min_duration_s=0.05))
    assert [round(b.onset_s, 3) for b in bursts] == [0.5]


def test_a_gap_ends_a_burst():
    fs = 100.0
    env = np.ones(400)
    env[100:300] = 10.0
    env[200:220] = np.nan
    bursts = detect_bursts(env, fs, 5.0, 3.0)
    assert [(b.onset_s, b.offset_s) for b in bursts] == [(1.0, 2.0), (2.2, 3.0)]


def test_streaming_detector_equals_batch_in_random_chunks():
    rng = np.random.default_rng(4)
    fs = 500.0
    env = np.abs(rng.standard_normal((3, 5000))) + np.repeat(
        rng.integers(0, 2, (3, 50)) * 8, 100, axis=1
    )
    times = np.arange(env.shape[1]) / fs
    whole = OnsetDetector(fs, 3)
    whole.set_thresholds(np.full(3, 5.0), np.full(3, 3.0))
    expected = whole.process(env, times)
    det = OnsetDetector(fs, 3)
    det.set_thresholds(np.full(3, 5.0), np.full(3, 3.0))
    got, i = [], 0
    while i < env.shape[1]:
        n = int(rng.integers(1, 200))
        got += det.process(env[:, i : i + n], times[i : i + n])
        i += n
    key = lambda b: (b.channel, b.onset_s)  # noqa: E731
    assert sorted(got, key=key) == sorted(expected, key=key)
    assert len(expected) > 10


def test_settings_are_validated():
    with pytest.raises(ValueError, match="k_off"):
        OnsetSettings(k_on=2.0, k_off=3.0)


RAMP_ONSET_TOLERANCE_S = 0.1  # the limit for ramped contractions


def _ramped_bursts(fs: float, seed: int) -> tuple[np.ndarray, list[float]]:
    """Gaussian EMG (SD 1 µV at rest) with three 1.5 s linear amplitude ramps to 20 µV."""
    rng = np.random.default_rng(seed)
    n = int(12 * fs)
    t = np.arange(n) / fs
    amp = np.ones(n)
    onsets = [2.0, 5.5, 9.0]
    for on in onsets:
        ramp = np.clip((t - on) / 1.5, 0.0, 1.0) * ((t - on) < 2.5)
        amp += 19.0 * ramp
    return amp * rng.standard_normal(n), onsets


@pytest.mark.parametrize("fs", (250.0, 1000.0))
def test_refined_onsets_of_ramps_are_within_100_ms_and_streaming_reports_the_same(fs):
    from facetrainer.emg.baseline import estimate_resting_baseline
    from facetrainer.emg.envelope import compute_envelope

    x, truth = _ramped_bursts(fs, seed=7)
    env = compute_envelope(x[None, :], fs)[0]
    base = estimate_resting_baseline(env, fs)
    s = OnsetSettings()
    on, off = base.threshold_uv(s.k_on), base.threshold_uv(s.k_off)
    refined = detect_bursts(env, fs, on, off)
    plain = detect_bursts(env, fs, on, off, OnsetSettings(k_base=s.k_off, backtrack_s=0.0))
    assert len(refined) == len(truth) == len(plain)
    errors = np.array([b.onset_s for b in refined]) - truth
    assert np.abs(errors).max() <= RAMP_ONSET_TOLERANCE_S, errors
    # the plain threshold crossing is later on every ramp
    assert all(p.onset_s > r.onset_s for p, r in zip(plain, refined, strict=True))
    # live: chunks of random size, thresholds from on/off alone, same refined onsets
    rng = np.random.default_rng(3)
    det = OnsetDetector(fs, 1)
    det.set_thresholds(np.array([on]), np.array([off]))
    times = np.arange(env.size) / fs
    live: list[float] = []
    i = 0
    while i < env.size:
        k = int(rng.integers(1, 60))
        live += [b.onset_s for b in det.process(env[None, i : i + k], times[i : i + k])]
        i += k
    assert live == [b.onset_s for b in refined]


def test_refinement_stops_at_the_previous_burst():
    fs = 100.0
    env = np.ones(600)
    env[100:200] = 10.0
    env[200:260] = 2.5  # between base (2.0) and off (3.0): no return to the baseline band
    env[260:400] = 10.0
    bursts = detect_bursts(env, fs, 5.0, 3.0, OnsetSettings(k_base=1.0))
    assert [(b.onset_s, b.offset_s) for b in bursts] == [(1.0, 2.0), (2.0, 4.0)]


def test_peaks_of_long_bursts_streamed_in_equal_chunks_equal_the_batch_peaks():
    """A burst's peak is taken over its steady chunks lazily (at the next edge): streamed
    in 40-sample chunks it equals the batch peak, and run_peaks() gives it mid-burst."""
    rng = np.random.default_rng(7)
    fs = 2000.0
    env = np.abs(rng.standard_normal((4, 20000)))
    for ch in range(4):
        start = 2000 + 3000 * ch
        env[ch, start : start + 6000] += 10.0 + 5.0 * np.sin(np.arange(6000) / (300 + ch))
    env[2, 8000 + 1234] = 99.0  # a spike deep inside channel 2's burst (8000-14000)
    times = np.arange(env.shape[1]) / fs
    whole = OnsetDetector(fs, 4)
    whole.set_thresholds(np.full(4, 5.0), np.full(4, 3.0))
    expected = whole.process(env, times)
    det = OnsetDetector(fs, 4)
    det.set_thresholds(np.full(4, 5.0), np.full(4, 3.0))
    got = []
    for i in range(0, env.shape[1], 40):
        got += det.process(env[:, i : i + 40], times[i : i + 40])
        if i == 10000:  # channel 2 is in its burst, past the spike
            assert det.run_peaks()[2] == 99.0
    assert got == expected and len(got) == 4
    assert [b.peak_uv for b in got] == [float(env[b.channel].max()) for b in got]
