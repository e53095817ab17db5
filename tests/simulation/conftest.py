"""Fixtures of the virtual-patient tests: one rig and renderer of the astronaut, shared."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def astronaut_rig(static_tracker):
    from facetrainer.simulation.face_rig import build_rig

    return build_rig(tracker=static_tracker)


@pytest.fixture(scope="session")
def renderer(astronaut_rig):
    from facetrainer.simulation.face_renderer import FaceRenderer

    return FaceRenderer(astronaut_rig)
