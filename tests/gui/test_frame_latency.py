"""The live view records each frame's capture-to-paint delay when it paints it."""

from __future__ import annotations

import numpy as np

from facetrainer import clock
from facetrainer.gui.frame_view import FrameView

CAPTURE_AGE_S = 0.030
PAINT_SLACK_S = 2.0  # the paint follows within an event-loop pass; slack for a loaded machine


def test_a_painted_frame_adds_its_age_once(qtbot):
    view = FrameView()
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.set_frame(np.zeros((48, 64, 3), np.uint8), captured_s=clock.now() - CAPTURE_AGE_S)
    qtbot.waitUntil(lambda: len(view.latency) == 1, timeout=5000)
    view.repaint()  # painting the same frame again adds nothing
    qtbot.wait(50)
    assert len(view.latency) == 1
    (p50,) = view.latency.percentiles_ms((50.0,))
    assert CAPTURE_AGE_S * 1000 <= p50 <= (CAPTURE_AGE_S + PAINT_SLACK_S) * 1000
    view.set_frame(np.zeros((48, 64, 3), np.uint8))  # no stamp: not counted
    view.repaint()
    qtbot.wait(50)
    assert len(view.latency) == 1
