"""Therapist mode and patient mode are one menu item apart; --program opens patient mode."""

from __future__ import annotations

import argparse
import json

import pytest
from PySide6.QtCore import QSettings

from facetrainer.capture.video_sources import ImageSource
from facetrainer.gui.main_window import MainWindow
from facetrainer.live.config import SessionConfig, VideoChoice
from facetrainer.live.session_model import LiveSessionModel
from facetrainer.live.sources import BuiltSources
from facetrainer.pipeline import Pipeline
from facetrainer.storage import create_patient, open_database
from facetrainer.storage.programs import ProgramItem, ProgramSpec, latest_program_id

DB_OPEN_MS = 20_000


def test_patient_mode_from_the_file_menu_and_back(qtbot, tmp_path, astronaut_portrait, monkeypatch):
    url = f"sqlite:///{tmp_path / 'ft.sqlite3'}"
    db = open_database(url)
    create_patient(db, "HOME01", "right")
    program = ProgramSpec("Home A", 1, [ProgramItem("closed_smile", reps=4)], patient="HOME01")
    (tmp_path / "home.json").write_text(json.dumps(program.to_dict()))
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    settings.setValue("profile/patient_code", "HOME01")
    monkeypatch.setattr(
        "facetrainer.gui.patient_settings.AppSettings.__init__",
        lambda self, q=None: setattr(self, "q", settings),
    )
    monkeypatch.setattr(
        "facetrainer.gui.program_import.ask_with_dialog", lambda parent, code: lambda spec: True
    )
    pipeline = Pipeline()
    pipeline.set_video_source(ImageSource(astronaut_portrait, fps=30))
    args = argparse.Namespace(db=url, data_dir=str(tmp_path), program=str(tmp_path / "home.json"))
    win = MainWindow(pipeline, args)
    qtbot.addWidget(win)
    win.show()
    win.start()
    qtbot.waitUntil(lambda: win.extensions.get("patient_window") is not None, timeout=DB_OPEN_MS)
    patient = win.extensions["patient_window"]
    qtbot.addWidget(patient)
    # --program FILE: shown, confirmed, taken in for the remembered patient
    assert latest_program_id(db, "HOME01") is not None
    assert "Today: Home A" in patient.home_screen.program.text()
    assert patient.isVisible() and not win.isVisible()
    follow = win.panels["exercise"].follow_box
    assert not follow.isChecked()  # patient mode runs its own sets: no demo following
    patient.therapist_action.trigger()
    assert win.isVisible() and not patient.isVisible()
    assert follow.isChecked()  # as it was
    action = next(a for a in win.menu("File").actions() if a.text().startswith("Patient mode"))
    action.trigger()
    assert patient.isVisible() and not win.isVisible()
    patient.close()
    pipeline.stop()
    db.close()


def test_the_main_window_remembers_its_video_source_montage_and_geometry(
    qtbot, tmp_path, astronaut_portrait
):
    from PySide6.QtCore import QByteArray

    from facetrainer.capture.video_sources import VideoFileSource
    from facetrainer.gui.patient_settings import AppSettings
    from facetrainer.gui.window_memory import WindowMemory, source_from_spec, video_spec

    clip = tmp_path / "face.mp4"
    clip.write_bytes(b"not checked until it is opened")
    settings = AppSettings(QSettings(str(tmp_path / "m.ini"), QSettings.Format.IniFormat))
    pipeline = Pipeline()
    pipeline.set_video_source(ImageSource(astronaut_portrait, fps=30))
    win = MainWindow(pipeline, argparse.Namespace())
    qtbot.addWidget(win)
    memory = WindowMemory(win, settings)
    win.model.set_video_source(VideoFileSource(clip), start=False)
    win.model.set_montage("smile_eye_4ch")
    win.resize(1100, 700)
    memory.save()
    assert settings.video_source == f"video:{clip}"
    assert isinstance(settings.q.value("windows/main/geometry"), QByteArray)
    # a restart without source options (the default, "auto") takes the remembered one
    again = MainWindow(LiveSessionModel(SessionConfig(), sources=BuiltSources(None, [])))
    qtbot.addWidget(again)
    WindowMemory(again, settings).restore()
    assert video_spec(again.model.video_source) == f"video:{clip}"
    assert again.model.montage is not None and again.model.montage.name == win.model.montage.name
    # a source given on the command line wins; a vanished one is said and the default kept
    clip.unlink()
    with pytest.raises(ValueError, match="not available"):
        source_from_spec(settings.video_source)
    third = MainWindow(LiveSessionModel(SessionConfig(), sources=BuiltSources(None, [])))
    qtbot.addWidget(third)
    statuses = []
    third.show_status = lambda text, timeout_ms=8000: statuses.append(text)
    WindowMemory(third, settings).restore()
    assert statuses and "not available" in statuses[0]
    # a source the caller chose is kept (here: the demo), and scripted runs save nothing
    chosen = MainWindow(LiveSessionModel(SessionConfig(video=VideoChoice("none")),
                                         sources=BuiltSources(None, [])))  # fmt: skip
    qtbot.addWidget(chosen)
    WindowMemory(chosen, settings).restore()
    assert chosen.model.video_source is None
    scripted = MainWindow(Pipeline(), argparse.Namespace(screenshot="x.png", quit_after=1.0))
    qtbot.addWidget(scripted)
    scripted.model.set_montage(None)
    WindowMemory(scripted, settings).save()
    assert settings.montage  # unchanged by the scripted run


def test_the_therapist_pins_another_rep_as_the_model(qtbot, tmp_path):
    import datetime as dt

    import numpy as np

    from facetrainer.gui.clip_pinning import ClipPinningDialog
    from facetrainer.storage.rep_clips import model_clip, save_clip
    from facetrainer.storage.schema import Patient, Session

    db = open_database(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    create_patient(db, "HOME01", "left")
    with db.session() as s:
        pid = s.query(Patient.id).filter(Patient.code == "HOME01").scalar()
        row = Session(patient_id=pid, status="complete", started_at=dt.datetime.now(dt.UTC))
        s.add(row)
        s.flush()
        sid = row.id
    frames = [np.full((60, 80, 3), k * 40, np.uint8) for k in range(4)]
    best = save_clip(db, sid, "closed_smile", 0, 90.0, frames, 8.0)
    calmer = save_clip(db, sid, "closed_smile", 1, 70.0, frames, 8.0)
    dialog = ClipPinningDialog(db, patient_code="HOME01")
    qtbot.addWidget(dialog)
    assert dialog.exercise.currentText() == "closed_smile"
    assert dialog.clips.count() == 2 and "model (best)" in dialog.clips.item(1).text()
    qtbot.waitUntil(dialog.preview.has_frame, timeout=2000)  # the selected clip plays
    dialog.clips.setCurrentRow(0)  # the newest: rep 2, quality 70
    assert dialog.pin_selected() == calmer
    assert model_clip(db, "HOME01", "closed_smile").id == calmer != best
    assert "model (pinned)" in dialog.clips.item(0).text()
    db.close()


def test_therapist_mode_cues_are_off_by_default_and_follow_the_sets_when_on(
    qtbot, astronaut_portrait
):
    from facetrainer.exercises import events as ev
    from facetrainer.exercises.events import FeedbackEvent

    pipeline = Pipeline()
    pipeline.set_video_source(ImageSource(astronaut_portrait, fps=30))
    win = MainWindow(pipeline, argparse.Namespace())
    qtbot.addWidget(win)
    cues = win.extensions["therapist_cues"]
    played = []
    cues.player = type(
        "Rec", (), {"play_sound": lambda self, k: played.append(k), "say": lambda self, t: None}
    )()
    action = next(a for a in win.menu("Session").actions() if a.text() == "Sounded cues")
    assert not action.isChecked()
    win.model.events.feedback.emit(FeedbackEvent(ev.CUE, 1.0, {"phase": "contract", "rep": 1}))
    qtbot.wait(50)
    assert cues.requested == ["contract"] and played == []  # asked for, but silent
    action.setChecked(True)
    win.model.events.feedback.emit(FeedbackEvent(ev.PHASE, 3.0, {"phase": "hold"}))
    qtbot.waitUntil(lambda: played == ["hold"], timeout=2000)
