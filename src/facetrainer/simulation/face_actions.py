"""What each facial action does to the skin: landmark displacements in millimetres.

Every action moves the landmarks of one side of the face by a smooth pattern (Gaussian
blobs around anatomical anchors, gates that keep the lower lip apart from the upper lip),
expressed in the rig's face frame: ``(lateral outward, down)`` in mm at full activation of
a healthy side. :func:`action_fields` turns these into dense displacement fields on a
coarse pixel grid (piecewise linear over the landmark triangulation, lightly smoothed),
which the renderer weights and sums every frame.

Amplitudes follow typical healthy excursions (Emotrics-style measures): brow raise 6 mm,
commissure excursion in a smile 6 mm up and out, lip depression 3–4 mm, pucker
narrowing the mouth by about a third. Eye closure itself is not a displacement field: the
lid "curtain" in :mod:`facetrainer.simulation.face_renderer` closes the eye; the fields of
``eye_closure`` and ``eye_squeeze`` only move the skin around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.interpolate import LinearNDInterpolator

from facetrainer.capture.landmarks import FACE_OVAL
from facetrainer.simulation.face_rig import SIDES, FaceRig

ACTIONS: tuple[str, ...] = (
    "brow_raise",
    "eye_closure",
    "eye_squeeze",
    "smile",
    "mouth_open",
    "snarl",
    "pucker",
    "lip_depression",
    "eee",
    "cheek_puff",
    "eye_widen",
)
"""Renderable actions; ``eye_closure`` also closes the lid curtain, ``eye_widen`` lowers the
lower lid (used for a wider eye at rest)."""

UPPER_LIP_OUTER = (185, 40, 39, 37, 0, 267, 269, 270, 409)
UPPER_LIP_INNER = (191, 80, 81, 82, 13, 312, 311, 310, 415)
LOWER_LIP_OUTER = (146, 91, 181, 84, 17, 314, 405, 321, 375)
LOWER_LIP_INNER = (95, 88, 178, 87, 14, 317, 402, 318, 324)
_SIDE_LANDMARKS: dict[
    str, dict[str, Any]
] = {  # per side: brow (upper + lower contour), brow tail, iris, lids, corner
    "right": dict(
        brow=(70, 63, 105, 66, 107, 46, 53, 52, 65, 55),
        tail=70,
        iris=468,
        upper=159,
        lower=145,
        corner=61,
    ),
    "left": dict(
        brow=(300, 293, 334, 296, 336, 276, 283, 282, 295, 285),
        tail=300,
        iris=473,
        upper=386,
        lower=374,
        corner=291,
    ),
}
BROW_RAISE_MM = 6.0  # brow lift at full activation
SMILE_CORNER_MM = (3.6, 4.8)  # mouth-corner excursion (outward, up) at full activation
LIP_DEPRESSION_MM = 5.5  # lower-lip drop beside the midline in a lip depression
# "eee" (DOMAIN.md: lower-lip depressors and risorius): the corners are pulled wide (a
# little up) and the lower lip comes down to show the lower teeth.
EEE_CORNER_MM = (5.5, 1.5)  # mouth-corner excursion (outward, up)
EEE_LOWER_LIP_MM = 4.0  # lower-lip drop beside the midline
# Larger movements look as real but MediaPipe's mesh stops following them faithfully on one
# side (its shape prior couples the halves): beyond ~7 mm the two sides of this face read
# up to 15% apart. Measured excursions are then within 0.1 of the rendered ratios.
SIDE_MASK_HALF_WIDTH_MM = 4.0  # one side's movement fades to half at the midline over this


def _gauss(u: np.ndarray, v: np.ndarray, cu: float, cv: float, ru: float, rv: float) -> np.ndarray:
    return np.exp(-0.5 * (((u - cu) / ru) ** 2 + ((v - cv) / rv) ** 2))


def _smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


@dataclass
class _Points:
    """Points (landmarks first, then helper points) in face millimetres, with lip groups."""

    u: np.ndarray
    v: np.ndarray
    upper_inner: np.ndarray
    upper_outer: np.ndarray
    lower_inner: np.ndarray
    lower_outer: np.ndarray
    below_mouth: np.ndarray  # 0..1: how much a point moves with the jaw / lower lip


class ActionModel:
    """Landmark displacement patterns of every action for one rigged face."""

    def __init__(self, rig: FaceRig) -> None:
        self.rig = rig
        uv = rig.to_face_mm(rig.points_px)
        self.uv = uv
        self.anchors = {s: self._side_anchors(uv, s) for s in SIDES}
        self.mouth_v = float(0.5 * (uv[13, 1] + uv[14, 1]))
        self.lip_gap_mm = float(max(uv[14, 1] - uv[13, 1], 0.0))
        self.v_upper_lip = float(uv[0, 1])
        self.v_lower_lip = float(uv[17, 1])
        self.v_forehead = float(uv[10, 1])
        self.v_nose = float(uv[2, 1])
        inner = np.vstack([uv[list(UPPER_LIP_INNER)], uv[list(LOWER_LIP_INNER)]])
        order = np.argsort(inner[:, 0])
        # The line between the lips: midway between the inner contours, column by column.
        up = uv[list(UPPER_LIP_INNER)]
        lo = uv[list(LOWER_LIP_INNER)]
        us = np.linspace(inner[order[0], 0], inner[order[-1], 0], 41)
        self._line_u = us
        self._line_v = 0.5 * (
            np.interp(us, *up[np.argsort(up[:, 0])].T) + np.interp(us, *lo[np.argsort(lo[:, 0])].T)
        )

    @staticmethod
    def _side_anchors(uv: np.ndarray, side: str) -> dict[str, float]:
        ids = _SIDE_LANDMARKS[side]
        sigma = -1.0 if side == "right" else 1.0
        brow = uv[list(ids["brow"])]
        return {
            "sigma": sigma,
            "brow_v": float(brow[:, 1].mean()),
            "brow_tail_l": float(sigma * uv[ids["tail"], 0]),
            "eye_u": float(uv[ids["iris"], 0]),
            "eye_v": float(uv[ids["iris"], 1]),
            "upper_v": float(uv[ids["upper"], 1]),
            "lower_v": float(uv[ids["lower"], 1]),
            "corner_u": float(uv[ids["corner"], 0]),
            "corner_v": float(uv[ids["corner"], 1]),
        }

    # -- point sets ------------------------------------------------------------------------
    def points(self, extra_uv: np.ndarray | None = None) -> _Points:
        """The landmarks (and optional helper points) with their lip-group memberships."""
        uv = self.uv if extra_uv is None else np.vstack([self.uv, extra_uv])
        n, n_lm = len(uv), len(self.uv)

        def group(ids: tuple[int, ...]) -> np.ndarray:
            m = np.zeros(n, dtype=bool)
            m[list(ids)] = True
            return m

        u, v = uv[:, 0], uv[:, 1]
        line_v = np.interp(u, self._line_u, self._line_v)
        inside = v > line_v
        inside[:n_lm] |= group(LOWER_LIP_INNER)[:n_lm] | group(LOWER_LIP_OUTER)[:n_lm]
        inside[list(UPPER_LIP_INNER + UPPER_LIP_OUTER)] = False
        corner_l = 0.5 * (
            abs(self.anchors["right"]["corner_u"]) + abs(self.anchors["left"]["corner_u"])
        )
        beyond = np.clip((np.abs(u) - corner_l) / 8.0, 0.0, 1.0)
        soft = _smoothstep(-8.0, 8.0, v - line_v)
        below = (1.0 - beyond) * inside + beyond * soft
        return _Points(
            u,
            v,
            group(UPPER_LIP_INNER),
            group(UPPER_LIP_OUTER),
            group(LOWER_LIP_INNER),
            group(LOWER_LIP_OUTER),
            below,
        )

    # -- actions ---------------------------------------------------------------------------
    def displacement_mm(self, action: str, side: str, pts: _Points) -> np.ndarray:
        """(n, 2) displacement (u, v) in mm of every point at full activation of one side."""
        a = self.anchors[side]
        sigma = a["sigma"]
        u, v = pts.u, pts.v
        lat = sigma * u
        mask = np.clip(0.5 + lat / (2 * SIDE_MASK_HALF_WIDTH_MM), 0.0, 1.0)
        out = np.zeros((len(u), 2))  # columns: lateral outward, down

        def add(weight: np.ndarray, lateral_mm: float, down_mm: float) -> None:
            out[:, 0] += weight * lateral_mm
            out[:, 1] += weight * down_mm

        eye_u, eye_v, lo_v = a["eye_u"], a["eye_v"], a["lower_v"]
        cu, cv = a["corner_u"], a["corner_v"]
        if action == "brow_raise":
            vb, vu = a["brow_v"], a["upper_v"]
            above = 1.0 - 0.65 * np.clip((vb - v) / max(vb - self.v_forehead, 1.0), 0.0, 1.0)
            between = 1.0 + (0.12 - 1.0) * np.clip((v - vb) / max(vu - vb, 1.0), 0.0, 1.0)
            lid = 0.12 * (1.0 - np.clip((v - vu) / max(lo_v - vu, 1.0), 0.0, 1.0))
            wv = np.where(v <= vb, above, np.where(v <= vu, between, lid))
            wl = 1.0 - _smoothstep(a["brow_tail_l"] + 3.0, a["brow_tail_l"] + 25.0, lat)
            add(wv * wl * mask, 0.0, -BROW_RAISE_MM)
        elif action == "eye_closure":
            add(_gauss(u, v, eye_u, lo_v + 1.5, 9.0, 3.0) * mask, 0.0, -0.8)
            add(_gauss(u, v, eye_u, a["brow_v"], 12.0, 6.0) * mask, 0.0, 0.8)
        elif action == "eye_squeeze":
            du, dv = u - eye_u, v - eye_v
            r = np.hypot(du, dv) + 1e-9
            ring = _smoothstep(4.5, 10.0, r) * (1.0 - _smoothstep(14.0, 32.0, r)) * mask
            out[:, 0] += -2.5 * ring * (du / r) * sigma
            out[:, 1] += -2.5 * ring * (dv / r)
            add(_gauss(u, v, eye_u, a["brow_v"], 14.0, 8.0) * mask, 0.0, 2.5)
            add(_gauss(u, v, eye_u, lo_v + 12.0, 12.0, 8.0) * mask, 0.0, -2.0)
            add(_gauss(u, v, eye_u, lo_v + 1.0, 9.0, 3.0) * mask, 0.0, -1.5)
        elif action == "smile":
            add(_gauss(u, v, cu, cv, 13.0, 11.0) * mask, SMILE_CORNER_MM[0], -SMILE_CORNER_MM[1])
            add(_gauss(u, v, cu + sigma * 2.0, cv - 16.0, 14.0, 12.0) * mask, 1.0, -3.0)
            add(_gauss(u, v, eye_u, lo_v + 2.0, 10.0, 3.0) * mask, 0.0, -0.9)
        elif action == "mouth_open":
            corner_l = sigma * cu
            jaw = pts.below_mouth * (1.0 - 0.6 * _smoothstep(corner_l + 5.0, corner_l + 40.0, lat))
            add(jaw * mask, 0.0, 4.0)
            upper = (1.0 - pts.below_mouth) * _gauss(u, v, 0.0, self.v_upper_lip, 18.0, 6.0)
            add(upper * mask, 0.0, -1.0)
        elif action == "snarl":
            lip = _gauss(u, v, sigma * 10.0, self.v_upper_lip - 1.0, 10.0, 7.0)
            add(lip * (1.0 - 0.85 * pts.below_mouth) * mask, 0.3, -4.0)
            add(_gauss(u, v, sigma * 16.0, self.v_nose + 2.0, 9.0, 9.0) * mask, 0.5, -2.5)
            add(_gauss(u, v, eye_u, lo_v + 10.0, 12.0, 8.0) * mask, 0.0, -1.5)
            add(_gauss(u, v, sigma * 6.0, eye_v + 8.0, 6.0, 8.0) * mask, -0.3, -1.5)
        elif action in ("pucker", "cheek_puff"):
            corner_l = sigma * cu
            narrowing = 0.4 if action == "pucker" else 0.08
            w = _gauss(u, v, 0.0, self.mouth_v, 1.25 * corner_l, 14.0) * mask
            out[:, 0] += -narrowing * np.maximum(lat, 0.0) * w
            # the smile curve of the rest pose relaxes (more in a pucker)
            relax = 3.5 if action == "pucker" else 2.0
            add(_gauss(u, v, cu, cv, 9.0, 8.0) * mask, 0.0, relax)
            # lips close over the teeth (a little past meeting: the fields are smoothed)
            close = 0.6 * self.lip_gap_mm * (np.abs(u) < corner_l) * mask
            out[:, 1] += close * (pts.upper_inner + 0.4 * pts.upper_outer)
            out[:, 1] -= close * (pts.lower_inner + 0.4 * pts.lower_outer)
            if action == "pucker":  # pouting lips roll out: fuller upper and lower lip
                pout = 1.5 * _gauss(u, v, 0.0, self.mouth_v, 0.7 * corner_l, 20.0) * mask
                out[:, 1] -= pout * pts.upper_outer
                out[:, 1] += pout * pts.lower_outer
            if action == "cheek_puff":
                add(_gauss(u, v, sigma * (corner_l + 10.0), cv - 6.0, 16.0, 16.0) * mask, 6.0, -0.5)
        elif action == "lip_depression":
            add(_gauss(u, v, cu, cv, 9.0, 8.0) * mask, 1.0, 4.0)
            lower = _gauss(u, v, sigma * 12.0, self.v_lower_lip - 2.0, 11.0, 7.0)
            add(lower * (0.1 + 0.9 * pts.below_mouth) * mask, 0.0, LIP_DEPRESSION_MM)
            add(_gauss(u, v, sigma * 15.0, self.v_lower_lip + 10.0, 14.0, 10.0) * mask, 0.0, 1.0)
        elif action == "eee":
            add(_gauss(u, v, cu, cv, 12.0, 9.0) * mask, EEE_CORNER_MM[0], -EEE_CORNER_MM[1])
            lower = _gauss(u, v, sigma * 10.0, self.v_lower_lip - 2.0, 14.0, 7.0)
            add(lower * (0.1 + 0.9 * pts.below_mouth) * mask, 0.0, EEE_LOWER_LIP_MM)
        elif action == "eye_widen":
            add(_gauss(u, v, eye_u, lo_v + 1.5, 9.0, 3.0) * mask, 0.0, 1.0)
        else:
            raise ValueError(f"unknown action {action!r} (known: {', '.join(ACTIONS)})")
        out[:, 0] *= sigma  # lateral outward → u
        return out


def _helper_points(rig: FaceRig) -> np.ndarray:
    """Rings outside the face oval (face mm): movement there fades, as skin does."""
    uv = rig.to_face_mm(rig.points_px[list(FACE_OVAL)])
    centre = uv.mean(axis=0)
    return np.vstack([centre + 1.25 * (uv - centre), centre + 1.6 * (uv - centre)])


def action_fields(
    rig: FaceRig, step_px: int, actions: tuple[str, ...] = ACTIONS, smooth_px: float = 4.0
) -> np.ndarray:
    """Dense forward displacement fields on a coarse grid.

    Parameters
    ----------
    rig : FaceRig
    step_px : int
        Grid spacing; cell ``(i, j)`` sits at pixel ``((j + 0.5) * step - 0.5, (i + 0.5) *
        step - 0.5)`` so that ``cv2.resize`` to full size lines up exactly.
    actions : tuple of str
    smooth_px : float
        Gaussian smoothing (in pixels) of the piecewise-linear fields.

    Returns
    -------
    ndarray, (len(actions), 2, Hc, Wc, 2) float32
        ``[action, side (0 right, 1 left), row, col, (dx, dy)]`` in pixels at full activation.
    """
    import cv2

    model = ActionModel(rig)
    helpers = _helper_points(rig)
    pts = model.points(helpers)
    w, h = rig.size
    border = np.array(
        [(x, y) for x in np.linspace(-step_px, w + step_px, 17) for y in (-step_px, h + step_px)]
        + [(x, y) for y in np.linspace(-step_px, h + step_px, 13) for x in (-step_px, w + step_px)]
    )
    xy = np.vstack([rig.points_px, rig.to_image_px(helpers), border])
    values = []
    for action in actions:
        for side in SIDES:
            d_px = rig.vectors_to_px(model.displacement_mm(action, side, pts))
            values.append(np.vstack([d_px, np.zeros((len(border), 2))]))
    vals = np.concatenate(values, axis=1)  # (n_points, 2 * n_fields)
    hc, wc = int(np.ceil(h / step_px)), int(np.ceil(w / step_px))
    gx = (np.arange(wc) + 0.5) * step_px - 0.5
    gy = (np.arange(hc) + 0.5) * step_px - 0.5
    gxx, gyy = np.meshgrid(gx, gy)
    dense = LinearNDInterpolator(xy, vals, fill_value=0.0)(gxx, gyy).astype(np.float32)
    sigma = smooth_px / step_px
    if sigma > 0.1:
        dense = cv2.GaussianBlur(dense.reshape(hc, wc, -1), (0, 0), sigma).reshape(dense.shape)
    fields = dense.reshape(hc, wc, len(actions), 2, 2)
    return np.ascontiguousarray(fields.transpose(2, 3, 0, 1, 4))
