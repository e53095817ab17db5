"""The rendered face: tracked on every frame, eyes close as a lid, landmarks land where sent."""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.simulation.face_actions import ACTIONS, SMILE_CORNER_MM
from facetrainer.simulation.face_renderer import FacePose, HeadMotion

# MediaPipe's mesh reads a fully closed eye as a few mm open (its lids never meet): the
# fissure it reports at full closure must still drop below this fraction of the open eye.
CLOSED_EYE_MAX_FRACTION = 0.45
# A smile moves the mouth corner 6 mm up and out in the face frame: the tracker must see
# at least this fraction of it (it smooths extreme shapes a little).
CORNER_TRACKED_MIN_FRACTION = 0.7


def _fissure_px(points: np.ndarray) -> tuple[float, float]:
    right = float(np.linalg.norm(points[159, :2] - points[145, :2]))
    left = float(np.linalg.norm(points[386, :2] - points[374, :2]))
    return right, left


def test_neutral_pose_reproduces_the_photo(renderer, astronaut_rig):
    frame = renderer.render(FacePose())
    diff = np.abs(frame.astype(int) - astronaut_rig.image.astype(int))
    assert np.percentile(diff, 99) <= 2


@pytest.mark.parametrize("side", ["both", "right", "left"])
def test_face_is_found_on_every_action_frame(renderer, static_tracker, side):
    sides = {"both": (1.0, 1.0), "right": (1.0, 0.0), "left": (0.0, 1.0)}[side]
    for action in ACTIONS:
        closure = sides if action in ("eye_closure",) else (0.0, 0.0)
        frame = renderer.render(FacePose({action: sides}, lid_closure=closure))
        assert frame.shape == (480, 640, 3) and frame.dtype == np.uint8
        assert static_tracker.process(frame) is not None, f"no face in {action} ({side})"


def test_eye_closes_as_a_lid_and_the_tracker_sees_it_narrow(renderer, static_tracker):
    fissures = []
    for closure in (0.0, 0.5, 1.0):
        pose = FacePose({"eye_closure": (closure, closure)}, lid_closure=(closure, closure))
        face = static_tracker.process(renderer.render(pose))
        assert face is not None
        fissures.append(_fissure_px(face.points_px))
    f = np.array(fissures)  # rows: closure 0, 0.5, 1; columns: right, left
    assert np.all(np.diff(f, axis=0) < 0), f"fissure must shrink with closure: {f}"
    assert np.all(f[2] < CLOSED_EYE_MAX_FRACTION * f[0]), f


def test_one_sided_closure_leaves_the_other_eye_open(renderer, static_tracker):
    rest = static_tracker.process(renderer.render(FacePose()))
    closed = static_tracker.process(
        renderer.render(FacePose({"eye_closure": (1.0, 0.0)}, lid_closure=(1.0, 0.0)))
    )
    assert rest is not None and closed is not None
    r0, l0 = _fissure_px(rest.points_px)
    r1, l1 = _fissure_px(closed.points_px)
    assert r1 < CLOSED_EYE_MAX_FRACTION * r0
    assert abs(l1 - l0) < 0.15 * l0


def test_smile_moves_the_mouth_corner_where_it_was_sent(renderer, static_tracker, astronaut_rig):
    rest = static_tracker.process(renderer.render(FacePose()))
    smile = static_tracker.process(renderer.render(FacePose({"smile": (1.0, 1.0)})))
    assert rest is not None and smile is not None
    for idx in (61, 291):
        moved_mm = np.linalg.norm(smile.points_px[idx, :2] - rest.points_px[idx, :2])
        moved_mm /= astronaut_rig.px_per_mm
        assert moved_mm > CORNER_TRACKED_MIN_FRACTION * np.hypot(*SMILE_CORNER_MM), (idx, moved_mm)


def test_head_motion_shifts_the_tracked_face(renderer, static_tracker):
    rest = static_tracker.process(renderer.render(FacePose()))
    moved = static_tracker.process(renderer.render(FacePose(head=HeadMotion(12.0, -6.0, 0.0))))
    assert rest is not None and moved is not None
    shift = np.median(moved.points_px[:, :2] - rest.points_px[:, :2], axis=0)
    np.testing.assert_allclose(shift, (12.0, -6.0), atol=1.5)


@pytest.mark.parametrize("profile_name", ["healthy", "flaccid_right", "synkinesis_left"])
def test_face_is_found_in_every_exercise_of_the_demo_program(
    renderer, static_tracker, profile_name
):
    from facetrainer.simulation.patient import VirtualPatient
    from facetrainer.simulation.profile import load_profile
    from facetrainer.simulation.protocol import DEMO_PROGRAM, build_timeline

    tl = build_timeline(DEMO_PROGRAM, reps=1)
    patient = VirtualPatient(load_profile(profile_name), tl, seed=1)
    for rep in tl.reps:  # the middle of the contraction and the middle of the hold
        for t in (
            0.5 * (rep.start_s + rep.hold_start_s),
            0.5 * (rep.hold_start_s + rep.hold_end_s),
        ):
            frame = renderer.render(patient.pose(t))  # with sway, tremor and blinks
            assert static_tracker.process(frame) is not None, (rep.exercise, t)
