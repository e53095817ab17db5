"""Known local displacements of a real face photo (the ground truth of the measure tests)."""

from __future__ import annotations

import cv2
import numpy as np


def displace_point(
    rgb: np.ndarray,
    centre_xy: np.ndarray,
    shift_xy: np.ndarray,
    sigma_px: float | tuple[float, float],
) -> np.ndarray:
    """Move the content at ``centre_xy`` by ``shift_xy`` with a smooth Gaussian falloff.

    The inverse map is centred on the *displaced* point, so the pixel that was at
    ``centre_xy`` lands exactly at ``centre_xy + shift_xy``; far from it nothing moves.
    """
    h, w = rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    target = np.asarray(centre_xy, np.float32) + np.asarray(shift_xy, np.float32)
    sx, sy = (sigma_px, sigma_px) if np.isscalar(sigma_px) else sigma_px  # type: ignore[misc]
    g = np.exp(-0.5 * (((xx - target[0]) / sx) ** 2 + ((yy - target[1]) / sy) ** 2))
    map_x = xx - np.float32(shift_xy[0]) * g
    map_y = yy - np.float32(shift_xy[1]) * g
    return cv2.remap(rgb, map_x, map_y, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)


def lower_upper_lid(
    rgb: np.ndarray,
    iris_xy: np.ndarray,
    margin_y: float,
    shift_px: float,
    half_width_px: float,
    rigid_px: float,
    taper_px: float,
) -> np.ndarray:
    """Slide the upper lid down by ``shift_px`` over the eye, as a closing lid does.

    The lid (``rigid_px`` above its margin ``margin_y``, lashes included) moves down
    rigidly; the skin above stretches, moving less and less up to ``taper_px`` higher; the eye below the new margin is unchanged, so
    the lid covers its top: the opening shrinks by exactly ``shift_px`` (to zero when the
    shift reaches the lower lid). Laterally the shift is full within ``half_width_px`` of the
    iris centre and fades out over another half width.
    """
    h, w = rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ax = np.abs(xx - np.float32(iris_xy[0])) / np.float32(half_width_px)
    lateral = np.where(ax <= 1.0, 1.0, np.clip(1.0 - (ax - 1.0), 0.0, 1.0)).astype(np.float32)
    lateral = lateral * lateral * (3 - 2 * lateral)  # smoothstep
    d = np.float32(shift_px) * lateral
    new_margin = np.float32(margin_y) + d
    above = yy < new_margin
    t = np.clip(1.0 - (new_margin - np.float32(rigid_px) - yy) / np.float32(taper_px), 0.0, 1.0)
    map_y = np.where(above, yy - d * t, yy).astype(np.float32)
    return cv2.remap(rgb, xx, map_y, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
