"""Clinician view: patient table with search → a patient's sessions → a session reviewed.

Each opened session gets its own tab (:class:`SessionView`). The clinician report (PDF, as
*Reports → Clinician report…* writes it) is exported from here for the selected patient —
for the selected session's day, or for all sessions — off the GUI thread; *Open report*
opens the written PDF with the system's viewer.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from facetrainer.gui.review.session_view import SessionView
from facetrainer.storage.database import Database, StorageError
from facetrainer.storage.session_review import (
    RECENT_DAYS,
    PatientRow,
    SessionRow,
    load_session_review,
    patient_rows,
    session_rows,
)

PATIENT_COLUMNS = ("code", "cause", "side", "last session", f"last {RECENT_DAYS} days",
                   "sessions")
SESSION_COLUMNS = ("id", "started (UTC)", "kind", "status", "min", "program", "reps",
                   "quality", "markers")


def _table(columns: tuple[str, ...]) -> QTableWidget:
    t = QTableWidget(0, len(columns))
    t.setHorizontalHeaderLabels(columns)
    t.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    t.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
    t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setStretchLastSection(True)
    return t


class ClinicianView(QWidget):
    """Browse patients and sessions; open sessions for review; export the report."""

    session_opened = Signal(object)  # SessionView
    report_done = Signal(object)  # list of written paths, or the error text

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Clinician view")
        self.db = db
        self.patients: list[PatientRow] = []
        self.sessions: list[SessionRow] = []
        self.last_report: Path | None = None
        self.last_open_s = 0.0  # how long the last session took to open (load + build)
        split = QSplitter()
        left = QWidget()
        col = QVBoxLayout(left)
        self.search = QLineEdit()
        self.search.setPlaceholderText("search code, cause or side")
        self.search.textChanged.connect(self.reload_patients)
        col.addWidget(self.search)
        self.patient_table = _table(PATIENT_COLUMNS)
        self.patient_table.itemSelectionChanged.connect(self._patient_selected)
        col.addWidget(self.patient_table, 1)
        self.session_table = _table(SESSION_COLUMNS)
        self.session_table.cellDoubleClicked.connect(lambda row, _c: self.open_session_row(row))
        col.addWidget(self.session_table, 2)
        buttons = QHBoxLayout()
        self.open_button = QPushButton("Review session")
        self.open_button.clicked.connect(lambda: self.open_session_row(
            self.session_table.currentRow()))
        self.report_button = QPushButton("Export report…")
        self.report_button.clicked.connect(self._choose_report)
        self.whole_history = QCheckBox("all sessions")
        self.open_report_button = QPushButton("Open report")
        self.open_report_button.setEnabled(False)
        self.open_report_button.clicked.connect(self.open_report)
        for b in (self.open_button, self.report_button, self.whole_history,
                  self.open_report_button):
            buttons.addWidget(b)
        col.addLayout(buttons)
        self.status = QLabel()
        self.status.setWordWrap(True)
        col.addWidget(self.status)
        split.addWidget(left)
        self.tabs = QTabWidget()
        self.tabs.setTabsClosable(True)
        self.tabs.tabCloseRequested.connect(self.tabs.removeTab)
        split.addWidget(self.tabs)
        split.setSizes([520, 1000])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.report_done.connect(self._report_finished)
        self.reload_patients()

    # -- patients and sessions -----------------------------------------------------------
    def reload_patients(self) -> None:
        self.patients = patient_rows(self.db, self.search.text())
        t = self.patient_table
        t.setRowCount(len(self.patients))
        for row, p in enumerate(self.patients):
            last = f"{p.last_session:%Y-%m-%d}" if p.last_session else "—"
            for c, v in enumerate((p.code, p.cause, p.affected_side, last,
                                   str(p.sessions_recent), str(p.sessions_total))):
                t.setItem(row, c, QTableWidgetItem(v))
        t.blockSignals(True)
        t.clearSelection()
        if self.patients:
            t.selectRow(0)
        t.blockSignals(False)
        self._patient_selected()  # the sessions follow the list, even when row 0 stays

    def patient_code(self) -> str | None:
        row = self.patient_table.currentRow()
        return self.patients[row].code if 0 <= row < len(self.patients) else None

    def _patient_selected(self) -> None:
        code = self.patient_code()
        self.sessions = session_rows(self.db, code) if code else []
        t = self.session_table
        t.setRowCount(len(self.sessions))
        for row, s in enumerate(self.sessions):
            q = "—" if s.mean_quality is None else f"{s.mean_quality:.2f}"
            for c, v in enumerate((str(s.session_id), f"{s.started_at:%Y-%m-%d %H:%M}", s.kind,
                                   s.status, f"{s.duration_s / 60:.1f}", s.program, str(s.reps),
                                   q, str(s.markers))):
                t.setItem(row, c, QTableWidgetItem(v))
        if self.sessions:
            t.selectRow(0)

    def open_session(self, session_id: int) -> SessionView | None:
        """Load a session and show it in a new tab; the time it took is kept."""
        t0 = time.perf_counter()
        try:
            review = load_session_review(self.db, session_id)
        except StorageError as exc:
            self.status.setText(f"Cannot open session {session_id}: {exc}")
            return None
        view = SessionView(review, self.db)
        index = self.tabs.addTab(view, f"{review.patient_code} · {review.started_at:%Y-%m-%d}")
        self.tabs.setCurrentIndex(index)
        self.last_open_s = time.perf_counter() - t0
        self.status.setText(f"Session {session_id} opened in {self.last_open_s:.2f} s")
        self.session_opened.emit(view)
        return view

    def open_session_row(self, row: int) -> SessionView | None:
        if 0 <= row < len(self.sessions):
            return self.open_session(self.sessions[row].session_id)
        return None

    # -- report --------------------------------------------------------------------------
    def report_period(self) -> tuple[dt.date | None, dt.date | None]:
        """The selected session's day, or (None, None) for all of the patient's sessions."""
        row = self.session_table.currentRow()
        if self.whole_history.isChecked() or not 0 <= row < len(self.sessions):
            return None, None
        day = self.sessions[row].started_at.date()
        return day, day

    def export_report(self, pdf: Path | str) -> threading.Thread | None:
        """Write the clinician report for the selected patient (on a worker thread)."""
        from facetrainer.reports.report_command import ReportRequest, make_report

        code = self.patient_code()
        if code is None:
            self.status.setText("Select a patient first.")
            return None
        since, until = self.report_period()
        request = ReportRequest(code, Path(pdf), since, until)
        self.report_button.setEnabled(False)
        self.status.setText(f"Writing the report of {code}…")

        def work() -> None:
            try:
                outcome: object = make_report(self.db, request)
            except (StorageError, ValueError, OSError) as exc:
                outcome = str(exc)
            try:
                self.report_done.emit(outcome)
            except RuntimeError:  # the view was closed meanwhile
                pass

        thread = threading.Thread(target=work, name="clinician-report", daemon=True)
        thread.start()
        return thread

    def _report_finished(self, outcome: object) -> None:
        self.report_button.setEnabled(True)
        if isinstance(outcome, list) and outcome:
            self.last_report = Path(outcome[0])
            self.open_report_button.setEnabled(True)
            self.status.setText(f"Report written: {self.last_report}")
        else:
            self.status.setText(f"Report not written: {outcome}")

    def open_report(self) -> bool:
        if self.last_report is None:
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_report)))

    def _choose_report(self) -> None:
        code = self.patient_code() or "report"
        path, _ = QFileDialog.getSaveFileName(self, "Clinician report", f"{code}.pdf",
                                              "PDF (*.pdf)")
        if path:
            self.export_report(path)
