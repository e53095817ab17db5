"""The live-session model, headless: one object wires sources, chains, engine and recorder."""

from __future__ import annotations

import csv
import subprocess
import sys
import textwrap
import time

import pytest

from facetrainer.live.config import SessionConfig, VideoChoice
from facetrainer.live.session_model import LiveSessionModel
from facetrainer.live.sources import BuiltSources
from facetrainer.source_status import SourceState
from facetrainer.storage.schema import ACTIVATION_TARGET_PCT

from .conftest import REPLAY_SPEED, FastPlayback

HEADLESS = SessionConfig(video=VideoChoice("none"), face_analysis=False, affected_side="left")
SET_TIMEOUT_S = 60.0
QUALITY_RANGE = (0.0, 100.0)


def _model(tmp_path, emg_csv, speed: float = REPLAY_SPEED) -> tuple[LiveSessionModel, FastPlayback]:
    from dataclasses import replace

    source = FastPlayback(emg_csv, speed=speed)
    config = replace(HEADLESS, data_dir=tmp_path / "data", patient_code="VP1")
    model = LiveSessionModel(config, sources=BuiltSources(None, [source]))
    return model, source


def _run_to_end(model: LiveSessionModel, source: FastPlayback) -> None:
    source.go.set()
    deadline = time.monotonic() + SET_TIMEOUT_S
    while source.status.state != SourceState.FINISHED and time.monotonic() < deadline:
        time.sleep(0.05)
    assert source.status.state == SourceState.FINISHED
    time.sleep(0.3)  # the engine's worker reads the last envelope samples


def _prepare_patient(model: LiveSessionModel) -> None:
    from facetrainer.storage import create_patient

    db = model.open_database()
    create_patient(db, "VP1", affected_side="left")


def _streaming_model(tmp_path, emg_csv) -> tuple[LiveSessionModel, FastPlayback]:
    """The model with its patient, started, its playback open (not yet replaying)."""
    model, source = _model(tmp_path, emg_csv)
    _prepare_patient(model)
    model.start()
    assert source.wait_ready(10.0)
    return model, source


@pytest.mark.parametrize("order", ["recording first", "set first"])
def test_activation_and_reps_are_recorded_whatever_was_started_first(
    tmp_path, virtual_patient_set, order
):
    from facetrainer.storage.session_data import load_frame_measures, load_reps

    emg_csv, truth = virtual_patient_set
    # Set first: the set scores a little while before Record is pressed, well before the
    # first rep (which starts ~3 s into the recording), even on a loaded machine.
    model, source = _model(tmp_path, emg_csv, speed=1.5 if order == "set first" else REPLAY_SPEED)
    _prepare_patient(model)
    scored = []
    model.events.rep_scored.connect(scored.append)
    model.start()
    assert source.wait_ready(10.0)
    if order == "recording first":
        sid = model.start_recording()
        model.start_set("closed_smile", cued=False)
    else:
        session = model.start_set("closed_smile", cued=False)
        source.go.set()
        deadline = time.monotonic() + SET_TIMEOUT_S
        while not session.snapshot().t_s == session.snapshot().t_s:  # NaN until data
            assert time.monotonic() < deadline
            time.sleep(0.02)
        sid = model.start_recording()
    _run_to_end(model, source)
    model.stop()
    assert len(scored) == len(truth["reps"]) == 3
    reps = load_reps(model.database, sid)
    assert [r["rep_index"] for r in reps] == [0, 1, 2]
    assert all(r["exercise"] == "closed_smile" for r in reps)
    assert [r["quality"] for r in reps] == [s.rep.quality for s in scored]
    frames = load_frame_measures(model.database, sid)
    activation = frames.values[ACTIVATION_TARGET_PCT]
    assert activation.size > 100 and (activation[activation == activation] > 20).any()


def test_a_recorded_virtual_patient_session_reports_quality_on_the_0_100_scale(
    tmp_path, virtual_patient_set
):
    from pypdf import PdfReader

    from facetrainer.reports.report_command import ReportRequest, make_report

    emg_csv, _ = virtual_patient_set
    model, source = _streaming_model(tmp_path, emg_csv)
    model.start_recording()
    model.start_set("closed_smile", cued=False)
    _run_to_end(model, source)
    model.stop()
    out = tmp_path / "report"
    out.mkdir()
    make_report(model.database, ReportRequest("VP1", out / "r.pdf", csv_dir=out))
    with open(out / "reps.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    qualities = [float(r["quality"]) for r in rows]
    assert len(qualities) == 3
    assert all(QUALITY_RANGE[0] <= q <= QUALITY_RANGE[1] for q in qualities)
    assert max(qualities) > 1.0  # not the old 0-1 scale
    text = "".join(page.extract_text() for page in PdfReader(out / "r.pdf").pages)
    assert "quality (0-100)" in text and "(0-1)" not in text


def test_a_whole_set_runs_headless_without_importing_qt(virtual_patient_set, tmp_path):
    emg_csv, _ = virtual_patient_set
    code = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(tmp_path)!r})
        from facetrainer.live.config import SessionConfig, VideoChoice
        from facetrainer.live.session_model import LiveSessionModel
        from facetrainer.live.sources import BuiltSources
        from live_conftest import FastPlayback
        source = FastPlayback({str(emg_csv)!r})
        model = LiveSessionModel(
            SessionConfig(video=VideoChoice("none"), face_analysis=False, affected_side="left"),
            sources=BuiltSources(None, [source]))
        done = []
        model.events.set_completed.connect(done.append)
        model.start()
        assert source.wait_ready(10.0)
        session = model.start_set("closed_smile", cued=False, reps=3)
        source.go.set()
        deadline = time.monotonic() + {SET_TIMEOUT_S}
        while not done and time.monotonic() < deadline:
            time.sleep(0.05)
        model.stop()
        qt = sorted(m for m in sys.modules if m.startswith(("PySide6", "pyqtgraph", "shiboken")))
        print(len(session.result()["reps"]), done[0].reps_detected if done else -1, qt)
    """)
    (tmp_path / "live_conftest.py").write_text(
        (__import__("pathlib").Path(__file__).parent / "conftest.py").read_text()
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=SET_TIMEOUT_S + 60)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split()[-3:] == ["3", "3", "[]"], proc.stdout


def test_bad_choices_are_named_and_change_nothing(tmp_path, virtual_patient_set):
    from facetrainer.emg.montage import MontageError

    emg_csv, _ = virtual_patient_set
    model, _ = _model(tmp_path, emg_csv)
    with pytest.raises(ValueError, match="'middle'"):
        model.set_affected_side("middle")
    assert model.affected_side == "left"
    with pytest.raises(MontageError, match="no_such_montage"):
        model.set_montage("no_such_montage")
    with pytest.raises(ValueError, match="guided routine"):
        model.start_set("massage_cheek")
    with pytest.raises(KeyError):
        model.start_set("no_such_exercise")
    with pytest.raises(ValueError, match="choose or create a patient"):
        LiveSessionModel(HEADLESS, sources=BuiltSources(None, [])).start_recording()
    assert model.exercise_session is None and model.recorder is None


def test_a_frame_consumer_that_raises_is_reported_once_and_unsubscribed(tmp_path):
    from types import SimpleNamespace

    model = LiveSessionModel(HEADLESS, sources=BuiltSources(None, []))
    failures, good = [], []
    model.events.consumer_failed.connect(failures.append)

    def broken_panel(pf):
        raise RuntimeError("a bug in a panel")

    processor = model.pipeline.processor
    processor.listeners.extend([broken_panel, good.append])
    frame = SimpleNamespace(frame=SimpleNamespace(timestamp_s=0.0))
    for _ in range(3):
        processor.publish(frame)
    assert len(good) == 3 and broken_panel not in processor.listeners
    assert len(failures) == 1 and model.consumer_errors == failures
    assert "broken_panel" in failures[0].consumer and "a bug in a panel" in failures[0].message


def test_source_state_changes_are_events(tmp_path, virtual_patient_set):
    emg_csv, _ = virtual_patient_set
    model, source = _model(tmp_path, emg_csv)
    states = []
    model.events.source_state_changed.connect(lambda st: states.append(st.state))
    assert model.poll_source_states()[0].state == SourceState.IDLE
    assert model.poll_source_states() == []  # nothing changed: nothing emitted
    model.start()
    assert source.wait_ready(10.0)
    _run_to_end(model, source)
    model.stop()
    model.poll_source_states()
    assert states[0] == SourceState.IDLE and states[-1] == SourceState.FINISHED
    assert SourceState.STREAMING in states

def test_a_calibration_made_during_a_recording_is_stored_with_the_session(
    tmp_path, virtual_patient_set
):
    from facetrainer.exercises.calibration import Calibration, ChannelReference
    from facetrainer.storage.schema import Session

    emg_csv, _ = virtual_patient_set
    model, source = _streaming_model(tmp_path, emg_csv)
    sid = model.start_recording()
    calibration = Calibration({
        "emg:zygomaticus_major/right": ChannelReference(2.7, 130.0, "calibrated", "calibration"),
        "video:mouth_corner/left": ChannelReference(-5.3, 5.8, "healthy side reference",
                                                    "calibration")})
    model.set_calibration(calibration)  # the calibration wizard finished
    model.stop()
    with model.database.session() as s:
        stored = s.get(Session, sid).calibration
    assert stored == calibration.to_json()
