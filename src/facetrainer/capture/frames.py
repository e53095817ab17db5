"""Video frames and the latest-frame slot that hands them between threads."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np


@dataclass(frozen=True)
class VideoFrame:
    """One captured image.

    Attributes
    ----------
    image : ndarray, (H, W, 3) uint8
        RGB, *unmirrored* (as the camera sees the subject). Mirroring is a display
        choice made after processing, so landmark left/right stay the subject's own.
    timestamp_s : float
        Capture time on :func:`facetrainer.clock.now`.
    index : int
        Running frame number within the source, from 0.
    source_time_s : float
        Position within the source (seconds into a video file; time since start for
        a camera or still image).
    """

    image: np.ndarray
    timestamp_s: float
    index: int
    source_time_s: float = 0.0


T = TypeVar("T")


class LatestSlot(Generic[T]):
    """A one-item mailbox: a new item replaces an unread one (counted as dropped).

    This is how real-time video flows: a frame that arrives while the previous one
    is still being processed replaces it, so latency never builds up and nothing
    queues without bound. A 60 fps camera feeding a processor that manages 20 fps
    thus shows every third frame, each at most one frame interval old when taken;
    ``n_put``, ``n_taken`` and ``n_dropped`` count what happened
    (``n_put == n_taken + n_dropped``, plus one while an item waits).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: T | None = None
        self._closed = False
        self.n_put = 0
        self.n_taken = 0
        self.n_dropped = 0

    def put(self, item: T) -> None:
        with self._cond:
            if self._item is not None:
                self.n_dropped += 1
            self._item = item
            self.n_put += 1
            self._cond.notify_all()

    def take(self, timeout_s: float | None = None) -> T | None:
        """Remove and return the newest item, waiting up to ``timeout_s``; None if none."""
        with self._cond:
            if self._item is None and not self._closed:
                self._cond.wait(timeout_s)
            item, self._item = self._item, None
            if item is not None:
                self.n_taken += 1
            return item

    def peek(self) -> T | None:
        with self._cond:
            return self._item

    def close(self) -> None:
        """Wake any waiting taker for good (used at shutdown)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
