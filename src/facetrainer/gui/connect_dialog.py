"""Connect EMG: a BrainFlow board chosen by name, or a serial text device; tested, then applied.

The dialog edits a :class:`facetrainer.emg.connection.ConnectionSettings`; checking,
testing and building the source are the core's (:mod:`facetrainer.emg.connection`).
It shows only the fields the chosen board needs, the board's rate and channel count before
connecting (with a warning when the rate is too low for facial EMG), and keeps itself open
with the reason when a device fails. Settings are remembered per device (QSettings).
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from facetrainer.emg.board_catalog import (
    FIELD_LABELS,
    board_choice,
    board_fields,
    board_info,
    brainflow_boards,
    sampling_rate_warning,
    serial_ports,
)
from facetrainer.emg.board_presets import list_presets, load_preset
from facetrainer.emg.connection import (
    ConnectionSettings,
    ProbeReport,
    SerialSettings,
    probe_connection,
)
from facetrainer.emg.source import EmgSource, EmgSourceError
from facetrainer.gui.connection_memory import ConnectionMemory
from facetrainer.gui.lsl_stream_picker import LslStreamPicker

SERIAL_TAB, LSL_TAB = 1, 2  # tabs: BrainFlow board, serial device, Lab Streaming Layer
BAUD_RATES = ("9600", "57600", "115200", "230400", "460800", "921600", "2000000")
WARNING_STYLE = "color: #a15c00;"
ERROR_STYLE = "color: #b00020;"


def _port_combo() -> QComboBox:
    box = QComboBox()
    box.setEditable(True)
    box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    box.lineEdit().setPlaceholderText("choose or type, e.g. /dev/ttyUSB0 or COM3")
    return box


class ConnectEmgDialog(QDialog):
    """Choose, test and connect an EMG device; ``source`` holds the result on accept."""

    probed = Signal(object)  # ProbeReport or ConnectionSettingsError (after Test)
    connected = Signal(object, object)  # EmgSource (unstarted), ConnectionSettings

    def __init__(self, settings_store: QSettings | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect EMG")
        self.store = settings_store or QSettings("FaceTrainer", "FaceTrainer")
        self.memory = ConnectionMemory(self.store)
        self.source: EmgSource | None = None
        self.result_settings: ConnectionSettings | None = None
        self._probe_thread: threading.Thread | None = None
        self._connect_after_probe = False
        self._applying = False
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        self._build_board_tab()
        self._build_serial_tab()
        self.lsl_picker = LslStreamPicker()
        self.lsl_picker.box.currentTextChanged.connect(lambda _t: self._update_info())
        self.tabs.addTab(self.lsl_picker, "Lab Streaming Layer")
        self.info = QLabel()
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(WARNING_STYLE)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setPlaceholderText("Test reads one second and shows each channel's signal.")
        self.report.setMaximumHeight(150)
        self.test_button = QPushButton("Test (read 1 s)")
        self.test_button.clicked.connect(self.start_probe)
        for w in (self.info, self.warning, self.test_button, self.report, self.error):
            layout.addWidget(w)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Connect")
        self.buttons.accepted.connect(self.connect_device)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.probed.connect(self._show_probe)
        self.tabs.currentChanged.connect(lambda _i: self._update_info())
        self._restore_last()
        self._update_info()

    # -- building ----------------------------------------------------------------------
    def _build_board_tab(self) -> None:
        page = QWidget()
        self.board_form = QFormLayout(page)
        self.board = QComboBox()
        self._boards = brainflow_boards()
        self.board.addItems([b.label for b in self._boards])
        self.board.currentIndexChanged.connect(self._board_changed)
        self.board_form.addRow("Board", self.board)
        self.board_hint = QLabel()
        self.board_hint.setWordWrap(True)
        self.board_form.addRow(self.board_hint)
        self.fields: dict[str, QWidget] = {}
        self.bf_port = _port_combo()
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh_ports)
        row = QHBoxLayout()
        row.addWidget(self.bf_port, 1)
        row.addWidget(refresh)
        port_row = QWidget()
        port_row.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        self.fields["serial_port"] = port_row
        for name in ("mac_address", "ip_address", "serial_number", "file", "other_info"):
            self.fields[name] = QLineEdit()
        file_edit = self.fields["file"]
        assert isinstance(file_edit, QLineEdit)
        browse = file_edit.addAction(
            self.style().standardIcon(QStyle.StandardPixmap.SP_DirOpenIcon),
            QLineEdit.ActionPosition.TrailingPosition)
        browse.setToolTip("Choose the recorded file")
        browse.triggered.connect(lambda: file_edit.setText(
            QFileDialog.getOpenFileName(self, "BrainFlow recording", file_edit.text())[0]
            or file_edit.text()))
        self.ip_port = QSpinBox()
        self.ip_port.setRange(0, 65535)
        self.fields["ip_port"] = self.ip_port
        self.master_board = QComboBox()
        self.master_board.addItems([b.label for b in self._boards if b.board_id >= -1])
        self.master_board.currentIndexChanged.connect(lambda _i: self._update_info())
        self.fields["master_board"] = self.master_board
        self.timeout = QSpinBox()
        self.timeout.setRange(0, 120)
        self.fields["timeout"] = self.timeout
        for name, widget in self.fields.items():
            self.board_form.addRow(FIELD_LABELS[name], widget)
        self.preset = QComboBox()  # board set-ups (emg/board_presets.py), Cyton boards only
        self.preset.addItem("none (the board's own settings)", "")
        for name in list_presets():
            self.preset.addItem(f"{name}: {load_preset(name).description}", name)
        self.board_form.addRow("Set-up preset", self.preset)
        self.tabs.addTab(page, "BrainFlow board")

    def _build_serial_tab(self) -> None:
        page = QWidget()
        form = QFormLayout(page)
        self.serial_port = _port_combo()
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh_ports)
        row = QHBoxLayout()
        row.addWidget(self.serial_port, 1)
        row.addWidget(refresh)
        form.addRow("Port", row)
        self.serial_port.activated.connect(lambda _i: self._port_chosen())
        self.serial_port.lineEdit().editingFinished.connect(self._port_chosen)
        self.baud = QComboBox()
        self.baud.setEditable(True)
        self.baud.addItems(BAUD_RATES)
        self.baud.setCurrentText("115200")
        form.addRow("Baud", self.baud)
        self.serial_fs = QDoubleSpinBox()
        self.serial_fs.setRange(1.0, 20000.0)
        self.serial_fs.setDecimals(1)
        self.serial_fs.setSuffix(" Hz")
        self.serial_fs.setValue(1000.0)
        self.serial_fs.valueChanged.connect(lambda _v: self._update_info())
        form.addRow("Sampling rate", self.serial_fs)
        self.n_channels = QSpinBox()
        self.n_channels.setRange(1, 64)
        self.n_channels.setValue(2)
        self.n_channels.valueChanged.connect(lambda _v: self._update_info())
        form.addRow("Channels", self.n_channels)
        self.scale = QDoubleSpinBox()
        self.scale.setRange(1e-6, 1e6)
        self.scale.setDecimals(6)
        self.scale.setValue(1.0)
        self.scale.setSuffix(" µV per unit")
        form.addRow("Scale", self.scale)
        self.envelope = QCheckBox("the device sends an envelope (no band-pass filter)")
        form.addRow("", self.envelope)
        self.timestamp = QCheckBox("lines start with the device's millisecond clock")
        form.addRow("", self.timestamp)
        self.tabs.addTab(page, "Serial device")
        self.refresh_ports()

    # -- state -------------------------------------------------------------------------
    def refresh_ports(self) -> None:
        """Fill both port lists: ports present, then the ones typed before."""
        ports = serial_ports(self.memory.typed_ports())
        for box in (self.bf_port, getattr(self, "serial_port", None)):
            if box is None:
                continue
            text = box.currentText()
            box.clear()
            for p in ports:
                box.addItem(p.label, p.device)
            box.setEditText(text)

    def _port_text(self, box: QComboBox) -> str:
        text = box.currentText().strip()
        index = box.findText(text)
        return str(box.itemData(index)) if index >= 0 and box.itemData(index) else text

    def current_board(self) -> Any:
        return self._boards[max(0, self.board.currentIndex())]

    def remembered(self, device_key: str) -> ConnectionSettings | None:
        """The settings last used with a device (``brainflow:cyton_board``, ``serial:PORT``)."""
        return self.memory.for_device(device_key)

    def _port_chosen(self) -> None:
        if self._applying:
            return
        s = self.remembered(f"serial:{self._port_text(self.serial_port)}")
        if s is not None and s.kind == "serial":
            self.apply_settings(s)

    def _board_changed(self, _index: int) -> None:
        board = self.current_board()
        if not self._applying:  # a board chosen by the user: its remembered fields return
            s = self.remembered(f"brainflow:{board.enum_name.lower()}")
            if s is not None and s.kind == "brainflow":
                self.apply_settings(s)
        fields = board_fields(board.board_id)
        for name, widget in self.fields.items():
            self.board_form.setRowVisible(widget, name in fields.shown)
            label = self.board_form.labelForField(widget)
            if isinstance(label, QLabel):
                star = " *" if name in fields.required else ""
                label.setText(FIELD_LABELS[name] + star)
        self.board_hint.setText(fields.hint + (" (* needed)" if fields.required else ""))
        self.board_form.setRowVisible(self.preset, self._presets_for(board.board_id))
        self._update_info()

    def _presets_for(self, board_id: int) -> bool:
        return any(board_id in load_preset(n).board_ids() for n in list_presets())

    def settings(self) -> ConnectionSettings:
        """What the dialog shows, as connection settings."""
        if self.tabs.currentIndex() == LSL_TAB:
            return ConnectionSettings(kind="lsl", lsl_stream=self.lsl_picker.stream())
        if self.tabs.currentIndex() == 1:
            try:
                baud = int(self.baud.currentText())
            except ValueError:
                baud = -1
            return ConnectionSettings(
                kind="serial",
                serial=SerialSettings(
                    port=self._port_text(self.serial_port), baud=baud,
                    fs_hz=self.serial_fs.value(), n_channels=self.n_channels.value(),
                    scale_uv=self.scale.value(), is_envelope=self.envelope.isChecked(),
                    has_timestamp=self.timestamp.isChecked(),
                ),
            )
        s = ConnectionSettings(kind="brainflow", board=self.current_board().enum_name)
        shown = board_fields(self.current_board().board_id).shown
        p = s.params
        text = {n: w.text().strip() for n, w in self.fields.items() if isinstance(w, QLineEdit)}
        p.serial_port = self._port_text(self.bf_port) if "serial_port" in shown else ""
        p.mac_address, p.ip_address = text["mac_address"], text["ip_address"]
        p.serial_number, p.file, p.other_info = (
            text["serial_number"], text["file"], text["other_info"])
        p.ip_port, p.timeout = self.ip_port.value(), self.timeout.value()
        if "master_board" in shown:
            p.master_board = board_choice(self.master_board.currentText()).board_id
        if self._presets_for(self.current_board().board_id):
            p.preset = str(self.preset.currentData() or "")
        return s

    def apply_settings(self, s: ConnectionSettings) -> None:
        """Show stored settings (the device's remembered ones)."""
        self._applying = True
        try:
            self._apply_settings(s)
        finally:
            self._applying = False
        self._update_info()

    def _apply_settings(self, s: ConnectionSettings) -> None:
        if s.kind == "lsl":
            self.tabs.setCurrentIndex(LSL_TAB)
            self.lsl_picker.set_stream(s.lsl_stream)
            return
        if s.kind == "serial":
            self.tabs.setCurrentIndex(1)
            self.serial_port.setEditText(s.serial.port)
            self.baud.setCurrentText(str(s.serial.baud))
            self.serial_fs.setValue(s.serial.fs_hz)
            self.n_channels.setValue(s.serial.n_channels)
            self.scale.setValue(s.serial.scale_uv)
            self.envelope.setChecked(s.serial.is_envelope)
            self.timestamp.setChecked(s.serial.has_timestamp)
            return
        self.tabs.setCurrentIndex(0)
        try:
            label = board_choice(s.board).label
        except EmgSourceError:
            return
        self.board.setCurrentIndex(self.board.findText(label))
        p = s.params
        self.bf_port.setEditText(p.serial_port)
        for name in ("mac_address", "ip_address", "serial_number", "file", "other_info"):
            widget = self.fields[name]
            assert isinstance(widget, QLineEdit)
            widget.setText(str(getattr(p, name)))
        self.ip_port.setValue(int(p.ip_port))
        self.timeout.setValue(int(p.timeout))
        if p.master_board is not None:
            self.master_board.setCurrentText(board_choice(p.master_board).label)
        self.preset.setCurrentIndex(max(0, self.preset.findData(p.preset)))

    def _restore_last(self) -> None:
        last = self.memory.last()
        if last is not None:
            self.apply_settings(last)
        self._board_changed(self.board.currentIndex())

    def _remember(self, s: ConnectionSettings) -> None:
        self.memory.remember(s)

    def _update_info(self) -> None:
        if self.tabs.currentIndex() == LSL_TAB:
            text, rate = self.lsl_picker.describe()
            self.info.setText(text)
            self.warning.setText((sampling_rate_warning(rate) or "") if rate else "")
            return
        if self.tabs.currentIndex() == 1:
            fs, n = self.serial_fs.value(), self.n_channels.value()
            self.info.setText(f"{n} channel(s) at {fs:g} Hz (as set for the device)")
        else:
            board = self.current_board()
            master = None
            if "master_board" in board_fields(board.board_id).shown:
                master = board_choice(self.master_board.currentText()).board_id
            try:
                info = board_info(board.board_id, master)
            except EmgSourceError as exc:
                self.info.setText(str(exc))
                self.warning.setText("")
                return
            fs, n = info.fs_hz, info.n_channels
            self.info.setText(f"{n} EMG/ExG channel(s) at {fs:g} Hz (from BrainFlow)")
        self.warning.setText(sampling_rate_warning(fs) or "")

    # -- actions -----------------------------------------------------------------------
    def start_probe(self, then_connect: bool = False) -> None:
        """Read one second on a worker thread; ``probed`` carries the outcome.

        With ``then_connect`` a successful read also applies the device (Connect).
        """
        if self._probe_thread is not None and self._probe_thread.is_alive():
            return
        s = self.settings()
        self._connect_after_probe = then_connect
        self.error.setText("")
        self.report.setPlainText(f"Testing {s.describe()} …")
        self.test_button.setEnabled(False)
        self.buttons.setEnabled(False)

        def work() -> None:
            try:
                outcome: object = probe_connection(s)
            except EmgSourceError as exc:
                outcome = exc
            try:
                self.probed.emit(outcome)
            except RuntimeError:  # the dialog was closed meanwhile
                pass

        self._probe_thread = threading.Thread(target=work, name="emg-probe", daemon=True)
        self._probe_thread.start()

    def _show_probe(self, outcome: object) -> None:
        self.test_button.setEnabled(True)
        self.buttons.setEnabled(True)
        if not isinstance(outcome, ProbeReport):
            self.report.setPlainText("")
            verb = "Not connected" if self._connect_after_probe else "Test failed"
            self.error.setText(f"{verb}: {outcome}")
            return
        self.report.setPlainText(outcome.describe())
        s = self.settings()
        self._remember(s)
        if self._connect_after_probe:
            self._apply(s)

    def connect_device(self) -> None:
        """Open the device for a second, then apply it; a failure keeps the dialog open
        with the board, the field and the reason."""
        try:
            self.settings().build_source()  # refuses a missing field at once, by name
        except EmgSourceError as exc:
            self.error.setText(f"Not connected: {exc}")
            return
        self.start_probe(then_connect=True)

    def _apply(self, s: ConnectionSettings) -> None:
        try:
            source = s.build_source()
        except EmgSourceError as exc:
            self.error.setText(f"Not connected: {exc}")
            return
        self.source, self.result_settings = source, s
        self.connected.emit(source, s)
        self.accept()
