"""The calibration wizard's video checks on seeded synthetic frames of face regions."""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.exercises.activation import load_activation_table
from facetrainer.exercises.calibration_steps import (
    StepResult,
    calibration_from_results,
    plan_calibration,
)
from facetrainer.exercises.calibration_video import (
    VideoWindow,
    check_video_contraction,
    check_video_rest,
    region_keys,
)

FPS = 30.0
TRACKING_SD_MM = 0.1  # landmark jitter of a well-lit face
SCALE_MM_PER_PX = 0.25
REL_TOL = 0.1
TABLE = load_activation_table()
KEYS = region_keys(TABLE)
REGIONS = ("brow", "eye", "mouth_corner", "upper_lip", "lips", "lower_lip")


def window(seconds=3.0, seed=0, moves_mm=None, sd_mm=TRACKING_SD_MM, face=None, head_px=0.0):
    """Frames of a still face (each region at a plausible rest value, tracking noise), with
    ``moves_mm`` {key: excursion in the activating direction} held over the middle half."""
    rng = np.random.default_rng(seed)
    n = int(seconds * FPS)
    rest = np.array([20.0 if k.startswith("brow") else 9.0 if k.startswith("eye") else 40.0
                     for k in KEYS])
    values = rest + rng.normal(0.0, sd_mm, (n, len(KEYS)))
    hold = slice(n // 4, 3 * n // 4)
    for key, mm in (moves_mm or {}).items():
        direction = TABLE.regions[key.split("/")[0]].direction
        values[hold, KEYS.index(key)] += direction * mm
    found = np.ones(n, dtype=bool) if face is None else face
    values[~found] = np.nan
    nose = np.column_stack([np.full(n, 320.0), np.full(n, 240.0)])
    nose[:, 0] += head_px * np.linspace(0.0, 1.0, n)
    nose[~found] = np.nan
    return VideoWindow(KEYS, found, values, nose, np.full(n, SCALE_MM_PER_PX)), rest


def test_plan_adds_a_step_per_region_with_its_muscle_and_region_only_steps():
    steps = plan_calibration(["zygomaticus_major/left", "zygomaticus_major/right"], REGIONS)
    assert steps[0].regions == REGIONS
    by_title = {s.title: s for s in steps[1:]}
    assert "Reference: zygomaticus_major, mouth_corner (video)" in by_title
    assert "Reference: brow (video)" in by_title and by_title["Reference: brow (video)"].channels == ()
    assert [s.exercise for s in steps[1:]] == [
        "brow_raise", "tight_eye_closure", "snarl", "closed_smile", "pucker", "lip_depression"]
    with pytest.raises(ValueError, match="or a face in the video"):
        plan_calibration([None], ())


def test_still_rest_passes_with_its_median_and_a_blink_is_tolerated():
    w, rest = window()
    w.values_mm[40:46, KEYS.index("eye/left")] -= 8.0  # a blink: 6 frames of 90
    levels, problems = check_video_rest(REGIONS, w, TABLE)
    assert problems == []
    assert levels["brow/right"] == pytest.approx(rest[KEYS.index("brow/right")], rel=REL_TOL)


def test_rest_names_a_moving_region_a_jittery_track_a_moving_head_and_a_lost_face():
    w, _ = window(moves_mm={"mouth_corner/left": 4.0})
    _, problems = check_video_rest(REGIONS, w, TABLE)
    assert problems == [next(p for p in problems if p.startswith("mouth_corner/left: moved"))]
    w, _ = window(sd_mm=2.0)
    _, problems = check_video_rest(REGIONS, w, TABLE)
    assert any(p.startswith("brow/left: too noisy at rest") for p in problems)
    w, _ = window(head_px=60.0)  # 15 mm across the rest
    _, problems = check_video_rest(REGIONS, w, TABLE)
    assert problems[0].startswith("the head moved during the rest")
    face = np.ones(90, dtype=bool)
    face[:45] = False
    w, _ = window(face=face)
    _, problems = check_video_rest(REGIONS, w, TABLE)
    assert problems[0] == "face not found in 50 % of the frames: face the camera in good light"


def test_weak_healthy_region_is_refused_weak_affected_region_only_noted():
    w, rest = window(moves_mm={"mouth_corner/right": 6.0, "mouth_corner/left": 0.5})
    rest_mm = dict(zip(KEYS, rest, strict=True))
    levels, problems, notes = check_video_contraction(("mouth_corner",), w, TABLE, rest_mm,
                                                      affected_side="left")
    assert problems == [] and notes[0].startswith("mouth_corner/left: little movement")
    assert levels["mouth_corner/right"] == pytest.approx(6.0, rel=REL_TOL)
    w, _ = window(moves_mm={"mouth_corner/right": 0.5, "mouth_corner/left": 6.0})
    _, problems, _ = check_video_contraction(("mouth_corner",), w, TABLE, rest_mm, "left")
    assert problems[0].startswith("mouth_corner/right: too weak (")


def test_eye_closure_is_measured_as_the_fissure_narrowing():
    w, rest = window(moves_mm={"eye/right": 8.0, "eye/left": 7.0})
    levels, problems, _ = check_video_contraction(("eye",), w, TABLE,
                                                  dict(zip(KEYS, rest, strict=True)))
    assert problems == [] and levels["eye/right"] == pytest.approx(8.0, rel=REL_TOL)


def test_calibration_has_video_channels_with_the_healthy_sides_reference():
    steps = plan_calibration([], ("mouth_corner",))
    rest = StepResult(steps[0], {}, (), (), {"mouth_corner/left": -5.0,
                                             "mouth_corner/right": -8.0})
    smile = StepResult(steps[1], {}, (), (), {"mouth_corner/left": 3.5,
                                              "mouth_corner/right": 6.0})
    cal = calibration_from_results([rest, smile], affected_side="left")
    left, right = cal.channels["video:mouth_corner/left"], cal.channels["video:mouth_corner/right"]
    assert (right.rest, right.reference, right.source) == (-8.0, 6.0, "calibrated")
    assert (left.rest, left.reference, left.source) == (-5.0, 6.0, "healthy side reference")


def test_too_few_frames_to_judge_are_named_not_blamed_on_the_face():
    w, rest = window(seconds=0.1)  # 3 frames: a camera or a computer far too slow
    _, problems = check_video_rest(REGIONS, w, TABLE)
    assert problems == ["only 3 video frames in this step — the camera or the computer is too "
                        "slow; close other programs, then Redo"]
    _, problems, _ = check_video_contraction(REGIONS, w, TABLE, dict(zip(KEYS, rest, strict=True)))
    assert len(problems) == 1 and problems[0].startswith("only 3 video frames")
