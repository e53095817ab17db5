"""Reports → Export EMG-BIDS… as a therapist uses it: patient, folder, a dataset written off
the GUI thread, and a second export into the same folder refused."""

from __future__ import annotations

import argparse
import datetime as dt

import pytest
from PySide6.QtWidgets import QFileDialog, QInputDialog

WAIT_MS = 60000


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    from facetrainer.gui.main_window import MainWindow
    from facetrainer.gui.session_panel import database_holder
    from facetrainer.pipeline import Pipeline
    from facetrainer.storage import create_patient, open_database
    from facetrainer.storage.synthetic_history import record_synthetic_history

    monkeypatch.delenv("FACETRAINER_DB_URL", raising=False)
    db = open_database(data_dir=tmp_path / "data")
    create_patient(db, "P007", "right")
    record_synthetic_history(db, "P007", dt.date(2026, 2, 2), n_sessions=2, duration_s=20.0)
    db.close()
    win = MainWindow(Pipeline(), argparse.Namespace(data_dir=str(tmp_path / "data")))
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: database_holder(win).db is not None, timeout=WAIT_MS)
    return win


def test_export_from_the_reports_menu(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a: ("P007", True)))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a: str(tmp_path)))
    action = next(a for a in window.menu("Reports").actions() if a.text() == "Export EMG-BIDS…")
    with qtbot.waitSignal(window.extensions["bids_export"].finished, timeout=WAIT_MS) as done:
        action.trigger()
    assert "EMG-BIDS of P007" in done.args[0]
    out = tmp_path / "P007-bids"
    assert len(list(out.glob("sub-P007/ses-*/emg/*_emg.edf"))) == 2
    with qtbot.waitSignal(window.extensions["bids_export"].finished, timeout=WAIT_MS) as again:
        action.trigger()
    assert "not empty" in again.args[0]
