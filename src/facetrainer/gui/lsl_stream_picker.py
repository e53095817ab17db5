"""The Connect dialog's "Lab Streaming Layer" tab: pick an EMG stream visible on this
machine (e.g. OpenBCI GUI's time series) or type its name or type."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QWidget

from facetrainer.lsl.scope import LslError

RESOLVE_S = 1.0


class LslStreamPicker(QWidget):
    """An editable list of the fixed-rate LSL streams found by *Refresh*."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.streams: list[dict[str, Any]] = []
        form = QFormLayout(self)
        self.box = QComboBox()
        self.box.setEditable(True)
        self.box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.box.lineEdit().setPlaceholderText("stream name or type, e.g. obci_eeg1 or EMG")
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.box, 1)
        row.addWidget(refresh)
        holder = QWidget()
        holder.setLayout(row)
        form.addRow("Stream", holder)
        self.hint = QLabel(
            "Streams on this computer (FaceTrainer keeps LSL discovery on this machine unless "
            "its LSL scope setting is widened). Samples keep the sender's LSL timestamps.")
        self.hint.setWordWrap(True)
        form.addRow(self.hint)

    def refresh(self) -> None:
        """Look for streams (about a second) and list those with a fixed rate."""
        from facetrainer.emg.lsl_source import list_streams

        typed = self.stream()
        try:
            found = list_streams(RESOLVE_S)
        except LslError as exc:
            self.hint.setText(str(exc))
            return
        self.streams = [s for s in found if s["fs_hz"] > 0]
        self.box.clear()
        for s in self.streams:
            self.box.addItem(f"{s['name']}  ({s['type']}, {s['n_channels']} ch, "
                             f"{s['fs_hz']:g} Hz, {s['hostname']})", s["name"])
        self.hint.setText(f"{len(self.streams)} stream(s) with a fixed rate found"
                          if self.streams else "No LSL stream with a fixed rate found")
        if typed:
            self.set_stream(typed)

    def stream(self) -> str:
        """The chosen stream's name (or what was typed)."""
        text = self.box.currentText().strip()
        index = self.box.findText(text)
        data = self.box.itemData(index) if index >= 0 else None
        return str(data) if data else text

    def set_stream(self, name: str) -> None:
        index = self.box.findData(name)
        if index >= 0:
            self.box.setCurrentIndex(index)
        else:
            self.box.setEditText(name)

    def describe(self) -> tuple[str, float | None]:
        """(info line, rate in Hz or None) of the chosen stream."""
        name = self.stream()
        match = next((s for s in self.streams if s["name"] == name), None)
        if match is None:
            return (f"LSL stream {name!r}: rate and channels are read when it connects"
                    if name else "Choose an LSL stream (Refresh lists them)", None)
        return (f"{match['n_channels']} channel(s) at {match['fs_hz']:g} Hz "
                f"(from the stream's description)", float(match["fs_hz"]))
