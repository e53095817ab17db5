"""The engine against the virtual patient's ground truth (``facetrainer simulate``).

Stated tolerances (measured on these recordings, see the README, "Exercises and scoring"):
rep boundaries within REP_TIME_TOL_S of the truth's movement start/end; symmetry within
SYM_TOL[modality] of the truth's affected/healthy activation ratio (video is looser: the
face mesh evens out part of an asymmetry); spillover within SPILL_TOL_PCT points of the
truth's watch activation (video: eye region; EMG: muscle activation relative to the
reference set's).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from facetrainer.cli import main
from facetrainer.exercises.activation import Calibration
from facetrainer.exercises.score_command import score_recording

pytestmark = pytest.mark.slow

REP_TIME_TOL_S = 0.35
SYM_TOL = {"video": 0.15, "emg": 0.08, "fused": 0.12}
SPILL_TOL_PCT = 6.0
AGREE_TIME_S = 0.3


def simulate(
    out: Path, profile: str, exercise: str, reps: int, video: bool = True, imperfect: bool = False
) -> dict:
    argv = [
        "simulate",
        "--profile",
        profile,
        "--exercise",
        exercise,
        "--reps",
        str(reps),
        "--emg",
        str(out / f"{exercise}.csv"),
        "--truth",
        str(out / f"{exercise}.json"),
    ]
    if video:
        argv += ["--out", str(out / f"{exercise}.mp4")]
    if imperfect:
        argv.append("--imperfect")
    assert main(argv) == 0
    return json.loads((out / f"{exercise}.json").read_text())


def hold_median(truth: dict, key: str, rep: dict, kind: str = "regions") -> float:
    t = np.array(truth["frames"]["time_s"])
    x = np.array(truth["frames"][kind][key])
    return float(np.median(x[(t >= rep["hold_start_s"]) & (t <= rep["hold_end_s"])]))


@pytest.fixture(scope="module")
def smile(tmp_path_factory):
    """synkinesis_left doing 3 closed smiles, plus healthy reference sets (EMG) that
    calibrate zygomaticus and orbicularis oculi; scored video-only, EMG-only and fused."""
    d = tmp_path_factory.mktemp("smile")
    refs = {}
    for ex in ("closed_smile", "gentle_eye_closure"):
        rd = d / f"ref_{ex}"
        rd.mkdir()
        refs[ex] = simulate(rd, "healthy", ex, 2, video=False)
        assert (
            main(
                [
                    "score",
                    "--exercise",
                    ex,
                    "--emg",
                    str(rd / f"{ex}.csv"),
                    "--save-calibration",
                    str(rd / "cal.json"),
                    "--json",
                    str(rd / "s.json"),
                ]
            )
            == 0
        )
    cal = Calibration.load(d / "ref_closed_smile" / "cal.json").merged(
        Calibration.load(d / "ref_gentle_eye_closure" / "cal.json")
    )
    cal.save(d / "cal.json")
    truth = simulate(d, "synkinesis_left", "closed_smile", 3)
    kw = dict(affected_side="left", calibration=d / "cal.json")
    scores = {
        "video": score_recording("closed_smile", video=d / "closed_smile.mp4", **kw),
        "emg": score_recording("closed_smile", emg=d / "closed_smile.csv", **kw),
        "fused": score_recording(
            "closed_smile", video=d / "closed_smile.mp4", emg=d / "closed_smile.csv", **kw
        ),
    }
    return d, truth, refs, scores


def test_clean_performer_rep_count_and_times_are_exact(smile):
    _, truth, _, scores = smile
    for modality, result in scores.items():
        assert len(result["reps"]) == len(truth["reps"]) == 3, modality
        for rep, tr in zip(result["reps"], truth["reps"], strict=True):
            assert abs(rep["start_s"] - tr["start_s"]) < REP_TIME_TOL_S, modality
            assert abs(rep["end_s"] - tr["end_s"]) < REP_TIME_TOL_S, modality
            assert not rep["target"]["too_fast"]


def test_modalities_are_reported(smile):
    _, _, _, scores = smile
    assert scores["video"]["modalities"] == ["video"]
    assert scores["emg"]["modalities"] == ["emg"]
    assert scores["fused"]["modalities"] == ["video", "emg"]
    assert "platysma" in scores["video"]["summary"]["not_measured"]


def test_symmetry_matches_the_profile_truth(smile):
    _, truth, _, scores = smile
    for modality, result in scores.items():
        for rep, tr in zip(result["reps"], truth["reps"], strict=True):
            expected = hold_median(truth, "mouth_corner/left", tr) / hold_median(
                truth, "mouth_corner/right", tr
            )
            assert rep["symmetry"] == pytest.approx(expected, abs=SYM_TOL[modality]), modality


def test_spillover_matches_the_profile_truth(smile):
    _, truth, refs, scores = smile
    ref = refs["gentle_eye_closure"]
    ref_level = max(hold_median(ref, "orbicularis_oculi/left", r, "muscles") for r in ref["reps"])
    # Video reads the clinical PFN: the eye's narrowing relative to its own resting opening
    # (the truth's lid closure includes the affected eye's narrower rest).
    t = np.array(truth["frames"]["time_s"])
    lid = np.array(truth["frames"]["lid_closure"]["left"])
    lid_rest = float(np.median(lid[t < truth["reps"][0]["start_s"]]))
    for rep, tr in zip(scores["video"]["reps"], truth["reps"], strict=True):
        lid_hold = float(np.median(lid[(t >= tr["hold_start_s"]) & (t <= tr["hold_end_s"])]))
        expected = 100 * (lid_hold - lid_rest) / (1 - lid_rest)
        assert rep["spillover"]["eye"] == pytest.approx(expected, abs=SPILL_TOL_PCT)
    for rep, tr in zip(scores["emg"]["reps"], truth["reps"], strict=True):
        expected = 100 * hold_median(truth, "orbicularis_oculi/left", tr, "muscles") / ref_level
        assert rep["spillover"]["eye"] == pytest.approx(expected, abs=SPILL_TOL_PCT)


def test_video_emg_and_fused_agree(smile):
    _, _, _, scores = smile
    reps = [scores[m]["reps"] for m in ("video", "emg", "fused")]
    for v, e, f in zip(*reps, strict=True):
        for key in ("start_s", "end_s"):
            values = [v[key], e[key], f[key]]
            assert max(values) - min(values) < AGREE_TIME_S
        sym = [v["symmetry"], e["symmetry"], f["symmetry"]]
        assert max(sym) - min(sym) < SYM_TOL["video"]
        spill = [v["spillover"]["eye"], e["spillover"]["eye"], f["spillover"]["eye"]]
        assert max(spill) - min(spill) < 2 * SPILL_TOL_PCT


@pytest.fixture(scope="module")
def imperfect(tmp_path_factory):
    d = tmp_path_factory.mktemp("imperfect")
    truth = simulate(d, "synkinesis_left", "brow_raise", 4, imperfect=True)
    scores = {
        "video": score_recording("brow_raise", video=d / "brow_raise.mp4", affected_side="left"),
        "emg": score_recording("brow_raise", emg=d / "brow_raise.csv", affected_side="left"),
    }
    return truth, scores


def test_imperfect_performer_missed_and_too_fast(imperfect):
    truth, scores = imperfect
    performed = [r for r in truth["reps"] if r["kind"] != "missed"]
    assert len(performed) < len(truth["reps"])  # the profile does miss one
    for modality, result in scores.items():
        reps = result["reps"]
        assert len(reps) == len(performed), modality
        for rep, tr in zip(reps, performed, strict=True):
            assert abs(rep["start_s"] - tr["start_s"]) < REP_TIME_TOL_S, modality
            assert rep["target"]["too_fast"] == (tr["kind"] == "too_fast"), modality
        assert result["summary"]["reps_too_fast"] == 1


def test_live_session_on_the_app_pipeline_gives_the_offline_reps(smile):
    """The recording's frames go through the app's own processing (FrameProcessor with the
    face-analysis stage) and its listeners into a live session, as on the processing thread."""
    from types import SimpleNamespace

    import cv2

    from facetrainer.capture.face_tracker import FaceTracker
    from facetrainer.capture.frames import VideoFrame
    from facetrainer.exercises.library import load_library
    from facetrainer.exercises.session import LiveExerciseSession
    from facetrainer.face.live import ensure_face_analysis_stage
    from facetrainer.pipeline import FrameProcessor

    d, _, _, scores = smile
    processor = FrameProcessor()
    ensure_face_analysis_stage(processor)
    session = LiveExerciseSession(
        SimpleNamespace(processor=processor, emg_sources=[]),
        load_library(include_user=False)["closed_smile"],
        use_emg=False,
        affected_side="left",
        calibration=Calibration.load(d / "cal.json"),
        cued=False,
    )
    activations = []
    session.events.activation.connect(activations.append)
    session.start()
    cap = cv2.VideoCapture(str(d / "closed_smile.mp4"))
    fps = cap.get(cv2.CAP_PROP_FPS)
    with FaceTracker() as tracker:
        k = 0
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            frame = VideoFrame(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), k / fps, k, k / fps)
            pf = processor.process(frame, tracker)
            for listener in list(processor.listeners):
                listener(pf)
            assert "activation" not in pf.results  # a published frame is never written to
            k += 1
    cap.release()
    session.stop(timeout_s=10.0)
    assert len(activations) == k  # one activation event per frame instead
    assert [a.t_s for a in activations] == [i / fps for i in range(k)]
    live, offline = session.result(), scores["video"]
    assert session.error is None and session.n_frames_skipped == 0
    assert len(live["reps"]) == len(offline["reps"]) == 3
    for a, b in zip(live["reps"], offline["reps"], strict=True):
        assert a["start_s"] == pytest.approx(b["start_s"], abs=0.05)
        assert a["end_s"] == pytest.approx(b["end_s"], abs=0.05)
        assert a["symmetry"] == pytest.approx(b["symmetry"], abs=0.02)
        assert a["spillover"]["eye"] == pytest.approx(b["spillover"]["eye"], abs=1.0)
