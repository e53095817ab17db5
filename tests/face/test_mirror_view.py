"""Mirror view: the healthy-half composite, asymmetry tint, and the panel's numbers."""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.capture.frames import VideoFrame
from facetrainer.face.live import FaceAnalysisStage, ensure_face_analysis_stage
from facetrainer.face.midline import fit_midline
from facetrainer.face.mirror_composite import (
    mirror_composite,
    region_asymmetry,
    render_mirror_view,
    tint_colour,
)
from facetrainer.pipeline import FrameProcessor, ProcessedFrame, ViewSettings

KEPT_HALF_MAX_DIFF = 0  # the kept half is the photo itself, pixel for pixel
SYMMETRY_TOL_PX = 1.5  # reflected composite: a point and its mirror see the same colour


@pytest.fixture(scope="module")
def frame(astronaut_portrait, portrait_face):
    stage = FaceAnalysisStage(smoothing=None)
    pf = ProcessedFrame(
        VideoFrame(astronaut_portrait, 0.0, 0),
        portrait_face,
        fit_midline(portrait_face.xy),
        0.0,
        astronaut_portrait,
    )
    stage(pf)
    return pf


@pytest.mark.parametrize("side", ["left", "right"])
def test_composite_keeps_one_half_and_mirrors_it(frame, side):
    rgb, ml = frame.frame.image, frame.midline
    out = mirror_composite(rgb, ml, side)
    h, w = rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    dist = ml.signed_distance(np.stack([xx, yy], axis=-1).reshape(-1, 2)).reshape(h, w)
    kept = dist > 1 if side == "left" else dist < -1
    assert np.abs(out[kept].astype(int) - rgb[kept]).max() <= KEPT_HALF_MAX_DIFF
    # A point on the replaced half shows what its mirror image on the kept half shows.
    eye = frame.face.xy[468 if side == "left" else 473]
    mirrored = ml.reflect(eye)
    a = out[int(round(eye[1])), int(round(eye[0]))].astype(int)
    b = rgb[int(round(mirrored[1])), int(round(mirrored[0]))].astype(int)
    assert np.abs(a - b).max() <= 40  # bilinear resampling of a sharp iris edge


def test_view_has_tint_and_contours_and_can_switch_them_off(frame):
    settings = ViewSettings()
    tinted = render_mirror_view(frame, settings)
    settings.mirror_tint = False  # type: ignore[attr-defined]
    settings.mirror_contours = False  # type: ignore[attr-defined]
    plain = render_mirror_view(frame, settings)
    assert tinted is not None and plain is not None
    assert np.array_equal(plain, mirror_composite(frame.frame.image, frame.midline, "left"))
    assert np.abs(tinted.astype(int) - plain).sum() > 0


def test_no_face_no_view(frame):
    pf = ProcessedFrame(frame.frame, None, None, 0.0, frame.frame.image)
    assert render_mirror_view(pf, ViewSettings()) is None


def test_asymmetry_scale_runs_green_to_red(frame):
    a = region_asymmetry(frame.results["measures"])
    assert set(a) == {"brow", "eye", "mouth_corner", "upper_lip", "lower_lip"}
    assert all(0.0 <= v <= 1.0 for v in a.values())
    g, r = tint_colour(0.0), tint_colour(1.0)
    assert g[1] > g[0] and r[0] > r[1]


def test_stage_is_registered_once():
    proc = FrameProcessor()
    a = ensure_face_analysis_stage(proc)
    b = ensure_face_analysis_stage(proc)
    assert a is b and proc.stages == [a]


def test_panel_shows_numbers_and_controls_the_view(qtbot, frame):
    from facetrainer.gui.mirror_panel import MirrorPanel

    settings = ViewSettings()
    stage = FaceAnalysisStage()
    panel = MirrorPanel(stage, settings, latest=lambda: frame)
    qtbot.addWidget(panel)
    panel.refresh()
    m = frame.results["measures"]
    left = m.metrics["brow_height_mm"]["left"]
    assert panel.table.item(0, 0).text() == f"{left:.1f}"
    assert "mm/px" in panel.status.text()
    panel.healthy_side.setCurrentText("right")
    assert settings.composite_side == "right" and stage.affected_side == "left"
    panel.tint.setChecked(False)
    assert settings.mirror_tint is False  # type: ignore[attr-defined]
    panel.calibrate_button.click()
    assert stage.calibrating and not panel.calibrate_button.isEnabled()
