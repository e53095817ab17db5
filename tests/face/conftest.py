"""Fixtures of the face-analysis tests: the astronaut portrait tracked once per module."""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.face.measures import AnalysisSettings, FaceMeasures, analyse_face
from facetrainer.face.symmetric_tracking import track_mirror_averaged


def measure(tracker, rgb: np.ndarray, settings: AnalysisSettings | None = None) -> FaceMeasures:
    """Track (mirror-averaged) and measure one photo."""
    return analyse_face(track_mirror_averaged(tracker, rgb), rgb, settings)


@pytest.fixture(scope="session")
def portrait_measures(static_tracker, astronaut_portrait) -> FaceMeasures:
    m = measure(static_tracker, astronaut_portrait)
    assert m.rejected is None
    return m


@pytest.fixture(scope="session")
def portrait_face(static_tracker, astronaut_portrait):
    face = track_mirror_averaged(static_tracker, astronaut_portrait)
    assert face is not None
    return face
