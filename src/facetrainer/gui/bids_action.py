"""Reports → Export EMG-BIDS…: a patient's EMG sessions as an EMG-BIDS dataset.

Asks for the patient (pseudonymous code) and a folder; writes ``<folder>/<code>-bids`` with
:func:`facetrainer.reports.bids_export.write_bids` on a worker thread and reports the
result in the status bar (an existing export is never overwritten).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog

from facetrainer.gui.session_panel import database_holder, emit_from_worker


class BidsExport(QObject):
    """Runs one export at a time off the GUI thread; ``finished(text)`` when done."""

    finished = Signal(str)

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.thread: threading.Thread | None = None
        self.running = False
        self.finished.connect(lambda text: window.show_status(text, 30000))

    def ask_and_export(self) -> None:
        from facetrainer.storage.patients import list_patients

        db = database_holder(self.window).db
        if db is None:
            self.window.show_status("Patient database not open yet")
            return
        codes = [p.code for p in list_patients(db)]
        if not codes:
            self.window.show_status("No patient in the database")
            return
        code, ok = QInputDialog.getItem(self.window, "Export EMG-BIDS", "Patient:", codes, 0,
                                        False)
        if not ok:
            return
        parent = QFileDialog.getExistingDirectory(self.window, "Folder for the BIDS dataset")
        if parent:
            self.export(db, code, Path(parent) / f"{code}-bids")

    def export(self, db: Any, code: str, out: Path) -> None:
        if self.running:
            self.window.show_status("A BIDS export is still running")
            return
        self.running = True

        def work() -> None:
            from facetrainer.reports.bids_export import write_bids
            from facetrainer.reports.report_data import gather_report_data
            from facetrainer.storage.database import StorageError

            try:
                files = write_bids(db, gather_report_data(db, code), out)
                text = f"EMG-BIDS of {code}: {len(files)} files in {out}"
            except (StorageError, ValueError) as exc:
                text = f"EMG-BIDS export failed: {exc}"
            except Exception as exc:  # noqa: BLE001 - reported and logged, the app runs on
                logging.getLogger(__name__).exception("EMG-BIDS export of %s failed", code)
                text = f"EMG-BIDS export failed unexpectedly: {exc!r} (see the log)"
            finally:
                self.running = False
            emit_from_worker(self.finished, text)

        self.window.show_status(f"Exporting EMG-BIDS of {code}…")
        self.thread = threading.Thread(target=work, name="bids-export", daemon=True)
        self.thread.start()


def install(window: Any) -> None:
    exporter = BidsExport(window)
    window.menu("Reports").addAction("Export EMG-BIDS…", exporter.ask_and_export)
    window.extensions["bids_export"] = exporter
