"""The virtual patient's dock: choose profile, exercises and performer; see the truth live.

Installed by the main window (``PANEL_MODULES``). Restarting the demo replaces the video and
EMG sources with a new virtual patient; while it runs, the dock shows what the patient is
doing (exercise, repetition, phase) and the true activation of each region per side, to put
next to what the measurements report.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from facetrainer.simulation.demo import DEFAULT_PROFILE, DEMO_REPS, create_demo_sources
from facetrainer.simulation.profile import REGIONS, available_profiles
from facetrainer.simulation.protocol import DEMO_PROGRAM, EXERCISE_ACTIONS
from facetrainer.simulation.sources import VirtualPatientVideo

WHOLE_PROGRAM = "whole program"
REFRESH_MS = 200
SHOWN_ACTIVATION = 0.05  # regions below this on both sides are left out of the truth line


class DemoPanel(QWidget):
    """Controls and live truth of the virtual patient (reads the window's pipeline)."""

    def __init__(self, window: Any) -> None:
        super().__init__()
        self.main_window = window
        self.profile_box = QComboBox()
        self.profile_box.addItems(available_profiles())
        args = getattr(window, "app_args", None)
        wanted = getattr(args, "profile", None) or DEFAULT_PROFILE
        if wanted in available_profiles():
            self.profile_box.setCurrentText(wanted)
        self.program_box = QComboBox()
        self.program_box.addItems([WHOLE_PROGRAM, *EXERCISE_ACTIONS])
        self.reps_box = QSpinBox()
        self.reps_box.setRange(1, 20)
        self.reps_box.setValue(DEMO_REPS)
        self.imperfect_box = QCheckBox("imperfect performer")
        self.restart_button = QPushButton("Restart virtual patient")
        self.restart_button.clicked.connect(self.restart)
        self.doing_label = QLabel("—")
        self.truth_label = QLabel("")
        self.truth_label.setWordWrap(True)
        self.truth_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form = QFormLayout()
        form.addRow("Profile", self.profile_box)
        form.addRow("Exercises", self.program_box)
        form.addRow("Reps", self.reps_box)
        form.addRow("", self.imperfect_box)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.restart_button)
        layout.addWidget(QLabel("Now:"))
        layout.addWidget(self.doing_label)
        layout.addWidget(QLabel("True activation (left / right):"))
        layout.addWidget(self.truth_label)
        layout.addStretch(1)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    def program(self) -> tuple[str, ...]:
        choice = self.program_box.currentText()
        return DEMO_PROGRAM if choice == WHOLE_PROGRAM else (choice,)

    def restart(self) -> None:
        """Replace the app's sources with a virtual patient of the chosen settings."""
        args = getattr(self.main_window, "app_args", None)
        video, emg = create_demo_sources(
            face_path=getattr(args, "face", None),
            profile=self.profile_box.currentText(),
            seed=0,
            program=self.program(),
            reps=self.reps_box.value(),
            imperfect=self.imperfect_box.isChecked(),
        )
        self.main_window.model.set_video_source(video)
        self.main_window.replace_emg_sources([emg])
        self.main_window.show_status(
            f"Virtual patient: {self.profile_box.currentText()}, {self.program_box.currentText()}"
        )

    def _video(self) -> VirtualPatientVideo | None:
        src = getattr(self.main_window.pipeline.processor, "source", None)
        return src if isinstance(src, VirtualPatientVideo) else None

    def refresh(self) -> None:
        """Show what the running virtual patient does now (nothing for other sources)."""
        video = self._video()
        t = video.clock.now_s() if video is not None else None
        if video is None or t is None:
            self.doing_label.setText("— (the video source is not the virtual patient)")
            self.truth_label.setText("")
            return
        tl = video.patient.timeline
        phase = tl.phase(t)
        _, idx = tl.effort(t)
        i = int(idx[0])
        if i >= 0:
            rep = tl.reps[i]
            per_ex = sum(1 for r in tl.reps if r.exercise == rep.exercise)
            extra = "" if rep.kind == "normal" else f" ({rep.kind.replace('_', ' ')})"
            doing = f"{rep.exercise} · rep {rep.index} of {per_ex} · {phase}{extra}"
        else:
            doing = f"{tl.exercise_at(t)} · {phase}"
        if tl.look_away_fraction(t)[0] > 0:
            doing += " · looking away"
        self.doing_label.setText(doing)
        regions = video.patient.regions(t)
        parts = []
        for region in REGIONS:
            left = float(regions[f"{region}/left"][0])
            right = float(regions[f"{region}/right"][0])
            if max(left, right) >= SHOWN_ACTIVATION:
                parts.append(f"{region}: {left:.2f} / {right:.2f}")
        self.truth_label.setText("\n".join(parts) or "at rest")


def install(window: Any) -> None:
    """Add the "Virtual patient" dock (View menu toggles it) and a Sources menu entry."""
    panel = DemoPanel(window)
    dock = window.add_dock("Virtual patient", panel, Qt.DockWidgetArea.LeftDockWidgetArea)
    window.menu("Sources").addAction(
        "Virtual patient settings…", lambda: (dock.show(), dock.raise_())
    )
    window.register_panel("demo", panel)
