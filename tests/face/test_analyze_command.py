"""`facetrainer analyze`: the JSON/CSV interface, bad files, folders."""

from __future__ import annotations

import csv
import json

import cv2
import numpy as np
import pytest

from facetrainer.cli import main
from facetrainer.face.measures import MEASURE_NAMES

N_VIDEO_FRAMES = 12


@pytest.fixture(scope="module")
def media(tmp_path_factory, astronaut_portrait):
    d = tmp_path_factory.mktemp("media")
    bgr = astronaut_portrait[:, :, ::-1]
    cv2.imwrite(str(d / "face.png"), bgr)
    w = cv2.VideoWriter(str(d / "clip.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 25, (640, 480))
    for _ in range(N_VIDEO_FRAMES):
        w.write(np.ascontiguousarray(bgr))
    w.release()
    (d / "broken.mp4").write_bytes(b"not a video" * 50)
    (d / "empty.jpg").write_bytes(b"")
    cv2.imwrite(str(d / "blank.png"), np.full((120, 160, 3), 90, np.uint8))
    return d


def test_folder_gives_every_source_and_reports_bad_files(media, tmp_path, capsys):
    out = tmp_path / "out.json"
    rc = main(
        [
            "analyze",
            str(media),
            "--json",
            str(out),
            "--csv",
            str(tmp_path / "o.csv"),
            "--no-progress",
        ]
    )
    assert rc == 1  # two unreadable files
    err = capsys.readouterr().err
    assert "broken.mp4" in err and "empty.jpg" in err
    doc = json.loads(out.read_text())
    by_name = {s["path"].rsplit("/", 1)[-1]: s for s in doc["sources"]}
    assert set(by_name) == {"face.png", "clip.avi", "broken.mp4", "empty.jpg", "blank.png"}
    assert by_name["broken.mp4"]["error"] and by_name["broken.mp4"]["frames"] == []
    image = by_name["face.png"]
    assert image["fps"] is None and 0.45 < image["scale_mm_per_px"] < 0.75
    frame = image["frames"][0]
    assert set(frame) >= {"index", "time_s", "face", "rejected", "head_pose_deg", "metrics"}
    assert frame["face"] is True and frame["rejected"] is None
    assert set(frame["head_pose_deg"]) == {"yaw", "pitch", "roll"}
    assert set(frame["metrics"]) == set(MEASURE_NAMES)
    assert set(frame["metrics"]["brow_height_mm"]) == {"left", "right"}
    video = by_name["clip.avi"]
    assert video["fps"] == pytest.approx(25.0)
    assert [f["index"] for f in video["frames"]] == list(range(N_VIDEO_FRAMES))
    assert video["frames"][1]["time_s"] == pytest.approx(1 / 25)
    # Every measured frame carries the scale it was measured at; the source's is their median.
    frame_scales = [f["scale_mm_per_px"] for f in video["frames"] if f["rejected"] is None]
    assert len(frame_scales) == N_VIDEO_FRAMES
    assert video["scale_mm_per_px"] == pytest.approx(float(np.median(frame_scales)))
    assert frame["scale_mm_per_px"] == image["scale_mm_per_px"]  # a photo: its own scale
    blank = by_name["blank.png"]["frames"][0]
    assert blank["face"] is False and blank["rejected"] == "no_face" and blank["metrics"] == {}
    rows = list(csv.DictReader((tmp_path / "o.csv").open()))
    assert len(rows) == 1 + N_VIDEO_FRAMES + 1
    face_row = next(r for r in rows if r["path"].endswith("face.png"))
    assert float(face_row["brow_height_mm_left"]) == pytest.approx(
        frame["metrics"]["brow_height_mm"]["left"]
    )


def test_missing_path_is_a_clear_error(tmp_path, capsys):
    rc = main(["analyze", str(tmp_path / "nope.mp4"), "--json", str(tmp_path / "o.json")])
    assert rc == 2
    assert "nope.mp4" in capsys.readouterr().err


def test_small_face_is_flagged_without_millimetres(tmp_path, astronaut_portrait, capsys):
    small = cv2.resize(astronaut_portrait, (200, 150), interpolation=cv2.INTER_AREA)
    canvas = np.full((480, 640, 3), 128, np.uint8)
    canvas[:150, :200] = small
    cv2.imwrite(str(tmp_path / "small.png"), canvas[:, :, ::-1])
    rc = main(["analyze", str(tmp_path / "small.png"), "--json", str(tmp_path / "o.json")])
    assert rc == 0
    src = json.loads((tmp_path / "o.json").read_text())["sources"][0]
    frame = src["frames"][0]
    if frame["face"]:
        assert frame["rejected"] == "face_too_small" and frame["metrics"] == {}
        assert src["scale_mm_per_px"] is None
        assert "too small" in capsys.readouterr().err
    else:
        assert frame["rejected"] == "no_face"


def test_bad_setting_names_the_field(tmp_path, capsys):
    rc = main(["analyze", str(tmp_path), "--json", str(tmp_path / "o.json"), "--iris-mm", "50"])
    assert rc == 2
    assert "iris_diameter_mm" in capsys.readouterr().err


def test_several_faces_measure_the_largest_and_say_so(tmp_path, astronaut_portrait, capsys):
    canvas = np.full((600, 1000, 3), 200, np.uint8)
    canvas[60:540, :640] = astronaut_portrait
    small = cv2.resize(astronaut_portrait, (320, 240), interpolation=cv2.INTER_AREA)
    canvas[180:420, 660:980] = small
    cv2.imwrite(str(tmp_path / "two.png"), canvas[:, :, ::-1])
    rc = main(["analyze", str(tmp_path / "two.png"), "--json", str(tmp_path / "o.json")])
    assert rc == 0
    src = json.loads((tmp_path / "o.json").read_text())["sources"][0]
    assert src["n_faces"] == 2
    assert any("largest" in w for w in src["warnings"])
    assert "largest" in capsys.readouterr().err
    assert 0.45 < src["scale_mm_per_px"] < 0.75  # the big face's scale, not the small one's


def test_truncated_video_is_an_error_with_exit_1_and_keeps_the_readable_frames(
    media, tmp_path, capsys
):
    data = (media / "clip.avi").read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    rc = main(["analyze", str(cut), "--json", str(tmp_path / "o.json"), "--no-progress"])
    src = json.loads((tmp_path / "o.json").read_text())["sources"][0]
    assert rc == 1  # the README's exit code for a truncated file
    assert "truncated" in src["error"] and f"of the {N_VIDEO_FRAMES} frames" in src["error"]
    assert len(src["frames"]) == N_VIDEO_FRAMES // 2  # MJPG: every whole frame is kept
    assert "truncated" in capsys.readouterr().err
