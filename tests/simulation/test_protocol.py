"""The protocol timeline: phases in order, effort shape, imperfect performer."""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.simulation.protocol import ProtocolTiming, build_timeline

TIMING = ProtocolTiming(
    lead_in_s=2.0, cue_s=1.0, contract_s=1.5, hold_s=2.0, release_s=1.5, rest_s=2.5
)


def test_each_rep_runs_rest_cue_contract_hold_release_rest():
    tl = build_timeline(["closed_smile"], reps=2, timing=TIMING)
    assert [r.index for r in tl.reps] == [1, 2]
    r = tl.reps[0]
    assert (r.cue_s, r.start_s, r.hold_start_s, r.hold_end_s, r.end_s) == (2.0, 3.0, 4.5, 6.5, 8.0)
    probes = {1.0: "rest", 2.5: "cue", 3.7: "contract", 5.5: "hold", 7.0: "release", 9.0: "rest"}
    assert {t: tl.phase(t) for t in probes} == probes
    assert tl.reps[1].cue_s == pytest.approx(r.end_s + TIMING.rest_s)
    assert tl.duration_s == pytest.approx(tl.reps[1].end_s + TIMING.rest_s)


def test_effort_is_zero_at_rest_full_in_hold_and_rises_monotonically():
    tl = build_timeline(["brow_raise"], reps=1, timing=TIMING)
    level, _ = tl.effort(np.array([0.5, 2.5, 5.0, 6.0, 9.0]))
    np.testing.assert_allclose(level, [0, 0, 1, 1, 0])
    ramp, _ = tl.effort(np.linspace(3.0, 4.5, 50))
    assert np.all(np.diff(ramp) >= 0) and ramp[0] == 0 and ramp[-1] == pytest.approx(1, abs=1e-3)
    assert set(tl.commands(5.0)) == {"brow_raise"}


def test_open_smile_commands_smile_and_jaw():
    tl = build_timeline(["open_smile"], reps=1, timing=TIMING)
    cmd = tl.commands(5.0)
    assert cmd["smile"][0] == pytest.approx(1.0) and cmd["mouth_open"][0] == pytest.approx(1.0)


def test_imperfect_performer_starts_late_misses_rushes_and_looks_away():
    tl = build_timeline(["pucker"], reps=4, timing=TIMING, imperfect=True, seed=3)
    kinds = sorted(r.kind for r in tl.reps)
    assert kinds == ["late_start", "missed", "normal", "too_fast"]
    late = next(r for r in tl.reps if r.kind == "late_start")
    assert 0.6 <= late.start_s - late.cue_s - TIMING.cue_s <= 1.5
    missed = next(r for r in tl.reps if r.kind == "missed")
    level, _ = tl.effort(np.linspace(missed.start_s, missed.end_s, 20))
    assert not level.any()
    fast = next(r for r in tl.reps if r.kind == "too_fast")
    assert fast.end_s - fast.start_s < 0.5 * (TIMING.contract_s + TIMING.hold_s + TIMING.release_s)
    assert len(tl.look_aways) == 1
    la = tl.look_aways[0]
    assert tl.look_away_fraction((la.start_s + la.end_s) / 2)[0] == pytest.approx(1.0)
    assert tl.look_away_fraction(la.end_s + 0.1)[0] == 0.0


def test_same_seed_same_imperfections_and_unknown_exercise_is_named():
    a = build_timeline(["snarl"], reps=5, imperfect=True, seed=9)
    b = build_timeline(["snarl"], reps=5, imperfect=True, seed=9)
    assert a.reps == b.reps
    with pytest.raises(ValueError, match="'smirk'"):
        build_timeline(["smirk"])


def test_looping_timeline_wraps():
    tl = build_timeline(["eee"], reps=1, timing=TIMING, loop=True)
    l0, _ = tl.effort(5.0)
    l1, _ = tl.effort(5.0 + tl.duration_s)
    assert l0[0] == pytest.approx(l1[0])
