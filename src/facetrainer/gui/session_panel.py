"""Session panel: patient and program, crash-safe recording, markers, the photo assessment.

At start the database is opened off the GUI thread; sessions a crash left ``recording``
are offered for keeping (or discarding) in a non-blocking message box. While recording,
:class:`~facetrainer.storage.recorder.SessionRecorder` is attached to the window's pipeline
(frames and every EMG chunk); other panels can add the exercise engine's events with
``window.session_recorder.attach_exercise_session(live_session)``.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from facetrainer.storage import (
    Database,
    SessionRecorder,
    StorageError,
    create_patient,
    list_patients,
    open_database,
)
from facetrainer.storage.programs import (
    builtin_programs,
    export_program,
    get_program,
    import_program,
    program_names,
    save_program,
)
from facetrainer.storage.recovery import (
    InterruptedSession,
    discard_session,
    find_interrupted_sessions,
    keep_session,
)

STATUS_INTERVAL_MS = 500


def emit_from_worker(signal: Any, *args: Any) -> None:
    """Emit from a worker thread; the receiver may have been closed meanwhile (ignored)."""
    try:
        signal.emit(*args)
    except RuntimeError:  # "Internal C++ object already deleted": the window went away
        pass


class DatabaseHolder(QObject):
    """Opens the window's database once, off the GUI thread; ``ready`` or ``failed``."""

    ready = Signal(object)  # Database
    failed = Signal(str)
    patients_changed = Signal()  # a panel added a patient or program: lists reload

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.db: Database | None = None
        self.error: str | None = None
        self._window = window
        self._started = False

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        args = self._window.app_args
        url, data_dir = getattr(args, "db", None), getattr(args, "data_dir", None)

        def work() -> None:
            try:
                db = open_database(url, data_dir)
                for spec in builtin_programs():
                    try:
                        save_program(db, spec)
                    except StorageError:
                        pass  # a clinic edited the same revision: theirs stays
                self.db = db
                emit_from_worker(self.ready, db)
            except StorageError as exc:
                self.error = str(exc)
                emit_from_worker(self.failed, str(exc))

        threading.Thread(target=work, name="open-database", daemon=True).start()


def database_holder(window: Any) -> DatabaseHolder:
    """The window's shared :class:`DatabaseHolder` (created and started on first use)."""
    holder = getattr(window, "_facetrainer_db_holder", None)
    if holder is None:
        holder = DatabaseHolder(window)
        window._facetrainer_db_holder = holder
        holder.start()
    return holder


class PatientDialog(QDialog):
    """A new patient: pseudonymous code, affected side, cause, onset date, notes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New patient")
        form = QFormLayout(self)
        self.code = QLineEdit()
        self.code.setPlaceholderText("pseudonym, e.g. P014 (never a name)")
        self.side = QComboBox()
        self.side.addItems(["left", "right", "both", "none"])
        self.cause = QLineEdit()
        self.onset = QDateEdit(QDate.currentDate())
        self.onset.setCalendarPopup(True)
        self.notes = QLineEdit()
        for label, w in (
            ("Code", self.code),
            ("Affected side", self.side),
            ("Cause", self.cause),
            ("Onset", self.onset),
            ("Notes", self.notes),
        ):
            form.addRow(label, w)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict[str, Any]:
        return {
            "code": self.code.text().strip(),
            "affected_side": self.side.currentText(),
            "cause": self.cause.text().strip(),
            "onset_date": self.onset.date().toString("yyyy-MM-dd"),
            "notes": self.notes.text().strip(),
        }


class SessionPanel(QWidget):
    recovery_found = Signal(list)

    def __init__(self, window: Any) -> None:
        super().__init__()
        self.window_ = window
        self.db: Database | None = None
        self.recorder: SessionRecorder | None = None
        self.recovery_box: QMessageBox | None = None
        self.assessment_dialog: QDialog | None = None
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.patient_box = QComboBox()
        self.new_patient_button = QPushButton("New…")
        row.addWidget(QLabel("Patient"))
        row.addWidget(self.patient_box, 1)
        row.addWidget(self.new_patient_button)
        lay.addLayout(row)
        row = QHBoxLayout()
        self.program_box = QComboBox()
        self.import_button = QPushButton("Import…")
        self.export_button = QPushButton("Export…")
        row.addWidget(QLabel("Program"))
        row.addWidget(self.program_box, 1)
        row.addWidget(self.import_button)
        row.addWidget(self.export_button)
        lay.addLayout(row)
        row = QHBoxLayout()
        self.record_button = QPushButton("Start recording")
        self.record_button.setCheckable(True)
        self.marker_button = QPushButton("Marker")
        self.assess_button = QPushButton("Assessment…")
        for b in (self.record_button, self.marker_button, self.assess_button):
            row.addWidget(b)
        lay.addLayout(row)
        self.status = QLabel("Opening the patient database…")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        lay.addStretch(1)
        self._set_enabled(False)
        self.new_patient_button.clicked.connect(self._new_patient)
        self.import_button.clicked.connect(self._import_program)
        self.export_button.clicked.connect(self._export_program)
        self.record_button.toggled.connect(self._toggle_recording)
        self.marker_button.clicked.connect(self.add_marker)
        self.assess_button.clicked.connect(self._open_assessment)
        self.recovery_found.connect(self._offer_recovery)
        self._timer = QTimer(self)
        self._timer.setInterval(STATUS_INTERVAL_MS)
        self._timer.timeout.connect(self._update_status)
        holder = database_holder(window)
        holder.ready.connect(self._on_db)
        holder.failed.connect(self._on_db_failed)
        if holder.db is not None:
            self._on_db(holder.db)
        elif holder.error is not None:
            self._on_db_failed(holder.error)

    # -- database --------------------------------------------------------------------
    def _set_enabled(self, on: bool) -> None:
        for w in (
            self.patient_box,
            self.new_patient_button,
            self.program_box,
            self.import_button,
            self.export_button,
            self.record_button,
            self.assess_button,
        ):
            w.setEnabled(on)
        self.marker_button.setEnabled(False)

    def _on_db(self, db: Database) -> None:
        if self.db is not None:
            return
        self.db = db
        self._set_enabled(True)
        self.refresh()
        self.status.setText(f"Database: {db.description}")

        def check() -> None:
            found = find_interrupted_sessions(db)
            if found:
                emit_from_worker(self.recovery_found, found)

        threading.Thread(target=check, name="find-interrupted", daemon=True).start()

    def _on_db_failed(self, message: str) -> None:
        self.status.setText(
            f"<span style='color:#b00'>Patient database unavailable: {message}</span>"
        )
        self.window_.show_status(f"Patient database unavailable: {message}", 15000)

    def refresh(self) -> None:
        """Reload the patient and program lists."""
        if self.db is None:
            return
        current = self.patient_box.currentText()
        self.patient_box.clear()
        self.patient_box.addItems([p.code for p in list_patients(self.db)])
        if current:
            self.patient_box.setCurrentText(current)
        self.program_box.clear()
        self.program_box.addItem("(no program)", None)
        for pid, name, rev in program_names(self.db):
            self.program_box.addItem(f"{name} (rev. {rev})", pid)
        database_holder(self.window_).patients_changed.emit()

    # -- recovery ---------------------------------------------------------------------
    def _offer_recovery(self, found: list[InterruptedSession]) -> None:
        lines = [
            f"session {f.session_id} of {f.patient_code}, started "
            f"{f.started_at:%Y-%m-%d %H:%M}, {f.duration_s / 60:.1f} min saved"
            for f in found
        ]
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Recover interrupted sessions",
            "FaceTrainer closed unexpectedly while recording. Keep what was "
            "saved (marked incomplete)?\n\n" + "\n".join(lines),
            parent=self,
        )
        keep = box.addButton("Keep", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.setWindowModality(Qt.WindowModality.NonModal)

        def done(button: Any) -> None:
            if self.db is None:
                return
            for f in found:
                (keep_session if button is keep else discard_session)(self.db, f.session_id)
            verb = "kept (incomplete)" if button is keep else "discarded"
            self.status.setText(f"{len(found)} interrupted session(s) {verb}")

        box.buttonClicked.connect(done)
        self.recovery_box = box
        box.open()

    # -- patients and programs --------------------------------------------------------
    def _new_patient(self) -> None:
        dlg = PatientDialog(self)
        if dlg.exec() != QDialog.DialogCode.Accepted or self.db is None:
            return
        v = dlg.values()
        try:
            create_patient(self.db, **v)
        except (StorageError, ValueError) as exc:
            QMessageBox.warning(self, "New patient", str(exc))
            return
        self.refresh()
        self.patient_box.setCurrentText(v["code"])

    def _import_program(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import program", "", "Programs (*.json *.toml)"
        )
        if path:
            self.import_program_file(path)

    def import_program_file(self, path: str) -> int | None:
        """Import a program file for the selected patient; errors are shown, not raised."""
        if self.db is None:
            return None
        try:
            pid = import_program(self.db, path, self.patient_box.currentText() or None)
        except StorageError as exc:
            self.status.setText(f"<span style='color:#b00'>{exc}</span>")
            return None
        self.refresh()
        self.program_box.setCurrentIndex(self.program_box.findData(pid))
        self.status.setText(f"Program imported from {path}")
        return pid

    def _export_program(self) -> None:
        pid = self.program_box.currentData()
        if pid is None or self.db is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Export program", "program.json", "Program (*.json)"
        )
        if path:
            try:
                export_program(get_program(self.db, pid), path, overwrite=True)
                self.status.setText(f"Program written to {path}")
            except StorageError as exc:
                self.status.setText(f"<span style='color:#b00'>{exc}</span>")

    # -- recording ----------------------------------------------------------------------
    def _toggle_recording(self, on: bool) -> None:
        if on:
            self.start_recording()
        else:
            self.stop_recording()

    def _set_button(self, recording: bool) -> None:
        self.record_button.blockSignals(True)  # the button's state follows, never drives
        self.record_button.setChecked(recording)
        self.record_button.blockSignals(False)
        self.record_button.setText("Stop recording" if recording else "Start recording")

    def start_recording(self) -> bool:
        """Start recording the selected patient (True when recording)."""
        if self.recorder is not None:
            return True
        code = self.patient_box.currentText()
        if self.db is None or not code:
            self.status.setText("Choose or create a patient first.")
            self._set_button(False)
            return False
        pipeline = self.window_.pipeline
        src = pipeline.processor.source
        sources = {
            "video": getattr(src, "name", "") if src else "",
            "emg": [s.name for s in pipeline.emg_sources],
        }
        self.recorder = SessionRecorder(
            self.db, code, program_id=self.program_box.currentData(), sources=sources
        )
        try:
            sid = self.recorder.start()
        except StorageError as exc:
            self.recorder = None
            self.status.setText(f"<span style='color:#b00'>{exc}</span>")
            self._set_button(False)
            return False
        self.recorder.attach(pipeline)
        # An exercise set already running: record its events and reps too (a set started
        # later attaches itself through window.session_recorder).
        live = getattr(getattr(self.window_, "exercise_panel", None), "session", None)
        if live is not None:
            self.recorder.attach_exercise_session(live)
        self.window_.session_recorder = self.recorder
        self._set_button(True)
        self.marker_button.setEnabled(True)
        self.patient_box.setEnabled(False)
        self._timer.start()
        self.window_.show_status(f"Recording session {sid} for {code}")
        return True

    def stop_recording(self) -> None:
        rec, self.recorder = self.recorder, None
        self._timer.stop()
        self.window_.session_recorder = None
        if rec is not None:
            rec.stop()
            msg = (
                f"Session {rec.session_id} saved: {rec.stats.emg_samples} EMG samples, "
                f"{rec.stats.frames} frames, {rec.stats.reps} reps"
            )
            self.status.setText(msg if not rec.error else f"{msg}; {rec.error}")
        self._set_button(False)
        self.marker_button.setEnabled(False)
        self.patient_box.setEnabled(self.db is not None)

    def add_marker(self) -> None:
        if self.recorder is not None:
            self.recorder.record_event("marker", note="marker button")

    def _update_status(self) -> None:
        rec = self.recorder
        if rec is None:
            return
        st = rec.stats
        text = (
            f"Recording session {rec.session_id}: {st.emg_samples} EMG samples, "
            f"{st.frames} frames, {st.reps} reps saved"
        )
        if rec.error:
            text += f"<br><span style='color:#b00'>{rec.error}</span>"
        self.status.setText(text)

    def _open_assessment(self) -> None:
        code = self.patient_box.currentText()
        if self.db is None or not code:
            self.status.setText("Choose or create a patient first.")
            return
        self.assessment_dialog = AssessmentDialog(self.db, code, self.window_.pipeline, self)
        self.assessment_dialog.show()


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


class _CloseWatcher(QObject):
    """Stops a running recording when the main window closes (marks it complete)."""

    def __init__(self, panel: SessionPanel) -> None:
        super().__init__(panel)
        self.panel = panel

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Close:
            self.panel.stop_recording()
        return False


def install(window: Any) -> None:
    panel = SessionPanel(window)
    window.session_panel = panel
    window.session_recorder = None
    window.add_dock("Session", panel, Qt.DockWidgetArea.RightDockWidgetArea)
    session_menu = window.menu("Session")
    session_menu.addAction("Start/stop recording", panel.record_button.toggle)
    session_menu.addAction("Add marker", panel.add_marker)
    session_menu.addAction("Standard assessment…", panel._open_assessment)
    session_menu.addAction("New patient…", panel._new_patient)
    session_menu.addAction("Import program…", panel._import_program)
    watcher = _CloseWatcher(panel)
    window.installEventFilter(watcher)
