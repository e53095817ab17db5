"""The demo sources: the same paths as hardware, one shared clock, failures reported."""

from __future__ import annotations

import time

import numpy as np

from facetrainer.capture.video_sources import VideoSource
from facetrainer.emg.source import EmgSource
from facetrainer.simulation.demo import create_demo_sources
from facetrainer.simulation.emg_synth import DEFAULT_MONTAGE
from facetrainer.source_status import SourceState

STREAM_S = 1.5
RATE_TOLERANCE = 0.15  # delivered samples vs elapsed time × fs
CLOCK_TOLERANCE_S = 0.1  # a frame's / sample's app time vs its timeline time


def _wait(predicate, timeout_s: float = 10.0) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_demo_sources_stream_face_and_emg_on_one_clock():
    video, emg = create_demo_sources(seed=0)
    assert isinstance(video, VideoSource) and isinstance(emg, EmgSource)
    chunks: list[tuple[np.ndarray, np.ndarray]] = []
    emg.subscribe(lambda data, times: chunks.append((data.copy(), times.copy())))
    video.start()
    emg.start()
    try:
        assert emg.wait_ready(10.0)
        assert _wait(lambda: video.n_frames > 0), video.status
        t0, n0 = time.monotonic(), emg.n_samples
        time.sleep(STREAM_S)
        elapsed, n1 = time.monotonic() - t0, emg.n_samples
        frame = video.frames.take(1.0)
    finally:
        video.stop()
        emg.stop()
    assert emg.info is not None and emg.info.channel_names == DEFAULT_MONTAGE
    assert emg.info.fs_hz == 1000.0
    assert abs((n1 - n0) / (elapsed * 1000.0) - 1.0) < RATE_TOLERANCE
    assert frame is not None and frame.image.shape == (480, 640, 3)
    sim_clock = video.clock  # type: ignore[attr-defined]
    assert sim_clock is emg.clock  # type: ignore[attr-defined]
    # A frame is delivered when its timeline time has come.
    frame_timeline_s = video._t0 + frame.source_time_s  # type: ignore[attr-defined]
    assert abs(sim_clock.timeline_time(frame.timestamp_s) - frame_timeline_s) < CLOCK_TOLERANCE_S
    # EMG sample i is stamped near timeline time i / fs.
    data, times = chunks[-1]
    synth = emg.synth  # type: ignore[attr-defined]
    last_index = synth.position - 1
    assert abs(sim_clock.timeline_time(times[-1]) - last_index / 1000.0) < CLOCK_TOLERANCE_S
    assert sum(c[0].shape[1] for c in chunks) == emg.n_samples


def test_bad_profile_fails_both_sources_with_a_message():
    video, emg = create_demo_sources(profile="no_such_patient")
    video.start()
    emg.start()
    try:
        assert _wait(lambda: video.status.state == SourceState.FAILED)
        assert _wait(lambda: emg.status.state == SourceState.FAILED)
    finally:
        video.stop()
        emg.stop()
    assert "no_such_patient" in video.status.message
    assert "no_such_patient" in emg.status.message


def test_photo_without_a_face_fails_the_video_naming_the_file(tmp_path):
    import cv2

    path = tmp_path / "wall.png"
    cv2.imwrite(str(path), np.full((240, 320, 3), 128, np.uint8))
    video, emg = create_demo_sources(face_path=path)
    video.start()
    try:
        assert _wait(lambda: video.status.state == SourceState.FAILED)
    finally:
        video.stop()
    assert str(path) in video.status.message and "no face" in video.status.message
