"""The Connect dialog's interop choices as a user meets them: the Cyton facial-EMG preset
on the board tab, and an LSL stream found on this machine on the LSL tab."""

from __future__ import annotations

import queue

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt

from facetrainer.emg.lsl_source import LslEmgSource
from facetrainer.emg.source import EmgSource, EmgStreamInfo
from facetrainer.lsl.outlet import LslPublisher
from facetrainer.lsl.scope import configured_pylsl

PROBE_TIMEOUT_MS = 30000


@pytest.fixture
def dialog(qtbot, tmp_path):
    from facetrainer.gui.connect_dialog import ConnectEmgDialog

    d = ConnectEmgDialog(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(d)
    d.show()
    return d


def choose_board(dialog, enum_name):
    index = next(i for i in range(dialog.board.count())
                 if f"({enum_name}," in dialog.board.itemText(i))
    dialog.board.setCurrentIndex(index)


def test_facial_emg_preset_is_offered_for_a_cyton_only(dialog):
    choose_board(dialog, "CYTON_BOARD")
    assert dialog.preset.isVisible()
    dialog.preset.setCurrentIndex(dialog.preset.findData("facial-emg"))
    assert dialog.settings().params.preset == "facial-emg"
    choose_board(dialog, "SYNTHETIC_BOARD")
    assert not dialog.preset.isVisible()
    assert dialog.settings().params.preset == ""


class NoiseSource(EmgSource):
    """4 channels at 500 Hz of seeded noise, paced by the poll."""

    poll_interval_s = 0.01

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.rng = np.random.default_rng(2)
        self.q: queue.Queue = queue.Queue()

    def _open(self) -> EmgStreamInfo:
        return EmgStreamInfo(500.0, ("a", "b", "c", "d"))

    def _read_chunk(self) -> np.ndarray:
        return self.rng.normal(0, 10, (4, 5))


def test_an_lsl_stream_is_listed_tested_and_connected(qtbot, dialog):
    configured_pylsl("machine")
    import uuid

    run = uuid.uuid4().hex[:8]
    publisher = LslPublisher(source_id=f"ft-dialog-{run}")
    src = NoiseSource(f"dialog-test-{run}")
    publisher.attach_emg(src)
    src.start()
    try:
        qtbot.waitUntil(lambda: publisher.n_emg_samples > 0, timeout=10000)
        dialog.tabs.setCurrentIndex(dialog.tabs.count() - 1)
        dialog.lsl_picker.refresh()
        wanted = f"FaceTrainer EMG raw (dialog-test-{run})"
        dialog.lsl_picker.set_stream(wanted)
        assert dialog.lsl_picker.stream() == wanted
        assert "4 channel(s) at 500 Hz" in dialog.info.text()
        with qtbot.waitSignal(dialog.probed, timeout=PROBE_TIMEOUT_MS):
            qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        assert dialog.report.toPlainText().count("µV RMS") == 4
        with qtbot.waitSignal(dialog.connected, timeout=PROBE_TIMEOUT_MS) as applied:
            dialog.buttons.accepted.emit()
        source, settings = applied.args
        assert isinstance(source, LslEmgSource) and settings.kind == "lsl"
        assert settings.lsl_stream == wanted
    finally:
        src.stop()
        publisher.close()
