"""The guided photo assessment on a real face: measured, stored, estimated (as estimates)."""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.storage import StorageError, UnknownPatientError
from facetrainer.storage.assessment import (
    ASSESSMENT_STEPS,
    AssessmentCapture,
    decode_png,
    load_assessments,
)

SUNNYBROOK_FIVE = {"brow_raise", "gentle_eye_closure", "open_smile", "snarl", "pucker"}
# Plausible adult ranges (mm) for the astronaut portrait's measures.
BROW_MM = (10.0, 35.0)
FISSURE_MM = (4.0, 15.0)


def test_steps_cover_rest_sunnybrook_and_eface():
    expressions = [s.expression for s in ASSESSMENT_STEPS]
    assert expressions[0] == "rest"
    assert SUNNYBROOK_FIVE <= set(expressions)
    assert {"tight_eye_closure", "eee"} <= set(expressions)  # eFACE's extra movements


def test_capture_measures_stores_and_estimates(db, patient, astronaut_portrait, static_tracker):
    cap = AssessmentCapture(db, "P001", tracker=static_tracker)
    blank = np.zeros_like(astronaut_portrait)
    refused = cap.capture(blank)
    assert refused["rejected"] == "no_face" and cap.current.expression == "rest"
    rest = cap.capture(astronaut_portrait)
    assert rest["rejected"] is None and cap.current.expression == "brow_raise"
    brow = rest["metrics"]["brow_height_mm"]
    assert BROW_MM[0] < brow["left"] < BROW_MM[1] and BROW_MM[0] < brow["right"] < BROW_MM[1]
    fissure = rest["metrics"]["palpebral_fissure_mm"]
    assert FISSURE_MM[0] < fissure["left"] < FISSURE_MM[1]
    cap.capture(astronaut_portrait)  # brow lift (the still face: no movement)
    cap.skip()
    aid = cap.finish(notes="still photo")
    [stored] = load_assessments(db, "P001")
    assert stored.assessment_id == aid
    assert [p[0] for p in stored.photos] == ["rest", "brow_raise"]
    img = decode_png(stored.photos[0][1])
    assert img.shape == astronaut_portrait.shape
    assert stored.photos[0][2]["metrics"]["brow_height_mm"]["left"] == pytest.approx(brow["left"])
    est = stored.estimates
    assert "Estimate" in est["label"]
    sb = est["sunnybrook_estimate"]
    assert "Estimate" in sb["label"] and sb["complete"] is False and sb["composite"] is None
    assert sb["resting_items"]["eye"] is not None  # from the rest photo
    # The healthy side did not move in the still "brow lift": no ratio, not a fake grade.
    assert sb["voluntary_items"]["brow_raise"] is None


def test_assessment_needs_rest_and_a_known_patient(db, patient):
    with pytest.raises(UnknownPatientError):
        AssessmentCapture(db, "P999", tracker=object())
    cap = AssessmentCapture(db, "P001", tracker=object())
    with pytest.raises(StorageError, match="rest photo"):
        cap.finish()
