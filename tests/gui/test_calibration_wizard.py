"""The calibration wizard on a live-session model fed by a scripted EMG device."""

from __future__ import annotations

import time

import numpy as np
import pytest

from facetrainer.emg.montage_file import build_montage
from facetrainer.emg.source import EmgSource, EmgStreamInfo
from facetrainer.live.config import SessionConfig, VideoChoice
from facetrainer.live.session_model import LiveSessionModel
from facetrainer.live.sources import BuiltSources

FS_HZ = 1000.0
STEP_S = 1.0
STEP_TIMEOUT_MS = 15000
LABELS = ("frontalis/left", "frontalis/right", "zygomaticus_major/left",
          "zygomaticus_major/right")


class ScriptedEmg(EmgSource):
    """Four channels of noise at 1 kHz in real time; ``levels`` (µV SD) set by the test."""

    poll_interval_s = 0.01

    def __init__(self) -> None:
        super().__init__("scripted")
        self.levels = np.full(4, 3.0)
        self._rng = np.random.default_rng(0)
        self._t0 = 0.0
        self._sent = 0

    def _open(self) -> EmgStreamInfo:
        self._t0 = time.monotonic()
        return EmgStreamInfo(FS_HZ, tuple(f"ch{i + 1}" for i in range(4)))

    def _read_chunk(self) -> np.ndarray:
        due = int((time.monotonic() - self._t0) * FS_HZ)
        n, self._sent = due - self._sent, due
        return self._rng.normal(0.0, 1.0, (4, n)) * self.levels[:, None]


@pytest.fixture
def model(tmp_path):
    source = ScriptedEmg()
    config = SessionConfig(video=VideoChoice("none"), face_analysis=False, affected_side="left",
                           data_dir=tmp_path / "data", patient_code="P014")
    m = LiveSessionModel(config, sources=BuiltSources(None, [source]))
    m.set_montage(build_montage("brow and smile", dict(zip(("ch1", "ch2", "ch3", "ch4"), LABELS,
                                                            strict=True))))
    m.start()
    assert source.wait_ready(10.0)
    deadline = time.monotonic() + 10.0
    while len(m.emg_streams[0].states()) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.5)  # a second of signal behind the first step
    yield m, source
    m.stop()


def record(qtbot, wizard):
    with qtbot.waitSignal(wizard.step_checked, timeout=STEP_TIMEOUT_MS) as checked:
        wizard.record_button.click()
    return checked.args[0]


@pytest.mark.filterwarnings("ignore::facetrainer.emg.filters.EmgFilterWarning")
def test_wizard_rest_then_each_muscle_with_a_redo_then_saved_with_the_patient(
    qtbot, model, tmp_path
):
    from facetrainer.exercises.activation import Calibration
    from facetrainer.gui.calibration_wizard import CalibrationWizard

    m, source = model
    wizard = CalibrationWizard(m, step_s=STEP_S, folder=tmp_path / "cal")
    qtbot.addWidget(wizard)
    wizard.show()
    assert [s.title for s in wizard.steps] == [
        "Rest baseline", "Reference: frontalis", "Reference: zygomaticus_major"]

    assert record(qtbot, wizard).ok  # quiet rest
    wizard.next_button.click()
    source.levels[:] = [30, 30, 3, 3]  # brows raised
    qtbot.wait(400)
    assert record(qtbot, wizard).ok
    wizard.next_button.click()

    source.levels[:] = [3, 3, 25, 3]  # the healthy (right) side did not smile
    qtbot.wait(400)
    weak = record(qtbot, wizard)
    assert not weak.ok and weak.problems[0].startswith("zygomaticus_major/right: too weak")
    assert "Please redo" in wizard.result.toPlainText() and wizard.record_button.text() == "Redo"
    assert not wizard.finish_button.isEnabled()
    source.levels[:] = [3, 3, 4, 30]  # redo: right smiles, the affected left barely moves
    qtbot.wait(400)
    good = record(qtbot, wizard)
    assert good.ok and "affected side" in good.notes[0]

    with qtbot.waitSignal(wizard.finished_calibration) as done:
        wizard.finish_button.click()
    calibration, path = done.args
    assert m.calibration is calibration
    left = calibration.channels["emg:zygomaticus_major/left"]
    right = calibration.channels["emg:zygomaticus_major/right"]
    assert left.reference == right.reference and left.source == "healthy side reference"
    assert right.reference > 5 * right.rest  # a real contraction above a quiet rest
    assert path.parent == tmp_path / "cal" and path.name.startswith("P014-")
    assert Calibration.load(path).channels.keys() == calibration.channels.keys()
    assert (path.stat().st_mode & 0o077) == 0  # private
