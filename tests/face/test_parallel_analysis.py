"""`facetrainer analyze --jobs N`: files and video segments on several processes.

The workers are separate processes ("spawn"), so these tests run real MediaPipe in each.
Segments are made short (``SEGMENT_MIN_FRAMES`` patched in this process, which plans them)
so that a 2 s clip is cut in two.
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from facetrainer.cli import main
from facetrainer.face import parallel_analysis
from facetrainer.face.measures import AnalysisSettings
from facetrainer.face.parallel_analysis import (
    FRAME_TOLERANCE_MM,
    MEAN_TOLERANCE_MM,
    analyse_files,
    plan_segments,
)

FPS = 30.0
N_FRAMES = 60


@pytest.fixture(scope="module")
def moving_face_video(tmp_path_factory, astronaut_portrait):
    """2 s of the astronaut swaying and tilting (640x480 MJPG), made here."""
    path = tmp_path_factory.mktemp("parallel") / "sway.avi"
    bgr = np.ascontiguousarray(astronaut_portrait[:, :, ::-1])
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (640, 480))
    for i in range(N_FRAMES):
        m = cv2.getRotationMatrix2D((320 + 10 * np.sin(i / 7), 240), 5 * np.sin(i / 11), 1.0)
        w.write(cv2.warpAffine(bgr, m, (640, 480)))
    w.release()
    return path


def test_small_inputs_stay_in_this_process(moving_face_video, monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started for a 2 s clip")

    monkeypatch.setattr(parallel_analysis, "_run_pool", no_pool)
    monkeypatch.setattr(parallel_analysis, "SEGMENT_MIN_FRAMES", N_FRAMES // 4)
    source = analyse_files([moving_face_video], AnalysisSettings(), jobs=2, progress=False)[0]
    assert len(source["frames"]) == N_FRAMES  # 60 frames: less work than a worker's start


def test_segments_cover_the_video_once_in_order():
    assert plan_segments("v.mp4", 0, 4)[0].stop is None  # unknown length: one pass to the end
    short = plan_segments("v.mp4", 2 * parallel_analysis.SEGMENT_MIN_FRAMES - 1, 4)
    assert [(s.start, s.stop) for s in short] == [(0, None)]
    segs = plan_segments("v.mp4", 1000, 3)
    assert [s.start for s in segs] == [0, 333, 667]
    assert [s.stop for s in segs] == [333, 667, None]  # the last one reads to the end
    assert len(plan_segments("v.mp4", 10 * parallel_analysis.SEGMENT_MIN_FRAMES, 64)) == 10


def test_video_in_two_segments_matches_the_sequential_run(moving_face_video, monkeypatch):
    settings = AnalysisSettings()
    sequential = analyse_files([moving_face_video], settings, jobs=1, progress=False)[0]
    monkeypatch.setattr(parallel_analysis, "SEGMENT_MIN_FRAMES", N_FRAMES // 4)
    monkeypatch.setattr(parallel_analysis, "MIN_POOL_WORK_FRAMES", N_FRAMES)
    assert len(plan_segments(moving_face_video, N_FRAMES, 2)) == 2
    parallel = analyse_files([moving_face_video], settings, jobs=2, progress=False)[0]
    assert parallel.keys() == sequential.keys()
    for key in ("path", "fps", "n_faces", "warnings", "error"):
        assert parallel[key] == sequential[key], key
    assert parallel["scale_mm_per_px"] == pytest.approx(sequential["scale_mm_per_px"], rel=0.01)
    seq_frames, par_frames = sequential["frames"], parallel["frames"]
    assert [f["index"] for f in par_frames] == list(range(N_FRAMES))
    assert [f["rejected"] for f in par_frames] == [f["rejected"] for f in seq_frames]
    assert all(f["rejected"] is None for f in seq_frames)
    first = N_FRAMES // 2
    assert par_frames[:first] == seq_frames[:first]  # the first segment is the sequential run

    def values(frames):
        return np.array(
            [
                [[f["metrics"][n][s] for s in ("left", "right")] for n in f["metrics"]]
                for f in frames
            ]
        )

    seq, par = values(seq_frames), values(par_frames)
    assert np.abs(par - seq).max() <= FRAME_TOLERANCE_MM
    assert np.abs(par.mean(axis=0) - seq.mean(axis=0)).max() <= MEAN_TOLERANCE_MM


def test_folder_on_two_processes_gives_the_sequential_document(
    tmp_path, astronaut_portrait, capsys, monkeypatch
):
    monkeypatch.setattr(parallel_analysis, "MIN_POOL_WORK_FRAMES", 0)  # two photos suffice
    bgr = astronaut_portrait[:, :, ::-1]
    cv2.imwrite(str(tmp_path / "a.png"), bgr)
    cv2.imwrite(str(tmp_path / "b.jpg"), np.ascontiguousarray(bgr[:, ::-1]))
    (tmp_path / "c.mp4").write_bytes(b"not a video" * 50)
    docs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.json"
        rc = main(["analyze", str(tmp_path), "--json", str(out), "--no-progress", "--jobs", jobs])
        assert rc == 1  # the broken file
        assert "c.mp4" in capsys.readouterr().err
        docs.append(json.loads(out.read_text()))
    assert docs[1] == docs[0]  # photos are tracked alone: nothing depends on the split
    assert [s["path"].rsplit("/", 1)[-1] for s in docs[1]["sources"]] == ["a.png", "b.jpg", "c.mp4"]


def test_jobs_below_one_is_refused(tmp_path, capsys):
    rc = main(["analyze", str(tmp_path), "--json", str(tmp_path / "o.json"), "--jobs", "0"])
    assert rc == 2
    assert "--jobs must be at least 1, got 0" in capsys.readouterr().err
