"""Following the demo: each exercise block of the virtual patient becomes one scoring set
that starts in a rest long enough for the engine's rest window and sees every rep; EMG
references come from the virtual patient's known full contraction."""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.exercises.activation import REST_WINDOW_S
from facetrainer.simulation.demo import DEMO_REPS, create_demo_sources
from facetrainer.simulation.demo_follow import (
    STOP_AFTER_S,
    DemoFollower,
    cue_phase,
    demo_set_at,
    reference_calibration,
)
from facetrainer.simulation.emg_synth import DEFAULT_MONTAGE
from facetrainer.simulation.protocol import DEMO_PROGRAM, build_timeline

TICK_S = 0.1  # the panel checks the timeline every 100 ms
FIRST_FRAME_S = 1.5  # the demo's face is tracked by then (rig build, tracker start)
REFERENCE_TOL = 0.12  # full-effort EMG reads 100 % (or 1 − paresis) within 12 points


def run(follower: DemoFollower, t0: float, t1: float) -> list[tuple[float, str, str, int]]:
    out = []
    for t in np.arange(t0, t1, TICK_S):
        d = follower.decide(float(t))
        if d.action != "wait":
            ex = d.demo_set.exercise if d.demo_set is not None else ""
            out.append((float(t), d.action, ex, d.reps))
    return out


def test_every_block_of_the_demo_becomes_one_set_with_all_its_reps():
    video, _ = create_demo_sources()
    tl = video.patient.timeline
    follower = DemoFollower(tl)
    actions = run(follower, FIRST_FRAME_S, tl.duration_s + 10.0)
    starts = [a for a in actions if a[1] == "start"]
    assert [a[2] for a in starts[: len(DEMO_PROGRAM)]] == list(DEMO_PROGRAM)
    assert all(a[3] == DEMO_REPS for a in starts)
    assert starts[len(DEMO_PROGRAM)][2] == DEMO_PROGRAM[0]  # the next round
    for t_start, _, ex, _ in starts[: len(DEMO_PROGRAM)]:
        first = next(r for r in tl.reps if r.exercise == ex)
        last = [r for r in tl.reps if r.exercise == ex][-1]
        assert first.start_s - t_start >= REST_WINDOW_S  # the rest window fits
        stop = next(a for a in actions if a[1] == "stop" and a[0] > t_start)
        assert last.end_s + STOP_AFTER_S <= stop[0] < last.end_s + STOP_AFTER_S + TICK_S + 1e-9


def test_joining_mid_block_waits_for_a_rest_and_counts_the_remaining_reps():
    tl = build_timeline(["closed_smile", "pucker"], reps=3)
    follower = DemoFollower(tl)
    second = tl.reps[1]
    assert follower.decide(second.start_s + 0.5).action == "wait"  # moving
    d = follower.decide(second.end_s + 0.05)
    assert d.action == "start" and d.reps == 1 and d.demo_set.exercise == "closed_smile"


def test_a_set_the_user_stopped_is_not_restarted():
    tl = build_timeline(["brow_raise", "snarl"], reps=2)
    follower = DemoFollower(tl)
    assert follower.decide(0.0).action == "start"
    follower.abandon()
    assert follower.decide(0.2).action == "wait"
    after = run(follower, 0.3, tl.duration_s)
    assert [a[1:3] for a in after] == [("start", "snarl"), ("stop", "")]


def test_blocks_span_from_the_previous_blocks_end():
    tl = build_timeline(["brow_raise", "snarl"], reps=2, loop=True)
    end = tl.reps[1].end_s
    assert demo_set_at(tl, end - 0.01).exercise == "brow_raise"
    assert demo_set_at(tl, end + 0.01).exercise == "snarl"
    wrapped = demo_set_at(tl, tl.reps[-1].end_s + 0.01)
    assert wrapped.exercise == "brow_raise" and wrapped.loop == 1
    assert wrapped.offset_s == pytest.approx(tl.duration_s)


def test_a_missed_rep_is_still_cued():
    tl = build_timeline(["pucker"], reps=3, imperfect=True, seed=1)
    missed = next(r for r in tl.reps if r.kind == "missed")
    assert tl.phase(missed.hold_start_s + 0.1) == "rest"
    assert cue_phase(tl, missed.hold_start_s + 0.1) == "hold"
    assert cue_phase(tl, missed.cue_s + 0.1) == "cue"


def test_emg_references_read_a_full_contraction_as_100_percent():
    """The synkinesis_left patient smiles at full effort: zygomaticus major reads ~100 % on
    the healthy right and ~(1 − paresis) on the affected left with these references."""
    from facetrainer.emg.processing import SETTLE_S, EmgProcessor
    from facetrainer.simulation.emg_synth import EmgSynthesizer
    from facetrainer.simulation.patient import VirtualPatient
    from facetrainer.simulation.profile import load_profile

    cal = reference_calibration(DEFAULT_MONTAGE)
    assert set(cal.channels) == {f"emg:{c}" for c in DEFAULT_MONTAGE}
    profile = load_profile("synkinesis_left")
    tl = build_timeline(["closed_smile"], reps=1)
    patient = VirtualPatient(profile, tl, seed=3)
    synth = EmgSynthesizer(patient, DEFAULT_MONTAGE, seed=3)
    data = synth.generate(int(tl.duration_s * 1000))
    _, env = EmgProcessor(1000.0, len(DEFAULT_MONTAGE), None).process(data)
    t = np.arange(data.shape[1]) / 1000.0
    rep = tl.reps[0]
    for side, expected in (("right", 1.0), ("left", 1.0 - profile.paresis_of("mouth_corner"))):
        i = DEFAULT_MONTAGE.index(f"zygomaticus_major/{side}")
        rest = np.median(env[i, (t > SETTLE_S) & (t < rep.cue_s)])
        hold = np.median(env[i, (t > rep.hold_start_s) & (t < rep.hold_end_s)])
        ref = cal.channels[f"emg:zygomaticus_major/{side}"].reference
        assert (hold - rest) / ref == pytest.approx(expected, abs=REFERENCE_TOL), side


def test_channels_the_patient_does_not_simulate_get_no_reference():
    assert reference_calibration(("mentalis/left", "ch3")).channels == {}
