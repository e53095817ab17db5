"""The virtual patient as a video source and an EMG source, on the app's one clock.

Both sources travel the same code paths as hardware: :class:`VirtualPatientVideo` is a
:class:`~facetrainer.capture.video_sources.VideoSource` (its base class paces frames at
30 fps and stamps them on :func:`facetrainer.clock.now`), and :class:`VirtualPatientEmg` is
an :class:`~facetrainer.emg.source.EmgSource` (its base class stamps samples, fills the ring
buffer and hands every chunk to subscribers).

Why an EMG source of its own rather than BrainFlow's playback board (−3) replaying a
generated file: the playback board takes its channel layout and sampling rate from a
master board (the synthetic board: 250 Hz, EEG channel names), so a 1000 Hz facial montage
with ``muscle/side`` names could not be expressed; it replays on its own schedule, so its
samples could not share the face's timeline; and a file must exist before streaming, while
the demo runs for ever and can switch exercise or profile on the fly. A generator paced by
the shared clock has none of these limits.

Both sources read one :class:`SimulationClock`: timeline time 0 is the moment the first of
them opened, so frame ``k`` and sample ``i`` that carry the same app time show the same
activation.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from facetrainer import clock
from facetrainer.capture.video_sources import VideoSource, VideoSourceError
from facetrainer.emg.source import EmgSource, EmgSourceError, EmgStreamInfo
from facetrainer.simulation.emg_synth import DEFAULT_MONTAGE, EmgSynthesizer
from facetrainer.simulation.face_renderer import FaceRenderer
from facetrainer.simulation.face_rig import FaceRig, FaceRigError, build_rig
from facetrainer.simulation.patient import VirtualPatient

VIDEO_FPS = 30.0


class SimulationClock:
    """Timeline time shared by the virtual patient's sources (seconds since the anchor)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.anchor_s: float | None = None

    def start(self) -> float:
        """Anchor timeline time 0 at the first call; return the current timeline time."""
        with self._lock:
            if self.anchor_s is None:
                self.anchor_s = clock.now()
            return clock.now() - self.anchor_s

    def now_s(self) -> float | None:
        """Current timeline time, or None before either source opened."""
        anchor = self.anchor_s
        return None if anchor is None else clock.now() - anchor

    def timeline_time(self, app_time_s: float) -> float:
        """Timeline time of an app-clock time (e.g. a frame's ``timestamp_s``)."""
        if self.anchor_s is None:
            raise RuntimeError("the simulation clock has not started")
        return app_time_s - self.anchor_s


class VirtualPatientVideo(VideoSource):
    """The rendered face of a :class:`VirtualPatient`, 30 frames per second.

    ``error``, when given, is a set-up problem (e.g. a bad profile) reported as the
    source's failure when it opens, so the app shows it instead of crashing.

    The rig (landmarks of the photo) is built in :meth:`_open`, on the source's thread,
    so a slow MediaPipe start never blocks the window; a photo without a face makes the
    source fail with a message naming the file.
    """

    def __init__(
        self,
        patient: VirtualPatient,
        sim_clock: SimulationClock,
        face_path: str | None = None,
        rig_factory: Callable[[], FaceRig] | None = None,
        name: str = "virtual patient",
        error: str | None = None,
    ) -> None:
        super().__init__(name, fps=VIDEO_FPS)
        self.error = error
        self.patient = patient
        self.clock = sim_clock
        self.face_path = face_path
        self._rig_factory = rig_factory
        self.renderer: FaceRenderer | None = None
        self._t0 = 0.0
        self._k = 0

    def _open(self) -> None:
        if self.error:
            raise VideoSourceError(self.error)
        if self.renderer is None:
            try:
                rig = self._rig_factory() if self._rig_factory else build_rig(self.face_path)
            except FaceRigError as exc:
                raise VideoSourceError(str(exc)) from None
            self.renderer = FaceRenderer(rig)
            self.patient.frame_width_px = float(rig.size[0])
        self._t0 = self.clock.start()
        self._k = 0

    def _read(self) -> tuple[np.ndarray, float] | None:
        assert self.renderer is not None and self.fps is not None
        source_time = self._k / self.fps
        now = self.clock.now_s()
        if now is not None and now - self._t0 > source_time + 1.0 / self.fps:
            # Rendering fell behind (a loaded machine): like a camera, show the present
            # moment and drop the frames missed, so the face never lags the EMG.
            self._k = int(np.floor((now - self._t0) * self.fps))
            source_time = self._k / self.fps
        self._k += 1
        return self.renderer.render(self.patient.pose(self._t0 + source_time)), source_time


class VirtualPatientEmg(EmgSource):
    """The virtual patient's surface EMG, generated as the app clock advances."""

    def __init__(
        self,
        patient: VirtualPatient,
        sim_clock: SimulationClock,
        channels: tuple[str, ...] = DEFAULT_MONTAGE,
        fs_hz: float = 1000.0,
        mains_hz: float = 50.0,
        pops: bool = False,
        seed: int = 0,
        name: str = "virtual patient EMG",
        error: str | None = None,
    ) -> None:
        super().__init__(name)
        self.patient = patient
        self.clock = sim_clock
        self.channels = tuple(channels)
        self.fs_hz = fs_hz
        self.mains_hz = mains_hz
        self.pops = pops
        self.seed = seed
        self.error = error
        self.synth: EmgSynthesizer | None = None

    def _open(self) -> EmgStreamInfo:
        if self.error:
            raise EmgSourceError(self.error)
        t = self.clock.start()
        try:
            self.synth = EmgSynthesizer(
                self.patient,
                self.channels,
                fs_hz=self.fs_hz,
                mains_hz=self.mains_hz,
                pops=self.pops,
                seed=self.seed,
                start_sample=int(t * self.fs_hz),
            )
        except ValueError as exc:
            raise EmgSourceError(f"{self.name}: {exc}") from None
        return EmgStreamInfo(
            self.synth.fs_hz,
            self.synth.channels,
            extra={"simulated": True, "profile": self.patient.profile.name},
        )

    def _read_chunk(self) -> np.ndarray | None:
        assert self.synth is not None
        t = self.clock.start()
        due = int(np.floor(t * self.synth.fs_hz)) + 1
        return self.synth.generate(max(due - self.synth.position, 0))
