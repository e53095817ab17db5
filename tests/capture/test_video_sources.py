import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from facetrainer.capture.video_sources import (
    CameraSource,
    ImageSource,
    VideoFileSource,
    wait_for_status,
)
from facetrainer.source_status import SourceState

TIMESTAMP_TOLERANCE_S = 0.05


def write_test_video(path: Path, n_frames: int = 30, fps: float = 15.0) -> Path:
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (64, 48))
    for i in range(n_frames):
        img = np.full((48, 64, 3), (i * 8) % 256, np.uint8)
        w.write(img)
    w.release()
    return path


def collect(source, duration_s):
    frames = []
    end = time.monotonic() + duration_s
    while time.monotonic() < end:
        f = source.frames.take(0.05)
        if f is not None:
            frames.append(f)
    return frames


def test_image_source_repeats_the_image_with_capture_timestamps(astronaut_portrait):
    src = ImageSource(astronaut_portrait, fps=20)
    src.start()
    try:
        frames = collect(src, 0.6)
    finally:
        src.stop()
    assert len(frames) >= 8
    assert all(f.image.shape == (480, 640, 3) and f.image.dtype == np.uint8 for f in frames)
    np.testing.assert_array_equal(frames[-1].image, astronaut_portrait)
    stamps = np.array([f.timestamp_s for f in frames])
    assert np.all(np.diff(stamps) > 0)
    indices = [f.index for f in frames]
    assert indices == sorted(indices)


def test_video_file_is_paced_at_its_own_frame_rate(tmp_path):
    path = write_test_video(tmp_path / "clip.mp4", n_frames=15, fps=15.0)
    src = VideoFileSource(path, loop=False)
    src.start()
    try:
        frames = collect(src, 1.5)
    finally:
        src.stop()
    assert src.fps == pytest.approx(15.0)
    assert len(frames) == 15
    elapsed = frames[-1].timestamp_s - frames[0].timestamp_s
    assert elapsed == pytest.approx(14 / 15.0, abs=TIMESTAMP_TOLERANCE_S * 2)
    assert src.status.state == SourceState.FINISHED


def test_video_file_loops_with_continuing_source_time(tmp_path):
    path = write_test_video(tmp_path / "clip.mp4", n_frames=5, fps=25.0)
    src = VideoFileSource(path, loop=True)
    src.start()
    try:
        frames = collect(src, 0.7)
    finally:
        src.stop()
    assert len(frames) > 10
    times = [f.source_time_s for f in frames]
    assert times == sorted(times)


def test_a_late_frame_is_dropped_not_queued(astronaut_portrait):
    src = ImageSource(astronaut_portrait, fps=100)
    src.start()
    time.sleep(0.5)  # nobody takes frames: they must replace each other
    src.stop()
    assert src.frames.n_dropped >= 20
    assert src.frames.take(0) is not None
    assert src.frames.take(0) is None


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: VideoFileSource(p / "missing.mp4"), "video file not found"),
        (lambda p: VideoFileSource((p / "empty.mp4", (p / "empty.mp4").write_bytes(b""))[0]),
         "empty"),
        (lambda p: VideoFileSource((p / "junk.mp4", (p / "junk.mp4").write_bytes(b"x" * 500))[0]),
         "cannot decode"),
        (lambda p: ImageSource(p / "missing.png"), "image file not found"),
        (lambda p: ImageSource((p / "bad.png", (p / "bad.png").write_bytes(b"nope"))[0]),
         "cannot read image"),
        (lambda p: CameraSource(57), "no camera could be opened at index 57"),
    ],
)
def test_bad_sources_fail_with_a_message_naming_what_failed(tmp_path, make, message, capsys):
    src = make(tmp_path)
    src.start()
    wait_for_status(src)
    src.stop()
    assert src.status.state == SourceState.FAILED
    assert message in src.status.message
    assert message in capsys.readouterr().err
