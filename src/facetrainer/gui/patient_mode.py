"""Patient mode: full screen, large type, one thing at a time, everything on the keyboard.

:class:`PatientWindow` draws a :class:`~facetrainer.home_practice.HomePractice` and forwards
keys: Space starts, pauses and continues; → skips to the next exercise; Esc leaves the
practice (what was done is kept) or, on the home screen, the patient mode. Therapist mode
(the main window) is one menu item away (Ctrl+T). The window's size, the patient, program
and audio preferences are remembered (:class:`~facetrainer.gui.patient_settings.AppSettings`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QStackedWidget

from facetrainer.exercises.encouragement import encouragement
from facetrainer.exercises.practice import (
    DONE,
    INTRO,
    PAUSED,
    SET,
    SET_SUMMARY,
    WAITING_FOR_FACE,
    SetRunner,
)  # fmt: skip
from facetrainer.exercises.practice_plan import main_measure
from facetrainer.gui.home_screen import DaySummaryPage, HomeScreen, ProfilePage
from facetrainer.gui.patient_settings import AppSettings
from facetrainer.gui.patient_style import apply_style
from facetrainer.gui.practice_view import PracticeView, cue_text
from facetrainer.home_practice import HomePractice, NoProgramError, describe_program, todays_plan
from facetrainer.storage.database import Database, StorageError
from facetrainer.storage.patients import list_patients
from facetrainer.storage.practice_history import daily_measure
from facetrainer.storage.programs import get_program
from facetrainer.storage.rep_clips import load_clip_frames, model_clip

TICK_MS = 33  # the face is redrawn on every tick (≈ 30 per second)
MIN_SIZE = (1000, 640)  # fits a 1366 × 768 screen with its task bar
VOLUME_STEP = 0.1


class PatientWindow(QMainWindow):
    """The patient's window (profile → home → practice → day summary).

    Parameters
    ----------
    db : Database
    settings : AppSettings
    make_runner : callable
        Returns the :class:`~facetrainer.exercises.practice.SetRunner` for a practice.
    pipeline : Pipeline, optional
        The live face comes from its newest processed frame; without one, from
        :meth:`show_frame`.
    model : LiveSessionModel, optional
        The live session (its pipeline is then the default): practice is recorded by it.
    cue_player : CuePlayer, optional
    clock : callable
        Seconds (monotonic); tests may pass their own.
    """

    therapist_mode_requested = Signal()
    left = Signal()

    def __init__(
        self,
        db: Database,
        settings: AppSettings,
        make_runner: Callable[[], SetRunner],
        *,
        pipeline: Any = None,
        model: Any = None,
        cue_player: Any = None,
        clock: Callable[[], float] = time.monotonic,
        intro_s: float | None = None,
    ) -> None:
        super().__init__()
        self.db, self.settings, self.make_runner = db, settings, make_runner
        self.model = model
        if pipeline is None and model is not None:
            pipeline = model.pipeline
        self.pipeline, self.cue_player, self.clock, self.intro_s = (
            pipeline,
            cue_player,
            clock,
            intro_s,
        )
        self.setWindowTitle("FaceTrainer — home practice")
        self.setMinimumSize(*MIN_SIZE)
        apply_style(self)
        self.pages = QStackedWidget()
        self.setCentralWidget(self.pages)
        self.profile = ProfilePage([p.code for p in list_patients(db)])
        self.home_screen = HomeScreen()
        self.practice_view = PracticeView()
        self.summary = DaySummaryPage()
        for page in (self.profile, self.home_screen, self.practice_view, self.summary):
            self.pages.addWidget(page)
        self.home: HomePractice | None = None
        self.program_id: int | None = None
        self.days = 7
        self.frames_shown = 0
        self._last_frame_key: Any = None
        self._external_frame: tuple[Any, Any] | None = None
        self._clip: list[Any] = []
        self._clip_k, self._clip_fps, self._clip_t0 = -1, 1.0, 0.0
        self._clip_for = ""
        self.pending_program: Any = None  # a program file to offer once the patient is known
        self._build_menu()
        self.profile.chosen.connect(self.choose_patient)
        self.home_screen.start_requested.connect(self.start_practice)
        self.home_screen.open_program_requested.connect(lambda: self.open_program())
        self.summary.home_requested.connect(self.show_home)
        self.summary.days_changed.connect(self._set_days)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self.settings.restore_window("patient", self)
        code = settings.patient_code
        if code and code in [p.code for p in list_patients(db)]:
            self.choose_patient(code)
        else:
            self.pages.setCurrentWidget(self.profile)

    # -- menu and keys -------------------------------------------------------------------
    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("&FaceTrainer")
        self.open_action = QAction("Open program…", self, shortcut=QKeySequence("Ctrl+O"))
        self.open_action.triggered.connect(lambda: self.open_program())
        self.sound_action = QAction("Sounds", self, checkable=True)
        self.speech_action = QAction("Spoken cues", self, checkable=True)
        cues = self.settings.cue_settings("patient")
        self.sound_action.setChecked(cues.sounds)
        self.speech_action.setChecked(cues.speech)
        self.sound_action.toggled.connect(self._save_audio)
        self.speech_action.toggled.connect(self._save_audio)
        self.louder_action = QAction("Louder", self, shortcut=QKeySequence("Ctrl+Up"))
        self.softer_action = QAction("Softer", self, shortcut=QKeySequence("Ctrl+Down"))
        self.louder_action.triggered.connect(lambda: self.change_volume(VOLUME_STEP))
        self.softer_action.triggered.connect(lambda: self.change_volume(-VOLUME_STEP))
        self.export_action = QAction(
            "Export for my therapist…", self, shortcut=QKeySequence("Ctrl+E")
        )
        self.export_action.triggered.connect(self._export)
        self.therapist_action = QAction("Therapist mode", self, shortcut=QKeySequence("Ctrl+T"))
        self.therapist_action.triggered.connect(self.therapist_mode_requested)
        for action in (
            self.open_action,
            self.export_action,
            self.sound_action,
            self.speech_action,
            self.louder_action,
            self.softer_action,
            self.therapist_action,
        ):
            menu.addAction(action)
        self.menu = menu

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        """Keys the focused widget left unhandled (a focused button takes its own Space)."""
        slot = {
            Qt.Key.Key_Space: self.on_space,
            Qt.Key.Key_Escape: self.on_escape,
            Qt.Key.Key_Right: self.on_skip,
        }.get(Qt.Key(event.key()))
        if slot is None:
            super().keyPressEvent(event)
            return
        slot()
        event.accept()

    def on_space(self) -> None:
        page = self.pages.currentWidget()
        if page is self.home_screen:
            self.start_practice()
        elif page is self.practice_view and self.home is not None:
            self.home.runner.toggle_pause(self.clock())
        elif page is self.summary:
            self.show_home()
        elif page is self.profile and self.profile.confirm.isEnabled():
            self.profile.confirm.click()

    def on_escape(self) -> None:
        if self.pages.currentWidget() is self.practice_view:
            self.stop_practice()
            self.show_summary()
        else:
            self.left.emit()

    def on_skip(self) -> None:
        if self.home is not None and self.pages.currentWidget() is self.practice_view:
            self.home.runner.skip(self.clock())

    # -- pages ---------------------------------------------------------------------------
    def choose_patient(self, code: str) -> None:
        self.settings.patient_code = code
        self.code = code
        self.show_home()
        if self.pending_program:
            path, self.pending_program = self.pending_program, None
            self.open_program(path)

    def show_home(self) -> None:
        self.pages.setCurrentWidget(self.home_screen)
        self.home_screen.start.setFocus()
        try:
            plan, self.program_id = todays_plan(self.db, self.code, self.settings.program_id)
        except NoProgramError as exc:
            self.home_screen.show_program(self.code, str(exc), [], [])
            self.plan = None
            return
        except StorageError:  # the remembered program is gone: the newest one
            plan, self.program_id = todays_plan(self.db, self.code)
        self.plan = plan
        spec = get_program(self.db, self.program_id, known_only=False)
        title = f"Today: {plan.program_name} (version {plan.revision})"
        self.home_screen.show_program(self.code, title, describe_program(spec), list(plan.notices))
        self.home_screen.charts.show_charts(self._series(), self.days)

    def _series(self) -> list[tuple[str, list]]:
        out = []
        for item in self.plan.items if self.plan is not None else ():
            if item.scored:
                key, words = main_measure(item.exercise)
                values = daily_measure(self.db, self.code, item.exercise.id, key, self.days)
                out.append((words, values))
        return out

    def _set_days(self, days: int) -> None:
        self.days = days
        self.summary.charts.show_charts(self._series(), days)

    def show_summary(self) -> None:
        home = self.home
        lines = home.day_summary() if home is not None else []
        self.summary.show_summary(lines, home.banner if home is not None else "")
        self.summary.charts.show_charts(self._series(), self.days)
        self.pages.setCurrentWidget(self.summary)
        self.summary.home.setFocus()

    def offer_program(self, path: Any) -> None:
        """A program file to show and take in: now, or once the patient has chosen a code."""
        if getattr(self, "code", ""):
            self.open_program(path)
        else:
            self.pending_program = path

    def open_program(self, path: Any = None, confirm: Callable | None = None) -> int | None:
        from facetrainer.gui.program_import import import_program_interactively

        program_id, message = import_program_interactively(self, self.db, self.code, path, confirm)
        if program_id is not None:
            self.settings.program_id = program_id
            self.show_home()
        if message:
            self.home_screen.notices.setText(message)
            self.home_screen.notices.show()
        return program_id

    # -- practice ------------------------------------------------------------------------
    def start_practice(self) -> None:
        if self.plan is None or self.home is not None:
            return
        self.home = HomePractice(
            self.db, self.code, self.plan, self.make_runner(), program_id=self.program_id,
            cue_player=self.cue_player, cue_settings=self.settings.cue_settings("patient"),
            intro_s=self.intro_s, model=self.model,
        )  # fmt: skip
        if self.pipeline is not None:
            self._detach = self.home.attach_pipeline(self.pipeline)
        self.home.runner.rep_scored.connect(self._on_rep)
        self.home.runner.set_finished.connect(
            lambda i, _t: self._load_clip(self.plan.items[i].exercise.id)
        )
        self.pages.setCurrentWidget(self.practice_view)
        self.practice_view.setFocus()
        self.home.start(self.clock())

    def stop_practice(self) -> None:
        if self.home is None:
            return
        self.home.stop()
        if getattr(self, "_detach", None):
            self._detach()
            self._detach = None

    def show_frame(self, rgb: Any, points_xy: Any = None, t_s: float | None = None) -> None:
        """The live face when there is no pipeline (e.g. the virtual patient's frames; any
        thread). With ``t_s`` (app clock) the frame is also kept for the best-rep clip."""
        self._external_frame = (rgb, points_xy)
        home = self.home
        if t_s is not None and home is not None:
            home.add_frame(t_s, rgb)

    def _on_rep(self, _index: int, rep: dict) -> None:
        self.practice_view.encouragement.setText(encouragement(rep))

    def _load_clip(self, exercise_id: str) -> None:
        """The model clip of an exercise (pinned or best), replayed at its own pace."""
        info = model_clip(self.db, self.code, exercise_id) if exercise_id else None
        self._clip = load_clip_frames(self.db, info.id) if info is not None else []
        self._clip_fps = info.fps if info is not None else 1.0
        self._clip_t0, self._clip_for, self._clip_k = self.clock(), exercise_id, -1
        self.practice_view.model.caption = "Your best one" if self._clip else ""

    def _tick(self) -> None:
        home = self.home
        if home is None or self.pages.currentWidget() is not self.practice_view:
            return
        now = self.clock()
        runner = home.runner
        runner.tick(now)
        view = self.practice_view
        if view.item is not runner.item:
            view.show_item(runner.item)
            view.encouragement.setText("")
        state = runner.state
        item = runner.item
        if state == DONE:
            self.stop_practice()
            self.show_summary()
            return
        levels = getattr(runner.set_runner, "levels", None)
        view.show_bars(state == SET)
        over: dict[str, bool] = {}
        if callable(levels) and state == SET:
            over = view.show_levels(*levels())
        self._show_live_face(over)
        n, reps = runner.rep_counter
        view.counter.setText(f"Rep {n} of {reps}" if state in (SET, WAITING_FOR_FACE) else "")
        view.cue.setText(cue_text(runner, now))
        view.message.setText(runner.message if state in (INTRO, SET, WAITING_FOR_FACE) else "")
        notices = home.notices[-1:] if home.notices else []
        flags = sorted(set(view.flags))
        note = "  ".join(notices + ([f"({', '.join(flags)})"] if flags else []))
        if note and state in (SET, WAITING_FOR_FACE):
            view.message.setText((view.message.text() + "  " + note).strip())
        view.show_banner(home.banner)
        self._show_model(state, item.exercise.id if item is not None else "")

    def _show_live_face(self, over: dict[str, bool]) -> None:
        rgb = points = None
        key: Any = None
        if self.pipeline is not None:
            pf = getattr(self.pipeline.processor, "latest", None)
            if pf is not None:
                rgb, key = pf.frame.image, pf.frame.index
                points = pf.face.xy if pf.face is not None else None
        elif self._external_frame is not None:
            rgb, points = self._external_frame
            key = id(rgb)
        if key is not None and key != self._last_frame_key:
            self._last_frame_key = key
            self.frames_shown += 1
            self.practice_view.show_face(rgb, points, over)

    def _show_model(self, state: str, exercise_id: str) -> None:
        view = self.practice_view.model
        if state not in (INTRO, SET_SUMMARY, PAUSED):
            view.placeholder = "Your turn: follow the cue"
            if view.has_frame():
                view.set_frame(None)
            return
        view.placeholder = "Your best repetition will show here"
        if exercise_id != self._clip_for:
            self._load_clip(exercise_id)
        if self._clip:
            k = int((self.clock() - self._clip_t0) * self._clip_fps) % len(self._clip)
            if k != self._clip_k:
                self._clip_k = k
                view.set_frame(self._clip[k])

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.stop_practice()
        self.timer.stop()
        self.settings.save_window("patient", self)
        super().closeEvent(event)

    def _export(self) -> None:
        from facetrainer.gui.patient_launcher import ask_and_export

        if getattr(self, "code", ""):
            ask_and_export(self)

    def change_volume(self, step: float) -> float:
        """Cue volume up or down (0..1), remembered; the new volume."""
        cues = self.settings.cue_settings("patient")
        cues.volume = round(min(max(cues.volume + step, 0.0), 1.0), 2)
        self.settings.set_cue_settings("patient", cues)
        if hasattr(self.cue_player, "set_volume"):
            self.cue_player.set_volume(cues.volume)
        if self.home is not None:
            self.home.cues.settings = cues
        self.statusBar().showMessage(f"Cue volume {cues.volume * 100:.0f} %", 3000)
        return cues.volume

    def _save_audio(self) -> None:
        cues = self.settings.cue_settings("patient")
        cues.sounds, cues.speech = self.sound_action.isChecked(), self.speech_action.isChecked()
        self.settings.set_cue_settings("patient", cues)
        if self.home is not None:
            self.home.cues.settings = cues
