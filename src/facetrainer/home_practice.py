"""Home practice wired in one place: program → practice runner → cues, recorder, best-rep clips.

This is the live-session layer for the patient's daily practice (no Qt): it builds today's
:class:`~facetrainer.exercises.practice.PracticeRunner` from the patient's prescribed
program, records every practice as a session automatically (the patient never presses a
second "record" button), asks the cue scheduler for a sound at each phase change, keeps the
best rep of each exercise as a clip, and reads the last days' measure for the charts. The
patient mode only draws it and forwards keys.

Data flow (one way): set runner → ``PracticeRunner.deliver`` → ``tick`` → signals → recorder,
cues, clip collector; frames → clip collector.

A recorder that cannot write (disk full, read-only location) never stops the practice:
:attr:`HomePractice.banner` says the session cannot be saved; what was saved before stays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from facetrainer.exercises.cues import CuePlayer, CueScheduler, CueSettings
from facetrainer.exercises.library import Library, load_library
from facetrainer.exercises.practice import PracticeRunner, SetRunner, describe_day
from facetrainer.exercises.practice_plan import PracticePlan, main_measure, plan_practice
from facetrainer.storage.database import Database, StorageError
from facetrainer.storage.practice_history import daily_measure
from facetrainer.storage.programs import (
    ProgramFileError,
    ProgramSpec,
    get_program,
    latest_program_id,
    load_program_file,
)
from facetrainer.storage.rep_clips import BestRepCollector, save_clip

SAVE_FAILED = "This practice cannot be saved right now ({why}). Keep practising; your earlier sessions are safe."


class NoProgramError(StorageError):
    """The patient has no prescribed program yet."""


def todays_plan(
    db: Database, patient_code: str, program_id: int | None = None, library: Library | None = None
) -> tuple[PracticePlan, int]:
    """The patient's practice from their newest prescribed program (or ``program_id``)."""
    pid = program_id if program_id is not None else latest_program_id(db, patient_code)
    if pid is None:
        raise NoProgramError(
            f"patient {patient_code!r} has no program yet: open the program file your "
            "therapist gave you (File → Open program)"
        )
    spec = get_program(db, pid, known_only=False)
    return plan_practice(spec, library or load_library()), pid


def program_for_patient(path: Any, patient_code: str) -> ProgramSpec:
    """Read a program file the therapist gave this patient.

    :class:`~facetrainer.storage.programs.ProgramFileError` (message names the file) for a
    file that is not a program, from a newer FaceTrainer, or prescribed to another code.
    """
    spec = load_program_file(path)
    if spec.patient and spec.patient != patient_code:
        raise ProgramFileError(
            f"program file {path} is for patient {spec.patient!r}, not for {patient_code!r}: "
            "not imported (ask your therapist for your own program)"
        )
    return spec


def describe_program(spec: ProgramSpec, library: Library | None = None) -> list[str]:
    """One plain line per exercise: "Closed-lip smile: 10 × hold 3 s, rest 6 s"."""
    lib = library or load_library()
    lines = []
    for item in spec.items:
        name = lib[item.exercise].name if item.exercise in lib else f"{item.exercise} (unknown)"
        sets = f"{item.sets} sets of " if item.sets > 1 else ""
        lines.append(f"{name}: {sets}{item.reps} × hold {item.hold_s:g} s, rest {item.rest_s:g} s")
    return lines


class HomePractice:
    """One day's practice of one patient.

    Parameters
    ----------
    db : Database
    patient_code : str
    plan : PracticePlan
    set_runner : SetRunner
    program_id : int, optional
        Stored with the recorded session.
    cue_player : CuePlayer, optional
        Without one, cues are only counted (``cues.requested``).
    cue_settings : CueSettings, optional
    record : bool
        Record the practice as a session (the default; off only for a dry run).
    model : LiveSessionModel, optional
        The live session: it records (its recorder stores the set events, frames and EMG
        itself); without one, this object records the events the set runner reports.
    """

    def __init__(
        self,
        db: Database,
        patient_code: str,
        plan: PracticePlan,
        set_runner: SetRunner,
        *,
        program_id: int | None = None,
        cue_player: CuePlayer | None = None,
        cue_settings: CueSettings | None = None,
        record: bool = True,
        intro_s: float | None = None,
        model: Any = None,
    ) -> None:
        self.db, self.patient_code, self.plan = db, patient_code, plan
        self.program_id = program_id
        kwargs = {} if intro_s is None else {"intro_s": intro_s}
        self.runner = PracticeRunner(plan, set_runner, **kwargs)
        self.cues = CueScheduler(cue_player or _SilentPlayer(), cue_settings, self._exercise_names)
        self.clips = BestRepCollector()
        self.recorder: Any = None
        self.record = record
        self.model = model
        self.saved_clips: dict[str, int] = {}
        self.notices: list[str] = []
        self._banner = ""
        r = self.runner
        r.engine_event.connect(self._on_engine_event)
        r.rep_scored.connect(self._on_rep)
        r.set_finished.connect(self._on_set_finished)
        r.notice.connect(self.notices.append)
        r.finished.connect(self._on_finished)

    # -- what the screen shows -----------------------------------------------------------
    @property
    def banner(self) -> str:
        """A problem the patient must know about (the session cannot be saved), or ""."""
        if self.recorder is not None and getattr(self.recorder, "error", None):
            return SAVE_FAILED.format(why=self.recorder.error)
        return self._banner

    @property
    def session_id(self) -> int | None:
        return getattr(self.recorder, "session_id", None)

    def day_summary(self) -> list[str]:
        return describe_day(self.runner.results)

    def history(self, exercise_id: str, days: int = 7) -> tuple[str, list[tuple[Any, float]]]:
        """(words, [(day, value)]) of an exercise's main measure over the last ``days``."""
        item = next((i for i in self.plan.items if i.exercise.id == exercise_id), None)
        if item is None:
            raise KeyError(f"exercise {exercise_id!r} is not in today's practice")
        key, words = main_measure(item.exercise)
        try:
            return words, daily_measure(self.db, self.patient_code, exercise_id, key, days)
        except StorageError:
            return words, []

    # -- controls ------------------------------------------------------------------------
    def start(self, now_s: float) -> None:
        """Start recording (when possible) and the first exercise."""
        if self.record and self.recorder is None:
            try:
                self.recorder = self._start_recorder()
            except (StorageError, ValueError) as exc:
                self._banner = SAVE_FAILED.format(why=exc)
        if self.model is not None:
            self.model.events.source_state_changed.connect(self._on_source_state)
            self.model.events.sources_changed.connect(self._on_sources_changed)
        self.runner.start(now_s)

    def _on_source_state(self, status: Any) -> None:
        """The model's watcher thread: the camera going away pauses the set, its return
        continues it (the runner handles both on its own thread)."""
        video = self.model.video_source if self.model is not None else None
        if video is None or status.name != video.name:
            return
        state = str(getattr(status.state, "value", status.state))
        if state in ("disconnected", "failed"):
            self.runner.source_lost(f"The camera stopped ({status.message or state})")
        elif state == "streaming":
            self.runner.source_back()

    def _on_sources_changed(self) -> None:
        self.runner.source_changed("The signal source changed")

    def _start_recorder(self) -> Any:
        if self.model is not None:
            model = self.model
            if model.recorder is not None:  # the therapist's recording: this one replaces it
                model.stop_recording()
            model.set_patient(self.patient_code, self.program_id)
            model.start_recording("practice")
            return model.recorder
        from facetrainer.storage.recorder import SessionRecorder

        rec = SessionRecorder(self.db, self.patient_code, program_id=self.program_id)
        rec.start()
        return rec

    def attach_pipeline(self, pipeline: Any) -> Callable[[], None]:
        """Record the pipeline's frames/EMG and keep frames for clips; returns a detach."""
        listener = self.on_processed_frame
        pipeline.processor.listeners.append(listener)
        if self.recorder is not None and self.model is None:
            self.recorder.attach(pipeline)

        def detach() -> None:
            if listener in pipeline.processor.listeners:
                pipeline.processor.listeners.remove(listener)

        return detach

    def on_processed_frame(self, pf: Any) -> None:
        """A pipeline listener (processing thread): keep the frame for a best-rep clip."""
        self.clips.add_frame(float(pf.frame.timestamp_s), pf.display_rgb)

    def add_frame(self, t_s: float, rgb: np.ndarray) -> None:
        self.clips.add_frame(t_s, rgb)

    def stop(self) -> None:
        """Leave: stop the set in progress and finish the recording."""
        if self.runner.state not in ("done", "ready"):
            self.runner.set_runner.stop_set()
        if self.model is not None:
            self.model.events.source_state_changed.disconnect(
                self._on_source_state, missing_ok=True
            )
            self.model.events.sources_changed.disconnect(self._on_sources_changed, missing_ok=True)
        self._stop_recorder()

    # -- internals -----------------------------------------------------------------------
    def _exercise_names(self) -> tuple[str, str]:
        item = self.runner.item
        return (item.exercise.id, item.exercise.name) if item is not None else ("", "")

    def _on_engine_event(self, event: Any) -> None:
        self.cues.on_event(event)
        if self.model is None and self.recorder is not None and self.runner.item is not None:
            self.recorder.on_engine_event(event, exercise=self.runner.item.exercise.id)

    def _on_rep(self, item_index: int, rep: dict) -> None:
        self.clips.on_rep(self.plan.items[item_index].exercise.id, rep)

    def _on_set_finished(self, item_index: int, _text: str) -> None:
        exercise = self.plan.items[item_index].exercise.id
        best = self.clips.unsaved(exercise)
        if best is None or self.session_id is None:
            return
        quality, index, frames, fps = best
        try:
            clip_id = save_clip(self.db, self.session_id, exercise, index, quality, frames, fps)
            self.clips.mark_saved(exercise)
            self.saved_clips[exercise] = clip_id
        except (StorageError, ValueError) as exc:
            self.notices.append(f"the best-rep clip could not be saved: {exc}")
        except Exception as exc:  # noqa: BLE001 - a database error must not stop practice
            self._banner = SAVE_FAILED.format(why=exc)

    def _on_finished(self) -> None:
        self._stop_recorder()

    def _stop_recorder(self) -> None:
        if self.recorder is not None and not getattr(self, "_stopped", False):
            self._stopped = True
            try:
                if self.model is not None:
                    self.model.stop_recording()
                else:
                    self.recorder.detach()
                    self.recorder.stop()
            except StorageError as exc:
                self._banner = SAVE_FAILED.format(why=exc)


class _SilentPlayer:
    def play_sound(self, kind: str) -> None:
        pass

    def say(self, text: str) -> None:
        pass
