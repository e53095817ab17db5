"""The session panel as a user drives it: record a live session, mark, recover, assess."""

from __future__ import annotations

import argparse

import pytest

from facetrainer.storage import SessionRecorder, create_patient, open_database
from facetrainer.storage.recorder import ACTIVE_SESSIONS
from facetrainer.storage.schema import Session
from facetrainer.storage.session_data import load_events, session_counts

WAIT_MS = 20000


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("FACETRAINER_DB_URL", raising=False)
    db = open_database(data_dir=tmp_path)
    create_patient(db, "P001", "left", cause="Bell's palsy")
    db.close()
    return tmp_path


def _window(qtbot, data_dir, pipeline):
    from facetrainer.gui.main_window import MainWindow

    win = MainWindow(pipeline, argparse.Namespace(data_dir=str(data_dir)))
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.panels["session"].db is not None, timeout=WAIT_MS)
    return win


@pytest.fixture
def live_window(qtbot, data_dir, astronaut_portrait):
    from facetrainer.capture.video_sources import ImageSource
    from facetrainer.emg.brainflow_source import SYNTHETIC_BOARD_ID, BrainFlowSource
    from facetrainer.pipeline import Pipeline

    pipeline = Pipeline()
    pipeline.set_video_source(ImageSource(astronaut_portrait, fps=15))
    pipeline.add_emg_source(BrainFlowSource(SYNTHETIC_BOARD_ID))
    win = _window(qtbot, data_dir, pipeline)
    win.show()
    win.start()
    yield win
    win.close()


def test_recording_from_the_panel_saves_frames_emg_and_markers(qtbot, live_window):
    panel = live_window.panels["session"]
    assert panel.patient_box.currentText() == "P001"
    assert panel.program_box.count() >= 2  # "(no program)" + the built-in program
    qtbot.waitUntil(lambda: live_window.pipeline.processor.latest is not None, timeout=WAIT_MS)
    assert panel.start_recording()
    assert live_window.model.recorder is panel.recorder
    assert panel.record_button.isChecked() and panel.record_button.text() == "Stop recording"
    rec = panel.recorder
    qtbot.waitUntil(lambda: rec.stats.emg_samples > 250 and rec.stats.frames > 5, timeout=WAIT_MS)
    panel.add_marker()
    qtbot.wait(700)
    assert "Recording session" in panel.status.text()
    panel.stop_recording()
    counts = session_counts(panel.db, rec.session_id)
    assert counts["emg_samples"] == rec.stats.emg_samples > 0 and counts["frames"] > 0
    assert [e["kind"] for e in load_events(panel.db, rec.session_id)] == ["marker"]
    with panel.db.session() as s:
        assert s.get(Session, rec.session_id).status == "complete"
        assert s.query(Session).count() == 1  # one click, one session
    panel.record_button.click()  # the button itself starts and stops too
    assert panel.recorder is not None
    panel.record_button.click()
    assert panel.recorder is None and not panel.record_button.isChecked()


def test_start_offers_to_keep_an_interrupted_session(qtbot, data_dir):
    from PySide6.QtWidgets import QMessageBox

    from facetrainer.pipeline import Pipeline

    db = open_database(data_dir=data_dir)
    rec = SessionRecorder(db, "P001")
    sid = rec.start()
    rec.detach()  # a crash: no final write, the session stays "recording"
    rec._stop.set()
    rec._thread.join(5)
    ACTIVE_SESSIONS.discard(sid)
    with db.session() as s:
        s.get(Session, sid).pid = 2**22 + 4321  # its process is gone: a crash
    win = _window(qtbot, data_dir, Pipeline())
    panel = win.panels["session"]
    qtbot.waitUntil(
        lambda: panel.recovery_box is not None and panel.recovery_box.isVisible(), timeout=WAIT_MS
    )
    assert f"session {sid} of P001" in panel.recovery_box.text()
    keep = next(
        b
        for b in panel.recovery_box.buttons()
        if panel.recovery_box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole
    )
    keep.click()
    with db.session() as s:
        assert s.get(Session, sid).status == "incomplete"
    assert "kept" in panel.status.text()
    db.close()


def test_guided_assessment_from_the_live_view(qtbot, live_window):
    from facetrainer.storage.assessment import load_assessments

    panel = live_window.panels["session"]
    qtbot.waitUntil(lambda: live_window.pipeline.processor.latest is not None, timeout=WAIT_MS)
    panel._open_assessment()
    dlg = panel.assessment_dialog
    assert "Rest" in dlg.step_label.text()
    dlg.capture_now()
    # The label follows once the measured photo's signal reaches the GUI thread.
    qtbot.waitUntil(lambda: "Brow lift" in dlg.step_label.text(), timeout=WAIT_MS)
    assert dlg.capture.index == 1 and "Measured" in dlg.result_label.text()
    dlg.finish()
    assert dlg.saved_id is not None
    [visit] = load_assessments(panel.db, "P001")
    assert [p[0] for p in visit.photos] == ["rest"]
    assert "Estimate" in visit.estimates["label"]


def test_the_panel_records_the_models_session_model_first(qtbot, data_dir):
    """Model first, then the panel on it (no window): Record starts the model's recording
    for the chosen patient, the EMG streams into it, Stop saves it."""
    from facetrainer.emg.brainflow_source import SYNTHETIC_BOARD_ID, BrainFlowSource
    from facetrainer.gui.patient_database import DatabaseHolder
    from facetrainer.gui.session_panel import SessionPanel
    from facetrainer.live.config import SessionConfig, VideoChoice
    from facetrainer.live.session_model import LiveSessionModel
    from facetrainer.live.sources import BuiltSources

    model = LiveSessionModel(
        SessionConfig(video=VideoChoice("none"), face_analysis=False, data_dir=data_dir),
        sources=BuiltSources(None, [BrainFlowSource(SYNTHETIC_BOARD_ID)]),
    )
    holder = DatabaseHolder(model)
    panel = SessionPanel(model, holder)
    qtbot.addWidget(panel)
    started = []
    model.events.recording_started.connect(started.append)
    holder.start()
    qtbot.waitUntil(lambda: panel.db is not None, timeout=WAIT_MS)
    model.start()
    try:
        panel.patient_box.setCurrentText("P001")
        assert panel.start_recording()
        assert model.recorder is not None and model.patient_code == "P001"
        assert started == [model.recorder.session_id]
        rec = model.recorder
        qtbot.waitUntil(lambda: rec.stats.emg_samples > 250, timeout=WAIT_MS)
        panel.stop_recording()
        assert model.recorder is None and "saved" in panel.status.text()
        assert session_counts(model.database, rec.session_id)["emg_samples"] > 250
    finally:
        model.stop()
