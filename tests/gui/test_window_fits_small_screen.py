"""The therapist window on a 1366x768 laptop: it fits, and a long message never widens it
(issue: Start, the affected-side box and the status bar fell off a small screen)."""

import argparse

import pytest
from PySide6.QtWidgets import QLabel

from facetrainer.gui.main_window import MainWindow
from facetrainer.pipeline import Pipeline

SCREEN_W, SCREEN_H = 1366, 768
LONG = "The EMG device on /dev/ttyUSB0 stopped answering; check the cable and the battery. " * 6
FRAME_WAIT_MS = 20000


@pytest.fixture
def window(qtbot):
    from facetrainer.simulation.demo import create_demo_sources

    video, emg = create_demo_sources()
    pipeline = Pipeline()
    pipeline.set_video_source(video)
    pipeline.add_emg_source(emg)
    win = MainWindow(pipeline, argparse.Namespace())
    qtbot.addWidget(win)
    win.show()
    win.start()
    qtbot.waitUntil(lambda: win.n_frames_drawn >= 3, timeout=FRAME_WAIT_MS)
    yield win
    win.close()


def test_the_window_s_minimum_size_fits_a_1366_by_768_screen(window):
    hint = window.minimumSizeHint()
    assert hint.width() <= SCREEN_W and hint.height() <= SCREEN_H


def test_long_messages_in_the_panels_and_status_bar_do_not_widen_the_window(qtbot, window):
    window.resize(SCREEN_W - 6, SCREEN_H - 8)
    qtbot.wait(200)
    width = window.width()
    exercise = window.panels.get("exercise") or window.findChild(QLabel).parent()
    dynamic = [exercise.cue, exercise.counter, exercise.encouragement, exercise.set_summary]
    for label in dynamic:
        label.setText(LONG)
    window.show_status(LONG)
    qtbot.wait(300)
    assert window.minimumSizeHint().width() <= SCREEN_W
    assert window.width() == width
