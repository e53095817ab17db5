"""``facetrainer score``: its JSON keys, EMG and video inputs, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from facetrainer.cli import main

from .synthetic import Performer, raw_emg_csv

REP_TIME_TOL_S = 0.25  # raw EMG through band-pass + envelope lags a little


@pytest.fixture(scope="module")
def emg_set(tmp_path_factory):
    d = tmp_path_factory.mktemp("emg")
    p = Performer(reps=4, side_gain={"left": 0.5, "right": 1.0}, skip=(2,))
    names = raw_emg_csv(d / "set.csv", p, "zygomaticus_major", {"orbicularis_oculi": 0.15})
    lines = [
        "name = 'test'",
        "[channels]",
        *(f'{n} = "{n.rsplit("_", 1)[0]}/{n.rsplit("_", 1)[1]}"' for n in names),
    ]
    (d / "montage.toml").write_text("\n".join(lines) + "\n")
    return d, p


def test_emg_only_scoring_writes_the_public_json(emg_set, capsys):
    d, p = emg_set
    out = d / "scores.json"
    code = main(
        [
            "score",
            "--exercise",
            "closed_smile",
            "--emg",
            str(d / "set.csv"),
            "--montage",
            str(d / "montage.toml"),
            "--affected-side",
            "left",
            "--json",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    doc = json.loads(out.read_text())
    assert {"exercise", "modalities", "reps", "summary"} <= set(doc)
    assert doc["exercise"] == "closed_smile" and doc["modalities"] == ["emg"]
    assert len(doc["reps"]) == 3
    for rep, (s, e) in zip(doc["reps"], p.rep_windows(), strict=True):
        assert {"start_s", "end_s", "target", "spillover", "symmetry", "quality"} <= set(rep)
        assert abs(rep["start_s"] - s) < REP_TIME_TOL_S and abs(rep["end_s"] - e) < REP_TIME_TOL_S
        assert rep["symmetry"] == pytest.approx(0.5, abs=0.08)
        assert set(rep["spillover"]) == {"eye"}
    assert doc["summary"]["not_measured"] == ["platysma"]


@pytest.fixture(scope="module")
def still_video(tmp_path_factory, astronaut_portrait):
    path = tmp_path_factory.mktemp("video") / "still.avi"
    w = cv2.VideoWriter(
        str(path),
        cv2.VideoWriter_fourcc(*"MJPG"),
        10.0,
        (astronaut_portrait.shape[1], astronaut_portrait.shape[0]),
    )
    for _ in range(30):
        w.write(cv2.cvtColor(astronaut_portrait, cv2.COLOR_RGB2BGR))
    w.release()
    return path


def test_video_of_a_still_face_scores_no_reps(still_video, tmp_path):
    out = tmp_path / "s.json"
    assert (
        main(["score", "--exercise", "brow_raise", "--video", str(still_video), "--json", str(out)])
        == 0
    )
    doc = json.loads(out.read_text())
    assert doc["modalities"] == ["video"] and doc["reps"] == []
    assert doc["summary"]["reps_detected"] == 0


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["--exercise", "no_such", "--video", "x.mp4"], "no_such"),
        (["--exercise", "brow_raise"], "--video"),
        (["--exercise", "brow_raise", "--emg", "x.csv"], "x.csv"),
        (["--exercise", "massage_cheek", "--video", "x.mp4"], "guided"),
        (["--exercise", "brow_raise", "--video", "missing.mp4"], "missing.mp4"),
    ],
)
def test_bad_input_is_a_message_not_a_crash(tmp_path: Path, capsys, argv, needle):
    code = main(["score", *argv, "--json", str(tmp_path / "o.json")])
    assert code == 2
    assert needle in capsys.readouterr().err
    assert not (tmp_path / "o.json").exists()


def test_garbage_video_names_the_file(tmp_path: Path, capsys):
    bad = tmp_path / "garbage.mp4"
    bad.write_bytes(np.random.default_rng(0).bytes(2000))
    assert (
        main(
            [
                "score",
                "--exercise",
                "brow_raise",
                "--video",
                str(bad),
                "--json",
                str(tmp_path / "o.json"),
            ]
        )
        == 2
    )
    assert "garbage.mp4" in capsys.readouterr().err
