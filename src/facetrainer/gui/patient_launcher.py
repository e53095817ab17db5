"""Switching between therapist mode (the main window) and patient mode, and "Export for my
therapist".

Installed like every panel (``install(window)``, in ``main_window.PANEL_MODULES``): File →
Patient mode (Ctrl+Shift+P) opens :class:`~facetrainer.gui.patient_mode.PatientWindow` full
screen on the main window's pipeline and database; its FaceTrainer → Therapist mode
(Ctrl+T) brings the main window back. ``facetrainer --patient-mode`` or
``facetrainer --program FILE`` open patient mode at start (the latter then shows the
program and asks whose it is), as does a start after leaving the app in patient mode. The
main window's geometry, docks, video source and montage are remembered
(:mod:`facetrainer.gui.window_memory`).
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
    from facetrainer.gui.patient_database import database_holder

    holder = database_holder(window)
    if holder.db is None:
        if holder.error:
            window.show_status(f"Patient mode needs the patient database: {holder.error}")
        else:  # opening: try again once it is ready
            holder.ready.connect(lambda _db: open_patient_mode(window, program_path, full_screen))
        return None
    existing = window.extensions.get("patient_window")
    if existing is not None:
        existing.showFullScreen() if full_screen else existing.show()
        _pause_demo_following(window, True)
        window.hide()
        return existing
    patient_window = _build_patient_window(window, holder.db)
    window.extensions["patient_window"] = patient_window
    patient_window.therapist_mode_requested.connect(lambda: _to_therapist(window))
    patient_window.left.connect(lambda: _to_therapist(window))
    patient_window.settings.mode = "patient"
    _pause_demo_following(window, True)
    window.hide()
    patient_window.showFullScreen() if full_screen else patient_window.show()
    if program_path:
        patient_window.offer_program(program_path)
    return patient_window


def _build_patient_window(window: Any, db: Any) -> Any:
    from facetrainer.exercises.live_set_runner import LiveSetRunner
    from facetrainer.gui.cue_player import LazyCuePlayer
    from facetrainer.gui.patient_mode import PatientWindow
    from facetrainer.gui.patient_settings import AppSettings
    from facetrainer.storage.patients import get_patient

    settings = AppSettings()
    cues = settings.cue_settings("patient")

    def speech_check(built: Any) -> None:  # once the player exists (at the first cue)
        if not built.speech_available:
            patient_window.speech_action.setText(f"Spoken cues ({built.speech_status})")
            patient_window.speech_action.setEnabled(False)

    player = LazyCuePlayer(cues.volume, parent=window, on_built=speech_check)
    model = window.model
    if model.database is None:  # the same database, already migrated by the holder: quick
        model.open_database()

    def make_runner() -> LiveSetRunner:
        side = get_patient(db, patient_window.code).affected_side
        model.set_affected_side(side if side in ("left", "right") else None)
        return LiveSetRunner(model)

    patient_window = PatientWindow(db, settings, make_runner, model=model, cue_player=player)
    return patient_window


def _pause_demo_following(window: Any, pause: bool) -> None:
    """Patient mode runs its own sets: the Exercise panel's demo following (which starts
    and stops sets as the virtual patient moves) waits meanwhile, and resumes as it was."""
    panel = getattr(window, "panels", {}).get("exercise")
    box = getattr(panel, "follow_box", None)
    if box is None:
        return
    if pause:
        window.extensions["follow_was"] = box.isChecked()
        box.setChecked(False)
    elif window.extensions.get("follow_was") is not None:
        box.setChecked(window.extensions["follow_was"])
        window.extensions["follow_was"] = None


def _to_therapist(window: Any) -> None:
    patient_window = window.extensions.get("patient_window")
    if patient_window is not None:
        patient_window.stop_practice()
        patient_window.settings.mode = "therapist"
        patient_window.hide()
    _pause_demo_following(window, False)
    window.show()


def open_clip_pinning(window: Any) -> None:
    """Session → Model repetition for home practice… (the therapist pins a rep)."""
    from facetrainer.gui.clip_pinning import ClipPinningDialog
    from facetrainer.gui.patient_database import database_holder

    holder = database_holder(window)
    if holder.db is None:
        window.show_status(holder.error or "The database is still opening; try again in a moment.")
        return
    code = getattr(getattr(window, "model", None), "patient_code", None) or ""
    dialog = ClipPinningDialog(holder.db, window, code)
    dialog.show()
    window.extensions["clip_pinning"] = dialog  # keep it alive while open


def install_therapist_cues(window: Any, settings: Any) -> Any:
    """Sounded cues for the sets a therapist runs in the main window: off by default
    (Session → Sounded cues), remembered; the same cue scheduler as patient mode."""
    from facetrainer.exercises.cues import CueScheduler
    from facetrainer.gui.cue_player import LazyCuePlayer
    from facetrainer.gui.event_loop import connect_while_alive

    cues = settings.cue_settings("therapist")
    player = LazyCuePlayer(cues.volume, parent=window)

    def exercise() -> tuple[str, str]:
        ex = getattr(window.model, "exercise", None)
        return (ex.id, ex.name) if ex is not None else ("", "")

    scheduler = CueScheduler(player, cues, exercise)
    connect_while_alive(window, window.model.events.feedback, scheduler.on_event)
    action = QAction("Sounded cues", window, checkable=True)
    action.setChecked(cues.sounds)

    def toggle(on: bool) -> None:
        scheduler.settings.sounds = on
        settings.set_cue_settings("therapist", scheduler.settings)

    action.toggled.connect(toggle)
    window.menu("Session").addAction(action)
    window.extensions["therapist_cues"] = scheduler
    return scheduler


def install(window: Any) -> None:
    action = QAction("Patient mode (home practice)", window)
    action.setShortcut(QKeySequence("Ctrl+Shift+P"))
    action.triggered.connect(lambda: open_patient_mode(window))
    window.menu("File").addAction(action)
    pin = QAction("Model repetition for home practice…", window)
    pin.triggered.connect(lambda: open_clip_pinning(window))
    window.menu("Session").addAction(pin)
    from facetrainer.gui.patient_settings import AppSettings
    from facetrainer.gui.window_memory import WindowMemory

    settings = AppSettings()
    if getattr(window, "model", None) is not None:
        install_therapist_cues(window, settings)
    memory = WindowMemory(window, settings)
    QTimer.singleShot(0, memory.restore)  # after the docks are arranged
    args = window.app_args
    program = getattr(args, "program", None)
    remembered = settings.mode == "patient" and not getattr(args, "screenshot", None)
    if program or getattr(args, "patient_mode", False) or remembered:
        QTimer.singleShot(0, lambda: open_patient_mode(window, program))
