"""The whole live pipeline, wired in one place (no Qt).

::

    video source ──latest-frame slot──▶ FrameProcessor thread ──▶ latest ProcessedFrame ──┐
        (camera/file/image/virtual patient)   tracking, stages, overlay    │ listeners       │
                                                                           │ (engine, recorder)
                                   MirrorViewRenderer thread ◀─latest slot─┘                 │
                                   (symmetric composite) ──▶ latest MirrorFrame ─────────────┤
    EMG sources ──every chunk──▶ the stream's chain (facetrainer.emg.live.LiveEmg)           │
               └─ring buffers (raw, filtered, envelope; 60 s)──▶ engine, recorder ───────────┴─▶ GUI

The live-session model (:mod:`facetrainer.live.session_model`) owns a Pipeline and wires the
rest. The GUI owns none of this state: it reads the newest processed frame and the EMG ring
buffers on a timer, and changes :class:`ViewSettings`. A frame listener that raises is
unsubscribed and reported (``on_consumer_error``); the others still get every frame.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from facetrainer.capture.face_tracker import FaceLandmarks, FaceTracker
from facetrainer.capture.fit import fit_to_view, shrink
from facetrainer.capture.frames import LatestSlot, VideoFrame
from facetrainer.capture.overlay import OverlayMode, draw_landmarks, draw_midline
from facetrainer.capture.video_sources import VideoSource
from facetrainer.emg.source import ConsumerError, EmgSource, consumer_name
from facetrainer.face.midline import Midline, fit_midline
from facetrainer.face.mirror_composite import render_mirror_view
from facetrainer.source_status import SourceState, SourceStatus


@dataclass
class ViewSettings:
    """Display choices the GUI sets and the processing thread reads (plain attributes)."""

    overlay: OverlayMode = OverlayMode.CONTOURS
    mirrored: bool = True  # show the live view as a mirror would
    composite_side: str = "left"  # the subject's half mirrored onto the other
    draw_midline: bool = True
    # The on-screen size (device pixels) of the live and mirror views, set by the window
    # when they are resized: the workers then hand over images already fitted to the view
    # (:func:`screen_image`), so the GUI thread blits them without scaling or converting.
    # None (headless): no screen images.
    live_view_px: tuple[int, int] | None = None
    mirror_view_px: tuple[int, int] | None = None


@dataclass
class ProcessedFrame:
    """A frame after processing: what the GUI shows and what the engine/recorder consume."""

    frame: VideoFrame
    face: FaceLandmarks | None
    midline: Midline | None
    processing_ms: float
    display_rgb: np.ndarray  # overlay drawn, mirrored when ViewSettings.mirrored
    results: dict[str, Any] = field(default_factory=dict)  # filled by stages
    # display_rgb fitted to the live view, as Qt's screen pixels (see screen_image); None
    # when no window has said its view's size
    screen: np.ndarray | None = None


@dataclass(frozen=True)
class MirrorFrame:
    """The mirror-symmetry view of one processed frame, ready to show."""

    index: int  # the video frame's index
    timestamp_s: float
    rgb: np.ndarray | None  # None when the frame had no face; at most the view's size
    screen: np.ndarray | None = None  # rgb as Qt's screen pixels (see screen_image)


log = logging.getLogger(__name__)


def screen_image(rgb: np.ndarray, view_px: tuple[int, int] | None) -> np.ndarray:
    """``rgb`` fitted to a view of ``view_px`` (area-averaged) as 32-bit B,G,R,255 pixels,
    the layout of Qt's ``QImage.Format_RGB32`` on little-endian machines and of its screens:
    painting it is a plain copy. Done on the worker threads; Qt's smooth scaling of a
    640x480 RGB888 frame on the GUI thread (a format conversion, then a scale on Qt's
    thread pool) cost more than the whole redraw of the EMG traces."""
    h, w = rgb.shape[:2]
    fit = fit_to_view((w, h), view_px)
    small = shrink(rgb, fit) if fit is not None else rgb
    return cv2.cvtColor(small, cv2.COLOR_RGB2BGRA)


def live_screen_image(image: np.ndarray, points_xy: np.ndarray | None,
                      settings: ViewSettings) -> np.ndarray:
    """The live view's screen image: the frame fitted to ``settings.live_view_px``, the
    overlay drawn at that size (its lines stay one crisp screen pixel wide instead of being
    thinned by the shrink), mirrored as set, as 32-bit pixels (see :func:`screen_image`)."""
    h, w = image.shape[:2]
    fit = fit_to_view((w, h), settings.live_view_px)
    small = shrink(image, fit) if fit is not None else image
    if points_xy is not None:
        f = fit[0] / w if fit is not None else 1.0
        small = draw_landmarks(small, points_xy * f, settings.overlay)
    if settings.mirrored:
        small = cv2.flip(small, 1)
    return cv2.cvtColor(small, cv2.COLOR_RGB2BGRA)


Stage = Callable[[ProcessedFrame], None]
"""A processing step run on the processing thread after tracking (e.g. face measures)."""


class FrameProcessor:
    """Takes the newest frame from a video source, tracks the face, runs stages, draws."""

    def __init__(self, settings: ViewSettings | None = None,
                 tracker_factory: Callable[[], FaceTracker] = FaceTracker) -> None:
        self.settings = settings or ViewSettings()
        self._tracker_factory = tracker_factory
        self.stages: list[Stage] = []
        self.listeners: list[Callable[[ProcessedFrame], None]] = []
        # A listener that raises is unsubscribed and reported here (processing goes on).
        self.consumer_errors: list[ConsumerError] = []
        self.on_consumer_error: list[Callable[[ConsumerError], None]] = []
        self.output: LatestSlot[ProcessedFrame] = LatestSlot()
        self._latest: ProcessedFrame | None = None
        self._lock = threading.Lock()
        self._source: VideoSource | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.n_processed = 0
        self._times: list[float] = []  # completion times, for the fps figure
        self._proc_ms: list[float] = []

    @property
    def latest(self) -> ProcessedFrame | None:
        with self._lock:
            return self._latest

    def set_source(self, source: VideoSource | None, *, start: bool = True) -> None:
        """Switch video source; the previous one is stopped. ``start=False`` leaves the new
        one as it is (a test that drives a source's clock itself)."""
        old, self._source = self._source, source
        if old is not None and old is not source:
            old.stop()
        if start and source is not None and source._thread is None:
            source.start()

    @property
    def source(self) -> VideoSource | None:
        return self._source

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="frame-processor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._source is not None:
            self._source.stop()
        if self._thread is not None:
            self._thread.join(5.0)

    def fps(self) -> float:
        with self._lock:
            t = list(self._times)
        if len(t) < 2 or time.monotonic() - t[-1] > 1.0:
            return 0.0
        return (len(t) - 1) / (t[-1] - t[0])

    def mean_processing_ms(self) -> float:
        with self._lock:
            return float(np.mean(self._proc_ms)) if self._proc_ms else 0.0

    def process(self, frame: VideoFrame, tracker: FaceTracker) -> ProcessedFrame:
        """Everything done to one frame (also used directly by the benchmark)."""
        t0 = time.perf_counter()
        face = tracker.process(frame.image)
        midline = fit_midline(face.xy) if face is not None else None
        s = self.settings
        pf = ProcessedFrame(frame, face, midline, 0.0, frame.image)
        for stage in self.stages:
            stage(pf)
        display = frame.image
        if face is not None:
            display = draw_landmarks(frame.image, face.xy, s.overlay)
        if s.mirrored:  # flipped for display only, after processing (labels stay the subject's)
            display = cv2.flip(display, 1)
        pf.display_rgb = display
        if s.live_view_px is not None:
            pf.screen = live_screen_image(frame.image, face.xy if face is not None else None, s)
        pf.processing_ms = (time.perf_counter() - t0) * 1000.0
        return pf

    def _run(self) -> None:
        tracker: FaceTracker | None = None  # made with the first frame (EMG-only: never)
        try:
            while not self._stop.is_set():
                source = self._source
                if source is None:
                    self._stop.wait(0.05)
                    continue
                frame = source.frames.take(timeout_s=0.1)
                if frame is None:
                    continue
                if tracker is None:
                    tracker = self._tracker_factory()
                pf = self.process(frame, tracker)
                now = time.monotonic()
                with self._lock:
                    self._latest = pf
                    self.n_processed += 1
                    self._times = [*self._times[-29:], now]
                    self._proc_ms = [*self._proc_ms[-29:], pf.processing_ms]
                self.output.put(pf)
                self.publish(pf)
        finally:
            if tracker is not None:
                tracker.close()

    def publish(self, pf: ProcessedFrame) -> None:
        """Hand a processed frame to every listener; one that raises is reported once with
        its name, unsubscribed, and the others still get the frame."""
        for listener in list(self.listeners):
            try:
                listener(pf)
            except Exception as exc:  # noqa: BLE001 - one consumer must not stop the video
                try:
                    self.listeners.remove(listener)
                except ValueError:
                    pass
                source = self._source.name if self._source is not None else "video"
                error = ConsumerError(source, consumer_name(listener), f"{type(exc).__name__}: {exc}")
                self.consumer_errors.append(error)
                log.error("%s", error)
                for callback in list(self.on_consumer_error):
                    callback(error)


def render_mirror(pf: ProcessedFrame, settings: ViewSettings) -> MirrorFrame:
    """The symmetric composite of a processed frame, with its midline, flipped for display.

    With ``settings.mirror_view_px`` set (a window shows it) the composite is made at the
    view's size: the frame is shrunk first and the midline and landmarks scaled with it, so
    the composite costs the view's pixels, not the camera's (a 277x208 view: 5x fewer)."""
    composite, screen = None, None
    if pf.face is not None and pf.midline is not None:
        image, midline, xy = pf.frame.image, pf.midline, pf.face.xy
        h, w = image.shape[:2]
        fit = fit_to_view((w, h), settings.mirror_view_px)
        if fit is not None:
            f = fit[0] / w
            image = shrink(image, fit)
            midline = Midline(midline.point * f, midline.direction)
            xy = xy * f
        composite = render_mirror_view(pf, settings, image=image, midline=midline, points_xy=xy)
        if composite is not None:
            if settings.draw_midline:
                draw_midline(composite, midline.point, midline.direction)
            if settings.mirrored:
                composite = cv2.flip(composite, 1)
            if settings.mirror_view_px is not None:
                screen = screen_image(composite, settings.mirror_view_px)
    return MirrorFrame(pf.frame.index, pf.frame.timestamp_s, composite, screen)


class MirrorViewRenderer:
    """Renders the mirror-symmetry view on its own thread from the newest processed frame.

    The composite is display work: keeping it off the processing thread lets tracking,
    measures and the engine run at full rate on one core while the view is drawn on the
    other. Like video, it only ever works on the newest frame, and only while someone looks
    (:meth:`set_wanted`: the window says whether its mirror view is visible) and at most
    ``max_rate_hz`` times a second (the display rate): a hidden view costs no CPU.
    """

    def __init__(self, processor: FrameProcessor, max_rate_hz: float = 30.0) -> None:
        if not max_rate_hz > 0:
            raise ValueError(f"max_rate_hz must be > 0, got {max_rate_hz!r}")
        self._processor = processor
        self._lock = threading.Lock()
        self._latest: MirrorFrame | None = None
        self._stop = threading.Event()
        self._wanted = threading.Event()
        self._wanted.set()  # headless users read mirror.latest; a window says when it hides
        self._thread: threading.Thread | None = None
        self.min_interval_s = 1.0 / max_rate_hz
        self.n_rendered = 0

    @property
    def latest(self) -> MirrorFrame | None:
        with self._lock:
            return self._latest

    @property
    def wanted(self) -> bool:
        return self._wanted.is_set()

    def set_wanted(self, wanted: bool) -> None:
        """Render (True) or stay idle (False): the view showing the composite is hidden,
        minimised or collapsed."""
        if wanted:
            self._wanted.set()
        else:
            self._wanted.clear()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mirror-view", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wanted.set()  # wake an idle thread so that it sees the stop
        self._processor.output.close()
        if self._thread is not None:
            self._thread.join(5.0)

    def _run(self) -> None:
        next_s = 0.0
        while not self._stop.is_set():
            if not self._wanted.wait(0.1):
                continue
            wait_s = next_s - time.monotonic()
            if wait_s > 0 and self._stop.wait(wait_s):  # at most the display rate
                break
            pf = self._processor.output.take(timeout_s=0.1)
            if pf is None or not self._wanted.is_set():
                continue
            next_s = time.monotonic() + self.min_interval_s
            mf = render_mirror(pf, self._processor.settings)
            with self._lock:
                self._latest = mf
                self.n_rendered += 1


class Pipeline:
    """One video source with its processor, and any number of EMG sources."""

    def __init__(self, settings: ViewSettings | None = None) -> None:
        self.processor = FrameProcessor(settings)
        self.mirror = MirrorViewRenderer(self.processor)
        self.emg_sources: list[EmgSource] = []
        self._started = False

    @property
    def settings(self) -> ViewSettings:
        return self.processor.settings

    def set_video_source(self, source: VideoSource | None) -> None:
        self.processor.set_source(source)

    def add_emg_source(self, source: EmgSource) -> None:
        self.emg_sources.append(source)
        if self._started:
            source.start()

    def remove_emg_sources(self) -> None:
        for s in self.emg_sources:
            s.stop()
        self.emg_sources.clear()

    def start(self) -> None:
        self._started = True
        self.processor.start()
        self.mirror.start()
        for s in self.emg_sources:
            if s._thread is None:
                s.start()

    def stop(self) -> None:
        self.processor.stop()
        self.mirror.stop()
        for s in self.emg_sources:
            s.stop()

    def statuses(self) -> list[SourceStatus]:
        out = []
        if self.processor.source is not None:
            out.append(self.processor.source.status)
        out.extend(s.status for s in self.emg_sources)
        return out

    def failures(self) -> list[SourceStatus]:
        return [s for s in self.statuses() if s.state == SourceState.FAILED]
