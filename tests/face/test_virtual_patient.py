"""The virtual patient (src/facetrainer/simulation) against its own ground truth.

Truth of the eye opening: the renderer slides the upper lid margin down to
``upper + closure · (1 + LID_OVERLAP_FRACTION) · opening`` (the rig's lid curves, taken from
the neutral photo's mesh), so the opening at the iris column is
``opening · max(0, 1 − closure · (1 + LID_OVERLAP_FRACTION))``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from facetrainer.cli import main
from facetrainer.face.measures import analyse_face
from facetrainer.face.symmetric_tracking import track_mirror_averaged

pytest.importorskip("facetrainer.simulation.face_renderer")
from facetrainer.simulation.face_renderer import (  # noqa: E402
    LID_OVERLAP_FRACTION,
    FacePose,
    FaceRenderer,
)
from facetrainer.simulation.face_rig import build_rig  # noqa: E402

CLOSED_MAX_MM = 1.5  # issue #4
HALF_CLOSED_TOL_MM = 1.0  # issue #4: a partly closed eye within ±1 mm
RECORDING_PARTIAL_MAE_MM = 1.0  # mean |error| over a recording's partly closed frames
RECORDING_CLOSED_MEDIAN_MM = 1.5
RECORDING_CLOSED_P90_MM = 2.0  # video compression widens the lash line of a few frames
# MediaPipe under-reads a brow raise (it regresses towards an average face): it sees about
# 55 % of the renderer's 6 mm; the brow is not refined from the image (only the lids are).
BROW_RAISE_MM, BROW_SEEN_MIN_FRACTION = 6.0, 0.45
SIDE_INDEX = {"right": 0, "left": 1}  # the renderer's (right, left) order
IRIS = {"right": 468, "left": 473}


@pytest.fixture(scope="module")
def patient(static_tracker):
    rig = build_rig(tracker=static_tracker)
    return rig, FaceRenderer(rig)


def _opening_truth_mm(rig, side: str, closure: np.ndarray | float) -> np.ndarray:
    eye = rig.eyes[side]
    x = rig.points_px[IRIS[side], 0]
    opening = np.interp(x, eye.x_px, eye.lower_px) - np.interp(x, eye.x_px, eye.upper_px)
    c = np.asarray(closure, dtype=np.float64)
    return np.maximum(0.0, opening * (1.0 - c * (1.0 + LID_OVERLAP_FRACTION))) / rig.px_per_mm


def _measure(tracker, renderer, pose):
    image = renderer.render(pose)
    m = analyse_face(track_mirror_averaged(tracker, image), image)
    assert m.rejected is None
    return m


@pytest.mark.parametrize("side", ["left", "right"])
def test_rendered_closed_eye_reads_near_zero(static_tracker, patient, side):
    rig, renderer = patient
    closure = [0.0, 0.0]
    closure[SIDE_INDEX[side]] = 1.0
    m = _measure(static_tracker, renderer, FacePose(lid_closure=tuple(closure)))
    assert m.metrics["palpebral_fissure_mm"][side] <= CLOSED_MAX_MM


@pytest.mark.parametrize("side", ["left", "right"])
def test_rendered_half_closed_eye_follows_truth_better_than_the_mesh(static_tracker, patient, side):
    rig, renderer = patient
    closure = [0.0, 0.0]
    closure[SIDE_INDEX[side]] = 0.5
    m = _measure(static_tracker, renderer, FacePose(lid_closure=tuple(closure)))
    truth = float(_opening_truth_mm(rig, side, 0.5))
    refined = m.metrics["palpebral_fissure_mm"][side]
    mesh = m.metrics["palpebral_fissure_mesh_mm"][side]
    assert refined == pytest.approx(truth, abs=HALF_CLOSED_TOL_MM)
    assert abs(refined - truth) < abs(mesh - truth)


def test_rendered_brow_raise_is_seen_on_its_side(static_tracker, patient):
    rig, renderer = patient
    rest = _measure(static_tracker, renderer, FacePose())
    m = _measure(static_tracker, renderer, FacePose(weights={"brow_raise": (0.0, 1.0)}))
    left = m.metrics["brow_height_mm"]["left"] - rest.metrics["brow_height_mm"]["left"]
    right = m.metrics["brow_height_mm"]["right"] - rest.metrics["brow_height_mm"]["right"]
    assert BROW_SEEN_MIN_FRACTION * BROW_RAISE_MM <= left <= BROW_RAISE_MM + 0.5
    assert abs(right) < 0.25 * left


@pytest.mark.slow
def test_recording_eye_opening_follows_truth(tmp_path_factory, patient):
    rig, _ = patient
    d = tmp_path_factory.mktemp("vp")
    video, truth_path, out = d / "closure.mp4", d / "truth.json", d / "analysis.json"
    assert (
        main(
            [
                "simulate",
                "--profile",
                "synkinesis_left",
                "--exercise",
                "gentle_eye_closure",
                "--reps",
                "1",
                "--out",
                str(video),
                "--truth",
                str(truth_path),
            ]
        )
        == 0
    )
    assert main(["analyze", str(video), "--json", str(out), "--no-progress"]) == 0
    truth = json.loads(truth_path.read_text())
    frames = json.loads(out.read_text())["sources"][0]["frames"]
    n = min(len(frames), truth["n_frames"])
    assert sum(f["rejected"] is None for f in frames[:n]) >= 0.95 * n
    for side in ("left", "right"):
        c = np.array(truth["frames"]["lid_closure"][side][:n])
        want = _opening_truth_mm(rig, side, c)
        got = np.array(
            [
                f["metrics"]["palpebral_fissure_mm"][side] if f["rejected"] is None else np.nan
                for f in frames[:n]
            ]
        )
        partial = (c > 0.2) & (c < 0.8)
        closed = c >= 0.95
        assert partial.any() and closed.any()
        assert np.nanmean(np.abs(got[partial] - want[partial])) <= RECORDING_PARTIAL_MAE_MM
        assert np.nanmedian(got[closed]) <= RECORDING_CLOSED_MEDIAN_MM
        assert np.nanpercentile(got[closed], 90) <= RECORDING_CLOSED_P90_MM


# An open eye must not read as narrowed: a catch-light on the pupil was taken for the lower
# lid margin and the flaccid profile's open left eye read 4.7 instead of 9.6 mm for 0.8 s.
OPEN_UNDER_READ_MAX_MM = 1.5
OPEN_CLOSURE_MAX = 0.02  # truth closure below this counts as an open eye


def _recording_errors(tmp_path_factory, rig, profile, exercise):
    d = tmp_path_factory.mktemp("vp")
    video, truth_path, out = d / "rec.mp4", d / "truth.json", d / "analysis.json"
    argv = ["simulate", "--profile", profile, "--exercise", exercise, "--reps", "1"]
    assert main([*argv, "--out", str(video), "--truth", str(truth_path)]) == 0
    assert main(["analyze", str(video), "--json", str(out), "--no-progress"]) == 0
    truth = json.loads(truth_path.read_text())
    frames = json.loads(out.read_text())["sources"][0]["frames"]
    n = min(len(frames), truth["n_frames"])
    # The truth in pixels, in mm at the analysis' own scale: the test is about the lid
    # margins, not the scale (the video tracker's iris reads ~4 % wider than the static
    # tracker's that set the rig's scale).
    scale = np.array([f["scale_mm_per_px"] or np.nan for f in frames[:n]], dtype=np.float64)
    result = {}
    for side in ("left", "right"):
        c = np.array(truth["frames"]["lid_closure"][side][:n])
        got = np.array(
            [
                f["metrics"]["palpebral_fissure_mm"][side] if f["rejected"] is None else np.nan
                for f in frames[:n]
            ]
        )
        want = _opening_truth_mm(rig, side, c) * rig.px_per_mm * scale
        result[side] = (c, got, want)
    return result


@pytest.mark.slow
def test_flaccid_recording_open_eye_never_reads_narrowed(tmp_path_factory, patient):
    rig, _ = patient
    errors = _recording_errors(tmp_path_factory, rig, "flaccid_right", "tight_eye_closure")
    for side, (c, got, want) in errors.items():
        assert np.isfinite(got).mean() >= 0.95
        is_open = c < OPEN_CLOSURE_MAX
        assert is_open.sum() >= 100
        assert np.nanmin(got[is_open] - want[is_open]) >= -OPEN_UNDER_READ_MAX_MM, side
        partial = (c > 0.2) & (c < 0.8)
        assert np.nanmean(np.abs(got[partial] - want[partial])) <= RECORDING_PARTIAL_MAE_MM, side
        closed = c >= 0.95
        if closed.any():  # the healthy (left) eye closes fully; the flaccid one cannot
            assert np.nanmedian(got[closed]) <= RECORDING_CLOSED_MEDIAN_MM
            assert np.nanpercentile(got[closed], 90) <= RECORDING_CLOSED_P90_MM
    assert (errors["left"][0] >= 0.95).any()
