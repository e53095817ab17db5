"""The workspace's menu actions, installed on a window through its public panel API."""

from __future__ import annotations

import argparse

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMainWindow, QMenu

PROBE_TIMEOUT_MS = 30000


class PanelHost(QMainWindow):
    """The part of MainWindow's API panels use: menus, status, sources, arguments."""

    def __init__(self, db_url: str) -> None:
        super().__init__()
        self.app_args = argparse.Namespace(db=db_url)
        self._menus: dict[str, QMenu] = {}
        self.emg_sources: list = []
        self.statuses: list[str] = []
        self.extensions: dict = {}

    def menu(self, name: str) -> QMenu:
        if name not in self._menus:
            self._menus[name] = self.menuBar().addMenu(name)
        return self._menus[name]

    def show_status(self, text: str, timeout_ms: int = 8000) -> None:
        self.statuses.append(text)

    def replace_emg_sources(self, sources: list) -> None:
        self.emg_sources = list(sources)

    def add_dock(self, title: str, widget) -> None:
        self.docks = {**getattr(self, "docks", {}), title: widget}


@pytest.fixture
def host(qtbot, tmp_path, monkeypatch):
    from facetrainer.gui import workspace_panel

    monkeypatch.setattr(
        "facetrainer.gui.connect_dialog.QSettings",
        lambda *a: QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
    )
    win = PanelHost(f"sqlite:///{tmp_path / 'ws.sqlite3'}")
    qtbot.addWidget(win)
    workspace_panel.install(win)
    return win


def _action(win, menu, text):
    return next(a for a in win.menu(menu).actions() if a.text().startswith(text))


def test_the_serial_device_entry_opens_connect_emg_on_its_form(qtbot, host):
    from facetrainer.gui import workspace_panel
    from facetrainer.gui.connect_dialog import SERIAL_TAB

    workspace_panel.open_connect_dialog(host, tab="serial")
    assert host.extensions["connect_dialog"].tabs.currentIndex() == SERIAL_TAB
    host.extensions["connect_dialog"].close()


def test_connect_emg_from_the_sources_menu_replaces_the_windows_emg(qtbot, host):
    _action(host, "Sources", "Connect EMG").trigger()
    dialog = host.extensions["connect_dialog"]
    with qtbot.waitSignal(dialog.connected, timeout=PROBE_TIMEOUT_MS):
        dialog.buttons.accepted.emit()  # the synthetic board is the first choice
    assert [s.board_id for s in host.emg_sources] == [-1]
    assert host.statuses[-1].startswith("EMG: Synthetic")


def test_database_dialogs_open_from_their_menus_once_the_database_is_open(qtbot, host):
    from facetrainer.gui.session_panel import database_holder

    qtbot.waitUntil(lambda: database_holder(host).db is not None, timeout=20000)
    _action(host, "File", "Session bundles").trigger()
    assert host.extensions["bundle_dialog"].isVisible()
    _action(host, "Session", "Program editor").trigger()
    assert host.extensions["program_editor"].isVisible()
    _action(host, "Reports", "Clinician view").trigger()
    view = host.extensions["clinician_view"]
    assert view.isVisible() and view.patient_table.rowCount() == 0
    from facetrainer.storage import create_patient

    create_patient(database_holder(host).db, "P031", "right")
    database_holder(host).patients_changed.emit()  # e.g. a bundle was imported
    assert [p.code for p in view.patients] == ["P031"]
    view.close()
    _action(host, "Sources", "Montage editor").trigger()
    assert host.extensions["montage_editor"].isVisible()


def test_marker_with_a_note_from_key_m_lands_in_the_recorded_session(qtbot, host, monkeypatch):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QDialog

    from facetrainer.gui.marker_note import MarkerNoteDialog
    from facetrainer.storage import create_patient, open_database
    from facetrainer.storage.markers import list_markers
    from facetrainer.storage.recorder import SessionRecorder

    action = _action(host, "Session", "Marker with note")
    assert action.shortcut().toString() == "M"
    action.trigger()  # nothing is recording yet
    assert host.statuses[-1].startswith("No marker placed: start recording")

    db = open_database(host.app_args.db)
    create_patient(db, "P014", "left")
    recorder = SessionRecorder(db, "P014")
    recorder.start()
    host.session_panel = type("Panel", (), {"recorder": recorder})()

    def type_note():
        dialog = host.extensions["marker_dialog"]
        assert isinstance(dialog, MarkerNoteDialog)
        qtbot.keyClicks(dialog.note, "chin tightened")
        dialog.accept()

    QTimer.singleShot(100, type_note)
    action.trigger()
    assert host.extensions["marker_dialog"].result() == QDialog.DialogCode.Accepted
    assert "Marker placed at" in host.statuses[-1] and "chin tightened" in host.statuses[-1]
    recorder.stop()
    marks = list_markers(db, recorder.session_id)
    assert [m.note for m in marks] == ["chin tightened"]
    assert 0.0 <= marks[0].t_s < 5.0
    db.close()


def test_calibration_wizard_explains_what_it_needs(qtbot, host):
    _action(host, "Session", "Calibration wizard").trigger()  # the host has no model
    assert host.statuses[-1].startswith("Calibration needs the live session")

    class NoMontage:
        emg_streams: list = []
        affected_side = None

        def set_calibration(self, _c):
            raise AssertionError("never reached")

    host.model = NoMontage()
    _action(host, "Session", "Calibration wizard").trigger()
    assert "calibration needs a montage" in host.statuses[-1]
    assert "Montage editor" in host.statuses[-1]


@pytest.mark.filterwarnings("ignore::facetrainer.emg.filters.EmgFilterWarning")
def test_the_thresholds_dock_comes_with_the_live_session(qtbot, tmp_path, scripted_model):
    from facetrainer.gui import workspace_panel
    from facetrainer.gui.threshold_panel import ThresholdPanel

    win = PanelHost(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    qtbot.addWidget(win)
    win.model, _source = scripted_model(("zygomaticus_major/left", "zygomaticus_major/right",
                                          "frontalis/left", "frontalis/right"))
    workspace_panel.install(win)
    assert isinstance(win.docks["Thresholds"], ThresholdPanel)
