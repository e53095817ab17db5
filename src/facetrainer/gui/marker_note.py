"""Marker with a note during a recording: press M, type (or not), Enter.

The marker's time is taken when M is pressed, not when the note is confirmed, so typing
does not move it. The note goes with the marker into the session
(``recorder.record_event("marker", t_s, note=...)``); the status bar confirms it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from facetrainer import clock
from facetrainer.storage.markers import MARKER_KIND, MAX_NOTE_CHARS

MARKER_SHORTCUT = "M"


def active_recorder(window: Any) -> Any | None:
    """The recorder of the session being recorded (live-session model, else Session panel)."""
    model = getattr(window, "model", None)
    recorder = getattr(model, "recorder", None) if model is not None else None
    if recorder is None:
        panel = getattr(window, "session_panel", None)
        recorder = getattr(panel, "recorder", None)
    return recorder if getattr(recorder, "session_id", None) is not None else None


class MarkerNoteDialog(QDialog):
    """Asks for an optional note for a marker placed at ``t_s``."""

    def __init__(self, t_s: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Marker")
        self.t_s = t_s
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Marker at {t_s:.1f} s. Note (optional):"))
        self.note = QLineEdit()
        self.note.setMaxLength(MAX_NOTE_CHARS)
        self.note.setPlaceholderText("e.g. eye narrowed during the smile")
        layout.addWidget(self.note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def place_marker(window: Any, note: str | None = None) -> float | None:
    """Place a marker now; ask for its note unless ``note`` is given. Returns its time (s).

    Without a recording the status bar says why nothing was placed.
    """
    recorder = active_recorder(window)
    if recorder is None:
        window.show_status("No marker placed: start recording first (markers belong to a session).")
        return None
    t_s = clock.now() - recorder.t0
    if note is None:
        dialog = MarkerNoteDialog(t_s, window)
        window.extensions["marker_dialog"] = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted:
            window.show_status(f"Marker at {t_s:.1f} s not placed.")
            return None
        note = dialog.note.text()
    note = note.strip()
    recorder.record_event(MARKER_KIND, t_s, note=note)
    window.show_status(f"Marker placed at {t_s:.1f} s" + (f": {note}" if note else "") + ".")
    return t_s
