"""The live session, headless: the one place where a live session is wired.

::

    SessionConfig ──build_sources──▶ video source ──▶ Pipeline (FrameProcessor + face stage,
                                                      MirrorViewRenderer) ──▶ latest frame ─┐
                                     EMG sources ──▶ LiveEmg per source (the one EmgChain,   │
                                                      raw/filtered/envelope rings)           │
                                                           │ envelope by sample index        │
                                                           ▼                                 │
                      start_set ──▶ LiveExerciseSession (engine on its worker) ◀─ frames ────┤
                                          │ typed events (SessionEvents)                     │
                                          ▼                                                  │
                 start_recording ──▶ SessionRecorder ◀── frames, raw rings, set events ──────┘
                                          │
                                          ▼  Database (opened off the GUI thread)

The GUI builds one :class:`LiveSessionModel`, hands it to the main window, and panels are
constructed with the part they show; they read attributes, call methods and connect to
``model.events``. Nothing here imports Qt. The public API is listed in
``docs/dev/ARCHITECTURE.md`` ("The live-session model").
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from pathlib import Path
from typing import Any

from facetrainer.capture.video_sources import VideoSource
from facetrainer.emg.live import LiveEmg, live_for
from facetrainer.emg.montage import Montage, MontageError, load_montage
from facetrainer.emg.source import ConsumerError, EmgSource
from facetrainer.exercises.activation import Calibration, CalibrationError
from facetrainer.exercises.library import Exercise, Library, load_library
from facetrainer.exercises.session import LiveExerciseSession
from facetrainer.live.config import SIDES, SessionConfig
from facetrainer.live.events import SessionEvents
from facetrainer.live.sources import BuiltSources, build_sources, demo_sources
from facetrainer.pipeline import Pipeline
from facetrainer.source_status import SourceStatus

log = logging.getLogger(__name__)

STATUS_POLL_S = 0.25  # how often source states are compared for source_state_changed


class LiveSessionModel:
    """Sources, EMG streams, the set in progress, the recorder and the database of one app.

    Parameters
    ----------
    config
        What to start with (see :class:`~facetrainer.live.config.SessionConfig`).
    sources
        Already built sources (tests, scripts); by default built from ``config``.
    library
        The exercise library (default: the packaged and the user's exercises).
    pipeline
        An already configured pipeline to adopt with its sources (older callers that built
        one themselves); ``sources`` and the config's sources are then not used.
    """

    def __init__(
        self,
        config: SessionConfig | None = None,
        *,
        sources: BuiltSources | None = None,
        library: Library | None = None,
        pipeline: Pipeline | None = None,
    ) -> None:
        self.config = config or SessionConfig()
        self.events = SessionEvents()
        self.pipeline = pipeline if pipeline is not None else Pipeline()
        self.pipeline.processor.on_consumer_error.append(self._on_consumer_error)
        self._library = library
        self.emg_streams: list[LiveEmg] = []
        self.consumer_errors: list[ConsumerError] = []
        self.problems: list[str] = []  # what the configuration asked for but could not get
        self.montage: Montage | None = None
        self.affected_side: str | None = self.config.affected_side
        self.calibration: Calibration | None = None
        self.patient_code: str | None = self.config.patient_code
        self.program_id: int | None = self.config.program_id
        self.exercise_session: LiveExerciseSession | None = None
        self.exercise: Exercise | None = None  # the set in progress (with its reps/timing)
        self.recorder: Any = None  # facetrainer.storage.recorder.SessionRecorder
        self.database: Any = None  # facetrainer.storage.database.Database
        self.database_error: str | None = None
        self._db_thread: threading.Thread | None = None
        self._db_lock = threading.Lock()
        self._started = False
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._statuses: dict[int, SourceStatus] = {}
        if self.config.montage:
            try:
                self.montage = load_montage(self.config.montage)
            except MontageError as exc:
                self.problems.append(str(exc))
        if self.config.calibration_path is not None:
            try:
                self.calibration = Calibration.load(self.config.calibration_path)
            except CalibrationError as exc:
                self.problems.append(str(exc))
        if self.config.face_analysis:
            from facetrainer.face.live import ensure_face_analysis_stage

            ensure_face_analysis_stage(self.pipeline.processor)
        if pipeline is not None:
            self.set_emg_sources(list(pipeline.emg_sources), restart=False)
            return
        built = sources if sources is not None else build_sources(self.config)
        self.problems.extend(built.problems)
        for problem in built.problems:
            log.warning("%s", problem)
        self.set_video_source(built.video)
        self.set_emg_sources(built.emg)

    # -- what panels read ------------------------------------------------------------------
    @property
    def library(self) -> Library:
        if self._library is None:
            self._library = load_library()
        return self._library

    @property
    def video_source(self) -> VideoSource | None:
        return self.pipeline.processor.source

    @property
    def emg_sources(self) -> list[EmgSource]:
        return list(self.pipeline.emg_sources)

    @property
    def recording(self) -> bool:
        return self.recorder is not None

    # -- life cycle --------------------------------------------------------------------------
    def start(self) -> None:
        """Start the sources and the processing threads (idempotent)."""
        if self._started:
            return
        self._started = True
        self._stop.clear()
        self.pipeline.start()
        self._watcher = threading.Thread(target=self._watch, name="status-watch", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        """End a set and a recording (both kept), then stop every source and thread."""
        self.stop_set()
        if self.recorder is not None:
            self.stop_recording()
        self._stop.set()
        # Always: a source starts when it is set (before start()), and its thread must not
        # outlive the model (a daemon thread inside native code aborts the interpreter's exit).
        self.pipeline.stop()
        if self._watcher is not None:
            self._watcher.join(2.0)
        self._started = False

    # -- sources -----------------------------------------------------------------------------
    def set_video_source(self, source: VideoSource | None, *, start: bool = True) -> None:
        """Show and analyse this video source (the previous one is stopped)."""
        self.pipeline.processor.set_source(source, start=start)
        self.events.sources_changed.emit()

    def set_emg_sources(self, sources: list[EmgSource], *, restart: bool = True) -> None:
        """Stop the current EMG sources and stream from these (each gets its chain).
        ``restart=False`` adopts sources already in the pipeline."""
        if self.exercise_session is not None:
            self.stop_set()  # its EMG stream is going away
        if restart:
            self.pipeline.remove_emg_sources()
        self.emg_streams = []
        for index, source in enumerate(sources):
            self.emg_streams.append(live_for(source, self.montage))
            source.on_consumer_error.append(self._on_consumer_error)
            if restart:
                self.pipeline.add_emg_source(source)
            if self.recorder is not None:
                self.recorder.attach_emg_source(source, index)
        self.events.sources_changed.emit()

    def use_demo(self) -> None:
        """The virtual patient (video and EMG) as the sources."""
        video, emg = demo_sources(self.config)
        self.set_video_source(video)
        self.set_emg_sources([emg] if emg is not None else [])

    # -- what is being practised ------------------------------------------------------------
    def set_montage(self, montage: Montage | str | Path | None) -> Montage | None:
        """Which channel is which muscle/side: a Montage, a packaged name, a file or None.

        Raises
        ------
        MontageError
            The file or name is not a valid montage (the message names file and field).
        """
        if montage is not None and not isinstance(montage, Montage):
            montage = load_montage(montage)
        self.montage = montage
        for stream in self.emg_streams:
            stream.set_montage(montage)
        self.events.montage_changed.emit(montage)
        return montage

    def set_affected_side(self, side: str | None) -> None:
        if side is not None and side not in SIDES:
            raise ValueError(f"affected side must be 'left', 'right' or None, got {side!r}")
        self.affected_side = side
        self.events.affected_side_changed.emit(side)

    def set_calibration(self, calibration: Calibration | None) -> None:
        self.calibration = calibration
        if self.recorder is not None:  # made during a recording: the session's from now on
            self.recorder.set_calibration(calibration.to_json() if calibration else {})
        self.events.calibration_changed.emit(calibration)

    def set_patient(self, code: str | None, program_id: int | None = None) -> None:
        if self.recorder is not None and code != self.patient_code:
            raise ValueError(
                f"recording for {self.patient_code!r}: stop it before changing the patient"
            )
        self.patient_code, self.program_id = code, program_id
        self.events.patient_changed.emit(code)

    # -- sets --------------------------------------------------------------------------------
    def start_set(
        self,
        exercise: Exercise | str,
        *,
        cued: bool = True,
        calibration: Calibration | None = None,
        thresholds: Any = None,
        reps: int | None = None,
        hold_s: float | None = None,
        rest_s: float | None = None,
    ) -> LiveExerciseSession:
        """Start scoring a set of ``exercise`` (an id or an Exercise) from the live sources.

        ``reps``/``hold_s``/``rest_s`` override the exercise's; ``calibration`` replaces the
        model's for this set. A running set is stopped first. Events arrive on
        ``self.events`` whether or not a recording runs; a recording started before or after
        stores them.

        Raises
        ------
        KeyError
            Unknown exercise id.
        ValueError
            A guided (unscored) exercise, or no usable input (the message says why).
        """
        ex = self.library[exercise] if isinstance(exercise, str) else exercise
        if not ex.scored:
            raise ValueError(f"{ex.name} is a guided routine: it is not scored")
        if reps is not None:
            ex = dataclasses.replace(ex, reps=int(reps))
        if hold_s is not None:
            ex = dataclasses.replace(ex, hold_s=float(hold_s))
        if rest_s is not None:
            ex = dataclasses.replace(ex, rest_s=float(rest_s))
        self.stop_set()
        from facetrainer.face.live import FaceAnalysisStage

        has_face_stage = any(isinstance(s, FaceAnalysisStage) for s in self.pipeline.processor.stages)
        session = LiveExerciseSession(
            self.pipeline,
            ex,
            use_video=has_face_stage,  # frames may come later (a source chosen after)
            use_emg=bool(self.emg_streams),
            montage=self.montage,
            affected_side=self.affected_side,
            thresholds=thresholds,
            calibration=calibration if calibration is not None else self.calibration,
            cued=cued,
            events=self.events,
        )
        self.exercise, self.exercise_session = ex, session
        session.start()
        self.events.set_started.emit(ex)
        return session

    def stop_set(self) -> None:
        """Finish the set in progress (its scored reps are kept; a rep under way is not)."""
        session, self.exercise_session = self.exercise_session, None
        if session is None:
            return
        session.stop()
        self.events.set_stopped.emit()

    # -- database and recording -------------------------------------------------------------
    def open_database(self) -> Any:
        """Open (create, migrate) the database now, on this thread; returns it."""
        from facetrainer.storage.database import StorageError, open_database
        from facetrainer.storage.programs import builtin_programs, save_program

        with self._db_lock:
            if self.database is not None:
                return self.database
            try:
                db = open_database(self.config.db_url, self.config.data_dir)
            except StorageError as exc:
                self.database_error = str(exc)
                self.events.database_failed.emit(str(exc))
                raise
            for spec in builtin_programs():
                try:
                    save_program(db, spec)
                except StorageError:
                    pass  # a clinic edited the same revision: theirs stays
            self.database, self.database_error = db, None
        self.events.database_ready.emit(db)
        return db

    def open_database_async(self) -> None:
        """Open the database on a worker thread; ``database_ready``/``database_failed``."""
        if self.database is not None or (self._db_thread and self._db_thread.is_alive()):
            return

        def work() -> None:
            from facetrainer.storage.database import StorageError

            try:
                self.open_database()
            except StorageError:
                pass  # reported through database_failed

        self._db_thread = threading.Thread(target=work, name="open-database", daemon=True)
        self._db_thread.start()

    def start_recording(self, kind: str = "practice") -> int:
        """Record the session (frames, raw EMG, set events) for the current patient.

        Raises
        ------
        ValueError
            No patient chosen, or a recording already runs.
        StorageError
            No database, or the session row could not be written.
        """
        from facetrainer.storage.database import StorageError
        from facetrainer.storage.recorder import SessionRecorder

        if self.recorder is not None:
            raise ValueError(f"already recording session {self.recorder.session_id}")
        if not self.patient_code:
            raise ValueError("choose or create a patient before recording")
        if self.database is None:
            raise StorageError(self.database_error or "the database is not open yet")
        video = self.video_source
        recorder = SessionRecorder(
            self.database,
            self.patient_code,
            program_id=self.program_id,
            kind=kind,
            sources={"video": video.name if video else "",
                     "emg": [s.name for s in self.emg_sources]},  # fmt: skip
            montage=self._montage_json(),
            calibration=self.calibration.to_json() if self.calibration else {},
        )
        sid = recorder.start()
        recorder.attach(self.pipeline)
        recorder.attach_set_events(self.events, exercise=self._exercise_id)
        self.recorder = recorder
        self.events.recording_started.emit(sid)
        return sid

    def stop_recording(self) -> Any:
        """Write what is pending and mark the session complete; returns the recorder (its
        ``stats``, ``error``), or None when nothing was recording."""
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return None
        recorder.stop()
        self.events.recording_stopped.emit(recorder.session_id or -1)
        return recorder

    # -- internals ---------------------------------------------------------------------------
    def _exercise_id(self) -> str:
        return self.exercise.id if self.exercise is not None else ""

    def _montage_json(self) -> dict[str, Any]:
        if self.montage is None:
            return {}
        return {key: p.label for key, p in self.montage.channels.items()}

    def _on_consumer_error(self, error: ConsumerError) -> None:
        self.consumer_errors.append(error)
        self.events.consumer_failed.emit(error)

    def _watch(self) -> None:
        while not self._stop.wait(STATUS_POLL_S):
            self.poll_source_states()

    def poll_source_states(self) -> list[SourceStatus]:
        """Emit ``source_state_changed`` for every source whose state changed since the
        last call (the watcher thread calls this; tests may call it directly)."""
        changed = []
        sources: list[Any] = [self.video_source, *self.emg_sources]
        for source in sources:
            if source is None:
                continue
            status = source.status
            if self._statuses.get(id(source)) != status:
                self._statuses[id(source)] = status
                changed.append(status)
                self.events.source_state_changed.emit(status)
        return changed

