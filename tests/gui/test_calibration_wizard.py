"""The calibration wizard on a live-session model fed by a scripted EMG device."""

from __future__ import annotations

import pytest

STEP_S = 1.0
STEP_TIMEOUT_MS = 15000
LABELS = ("frontalis/left", "frontalis/right", "zygomaticus_major/left",
          "zygomaticus_major/right")


@pytest.fixture
def model(scripted_model):
    return scripted_model(LABELS)


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


def test_a_camera_that_delivers_nothing_is_named_instead_of_a_missing_face(qtbot, tmp_path):
    from facetrainer.capture.video_sources import ImageSource
    from facetrainer.gui.calibration_wizard import CalibrationWizard
    from facetrainer.live.config import SessionConfig
    from facetrainer.live.session_model import LiveSessionModel
    from facetrainer.live.sources import BuiltSources

    camera = ImageSource(tmp_path / "unplugged.png")  # fails to open: no such file
    m = LiveSessionModel(SessionConfig(data_dir=tmp_path / "data", patient_code="P014"),
                         sources=BuiltSources(camera, []))
    m.start()
    try:
        wizard = CalibrationWizard(m, step_s=STEP_S, folder=tmp_path / "cal")
        qtbot.addWidget(wizard)
        assert wizard.steps[1].title == "Reference: brow (video)"  # no EMG: the face alone
        rest = record(qtbot, wizard)
        assert not rest.ok
        assert rest.problems[0].startswith("no video during this step — unplugged.png failed:")
        assert rest.problems[0].endswith("Reconnect the camera (Sources), then Redo")
        assert wizard.record_button.text() == "Redo" and not wizard.next_button.isEnabled()
    finally:
        m.stop()
