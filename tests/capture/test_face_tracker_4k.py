"""A 4K frame is tracked at 1920x1080 and its landmarks come back in 4K pixels."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from facetrainer.capture.face_tracker import TRACKING_MAX_SIDE_PX, FaceTracker

# 4K pixels (the face spans ~1500): shrinking moves MediaPipe's landmarks by ~1 px of the
# tracked frame; measured median 1.6, largest 6.4.
MEDIAN_TOLERANCE_4K_PX = 3.0
MAX_TOLERANCE_4K_PX = 12.0


@pytest.fixture(scope="module")
def frame_4k(astronaut_portrait):
    """The portrait (640x480) blown up to 3840x2880, as a 4K camera would give it."""
    return cv2.resize(astronaut_portrait, (3840, 2880), interpolation=cv2.INTER_CUBIC)


def test_mediapipe_sees_at_most_the_tracking_size(frame_4k):
    seen = []
    with FaceTracker(static_image_mode=True) as tracker:
        real = tracker._mesh.process
        tracker._mesh.process = lambda img: seen.append(img.shape) or real(img)
        face = tracker.process(frame_4k)
    assert seen == [(1440, TRACKING_MAX_SIDE_PX, 3)]
    assert face is not None and face.image_size == (3840, 2880)


def test_landmarks_are_mapped_back_to_the_full_frame(frame_4k):
    with FaceTracker(static_image_mode=True) as shrunk:
        big = shrunk.process(frame_4k)
    with FaceTracker(static_image_mode=True, tracking_max_side_px=4000) as full:
        reference = full.process(frame_4k)  # MediaPipe given the 4K frame itself
    assert big is not None and reference is not None
    error = np.linalg.norm(big.xy - reference.xy, axis=1)
    assert np.median(error) <= MEDIAN_TOLERANCE_4K_PX
    assert error.max() <= MAX_TOLERANCE_4K_PX
    assert big.xy[:, 0].max() > 1920  # in 4K pixels, not in the tracked frame's


def test_a_tracking_size_below_64_px_is_refused():
    with pytest.raises(ValueError, match="tracking_max_side_px must be at least 64, got 10"):
        FaceTracker(tracking_max_side_px=10)
