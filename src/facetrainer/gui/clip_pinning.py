"""The therapist chooses which stored repetition patient mode shows as the model.

By default patient mode replays the patient's best rep (highest quality) of each exercise;
a therapist may prefer another one (the cleanest movement is not always the highest score).
This dialog lists a patient's stored best-rep clips per exercise, plays the selected one and
pins it (:func:`facetrainer.storage.rep_clips.pin_clip`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from facetrainer.gui.frame_view import FrameView
from facetrainer.storage.patients import list_patients
from facetrainer.storage.rep_clips import list_clips, load_clip_frames, model_clip, pin_clip


class ClipPinningDialog(QDialog):
    """Patient and exercise, their clips (newest first), a preview, "Use as the model"."""

    def __init__(self, db: Any, parent: QWidget | None = None, patient_code: str = "") -> None:
        super().__init__(parent)
        self.db = db
        self.setWindowTitle("Model repetition for home practice")
        self.resize(720, 460)
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.patient = QComboBox()
        self.patient.addItems([p.code for p in list_patients(db)])
        if patient_code:
            self.patient.setCurrentText(patient_code)
        self.exercise = QComboBox()
        row.addWidget(QLabel("Patient"))
        row.addWidget(self.patient)
        row.addWidget(QLabel("Exercise"))
        row.addWidget(self.exercise, 1)
        lay.addLayout(row)
        body = QHBoxLayout()
        self.clips = QListWidget()
        body.addWidget(self.clips, 1)
        self.preview = FrameView("Choose a repetition")
        body.addWidget(self.preview, 1)
        lay.addLayout(body, 1)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        self.pin = QPushButton("Use as the model")
        self.pin.clicked.connect(self.pin_selected)
        lay.addWidget(self.pin)
        self._ids: list[int] = []
        self._frames: list[Any] = []
        self._k = 0
        self.timer = QTimer(self)
        self.timer.setInterval(125)
        self.timer.timeout.connect(self._next_frame)
        self.patient.currentTextChanged.connect(self._load_exercises)
        self.exercise.currentTextChanged.connect(self._load_clips)
        self.clips.currentRowChanged.connect(self._preview)
        self._load_exercises()

    def _load_exercises(self) -> None:
        code = self.patient.currentText()
        names = sorted({c.exercise for c in list_clips(self.db, code)}) if code else []
        self.exercise.blockSignals(True)
        self.exercise.clear()
        self.exercise.addItems(names)
        self.exercise.blockSignals(False)
        self._load_clips()
        if not names:
            self.status.setText("No stored repetition yet: clips are kept during home practice.")

    def _load_clips(self) -> None:
        code, ex = self.patient.currentText(), self.exercise.currentText()
        self.clips.clear()
        self._ids = []
        if not code or not ex:
            return
        model = model_clip(self.db, code, ex)
        for c in list_clips(self.db, code, ex):
            when = c.created_at.strftime("%Y-%m-%d %H:%M") if c.created_at else ""
            quality = f"quality {c.quality:.0f}" if c.quality is not None else "no score"
            mark = (
                "  ← model" + (" (pinned)" if c.pinned else " (best)")
                if model and c.id == model.id
                else ""
            )
            self.clips.addItem(f"{when}  rep {c.rep_index + 1}  {quality}{mark}")
            self._ids.append(c.id)
        if self._ids:
            self.clips.setCurrentRow(0)

    def _preview(self, row: int) -> None:
        self._frames = (
            load_clip_frames(self.db, self._ids[row]) if 0 <= row < len(self._ids) else []
        )
        self._k = 0
        if self._frames:
            self.timer.start()
        else:
            self.timer.stop()
            self.preview.set_frame(None)

    def _next_frame(self) -> None:
        if self._frames:
            self.preview.set_frame(self._frames[self._k % len(self._frames)])
            self._k += 1

    def pin_selected(self) -> int | None:
        """Pin the selected clip; its id (None when nothing is selected)."""
        row = self.clips.currentRow()
        if not 0 <= row < len(self._ids):
            return None
        clip_id = self._ids[row]
        pin_clip(self.db, clip_id)
        self._load_clips()
        self.status.setText(
            f"Patient mode now shows this repetition as {self.patient.currentText()}'s model "
            f"for {self.exercise.currentText()}."
        )
        return clip_id
