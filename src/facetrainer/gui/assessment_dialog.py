"""The guided standard assessment: a cue per expression, Capture measures the newest frame
off the GUI thread, Finish stores the visit with its estimates."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from facetrainer.gui.patient_database import emit_from_worker
from facetrainer.storage import Database, StorageError


class AssessmentDialog(QDialog):
    """The guided standard assessment: a cue per expression, Capture takes the newest frame
    (measured off the GUI thread), Finish stores the visit with its estimates."""

    measured = Signal(dict)

    def __init__(
        self, db: Database, patient_code: str, pipeline: Any, parent: QWidget | None = None
    ) -> None:
        from facetrainer.storage.assessment import AssessmentCapture

        super().__init__(parent)
        self.setWindowTitle(f"Standard assessment — {patient_code}")
        self.pipeline = pipeline
        self.capture = AssessmentCapture(db, patient_code)
        self._busy = threading.Lock()
        self.saved_id: int | None = None
        lay = QVBoxLayout(self)
        self.step_label = QLabel()
        self.step_label.setWordWrap(True)
        self.result_label = QLabel("")
        self.result_label.setWordWrap(True)
        lay.addWidget(self.step_label)
        lay.addWidget(self.result_label)
        row = QHBoxLayout()
        self.capture_button = QPushButton("Capture")
        self.skip_button = QPushButton("Skip")
        self.back_button = QPushButton("Back")
        self.finish_button = QPushButton("Finish and save")
        for b in (self.back_button, self.capture_button, self.skip_button, self.finish_button):
            row.addWidget(b)
        lay.addLayout(row)
        self.capture_button.clicked.connect(self.capture_now)
        self.skip_button.clicked.connect(lambda: (self.capture.skip(), self._show_step()))
        self.back_button.clicked.connect(lambda: (self.capture.back(), self._show_step()))
        self.finish_button.clicked.connect(self.finish)
        self.measured.connect(self._on_measured)
        self._show_step()

    def _show_step(self) -> None:
        step = self.capture.current
        n = len(self.capture.steps)
        if step is None:
            self.step_label.setText("All expressions done: press Finish and save.")
            self.capture_button.setEnabled(False)
            return
        self.capture_button.setEnabled(True)
        self.step_label.setText(f"<b>{self.capture.index + 1}/{n}: {step.title}</b><br>{step.cue}")

    def capture_now(self) -> None:
        """Measure the newest frame for the current expression (in a worker thread)."""
        pf = self.pipeline.processor.latest
        if pf is None:
            self.result_label.setText("No video frame yet.")
            return
        image = pf.frame.image
        self.capture_button.setEnabled(False)
        self.result_label.setText("Measuring…")

        def work() -> None:
            with self._busy:
                try:
                    result = self.capture.capture(image)
                except Exception as exc:  # noqa: BLE001 - shown to the user
                    result = {"rejected": f"error: {exc}", "metrics": {}}
            emit_from_worker(self.measured, result)

        threading.Thread(target=work, name="assessment-capture", daemon=True).start()

    def _on_measured(self, result: dict) -> None:
        if result.get("rejected"):
            self.result_label.setText(
                f"<span style='color:#b00'>Not measured "
                f"({result['rejected']}): face the camera and retake."
                "</span>"
            )
        else:
            m = result.get("metrics", {})
            parts = [
                f"{k.replace('_mm', '')}: L {v['left']:.1f} / R {v['right']:.1f} mm"
                for k, v in m.items()
                if k.endswith("_mm")
            ][:4]
            self.result_label.setText("Measured. " + "; ".join(parts))
        self._show_step()

    def finish(self) -> None:
        try:
            with self._busy:
                self.saved_id = self.capture.finish()
        except StorageError as exc:
            self.result_label.setText(f"<span style='color:#b00'>{exc}</span>")
            return
        self.accept()
