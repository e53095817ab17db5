"""Eyelids as they are: the image-refined fissure follows a lid moved by a known amount."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from facetrainer.face.eyelids import refine_lid_margins

from .conftest import measure
from .warps import lower_upper_lid

PARTIAL_TOL_MM = 1.0  # issue #4: a partly closed eye follows the truth within ±1 mm
# Nearly closed (about 2.5 mm left open) the lash line is a large part of the dark band and
# the reading is less certain: measured here within ±1.5 mm (it over-reads the narrowing).
NEARLY_CLOSED_TOL_MM = 1.5
CLOSED_MAX_MM = 1.5  # issue #4: a closed eye reads at most 1.5 mm
EYES = {"right": (468, 159), "left": (473, 386)}  # iris centre, mesh mid upper lid


def _lowered(rgb, face, scale, side, shift_mm, margin_offset_iris):
    iris_i, lid_i = EYES[side]
    d = face.xy[469, 0] - face.xy[471, 0]  # iris diameter (px), sets the lid geometry
    margin_y = face.xy[lid_i, 1] + margin_offset_iris * d
    return lower_upper_lid(
        rgb,
        face.xy[iris_i],
        margin_y,
        shift_mm / scale,
        half_width_px=0.6 * d,
        rigid_px=0.4 * d,
        taper_px=2.0 * d,
    )


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize(
    ("shift_mm", "tol_mm"),
    [(2.0, PARTIAL_TOL_MM), (4.0, PARTIAL_TOL_MM), (6.0, NEARLY_CLOSED_TOL_MM)],
)
def test_partly_closed_eye_follows_the_lid(
    static_tracker, astronaut_portrait, portrait_face, portrait_measures, side, shift_mm, tol_mm
):
    # The lid slides down from a line just inside the eye: the opening shrinks by exactly
    # shift_mm (see warps.lower_upper_lid).
    scale = portrait_measures.scale_mm_per_px
    warped = _lowered(astronaut_portrait, portrait_face, scale, side, shift_mm, 0.15)
    m = measure(static_tracker, warped)
    name = "palpebral_fissure_mm"
    change = portrait_measures.metrics[name][side] - m.metrics[name][side]
    assert change == pytest.approx(shift_mm, abs=tol_mm)


@pytest.mark.parametrize("side", ["left", "right"])
def test_closed_eye_reads_near_zero(
    static_tracker, astronaut_portrait, portrait_face, portrait_measures, side
):
    # The lid, lashes included, comes down past the lower lid: nothing of the eye is left.
    scale = portrait_measures.scale_mm_per_px
    warped = _lowered(astronaut_portrait, portrait_face, scale, side, 14.0, -0.05)
    m = measure(static_tracker, warped)
    assert m.metrics["palpebral_fissure_mm"][side] <= CLOSED_MAX_MM
    other = "left" if side == "right" else "right"
    assert m.metrics["palpebral_fissure_mm"][other] > 5.0


# A bright spot inside the eye (a catch-light on the pupil, a lighter iris) must not be taken
# for a lid margin: on the virtual patient it made an open eye read half its opening.
CATCH_LIGHT_MARGIN_TOL_IRIS = 0.1  # margins move by at most this much (iris diameters)


def _synthetic_eye(catch_light: bool) -> np.ndarray:
    img = np.full((200, 200, 3), 180, np.uint8)  # skin
    cv2.ellipse(img, (100, 100), (30, 10), 0, 0, 360, (35, 35, 35), -1)  # the open eye
    if catch_light:  # wider than the grey opening removes, just below the eye's centre
        cv2.circle(img, (100, 103), 5, (160, 160, 160), -1)
    return cv2.GaussianBlur(img, (0, 0), 1.0)


def test_catch_light_inside_the_eye_is_not_a_lid_margin():
    iris_px = 20.0
    args = (np.array([100.0, 100.0]), np.array([0.0, 1.0]), iris_px, -9.0, 9.0)
    plain = refine_lid_margins(_synthetic_eye(False), *args)
    lit = refine_lid_margins(_synthetic_eye(True), *args)
    assert plain.opening_px > 0.7 * 20.0  # the plain eye reads open (20 px band minus lashes)
    tol = CATCH_LIGHT_MARGIN_TOL_IRIS * iris_px
    assert lit.upper_px == pytest.approx(plain.upper_px, abs=tol)
    assert lit.lower_px == pytest.approx(plain.lower_px, abs=tol)
