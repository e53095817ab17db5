"""The calibration wizard on the virtual patient: face and EMG from the live session's demo
sources, the patient performing each requested contraction when *Record* is pressed."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from facetrainer.simulation.sources import VirtualPatientEmg

STEP_S = 2.5  # each step shortened from 4-5 s; the hold still fills most of it
STEP_TIMEOUT_MS = 20000
READY_TIMEOUT_S = 60.0
EMG_REF_REL_TOL = 0.25  # wizard's reference (95th pct of a 2.5 s hold) vs the truth's best 0.5 s
SMILE_TRUTH_REL_TOL = 0.25  # measured mouth-corner excursion vs the rendered 6 mm
RETRIES_WHEN_BUSY = 5  # the shared machine's load reaches 7× its cores: MediaPipe starves
PROFILE = "synkinesis_left"  # left side paretic and synkinetic
SEED = 3


class UnpluggableEmg(VirtualPatientEmg):
    """The virtual patient's EMG device, whose cable the test can pull."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.unplugged = threading.Event()

    def _read_chunk(self):
        if self.unplugged.is_set():
            raise OSError("the cable was pulled")
        return super()._read_chunk()


def wait_until(qtbot, condition, timeout_s=READY_TIMEOUT_S):
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the virtual patient's sources did not start"
        qtbot.wait(100)


@pytest.fixture
def live(tmp_path, qtbot):
    """(model, cued patient): the live session streaming the virtual patient's face and EMG."""
    from facetrainer.live.config import SessionConfig
    from facetrainer.live.session_model import LiveSessionModel
    from facetrainer.live.sources import BuiltSources
    from facetrainer.simulation.cued_performer import cued_patient

    patient = cued_patient(PROFILE, seed=SEED)
    patient.emg = UnpluggableEmg(patient.patient, patient.clock, seed=SEED, name="virtual EMG")
    config = SessionConfig(face_analysis=True, affected_side="left",
                           data_dir=tmp_path / "data", patient_code="P021")
    model = LiveSessionModel(config, sources=BuiltSources(patient.video, [patient.emg]))
    model.start()
    streaming = lambda: (  # noqa: E731
        model.pipeline.processor.latest is not None
        and model.pipeline.processor.latest.face is not None
        and len(model.emg_streams[0].states()) == len(patient.emg.channels))
    wait_until(qtbot, streaming)
    qtbot.wait(1000)
    yield model, patient
    model.stop()


def record(qtbot, wizard, tries=RETRIES_WHEN_BUSY):
    """Record the step; redo it (as the wizard asks) while the shared test machine was too
    busy to process enough video frames to judge it."""
    for _ in range(tries):
        with qtbot.waitSignal(wizard.step_checked, timeout=STEP_TIMEOUT_MS) as checked:
            wizard.record_button.click()
        result = checked.args[0]
        if not any("video frames in this step" in p for p in result.problems):
            return result
        qtbot.wait(1000)
    return result


@pytest.mark.filterwarnings("ignore::facetrainer.emg.filters.EmgFilterWarning")
def test_wizard_calibrates_the_virtual_patients_face_and_emg(qtbot, live, tmp_path):
    from facetrainer.exercises.activation import Calibration
    from facetrainer.gui.calibration_wizard import CalibrationWizard
    from facetrainer.simulation.demo_follow import reference_calibration
    from facetrainer.simulation.face_actions import SMILE_CORNER_MM

    model, patient = live
    wizard = CalibrationWizard(model, step_s=STEP_S, folder=tmp_path / "cal")
    qtbot.addWidget(wizard)
    wizard.show()
    asked = {"look_away": False, "smile_at_rest": False}

    def perform(step):  # the patient does what the wizard asks, when it asks
        if asked["look_away"]:
            patient.look_away(STEP_S)
        if asked["smile_at_rest"]:
            patient.perform("closed_smile", STEP_S / 2)
        if step.exercise is not None:
            patient.perform(step.exercise, STEP_S)

    wizard.recording_started.connect(perform)
    titles = [s.title for s in wizard.steps]
    assert titles[0] == "Rest baseline"
    assert "Reference: zygomaticus_major, mouth_corner (video)" in titles
    assert {r for s in wizard.steps for r in s.regions} == {
        "brow", "eye", "mouth_corner", "upper_lip", "lips", "lower_lip"}

    # a smile during the rest: the muscle and the mouth corners are named, then redone
    asked["smile_at_rest"] = True
    moved = record(qtbot, wizard)
    asked["smile_at_rest"] = False
    assert "zygomaticus_major/right: the muscle moved during the rest — relax and redo" in (
        moved.problems)
    assert any(p.startswith("mouth_corner/right: moved during the rest") for p in moved.problems), (
        moved.problems)
    qtbot.wait(1000)
    rest = record(qtbot, wizard)
    assert rest.ok, rest.problems
    assert set(rest.video_levels_mm) >= {"brow/left", "lower_lip/right"}
    wizard.next_button.click()

    # the brows, first with the face out of the camera: refused, then redone
    asked["look_away"] = True
    hidden = record(qtbot, wizard)
    asked["look_away"] = False
    assert not hidden.ok and hidden.problems[0].startswith("face not found in")
    assert "Please redo" in wizard.result.toPlainText()
    assert wizard.record_button.text() == "Redo" and not wizard.next_button.isEnabled()
    patient.relax()
    wait_until(qtbot, lambda: model.pipeline.processor.latest.face is not None, 10.0)
    qtbot.wait(1000)  # the tracker settles on the face again
    brows = record(qtbot, wizard)
    assert brows.ok, brows.problems
    wizard.next_button.click()

    while wizard.step.muscle != "zygomaticus_major":  # eyes, upper lip: checked and passed
        step = record(qtbot, wizard)
        assert step.ok, (step.step.title, step.problems)
        patient.relax()
        wizard.next_button.click()

    # the smile with the EMG cable pulled: each of its channels is named, then redone
    patient.emg.unplugged.set()
    unplugged = record(qtbot, wizard)
    assert not unplugged.ok
    assert unplugged.problems[0].startswith(
        "zygomaticus_major/left: no EMG during this step — virtual EMG disconnected: "
        "the cable was pulled")
    assert any(p.startswith("zygomaticus_major/right: no EMG") for p in unplugged.problems)
    model.set_emg_sources([patient.new_emg()])  # plugged back in
    wait_until(qtbot, lambda: len(model.emg_streams[0].states()) == 12, 10.0)
    qtbot.wait(1000)
    patient.relax()
    smile = record(qtbot, wizard)
    assert smile.ok, smile.problems

    while wizard.index + 1 < len(wizard.steps):
        patient.relax()
        wizard.next_button.click()
        step = record(qtbot, wizard)
        assert step.ok, (step.step.title, step.problems)
    with qtbot.waitSignal(wizard.finished_calibration) as done:
        wizard.finish_button.click()
    calibration, path = done.args
    assert model.calibration is calibration
    saved = Calibration.load(path)
    assert set(saved.channels) == set(calibration.channels)
    assert {k for k in saved.channels if k.startswith("video:")} == {
        f"video:{r}/{s}" for r in ("brow", "eye", "mouth_corner", "upper_lip", "lips",
                                   "lower_lip") for s in ("left", "right")}
    assert (path.stat().st_mode & 0o077) == 0

    # EMG: the healthy (right) side's references match the virtual patient's own full
    # contraction; the paretic left takes them (DOMAIN §5)
    truth = reference_calibration(tuple(patient.emg.channels), patient.emg.fs_hz, SEED)
    for key, ref in calibration.channels.items():
        if key.startswith("emg:") and key.endswith("/right"):
            expected = truth.channels[key].reference
            assert ref.reference == pytest.approx(expected, rel=EMG_REF_REL_TOL), key
            left = calibration.channels[key.replace("/right", "/left")]
            assert left.reference == ref.reference and left.source == "healthy side reference"
    # video: the smile's excursion is the rendered one; every paretic region takes the
    # healthy side's reference
    smile_mm = calibration.channels["video:mouth_corner/right"].reference
    assert smile_mm == pytest.approx(float(np.hypot(*SMILE_CORNER_MM)), rel=SMILE_TRUTH_REL_TOL)
    for region in ("brow", "eye", "mouth_corner", "upper_lip", "lips", "lower_lip"):
        left = calibration.channels[f"video:{region}/left"]
        right = calibration.channels[f"video:{region}/right"]
        assert left.reference == right.reference > 0 and left.source == "healthy side reference"
    # the paretic mouth corner (paresis 0.4) moved clearly less than the healthy one
    smile_levels = smile.video_levels_mm
    assert smile_levels["mouth_corner/left"] < 0.85 * smile_levels["mouth_corner/right"]
