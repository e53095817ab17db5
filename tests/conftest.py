"""Shared test set-up: headless Qt, quiet MediaPipe, packaged real faces."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Keep tests away from the user's real data folder (platformdirs honours XDG_DATA_HOME).
if "FACETRAINER_TEST_KEEP_HOME" not in os.environ:
    import tempfile

    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="facetrainer-test-data-")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def astronaut_portrait() -> np.ndarray:
    """The packaged astronaut photo cropped to a 640×480 portrait (a real face)."""
    from facetrainer.capture.sample_faces import astronaut_portrait

    return astronaut_portrait()


@pytest.fixture(scope="session")
def static_tracker():
    """One MediaPipe tracker in static-image mode, shared by the session's tests."""
    from facetrainer.capture.face_tracker import FaceTracker

    tracker = FaceTracker(static_image_mode=True, max_num_faces=3)
    yield tracker
    tracker.close()
