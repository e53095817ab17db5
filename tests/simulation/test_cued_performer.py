"""The virtual patient on cue: a growing timeline, read by the face and the EMG alike."""

from __future__ import annotations

import time

import numpy as np
import pytest

from facetrainer.simulation.cued_performer import (
    CONTRACT_S,
    REACTION_S,
    RELEASE_S,
    CuedTimeline,
)
from facetrainer.simulation.emg_synth import EmgSynthesizer
from facetrainer.simulation.patient import VirtualPatient
from facetrainer.simulation.profile import load_profile

FS_HZ = 1000.0
SEED = 5
QUIET_UV = 10.0  # envelope of a resting healthy channel stays below this
ACTIVE_UV = 60.0  # a held, full contraction reads above this


def test_perform_holds_the_action_from_the_reaction_time_to_the_end_of_the_step():
    timeline = CuedTimeline()
    assert timeline.commands(np.array([1.0])) == {}
    rep = timeline.perform("closed_smile", at_s=10.0, duration_s=3.0)
    assert rep.start_s == pytest.approx(10.0 + REACTION_S)
    smile = timeline.commands(np.array([9.9, 10.0 + REACTION_S + CONTRACT_S + 0.1, 12.9, 14.0]))
    assert smile["smile"].tolist() == pytest.approx([0.0, 1.0, 1.0, 0.0])
    assert timeline.phase(12.0) == "hold" and timeline.revision == 1
    with pytest.raises(ValueError, match="unknown exercise 'wink'"):
        timeline.perform("wink", 20.0, 1.0)


def test_a_new_cue_or_relax_ends_the_movement_under_way():
    timeline = CuedTimeline()
    timeline.perform("brow_raise", at_s=0.0, duration_s=10.0)
    timeline.relax(3.0)
    assert timeline.commands(np.array([2.9]))["brow_raise"][0] == pytest.approx(1.0)
    assert timeline.commands(np.array([3.0 + RELEASE_S + 0.01]))["brow_raise"][0] == 0.0
    timeline.perform("pucker", at_s=5.0, duration_s=10.0)
    timeline.perform("snarl", at_s=7.0, duration_s=2.0)
    now = timeline.commands(np.array([8.5]))
    assert now["pucker"][0] == 0.0 and now["snarl"][0] == pytest.approx(1.0)


def test_look_away_slides_the_face_out():
    timeline = CuedTimeline()
    timeline.look_away(2.0, 2.0)
    assert timeline.look_away_fraction(np.array([1.0, 3.0, 5.0])).tolist() == [0.0, 1.0, 0.0]


def test_emg_generated_live_follows_a_cue_given_within_its_second():
    """The synthesiser caches a second of activations; a cue in the middle of that second
    must still reach the samples after it (else the EMG lags the face by up to 1 s)."""
    timeline = CuedTimeline()
    patient = VirtualPatient(load_profile("healthy"), timeline, seed=SEED)  # type: ignore[arg-type]
    synth = EmgSynthesizer(patient, ("zygomaticus_major/right",), fs_hz=FS_HZ, seed=SEED)
    before = synth.generate(int(0.05 * FS_HZ))  # the block of second 0 is now cached
    timeline.perform("closed_smile", at_s=0.05, duration_s=1.5)
    after = synth.generate(int(0.9 * FS_HZ))  # the hold begins at 0.85 s, in the same block
    rms = lambda x: float(np.sqrt(np.mean(x**2)))  # noqa: E731
    assert rms(before) < QUIET_UV
    assert rms(after[:, int((REACTION_S + CONTRACT_S) * FS_HZ):]) > ACTIVE_UV


RENDER_S = 0.1  # a loaded machine: 10 frames per second instead of 30
LAG_TOLERANCE_S = 0.25  # a frame shows its delivery time, give or take one slow render


class SlowRenderer:
    def __init__(self, inner) -> None:
        self.inner = inner

    def render(self, pose):
        time.sleep(RENDER_S)
        return self.inner.render(pose)


def test_a_face_rendered_too_slowly_shows_the_present_not_the_past(renderer):
    """Like a camera, the virtual face drops frames when rendering falls behind, so a cue
    shows on the face when the EMG shows it."""
    from facetrainer.simulation.sources import SimulationClock, VirtualPatientVideo

    patient = VirtualPatient(load_profile("healthy"), CuedTimeline(), seed=SEED)  # type: ignore[arg-type]
    sim_clock = SimulationClock()
    video = VirtualPatientVideo(patient, sim_clock)
    video.renderer = SlowRenderer(renderer)  # type: ignore[assignment]
    video.start()
    try:
        time.sleep(1.5)
        frame = video.frames.take(1.0)
    finally:
        video.stop()
    assert frame is not None
    shown_s = video._t0 + frame.source_time_s
    assert abs(sim_clock.timeline_time(frame.timestamp_s) - shown_s) < LAG_TOLERANCE_S
