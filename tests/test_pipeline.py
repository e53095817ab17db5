import time

import numpy as np

from facetrainer.capture.overlay import OverlayMode
from facetrainer.capture.video_sources import ImageSource
from facetrainer.pipeline import Pipeline


def wait_for(predicate, timeout_s=20.0):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_frames_flow_to_processed_results_with_landmarks_and_their_timestamp(astronaut_portrait):
    pipeline = Pipeline()
    pipeline.set_video_source(ImageSource(astronaut_portrait, fps=30))
    seen = []
    pipeline.processor.listeners.append(seen.append)
    pipeline.start()
    try:
        assert wait_for(lambda: len(seen) >= 5)
    finally:
        pipeline.stop()
    pf = seen[-1]
    assert pf.face is not None and pf.face.points_px.shape == (478, 3)
    assert pf.processing_ms > 0
    assert pf.frame.timestamp_s <= time.monotonic()
    # Displayed mirrored by default: the display is the flipped overlay image.
    assert pf.display_rgb.shape == astronaut_portrait.shape
    mf = pipeline.mirror.latest
    assert mf is not None and mf.rgb is not None and mf.rgb.shape == astronaut_portrait.shape
    assert mf.index <= pf.frame.index


def test_overlay_modes_change_what_is_drawn(astronaut_portrait):
    pipeline = Pipeline()
    from facetrainer.capture.face_tracker import FaceTracker
    from facetrainer.capture.frames import VideoFrame

    tracker = FaceTracker(static_image_mode=True)
    frame = VideoFrame(astronaut_portrait, time.monotonic(), 0)
    changed = {}
    for mode in OverlayMode:
        pipeline.settings.overlay = mode
        pf = pipeline.processor.process(frame, tracker)
        unmirrored = pf.display_rgb[:, ::-1]
        changed[mode] = int(np.count_nonzero(np.any(unmirrored != astronaut_portrait, axis=2)))
    tracker.close()
    assert changed[OverlayMode.OFF] == 0
    assert changed[OverlayMode.MESH] > changed[OverlayMode.CONTOURS] > 500


def test_a_slow_consumer_sees_only_the_newest_frame(astronaut_portrait):
    pipeline = Pipeline()
    src = ImageSource(astronaut_portrait, fps=60)
    pipeline.set_video_source(src)

    def slow_stage(pf):
        time.sleep(0.1)

    pipeline.processor.stages.append(slow_stage)
    pipeline.start()
    try:
        time.sleep(1.0)
    finally:
        pipeline.stop()
    assert pipeline.processor.n_processed <= 12
    assert src.frames.n_dropped >= 30
