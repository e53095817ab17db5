"""Honest source state: a dead EMG stream is greyed with the reason, never shown ACTIVE;
a dead video source greys the face with the reason; EMG reconnects in one click."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from facetrainer.source_health import STALE_AFTER_S

LABELS = ("zygomaticus_major/left", "zygomaticus_major/right", "frontalis/left",
          "frontalis/right")


@pytest.mark.filterwarnings("ignore::facetrainer.emg.filters.EmgFilterWarning")
def test_a_failing_emg_source_is_greyed_with_its_reason_within_a_second(qtbot, scripted_model):
    from facetrainer.gui.emg_panel import EmgPanel

    model, source = scripted_model(LABELS)
    panel = EmgPanel(model)
    qtbot.addWidget(panel)
    panel.show()
    source.levels[:] = 200.0  # contracting: the labels say ACTIVE while it streams
    qtbot.waitUntil(lambda: bool(panel._rows) and "ACTIVE" in panel._rows[0].text.toPlainText(),
                    timeout=10000)

    t0 = time.monotonic()
    source.broken = "cable pulled"
    qtbot.waitUntil(lambda: "no signal" in panel._rows[0].text.toPlainText(), timeout=5000)
    assert time.monotonic() - t0 <= STALE_AFTER_S + 0.5
    texts = [r.text.toPlainText() for r in panel._rows]
    assert all("no signal: disconnected: cable pulled" in t for t in texts)
    assert not any("ACTIVE" in t for t in texts)
    assert "Reconnect EMG" in panel.message.text()


def test_a_dead_video_source_greys_the_face_with_the_reason(qtbot):
    from types import SimpleNamespace

    from facetrainer import clock
    from facetrainer.gui.frame_view import FrameView
    from facetrainer.gui.main_window import MainWindow
    from facetrainer.source_status import SourceState, SourceStatus

    live, mirror = FrameView(), FrameView()
    for v in (live, mirror):
        qtbot.addWidget(v)
        v.set_frame(np.full((48, 64, 3), 200, np.uint8))
    camera = SimpleNamespace(status=SourceStatus("camera 0", SourceState.STREAMING))
    host = SimpleNamespace(pipeline=SimpleNamespace(processor=SimpleNamespace(source=camera)),
                           live_view=live, mirror_view=mirror)
    frame = SimpleNamespace(frame=SimpleNamespace(timestamp_s=clock.now()))
    MainWindow._show_video_health(host, frame)
    assert live.dead_reason == ""
    camera.status = SourceStatus("camera 0", SourceState.DISCONNECTED, "camera 0 unplugged")
    MainWindow._show_video_health(host, frame)
    assert live.dead_reason == mirror.dead_reason == "disconnected: camera 0 unplugged"
    picture = live.grab().toImage()
    centre = picture.pixelColor(picture.width() // 2, picture.height() // 4)
    assert centre.red() < 120  # the grey overlay over the bright frame


def test_reconnect_emg_rebuilds_the_last_connection_in_one_click(qtbot, tmp_path, monkeypatch):
    from facetrainer.emg.connection import ConnectionSettings
    from facetrainer.gui import workspace_panel
    from facetrainer.gui.connection_memory import ConnectionMemory

    store = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    monkeypatch.setattr(workspace_panel, "_settings_store", lambda: store)
    ConnectionMemory(store).remember(ConnectionSettings(board="SYNTHETIC_BOARD"))
    applied, statuses = [], []
    window = type("W", (), {})()
    window.replace_emg_sources = applied.append
    window.show_status = statuses.append
    workspace_panel.reconnect_emg(window)
    assert [s.board_id for s in applied[0]] == [-1]
    assert statuses[-1].startswith("EMG reconnected: Synthetic")
