"""The calibration wizard's plan, checks and result on seeded synthetic envelopes."""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.exercises.calibration_steps import (
    calibration_from_results,
    check_contraction,
    check_rest,
    plan_calibration,
)

FS_HZ = 1000.0
LABELS = ["zygomaticus_major/left", "zygomaticus_major/right", "frontalis/left",
          "frontalis/right"]
REL_TOL = 0.1


def signals(levels_uv, seconds=2.0, seed=0):
    """Raw noise of each channel's level (µV SD) and its rectified, smoothed envelope."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FS_HZ)
    raw = rng.normal(0.0, 1.0, (len(levels_uv), n)) * np.asarray(levels_uv)[:, None]
    kernel = np.ones(100) / 100
    env = np.array([np.sqrt(np.convolve(r**2, kernel, mode="same")) for r in raw])
    return env, raw


def test_plan_is_rest_then_each_muscle_top_down_both_sides():
    steps = plan_calibration(LABELS + [None])
    assert [s.kind for s in steps] == ["rest", "contraction", "contraction"]
    assert [s.muscle for s in steps[1:]] == ["frontalis", "zygomaticus_major"]
    assert steps[2].channels == ("zygomaticus_major/left", "zygomaticus_major/right")
    with pytest.raises(ValueError, match="needs a montage"):
        plan_calibration(["ch1", None])


def test_quiet_rest_passes_and_a_moving_channel_is_named():
    step = plan_calibration(LABELS)[0]
    env, raw = signals([3, 3, 3, 3])
    ok = check_rest(step, env, raw, FS_HZ, LABELS, face_found=1.0)
    assert ok.ok and ok.levels_uv["frontalis/left"] == pytest.approx(3.0, rel=REL_TOL)
    env[1, 500:900] *= 10  # the right zygomaticus twitched (20 % of the rest: not a blink)
    moved = check_rest(step, env, raw, FS_HZ, LABELS, face_found=0.5)
    assert any(p.startswith("zygomaticus_major/right: the muscle moved") for p in moved.problems)
    assert any(p.startswith("face not found in 50 %") for p in moved.problems)


def test_noisy_and_flat_channels_at_rest_are_refused():
    step = plan_calibration(LABELS)[0]
    env, raw = signals([3, 40, 3, 3])
    raw[3] = 0.0
    result = check_rest(step, env, raw, FS_HZ, LABELS)
    assert any(p.startswith("zygomaticus_major/right: too noisy at rest") for p in result.problems)
    assert any(p.startswith("frontalis/right: flat signal") for p in result.problems)


def test_weak_healthy_side_is_refused_weak_affected_side_only_noted():
    smile = plan_calibration(LABELS)[2]
    rest = {lab: 3.0 for lab in LABELS}
    env, raw = signals([4, 30, 3, 3])  # left (affected) barely moves, right contracts
    r = check_contraction(smile, env, raw, FS_HZ, LABELS, rest, affected_side="left")
    assert r.ok and "zygomaticus_major/left: little activity on the affected side" in r.notes[0]
    env, raw = signals([30, 4, 3, 3])  # now the healthy (right) side is the weak one
    r = check_contraction(smile, env, raw, FS_HZ, LABELS, rest, affected_side="left")
    assert r.problems and r.problems[0].startswith("zygomaticus_major/right: too weak")


def test_saturated_contraction_is_refused():
    smile = plan_calibration(LABELS)[2]
    env, raw = signals([30, 30, 3, 3])
    raw[0] = np.clip(raw[0], -20, 20)  # the amplifier's rail
    r = check_contraction(smile, env, raw, FS_HZ, LABELS, {lab: 3.0 for lab in LABELS})
    assert r.problems == ("zygomaticus_major/left: saturated — the amplifier clipped; "
                          "contract less hard",)


def test_calibration_takes_the_healthy_sides_reference_for_the_affected_side():
    steps = plan_calibration(LABELS)
    env, raw = signals([3, 3, 3, 3])
    rest = check_rest(steps[0], env, raw, FS_HZ, LABELS)
    env, raw = signals([3, 3, 25, 30], seed=1)
    brow = check_contraction(steps[1], env, raw, FS_HZ, LABELS, rest.levels_uv, "left")
    env, raw = signals([6, 30, 3, 3], seed=2)
    smile = check_contraction(steps[2], env, raw, FS_HZ, LABELS, rest.levels_uv, "left")
    cal = calibration_from_results([rest, brow, smile], affected_side="left")
    right = cal.channels["emg:zygomaticus_major/right"]
    left = cal.channels["emg:zygomaticus_major/left"]
    assert right.reference == pytest.approx(
        smile.levels_uv["zygomaticus_major/right"] - rest.levels_uv["zygomaticus_major/right"])
    assert left.reference == right.reference and left.source == "healthy side reference"
    assert left.rest == pytest.approx(rest.levels_uv["zygomaticus_major/left"])
    assert cal.channels["emg:frontalis/right"].source == "calibrated"
