"""Mirror-averaged tracking for still photos: left and right treated exactly alike.

MediaPipe's network is not mirror-equivariant: the landmarks of a flipped photo are not the
flipped landmarks of the photo. For photos (analysed once, no real-time budget) the face is
tracked in the image and in its mirror image, the second set is flipped back and relabelled
with the mirror pairs, and the two are averaged. The mirrored photo then gives exactly the
mirrored landmarks, so every left/right measure swaps exactly, and the network's own
left/right bias cancels.
"""

from __future__ import annotations

import numpy as np

from facetrainer.capture.face_tracker import FaceLandmarks, FaceTracker
from facetrainer.face.mirror_pairs import mirror_permutation

_PERM = mirror_permutation()


def mirror_landmarks(points_px: np.ndarray, width: int) -> np.ndarray:
    """Landmarks of the horizontally flipped image: x mirrored, left/right labels swapped."""
    p = np.array(points_px, dtype=np.float64)
    p[:, 0] = (width - 1) - p[:, 0]
    return p[_PERM]


def track_mirror_averaged(tracker: FaceTracker, rgb: np.ndarray) -> FaceLandmarks | None:
    """Track ``rgb`` and its mirror image and average (None if either finds no face).

    ``tracker`` should be in static-image mode (the two images are unrelated frames).
    """
    a = tracker.process(rgb)
    if a is None:
        return None
    b = tracker.process(np.ascontiguousarray(rgb[:, ::-1]))
    if b is None:
        return a
    w = rgb.shape[1]
    back = mirror_landmarks(b.points_px, w)
    if np.linalg.norm(back[1, :2] - a.points_px[1, :2]) > 0.2 * a.face_width_px():
        return a  # the two runs picked different faces (several in the photo)
    return FaceLandmarks(0.5 * (a.points_px + back), a.image_size, max(a.n_faces, b.n_faces))
