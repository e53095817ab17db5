"""The report dialog and progress dock: work off the GUI thread, progress, clear errors."""

from __future__ import annotations

import argparse
import datetime as dt

import pytest

WAIT_MS = 20000


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    from facetrainer.gui.main_window import MainWindow
    from facetrainer.pipeline import Pipeline
    from facetrainer.storage import create_patient, open_database
    from facetrainer.storage.synthetic_history import record_synthetic_history

    monkeypatch.delenv("FACETRAINER_DB_URL", raising=False)
    db = open_database(data_dir=tmp_path)
    create_patient(db, "P001", "left")
    create_patient(db, "P002", "right")
    record_synthetic_history(db, "P001", dt.date(2026, 1, 5), n_sessions=3, duration_s=30.0)
    db.close()
    win = MainWindow(Pipeline(), argparse.Namespace(data_dir=str(tmp_path)))
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.panels["progress"].db is not None, timeout=WAIT_MS)
    return win


def test_report_dialog_writes_the_report_with_progress(qtbot, window, tmp_path):
    _open_report_dialog(window)
    dlg = window.panels["report"]
    dlg.patient.setCurrentText("P001")
    dlg.pdf.setText(str(tmp_path / "r.pdf"))
    dlg.json.setText(str(tmp_path / "r.json"))
    seen = []
    dlg.progressed.connect(lambda f, _t: seen.append(f))
    dlg.create()
    qtbot.waitUntil(lambda: len(dlg.written) > 0, timeout=WAIT_MS)
    assert dlg.progress.value() == 100 and seen[-1] == 1.0 and len(seen) > 3
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "r.json").exists()


def test_report_dialog_shows_a_clear_error(qtbot, window, tmp_path):
    _open_report_dialog(window)
    dlg = window.panels["report"]
    dlg.patient.setCurrentText("P002")  # no session yet
    dlg.pdf.setText(str(tmp_path / "none.pdf"))
    dlg.create()
    qtbot.waitUntil(lambda: dlg.error is not None, timeout=WAIT_MS)
    assert "no recorded session" in dlg.message.text()
    assert not (tmp_path / "none.pdf").exists() and dlg.create_button.isEnabled()


def test_progress_dock_plots_history(qtbot, window):
    panel = window.panels["progress"]
    panel.patient.setCurrentText("P001")
    panel.load()
    qtbot.waitUntil(lambda: panel.history is not None, timeout=WAIT_MS)
    labels = [panel.series.itemText(i) for i in range(panel.series.count())]
    assert "open_smile: quality" in labels and "symmetry per region" in labels
    panel.series.setCurrentIndex(labels.index("open_smile: quality"))
    (values,) = panel.series_data().values()
    assert len(values) == 3 and values[0] < values[-1]
    assert len(panel.plot.getPlotItem().listDataItems()) == 1


def test_a_patient_added_in_the_session_panel_appears_in_the_progress_dock(window):
    from facetrainer.storage import create_patient

    create_patient(window.panels["session"].db, "P777", "left")
    window.panels["session"].refresh()
    items = [
        window.panels["progress"].patient.itemText(i)
        for i in range(window.panels["progress"].patient.count())
    ]
    assert "P777" in items


def _open_report_dialog(window) -> None:
    """What the user does: Reports ▸ Clinician report…"""
    action = next(a for a in window.menu("Reports").actions() if a.text() == "Clinician report…")
    action.trigger()
