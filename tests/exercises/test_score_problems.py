"""`facetrainer score` on recordings that hold nothing to score: a message, exit 3."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from facetrainer.cli import main
from facetrainer.exercises.recording_problems import EXIT_UNSCORABLE

FACE = Path(__file__).resolve().parent.parent / "data" / "real" / "webcam_face.jpg"


def _write_video(path: Path, frames: list[np.ndarray], fps: float = 30.0) -> Path:
    h, w = frames[0].shape[:2]
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for f in frames:
        out.write(f)
    out.release()
    return path


def _score(argv: list[str], out: Path) -> int:
    return main(["score", "--exercise", "open_smile", *argv, "--json", str(out)])


def test_video_without_a_face_is_named_and_exits_3(tmp_path, capsys):
    grey = np.full((240, 320, 3), 128, np.uint8)
    video = _write_video(tmp_path / "wall.mp4", [grey] * 45)
    code = _score(["--video", str(video)], tmp_path / "o.json")
    assert code == EXIT_UNSCORABLE
    doc = json.loads((tmp_path / "o.json").read_text())
    assert doc["reps"] == []
    assert any("a face was measured in only 0 of 45 frames" in p for p in doc["problems"])
    assert "a face was measured in only 0 of 45 frames" in capsys.readouterr().err


def test_real_face_clip_shorter_than_one_rep_is_named_and_exits_3(tmp_path, capsys):
    face = cv2.imread(str(FACE))
    video = _write_video(tmp_path / "short.mp4", [face] * 10)  # 0.33 s
    code = _score(["--video", str(video)], tmp_path / "o.json")
    assert code == EXIT_UNSCORABLE
    doc = json.loads((tmp_path / "o.json").read_text())
    assert any("shorter than one repetition" in p for p in doc["problems"])
    assert "shorter than one repetition" in capsys.readouterr().err


def _emg_csv(path: Path, data: np.ndarray, fs: float) -> Path:
    t = np.arange(data.shape[1]) / fs
    lines = ["time,zygomaticus_major/left,zygomaticus_major/right"]
    lines += [f"{t[i]:.4f},{data[0, i]:.3f},{data[1, i]:.3f}" for i in range(t.size)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_saturated_emg_is_named_and_not_scored(tmp_path, capsys):
    rng = np.random.default_rng(0)
    clipped = np.clip(rng.normal(0.0, 3000.0, (2, 5000)), -1000.0, 1000.0)
    csv = _emg_csv(tmp_path / "sat.csv", clipped, 1000.0)
    code = _score(["--emg", str(csv)], tmp_path / "o.json")
    assert code == EXIT_UNSCORABLE
    doc = json.loads((tmp_path / "o.json").read_text())
    assert doc["reps"] == [] and doc["modalities"] == []
    assert sum("saturated" in p for p in doc["problems"]) == 2
    assert "saturated" in capsys.readouterr().err


def test_all_nan_emg_is_a_message_and_exit_2(tmp_path, capsys):
    csv = _emg_csv(tmp_path / "nan.csv", np.full((2, 2000), np.nan), 1000.0)
    assert _score(["--emg", str(csv)], tmp_path / "o.json") == 2
    assert "holds no numbers" in capsys.readouterr().err
    assert not (tmp_path / "o.json").exists()


@pytest.mark.parametrize("flag", ("--rest", "--reference"))
def test_rest_and_reference_choices_are_validated(tmp_path, flag):
    with pytest.raises(SystemExit):
        _score(["--video", "x.mp4", flag, "nonsense"], tmp_path / "o.json")
