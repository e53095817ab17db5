"""LiveEmg on a streaming source: mains, baseline, bursts, reference %, quality hints."""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.emg.live import LiveEmg, live_for
from facetrainer.emg.montage import load_montage
from facetrainer.emg.reference import ReferenceKind
from facetrainer.emg.synthetic_signals import make_synthetic_emg
from facetrainer.source_status import SourceState

from .conftest import wait_until

FS_HZ = 1000.0
TRUTH = ((3.0, 4.0), (6.0, 7.0))
ONSET_TOLERANCE_S = 0.030
LIVE_OFFSET_LAG_MAX_S = 0.4  # live offsets are raw crossings: ~one RMS window late


@pytest.fixture(scope="module")
def four_channels() -> np.ndarray:
    n = int(9 * FS_HZ)
    t = np.arange(n) / FS_HZ
    muscle = make_synthetic_emg(
        FS_HZ,
        9.0,
        bursts_s=TRUTH,
        rest_uv=4.0,
        burst_uv=50.0,
        mains_hz=50.0,
        mains_uv=15.0,
        offset_uv=300.0,
        seed=1,
    ).data_uv[0]
    flat = np.full(n, 512.0)
    clipped = np.clip(
        make_synthetic_emg(FS_HZ, 9.0, rest_uv=200.0, seed=2).data_uv[0], -150.0, 150.0
    )
    hum = 200.0 * np.sin(2 * np.pi * 60.0 * t) + make_synthetic_emg(FS_HZ, 9.0, seed=3).data_uv[0]
    return np.vstack([muscle, flat, clipped, hum])


def _run_to_end(source) -> None:
    source.start()
    assert wait_until(lambda: source.status.state == SourceState.FINISHED, 20.0)


def test_live_processing_finds_mains_bursts_and_quality_hints(array_source_factory, four_channels):
    src = array_source_factory(four_channels, FS_HZ)
    live = LiveEmg(src)
    _run_to_end(src)
    assert live.error is None
    states = live.states()
    assert [s.mains_hz for s in states] == [50.0, None, None, 60.0]
    assert states[0].quality == ()
    assert "flat" in states[1].quality
    assert "saturated" in states[2].quality
    assert "mains" in states[3].quality
    bursts = [b for b in live.recent_bursts() if b.channel == 0]
    assert len(bursts) == len(TRUTH)
    for burst, (on, off) in zip(bursts, TRUTH, strict=True):
        assert abs(burst.onset_s - on) <= ONSET_TOLERANCE_S
        assert 0 <= burst.offset_s - off <= LIVE_OFFSET_LAG_MAX_S
    env, times = live.get_envelope(1.0)
    assert env.shape == (4, 1000) and times[-1] == pytest.approx(9.0 - 1 / FS_HZ)
    filtered, _ = live.get_filtered()
    assert np.nanstd(filtered[0, -1000:]) < 10.0  # rest again, 300 µV offset gone


def test_baseline_reference_and_percent(array_source_factory):
    sig = make_synthetic_emg(
        FS_HZ, 6.0, n_channels=2, bursts_s=[(2.0, 4.0)], rest_uv=5.0, burst_uv=45.0, seed=5
    )
    data = sig.data_uv.copy()
    data[1] *= 2.0  # the right side reads twice as large
    src = array_source_factory(data, FS_HZ, names=("zl", "zr"))
    live = LiveEmg(src, montage=load_montage("smile_2ch"), mains_hz=None)
    _run_to_end(src)
    base = live.capture_baseline(1.5)  # the last 1.5 s are rest
    assert base[0].level_uv == pytest.approx(5.0, rel=0.15)
    amp = live.capture_reference(0, seconds=6.0, kind=ReferenceKind.MVC)
    assert amp == pytest.approx(40.0, rel=0.15)
    healthy = live.capture_reference(0, seconds=6.0, kind=ReferenceKind.HEALTHY_SIDE)
    assert healthy == pytest.approx(80.0, rel=0.15)  # measured on zygomaticus_major/right
    state = live.states()[0]
    assert state.reference_kind == ReferenceKind.HEALTHY_SIDE
    assert state.placement is not None and state.label == "zygomaticus_major/left"
    assert state.percent_of_reference == pytest.approx(0.0, abs=5.0)  # at rest now


def test_task_maximum_tracks_the_largest_activity(array_source_factory):
    sig = make_synthetic_emg(FS_HZ, 5.0, bursts_s=[(3.0, 4.0)], rest_uv=5.0, burst_uv=45.0, seed=6)
    src = array_source_factory(sig.data_uv, FS_HZ)
    live = LiveEmg(src, mains_hz=None)
    live.track_task_maximum(0)
    _run_to_end(src)
    state = live.states()[0]
    assert state.reference_kind == ReferenceKind.TASK_MAX
    assert state.reference_uv == pytest.approx(40.0, rel=0.25)


def test_healthy_side_needs_a_montage(array_source_factory):
    src = array_source_factory(np.zeros((1, 2000)), FS_HZ)
    live = LiveEmg(src)
    _run_to_end(src)
    live.capture_baseline(1.0)
    with pytest.raises(ValueError, match="other side"):
        live.capture_reference(0, kind=ReferenceKind.HEALTHY_SIDE)


def test_hardware_envelope_is_not_band_passed(array_source_factory):
    env = np.concatenate([np.full(2000, 10.0), np.full(2000, 80.0)])[None, :]
    src = array_source_factory(env, FS_HZ, is_envelope=True)
    live = LiveEmg(src)
    _run_to_end(src)
    out, _ = live.get_envelope()
    np.testing.assert_array_equal(out, env)


def test_live_for_returns_one_shared_object(array_source_factory):
    src = array_source_factory(np.zeros((1, 10)), FS_HZ)
    assert live_for(src) is live_for(src)


def test_integer_adc_noise_is_not_called_saturated():
    from facetrainer.emg.quality import assess_signal_quality

    rng = np.random.default_rng(0)
    counts = np.round(512 + 3 * rng.standard_normal((1, 2000)))
    clipped = np.minimum(np.round(512 + 300 * rng.standard_normal((1, 2000))), 1023)
    assert assess_signal_quality(np.vstack([counts, clipped]), FS_HZ) == [(), ("saturated",)]


def test_muscle_states_are_keyed_by_montage_label(array_source_factory):
    from facetrainer.emg.live import muscle_states

    src = array_source_factory(np.zeros((2, 1000)), FS_HZ)
    live_for(src, load_montage("smile_2ch"))
    _run_to_end(src)
    assert set(muscle_states([src])) == {"zygomaticus_major/left", "zygomaticus_major/right"}


def test_a_long_contraction_does_not_become_the_estimated_baseline(array_source_factory):
    sig = make_synthetic_emg(
        FS_HZ, 16.0, bursts_s=[(3.0, 15.0)], rest_uv=5.0, burst_uv=50.0, seed=8
    )
    src = array_source_factory(sig.data_uv, FS_HZ)
    live = LiveEmg(src, mains_hz=None)
    _run_to_end(src)
    state = live.states()[0]
    assert state.baseline is not None and not state.baseline_captured
    assert state.baseline.level_uv < 2 * 5.0  # the contraction held 12 s is not rest
    assert len([b for b in live.recent_bursts() if b.onset_s < 3.1]) == 1


def test_a_dropped_source_takes_its_live_processor_with_it(array_source_factory):
    import gc
    import weakref

    from .conftest import ArraySource

    src = ArraySource(np.zeros((1, 10)), FS_HZ)
    live_ref = weakref.ref(live_for(src))
    del src
    gc.collect()
    assert live_ref() is None
