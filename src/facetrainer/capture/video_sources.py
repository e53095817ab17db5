"""Video sources: camera, video file, still image; each runs on its own thread.

Every source delivers :class:`~facetrainer.capture.frames.VideoFrame` objects into its
``frames`` latest-frame slot. Subclasses only say how to open and how to read the next
image; pacing, timestamps, status and the thread live here, so a webcam, a file and the
virtual patient all travel the same path.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import cv2
import numpy as np

from facetrainer import clock
from facetrainer.capture.frames import LatestSlot, VideoFrame
from facetrainer.capture.media_files import MediaFileError, check_image_file, check_video_file
from facetrainer.source_status import SourceState, StatusHolder


class VideoSourceError(RuntimeError):
    """A video source could not be opened; the message names what and why."""


class VideoSource:
    """Base class: a thread that reads images and puts them into ``self.frames``.

    Parameters
    ----------
    name : str
        Shown in the status bar, e.g. ``"camera 0"`` or the file name.
    fps : float or None
        Pace of delivery. ``None`` means the device paces itself (a camera blocks
        in ``read``).
    """

    def __init__(self, name: str, fps: float | None) -> None:
        self.name = name
        self.fps = fps
        self.frames: LatestSlot[VideoFrame] = LatestSlot()
        self._status = StatusHolder(name)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.n_frames = 0

    # -- to override -----------------------------------------------------------------
    def _open(self) -> None:
        """Open the device or file; raise :class:`VideoSourceError` with a clear message."""

    def _read(self) -> tuple[np.ndarray, float] | None:
        """Return the next RGB image and its source time (s), or None at end of stream."""
        raise NotImplementedError

    def _close(self) -> None:
        """Release the device or file."""

    # -- public ----------------------------------------------------------------------
    @property
    def status(self):
        return self._status.status

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"video:{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 2.0) -> None:
        self._stop.set()
        self.frames.close()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def open_now(self) -> None:
        """Open synchronously (used by the CLI to report a bad path before the window)."""
        self._open()

    def _run(self) -> None:
        self._status.set(SourceState.CONNECTING)
        try:
            self._open()
        except Exception as exc:  # noqa: BLE001 - any failure becomes a status message
            self._status.set(SourceState.FAILED, str(exc))
            return
        self._status.set(SourceState.STREAMING)
        t0 = clock.now()
        try:
            while not self._stop.is_set():
                item = self._read()
                if item is None:
                    self._status.set(SourceState.FINISHED, "end of stream")
                    return
                image, source_time_s = item
                if self.fps is not None:
                    # Pace at the source's own rate: deliver when its time has come.
                    delay = t0 + source_time_s - clock.now()
                    if delay > 0 and self._stop.wait(delay):
                        return
                    if delay < -1.0:  # fell far behind (e.g. suspended): resynchronise
                        t0 = clock.now() - source_time_s
                frame = VideoFrame(image, clock.now(), self.n_frames, source_time_s)
                self.n_frames += 1
                self.frames.put(frame)
        except Exception as exc:  # noqa: BLE001
            self._status.set(SourceState.DISCONNECTED, f"{self.name}: {exc}")
        finally:
            self._close()


class CameraSource(VideoSource):
    """A webcam by OpenCV index."""

    def __init__(self, index: int, width: int = 640, height: int = 480) -> None:
        super().__init__(f"camera {index}", fps=None)
        self.index = index
        self._size = (width, height)
        self._cap: cv2.VideoCapture | None = None
        self._t0 = 0.0

    def _open(self) -> None:
        cap = cv2.VideoCapture(self.index)
        if not cap.isOpened():
            cap.release()
            raise VideoSourceError(f"no camera could be opened at index {self.index}")
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self._size[0])
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self._size[1])
        self._cap = cap
        self._t0 = clock.now()

    def _read(self) -> tuple[np.ndarray, float] | None:
        assert self._cap is not None
        ok, bgr = self._cap.read()
        if not ok:
            raise VideoSourceError(f"camera {self.index} stopped delivering frames")
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), clock.now() - self._t0

    def _close(self) -> None:
        if self._cap is not None:
            self._cap.release()


def open_video_capture(path: str | Path) -> tuple[cv2.VideoCapture, float, int]:
    """Open a video file; return the capture, its fps and frame count.

    Raises :class:`VideoSourceError` naming the file when it is missing, empty, too large,
    a still image under a video name, or undecodable. The frame count is the container's
    (≤ 0 when it does not say); compare it with the frames decoded
    (:func:`facetrainer.capture.media_files.check_frame_count`) to catch a truncated file.
    """
    p = Path(path)
    try:
        check_video_file(p)
    except MediaFileError as exc:
        raise VideoSourceError(str(exc)) from None
    cap = cv2.VideoCapture(str(p))
    if not cap.isOpened():
        cap.release()
        raise VideoSourceError(f"cannot decode video file: {p}")
    fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
    if not np.isfinite(fps) or fps <= 0 or fps > 1000:
        fps = 30.0
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    ok, _ = cap.read()
    if not ok:
        cap.release()
        raise VideoSourceError(f"video file has no readable frame: {p}")
    cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
    return cap, fps, max(n, 0)


class VideoFileSource(VideoSource):
    """A video file played at its own frame rate, optionally looping."""

    def __init__(self, path: str | Path, loop: bool = True) -> None:
        self.path = Path(path)
        super().__init__(self.path.name, fps=30.0)
        self.loop = loop
        self._cap: cv2.VideoCapture | None = None
        self._frame_in_file = 0
        self._offset_s = 0.0

    def _open(self) -> None:
        self._cap, self.fps, _ = open_video_capture(self.path)

    def _read(self) -> tuple[np.ndarray, float] | None:
        assert self._cap is not None and self.fps is not None
        ok, bgr = self._cap.read()
        if not ok:
            if not self.loop or self._frame_in_file == 0:
                return None
            self._offset_s += self._frame_in_file / self.fps
            self._frame_in_file = 0
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, bgr = self._cap.read()
            if not ok:
                return None
        t = self._offset_s + self._frame_in_file / self.fps
        self._frame_in_file += 1
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), t

    def _close(self) -> None:
        if self._cap is not None:
            self._cap.release()


def read_image_rgb(path: str | Path) -> np.ndarray:
    """Read an image file as RGB uint8; :class:`VideoSourceError` naming the file if it is
    missing, too large, truncated or not an image."""
    p = Path(path)
    try:
        check_image_file(p)  # size from the header, truncation: before OpenCV decodes it
    except MediaFileError as exc:
        raise VideoSourceError(str(exc)) from None
    bgr = cv2.imread(str(p), cv2.IMREAD_COLOR)
    if bgr is None:
        raise VideoSourceError(f"cannot read image file (not an image or corrupt): {p}")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


class ImageSource(VideoSource):
    """A still image repeated as a stream at ``fps`` (a copy each frame, like a camera)."""

    def __init__(
        self, image: str | Path | np.ndarray, fps: float = 30.0, name: str | None = None
    ) -> None:
        if isinstance(image, np.ndarray):
            label = name or "image"
            self._image: np.ndarray | None = np.ascontiguousarray(image)
            self.path: Path | None = None
        else:
            self.path = Path(image)
            label = name or self.path.name
            self._image = None
        super().__init__(label, fps=fps)
        self._i = 0

    def _open(self) -> None:
        if self._image is None:
            assert self.path is not None
            self._image = read_image_rgb(self.path)

    def _read(self) -> tuple[np.ndarray, float] | None:
        assert self._image is not None and self.fps is not None
        t = self._i / self.fps
        self._i += 1
        return self._image.copy(), t


def wait_for_status(source: VideoSource, timeout_s: float = 5.0) -> None:
    """Block until the source has left CONNECTING/IDLE (tests and the CLI use this)."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end and source.status.state in (
        SourceState.IDLE,
        SourceState.CONNECTING,
    ):
        time.sleep(0.01)
