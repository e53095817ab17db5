"""Sunnybrook-style and eFACE-style estimates from photo measures (always labelled)."""

from __future__ import annotations

import pytest

from facetrainer.reports.estimates import ESTIMATE_LABEL, compute_estimates

REST = {
    "brow_height_mm": 20.0,
    "palpebral_fissure_mm": 10.0,
    "commissure_excursion_mm": 30.0,
    "upper_lip_height_mm": 28.0,
    "lower_lip_height_mm": 45.0,
    "commissure_height_mm": 48.0,
}
MOVES = {  # expression -> (measure, healthy-side change in mm)
    "brow_raise": ("brow_height_mm", 6.0),
    "gentle_eye_closure": ("palpebral_fissure_mm", -8.0),
    "tight_eye_closure": ("palpebral_fissure_mm", -10.0),
    "open_smile": ("commissure_height_mm", -5.0),
    "snarl": ("upper_lip_height_mm", -4.0),
    "pucker": ("commissure_excursion_mm", -6.0),
    "eee": ("lower_lip_height_mm", 4.0),
}


def _photos(affected_gain: float, extra=None) -> dict:
    """Metrics for every photo: the left (affected) side moves affected_gain × the right."""
    photos = {"rest": {m: {"left": v, "right": v} for m, v in REST.items()}}
    for ex, (measure, delta) in MOVES.items():
        m = {k: {"left": v, "right": v} for k, v in REST.items()}
        m[measure] = {"left": REST[measure] + affected_gain * delta, "right": REST[measure] + delta}
        photos[ex] = m
    for ex, measure, side, value in extra or ():
        photos[ex][measure][side] = value
    return photos


def test_symmetric_face_scores_as_normal():
    est = compute_estimates(_photos(1.0), "left")
    sb, ef = est["sunnybrook_estimate"], est["eface_estimate"]
    assert (sb["resting"], sb["voluntary"], sb["synkinesis"], sb["composite"]) == (0, 100, 0, 100)
    assert ef["total"] == pytest.approx(100.0)
    assert est["label"] == sb["label"] == ef["label"] == ESTIMATE_LABEL


def test_half_movement_gives_mild_excursion_grades():
    est = compute_estimates(_photos(0.5), "left")
    sb, ef = est["sunnybrook_estimate"], est["eface_estimate"]
    assert set(sb["voluntary_items"].values()) == {3}  # 0.35 <= r < 0.70
    assert sb["voluntary"] == 60 and sb["composite"] == 60
    assert ef["dynamic"]["brow_elevation"] == pytest.approx(50.0)
    assert ef["dynamic_score"] == pytest.approx(50.0)


def test_eye_narrowing_in_smile_is_graded_as_synkinesis():
    # Affected eye narrows 30 % in the smile, healthy 5 %: excess 25 % -> grade 1 (<= 25).
    photos = _photos(
        1.0,
        [
            ("open_smile", "palpebral_fissure_mm", "left", 7.0),
            ("open_smile", "palpebral_fissure_mm", "right", 9.5),
        ],
    )
    sb = compute_estimates(photos, "left")["sunnybrook_estimate"]
    assert sb["synkinesis_items"]["open_smile"] == 1
    assert sb["synkinesis"] == 1 and sb["composite"] == 99
    ef = compute_estimates(photos, "left")["eface_estimate"]
    assert ef["synkinesis"]["ocular"] == pytest.approx(75.0)


def test_drooping_mouth_at_rest_counts_in_resting_symmetry():
    photos = _photos(1.0, [("rest", "commissure_height_mm", "left", 51.0)])
    assert compute_estimates(photos, "left")["sunnybrook_estimate"]["resting_items"]["mouth"] == 1


def test_side_is_found_when_not_given():
    est = compute_estimates(_photos(0.5), "none")
    assert est["affected_side_used"] == "left"


def test_missing_rest_photo_is_explained():
    est = compute_estimates({"open_smile": {}}, "left")
    assert "rest photo" in est["error"] and est["label"] == ESTIMATE_LABEL


# -- on the virtual patient's rendered face -------------------------------------------------
RENDERED_GAIN = 0.4  # the affected (left) side moves 40 % of the healthy side
RATIO_TOL = 0.12  # brow lift: measured ratio vs rendered gain (landmark noise, lid shadow)


@pytest.fixture(scope="module")
def rendered_visit(static_tracker):
    """Measures of rest and expression photos rendered by the virtual patient's face rig."""
    from facetrainer.simulation.face_renderer import FacePose, FaceRenderer
    from facetrainer.simulation.face_rig import build_rig
    from facetrainer.storage.assessment import measure_photo

    renderer = FaceRenderer(build_rig(tracker=static_tracker))
    g = RENDERED_GAIN

    def poses(left: float) -> dict:
        return {
            "rest": FacePose(),
            "brow_raise": FacePose({"brow_raise": (1.0, left)}),
            "gentle_eye_closure": FacePose({"eye_closure": (1.0, left)}, lid_closure=(1.0, left)),
            "open_smile": FacePose({"smile": (1.0, left), "mouth_open": (0.6, 0.6)}),
            "snarl": FacePose({"snarl": (1.0, left)}),
            "pucker": FacePose({"pucker": (1.0, left)}),
        }

    out = {}
    for label, left in (("paretic", g), ("healthy", 1.0)):
        metrics = {}
        for ex, pose in poses(left).items():
            m = measure_photo(renderer.render(pose), static_tracker)
            assert m["rejected"] is None, (label, ex, m["rejected"])
            metrics[ex] = m["metrics"]
        out[label] = compute_estimates(metrics, "left")
    return out


def test_rendered_paresis_lowers_the_estimates(rendered_visit):
    paretic = rendered_visit["paretic"]
    healthy = rendered_visit["healthy"]
    brow = paretic["eface_estimate"]["dynamic"]["brow_elevation"]
    assert brow == pytest.approx(100 * RENDERED_GAIN, abs=100 * RATIO_TOL)
    assert paretic["sunnybrook_estimate"]["voluntary_items"]["brow_raise"] == 3
    assert set(healthy["sunnybrook_estimate"]["voluntary_items"].values()) == {5}
    assert (
        paretic["sunnybrook_estimate"]["voluntary"]
        < healthy["sunnybrook_estimate"]["voluntary"]
        == 100
    )
    assert paretic["eface_estimate"]["dynamic_score"] < healthy["eface_estimate"]["dynamic_score"]
