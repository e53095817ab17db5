"""Session bundle dialog: export a patient's period to one file, or import one.

The dialog only gathers the choices and shows the result; writing and merging are
:func:`facetrainer.storage.bundle.export_bundle` and
:func:`facetrainer.storage.bundle_import.import_bundle`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from facetrainer.storage.bundle import BUNDLE_SUFFIX, export_bundle
from facetrainer.storage.bundle_import import ImportSummary, describe_bundle, import_bundle
from facetrainer.storage.database import Database, StorageError
from facetrainer.storage.patients import list_patients

FILE_FILTER = f"FaceTrainer session bundle (*{BUNDLE_SUFFIX});;All files (*)"


def _date(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


class BundleDialog(QDialog):
    """Export ("for my therapist") and import (at the clinic) of session bundles."""

    imported = Signal(object)  # ImportSummary, after a successful import

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.setWindowTitle("Session bundles")
        layout = QVBoxLayout(self)

        export_box = QGroupBox("Export a patient's sessions to one file")
        form = QFormLayout(export_box)
        self.patient = QComboBox()
        self.patient.addItems([p.code for p in list_patients(db)])
        form.addRow("Patient", self.patient)
        self.whole_history = QCheckBox("all sessions")
        self.whole_history.setChecked(False)
        self.since = QDateEdit(QDate.currentDate().addDays(-30))
        self.until = QDateEdit(QDate.currentDate())
        for edit in (self.since, self.until):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        period = QHBoxLayout()
        period.addWidget(self.since)
        period.addWidget(QLabel("to"))
        period.addWidget(self.until)
        period.addWidget(self.whole_history)
        self.whole_history.toggled.connect(lambda on: self.since.setEnabled(not on))
        self.whole_history.toggled.connect(lambda on: self.until.setEnabled(not on))
        form.addRow("Period", period)
        self.export_button = QPushButton("Export bundle…")
        self.export_button.clicked.connect(self._choose_export)
        form.addRow(self.export_button)
        layout.addWidget(export_box)

        import_box = QGroupBox("Import a bundle into this database")
        row = QVBoxLayout(import_box)
        explanation = QLabel(
            "Sessions already here are left alone: importing the same bundle twice "
            "changes nothing. A damaged bundle or one from a newer FaceTrainer is "
            "refused whole."
        )
        explanation.setWordWrap(True)
        row.addWidget(explanation)
        self.import_button = QPushButton("Import bundle…")
        self.import_button.clicked.connect(self._choose_import)
        row.addWidget(self.import_button)
        layout.addWidget(import_box)

        self.result = QPlainTextEdit()
        self.result.setReadOnly(True)
        self.result.setPlaceholderText("What was written or added appears here.")
        self.result.setMinimumHeight(110)
        layout.addWidget(self.result)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.export_button.setEnabled(self.patient.count() > 0)
        self.resize(620, 420)

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        """The chosen (since, until), inclusive; (None, None) for all sessions."""
        if self.whole_history.isChecked():
            return None, None
        return _date(self.since.date()), _date(self.until.date())

    def export_to(self, path: Path | str, overwrite: bool = False) -> bool:
        """Write the chosen patient's bundle; the outcome is shown in the dialog.

        ``overwrite`` only when the user confirmed replacing the file (the save dialog asks).
        """
        since, until = self.period()
        try:
            summary = export_bundle(
                self.db, self.patient.currentText(), path, since, until, overwrite
            )
        except StorageError as exc:
            self.result.setPlainText(f"Not exported: {exc}")
            return False
        self.result.setPlainText(f"Written: {summary.describe()}")
        return True

    def import_from(self, path: Path | str) -> ImportSummary | None:
        """Merge a bundle into the database; the summary (or the refusal) is shown."""
        try:
            summary = import_bundle(self.db, path)
        except StorageError as exc:
            self.result.setPlainText(f"Not imported: {exc}")
            return None
        self.result.setPlainText(summary.describe())
        self.imported.emit(summary)
        return summary

    def _choose_export(self) -> None:
        code = self.patient.currentText()
        suggested = f"{code}-{dt.date.today():%Y-%m-%d}{BUNDLE_SUFFIX}"
        path, _ = QFileDialog.getSaveFileName(self, "Export session bundle", suggested, FILE_FILTER)
        if path:
            self.export_to(path, overwrite=True)

    def _choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import session bundle", "", FILE_FILTER)
        if not path:
            return
        try:
            contents = describe_bundle(path)
        except StorageError as exc:
            self.result.setPlainText(f"Not imported: {exc}")
            return
        answer = QMessageBox.question(
            self, "Import session bundle",
            f"{contents}\n\nMerge it into {self.db.description}? Sessions already there "
            "are left as they are.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.import_from(path)
        else:
            self.result.setPlainText(f"Not imported (cancelled): {contents}")
