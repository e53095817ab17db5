"""The camera picker lists what Qt sees; with no camera it says so and cannot be confirmed."""

from __future__ import annotations

from PySide6.QtMultimedia import QMediaDevices
from PySide6.QtWidgets import QDialogButtonBox

from facetrainer.gui.camera_picker import CameraPicker, camera_index


def test_opencv_index_follows_the_linux_device_number_else_the_list_position():
    assert camera_index("/dev/video2", 0) == 2
    assert camera_index("@device:pnp:\\\\?\\usb#vid_046d", 1) == 1


def test_picker_lists_qts_cameras_or_explains_there_are_none(qtbot):
    picker = CameraPicker()
    qtbot.addWidget(picker)
    picker.show()
    present = QMediaDevices.videoInputs()
    assert picker.cameras.count() == len(present)
    use = picker.buttons.button(QDialogButtonBox.StandardButton.Ok)
    if present:
        assert use.isEnabled()
    else:
        assert not use.isEnabled() and "No camera found" in picker.message.text()
