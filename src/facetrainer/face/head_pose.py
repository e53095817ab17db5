"""Head pose (yaw, pitch, roll) from the mesh's own 3-D landmarks, and the pose limits.

A geometric estimate that needs no camera model: MediaPipe gives every landmark a depth ``z``
on the same pixel scale as ``x`` (weak perspective), so the face's own axes can be read from
the mesh itself.

* **Lateral axis** ``n``: the direction of the 220 left/right mirror-pair vectors
  (principal axis of ``left − right``), pointing to the subject's left. For a frontal face it
  is the image +x axis.
* **Vertical axis** ``v``: forehead (10) → chin (152), made orthogonal to ``n``. In
  MediaPipe's canonical face model these two points lie at the same depth (within 0.7°), so
  a face looking straight at the camera has ``v`` in the image plane.
* **Forward axis** ``n × v`` points away from the camera for a frontal face.

Angles, in degrees:

* ``yaw``: ``asin(n_z)``, positive when the head turns towards the subject's left
  (the subject's left half moves away from the camera).
* ``pitch``: ``−asin(v_z)``, positive when the chin comes up (looking up).
* ``roll``: ``atan2(n_y, n_x)``, the in-plane tilt of the eye line, positive when the subject's
  left side is lower in the image (clockwise on an unmirrored image).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from facetrainer.capture.landmarks import CHIN, FOREHEAD
from facetrainer.face.mirror_pairs import mirror_pairs

_MESH_PAIRS = mirror_pairs()[:220]


@dataclass(frozen=True)
class HeadPose:
    """Head orientation in degrees (see module docstring for the conventions)."""

    yaw: float
    pitch: float
    roll: float

    def as_dict(self) -> dict[str, float]:
        return {"yaw": self.yaw, "pitch": self.pitch, "roll": self.roll}

    def __getitem__(self, key: str) -> float:
        """Mapping-style access, ``pose["yaw"]``, as in the JSON's ``head_pose_deg``."""
        if key not in ("yaw", "pitch", "roll"):
            raise KeyError(key)
        return float(getattr(self, key))


@dataclass(frozen=True)
class PoseLimits:
    """Largest |angle| (degrees) at which a frame is still measured.

    Yaw matters most: a turned head foreshortens one side. Roll is compensated by measuring
    in the face's own axes, so its limit is generous.
    """

    yaw_deg: float = 12.0
    pitch_deg: float = 20.0
    roll_deg: float = 30.0

    def __post_init__(self) -> None:
        for name in ("yaw_deg", "pitch_deg", "roll_deg"):
            value = getattr(self, name)
            if not (np.isfinite(value) and 0.0 < value <= 90.0):
                raise ValueError(f"pose limit {name} must be in (0, 90] degrees, got {value!r}")

    def accepts(self, pose: HeadPose) -> bool:
        return (
            abs(pose.yaw) <= self.yaw_deg
            and abs(pose.pitch) <= self.pitch_deg
            and abs(pose.roll) <= self.roll_deg
        )


def face_axes(points_px: np.ndarray) -> np.ndarray:
    """The face's lateral, vertical and forward unit axes in camera coordinates, (3, 3) rows.

    Parameters
    ----------
    points_px : ndarray, (478, 3)
        Landmarks: x, y in pixels and z on the same scale (:class:`FaceLandmarks.points_px`).
    """
    p = np.asarray(points_px, dtype=np.float64)
    d = p[_MESH_PAIRS[:, 1]] - p[_MESH_PAIRS[:, 0]]
    # Principal axis of the pair vectors: the eigenvector of the largest eigenvalue.
    _, vecs = np.linalg.eigh(d.T @ d)
    n = vecs[:, -1]
    if n @ d.sum(axis=0) < 0:
        n = -n
    v = p[CHIN] - p[FOREHEAD]
    v = v - (v @ n) * n
    v /= np.linalg.norm(v)
    return np.vstack([n, v, np.cross(n, v)])


def estimate_head_pose(points_px: np.ndarray) -> HeadPose:
    """Yaw, pitch and roll in degrees from one face's 3-D landmarks (see module docstring)."""
    n, v, _ = face_axes(points_px)
    yaw = np.degrees(np.arcsin(np.clip(n[2], -1.0, 1.0)))
    pitch = -np.degrees(np.arcsin(np.clip(v[2], -1.0, 1.0)))
    roll = np.degrees(np.arctan2(n[1], n[0]))
    return HeadPose(float(yaw), float(pitch), float(roll))
