"""The GUI thread only blits: frames the workers fitted to the view are painted 1:1, and
views and panels nobody can see draw nothing (issue 14, items 1-2)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow

from facetrainer.gui.frame_view import FrameView
from facetrainer.gui.on_screen import on_screen
from facetrainer.pipeline import fit_to_view, screen_image


def _grab_rgb(view: FrameView) -> np.ndarray:
    pixmap = view.grab()
    img = pixmap.toImage().convertToFormat(QImage.Format.Format_RGB888)
    arr = np.array(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    return arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3).copy()


def test_a_fitted_frame_is_blitted_pixel_for_pixel(qtbot):
    view = FrameView()
    qtbot.addWidget(view)
    sizes = []
    view.on_resized = sizes.append  # what the window hands to the workers
    view.resize(320, 300)
    view.show()
    qtbot.waitExposed(view)
    assert sizes and sizes[-1] == view.device_size() == (320, 300)
    rgb = np.zeros((480, 640, 3), np.uint8)
    rgb[:, :320] = (200, 40, 10)
    rgb[:, 320:] = (10, 90, 220)
    view.set_frame(screen_image(rgb, view.device_size()))
    qtbot.waitUntil(lambda: view.n_frames_painted == 1, timeout=5000)
    assert view.n_frames_blitted == 1
    shown = _grab_rgb(view)
    w, h = fit_to_view((640, 480), (320, 300))
    top = (300 - h) // 2
    assert tuple(shown[top + 5, 5]) == (200, 40, 10)  # colours exact: no conversion
    assert tuple(shown[top + 5, w - 5]) == (10, 90, 220)
    assert tuple(shown[2, 160]) == (24, 26, 30)  # the letterbox


def test_an_unfitted_frame_is_still_scaled_to_the_view(qtbot):
    view = FrameView()
    qtbot.addWidget(view)
    view.resize(320, 300)
    view.show()
    qtbot.waitExposed(view)
    rgb = np.full((480, 640, 3), (0, 200, 0), np.uint8)
    view.set_frame(rgb)  # a still image, or the first frame after a resize
    qtbot.waitUntil(lambda: view.n_frames_painted == 1, timeout=5000)
    assert view.n_frames_blitted == 0
    shown = _grab_rgb(view)
    assert tuple(shown[150, 160]) == (0, 200, 0)
    assert tuple(shown[150, 2]) == (0, 200, 0)  # scaled down to the full width


def test_a_dock_behind_another_tab_is_not_on_screen(qtbot):
    win = QMainWindow()
    qtbot.addWidget(win)
    win.setCentralWidget(QLabel("centre"))
    front, back = QDockWidget("front"), QDockWidget("back")
    front.setWidget(QLabel("front panel"))
    back.setWidget(QLabel("back panel"))
    win.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, back)
    win.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, front)
    win.tabifyDockWidget(back, front)
    front.raise_()
    win.resize(800, 600)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: on_screen(front.widget()), timeout=5000)
    assert back.widget().isVisible()  # Qt still calls it visible ...
    assert not on_screen(back.widget())  # ... but nobody can see it
    back.raise_()
    qtbot.waitUntil(lambda: on_screen(back.widget()), timeout=5000)
    assert not on_screen(front.widget())
    win.showMinimized()
    qtbot.waitUntil(lambda: not on_screen(back.widget()), timeout=5000)


def test_the_window_paints_the_workers_fitted_frames(qtbot, face_image_window,
                                                    astronaut_portrait):
    """With the window shown, the live and mirror views get frames made at their size and
    paint them 1:1 (no scaling on the GUI thread)."""
    window = face_image_window
    pipeline = window.pipeline
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.live_view.n_frames_painted >= 20, timeout=60000)
    settings = pipeline.settings
    assert settings.live_view_px == window.live_view.device_size()
    assert settings.mirror_view_px == window.mirror_view.device_size()
    live = window.live_view
    assert live.n_frames_blitted >= 0.8 * live.n_frames_painted
    qtbot.waitUntil(lambda: window.mirror_view.n_frames_blitted >= 3, timeout=20000)
    mf = pipeline.mirror.latest
    fitted = fit_to_view(astronaut_portrait.shape[1::-1], settings.mirror_view_px)
    assert mf.rgb.shape[1::-1] == (fitted or astronaut_portrait.shape[1::-1])
    window.hide()  # e.g. patient mode's window is shown instead
    assert settings.live_view_px is None
    n = pipeline.processor.n_processed
    qtbot.waitUntil(lambda: pipeline.processor.n_processed > n + 2, timeout=20000)
    assert pipeline.processor.latest.screen is None  # nothing made for nobody
    window.show()
    qtbot.waitUntil(lambda: settings.live_view_px == window.live_view.device_size(),
                    timeout=5000)
