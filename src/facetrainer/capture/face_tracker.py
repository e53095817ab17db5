"""Face tracking with MediaPipe Face Mesh (478 landmarks, refined irises).

The tracker takes an *unmirrored* RGB image, so landmark labels stay the subject's own.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import numpy as np

from facetrainer.capture.fit import fit_to_view
from facetrainer.capture.landmarks import N_LANDMARKS
from facetrainer.capture.mediapipe_loader import import_face_mesh


@dataclass(frozen=True)
class FaceLandmarks:
    """Landmarks of one face in one image.

    Attributes
    ----------
    points_px : ndarray, (478, 3) float64
        x, y in pixels of the unmirrored image; z in the same pixel scale
        (MediaPipe's normalised z times the image width), negative towards the camera.
    image_size : (width, height)
    n_faces : int
        Faces found in the image; when more than one, ``points_px`` is the largest.
    """

    points_px: np.ndarray
    image_size: tuple[int, int]
    n_faces: int = 1

    @property
    def xy(self) -> np.ndarray:
        return self.points_px[:, :2]

    def face_width_px(self) -> float:
        return float(np.ptp(self.points_px[:, 0]))


# Wire layout of one NormalizedLandmark with x, y, z only: 0x0a len=15, then the three
# fixed32 fields with tags 0x0d, 0x15, 0x1d. Decoding the serialised message with numpy is
# ~12x faster than reading 478×3 protobuf attributes in Python (0.013 vs 0.17 ms a frame).
_LANDMARK_BYTES = 17
_TAG_COLUMNS = np.array([0, 1, 2, 7, 12])
_TAG_VALUES = np.array([0x0A, 0x0F, 0x0D, 0x15, 0x1D], dtype=np.uint8)
_FLOAT_COLUMNS = np.array([3, 4, 5, 6, 8, 9, 10, 11, 13, 14, 15, 16])


def landmarks_to_array(landmark_list) -> np.ndarray:
    """(n, 3) float64 normalised x, y, z of a MediaPipe ``NormalizedLandmarkList``.

    Decodes the serialised message directly when every landmark has exactly x, y and z
    (MediaPipe's Face Mesh output); otherwise reads the fields one by one.
    """
    raw = np.frombuffer(landmark_list.SerializeToString(), dtype=np.uint8)
    n = len(landmark_list.landmark)
    if raw.size == n * _LANDMARK_BYTES:
        rows = raw.reshape(n, _LANDMARK_BYTES)
        if np.array_equal(rows[:, _TAG_COLUMNS], np.broadcast_to(_TAG_VALUES, (n, 5))):
            xyz = rows[:, _FLOAT_COLUMNS].copy().view("<f4").reshape(n, 3)
            return xyz.astype(np.float64)
    return np.array([(p.x, p.y, p.z) for p in landmark_list.landmark], dtype=np.float64)


TRACKING_MAX_SIDE_PX = 1920
"""Longest image side that MediaPipe is given (a 4K frame is tracked at 1920x1080)."""


def shrink_for_tracking(rgb: np.ndarray, max_side_px: int = TRACKING_MAX_SIDE_PX) -> np.ndarray:
    """``rgb`` itself, or shrunk (area-averaged) so that its longer side is ``max_side_px``."""
    h, w = rgb.shape[:2]
    size = fit_to_view((w, h), (max_side_px, max_side_px))
    if size is None:
        return rgb
    import cv2  # lazy: only for frames above the tracking size

    return np.ascontiguousarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))


class FaceTracker:
    """MediaPipe Face Mesh, ``refine_landmarks=True``.

    Parameters
    ----------
    static_image_mode : bool
        True for unrelated photos (detects in every image); False for a stream
        (tracks between frames, much faster).
    max_num_faces : int
        With more than one, the largest face is returned and ``n_faces`` says how many.
    tracking_max_side_px : int
        Images whose longer side exceeds this are shrunk to it (``cv2.INTER_AREA``) before
        MediaPipe sees them, and the landmarks come back in the full image's pixels
        (MediaPipe reports them as fractions of the image, so mapping back is exact). A
        4K frame is tracked at 1920x1080: MediaPipe's own models look at the whole frame
        at 128x128 (detector) and at the face at 192x192 (mesh), so nothing is lost,
        while copying and scanning a 4K frame costs more than shrinking it (measured in
        ``benchmarks/bench_analyze.py``).
    """

    def __init__(self, static_image_mode: bool = False, max_num_faces: int = 1,
                 min_detection_confidence: float = 0.5,
                 tracking_max_side_px: int = TRACKING_MAX_SIDE_PX) -> None:
        if tracking_max_side_px < 64:
            raise ValueError(
                f"tracking_max_side_px must be at least 64, got {tracking_max_side_px!r}"
            )
        self.tracking_max_side_px = int(tracking_max_side_px)
        os.environ.setdefault("GLOG_minloglevel", "2")  # keep MediaPipe's C++ logs quiet
        face_mesh = import_face_mesh()  # lazy: importing MediaPipe takes about a second

        self._mesh = face_mesh.FaceMesh(
            static_image_mode=static_image_mode,
            max_num_faces=max_num_faces,
            refine_landmarks=True,
            min_detection_confidence=min_detection_confidence,
            min_tracking_confidence=0.5,
        )

    def process(self, rgb: np.ndarray) -> FaceLandmarks | None:
        """Landmarks of the largest face in an RGB uint8 image, or None when there is none."""
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"rgb must be an (H, W, 3) uint8 image, got {rgb.shape} {rgb.dtype}")
        h, w = rgb.shape[:2]
        result = self._mesh.process(shrink_for_tracking(rgb, self.tracking_max_side_px))
        faces = result.multi_face_landmarks
        if not faces:
            return None
        scale = np.array([w, h, w], dtype=np.float64)
        arrays = [landmarks_to_array(face) * scale for face in faces]
        arrays = [a for a in arrays if a.shape[0] == N_LANDMARKS]
        if not arrays:
            return None
        largest = max(arrays, key=lambda a: float(np.ptp(a[:, 0]) * np.ptp(a[:, 1])))
        return FaceLandmarks(largest, (w, h), n_faces=len(arrays))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._mesh.close()

    def __enter__(self) -> FaceTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
