"""The window's patient database (opened by the live-session model off the GUI thread) as Qt
signals, and the new-patient dialog.

:func:`database_holder` gives every panel the same :class:`DatabaseHolder`: ``ready(db)`` /
``failed(message)`` once the model's database is open, ``patients_changed`` when a panel
added a patient or program.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QWidget,
)

from facetrainer.gui.event_loop import connect_while_alive
from facetrainer.live.config import SessionConfig, VideoChoice
from facetrainer.live.session_model import LiveSessionModel
from facetrainer.live.sources import BuiltSources


def storage_config_from_namespace(args: argparse.Namespace) -> SessionConfig:
    """The storage choices (``--db``, ``--data-dir``) of a namespace, no sources."""
    data_dir = getattr(args, "data_dir", None)
    return SessionConfig(
        video=VideoChoice("none"),
        face_analysis=False,
        db_url=getattr(args, "db", None),
        data_dir=Path(data_dir) if data_dir else None,
    )


def emit_from_worker(signal: Any, *args: Any) -> None:
    """Emit from a worker thread; the receiver may have been closed meanwhile (ignored)."""
    try:
        signal.emit(*args)
    except RuntimeError:  # "Internal C++ object already deleted": the window went away
        pass


class DatabaseHolder(QObject):
    """The model's database for Qt panels: ``ready`` or ``failed`` (on the GUI thread)."""

    ready = Signal(object)  # Database
    failed = Signal(str)
    patients_changed = Signal()  # a panel added a patient or program: lists reload

    def __init__(self, model: LiveSessionModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.db: Any = None
        self.error: str | None = None
        self._started = False

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        if self.model.database is not None:
            self._on_ready(self.model.database)
            return
        connect_while_alive(self, self.model.events.database_ready, self._on_ready)
        connect_while_alive(self, self.model.events.database_failed, self._on_failed)
        self.model.open_database_async()

    def _on_ready(self, db: Any) -> None:
        if self.db is None:
            self.db, self.error = db, None
            self.ready.emit(db)

    def _on_failed(self, message: str) -> None:
        self.error = message
        self.failed.emit(message)


def database_holder(window: Any) -> DatabaseHolder:
    """The window's shared :class:`DatabaseHolder` (created and started on first use)."""
    holder = getattr(window, "_facetrainer_db_holder", None)
    if holder is None:
        model = getattr(window, "model", None)
        if model is None:  # a host without a live session (a dialog's test window)
            args = getattr(window, "app_args", None) or argparse.Namespace()
            model = LiveSessionModel(
                storage_config_from_namespace(args), sources=BuiltSources(None, [])
            )
        holder = DatabaseHolder(model, window)
        window._facetrainer_db_holder = holder
        holder.start()
    return holder


class PatientDialog(QDialog):
    """A new patient: pseudonymous code, affected side, cause, onset date, notes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New patient")
        form = QFormLayout(self)
        self.code = QLineEdit()
        self.code.setPlaceholderText("pseudonym, e.g. P014 (never a name)")
        self.side = QComboBox()
        self.side.addItems(["left", "right", "both", "none"])
        self.cause = QLineEdit()
        self.onset = QDateEdit(QDate.currentDate())
        self.onset.setCalendarPopup(True)
        self.notes = QLineEdit()
        for label, w in (
            ("Code", self.code),
            ("Affected side", self.side),
            ("Cause", self.cause),
            ("Onset", self.onset),
            ("Notes", self.notes),
        ):
            form.addRow(label, w)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict[str, Any]:
        return {
            "code": self.code.text().strip(),
            "affected_side": self.side.currentText(),
            "cause": self.cause.text().strip(),
            "onset_date": self.onset.date().toString("yyyy-MM-dd"),
            "notes": self.notes.text().strip(),
        }
