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


def test_view_show_latency_puts_the_delays_on_the_status_bar(qtbot, face_image_window):
    window = face_image_window
    qtbot.waitUntil(lambda: len(window.live_view.latency) >= 5, timeout=60000)
    action = next(a for a in window.menu("View").actions() if a.text() == "Show latency")
    assert "latency" not in window._status_perf.text()
    action.trigger()  # as a user ticking View → Show latency
    assert "latency video" in window._status_perf.text()
    v50, v95 = window.live_view.latency.percentiles_ms((50.0, 95.0))
    assert 0 < v50 <= v95
