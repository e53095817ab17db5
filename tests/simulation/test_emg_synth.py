"""The virtual patient's EMG: bursts where the truth says, synkinesis, paresis, artefacts."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage, signal

from facetrainer.simulation.emg_synth import DEFAULT_MONTAGE, MAX_RMS_UV, EmgSynthesizer
from facetrainer.simulation.patient import VirtualPatient
from facetrainer.simulation.profile import load_profile
from facetrainer.simulation.protocol import build_timeline

FS_HZ = 1000.0
RMS_WINDOW_S = 0.1
ONSET_K_SD = 5.0  # onset threshold: resting mean + k·SD of the envelope (Hodges & Bui style)
MIN_BURST_S = 0.1
LAG_S = RMS_WINDOW_S / 2  # a centred window smears edges by up to half its length
PARESIS_TOLERANCE = 0.1  # affected/healthy RMS ratio vs 1 − paresis (after rest is removed)


def _recording(profile: str, exercise: str, reps: int = 2, seed: int = 0, **kw):
    tl = build_timeline([exercise], reps=reps)
    patient = VirtualPatient(load_profile(profile), tl, seed=seed)
    synth = EmgSynthesizer(patient, fs_hz=FS_HZ, seed=seed, **kw)
    data = synth.generate(int(tl.duration_s * FS_HZ))
    return tl, patient, synth, data


def _envelope(x: np.ndarray) -> np.ndarray:
    b, a = signal.iirnotch(50.0, 30.0, fs=FS_HZ)
    y = signal.filtfilt(b, a, x)
    n = int(RMS_WINDOW_S * FS_HZ)
    return np.sqrt(np.convolve(y**2, np.ones(n) / n, mode="same"))


def _rms(x: np.ndarray, t0: float, t1: float) -> float:
    return float(np.sqrt(np.mean(x[int(t0 * FS_HZ) : int(t1 * FS_HZ)] ** 2)))


def test_same_seed_same_emg_in_any_chunking_and_another_seed_differs():
    tl = build_timeline(["closed_smile"], reps=1)
    patient = VirtualPatient(load_profile("synkinesis_left"), tl, seed=1)
    whole = EmgSynthesizer(patient, pops=True, seed=4).generate(4000)
    rng = np.random.default_rng(0)
    chunked_synth = EmgSynthesizer(patient, pops=True, seed=4)
    parts, left = [], 4000
    while left:
        n = min(int(rng.integers(1, 700)), left)
        parts.append(chunked_synth.generate(n))
        left -= n
    np.testing.assert_allclose(np.hstack(parts), whole, rtol=0, atol=1e-9)
    other = EmgSynthesizer(patient, pops=True, seed=5).generate(4000)
    assert not np.allclose(other, whole)


def test_bursts_line_up_with_the_truth_timeline():
    tl, _, synth, data = _recording("healthy", "closed_smile")
    env = _envelope(data[synth.channels.index("zygomaticus_major/left")])
    rest = env[int(0.3 * FS_HZ) : int(1.7 * FS_HZ)]
    above = env > rest.mean() + ONSET_K_SD * rest.std()
    # minimum duration: close gaps and drop blips shorter than MIN_BURST_S
    k = np.ones(int(MIN_BURST_S * FS_HZ), dtype=bool)
    above = ndimage.binary_opening(ndimage.binary_closing(above, k), k)
    edges = np.flatnonzero(np.diff(above.astype(int)))
    onsets = (edges[::2] + 1) / FS_HZ
    offsets = (edges[1::2] + 1) / FS_HZ
    assert len(onsets) == len(tl.reps) == len(offsets), (onsets, offsets)
    for rep, on, off in zip(tl.reps, onsets, offsets, strict=True):
        assert rep.start_s - LAG_S <= on <= rep.hold_start_s, (rep, on)
        assert rep.hold_end_s <= off <= rep.end_s + LAG_S, (rep, off)


def test_synkinetic_eye_fires_during_smile_on_the_affected_side_only():
    tl, _, synth, data = _recording("synkinesis_left", "closed_smile")
    rep = tl.reps[0]
    oculi = {
        s: _rms(
            data[synth.channels.index(f"orbicularis_oculi/{s}")], rep.hold_start_s, rep.hold_end_s
        )
        for s in ("left", "right")
    }
    # The healthy side's oculi only picks up crosstalk from the smiling zygomaticus; the
    # affected side adds its own synkinetic burst: coupling 0.3 × oculi's share (0.6) of a
    # full contraction.
    synkinetic = np.sqrt(oculi["left"] ** 2 - oculi["right"] ** 2)
    assert synkinetic == pytest.approx(0.3 * 0.6 * MAX_RMS_UV, rel=0.25), oculi


def test_paretic_muscle_fires_weaker_by_its_paresis():
    tl, patient, synth, data = _recording("flaccid_right", "closed_smile")
    rep = tl.reps[0]

    def active_rms(side: str) -> float:
        x = data[synth.channels.index(f"zygomaticus_major/{side}")]
        hold, rest = _rms(x, rep.hold_start_s, rep.hold_end_s), _rms(x, 0.2, 1.8)
        return float(np.sqrt(max(hold**2 - rest**2, 0.0)))

    ratio = active_rms("right") / active_rms("left")
    assert abs(ratio - (1 - patient.profile.paresis_of("mouth_corner"))) <= PARESIS_TOLERANCE


def test_crosstalk_reaches_the_neighbour_but_not_the_far_muscle():
    tl, _, synth, data = _recording("healthy", "brow_raise", reps=1)
    rep = tl.reps[0]

    def hold(ch: str) -> float:
        return _rms(data[synth.channels.index(ch)], rep.hold_start_s, rep.hold_end_s)

    frontalis = hold("frontalis/left")
    assert 0.06 < hold("orbicularis_oculi/left") / frontalis < 0.25
    assert hold("depressor_anguli_oris/left") / frontalis < 0.06


@pytest.mark.parametrize("mains_hz", [50.0, 60.0])
def test_mains_interference_at_the_chosen_frequency(mains_hz):
    _, _, synth, data = _recording("healthy", "pucker", reps=1, mains_hz=mains_hz)
    f, p = signal.welch(data[0, : int(2 * FS_HZ)], fs=FS_HZ, nperseg=1000)
    assert f[np.argmax(p)] == pytest.approx(mains_hz, abs=1.0)


def test_electrode_pops_only_when_asked():
    tl = build_timeline(["eee"], reps=1)
    patient = VirtualPatient(load_profile("healthy"), tl)
    quiet = EmgSynthesizer(patient, seed=2).generate(int(60 * FS_HZ))
    popping = EmgSynthesizer(patient, seed=2, pops=True).generate(int(60 * FS_HZ))
    assert np.abs(quiet).max() < 250.0
    assert np.abs(popping).max() > 300.0


def test_default_montage_and_bad_settings_are_named():
    assert len(DEFAULT_MONTAGE) == 12 and "levator_labii_superioris/right" in DEFAULT_MONTAGE
    patient = VirtualPatient(load_profile("healthy"), build_timeline(["eee"], reps=1))
    with pytest.raises(ValueError, match="'nose/left'"):
        EmgSynthesizer(patient, channels=("nose/left",))
    with pytest.raises(ValueError, match="55"):
        EmgSynthesizer(patient, mains_hz=55.0)
