"""A 60 fps source faster than processing: frames are dropped at the slot, counted, never queued."""

from __future__ import annotations

import threading
import time

import numpy as np

from facetrainer import clock
from facetrainer.capture.video_sources import VideoSource

SOURCE_FPS = 60.0
PROCESSING_S = 0.040  # a processor that manages 25 fps
RUN_S = 1.5
# The newest frame waits at most one frame interval (16.7 ms) plus the taker's wake-up;
# a queue would instead hold ~0.9 s of frames by the end of the run.
MEDIAN_AGE_LIMIT_S = 0.05
MAX_AGE_LIMIT_S = 0.25


class SixtyFpsSource(VideoSource):
    """Small synthetic frames at 60 fps, paced by the base class."""

    def __init__(self) -> None:
        super().__init__("60 fps test source", fps=SOURCE_FPS)
        self._i = 0

    def _read(self) -> tuple[np.ndarray, float] | None:
        self._i += 1
        return np.full((48, 64, 3), self._i % 256, np.uint8), self._i / SOURCE_FPS


def test_frames_of_a_faster_source_are_dropped_counted_and_never_late():
    source = SixtyFpsSource()
    ages, indices = [], []
    done = threading.Event()

    def process() -> None:
        while not done.is_set():
            frame = source.frames.take(0.5)
            if frame is None:
                continue
            ages.append(clock.now() - frame.timestamp_s)
            indices.append(frame.index)
            time.sleep(PROCESSING_S)  # the work

    worker = threading.Thread(target=process)
    source.start()
    worker.start()
    time.sleep(RUN_S)
    done.set()
    worker.join()
    source.stop()
    slot = source.frames
    assert slot.n_put == source.n_frames
    assert slot.n_put - slot.n_taken - slot.n_dropped in (0, 1)  # one may still wait
    assert slot.n_taken == len(indices)
    assert slot.n_dropped >= slot.n_put // 3  # at 60 vs 25 fps, over half are dropped
    assert indices == sorted(set(indices))  # newest first, never an older frame again
    assert float(np.median(ages)) <= MEDIAN_AGE_LIMIT_S
    assert max(ages) <= MAX_AGE_LIMIT_S
