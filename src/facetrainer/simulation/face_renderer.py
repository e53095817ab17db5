"""Render a pose of the rigged face: the neutral photo warped by the active displacement fields.

Each frame is one ``cv2.remap`` of the neutral photo. The sampling map is built on a coarse
grid (the weighted sum of the precomputed action fields, inverted by a few fixed-point
steps so that a landmark moved by ``d`` really lands at ``p + d``, composed with the head's
global motion), scaled to full size, and then the eyelid "curtain" is applied inside each
eye's box at full resolution:

an eye does not close under a smooth displacement of its lid points (to the eye and to the
landmark model it stays open), so closure slides the upper lid down: the skin between the
lid crease and the lid margin is stretched down over the eye, the lash line moving with it,
and below the new lid margin the eye shows unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from facetrainer.simulation.face_actions import ACTIONS, action_fields
from facetrainer.simulation.face_rig import SIDES, EyeGeometry, FaceRig

GRID_STEP_PX = 4  # coarse grid of the displacement fields (160×120 cells at 640×480)
INVERSE_ITERATIONS = 3  # fixed-point steps inverting the forward displacement
LASH_FRACTION = 0.15  # the lash band above the lid margin moves rigidly (fraction of opening)
LID_SMOOTH_PX = 2.5  # smoothing along the lid of stretched lid skin
LID_OVERLAP_FRACTION = 0.12  # a closed lid reaches this fraction of the opening past the margin


@dataclass
class HeadMotion:
    """Rigid motion of the head in the image: shift (px), roll (deg) about the face centre."""

    dx_px: float = 0.0
    dy_px: float = 0.0
    roll_deg: float = 0.0

    def is_identity(self) -> bool:
        return self.dx_px == 0.0 and self.dy_px == 0.0 and self.roll_deg == 0.0


@dataclass
class FacePose:
    """What the face does in one frame.

    Attributes
    ----------
    weights : dict
        ``{action: (right, left)}`` field weights (1 = full healthy activation; negative
        values move the other way, e.g. a drooping brow at rest).
    lid_closure : (right, left)
        Eyelid curtain closure, 0 = open as in the photo, 1 = lash line on the lower lid.
    head : HeadMotion
    """

    weights: dict[str, tuple[float, float]] = field(default_factory=dict)
    lid_closure: tuple[float, float] = (0.0, 0.0)
    head: HeadMotion = field(default_factory=HeadMotion)


class FaceRenderer:
    """Warps a rig's neutral photo into poses; about 5 ms per 640×480 frame on one core."""

    def __init__(self, rig: FaceRig, background_rgb: tuple[int, int, int] | None = None) -> None:
        self.rig = rig
        w, h = rig.size
        self._fields = action_fields(rig, GRID_STEP_PX)  # (A, 2, Hc, Wc, 2)
        self._n_fields = self._fields.shape[0] * 2
        self._flat = self._fields.reshape(self._n_fields, -1)
        hc, wc = self._fields.shape[2:4]
        gx = (np.arange(wc, dtype=np.float32) + 0.5) * GRID_STEP_PX - 0.5
        gy = (np.arange(hc, dtype=np.float32) + 0.5) * GRID_STEP_PX - 0.5
        self._grid = np.stack(np.meshgrid(gx, gy), axis=-1).astype(np.float32)  # (Hc, Wc, 2)
        self._coarse_shape = (hc, wc)
        self._size = (w, h)
        self._index = {a: i for i, a in enumerate(ACTIONS)}
        if background_rgb is None:
            corners = np.concatenate(
                [rig.image[:8, :8].reshape(-1, 3), rig.image[:8, -8:].reshape(-1, 3)]
            )
            med = np.median(corners, axis=0)
            background_rgb = (int(med[0]), int(med[1]), int(med[2]))
        self.background_rgb: tuple[int, int, int] = background_rgb
        self._face_centre = rig.points_px.mean(axis=0)
        self._lid_image = cv2.GaussianBlur(rig.image, (0, 0), sigmaX=LID_SMOOTH_PX, sigmaY=0.6)

    # -- map building ----------------------------------------------------------------------
    def _weights_vector(self, pose: FacePose) -> np.ndarray:
        wv = np.zeros(self._n_fields, dtype=np.float32)
        for action, (right, left) in pose.weights.items():
            try:
                i = self._index[action]
            except KeyError:
                raise ValueError(f"unknown action {action!r} in pose") from None
            wv[2 * i], wv[2 * i + 1] = right, left
        return wv

    def forward_field(self, pose: FacePose) -> np.ndarray:
        """The summed forward displacement (Hc, Wc, 2) px of a pose, before head motion."""
        wv = self._weights_vector(pose)
        nz = np.flatnonzero(wv)
        hc, wc = self._coarse_shape
        if nz.size == 0:
            return np.zeros((hc, wc, 2), dtype=np.float32)
        return (wv[nz] @ self._flat[nz]).reshape(hc, wc, 2)

    def _coarse_map(self, pose: FacePose) -> tuple[np.ndarray, float]:
        """Where each coarse output cell samples the neutral photo (Hc, Wc, 2) px, and the
        largest displacement (px)."""
        target = self._grid
        if not pose.head.is_identity():
            # Output = head motion applied to the deformed face: undo it first.
            hm = pose.head
            centre = (float(self._face_centre[0]), float(self._face_centre[1]))
            m = np.asarray(cv2.getRotationMatrix2D(centre, hm.roll_deg, 1.0), dtype=np.float64)
            m[:, 2] += np.array([hm.dx_px, hm.dy_px])
            inv = cv2.invertAffineTransform(m).astype(np.float32)
            target = target @ inv[:, :2].T + inv[:, 2]
        d = self.forward_field(pose)
        if not np.any(d):
            return np.ascontiguousarray(target, dtype=np.float32), 0.0
        # Solve y + d(y) = target for y by fixed-point steps, sampling d on its grid.
        y = target - self._sample_coarse(d, target)
        for _ in range(INVERSE_ITERATIONS - 1):
            y = target - self._sample_coarse(d, y)
        return np.ascontiguousarray(y, dtype=np.float32), float(np.abs(d).max())

    @staticmethod
    def _sample_coarse(field_px: np.ndarray, xy_px: np.ndarray) -> np.ndarray:
        idx = (xy_px + 0.5) / GRID_STEP_PX - 0.5
        return cv2.remap(
            field_px,
            idx[..., 0],
            idx[..., 1],
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=(0.0, 0.0, 0.0, 0.0),
        )

    def _apply_lid(
        self,
        map_x: np.ndarray,
        map_y: np.ndarray,
        eye: EyeGeometry,
        closure: float,
        pose: FacePose,
        pad_px: int,
    ) -> tuple[tuple[int, int, int, int], np.ndarray] | None:
        """Slide the upper lid down by ``closure`` (maps changed in place in the eye's box).

        Returns the output box and the blend weight of the smoothed lid skin, or None.
        """
        x0, y0, x1, y1 = eye.box
        pad = pad_px + int(np.ceil(0.12 * max(x1 - x0, y1 - y0) * abs(pose.head.roll_deg)))
        w, h = self._size
        cx = (x0 + x1) / 2 + pose.head.dx_px
        cy = (y0 + y1) / 2 + pose.head.dy_px
        hx, hy = (x1 - x0) / 2 + pad, (y1 - y0) / 2 + pad
        ox0, ox1 = max(int(cx - hx), 0), min(int(cx + hx) + 1, w)
        oy0, oy1 = max(int(cy - hy), 0), min(int(cy + hy) + 1, h)
        if ox0 >= ox1 or oy0 >= oy1:
            return None
        sx = map_x[oy0:oy1, ox0:ox1]
        sy = map_y[oy0:oy1, ox0:ox1]
        inside = (sx >= eye.x_px[0]) & (sx <= eye.x_px[-1])
        if not inside.any():
            return None
        xs = sx[inside]
        ys = sy[inside]
        yu = np.interp(xs, eye.x_px, eye.upper_px)
        yl = np.interp(xs, eye.x_px, eye.lower_px)
        yc = np.interp(xs, eye.x_px, eye.crease_px)
        opening = yl - yu
        # Closed, the lash line rests a little below the lower lid landmarks (they sit on the
        # lid's inner edge): without the overlap a sliver of white shows under a closed lid.
        ym = yu + closure * (1.0 + LID_OVERLAP_FRACTION) * opening  # the new lid margin
        lash = np.minimum(LASH_FRACTION * eye.opening_px, 0.5 * (yu - yc))
        in_lid = (ys >= yc) & (ys <= ym)
        in_lash = in_lid & (ys >= ym - lash)
        skin_stretch = (yu - lash - yc) / np.maximum(ym - lash - yc, 1e-3)
        new_y = np.where(
            in_lash, yu - (ym - ys), np.where(in_lid, yc + (ys - yc) * skin_stretch, ys)
        )
        sy[inside] = new_y.astype(np.float32)
        # Stretched skin shows the source's column texture as streaks: blend in a copy of the
        # photo smoothed along the lid, the more the more it is stretched.
        alpha = np.zeros(sx.shape, dtype=np.float32)
        alpha[inside] = np.where(in_lid & ~in_lash, np.clip(2.0 * (1.0 - skin_stretch), 0, 1), 0)
        return (oy0, oy1, ox0, ox1), alpha

    def sampling_maps(
        self, pose: FacePose
    ) -> tuple[np.ndarray, list[tuple[tuple[int, int, int, int], np.ndarray]]]:
        """The full-resolution ``cv2.remap`` map of a pose, (H, W, 2) source x and y as one
        array (``cv2.remap`` takes it whole; splitting it cost a tenth of a frame), and
        the lid blends."""
        coarse, max_shift_px = self._coarse_map(pose)
        full = cv2.resize(coarse, self._size, interpolation=cv2.INTER_LINEAR)
        map_x = full[..., 0]  # views: the lids change them in place
        map_y = full[..., 1]
        blends = []
        pad = 4 + int(np.ceil(max_shift_px + abs(pose.head.dx_px) + abs(pose.head.dy_px)))
        for k, side in enumerate(SIDES):
            closure = float(np.clip(pose.lid_closure[k], 0.0, 1.0))
            if closure > 1e-3:
                blend = self._apply_lid(map_x, map_y, self.rig.eyes[side], closure, pose, pad)
                if blend is not None:
                    blends.append(blend)
        return full, blends

    def render(self, pose: FacePose) -> np.ndarray:
        """The RGB uint8 frame of a pose (same size as the rig's photo)."""
        maps, blends = self.sampling_maps(pose)
        out = cv2.remap(  # type: ignore[call-overload]  # map2 None: map1 holds x and y
            self.rig.image,
            maps,
            None,
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=self.background_rgb,
        )
        for (y0, y1, x0, x1), alpha in blends:
            smooth = cv2.remap(  # type: ignore[call-overload]
                self._lid_image,
                np.ascontiguousarray(maps[y0:y1, x0:x1]),
                None,
                cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REPLICATE,
            )
            a = alpha[..., None]
            region = out[y0:y1, x0:x1]
            out[y0:y1, x0:x1] = (region * (1.0 - a) + smooth * a + 0.5).astype(np.uint8)
        return out
