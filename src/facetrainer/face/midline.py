"""The facial midline in the image, fitted from the mesh's midline points and mirror pairs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from facetrainer.capture.landmarks import MIDLINE
from facetrainer.face.mirror_pairs import mirror_pairs as _stored_pairs

_MIDLINE_IDX = np.array(MIDLINE)
_MESH_PAIRS = _stored_pairs()[:220]  # mesh pairs only (the irises move with gaze)


@dataclass(frozen=True)
class Midline:
    """A line in image coordinates: a point on it and its unit direction (pointing down)."""

    point: np.ndarray  # (2,)
    direction: np.ndarray  # (2,), unit, y component >= 0

    @property
    def normal(self) -> np.ndarray:
        """Unit normal pointing towards larger image x (the subject's left side)."""
        n = np.array([self.direction[1], -self.direction[0]])
        return n if n[0] >= 0 else -n

    def signed_distance(self, xy: np.ndarray) -> np.ndarray:
        """Distance of points from the line, positive on the subject's left (larger x)."""
        return (np.asarray(xy, dtype=np.float64) - self.point) @ self.normal

    def reflect(self, xy: np.ndarray) -> np.ndarray:
        """Mirror points across the line."""
        xy = np.asarray(xy, dtype=np.float64)
        return xy - 2.0 * self.signed_distance(xy)[..., None] * self.normal

    def reflection_matrix(self) -> np.ndarray:
        """2×3 affine matrix reflecting image coordinates across the line (for cv2.warpAffine)."""
        n = self.normal
        r = np.eye(2) - 2.0 * np.outer(n, n)
        t = 2.0 * (self.point @ n) * n
        return np.hstack([r, t[:, None]])

    def angle_deg(self) -> float:
        """Tilt of the midline from the image vertical (positive: top leans to larger x)."""
        return float(np.degrees(np.arctan2(-self.direction[0], self.direction[1])))


def fit_midline(points_xy: np.ndarray, mirror_pairs: np.ndarray | None = None) -> Midline:
    """Total-least-squares line through the midline landmarks and the midpoints of mirror pairs.

    Parameters
    ----------
    points_xy : ndarray, (478, 2)
        Landmarks in image pixels.
    mirror_pairs : ndarray, (k, 2) of int, optional
        Left/right landmark pairs whose midpoints also lie on the midline. By default the
        mesh's 220 pairs (:func:`facetrainer.face.mirror_pairs.mirror_pairs`); pass an empty
        array to fit the midline points alone.
    """
    points_xy = np.asarray(points_xy, dtype=np.float64)[:, :2]
    if mirror_pairs is None:
        mirror_pairs = _MESH_PAIRS
    pts = [points_xy[_MIDLINE_IDX]]
    if len(mirror_pairs):
        pairs = np.asarray(mirror_pairs)
        pts.append(0.5 * (points_xy[pairs[:, 0]] + points_xy[pairs[:, 1]]))
    p = np.vstack(pts)
    centre = p.mean(axis=0)
    c = p - centre
    # Principal axis of the 2×2 scatter matrix (closed form, cheaper than an SVD).
    sxx, syy, sxy = float(c[:, 0] @ c[:, 0]), float(c[:, 1] @ c[:, 1]), float(c[:, 0] @ c[:, 1])
    theta = 0.5 * np.arctan2(2.0 * sxy, sxx - syy)
    d = np.array([np.cos(theta), np.sin(theta)])
    if sxx > syy and abs(sxy) < 1e-12:
        d = np.array([1.0, 0.0])
    if d[1] < 0 or (d[1] == 0 and d[0] < 0):
        d = -d
    return Midline(centre, d)
