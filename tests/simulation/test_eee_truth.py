""" "Eee" in the virtual patient: its truth carries region activations (the mouth corner
pulled wide, the lower lip down, as rendered), and video scoring finds every rep of the
clean performer."""

from __future__ import annotations

import json

import numpy as np
import pytest

from facetrainer.cli import main
from facetrainer.simulation.patient import SECONDARY_ACTIONS

pytestmark = pytest.mark.slow

REPS = 3
REP_TIME_TOL_S = 0.35  # as the engine's tests against the truth
TREMOR_TOL = 0.06  # the truth's hold activation wobbles by the tremor (3 % at jitter 1)


@pytest.fixture(scope="module")
def eee(tmp_path_factory):
    d = tmp_path_factory.mktemp("eee")
    argv = ["simulate", "--profile", "synkinesis_left", "--exercise", "eee"]
    argv += ["--reps", str(REPS), "--out", str(d / "eee.mp4"), "--truth", str(d / "eee.json")]
    assert main(argv) == 0
    return d, json.loads((d / "eee.json").read_text())


def hold_median(truth: dict, key: str, rep: dict) -> float:
    t = np.array(truth["frames"]["time_s"])
    x = np.array(truth["frames"]["regions"][key])
    return float(np.median(x[(t >= rep["hold_start_s"]) & (t <= rep["hold_end_s"])]))


def test_eee_truth_moves_mouth_corner_and_lower_lip(eee):
    _, truth = eee
    paresis = truth["profile"]["paresis"]["mouth_corner"]  # the eee action's region
    for rep in truth["reps"]:
        for region in ("mouth_corner", "lower_lip"):
            weight = SECONDARY_ACTIONS[region]["eee"]
            healthy = hold_median(truth, f"{region}/right", rep)
            affected = hold_median(truth, f"{region}/left", rep)
            assert healthy == pytest.approx(weight, abs=TREMOR_TOL), region
            assert affected == pytest.approx(weight * (1 - paresis), abs=TREMOR_TOL), region
        assert hold_median(truth, "brow/right", rep) == pytest.approx(0.0, abs=0.01)


def test_video_scoring_of_eee_finds_every_rep(eee):
    from facetrainer.exercises.score_command import score_recording

    d, truth = eee
    result = score_recording("eee", video=d / "eee.mp4", affected_side="left")
    assert result["modalities"] == ["video"]
    assert len(result["reps"]) == len(truth["reps"]) == REPS
    for rep, tr in zip(result["reps"], truth["reps"], strict=True):
        assert abs(rep["start_s"] - tr["start_s"]) < REP_TIME_TOL_S
        assert abs(rep["end_s"] - tr["end_s"]) < REP_TIME_TOL_S
