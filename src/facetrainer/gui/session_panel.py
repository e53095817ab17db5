"""Session panel: patient and program, crash-safe recording, markers, the photo assessment.

Built with the live-session model: the model opens the database off the GUI thread;
sessions a crash left ``recording`` are offered for keeping (or discarding) in a
non-blocking message box. Record starts ``model.start_recording`` for the chosen patient
(frames, raw EMG, and every set's events whenever the set was started); Stop ends it.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from facetrainer.gui.assessment_dialog import AssessmentDialog
from facetrainer.gui.patient_database import (
    DatabaseHolder,
    PatientDialog,
    database_holder,
    emit_from_worker,
)
from facetrainer.live.session_model import LiveSessionModel
from facetrainer.storage import (
    Database,
    SessionRecorder,
    StorageError,
    create_patient,
    list_patients,
)
from facetrainer.storage.programs import (
    export_program,
    get_program,
    import_program,
    program_names,
)
from facetrainer.storage.recovery import (
    InterruptedSession,
    discard_session,
    find_interrupted_sessions,
    keep_session,
)

STATUS_INTERVAL_MS = 500


class SessionPanel(QWidget):
    """Patient, program, recording and markers of the live-session model."""

    recovery_found = Signal(list)
    status_message = Signal(str)  # for the status bar

    def __init__(self, model: LiveSessionModel, database: DatabaseHolder) -> None:
        super().__init__()
        self.model = model
        self.database = database
        self.db: Database | None = None
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
        holder = database
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
        self.status_message.emit(f"Patient database unavailable: {message}")

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
        self.database.patients_changed.emit()

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

    @property
    def recorder(self) -> SessionRecorder | None:
        """The model's recorder while recording."""
        return self.model.recorder

    def start_recording(self) -> bool:
        """Start recording the selected patient (True when recording)."""
        if self.model.recorder is not None:
            return True
        code = self.patient_box.currentText()
        if self.db is None or not code:
            self.status.setText("Choose or create a patient first.")
            self._set_button(False)
            return False
        try:
            self.model.set_patient(code, self.program_box.currentData())
            sid = self.model.start_recording()
        except (StorageError, ValueError) as exc:
            self.status.setText(f"<span style='color:#b00'>{exc}</span>")
            self._set_button(False)
            return False
        self._set_button(True)
        self.marker_button.setEnabled(True)
        self.patient_box.setEnabled(False)
        self._timer.start()
        self.status_message.emit(f"Recording session {sid} for {code}")
        return True

    def stop_recording(self) -> None:
        rec = self.model.stop_recording()
        self._timer.stop()
        if rec is not None:
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
        self.assessment_dialog = AssessmentDialog(self.db, code, self.model.pipeline, self)
        self.assessment_dialog.show()


def install(window: Any) -> None:
    panel = SessionPanel(window.model, database_holder(window))
    panel.status_message.connect(window.show_status)
    window.register_panel("session", panel)
    window.add_dock("Session", panel, Qt.DockWidgetArea.RightDockWidgetArea)
    session_menu = window.menu("Session")
    session_menu.addAction("Start/stop recording", panel.record_button.toggle)
    session_menu.addAction("Add marker", panel.add_marker)
    session_menu.addAction("Standard assessment…", panel._open_assessment)
    session_menu.addAction("New patient…", panel._new_patient)
    session_menu.addAction("Import program…", panel._import_program)
