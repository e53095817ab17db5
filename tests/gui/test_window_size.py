"""The therapist window fits a 1366x768 laptop screen and long messages never widen it."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

SCREEN_W, SCREEN_H = 1366, 768
TITLE_AND_TASKBAR_PX = 80  # what a desktop takes from the screen's height


@pytest.fixture
def demo_window(qtbot, tmp_path):
    from facetrainer.gui.main_window import MainWindow
    from facetrainer.live.config import SessionConfig, VideoChoice
    from facetrainer.live.session_model import LiveSessionModel

    model = LiveSessionModel(SessionConfig(video=VideoChoice("demo"), data_dir=tmp_path))
    window = MainWindow(model)
    qtbot.addWidget(window)
    yield window
    window.close()
    model.stop()  # the demo's threads must not outlive the test (native code at exit)


def test_minimum_size_fits_a_1366x768_screen(demo_window):
    hint = demo_window.minimumSizeHint()
    assert hint.width() <= SCREEN_W, hint
    assert hint.height() <= SCREEN_H - TITLE_AND_TASKBAR_PX, hint


def test_long_messages_do_not_widen_the_window(qtbot, demo_window):
    demo_window.resize(SCREEN_W, SCREEN_H - TITLE_AND_TASKBAR_PX)
    demo_window.show()
    qtbot.waitExposed(demo_window)
    qtbot.wait(200)  # the first layout pass settles the size
    width = demo_window.width()
    assert width <= SCREEN_W
    long_text = "serial device /dev/ttyUSB0: " + "skipped 12 malformed lines; " * 30
    demo_window.show_status(long_text)
    demo_window._status_sources.setText(long_text)
    demo_window.panels["emg"].message.setText(long_text)
    demo_window.panels["exercise"].cue.setText("Relax your face and look at the camera… " * 3)
    qtbot.wait(100)
    assert demo_window.width() == width
    assert demo_window.minimumSizeHint().width() <= SCREEN_W
