"""Exercise panel: choose an exercise, start/stop a set, and see live biofeedback.

A ``PANEL_MODULES`` module: :func:`install` adds the "Exercise" dock and Exercises-menu
actions. Big, plain instructions for the patient; a target bar with its band; a ceiling bar
per watch signal; the rep counter; the last rep's score with encouragement; and the note
that FaceTrainer is a training aid, not a diagnostic device. The panel is built with the
live-session model: it starts and stops sets through ``model.start_set``/``stop_set``
(scoring runs on the engine's thread), reads the set's snapshot and events on a timer, and
follows the demo through the core's :class:`~facetrainer.simulation.demo_coach.DemoCoach`.
"""

from __future__ import annotations

import html
import time
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from facetrainer.app_log import warn
from facetrainer.exercises import events as ev
from facetrainer.exercises.activation import Calibration, CalibrationError
from facetrainer.exercises.guided import guided_position
from facetrainer.exercises.library import Exercise, Library
from facetrainer.gui.event_loop import connect_while_alive
from facetrainer.gui.exercise_bars import ExerciseBars
from facetrainer.gui.level_bar import LevelBar
from facetrainer.gui.rep_feedback import (
    cue_text,
    instructions_html,
    rep_encouragement,
    rep_score_html,
    set_summary_html,
)
from facetrainer.live.session_model import LiveSessionModel
from facetrainer.simulation.demo_coach import DemoCoach

REFRESH_MS = 50
FOLLOW_MS = 100  # how often the panel checks what the virtual patient is doing
NOTE = "FaceTrainer is a training aid, not a diagnostic device."


class ExercisePanel(QWidget):
    """The dock's widget, built with the live-session model it drives and draws."""

    status_message = Signal(str)  # for the status bar (a bad calibration file, a set not started)

    def __init__(self, model: LiveSessionModel, library: Library | None = None) -> None:
        super().__init__()
        self.model = model
        self.library = library or model.library
        self.session: Any = None
        self.guided_start: float | None = None
        self.last_rep: dict[str, Any] | None = None
        self.summary: dict[str, Any] | None = None
        self.calibration: Calibration | None = None  # references for later sets
        self.calibration_path = ""
        self.current: Exercise | None = None  # the running set's exercise (demo: its reps)
        self.coach = DemoCoach(model)  # follows the virtual patient's timeline
        self.rejected_files_label: QLabel | None = None

        self.exercise_box = QComboBox()
        for ex in self.library.scored():
            self.exercise_box.addItem(ex.name, ex.id)
        for ex in self.library.guided():
            self.exercise_box.addItem(f"{ex.name} (guided)", ex.id)
        self.exercise_box.currentIndexChanged.connect(lambda _i: self._show_instructions())
        self.side_box = QComboBox()
        self.side_box.addItem("affected side: not set", None)
        self.side_box.addItem("affected side: left", "left")
        self.side_box.addItem("affected side: right", "right")
        self.side_box.setCurrentIndex(max(self.side_box.findData(model.affected_side), 0))
        self.side_box.currentIndexChanged.connect(
            lambda _i: self.model.set_affected_side(self.side_box.currentData())
        )
        self.start_button = QPushButton("Start")
        self.start_button.clicked.connect(self.toggle)
        top = QHBoxLayout()
        top.addWidget(self.exercise_box, 2)
        top.addWidget(self.side_box, 1)
        top.addWidget(self.start_button)
        self.follow_box = QCheckBox("Follow the virtual patient (demo)")
        self.follow_box.setChecked(True)
        self.follow_box.setToolTip(
            "Start each set when the virtual patient starts an exercise, with its cues."
        )
        self.follow_box.setVisible(False)
        self.follow_box.toggled.connect(self._follow_toggled)

        big = QFont()
        big.setPointSize(13)
        self.instructions = QLabel()
        self.instructions.setWordWrap(True)
        self.instructions.setFont(big)
        self.cue = QLabel("Press Start")
        cue_font = QFont()
        cue_font.setPointSize(22)
        cue_font.setBold(True)
        self.cue.setFont(cue_font)
        self.cue.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.cue.setWordWrap(True)  # a long cue wraps; it never widens the window
        self.bars = ExerciseBars()
        self.counter = QLabel("Reps done: 0")
        self.counter.setFont(big)
        self.counter.setWordWrap(True)
        self.score = QLabel("")
        self.score.setWordWrap(True)
        self.encouragement = QLabel("")
        self.encouragement.setWordWrap(True)
        self.encouragement.setFont(big)
        self.set_summary = QLabel("")
        self.set_summary.setWordWrap(True)
        self.modalities = QLabel("")
        self.modalities.setWordWrap(True)
        self.note = QLabel(NOTE)
        self.note.setStyleSheet("color: #666; font-style: italic;")
        self.note.setWordWrap(True)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.follow_box)
        layout.addWidget(self.instructions)
        layout.addWidget(self.cue)
        layout.addWidget(self.bars)
        layout.addWidget(self.counter)
        layout.addWidget(line)
        layout.addWidget(self.score)
        layout.addWidget(self.encouragement)
        layout.addWidget(self.set_summary)
        layout.addWidget(self.modalities)
        layout.addWidget(self.note)
        layout.addStretch(1)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.follow_timer = QTimer(self)
        self.follow_timer.setInterval(FOLLOW_MS)
        self.follow_timer.timeout.connect(self._follow_tick)
        self.follow_timer.start()
        self._show_instructions()
        connect_while_alive(self, model.events.affected_side_changed, self._show_side)
        connect_while_alive(self, model.events.set_stopped, self._on_set_stopped)
        # Reps, misses, shaping and summaries arrive as the model's typed events (on the GUI
        # thread); only the continuous levels (bars, cue, counter) are read on the timer.
        connect_while_alive(self, model.events.feedback, self._on_feedback)

    def _show_side(self, side: object) -> None:
        i = max(self.side_box.findData(side), 0)
        if i != self.side_box.currentIndex():
            self.side_box.blockSignals(True)
            self.side_box.setCurrentIndex(i)
            self.side_box.blockSignals(False)

    def _on_feedback(self, event: ev.FeedbackEvent) -> None:
        self._handle_events([event])
        if self.session is not None:
            self.refresh()  # the counter and cue agree with the rep just shown

    def _on_set_stopped(self) -> None:
        """The model ended a set (e.g. its EMG source was replaced): show it as stopped."""
        if self.session is not None and self.model.exercise_session is not self.session:
            self.stop()

    # -- choices --------------------------------------------------------------------------
    def exercise(self) -> Exercise:
        return self.library[self.exercise_box.currentData()]

    def select(self, exercise_id: str) -> None:
        i = self.exercise_box.findData(exercise_id)
        if i < 0:
            raise KeyError(f"unknown exercise {exercise_id!r}")
        self.exercise_box.setCurrentIndex(i)

    def load_calibration(self, path: str) -> bool:
        """Use a calibration file (``facetrainer score --save-calibration``) for the next
        sets; a bad file is reported and the previous calibration kept."""
        try:
            calibration = Calibration.load(path)
        except CalibrationError as exc:
            self.status_message.emit(str(exc))
            return False
        self.calibration, self.calibration_path = calibration, path
        self.model.set_calibration(calibration)
        self.status_message.emit(f"Exercise calibration: {path}")
        return True

    def _choose_calibration(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(
            self, "Exercise calibration", "", "Calibration (*.json)"
        )
        if path:
            self.load_calibration(path)

    def select_and_start(self, exercise_id: str) -> None:
        if self.session is not None or self.guided_start is not None:
            self.coach.abandon()
            self.stop()
        self.select(exercise_id)
        self.start()

    @property
    def target_bar(self) -> LevelBar:
        return self.bars.target_bar

    @property
    def watch_bars(self) -> dict[str, LevelBar]:
        return self.bars.watch_bars

    def _show_instructions(self, exercise: Exercise | None = None) -> None:
        ex = exercise or self.exercise()
        self.instructions.setText(instructions_html(ex))
        self.bars.show_exercise(ex)

    # -- start / stop ---------------------------------------------------------------------
    def toggle(self) -> None:
        if self.session is not None or self.guided_start is not None:
            self.coach.abandon()
            self.stop()
        else:
            self.start()

    def start(
        self,
        exercise: Exercise | None = None,
        *,
        cued: bool = True,
        calibration: Calibration | None = None,
        references: str = "",
    ) -> None:
        """Start a set of ``exercise`` (default: the chosen one).

        ``cued=False`` leaves the pacing to someone else (the virtual patient's timeline);
        ``calibration`` replaces the loaded calibration file, described by ``references``.
        """
        ex = exercise or self.exercise()
        self.current = ex
        if exercise is not None:
            self._show_instructions(ex)
        if calibration is None:
            calibration = self.calibration
            references = self.calibration_path if self.calibration else ""
        self.last_rep, self.summary = None, None
        self.score.setText("")
        self.encouragement.setText("")
        if not ex.scored:
            self.guided_start = time.monotonic()
            self.modalities.setText("Guided routine: not scored.")
        else:
            try:
                self.session = self.model.start_set(ex, cued=cued, calibration=calibration)
            except ValueError as exc:
                self.cue.setText("Cannot start")
                self.encouragement.setText(str(exc))
                self.status_message.emit(f"Exercise: {exc}")
                return
            self._show_set(ex, references)
        self.start_button.setText("Stop")
        self.exercise_box.setEnabled(False)
        self.timer.start()
        self.refresh()

    def _show_set(self, ex: Exercise, references: str) -> None:
        """Bars, labels and the modality line of a set that has just started."""
        if self.session is not None:
            targets = ", ".join(x.replace("_", " ") for x in self.session.scorer.plan.targets)
            side = self.model.affected_side
            self._show_side(side)
            self.bars.show_exercise(ex, list(self.session.scorer.plan.watch),
                                    f"Move: {targets}" + (f" ({side})" if side else ""))
            mods = " + ".join(self.session.modalities)
            missing = self.session.scorer.plan.not_measured
            self.modalities.setText(
                f"Scoring from: {mods}"
                + (f" (not measured: {', '.join(missing)})" if missing else "")
                + (f"; references: {references}" if references else "")
            )

    def stop(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            if self.model.exercise_session is session:
                self.model.stop_set()
        self.guided_start = None
        self.timer.stop()
        self.start_button.setText("Start")
        self.exercise_box.setEnabled(True)
        if self.summary is None:
            self.cue.setText("Stopped")

    # -- following the virtual patient ----------------------------------------------------
    @property
    def following(self) -> bool:
        """A set started by the virtual patient's timeline is running."""
        return self.coach.following

    def _follow_toggled(self, checked: bool) -> None:
        if not checked and self.following:
            self.coach.abandon()
            self.stop()

    def _follow_tick(self) -> None:
        """Let the core's coach start and stop sets as the virtual patient moves through
        its program; show what it did."""
        self.follow_box.setVisible(self.coach.video is not None)
        if self.guided_start is not None:
            return  # the user's own routine is running
        step = self.coach.tick(enabled=self.follow_box.isChecked())
        if step.action == "stop" and self.session is not None:
            self.stop()
        elif step.action == "start" and step.exercise is not None:
            if self.session is not None:
                self.stop()
            ex = step.exercise
            self.select(ex.id)
            self.current = ex
            self._show_instructions(ex)
            self.last_rep, self.summary = None, None
            self.score.setText("")
            self.encouragement.setText("")
            self.session = self.model.exercise_session
            self._show_set(ex, step.references)
            self.start_button.setText("Stop")
            self.exercise_box.setEnabled(False)
            self.timer.start()
            self.refresh()

    # -- drawing --------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.guided_start is not None:
            self._refresh_guided()
            return
        if self.session is None:
            return
        snap = self.session.snapshot()
        self.bars.draw(snap)
        ex = self.current or self.exercise()
        self.cue.setText(cue_text(snap, ex.name, self.coach.cue()))
        missed = f" · {snap.missed} missed" if snap.missed else ""
        self.counter.setText(f"Reps done: {snap.reps_done} of {snap.reps_expected}{missed}")
        if self.session.error:
            self.encouragement.setText(self.session.error)
        if self.session.notices and self.session.notices[-1] not in self.modalities.text():
            self.modalities.setText(f"{self.modalities.text()} — {self.session.notices[-1]}")
        if snap.finished:
            self.stop()
            self.cue.setText("Set complete — well done!")

    def _refresh_guided(self) -> None:
        assert self.guided_start is not None
        ex = self.current or self.exercise()
        pos = guided_position(ex, time.monotonic() - self.guided_start)
        if pos.finished:
            self.stop()
            self.cue.setText("Routine complete — well done!")
            return
        self.cue.setText(f"{pos.remaining_s:.0f} s")
        self.counter.setText(
            f"Round {pos.round} of {ex.reps} · step {pos.step + 1} of {len(ex.steps)}"
        )
        self.encouragement.setText(pos.text)

    def _handle_events(self, events: list[ev.FeedbackEvent]) -> None:
        for e in events:
            if e.kind == ev.REP_COMPLETED:
                self.last_rep = e.data["rep"]
                self._show_rep(self.last_rep)
            elif e.kind == ev.REP_MISSED:
                self.encouragement.setText("No movement seen for that one — ready for the next?")
            elif e.kind == ev.THRESHOLDS_CHANGED:
                self.encouragement.setText("Nice progress: the target has moved up a little.")
            elif e.kind == ev.SET_COMPLETED:
                self.summary = e.data["summary"]
                name = (self.current or self.exercise()).name
                self.set_summary.setText(set_summary_html(name, self.summary))

    def _show_rep(self, rep: dict[str, Any]) -> None:
        self.score.setText(rep_score_html(rep))
        self.encouragement.setText(rep_encouragement(rep))


def install(window: Any) -> None:
    """Add the "Exercise" dock and Exercises-menu actions to the main window."""
    panel = ExercisePanel(window.model)
    panel.status_message.connect(window.show_status)
    window.register_panel("exercise", panel)
    window.add_dock("Exercise", panel)
    menu = window.menu("Exercises")
    for ex in panel.library.exercises.values():
        action = QAction(ex.name + ("" if ex.scored else " (guided)"), window)
        action.triggered.connect(lambda _=False, i=ex.id: panel.select_and_start(i))
        menu.addAction(action)
    menu.addSeparator()
    load = QAction("Load exercise calibration…", window)
    load.triggered.connect(panel._choose_calibration)
    menu.addAction(load)
    if panel.library.problems:
        report_rejected_exercise_files(window, panel)


def report_rejected_exercise_files(window: Any, panel: ExercisePanel) -> None:
    """Name every rejected user exercise file (file, field, value) on stderr and in the
    window: a line in the status bar and a warning above the exercise panel that stays."""
    problems = panel.library.problems
    for problem in problems:
        warn(f"facetrainer: skipped exercise file: {problem}", __name__)
    window.show_status(
        f"{len(problems)} exercise file(s) skipped: " + "; ".join(problems), 30000
    )
    label = QLabel(
        "<b>Exercise files skipped</b> (fix and restart):<br>"
        + "<br>".join(html.escape(p) for p in problems)
    )
    label.setObjectName("rejected_exercise_files")
    label.setWordWrap(True)
    label.setStyleSheet("color: #8a4b00;")
    panel.layout().insertWidget(0, label)
    panel.rejected_files_label = label
