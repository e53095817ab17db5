"""Making images smaller to fit a box, aspect ratio kept (never larger): the one size rule
for the live views' screen images (:mod:`facetrainer.pipeline`), frames too large to track
(:func:`facetrainer.capture.face_tracker.shrink_for_tracking`) and practice clips
(:func:`facetrainer.storage.rep_clips.downscale`)."""

from __future__ import annotations

import numpy as np


def fit_to_view(size_wh: tuple[int, int], view_px: tuple[int, int] | None
                ) -> tuple[int, int] | None:
    """The size (w, h) an image of ``size_wh`` is shown at in a box of ``view_px`` with its
    aspect ratio kept, when that is smaller than the image (never larger); None otherwise
    (also for no box or an empty one)."""
    if not view_px or view_px[0] <= 0 or view_px[1] <= 0:
        return None
    w, h = size_wh
    scale = min(view_px[0] / w, view_px[1] / h)
    if scale >= 1.0:
        return None
    return max(1, round(w * scale)), max(1, round(h * scale))


def shrink(image: np.ndarray, size_wh: tuple[int, int]) -> np.ndarray:
    """``image`` made smaller to ``size_wh`` without aliasing: averaged over whole blocks
    of pixels first (OpenCV's fast integer-factor area resize), then linearly to the exact
    size. OpenCV's area resize at a non-integer factor costs 10x more (2.0 vs 0.2 ms for
    640x480 to 277x208)."""
    import cv2  # lazy: the size rule above is imported where OpenCV is not yet needed

    h, w = image.shape[:2]
    k = int(min(w / size_wh[0], h / size_wh[1]))
    if k >= 2 and w % k == 0 and h % k == 0:
        image = cv2.resize(image, (w // k, h // k), interpolation=cv2.INTER_AREA)
    if image.shape[1] == size_wh[0] and image.shape[0] == size_wh[1]:
        return image
    return cv2.resize(image, size_wh, interpolation=cv2.INTER_LINEAR)
