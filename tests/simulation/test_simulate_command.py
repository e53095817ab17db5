"""``facetrainer simulate``: a recording that reads back, its truth, determinism, bad input."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from facetrainer.cli import main

EXERCISE = "closed_smile"


def _simulate(out_dir, *extra: str, seed: int = 0) -> int:
    return main(
        [
            "simulate",
            "--profile",
            "flaccid_right",
            "--exercise",
            EXERCISE,
            "--reps",
            "1",
            "--out",
            str(out_dir / "video.mp4"),
            "--emg",
            str(out_dir / "emg.csv"),
            "--truth",
            str(out_dir / "truth.json"),
            "--seed",
            str(seed),
            *extra,
        ]
    )


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim")
    assert _simulate(out, "--imperfect") == 0
    return out


def _frames(path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    cap.release()
    return frames


def test_recording_reads_back_with_its_truth(recording):
    truth = json.loads((recording / "truth.json").read_text())
    frames = _frames(recording / "video.mp4")
    assert len(frames) == truth["n_frames"] == len(truth["frames"]["time_s"])
    assert frames[0].shape == (480, 640, 3)
    assert truth["exercise"] == EXERCISE and truth["profile"]["name"] == "flaccid_right"
    assert truth["profile"]["paresis"]["mouth_corner"] == 0.7
    rep = truth["reps"][0]
    assert rep["start_s"] < rep["hold_start_s"] < rep["hold_end_s"] < rep["end_s"]
    regions = truth["frames"]["regions"]
    t = np.array(truth["frames"]["time_s"])
    hold = (t > rep["hold_start_s"] + 0.1) & (t < rep["hold_end_s"] - 0.1)
    left = np.array(regions["mouth_corner/left"])[hold]
    right = np.array(regions["mouth_corner/right"])[hold]
    # 1 − paresis; tremor (3 %) pushes the healthy side into its ceiling of 1 now and then
    np.testing.assert_allclose(right / left, 0.3, atol=0.015)
    assert set(truth["frames"]["muscles"]) >= {"zygomaticus_major/left", "frontalis/right"}
    header = (recording / "emg.csv").read_text().splitlines()[0].split(",")
    assert header[0] == "time_s" and header[1:] == truth["emg"]["channels"]
    emg = np.loadtxt(recording / "emg.csv", delimiter=",", skiprows=1)
    assert emg.shape[0] == int(round(truth["duration_s"] * truth["emg"]["fs_hz"]))
    assert not list(recording.glob(".*partial*"))


def test_mediapipe_finds_the_face_on_every_frame_facing_the_camera(recording):
    from facetrainer.capture.face_tracker import FaceTracker

    truth = json.loads((recording / "truth.json").read_text())
    away = np.array(truth["frames"]["look_away"])
    assert away.max() == 1.0, "the imperfect performer looks away once"
    missing = []
    with FaceTracker(static_image_mode=False) as tracker:
        for k, frame in enumerate(_frames(recording / "video.mp4")):
            if tracker.process(frame) is None and away[k] == 0.0:
                missing.append(k)
    assert missing == []


def test_same_seed_gives_the_same_recording(recording, tmp_path):
    assert _simulate(tmp_path, "--imperfect") == 0
    for name in ("emg.csv", "truth.json"):
        assert (tmp_path / name).read_bytes() == (recording / name).read_bytes(), name
    a, b = _frames(recording / "video.mp4"), _frames(tmp_path / "video.mp4")
    assert len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def _nothing_written(path) -> bool:
    return not any(path.iterdir())


def test_bad_profile_names_file_field_and_value_and_writes_nothing(tmp_path, capsys):
    prof = tmp_path / "p" / "bad.toml"
    prof.parent.mkdir()
    prof.write_text(
        'affected_side = "left"\n[[synkinesis]]\nfrom = "mouth_corner"\nto = "eye"\ngain = 1.4\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    out.mkdir()
    rc = main(
        [
            "simulate",
            "--profile",
            str(prof),
            "--exercise",
            "pucker",
            "--out",
            str(out / "v.mp4"),
            "--truth",
            str(out / "t.json"),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and str(prof) in err and "synkinesis[0].gain" in err and "1.4" in err
    assert _nothing_written(out)


def test_unknown_region_in_profile_is_named(tmp_path, capsys):
    prof = tmp_path / "bad.toml"
    prof.write_text('affected_side = "left"\n[paresis]\nforehead = 0.3\n', encoding="utf-8")
    rc = main(
        [
            "simulate",
            "--profile",
            str(prof),
            "--exercise",
            "pucker",
            "--emg",
            str(tmp_path / "e.csv"),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and "paresis.forehead" in err and not (tmp_path / "e.csv").exists()


@pytest.mark.parametrize("kind", ["no_face", "garbage", "missing"])
def test_bad_face_photo_is_named_and_nothing_is_written(tmp_path, capsys, kind):
    photo = tmp_path / "in" / "face.png"
    photo.parent.mkdir()
    if kind == "no_face":
        cv2.imwrite(str(photo), np.full((300, 400, 3), 90, np.uint8))
    elif kind == "garbage":
        photo.write_bytes(b"\x89PNG not really an image")
    out = tmp_path / "out"
    out.mkdir()
    rc = main(
        [
            "simulate",
            "--exercise",
            "snarl",
            "--face",
            str(photo),
            "--out",
            str(out / "v.mp4"),
            "--emg",
            str(out / "e.csv"),
            "--truth",
            str(out / "t.json"),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and str(photo) in err
    assert _nothing_written(out)


def test_unknown_exercise_is_named(tmp_path, capsys):
    rc = main(["simulate", "--exercise", "wink", "--truth", str(tmp_path / "t.json")])
    assert rc == 2 and "'wink'" in capsys.readouterr().err
