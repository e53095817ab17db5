"""The main window as a user sees it: real sources, real face, real EMG, offscreen."""

import argparse

import numpy as np
import pytest

from facetrainer.capture.overlay import OverlayMode
from facetrainer.capture.video_sources import ImageSource
from facetrainer.emg.brainflow_source import SYNTHETIC_BOARD_ID, BrainFlowSource
from facetrainer.gui.main_window import MainWindow
from facetrainer.pipeline import Pipeline

FRAME_WAIT_MS = 20000


@pytest.fixture
def window(qtbot, astronaut_portrait):
    pipeline = Pipeline()
    pipeline.set_video_source(ImageSource(astronaut_portrait, fps=30))
    pipeline.add_emg_source(BrainFlowSource(SYNTHETIC_BOARD_ID))
    win = MainWindow(pipeline, argparse.Namespace())
    qtbot.addWidget(win)
    win.show()
    win.start()
    yield win
    win.close()


def test_frames_arrive_with_landmarks_and_the_emg_view_fills(qtbot, window):
    qtbot.waitUntil(lambda: window.n_frames_drawn >= 10, timeout=FRAME_WAIT_MS)
    pf = window.pipeline.processor.latest
    assert pf.face is not None and pf.face.points_px.shape == (478, 3)
    assert window.live_view.has_frame() and window.mirror_view.has_frame()
    src = window.pipeline.emg_sources[0]
    shown = window.centralWidget().widget(1)  # the EMG panel replaces the basic traces
    if shown is window.emg_view:
        qtbot.waitUntil(lambda: window.emg_view.n_refreshes_with_data > 5,
                        timeout=FRAME_WAIT_MS)
        assert window.emg_view.channel_names() == list(src.info.channel_names)
    else:
        qtbot.waitUntil(lambda: shown.n_draws > 5, timeout=FRAME_WAIT_MS)
        assert len(shown._rows) == src.info.n_channels
        assert window.emg_view.n_refreshes_with_data == 0  # hidden: it draws nothing
    qtbot.wait(1500)
    n0, t0 = src.n_samples, src.ring.get_data(1)[1][0]
    qtbot.wait(2000)
    n1, t1 = src.n_samples, src.ring.get_data(1)[1][0]
    assert (n1 - n0) / (t1 - t0) == pytest.approx(src.info.fs_hz, rel=0.2)


def test_status_bar_shows_rates_and_source_states(qtbot, window):
    qtbot.waitUntil(lambda: window.n_frames_drawn >= 10, timeout=FRAME_WAIT_MS)
    qtbot.wait(600)
    perf = window._status_perf.text()
    assert "fps" in perf and "ms/frame" in perf and "EMG 250 Hz" in perf
    assert "streaming" in window._status_sources.text()


def test_screenshot_is_not_blank_and_shows_the_overlay(qtbot, window, tmp_path):
    qtbot.waitUntil(lambda: window.n_frames_drawn >= 5, timeout=FRAME_WAIT_MS)
    window.set_overlay(OverlayMode.CONTOURS)
    qtbot.wait(300)
    path = tmp_path / "window.png"
    assert window.save_screenshot(path)
    from PySide6.QtGui import QImage

    img = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    arr = arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3)
    assert arr.std() > 20  # not blank
    # The overlay colour (80, 255, 120) appears in the live view.
    green = (arr[..., 1] > 200) & (arr[..., 0] < 140) & (arr[..., 2] < 170)
    assert green.sum() > 200, green.sum()


def test_about_states_it_is_a_training_aid(window):
    assert "training aid, not a diagnostic device" in window.about_text()


def test_bad_emg_choice_is_reported_and_the_app_keeps_running(qtbot, window):
    qtbot.waitUntil(lambda: window.n_frames_drawn >= 3, timeout=FRAME_WAIT_MS)
    window.set_emg_spec("brainflow:not-a-number")
    assert "integer board id" in window.statusBar().currentMessage()
    window.set_emg_spec("brainflow:4242")
    qtbot.waitUntil(lambda: "4242" in window._status_sources.text(), timeout=10000)
    assert "failed" in window._status_sources.text()
    n = window.n_frames_drawn
    qtbot.waitUntil(lambda: window.n_frames_drawn > n + 5, timeout=FRAME_WAIT_MS)


def test_a_consumer_that_raises_is_named_on_the_status_bar_once(qtbot):
    """A bug in a panel's frame listener: the window says which one, once, and the other
    consumers keep getting frames."""
    from types import SimpleNamespace

    from facetrainer.live.config import SessionConfig, VideoChoice
    from facetrainer.live.session_model import LiveSessionModel
    from facetrainer.live.sources import BuiltSources

    model = LiveSessionModel(SessionConfig(video=VideoChoice("none"), face_analysis=False),
                             sources=BuiltSources(None, []))  # fmt: skip
    win = MainWindow(model)
    qtbot.addWidget(win)
    shown: list[str] = []
    win.statusBar().messageChanged.connect(lambda text: text and shown.append(text))

    def panel_with_a_bug(pf):
        raise KeyError("missing measure")

    got: list[object] = []
    model.pipeline.processor.listeners.extend([panel_with_a_bug, got.append])
    frame = SimpleNamespace(frame=SimpleNamespace(timestamp_s=0.0))
    for _ in range(3):
        model.pipeline.processor.publish(frame)
    qtbot.waitUntil(lambda: any("panel_with_a_bug" in s for s in shown), timeout=5000)
    assert len(got) == 3
    assert sum("panel_with_a_bug" in s for s in shown) == 1
    assert "missing measure" in next(s for s in shown if "panel_with_a_bug" in s)
