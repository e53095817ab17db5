"""The LSL menu actions as a user meets them: publishing on, streams visible, off again."""

import argparse

import pytest

from facetrainer.capture.video_sources import ImageSource
from facetrainer.emg.brainflow_source import SYNTHETIC_BOARD_ID, BrainFlowSource
from facetrainer.gui.main_window import MainWindow
from facetrainer.lsl.scope import LslSettings, configured_pylsl
from facetrainer.pipeline import Pipeline

WAIT_MS = 20000


def outlet_source_id() -> str:
    import facetrainer.lsl.scope as outlet_scope

    return outlet_scope.DEFAULT_SOURCE_ID


@pytest.fixture
def window(qtbot, astronaut_portrait, monkeypatch):
    import uuid

    import facetrainer.lsl.scope as outlet_scope

    configured_pylsl("machine")
    # a FaceTrainer running elsewhere on this machine must not be mistaken for this one
    monkeypatch.setattr(outlet_scope, "DEFAULT_SOURCE_ID", f"ft-test-window-{uuid.uuid4().hex[:8]}")
    pipeline = Pipeline()
    pipeline.set_video_source(ImageSource(astronaut_portrait, fps=30))
    pipeline.add_emg_source(BrainFlowSource(SYNTHETIC_BOARD_ID))
    win = MainWindow(pipeline, argparse.Namespace(lsl=True, lsl_scope=None))
    qtbot.addWidget(win)
    win.show()
    win.start()
    yield win
    win.extensions["lsl_control"].close()
    win.close()


def test_lsl_flag_publishes_emg_and_measures_until_switched_off(qtbot, window):
    control = window.extensions["lsl_control"]
    assert control.action.isChecked() and control.publisher is not None
    qtbot.waitUntil(lambda: control.publisher.n_emg_samples > 250, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: control.publisher.n_frames > 5, timeout=WAIT_MS)
    pylsl = configured_pylsl()
    mine = outlet_source_id()
    names = {s.name() for s in pylsl.resolve_streams(1.5) if s.source_id().startswith(mine)}
    assert {"FaceTrainer markers", "FaceTrainer face measures"} <= names
    assert any(n.startswith("FaceTrainer EMG raw") for n in names)
    control.action.setChecked(False)
    assert control.publisher is None
    # --lsl turns publishing on for this run only; the saved setting stays off.
    assert LslSettings.load().publish is False


def test_sources_menu_offers_lsl_stream_and_publishing(window):
    texts = []
    for action in window.menu("Sources").actions():
        texts.append(action.text())
        if action.menu() is not None:
            texts += [a.text() for a in action.menu().actions()]
    assert "Publish to Lab Streaming Layer" in texts
    assert "Lab Streaming Layer stream…" in texts


def test_widening_the_lsl_scope_is_an_explicit_saved_setting(window):
    control = window.extensions["lsl_control"]
    assert LslSettings.load().scope == "machine"
    link = next(a for a in control.scope_actions.actions() if "(link)" in a.text())
    link.trigger()
    assert LslSettings.load().scope == "link"
    assert "restarted" in window.statusBar().currentMessage()  # liblsl is already set up
    machine = next(a for a in control.scope_actions.actions() if "default" in a.text())
    machine.trigger()
    assert LslSettings.load().scope == "machine"


def test_a_set_started_in_the_window_reaches_the_marker_stream(qtbot, window):
    import json

    control = window.extensions["lsl_control"]
    assert control.publisher._model is window.model  # follows the model's events
    pylsl = configured_pylsl()
    (info,) = pylsl.resolve_byprop("source_id", f"{outlet_source_id()}-markers", 1, 5.0)
    inlet = pylsl.StreamInlet(info)
    inlet.open_stream(5.0)
    qtbot.wait(300)
    qtbot.waitUntil(lambda: window.pipeline.processor.latest is not None, timeout=WAIT_MS)
    window.model.start_set("brow_raise")
    docs = []

    def got_start() -> bool:
        docs.extend(json.loads(s[0]) for s in inlet.pull_chunk(0.0)[0])
        return any(d["event"] == "set_start" for d in docs)

    qtbot.waitUntil(got_start, timeout=WAIT_MS)
    window.model.stop_set()
    start = next(d for d in docs if d["event"] == "set_start")
    assert start["exercise"] == "brow_raise"
