"""The clinician report: PDF text, CSV/JSON numbers, EDF+ sample for sample, bad input."""

from __future__ import annotations

import csv
import datetime as dt
import json

import numpy as np
import pytest

from facetrainer import DISCLAIMER
from facetrainer.cli import main
from facetrainer.reports.exports import edf_label
from facetrainer.reports.report_command import ReportRequest, make_report
from facetrainer.storage import StorageError, load_emg
from facetrainer.storage.patients import UnknownPatientError

EDF_HALF_STEP = 0.5 / 65535  # of each channel's physical range: 16-bit EDF quantisation
ANNOTATION_TOL_S = 1e-3


@pytest.fixture(scope="module")
def report(history, tmp_path_factory):
    db, url, sessions = history
    out = tmp_path_factory.mktemp("report")
    req = ReportRequest(
        "P001",
        out / "report.pdf",
        csv_dir=out / "csv",
        edf_dir=out / "edf",
        json_path=out / "report.json",
    )
    steps = []
    make_report(db, req, progress=lambda f, t: steps.append(f))
    return out, req, steps


def _mean(values):
    return float(np.mean(values))


def test_pdf_holds_patient_period_numbers_and_disclaimer(history, report, pdf_text):
    _, _, sessions = history
    out, _, steps = report
    text = " ".join(pdf_text(out / "report.pdf").split())
    assert "P001" in text and "Bell's palsy" in text
    assert " ".join(DISCLAIMER.split()) in text
    assert "Starter: gentle control" in text  # the prescribed program
    for s in sessions:
        for ex in ("brow_raise", "open_smile", "pucker"):
            reps = [r for r in s.reps if r["exercise"] == ex]
            quality = f"{_mean([r['quality'] for r in reps]):.2f}"
            target = f"{_mean([r['target'] for r in reps]):.2f}"
            assert f"{target} " in text and f" {quality}" in text
    assert "Symmetry per region over time" in text and "Synkinesis over time" in text
    assert steps[0] == 0.0 and steps[-1] == 1.0 and steps == sorted(steps)


def test_csv_holds_every_rep_and_frame(history, report, history_plan):
    db, _, sessions = history
    out, _, _ = report
    with open(out / "csv" / "reps.csv") as f:
        rows = list(csv.DictReader(f))
    expected = [r for s in sessions for r in s.reps]
    assert len(rows) == len(expected)
    for row, rep in zip(rows, expected, strict=True):
        assert row["exercise"] == rep["exercise"]
        assert float(row["quality"]) == rep["quality"]
        ((channel, value),) = rep["spillover"].items()
        assert float(row[f"spillover.{channel}"]) == value
    with open(out / "csv" / f"frames_session_{sessions[0].session_id}.csv") as f:
        frames = list(csv.reader(f))
    assert frames[0][0] == "time_s"
    assert len(frames) - 1 == 60 * 10  # 60 s at 10 fps, every frame
    with open(out / "csv" / "sessions.csv") as f:
        assert len(list(csv.DictReader(f))) == history_plan["n_sessions"]


def test_json_holds_every_number(history, report):
    _, _, sessions = history
    out, _, _ = report
    data = json.loads((out / "report.json").read_text())
    assert data["disclaimer"] == DISCLAIMER
    assert [s["session_id"] for s in data["sessions"]] == [s.session_id for s in sessions]
    for js, s in zip(data["sessions"], sessions, strict=True):
        assert [r["quality"] for r in js["reps"]] == [r["quality"] for r in s.reps]
        assert len(js["frames"]["times_s"]) == 600
        assert len(js["frames"]["values"]["measures/metrics/brow_height_mm/left"]) == 600


def test_edf_matches_raw_emg_sample_for_sample(history, report):
    import pyedflib

    db, _, sessions = history
    out, _, _ = report
    for s in sessions:
        raw = load_emg(db, s.session_id)
        path = out / "edf" / f"session_{s.session_id}_emg0.edf"
        with pyedflib.EdfReader(str(path)) as edf:
            assert edf.getSignalLabels() == [edf_label(c) for c in raw.channel_names]
            assert edf.getTransducer(2) == f"sEMG {raw.channel_names[2]}"
            n = raw.data_uv.shape[1]
            for ch in range(edf.signals_in_file):
                x = raw.data_uv[ch].astype(np.float64)
                got = edf.readSignal(ch)[:n]
                tol = (x.max() - x.min()) * EDF_HALF_STEP + 1e-9
                assert edf.getSampleFrequency(ch) == raw.fs_hz
                np.testing.assert_allclose(got, x, rtol=0, atol=tol)
            onsets, durations, texts = edf.readAnnotations()
        got = sorted(
            (o, d, t) for o, d, t in zip(onsets, durations, texts, strict=True)
            if t.startswith("rep/")
        )
        want = sorted(
            (r["start_s"] - raw.times_s[0], r["end_s"] - r["start_s"], f"rep/{r['exercise']}")
            for r in s.reps
        )
        assert [t for _, _, t in got] == [t for _, _, t in want]
        for (onset, duration, _), (w_onset, w_duration, _) in zip(got, want, strict=True):
            assert onset == pytest.approx(w_onset, abs=ANNOTATION_TOL_S)
            assert duration == pytest.approx(w_duration, abs=ANNOTATION_TOL_S)


def test_mne_reads_the_edf_and_epochs_the_reps_by_exercise(history, report):
    import mne

    db, _, sessions = history
    out, _, _ = report
    s = sessions[0]
    raw = mne.io.read_raw_edf(out / "edf" / f"session_{s.session_id}_emg0.edf", verbose="error")
    events, event_id = mne.events_from_annotations(raw, verbose="error")
    exercises = sorted({r["exercise"] for r in s.reps})
    assert {f"rep/{ex}" for ex in exercises} <= set(event_id)
    epochs = mne.Epochs(raw, events, event_id, tmin=0.0, tmax=1.0, baseline=None,
                        preload=True, event_repeated="drop", verbose="error")
    assert len(epochs["rep"]) == len(s.reps)
    for ex in exercises:
        assert len(epochs[f"rep/{ex}"]) == sum(r["exercise"] == ex for r in s.reps)
    if "marker" in event_id:
        assert len(epochs["marker"]) >= 1


def test_period_selects_sessions(history, tmp_path, history_plan):
    db, _, sessions = history
    second = history_plan["first_day"] + dt.timedelta(days=history_plan["days_between"])
    req = ReportRequest(
        "P001", tmp_path / "r.pdf", date_from=second, date_to=second, json_path=tmp_path / "r.json"
    )
    make_report(db, req)
    data = json.loads((tmp_path / "r.json").read_text())
    assert [s["session_id"] for s in data["sessions"]] == [sessions[1].session_id]


def test_cli_writes_the_report(history, tmp_path, capsys):
    _, url, _ = history
    pdf = tmp_path / "cli.pdf"
    assert main(["report", "--patient", "P001", "--pdf", str(pdf), "--db", url]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert str(pdf) in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--patient", "P404"], "unknown patient 'P404'"),
        (["--patient", "P001", "--from", "2030-01-01"], "no recorded session or assessment"),
        (["--patient", "P001", "--from", "2026-03-01", "--to", "2026-02-01"], "before --from"),
        (["--patient", "P001", "--csv", "{pdf}"], "is a file, not a folder"),
    ],
)
def test_bad_requests_give_clear_messages_and_overwrite_nothing(
    history, tmp_path, capsys, args, message
):
    _, url, _ = history
    pdf = tmp_path / "old.pdf"
    pdf.write_bytes(b"previous report")
    args = [a.replace("{pdf}", str(pdf)) for a in args]
    assert main(["report", *args, "--pdf", str(pdf), "--db", url]) == 1
    assert message in capsys.readouterr().err
    assert pdf.read_bytes() == b"previous report"


def test_unknown_patient_raises_the_storage_error(history, tmp_path):
    db, _, _ = history
    with pytest.raises(UnknownPatientError):
        make_report(db, ReportRequest("nobody", tmp_path / "x.pdf"))


def test_program_from_a_newer_version_is_refused(tmp_path):
    from sqlalchemy import select

    from facetrainer.storage import create_patient, open_database
    from facetrainer.storage.schema import Program
    from facetrainer.storage.synthetic_history import record_synthetic_session

    db = open_database(f"sqlite:///{tmp_path / 'f.sqlite3'}")
    create_patient(db, "P2", "right")
    with db.session() as s:
        s.add(
            Program(
                name="Future",
                revision=1,
                body={"facetrainer_program": 99, "name": "F", "exercises": []},
            )
        )
        s.flush()
        program_id = s.scalar(select(Program.id))
    record_synthetic_session(
        db,
        "P2",
        dt.datetime(2026, 2, 1, 10, tzinfo=dt.UTC),
        10.0,
        250.0,
        2,
        5.0,
        program_id=program_id,
    )
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(b"old")
    with pytest.raises(StorageError, match="newer FaceTrainer"):
        make_report(db, ReportRequest("P2", pdf))
    assert pdf.read_bytes() == b"old"


def test_session_whose_raw_emg_is_missing_is_named(tmp_path):
    from facetrainer.storage import SessionRecorder, create_patient, open_database
    from facetrainer.storage.session_data import MissingRawDataError

    db = open_database(f"sqlite:///{tmp_path / 'f.sqlite3'}")
    create_patient(db, "P3", "left")
    rec = SessionRecorder(db, "P3", sources={"emg": "synthetic"})
    sid = rec.start()
    rec.add_emg_stream(0, 250.0, ["a", "b"])  # the source opened, but no sample arrived
    rec.record_rep({"start_s": 0.0, "end_s": 1.0, "target": 0.5}, exercise="pucker")
    rec.stop()
    edf_dir = tmp_path / "edf"
    pdf = tmp_path / "r.pdf"
    with pytest.raises(MissingRawDataError, match=f"session {sid} has no raw EMG"):
        make_report(db, ReportRequest("P3", pdf, edf_dir=edf_dir))
    assert not pdf.exists() and not edf_dir.exists()


def test_progress_history_follows_recovery(history, history_plan):
    from facetrainer.reports.history import progress_history

    db, _, sessions = history
    h = progress_history(db, "P001")
    assert h.session_ids == [s.session_id for s in sessions]
    quality = h.exercises["open_smile"]["quality"]
    assert all(b > a for a, b in zip(quality, quality[1:], strict=False))
    spill = h.synkinesis["orbicularis_oculi/left"]
    assert spill[-1] < spill[0]
    left = h.measures["brow_height_mm"]["left"]
    assert len(left) == history_plan["n_sessions"] and all(v is not None for v in left)


def test_json_keeps_each_sessions_setup(history, report):
    out, _, _ = report
    data = json.loads((out / "report.json").read_text())
    first = data["sessions"][0]
    assert first["sources"]["emg"].startswith("synthetic") and first["montage"]["0"]
    assert "calibration" in first


def test_edf_of_a_period_without_emg_writes_nothing(tmp_path):
    from facetrainer.storage import SessionRecorder, create_patient, open_database
    from facetrainer.storage.session_data import MissingRawDataError

    db = open_database(f"sqlite:///{tmp_path / 'f.sqlite3'}")
    create_patient(db, "P4", "left")
    rec = SessionRecorder(db, "P4", sources={"video": "camera 0"})  # video only
    rec.start()
    rec.record_rep({"start_s": 0.0, "end_s": 1.0, "target": 40.0}, exercise="pucker")
    rec.stop()
    pdf = tmp_path / "r.pdf"
    with pytest.raises(MissingRawDataError, match="no session of patient 'P4'.*raw EMG"):
        make_report(db, ReportRequest("P4", pdf, edf_dir=tmp_path / "edf"))
    assert not pdf.exists()
    make_report(db, ReportRequest("P4", pdf))  # without --edf the report is fine
    assert pdf.exists()
