"""The session bundle dialog as a therapist uses it: export at home, import at the clinic."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from facetrainer.storage import create_patient, open_database
from facetrainer.storage.synthetic_history import record_synthetic_history


@pytest.fixture
def home(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'home.sqlite3'}")
    create_patient(db, "P014", "left")
    record_synthetic_history(db, "P014", dt.date(2026, 3, 2), n_sessions=2, duration_s=10.0)
    yield db
    db.close()


@pytest.fixture
def clinic(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'clinic.sqlite3'}")
    yield db
    db.close()


def test_export_then_import_twice_shows_what_was_added(qtbot, home, clinic, tmp_path, monkeypatch):
    from facetrainer.gui.bundle_dialog import BundleDialog

    bundle = tmp_path / "P014.ftbundle"
    at_home = BundleDialog(home)
    qtbot.addWidget(at_home)
    at_home.since.setDate(QDate(2026, 3, 1))
    at_home.until.setDate(QDate(2026, 3, 31))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(bundle), ""))
    qtbot.mouseClick(at_home.export_button, Qt.MouseButton.LeftButton)
    assert "2 session(s)" in at_home.result.toPlainText() and bundle.exists()

    at_clinic = BundleDialog(clinic)
    qtbot.addWidget(at_clinic)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bundle), ""))
    asked = []

    def answer(_parent, _title, text, *a, **k):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    with qtbot.waitSignal(at_clinic.imported):
        qtbot.mouseClick(at_clinic.import_button, Qt.MouseButton.LeftButton)
    assert "added 2 session(s)" in at_clinic.result.toPlainText()
    assert asked[0].startswith("Bundle of patient P014 (affected side left), 2026-03-01 to "
                               "2026-03-31: 2 session(s)")
    qtbot.mouseClick(at_clinic.import_button, Qt.MouseButton.LeftButton)
    assert "nothing new" in at_clinic.result.toPlainText()


def test_period_without_sessions_and_a_refused_bundle_are_explained(qtbot, home, clinic, tmp_path):
    from facetrainer.gui.bundle_dialog import BundleDialog

    dialog = BundleDialog(home)
    qtbot.addWidget(dialog)
    dialog.since.setDate(QDate(2025, 1, 1))
    dialog.until.setDate(QDate(2025, 1, 31))
    assert dialog.export_to(tmp_path / "empty.ftbundle")
    assert "0 session(s)" in dialog.result.toPlainText()
    assert not dialog.export_to(tmp_path / "empty.ftbundle")
    assert "exists" in dialog.result.toPlainText()

    junk = tmp_path / "junk.ftbundle"
    junk.write_bytes(b"PK\x03\x04 not really")
    other = BundleDialog(clinic)
    qtbot.addWidget(other)
    assert other.import_from(junk) is None
    assert other.result.toPlainText().startswith("Not imported:")
    assert not other.export_button.isEnabled()  # the clinic database has no patient yet
