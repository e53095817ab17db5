"""Frames decoded ahead on a thread: same frames in order, errors surface, early exit stops it."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from facetrainer.face.frame_reader import decoded_frames


class _FakeCapture:
    """Stands in for cv2.VideoCapture: ``n`` BGR frames whose blue channel is the index."""

    def __init__(self, n: int, fail_at: int | None = None) -> None:
        self.n, self.fail_at, self.reads = n, fail_at, 0

    def read(self):
        i = self.reads
        self.reads += 1
        if self.fail_at is not None and i == self.fail_at:
            raise OSError(f"damaged frame {i}")
        if i >= self.n:
            return False, None
        bgr = np.zeros((4, 6, 3), np.uint8)
        bgr[..., 0] = i
        return True, bgr


def test_all_frames_arrive_in_order_as_rgb():
    frames = list(decoded_frames(_FakeCapture(50), ahead=3))
    assert len(frames) == 50
    assert [int(f[0, 0, 2]) for f in frames] == list(range(50))  # blue is last in RGB
    assert all(f[0, 0, 0] == 0 for f in frames)


def test_a_decoding_error_is_raised_in_the_consumer():
    with pytest.raises(OSError, match="damaged frame 7"):
        list(decoded_frames(_FakeCapture(50, fail_at=7)))


def test_leaving_early_stops_the_decoder():
    cap = _FakeCapture(10_000)
    before = threading.active_count()
    gen = decoded_frames(cap, ahead=2)
    next(gen)
    gen.close()
    assert threading.active_count() == before
    assert cap.reads < 10  # it stopped reading once the consumer left


def test_bad_ahead_is_named():
    with pytest.raises(ValueError, match="ahead"):
        next(decoded_frames(_FakeCapture(1), ahead=0))
