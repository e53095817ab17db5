"""`facetrainer score --video ... --jobs N`: a long video tracked in segments scores as one."""

from __future__ import annotations

import pytest

from facetrainer.cli import main
from facetrainer.exercises.score_command import score_recording
from facetrainer.face import parallel_analysis

# After a re-lock the tracker follows a path a little apart from the sequential run's
# (facetrainer.face.parallel_analysis); measured: times within 1 ms, percentages within
# 1.9 points, 0-1 scores within 0.003.
REP_TIME_TOLERANCE_S = 0.1  # three frames at 30 fps
PERCENT_TOLERANCE = 5.0  # points, of scores in % (peak, hold, spillover, quality 0-100)
FRACTION_TOLERANCE = 0.05  # of scores from 0 to 1 (symmetry, steadiness, quality terms)


@pytest.fixture(scope="module")
def smile_video(tmp_path_factory):
    d = tmp_path_factory.mktemp("score_parallel")
    rc = main(
        [
            "simulate",
            "--profile",
            "synkinesis_left",
            "--exercise",
            "closed_smile",
            "--reps",
            "2",
            "--out",
            str(d / "smile.mp4"),
            "--seed",
            "3",
        ]
    )
    assert rc == 0
    return d / "smile.mp4"


def _leaves(doc, prefix=""):
    """(path, value) of every scalar in a nested JSON document."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _leaves(v, f"{prefix}/{k}")
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _leaves(v, f"{prefix}/{i}")
    else:
        yield prefix, doc


def _tolerance(path: str) -> float:
    if path.endswith("_s"):
        return REP_TIME_TOLERANCE_S
    if path.endswith("_pct") or "_pct/" in path or path.endswith("quality"):
        return PERCENT_TOLERANCE
    return FRACTION_TOLERANCE  # symmetry, steadiness, speed, quality terms (0-1)


def test_video_scored_in_two_segments_gives_the_same_reps(smile_video, monkeypatch):
    sequential = score_recording("closed_smile", video=smile_video, affected_side="left", jobs=1)
    monkeypatch.setattr(parallel_analysis, "SEGMENT_MIN_FRAMES", 60)
    parallel = score_recording("closed_smile", video=smile_video, affected_side="left", jobs=2)
    assert parallel.keys() == sequential.keys()
    assert len(parallel["reps"]) == len(sequential["reps"]) == 2
    par, seq = dict(_leaves(parallel["reps"])), dict(_leaves(sequential["reps"]))
    assert par.keys() == seq.keys()
    for path, value in seq.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            assert par[path] == value, path
        else:
            assert abs(par[path] - value) <= _tolerance(path), (path, par[path], value)
    assert parallel["summary"]["reps_detected"] == sequential["summary"]["reps_detected"]


def test_jobs_below_one_is_refused(tmp_path, capsys):
    out = tmp_path / "s.json"
    rc = main(
        [
            "score",
            "--exercise",
            "closed_smile",
            "--video",
            "x.mp4",
            "--json",
            str(out),
            "--jobs",
            "0",
        ]
    )
    assert rc == 2
    assert "--jobs must be at least 1, got 0" in capsys.readouterr().err
