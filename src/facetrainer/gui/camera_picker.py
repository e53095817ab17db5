"""Camera picker: the cameras Qt sees (QMediaDevices), by name, with a live preview.

The preview runs through QtMultimedia only while the dialog is open; the chosen camera is
then opened by the app's own :class:`facetrainer.capture.video_sources.CameraSource`
(OpenCV), whose index is the ``/dev/videoN`` number on Linux and the list position
elsewhere (both enumerate cameras in the system's order).
"""

from __future__ import annotations

import re

from PySide6.QtCore import Signal
from PySide6.QtMultimedia import QCamera, QCameraDevice, QMediaCaptureSession, QMediaDevices
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

_V4L2 = re.compile(r"/dev/video(\d+)$")


def camera_index(device_id: str, position: int) -> int:
    """The OpenCV index of a camera Qt lists at ``position`` with id ``device_id``."""
    m = _V4L2.search(device_id)
    return int(m.group(1)) if m else position


class CameraPicker(QDialog):
    """Choose a camera by name; ``chosen_index`` is its OpenCV index after accept."""

    chosen = Signal(int, str)  # OpenCV index, camera description

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose camera")
        self.chosen_index: int | None = None
        self._devices: list[QCameraDevice] = []
        self._camera: QCamera | None = None
        self._session = QMediaCaptureSession(self)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.cameras = QComboBox()
        self.cameras.currentIndexChanged.connect(self._preview)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        row.addWidget(self.cameras, 1)
        row.addWidget(refresh)
        layout.addLayout(row)
        self.preview = QVideoWidget()
        self.preview.setMinimumSize(320, 240)
        self._session.setVideoOutput(self.preview)
        layout.addWidget(self.preview, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Use this camera")
        self.buttons.accepted.connect(self._use)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        QMediaDevices(self).videoInputsChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        """List the cameras present now (Qt's view of the system)."""
        self._devices = list(QMediaDevices.videoInputs())
        self.cameras.blockSignals(True)
        self.cameras.clear()
        for d in self._devices:
            self.cameras.addItem(d.description())
        self.cameras.blockSignals(False)
        ok = bool(self._devices)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        self.message.setText(
            "" if ok else "No camera found. Plug one in (or allow camera access) and press Refresh."
        )
        if ok:
            self._preview(0)
        else:
            self._stop_preview()

    def _stop_preview(self) -> None:
        if self._camera is not None:
            self._camera.stop()
            self._camera.deleteLater()
            self._camera = None

    def _preview(self, position: int) -> None:
        self._stop_preview()
        if not 0 <= position < len(self._devices):
            return
        camera = QCamera(self._devices[position], self)
        camera.errorOccurred.connect(
            lambda _e, text: self.message.setText(f"Preview failed: {text}")
        )
        self._session.setCamera(camera)
        self._camera = camera
        camera.start()

    def _use(self) -> None:
        position = self.cameras.currentIndex()
        device = self._devices[position]
        self.chosen_index = camera_index(bytes(device.id().data()).decode(errors="replace"),
                                         position)
        self._stop_preview()
        self.chosen.emit(self.chosen_index, device.description())
        self.accept()

    def done(self, result: int) -> None:  # noqa: D102 - Qt override: release the camera
        self._stop_preview()
        super().done(result)
