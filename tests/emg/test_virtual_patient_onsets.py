"""Onset detection against the virtual patient's truth (its muscle activations).

The virtual patient's EMG amplitude is ``rest tone + MAX_RMS_UV · activation`` (plus
crosstalk, sensor noise and mains), so the truth onset of a contraction is the first
time its activation lifts the true RMS out of the detector's baseline band (above
``level + k_base · SD``, where the detector refines its onsets back to). Its
contractions ramp up over ~1.5 s (slow, controlled fNMR movements): on a ramp a causal
100 ms moving RMS trails the amplitude by about half its window, unlike an abrupt
burst, where it is nearly immediate; noise lifts the envelope out of the band a little
early or late.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from facetrainer.emg.filters import EmgFilterWarning
from facetrainer.emg.processing import ProcessingSettings, analyse_recording

simulation = pytest.importorskip("facetrainer.simulation.emg_synth")

RAMP_ONSET_LAG_MAX_S = 0.15  # any single onset, late or early
RAMP_ONSET_MEAN_LAG_S = (-0.03, 0.08)  # at most about half the 100 ms RMS window, late
TARGETS = {"closed_smile": "zygomaticus_major", "brow_raise": "frontalis"}


@pytest.mark.parametrize("fs_hz", (487.0, 1000.0))
@pytest.mark.parametrize("exercise", sorted(TARGETS))
def test_onsets_follow_the_virtual_patients_activations(fs_hz, exercise):
    from facetrainer.simulation.emg_synth import MAX_RMS_UV, SENSOR_NOISE_UV, EmgSynthesizer
    from facetrainer.simulation.patient import VirtualPatient
    from facetrainer.simulation.profile import load_profile
    from facetrainer.simulation.protocol import build_timeline

    timeline = build_timeline([exercise], reps=3, seed=0)
    patient = VirtualPatient(load_profile("synkinesis_left"), timeline, seed=0)
    synth = EmgSynthesizer(patient, fs_hz=fs_hz, mains_hz=50.0, seed=0)
    n = int(timeline.duration_s * fs_hz)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmgFilterWarning)
        result = analyse_recording(synth.generate(n), fs_hz, synth.channels)
    t = np.arange(n) / fs_hz
    activations = patient.muscles(t)
    k_base = ProcessingSettings().onsets.k_base
    lags = []
    for ch in result:
        if not ch.name.startswith(TARGETS[exercise] + "/"):
            continue
        noise2 = SENSOR_NOISE_UV**2
        rest = np.sqrt(max(ch.baseline.level_uv**2 - noise2, 0.0))
        on = np.sqrt(ch.baseline.threshold_uv(k_base) ** 2 - noise2)
        above = activations[ch.name] > (on - rest) / MAX_RMS_UV
        truth = t[1:][above[1:] & ~above[:-1]]
        assert len(truth) == 3, (ch.name, truth)
        onsets = np.array([b.onset_s for b in ch.bursts])
        # Blinks also show (crosstalk from orbicularis oculi): match each truth onset to
        # the nearest detected one; a contraction without a burst fails below.
        lags += [float(onsets[np.argmin(np.abs(onsets - s))] - s) for s in truth]
    lags_s = np.array(lags)
    assert np.abs(lags_s).max() <= RAMP_ONSET_LAG_MAX_S
    assert RAMP_ONSET_MEAN_LAG_S[0] <= lags_s.mean() <= RAMP_ONSET_MEAN_LAG_S[1]
