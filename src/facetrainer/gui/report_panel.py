"""Report panel: the clinician report with a progress bar (work off the GUI thread), and a
progress-history dock plotting a patient's sessions per exercise, region and measure."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from facetrainer.gui.session_panel import database_holder, emit_from_worker
from facetrainer.reports.history import ProgressHistory, progress_history
from facetrainer.reports.report_command import ReportRequest, make_report
from facetrainer.storage import Database, StorageError, list_patients


def _path_row(edit: QLineEdit, pick: Any) -> QWidget:
    w = QWidget()
    row = QHBoxLayout(w)
    row.setContentsMargins(0, 0, 0, 0)
    button = QPushButton("…")
    button.setFixedWidth(28)
    button.clicked.connect(pick)
    row.addWidget(edit, 1)
    row.addWidget(button)
    return w


class ReportDialog(QDialog):
    """Patient, period and outputs; Create runs :func:`make_report` in a worker thread."""

    progressed = Signal(float, str)
    finished_ok = Signal(list)
    failed = Signal(str)

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Clinician report")
        self.db = db
        self.written: list[Path] = []
        self.error: str | None = None
        form = QFormLayout(self)
        self.patient = QComboBox()
        self.patient.addItems([p.code for p in list_patients(db)])
        self.use_from, self.use_to = QCheckBox("from"), QCheckBox("to")
        self.date_from = QDateEdit(QDate.currentDate().addMonths(-3))
        self.date_to = QDateEdit(QDate.currentDate())
        for d in (self.date_from, self.date_to):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
        period = QWidget()
        prow = QHBoxLayout(period)
        prow.setContentsMargins(0, 0, 0, 0)
        for w in (self.use_from, self.date_from, self.use_to, self.date_to):
            prow.addWidget(w)
        self.pdf = QLineEdit(str(Path.home() / "facetrainer-report.pdf"))
        self.csv, self.edf, self.json = QLineEdit(), QLineEdit(), QLineEdit()
        for e, hint in (
            (self.csv, "folder (optional)"),
            (self.edf, "folder (optional)"),
            (self.json, "file (optional)"),
        ):
            e.setPlaceholderText(hint)
        form.addRow("Patient", self.patient)
        form.addRow("Period", period)
        form.addRow("PDF", _path_row(self.pdf, lambda: self._pick_file(self.pdf, "*.pdf")))
        form.addRow("CSV", _path_row(self.csv, lambda: self._pick_dir(self.csv)))
        form.addRow("EDF+", _path_row(self.edf, lambda: self._pick_dir(self.edf)))
        form.addRow("JSON", _path_row(self.json, lambda: self._pick_file(self.json, "*.json")))
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.create_button = QPushButton("Create report")
        form.addRow(self.progress)
        form.addRow(self.message)
        form.addRow(self.create_button)
        self.create_button.clicked.connect(self.create)
        self.progressed.connect(self._on_progress)
        self.finished_ok.connect(self._on_done)
        self.failed.connect(self._on_failed)
        self._thread: threading.Thread | None = None

    def _pick_file(self, edit: QLineEdit, pattern: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save as", edit.text(), pattern)
        if path:
            edit.setText(path)

    def _pick_dir(self, edit: QLineEdit) -> None:
        path = QFileDialog.getExistingDirectory(self, "Folder", edit.text())
        if path:
            edit.setText(path)

    def request(self) -> ReportRequest:
        def day(use: QCheckBox, edit: QDateEdit) -> dt.date | None:
            return (
                dt.date.fromisoformat(edit.date().toString("yyyy-MM-dd"))
                if use.isChecked()
                else None
            )

        def opt(edit: QLineEdit) -> Path | None:
            return Path(edit.text().strip()) if edit.text().strip() else None

        return ReportRequest(
            self.patient.currentText(),
            Path(self.pdf.text().strip()),
            day(self.use_from, self.date_from),
            day(self.use_to, self.date_to),
            opt(self.csv),
            opt(self.edf),
            opt(self.json),
        )

    def create(self) -> None:
        """Start writing the report in a worker thread (the dialog stays responsive)."""
        if self._thread is not None and self._thread.is_alive():
            return
        req = self.request()
        self.create_button.setEnabled(False)
        self.error = None
        self.message.setText("")
        self.progress.setValue(0)

        def work() -> None:
            try:
                files = make_report(
                    self.db, req, progress=lambda f, t: emit_from_worker(self.progressed, f, t)
                )
            except (StorageError, ValueError, OSError) as exc:
                emit_from_worker(self.failed, str(exc))
                return
            emit_from_worker(self.finished_ok, files)

        self._thread = threading.Thread(target=work, name="report", daemon=True)
        self._thread.start()

    def _on_progress(self, fraction: float, text: str) -> None:
        self.progress.setValue(int(round(100 * fraction)))
        self.message.setText(text)

    def _on_done(self, files: list) -> None:
        self.written = list(files)
        self.progress.setValue(100)
        self.message.setText(
            "Written: "
            + ", ".join(str(f) for f in files[:4])
            + (f" and {len(files) - 4} more" if len(files) > 4 else "")
        )
        self.create_button.setEnabled(True)

    def _on_failed(self, message: str) -> None:
        self.error = message
        self.message.setText(f"<span style='color:#b00'>{message}</span>")
        self.create_button.setEnabled(True)


class ProgressPanel(QWidget):
    """Progress history: one point per session for the chosen series."""

    loaded = Signal(object)  # ProgressHistory or str (error)

    def __init__(self, window: Any) -> None:
        super().__init__()
        self.db: Database | None = None
        self.history: ProgressHistory | None = None
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.patient = QComboBox()
        self.series = QComboBox()
        self.reload_button = QPushButton("Load")
        row.addWidget(self.patient, 1)
        row.addWidget(self.series, 2)
        row.addWidget(self.reload_button)
        lay.addLayout(row)
        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.addLegend()
        lay.addWidget(self.plot, 1)
        self.message = QLabel("")
        lay.addWidget(self.message)
        self.reload_button.clicked.connect(self.load)
        self.series.currentIndexChanged.connect(self.draw)
        self.loaded.connect(self._on_loaded)
        holder = database_holder(window)
        holder.ready.connect(self._on_db)
        holder.patients_changed.connect(self.refresh_patients)
        if holder.db is not None:
            self._on_db(holder.db)

    def _on_db(self, db: Database) -> None:
        self.db = db
        self.refresh_patients()

    def refresh_patients(self) -> None:
        if self.db is None:
            return
        current = self.patient.currentText()
        self.patient.clear()
        self.patient.addItems([p.code for p in list_patients(self.db)])
        if current:
            self.patient.setCurrentText(current)

    def load(self) -> None:
        """Read the chosen patient's history in a worker thread, then draw it."""
        if self.db is None or not self.patient.currentText():
            return
        db, code = self.db, self.patient.currentText()
        self.message.setText("Loading…")

        def work() -> None:
            try:
                emit_from_worker(self.loaded, progress_history(db, code))
            except (StorageError, ValueError) as exc:
                emit_from_worker(self.loaded, str(exc))

        threading.Thread(target=work, name="progress-history", daemon=True).start()

    def _on_loaded(self, result: object) -> None:
        if isinstance(result, str):
            self.message.setText(result)
            return
        assert isinstance(result, ProgressHistory)
        self.history = result
        self.series.blockSignals(True)
        self.series.clear()
        for ex in result.exercises:
            self.series.addItem(f"{ex}: quality", ("exercise", ex, "quality"))
            self.series.addItem(f"{ex}: target %", ("exercise", ex, "target"))
        if result.regions:
            self.series.addItem("symmetry per region", ("regions",))
        if result.synkinesis:
            self.series.addItem("synkinesis (spillover %)", ("synkinesis",))
        for m in result.measures:
            self.series.addItem(f"{m} left/right", ("measure", m))
        self.series.blockSignals(False)
        self.message.setText(f"{len(result.dates)} sessions")
        self.draw()

    def series_data(self) -> dict[str, list[float | None]]:
        """The curves of the chosen series (name → one value per session)."""
        h, key = self.history, self.series.currentData()
        if h is None or key is None:
            return {}
        if key[0] == "exercise":
            return {f"{key[1]} {key[2]}": h.exercises[key[1]][key[2]]}
        if key[0] == "regions":
            return dict(h.regions)
        if key[0] == "synkinesis":
            return dict(h.synkinesis)
        return {f"{key[1]} {side}": v for side, v in h.measures[key[1]].items()}

    def draw(self) -> None:
        self.plot.clear()
        if self.history is None:
            return
        x = [d.timestamp() for d in self.history.dates]
        for k, (name, ys) in enumerate(self.series_data().items()):
            pts = [(xi, y) for xi, y in zip(x, ys, strict=False) if y is not None]
            if pts:
                self.plot.plot(
                    [p[0] for p in pts],
                    [p[1] for p in pts],
                    name=name,
                    pen=pg.mkPen(pg.intColor(k), width=2),
                    symbol="o",
                    symbolSize=6,
                )


def install(window: Any) -> None:
    panel = ProgressPanel(window)
    window.register_panel("progress", panel)
    window.add_dock("Progress", panel, Qt.DockWidgetArea.BottomDockWidgetArea)

    def open_dialog() -> None:
        holder = database_holder(window)
        if holder.db is None:
            window.show_status(f"Patient database unavailable: {holder.error or 'opening…'}")
            return
        dlg = ReportDialog(holder.db, window)
        window.register_panel("report", dlg)
        dlg.show()

    window.menu("Reports").addAction("Clinician report…", open_dialog)
    window.menu("Reports").addAction("Progress history", panel.load)
