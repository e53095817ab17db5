"""The pipeline stage: results per frame, smoothing that does not lag, neutral calibration."""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.capture.frames import VideoFrame
from facetrainer.face.live import FaceAnalysisStage
from facetrainer.face.midline import fit_midline
from facetrainer.face.smoothing import OneEuroFilter
from facetrainer.pipeline import ProcessedFrame

FPS = 30.0
MAX_LAG_FRAMES = 1.0  # issue #4: smoothing lags movement by at most one frame
MIN_NOISE_REDUCTION = 1.5  # at rest the jitter's SD shrinks at least this much


def _pf(image, face, t):
    return ProcessedFrame(
        VideoFrame(image, t, int(t * FPS)),
        face,
        fit_midline(face.xy) if face is not None else None,
        0.0,
        image,
    )


def test_one_euro_smooths_rest_and_follows_movement_within_a_frame():
    rng = np.random.default_rng(4)
    t = np.arange(0.0, 4.0, 1 / FPS)
    truth = np.clip((t - 1.5) / 0.5, 0.0, 1.0) * 8.0  # an 8 mm movement in 0.5 s
    noisy = truth + rng.normal(0.0, 0.3, t.size)
    f = OneEuroFilter()
    out = np.array([f(np.array([x]), tt)[0] for x, tt in zip(noisy, t, strict=True)])
    rest = (t > 0.3) & (t < 1.4)
    assert np.std(noisy[rest]) / np.std(out[rest]) >= MIN_NOISE_REDUCTION
    # Lag: the best time shift aligning output to truth over the movement, in frames.
    move = (t > 1.3) & (t < 2.3)
    shifts = np.arange(0, 4)
    errs = [np.mean((out[move] - np.interp(t[move] - s / FPS, t, truth)) ** 2) for s in shifts]
    assert shifts[int(np.argmin(errs))] <= MAX_LAG_FRAMES


def test_stage_stores_measures_and_calibrates(astronaut_portrait, portrait_face):
    stage = FaceAnalysisStage()
    pf = _pf(astronaut_portrait, None, 0.0)
    stage(pf)
    assert pf.results["measures"].rejected == "no_face"
    stage.start_calibration(0.5)
    assert stage.calibrating
    for i in range(1, 20):
        pf = _pf(astronaut_portrait, portrait_face, i / FPS)
        stage(pf)
    cal = stage.calibration
    assert cal is not None and not stage.calibrating
    assert cal.n_frames >= 15
    m = pf.results["measures"]
    assert m.rejected is None and set(m.head_pose_deg.as_dict()) == {"yaw", "pitch", "roll"}
    assert m.metrics["brow_height_mm"]["left"] == pytest.approx(cal.baseline[0, 0], abs=1e-6)
    assert m.excursions["brow"]["left"] == pytest.approx(0.0, abs=1e-6)
    assert m.pfn_percent["left"] == pytest.approx(0.0, abs=1e-6)
    assert m.symmetry["brow"] is None  # nothing moved


def test_pfn_and_symmetry_follow_a_narrowed_eye(
    static_tracker, astronaut_portrait, portrait_face, portrait_measures
):
    from facetrainer.face.symmetric_tracking import track_mirror_averaged

    from .warps import lower_upper_lid

    stage = FaceAnalysisStage(affected_side="left", smoothing=None)
    stage.start_calibration(0.2)
    for i in range(10):
        stage(_pf(astronaut_portrait, portrait_face, i / FPS))
    assert stage.calibration is not None
    d = portrait_face.xy[474, 0] - portrait_face.xy[476, 0]
    scale = portrait_measures.scale_mm_per_px
    narrowed = lower_upper_lid(
        astronaut_portrait,
        portrait_face.xy[473],
        portrait_face.xy[386, 1] + 0.15 * d,
        3.0 / scale,
        0.6 * d,
        0.4 * d,
        2.0 * d,
    )
    face = track_mirror_averaged(static_tracker, narrowed)
    pf = _pf(narrowed, face, 1.0)
    stage(pf)
    m = pf.results["measures"]
    rest = stage.calibration.baseline[1, 0]
    assert m.pfn_percent["left"] == pytest.approx(100 * 3.0 / rest, abs=100 * 1.0 / rest)
    assert abs(m.pfn_percent["right"]) < m.pfn_percent["left"]
    assert m.excursions["eye"]["left"] == pytest.approx(3.0, abs=1.0)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="affected_side"):
        FaceAnalysisStage(affected_side="middle")
    with pytest.raises(ValueError, match="duration_s"):
        FaceAnalysisStage().start_calibration(-1)
