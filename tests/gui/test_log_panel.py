"""Help → Open log folder, and an error on a worker thread announced in the status bar."""

import argparse
import sys
import threading

import pytest

from facetrainer import app_log
from facetrainer.capture.video_sources import ImageSource
from facetrainer.gui.main_window import MainWindow
from facetrainer.pipeline import Pipeline


@pytest.fixture
def window(qtbot, astronaut_portrait, tmp_path):
    app_log.stop_logging()
    app_log.start_logging(tmp_path / "log")
    pipeline = Pipeline()
    pipeline.set_video_source(ImageSource(astronaut_portrait, fps=10))
    win = MainWindow(pipeline, argparse.Namespace())
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
    app_log.stop_logging()


def test_help_menu_opens_the_log_folder(window, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    action = next(a for a in window.menu("Help").actions() if a.text() == "Open log folder")
    action.trigger()
    from facetrainer.paths import user_log_folder

    assert opened and opened[0].toLocalFile() == str(user_log_folder())


def test_an_error_on_a_worker_thread_shows_where_the_log_is(qtbot, window):
    previous, previous_sys = threading.excepthook, sys.excepthook
    app_log.install_exception_hooks()
    try:
        t = threading.Thread(target=lambda: 1 / 0, name="worker")
        t.start()
        t.join()
    finally:
        threading.excepthook, sys.excepthook = previous, previous_sys
    qtbot.waitUntil(lambda: "ZeroDivisionError" in window.statusBar().currentMessage())
    assert "facetrainer.log" in window.statusBar().currentMessage()
