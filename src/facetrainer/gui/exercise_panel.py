"""Exercise panel: choose an exercise, start/stop a set, and see live biofeedback.

A ``PANEL_MODULES`` module: :func:`install` adds the "Exercise" dock and Exercises-menu
actions. Big, plain instructions for the patient; a target bar with its band; a ceiling bar
per watch signal; the rep counter; the last rep's score with encouragement; and the note
that FaceTrainer is a training aid, not a diagnostic device. All scoring runs in the core's
:class:`~facetrainer.exercises.session.LiveExerciseSession` on its own thread; this widget
only reads its snapshot and events on a timer.
"""

from __future__ import annotations

import dataclasses
import html
import math
import sys
import time
from typing import Any

from PySide6.QtCore import Qt, QTimer
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

from facetrainer.exercises import events as ev
from facetrainer.exercises.activation import Calibration, CalibrationError
from facetrainer.exercises.encouragement import encouragement
from facetrainer.exercises.guided import guided_position
from facetrainer.exercises.library import Exercise, Library, load_library
from facetrainer.gui.level_bar import LevelBar
from facetrainer.simulation.demo_follow import (
    DemoFollower,
    DemoSet,
    cue_phase,
    reference_calibration,
)
from facetrainer.simulation.sources import VirtualPatientEmg, VirtualPatientVideo

REFRESH_MS = 50
FOLLOW_MS = 100  # how often the panel checks what the virtual patient is doing
PHASE_TEXT = {
    "calibrating": "Relax your face and look at the camera…",
    "rest": "Relax",
    "contract": "Slowly now…",
    "hold": "Hold it — gently",
    "release": "Slowly let go…",
}
FOLLOW_TEXT = {  # the virtual patient's own cue, shown as the patient's instruction
    "cue": "Get ready: {name}",
    "contract": "Slowly: {name}…",
    "hold": "Hold it — gently",
    "release": "Slowly let go…",
    "rest": "Relax",
}
NOTE = "FaceTrainer is a training aid, not a diagnostic device."


class ExercisePanel(QWidget):
    """The dock's widget; ``window`` gives the pipeline (and optionally a session recorder)."""

    def __init__(self, window: Any, library: Library | None = None) -> None:
        super().__init__()
        self.main_window = window
        self.library = library or load_library()
        self.session: Any = None
        self.guided_start: float | None = None
        self.last_rep: dict[str, Any] | None = None
        self.summary: dict[str, Any] | None = None
        self.calibration: Calibration | None = None  # references for later sets
        self.calibration_path = ""
        self.current: Exercise | None = None  # the running set's exercise (demo: its reps)
        self.follower: DemoFollower | None = None  # follows the virtual patient's timeline
        self._follow_video: VirtualPatientVideo | None = None

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
        self.target_bar = LevelBar("Target", "band")
        self.watch_box = QVBoxLayout()
        self.watch_caption = QLabel("Keep these still (red line: ceiling):")
        self.watch_box.addWidget(self.watch_caption)
        self.watch_bars: dict[str, LevelBar] = {}
        self.counter = QLabel("Reps done: 0")
        self.counter.setFont(big)
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
        layout.addWidget(self.target_bar)
        layout.addLayout(self.watch_box)
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
            self.calibration = Calibration.load(path)
        except CalibrationError as exc:
            self.main_window.show_status(str(exc))
            return False
        self.calibration_path = path
        self.main_window.show_status(f"Exercise calibration: {path}")
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
            self._abandon_follow()
            self.stop()
        self.select(exercise_id)
        self.start()

    def _show_instructions(self, exercise: Exercise | None = None) -> None:
        ex = exercise or self.exercise()
        text = f"<b>{ex.name}</b><br>{ex.instructions}"
        if ex.emotion_cue:
            text += f"<br><i>{ex.emotion_cue}</i>"
        if ex.scored:
            text += (
                f"<br>{ex.reps} reps · hold {ex.hold_s:g} s · rest {ex.rest_s:g} s. "
                f"{ex.speed.guidance}"
            )
        self.instructions.setText(text)
        self._build_watch_bars(ex)
        self.target_bar.band = ex.thresholds.target_band_pct
        self.target_bar.setVisible(ex.scored)
        self.watch_caption.setVisible(bool(self.watch_bars))
        self.target_bar.update()

    def _build_watch_bars(self, ex: Exercise, names: list[str] | None = None) -> None:
        for bar in self.watch_bars.values():
            self.watch_box.removeWidget(bar)
            bar.deleteLater()
        self.watch_bars = {}
        if not ex.scored:
            return
        from facetrainer.exercises.anatomy import signal_of_muscle

        if names is None:
            names = list(
                dict.fromkeys([*ex.watch_regions, *(signal_of_muscle(m) for m in ex.watch_muscles)])
            )
        for name in names:
            bar = LevelBar(name.replace("_", " "), "ceiling")
            bar.ceiling = ex.thresholds.spillover_ceiling_pct
            self.watch_bars[name] = bar
            self.watch_box.addWidget(bar)

    # -- start / stop ---------------------------------------------------------------------
    def toggle(self) -> None:
        if self.session is not None or self.guided_start is not None:
            self._abandon_follow()
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
        from facetrainer.exercises.session import LiveExerciseSession

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
                self.session = LiveExerciseSession(
                    self.main_window.pipeline,
                    ex,
                    affected_side=self.side_box.currentData(),
                    montage=self._montage(),
                    calibration=calibration,
                    cued=cued,
                )
            except ValueError as exc:
                self.cue.setText("Cannot start")
                self.encouragement.setText(str(exc))
                self.main_window.show_status(f"Exercise: {exc}")
                return
            self._build_watch_bars(ex, list(self.session.scorer.plan.watch))
            targets = ", ".join(x.replace("_", " ") for x in self.session.scorer.plan.targets)
            side = self.side_box.currentData()
            self.target_bar.label = f"Move: {targets}" + (f" ({side})" if side else "")
            self.target_bar.update()
            self.watch_caption.setVisible(bool(self.watch_bars))
            recorder = getattr(self.main_window, "session_recorder", None)
            if recorder is not None:
                recorder.attach_exercise_session(self.session)
            self.session.start()
            mods = " + ".join(self.session.modalities)
            missing = self.session.scorer.plan.not_measured
            self.modalities.setText(
                f"Scoring from: {mods}"
                + (f" (not measured: {', '.join(missing)})" if missing else "")
                + (f"; references: {references}" if references else "")
            )
        self.start_button.setText("Stop")
        self.exercise_box.setEnabled(False)
        self.timer.start()
        self.refresh()

    def stop(self) -> None:
        if self.session is not None:
            self.session.stop()
            self._handle_events(self.session.drain_events())
            self.session = None
        self.guided_start = None
        self.timer.stop()
        self.start_button.setText("Start")
        self.exercise_box.setEnabled(True)
        if self.summary is None:
            self.cue.setText("Stopped")

    # -- following the virtual patient ----------------------------------------------------
    def _demo_video(self) -> VirtualPatientVideo | None:
        src = getattr(self.main_window.pipeline.processor, "source", None)
        return src if isinstance(src, VirtualPatientVideo) else None

    @property
    def following(self) -> bool:
        """A set started by the virtual patient's timeline is running."""
        return self.follower is not None and self.follower.running is not None

    def _abandon_follow(self) -> None:
        """The user took over: the demo's current set is not restarted."""
        if self.follower is not None and self.follower.running is not None:
            self.follower.abandon()

    def _follow_toggled(self, checked: bool) -> None:
        if not checked and self.following:
            self._abandon_follow()
            self.stop()

    def _follow_tick(self) -> None:
        """Start and stop sets as the virtual patient moves through its program (nothing
        happens with any other video source, or with the box unticked)."""
        video = self._demo_video()
        self.follow_box.setVisible(video is not None)
        if video is not self._follow_video:  # the demo restarted, or another source
            if self.following:
                self._abandon_follow()
                self.stop()
            self._follow_video = video
            self.follower = DemoFollower(video.patient.timeline) if video is not None else None
        if video is None or self.follower is None or not self.follow_box.isChecked():
            return
        if self.guided_start is not None or (self.session is not None and not self.following):
            return  # the user's own set is running
        t = video.clock.now_s()
        if t is None or (self.follower.running is None and not self._face_in_view()):
            return  # a set starts once frames are processed (its rest window needs them)
        decision = self.follower.decide(t)
        if decision.action == "stop":
            self.stop()
        elif decision.action == "start" and decision.demo_set is not None:
            self._start_following(video, decision.demo_set, decision.reps)

    def _face_in_view(self) -> bool:
        pf = getattr(self.main_window.pipeline.processor, "latest", None)
        return pf is not None and getattr(pf, "face", None) is not None

    def _start_following(self, video: VirtualPatientVideo, ds: DemoSet, reps: int) -> None:
        ex = self.library.exercises.get(ds.exercise)
        if ex is None or not ex.scored or self.follower is None:
            if self.follower is not None:
                self.follower.abandon()
            return
        first = ds.reps[0]
        rest_s = ds.reps[1].start_s - ds.reps[0].end_s if len(ds.reps) > 1 else ex.rest_s
        ex = dataclasses.replace(
            ex, reps=reps, hold_s=first.hold_end_s - first.hold_start_s, rest_s=rest_s
        )
        side = video.patient.profile.affected_side
        self.side_box.setCurrentIndex(
            max(self.side_box.findData(side if side in ("left", "right") else None), 0)
        )
        self.select(ds.exercise)
        calibration, references = self._demo_calibration()
        self.start(ex, cued=False, calibration=calibration, references=references)
        if self.session is None:
            self.follower.abandon()

    def _demo_calibration(self) -> tuple[Calibration | None, str]:
        """EMG references from the virtual patient's reference contraction (a loaded
        calibration file's channels take precedence)."""
        emg = next(
            (
                s
                for s in getattr(self.main_window.pipeline, "emg_sources", [])
                if isinstance(s, VirtualPatientEmg) and s.info is not None
            ),
            None,
        )
        if emg is None or emg.info is None:
            return self.calibration, self.calibration_path
        ref = reference_calibration(
            tuple(emg.info.channel_names), float(emg.info.fs_hz), int(emg.seed)
        )
        text = "EMG in % of the virtual patient's full contraction"
        if self.calibration is not None:
            return Calibration({**ref.channels, **self.calibration.channels}), (
                f"{text}; {self.calibration_path}"
            )
        return ref, text

    def _montage(self) -> Any:
        """The EMG panel's ready montage when one is chosen, else None (self-named channels)."""
        emg_panel = getattr(self.main_window, "emg_panel", None)
        box = getattr(emg_panel, "montage_box", None)
        if box is None:
            return None
        from facetrainer.emg.montage import list_montages

        name = box.currentText()
        return name if name in list_montages() else None

    # -- drawing --------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.guided_start is not None:
            self._refresh_guided()
            return
        if self.session is None:
            return
        snap = self.session.snapshot()
        self._handle_events(self.session.drain_events())
        self.target_bar.band = snap.band_pct
        self.target_bar.set_value(snap.target_pct)
        for name, bar in self.watch_bars.items():
            bar.ceiling = snap.ceiling_pct
            bar.set_value(snap.watch_pct.get(name, math.nan))
        ex = self.current or self.exercise()
        video = self._demo_video() if self.following else None
        t = video.clock.now_s() if video is not None else None
        if snap.finished:
            self.cue.setText("Set complete — well done!")
        elif not snap.tracking and snap.phase != "calibrating":
            self.cue.setText("I can't see you — face the camera")
        elif video is not None and t is not None and snap.phase != "calibrating":
            phase = cue_phase(video.patient.timeline, t)
            self.cue.setText(FOLLOW_TEXT[phase].format(name=ex.name.lower()))
        elif snap.phase == "rest" and snap.cue == "contract":
            self.cue.setText(f"Now: {ex.name.lower()}, slowly")
        else:
            self.cue.setText(PHASE_TEXT.get(snap.phase, snap.phase))
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
                s = self.summary
                name = (self.current or self.exercise()).name
                self.set_summary.setText(
                    f"<b>{name} — set done:</b> {s['reps_detected']} of "
                    f"{s['reps_expected']} reps, mean score {_fmt(s['quality_mean'])} / 100, "
                    f"symmetry {_pct(s['symmetry_mean'])} %"
                )

    def _show_rep(self, rep: dict[str, Any]) -> None:
        t = rep["target"]
        # Spillover below its rest reads as "did not move" for a patient (not "-1 %").
        spill = ", ".join(
            f"{k.replace('_', ' ')} {_fmt(max(v, 0.0) if v is not None else v)} %"
            for k, v in rep["spillover"].items()
        )
        sym = rep["symmetry"]  # affected / healthy side, 1.0 = symmetric
        self.score.setText(
            f"<span style='font-size:15pt'><b>Last rep: {_fmt(rep['quality'])} / 100</b></span>"
            f"<br>Target held at {_fmt(t['hold_mean_pct'])} % (green band "
            f"{t['band_pct'][0]:g}–{t['band_pct'][1]:g} %) · symmetry "
            f"{_pct(sym)} % · others moved: {spill or '–'}"
        )
        self.encouragement.setText(encouragement(rep))


def _pct(fraction: float | None) -> str:
    return _fmt(None if fraction is None else 100.0 * fraction)


def _fmt(x: float | None, digits: int = 0) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


def install(window: Any) -> None:
    """Add the "Exercise" dock and Exercises-menu actions to the main window."""
    try:
        from facetrainer.face.live import ensure_face_analysis_stage

        ensure_face_analysis_stage(window.pipeline.processor)
    except ImportError:
        pass
    panel = ExercisePanel(window)
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
    window.exercise_panel = panel


def report_rejected_exercise_files(window: Any, panel: ExercisePanel) -> None:
    """Name every rejected user exercise file (file, field, value) on stderr and in the
    window: a line in the status bar and a warning above the exercise panel that stays."""
    problems = panel.library.problems
    for problem in problems:
        print(f"facetrainer: skipped exercise file: {problem}", file=sys.stderr)
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
