"""Switching between therapist mode (the main window) and patient mode, and "Export for my
therapist".

Installed like every panel (``install(window)``, in ``main_window.PANEL_MODULES``): File →
Patient mode (Ctrl+Shift+P) opens :class:`~facetrainer.gui.patient_mode.PatientWindow` full
screen on the main window's pipeline and database; its FaceTrainer → Therapist mode
(Ctrl+T) brings the main window back. ``facetrainer --patient-mode`` or
``facetrainer --program FILE`` open patient mode at start (the latter then shows the
program and asks whose it is). The mode is remembered.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QKeySequence

EXPORT_PERIODS = {"the last 30 days": 30, "the last 90 days": 90, "everything": None}


def export_for_therapist(db: Any, patient_code: str, path: Path | str, days: int | None) -> str:
    """Write the patient's sessions of the last ``days`` (None: all) as one session bundle
    (sessions with scores, measures, EMG, best-rep clips, programs); the sentence to show."""
    from facetrainer.storage.bundle import export_bundle

    since = None if days is None else dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days - 1)
    summary = export_bundle(db, patient_code, path, since=since)
    return (
        f"Saved for your therapist: {summary.sessions} practice session(s) in {summary.path} "
        f"({summary.size_bytes / 1e6:.1f} MB). Bring or send this file to your therapist."
    )


def ask_and_export(patient_window: Any) -> None:
    """The patient's dialogs: which period, where to save; the result on the home screen."""
    from PySide6.QtWidgets import QFileDialog, QInputDialog

    from facetrainer.storage.database import StorageError

    period, ok = QInputDialog.getItem(
        patient_window, "Export for my therapist", "Which practice?", list(EXPORT_PERIODS), 0,
        False,
    )  # fmt: skip
    if not ok:
        return
    name = f"{patient_window.code}-{dt.date.today().isoformat()}.ftbundle"
    path, _ = QFileDialog.getSaveFileName(
        patient_window, "Save for my therapist", str(Path.home() / name), "Bundles (*.ftbundle)"
    )
    if not path:
        return
    try:
        text = export_for_therapist(
            patient_window.db, patient_window.code, path, EXPORT_PERIODS[period]
        )
    except StorageError as exc:
        text = f"Not saved: {exc}"
    patient_window.home_screen.notices.setText(text)
    patient_window.home_screen.notices.show()


def open_patient_mode(window: Any, program_path: str | None = None, full_screen: bool = True):
    """Open patient mode over the main window's pipeline (once the database is open)."""
    from facetrainer.gui.session_panel import database_holder

    holder = database_holder(window)
    if holder.db is None:
        if holder.error:
            window.show_status(f"Patient mode needs the patient database: {holder.error}")
        else:  # opening: try again once it is ready
            holder.ready.connect(lambda _db: open_patient_mode(window, program_path, full_screen))
        return None
    existing = getattr(window, "_patient_window", None)
    if existing is not None:
        existing.showFullScreen() if full_screen else existing.show()
        window.hide()
        return existing
    patient_window = _build_patient_window(window, holder.db)
    window._patient_window = patient_window
    patient_window.therapist_mode_requested.connect(lambda: _to_therapist(window))
    patient_window.left.connect(lambda: _to_therapist(window))
    patient_window.settings.mode = "patient"
    window.hide()
    patient_window.showFullScreen() if full_screen else patient_window.show()
    if program_path:
        patient_window.offer_program(program_path)
    return patient_window


def _build_patient_window(window: Any, db: Any) -> Any:
    from facetrainer.exercises.live_set_runner import LiveSetRunner
    from facetrainer.gui.cue_player import QtCuePlayer
    from facetrainer.gui.patient_mode import PatientWindow
    from facetrainer.gui.patient_settings import AppSettings
    from facetrainer.storage.patients import get_patient

    settings = AppSettings()
    cues = settings.cue_settings("patient")
    player = QtCuePlayer(cues.volume, parent=window)

    model = window.model
    if model.database is None:  # the same database, already migrated by the holder: quick
        model.open_database()

    def make_runner() -> LiveSetRunner:
        side = get_patient(db, patient_window.code).affected_side
        model.set_affected_side(side if side in ("left", "right") else None)
        return LiveSetRunner(model)

    patient_window = PatientWindow(db, settings, make_runner, model=model, cue_player=player)
    if not player.speech_available:
        patient_window.speech_action.setText(f"Spoken cues ({player.speech_status})")
        patient_window.speech_action.setEnabled(False)
    return patient_window


def _to_therapist(window: Any) -> None:
    patient_window = getattr(window, "_patient_window", None)
    if patient_window is not None:
        patient_window.stop_practice()
        patient_window.settings.mode = "therapist"
        patient_window.hide()
    window.show()


def install(window: Any) -> None:
    action = QAction("Patient mode (home practice)", window)
    action.setShortcut(QKeySequence("Ctrl+Shift+P"))
    action.triggered.connect(lambda: open_patient_mode(window))
    window.menu("File").addAction(action)
    args = window.app_args
    program = getattr(args, "program", None)
    if program or getattr(args, "patient_mode", False):
        QTimer.singleShot(0, lambda: open_patient_mode(window, program))
