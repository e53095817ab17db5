"""Connect EMG as a therapist does it: board by name, test, connect; serial device on a pty."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt

from facetrainer.emg.brainflow_source import BrainFlowSource
from facetrainer.emg.serial_source import SerialEmgSource

PROBE_TIMEOUT_MS = 30000


@pytest.fixture
def store(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def dialog(qtbot, store):
    from facetrainer.gui.connect_dialog import ConnectEmgDialog

    d = ConnectEmgDialog(store)
    qtbot.addWidget(d)
    d.show()
    return d


def choose_board(dialog, enum_name):
    index = next(i for i in range(dialog.board.count()) if f"({enum_name}," in dialog.board.itemText(i))
    dialog.board.setCurrentIndex(index)


def test_synthetic_board_by_name_is_tested_then_connected(qtbot, dialog):
    choose_board(dialog, "SYNTHETIC_BOARD")
    assert "16 EMG/ExG channel(s) at 250 Hz" in dialog.info.text()
    assert "125–500 Hz is lost" in dialog.warning.text()
    assert not dialog.fields["serial_port"].isVisible()  # the synthetic board needs nothing

    with qtbot.waitSignal(dialog.probed, timeout=PROBE_TIMEOUT_MS):
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.report.toPlainText().count("µV RMS") == 16

    with qtbot.waitSignal(dialog.connected, timeout=PROBE_TIMEOUT_MS) as applied:
        dialog.buttons.accepted.emit()
    source, settings = applied.args
    assert isinstance(source, BrainFlowSource) and source.board_id == -1
    assert settings.board == "SYNTHETIC_BOARD" and not dialog.isVisible()


def test_a_failing_board_names_board_field_and_reason_and_stays_open(qtbot, dialog, tmp_path):
    choose_board(dialog, "CYTON_BOARD")
    assert dialog.fields["serial_port"].isVisible()
    assert not dialog.fields["ip_address"].isVisible()
    assert "8 EMG/ExG channel(s) at 250 Hz" in dialog.info.text()

    dialog.buttons.accepted.emit()  # Connect without a port
    assert "Serial port is empty" in dialog.error.text() and dialog.isVisible()

    dialog.bf_port.setFocus()
    qtbot.keyClicks(dialog.bf_port.lineEdit(), str(tmp_path / "ttyNOPE"))
    with qtbot.waitSignal(dialog.probed, timeout=PROBE_TIMEOUT_MS):
        dialog.buttons.accepted.emit()
    text = dialog.error.text()
    assert "Cyton" in text and "Serial port" in text and "ttyNOPE" in text
    assert "UNABLE_TO_OPEN_PORT_ERROR" in text and dialog.isVisible() and dialog.source is None


def test_serial_device_on_a_pty_typed_tested_connected_and_remembered(
    qtbot, dialog, store, streaming_pty
):
    from facetrainer.gui.connect_dialog import ConnectEmgDialog

    dialog.tabs.setCurrentIndex(1)
    qtbot.keyClicks(dialog.serial_port.lineEdit(), streaming_pty.link)
    dialog.serial_fs.setValue(500.0)
    assert "2 channel(s) at 500 Hz" in dialog.info.text()
    with qtbot.waitSignal(dialog.probed, timeout=PROBE_TIMEOUT_MS):
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert "ch1: " in dialog.report.toPlainText() and "— ok" in dialog.report.toPlainText()
    with qtbot.waitSignal(dialog.connected, timeout=PROBE_TIMEOUT_MS) as applied:
        dialog.buttons.accepted.emit()
    source = applied.args[0]
    assert isinstance(source, SerialEmgSource) and source.port == streaming_pty.link

    again = ConnectEmgDialog(store)
    qtbot.addWidget(again)
    assert again.tabs.currentIndex() == 1
    assert again.serial_port.currentText() == streaming_pty.link
    assert again.serial_fs.value() == 500.0
    labels = [again.serial_port.itemText(i) for i in range(again.serial_port.count())]
    assert f"{streaming_pty.link} (typed)" in labels  # list_ports does not list a pty link

    again.show()
    again.serial_port.setEditText("")
    again.serial_port.setCurrentIndex(labels.index(f"{streaming_pty.link} (typed)"))  # chosen
    with qtbot.waitSignal(again.connected, timeout=PROBE_TIMEOUT_MS) as applied:
        again.buttons.accepted.emit()
    assert applied.args[0].port == streaming_pty.link  # the device path, not the label


def test_each_boards_fields_are_remembered_and_return_when_it_is_chosen(qtbot, dialog, store):
    from facetrainer.emg.connection import ConnectionSettings
    from facetrainer.gui.connect_dialog import ConnectEmgDialog

    cyton = ConnectionSettings(board="CYTON_BOARD")
    cyton.params.serial_port = "/dev/ttyUSB7"
    dialog._remember(cyton)
    dialog._remember(ConnectionSettings(board="SYNTHETIC_BOARD"))  # the last one used

    again = ConnectEmgDialog(store)
    qtbot.addWidget(again)
    assert again.current_board().enum_name == "SYNTHETIC_BOARD"
    choose_board(again, "CYTON_BOARD")
    assert again.settings().params.serial_port == "/dev/ttyUSB7"
