"""The virtual patient's dock in the main window: live truth, restart with other settings."""

from __future__ import annotations

import argparse

import pytest

pytest.importorskip("PySide6")

FRAME_WAIT_MS = 20000


@pytest.fixture
def window(qtbot):
    from facetrainer.gui.main_window import MainWindow
    from facetrainer.pipeline import Pipeline
    from facetrainer.simulation.demo import create_demo_sources

    pipeline = Pipeline()
    video, emg = create_demo_sources(profile="synkinesis_left")
    pipeline.set_video_source(video)
    pipeline.add_emg_source(emg)
    win = MainWindow(pipeline, argparse.Namespace(face=None, profile=None))
    qtbot.addWidget(win)
    win.show()
    win.start()
    yield win
    win.close()


def test_panel_shows_what_the_patient_does_and_restarts_on_request(qtbot, window):
    panel = window.panels.get("demo")
    if panel is None:
        pytest.skip("the main window does not install facetrainer.gui.demo_panel")
    qtbot.waitUntil(lambda: window.n_frames_drawn >= 3, timeout=FRAME_WAIT_MS)
    qtbot.waitUntil(lambda: "brow_raise" in panel.doing_label.text(), timeout=FRAME_WAIT_MS)
    panel.program_box.setCurrentText("closed_smile")
    panel.reps_box.setValue(1)
    panel.profile_box.setCurrentText("flaccid_right")
    panel.restart_button.click()
    qtbot.waitUntil(lambda: "closed_smile" in panel.doing_label.text(), timeout=FRAME_WAIT_MS)
    # The first rep holds from 4.5 s to 6.5 s: the truth shows the paretic right corner.
    qtbot.waitUntil(lambda: "hold" in panel.doing_label.text(), timeout=FRAME_WAIT_MS)
    line = next(x for x in panel.truth_label.text().splitlines() if x.startswith("mouth_corner"))
    left, right = (float(v) for v in line.split(":")[1].split("/"))
    assert right == pytest.approx(0.3 * left, abs=0.05)
    src = window.pipeline.emg_sources[0]
    assert src.name.startswith("virtual patient (flaccid_right)")
