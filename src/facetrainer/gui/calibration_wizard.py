"""Calibration wizard: rest baseline, then a reference contraction per muscle, each checked.

Built on the live-session model (``model.emg_streams``, ``model.pipeline``,
``model.affected_side``, ``model.set_calibration``). The plan, the checks and the result are
the core's (:mod:`facetrainer.exercises.calibration_steps`); this dialog records each step
for its duration, shows what was found, offers *Redo*, and on *Finish* applies the
calibration to the model and saves it as the calibration file of today in the patient's
folder (``<data folder>/calibrations/<patient>-<date>.json``, private).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from facetrainer.exercises.calibration_steps import (
    CalibrationStep,
    StepResult,
    calibration_from_results,
    check_contraction,
    check_rest,
    plan_calibration,
)

TICK_MS = 100


def _labels(stream: Any) -> list[str | None]:
    return [s.placement.label if s.placement is not None else None for s in stream.states()]


class CalibrationWizard(QDialog):
    """Guides the calibration; ``finished_calibration`` carries (Calibration, saved path)."""

    step_checked = Signal(object)  # StepResult
    finished_calibration = Signal(object, object)

    def __init__(self, model: Any, parent: QWidget | None = None,
                 step_s: float | None = None, folder: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Calibration")
        self.model = model
        self.step_s = step_s  # tests shorten every step
        self.folder = folder
        labels = [lab for s in model.emg_streams for lab in _labels(s)]
        self.steps: list[CalibrationStep] = plan_calibration(labels)
        self.results: dict[int, StepResult] = {}
        self.index = 0
        self._faces: dict[float, bool] = {}
        self._t_end = 0.0
        layout = QHBoxLayout(self)
        self.step_list = QListWidget()
        self.step_list.addItems([s.title for s in self.steps])
        self.step_list.setMaximumWidth(260)
        layout.addWidget(self.step_list)
        right = QVBoxLayout()
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.instruction = QLabel()
        self.instruction.setWordWrap(True)
        self.instruction.setStyleSheet("font-size: 14pt;")
        self.progress = QProgressBar()
        self.result = QPlainTextEdit()
        self.result.setReadOnly(True)
        buttons = QHBoxLayout()
        self.record_button = QPushButton("Record")
        self.record_button.clicked.connect(self.record)
        self.next_button = QPushButton("Next")
        self.next_button.clicked.connect(self.next_step)
        self.finish_button = QPushButton("Finish and save")
        self.finish_button.clicked.connect(self.finish)
        for b in (self.record_button, self.next_button, self.finish_button):
            buttons.addWidget(b)
        for w in (self.title, self.instruction, self.progress, self.result):
            right.addWidget(w)
        right.addLayout(buttons)
        layout.addLayout(right, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self.resize(820, 420)
        self._show_step()

    # -- steps -----------------------------------------------------------------------------
    @property
    def step(self) -> CalibrationStep:
        return self.steps[self.index]

    def duration_s(self, step: CalibrationStep) -> float:
        return self.step_s if self.step_s is not None else step.duration_s

    def _show_step(self) -> None:
        self.step_list.setCurrentRow(self.index)
        self.title.setText(f"Step {self.index + 1} of {len(self.steps)}: {self.step.title}")
        self.instruction.setText(self.step.instruction)
        self.progress.setValue(0)
        done = self.results.get(self.index)
        self.record_button.setText("Redo" if done is not None else "Record")
        self.next_button.setEnabled(done is not None and done.ok
                                    and self.index + 1 < len(self.steps))
        self.finish_button.setEnabled(self.index + 1 == len(self.steps) and done is not None
                                      and done.ok)

    def record(self) -> None:
        """Record this step for its duration (the patient follows the instruction)."""
        self.record_button.setEnabled(False)
        self.next_button.setEnabled(False)
        self.result.setPlainText("Recording… " + self.step.instruction)
        self._faces.clear()
        self._t_end = time.monotonic() + self.duration_s(self.step)
        self._timer.start()

    def _tick(self) -> None:
        pf = getattr(getattr(self.model.pipeline, "processor", None), "latest", None)
        if pf is not None and getattr(self.model, "video_source", None) is not None:
            self._faces[float(pf.frame.timestamp_s)] = pf.face is not None
        left = self._t_end - time.monotonic()
        total = self.duration_s(self.step)
        self.progress.setValue(int(100 * min(1.0, 1.0 - left / total)))
        if left <= 0:
            self._timer.stop()
            self._check()

    def _check(self) -> None:
        seconds = self.duration_s(self.step)
        face = (sum(self._faces.values()) / len(self._faces)) if self._faces else None
        rest = self.results.get(0)
        levels: dict[str, float] = {}
        problems: list[str] = []
        notes: list[str] = []
        for stream in self.model.emg_streams:
            env, _t = stream.get_envelope(seconds)
            raw, _t = stream.get_raw(seconds)
            labels = _labels(stream)
            if self.step.kind == "rest":
                r = check_rest(self.step, env, raw, stream.fs_hz, labels, face)
            else:
                r = check_contraction(self.step, env, raw, stream.fs_hz, labels,
                                      rest.levels_uv if rest else {},
                                      self.model.affected_side, face)
            levels.update(r.levels_uv)
            problems += [p for p in r.problems if p not in problems]
            notes += list(r.notes)
        missing = [c for c in self.step.channels if c not in levels]
        problems += [f"{c}: no data from its source" for c in missing
                     if not any(p.startswith(c) for p in problems)]
        result = StepResult(self.step, levels, tuple(problems), tuple(notes))
        self.results[self.index] = result
        lines = [f"{k}: {v:.1f} µV" for k, v in levels.items()]
        if result.ok:
            lines.insert(0, "Good." + (" Press Next." if self.index + 1 < len(self.steps)
                                       else " Press Finish and save."))
        else:
            lines = ["Please redo this step:", *[f"• {p}" for p in problems], "", *lines]
        self.result.setPlainText("\n".join(lines + [f"note: {n}" for n in notes]))
        item = self.step_list.item(self.index)
        item.setText(f"{'✓' if result.ok else '✗'} {self.step.title}")
        self.record_button.setEnabled(True)
        self._show_step()
        self.step_checked.emit(result)

    def next_step(self) -> None:
        if self.index + 1 < len(self.steps) and self.results.get(self.index, None) is not None:
            self.index += 1
            self._show_step()

    # -- result ----------------------------------------------------------------------------
    def finish(self) -> Path | None:
        """Apply the calibration to the model and save it with the patient."""
        results = [self.results[i] for i in sorted(self.results)]
        if len(results) < len(self.steps) or not all(r.ok for r in results):
            self.result.setPlainText("Every step must pass before the calibration is saved.")
            return None
        calibration = calibration_from_results(results, self.model.affected_side)
        self.model.set_calibration(calibration)
        path = self._save(calibration)
        self.result.setPlainText(f"Calibration applied ({len(calibration.channels)} channels)"
                                 + (f" and saved to {path}" if path else ""))
        self.finished_calibration.emit(calibration, path)
        return path

    def _save(self, calibration: Any) -> Path | None:
        from facetrainer.atomic_files import make_private_dir
        from facetrainer.paths import user_data_folder

        folder = self.folder or Path(getattr(self.model.config, "data_dir", None)
                                     or user_data_folder()) / "calibrations"
        code = self.model.patient_code or "no-patient"
        try:
            make_private_dir(folder)
            path = folder / f"{code}-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
            calibration.save(path)
        except OSError as exc:
            self.result.setPlainText(f"Calibration applied, but not saved: {exc}")
            return None
        return path

