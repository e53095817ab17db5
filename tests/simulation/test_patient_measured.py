"""Measured on rendered frames, the face moves as the profile says.

MediaPipe tracks the rest frame and the middle of the hold of one repetition; movements are
measured as simple landmark distances in millimetres (iris scale) along the face's own
vertical axis, per side. The tracker is not perfectly fair to the two halves of this
slightly turned face, so ratios carry a stated tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.simulation.patient import VirtualPatient
from facetrainer.simulation.profile import load_profile
from facetrainer.simulation.protocol import build_timeline

RATIO_TOLERANCE = 0.1  # |measured affected/healthy movement − (1 − paresis)|
# Ocular synkinesis: |(PFN affected − PFN healthy) − gain × k| where k is how much of a
# rendered full closure the tracker reports (it reads a closed eye as a few mm open).
PFN_TOLERANCE = 0.08
BROWS = {"right": (70, 63, 105, 66, 107), "left": (300, 293, 334, 296, 336)}
CORNERS = {"right": 61, "left": 291}
LIDS = {"right": (159, 145), "left": (386, 374)}


def _track(renderer, tracker, patient, t):
    face = tracker.process(renderer.render(patient.pose(t, natural=False)))
    assert face is not None, f"no face at t={t:.2f} s"
    return face.points_px[:, :2]


def _rest_and_hold(renderer, tracker, profile_name, exercise):
    tl = build_timeline([exercise], reps=1)
    patient = VirtualPatient(load_profile(profile_name), tl)
    rep = tl.reps[0]
    hold = 0.5 * (rep.hold_start_s + rep.hold_end_s)
    return (
        patient,
        _track(renderer, tracker, patient, 0.5),
        _track(renderer, tracker, patient, hold),
    )


def _lift_mm(rig, rest, moved, idx):
    d = moved[list(idx)].mean(axis=0) - rest[list(idx)].mean(axis=0)
    return float(-(d @ rig.axis_v) / rig.px_per_mm)


def _fissure_mm(rig, pts, side):
    a, b = LIDS[side]
    return float(np.linalg.norm(pts[a] - pts[b]) / rig.px_per_mm)


@pytest.mark.parametrize(
    ("profile_name", "exercise", "region", "points"),
    [
        ("flaccid_right", "closed_smile", "mouth_corner", CORNERS),
        ("flaccid_right", "brow_raise", "brow", BROWS),
        ("synkinesis_left", "closed_smile", "mouth_corner", CORNERS),
        ("healthy", "closed_smile", "mouth_corner", CORNERS),
        ("healthy", "brow_raise", "brow", BROWS),
    ],
)
def test_affected_to_healthy_movement_ratio_follows_paresis(
    renderer, static_tracker, astronaut_rig, profile_name, exercise, region, points
):
    patient, rest, hold = _rest_and_hold(renderer, static_tracker, profile_name, exercise)
    prof = patient.profile
    affected = prof.affected_side if prof.affected_side != "none" else "left"
    healthy = "right" if affected == "left" else "left"

    def ids(side):
        p = points[side]
        return p if isinstance(p, tuple) else (p,)

    moved = {s: _lift_mm(astronaut_rig, rest, hold, ids(s)) for s in (affected, healthy)}
    assert moved[healthy] > 3.0, f"the healthy side barely moved: {moved}"
    ratio = moved[affected] / moved[healthy]
    expected = 1.0 - prof.paresis_of(region)
    assert abs(ratio - expected) <= RATIO_TOLERANCE, (ratio, expected, moved)


def test_ocular_narrowing_during_smile_follows_the_synkinesis_coupling(
    renderer, static_tracker, astronaut_rig
):
    patient, rest, smile = _rest_and_hold(
        renderer, static_tracker, "synkinesis_left", "closed_smile"
    )
    gain = next(
        c.gain
        for c in patient.profile.synkinesis
        if (c.source, c.target) == ("mouth_corner", "eye")
    )
    pfn = {
        s: 1.0 - _fissure_mm(astronaut_rig, smile, s) / _fissure_mm(astronaut_rig, rest, s)
        for s in ("left", "right")
    }
    # What the tracker makes of a rendered full closure of the same eye.
    from facetrainer.simulation.face_renderer import FacePose

    closed = static_tracker.process(
        renderer.render(FacePose({"eye_closure": (0.0, 1.0)}, lid_closure=(0.0, 1.0)))
    )
    open_ = static_tracker.process(renderer.render(FacePose()))
    assert closed is not None and open_ is not None
    k = 1.0 - (
        _fissure_mm(astronaut_rig, closed.points_px[:, :2], "left")
        / _fissure_mm(astronaut_rig, open_.points_px[:, :2], "left")
    )
    assert 0.6 < k < 0.95, f"tracker reads full closure as {100 * (1 - k):.0f}% open"
    excess = pfn["left"] - pfn["right"]
    assert abs(excess - gain * k) <= PFN_TOLERANCE, (pfn, gain, k)


def test_healthy_smile_narrows_both_eyes_alike(renderer, static_tracker, astronaut_rig):
    _, rest, smile = _rest_and_hold(renderer, static_tracker, "healthy", "closed_smile")
    pfn = {
        s: 1.0 - _fissure_mm(astronaut_rig, smile, s) / _fissure_mm(astronaut_rig, rest, s)
        for s in ("left", "right")
    }
    assert abs(pfn["left"] - pfn["right"]) <= PFN_TOLERANCE, pfn


def test_flaccid_eye_closes_incompletely(renderer, static_tracker, astronaut_rig):
    _, rest, closed = _rest_and_hold(
        renderer, static_tracker, "flaccid_right", "gentle_eye_closure"
    )
    remaining = {
        s: _fissure_mm(astronaut_rig, closed, s) / _fissure_mm(astronaut_rig, rest, s)
        for s in ("left", "right")
    }
    assert remaining["left"] < 0.35 and remaining["right"] > 0.5, remaining
