"""Calibration wizard: rest baseline, then a reference contraction per muscle and per face
region, each checked.

Built on the live-session model (``model.emg_streams``, ``model.pipeline``,
``model.video_source``, ``model.affected_side``, ``model.set_calibration``). The plan, the
checks and the result are the core's (:mod:`facetrainer.exercises.calibration_steps`,
:mod:`facetrainer.exercises.calibration_video`); this dialog records each step for its
duration (EMG from the streams' rings, video by listening to the processed frames), shows
what was found, offers *Redo*, and on *Finish* applies the calibration to the model and
saves it as the calibration file of today in the patient's folder
(``<data folder>/calibrations/<patient>-<date>.json``, private).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
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

from facetrainer import clock
from facetrainer.exercises.activation import (
    ActivationTable,
    load_activation_table,
    read_region_values,
)
from facetrainer.exercises.anatomy import MUSCLE_OF_REGION, MUSCLES, SIDES
from facetrainer.exercises.calibration_steps import (
    CalibrationStep,
    StepResult,
    calibration_from_results,
    check_contraction,
    check_rest,
    plan_calibration,
)
from facetrainer.exercises.calibration_video import (
    NOSE_TIP,
    VideoWindow,
    check_video_contraction,
    check_video_rest,
    region_keys,
)
from facetrainer.source_status import SourceState

TICK_MS = 100
MIN_EMG_COVERAGE = 0.5  # of a step's duration: less means the source stopped delivering


def _labels(stream: Any) -> list[str | None]:
    """Each channel's ``muscle/side``: its montage placement, else a channel already named
    so (the virtual patient's and LSL streams'); None for an unplaced channel."""
    return [s.placement.label if s.placement is not None
            else s.name if _is_muscle_side(s.name) else None for s in stream.states()]


def _is_muscle_side(name: str) -> bool:
    muscle, _, side = name.partition("/")
    return muscle in MUSCLES and side in SIDES


class CalibrationWizard(QDialog):
    """Guides the calibration; ``finished_calibration`` carries (Calibration, saved path)."""

    step_checked = Signal(object)  # StepResult
    recording_started = Signal(object)  # CalibrationStep: the patient is asked to do it now
    finished_calibration = Signal(object, object)

    def __init__(self, model: Any, parent: QWidget | None = None,
                 step_s: float | None = None, folder: Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Calibration")
        self.model = model
        self.step_s = step_s  # tests shorten every step
        self.folder = folder
        labels = [lab for s in model.emg_streams for lab in _labels(s)]
        self.table: ActivationTable | None = None
        regions: list[str] = []
        if (getattr(model, "video_source", None) is not None
                and getattr(getattr(model, "config", None), "face_analysis", True)):
            self.table = load_activation_table()
            regions = [r for r in self.table.regions if r in MUSCLE_OF_REGION]
        self.steps: list[CalibrationStep] = plan_calibration(labels, regions)
        self.results: dict[int, StepResult] = {}
        self.index = 0
        self._frames: list[tuple[Any, Any, Any, Any]] = []  # (face, measures, xy, midline)
        self._frames_lock = threading.Lock()
        self._listening = False
        self._landmark_scale: float | None = None  # mm/px, frozen at the rest baseline
        self._t_start = 0.0  # app clock (facetrainer.clock), to select this step's samples
        self._t_end = 0.0
        layout = QHBoxLayout(self)
        self.step_list = QListWidget()
        self.step_list.addItems([s.title for s in self.steps])
        self.step_list.setFixedWidth(340)  # titles name a muscle and its face region
        layout.addWidget(self.step_list)
        right = QVBoxLayout()
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.title.setWordWrap(True)
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
        self.resize(1000, 440)
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
        done = self.results.get(self.index)
        self.progress.setValue(0 if done is None else 100)
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
        with self._frames_lock:
            self._frames.clear()
        listeners = self.model.pipeline.processor.listeners
        if self.table is not None and self._on_frame not in listeners:
            listeners.append(self._on_frame)  # (again, if the pipeline dropped it)
            self._listening = True
        self._t_start = clock.now()
        self._t_end = time.monotonic() + self.duration_s(self.step)
        self._timer.start()
        self.recording_started.emit(self.step)

    def _on_frame(self, pf: Any) -> None:
        """Processing thread: keep what the video checks read (light work only)."""
        face = pf.face
        item = (face is not None, pf.results.get("measures"),
                face.xy if face is not None else None, pf.midline)
        with self._frames_lock:
            self._frames.append(item)

    def _stop_listening(self) -> None:
        if self._listening:
            listeners = self.model.pipeline.processor.listeners
            if self._on_frame in listeners:
                listeners.remove(self._on_frame)
            self._listening = False

    def _tick(self) -> None:
        left = self._t_end - time.monotonic()
        total = self.duration_s(self.step)
        self.progress.setValue(int(100 * min(1.0, 1.0 - left / total)))
        if left <= 0:
            self._timer.stop()
            self._stop_listening()
            self._check()

    def _video_window(self) -> VideoWindow | None:
        """This step's frames as the core's checks read them (None without video)."""
        if self.table is None:
            return None
        with self._frames_lock:
            frames = list(self._frames)
        scales = np.array([float(getattr(m, "scale_mm_per_px", None) or np.nan)
                           if m is not None else np.nan for _f, m, _xy, _ml in frames])
        if self.step.kind == "rest" and np.isfinite(scales).any():
            self._landmark_scale = float(np.nanmedian(scales))  # frozen for later steps
        keys = region_keys(self.table)
        values = np.full((len(frames), len(keys)), np.nan)
        nose = np.full((len(frames), 2), np.nan)
        for i, (found, measures, xy, midline) in enumerate(frames):
            if not found:
                continue
            values[i] = read_region_values(measures, self.table, xy, midline,
                                           self._landmark_scale)
            nose[i] = np.asarray(xy)[NOSE_TIP, :2]
        return VideoWindow(keys, np.array([f[0] for f in frames], dtype=bool), values, nose,
                           scales)

    def _check(self) -> None:
        window = self._video_window()
        face = window.face_fraction if window is not None else None
        problems: list[str] = []
        if window is not None and face is None:  # not one processed frame: the camera
            problems.append(self._no_video())
            window = None
        rest = self.results.get(0)
        levels: dict[str, float] = {}
        notes: list[str] = []
        for stream in self.model.emg_streams:
            env, t = stream.get_envelope(None)
            raw, t_raw = stream.get_raw(None)
            env, raw = env[:, t >= self._t_start], raw[:, t_raw >= self._t_start]
            labels = _labels(stream)
            if not self._covered(t[t >= self._t_start]):
                problems += self._no_emg(stream, labels)
                continue
            if self.step.kind == "rest":
                r = check_rest(self.step, env, raw, stream.fs_hz, labels, face)
            else:
                r = check_contraction(self.step, env, raw, stream.fs_hz, labels,
                                      rest.levels_uv if rest else {},
                                      self.model.affected_side, face)
            levels.update(r.levels_uv)
            problems += [p for p in r.problems if p not in problems]
            notes += list(r.notes)
        video: dict[str, float] = {}
        if window is not None and self.table is not None and self.step.regions:
            if self.step.kind == "rest":
                video, vp = check_video_rest(self.step.regions, window, self.table)
            else:
                video, vp, vn = check_video_contraction(
                    self.step.regions, window, self.table,
                    rest.video_levels_mm if rest else {}, self.model.affected_side)
                notes += vn
            problems += [p for p in vp if p not in problems]
        missing = [c for c in self.step.channels if c not in levels]
        problems += [f"{c}: no data from its source" for c in missing
                     if not any(p.startswith(c) for p in problems)]
        result = StepResult(self.step, levels, tuple(problems), tuple(notes), video)
        self.results[self.index] = result
        affected = f"/{self.model.affected_side}"
        lines = [f"{k}: {v:.1f} µV" + (" (affected side)" if k.endswith(affected) else "")
                 for k, v in levels.items()]
        lines += [f"{k}: {v:.1f} mm" + (" at rest" if self.step.kind == "rest" else " moved")
                  + (" (affected side)" if k.endswith(affected) else "")
                  for k, v in video.items()]
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

    def _covered(self, t: np.ndarray) -> bool:
        """Whether samples arrived over most of the step (a stopped source leaves a gap)."""
        seconds = self.duration_s(self.step)
        return t.size > 1 and float(t[-1] - t[0]) >= MIN_EMG_COVERAGE * seconds

    def _no_video(self) -> str:
        """The problem of a step during which the camera delivered no frame."""
        source = self.model.video_source
        status = source.status if source is not None else None
        why = (f"{status.state.value}: {status.message}" if status is not None and status.message
               else status.state.value if status is not None else "gone")
        name = source.name if source is not None else "the camera"
        return (f"no video during this step — {name} {why}. Reconnect the camera (Sources), "
                "then Redo")

    def _no_emg(self, stream: Any, labels: list[str | None]) -> list[str]:
        """One problem per channel of this step on a source that delivered no EMG."""
        status = stream.source.status
        why = (f"{status.state.value}: {status.message}" if status.message
               else status.state.value)
        if status.state == SourceState.STREAMING:
            why = "no samples arrived"
        return [f"{lab}: no EMG during this step — {stream.source.name} {why}. Plug it in "
                "or reconnect it (Sources), then Redo" for lab in labels
                if lab in self.step.channels]

    def next_step(self) -> None:
        if self.index + 1 < len(self.steps) and self.results.get(self.index, None) is not None:
            self.index += 1
            self._show_step()

    # -- result ----------------------------------------------------------------------------
    def done(self, r: int) -> None:
        """Closing the dialog (any way) stops the step and the frame listener."""
        self._timer.stop()
        self._stop_listening()
        super().done(r)

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

