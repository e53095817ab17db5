"""A millimetre scale that holds still while the face does: the iris scale over time.

The mesh's iris ring jitters from frame to frame (about 1 % at rest, which reads as 0.3 mm at
a 30 mm lip distance), and it shrinks while the lids cover the iris: on the virtual patient
the ring is 8 % narrower and 18 % shorter with the eye closed, so an eye-closure hold would
inflate every millimetre by about 14 %. A video's scale is therefore:

* the median of the per-frame iris scales of the last ``window_frames`` frames (10 s at
  30 fps) whose eyes are open (counted in accepted frames, not seconds: after a long
  eye-closure hold the first frames of a reopening eye, whose iris the lids still partly
  cover, join the frames before the hold instead of replacing them),
* held: after the first ``settle_frames`` the scale follows that median only when it has
  moved more than ``deadband_fraction`` (2 %) away; an expression held for seconds shifts
  the mesh's iris by 1–2 % (a smile, on the virtual patient) and must not rescale the face,
  a real change of distance goes beyond it;
* open eyes: each eye's mesh opening (upper to lower lid, in iris
  diameters) at least ``min_eye_open_fraction`` of that eye's usual opening (the 90th
  percentile of the last ``eye_reference_s`` seconds, so a lid that always droops does not
  shut the gate); closing, blinking or smile-narrowed eyes do not change the scale,
* started afresh when the face changes: after a gap of ``reset_gap_s`` without a measured
  face, or when ``jump_frames`` accepted frames in a row differ from the held scale by more
  than ``jump_fraction`` (another person, or a big move towards or away from the camera).

Until a first open-eye frame arrives, each frame's own scale is used. Photos keep their own
scale (:func:`facetrainer.face.measures.analyse_face`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

_USUAL_EVERY = 10  # frames between updates of the eyes' usual opening


@dataclass(frozen=True)
class ScaleSettings:
    """How the scale is stabilised over time (validated on creation)."""

    window_frames: int = 300
    settle_frames: int = 90
    deadband_fraction: float = 0.02
    min_eye_open_fraction: float = 0.85
    eye_reference_s: float = 10.0
    reset_gap_s: float = 1.0
    jump_fraction: float = 0.15
    jump_frames: int = 5

    def __post_init__(self) -> None:
        for name in ("eye_reference_s", "reset_gap_s", "jump_fraction", "deadband_fraction"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be positive, got {v!r}")
        if not (0.0 <= self.min_eye_open_fraction < 1.0):
            raise ValueError(
                f"min_eye_open_fraction must be in [0, 1), got {self.min_eye_open_fraction!r}"
            )
        for name in ("window_frames", "settle_frames"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)!r}")
        if self.jump_frames < 1:
            raise ValueError(f"jump_frames must be at least 1, got {self.jump_frames!r}")


class ScaleStabiliser:
    """Running scale of one video stream: ``update(t, scale, eye_open)`` per measured frame.

    Not thread-safe: one instance per stream, called from the thread that measures.
    """

    def __init__(self, settings: ScaleSettings | None = None) -> None:
        self.settings = settings or ScaleSettings()
        # (time, scale) of the last accepted frames
        self._scales: deque[tuple[float, float]] = deque(maxlen=self.settings.window_frames)
        self._eyes: deque[tuple[float, float, float]] = deque()  # (time, left, right) opening
        self._jumps: list[tuple[float, float]] = []
        self._last_t: float | None = None
        self._held: float | None = None
        self._usual: np.ndarray | None = None  # each eye's usual opening (90th percentile)
        self._usual_age = 0  # frames since it was computed

    def reset(self) -> None:
        """Forget the history (a new face or a new video)."""
        self._scales.clear()
        self._eyes.clear()
        self._jumps.clear()
        self._last_t = None
        self._held = None
        self._usual = None

    @property
    def scale_mm_per_px(self) -> float | None:
        """The current stabilised scale (None before the first frame)."""
        return self._held

    def update(self, time_s: float, scale_mm_per_px: float, eye_open_iris: np.ndarray) -> float:
        """Add one measured frame and return the scale to use for it.

        Parameters
        ----------
        time_s : float
            The frame's time (seconds, increasing).
        scale_mm_per_px : float
            This frame's own iris scale.
        eye_open_iris : ndarray (2,)
            Each eye's mesh opening in iris diameters (left, right).
        """
        st = self.settings
        t, scale = float(time_s), float(scale_mm_per_px)
        if not (np.isfinite(scale) and scale > 0):
            raise ValueError(f"scale_mm_per_px must be positive, got {scale_mm_per_px!r}")
        if self._last_t is not None and (t - self._last_t > st.reset_gap_s or t < self._last_t):
            self.reset()
        self._last_t = t
        eyes = np.asarray(eye_open_iris, dtype=np.float64)
        self._eyes.append((t, float(eyes[0]), float(eyes[1])))
        _drop_older(self._eyes, t - st.eye_reference_s)
        if self._eyes_open(eyes):
            self._accept(t, scale)
        if self._held is None:
            return scale  # no open-eye frame yet: this frame's own scale
        return self._held

    def _eyes_open(self, eyes: np.ndarray) -> bool:
        if not np.all(np.isfinite(eyes)):
            return False
        # A statistic of the last ~10 s changes slowly: recompute it every few frames only
        # (every frame while the history is short).
        self._usual_age += 1
        if self._usual is None or self._usual_age >= _USUAL_EVERY or len(self._eyes) < 30:
            history = np.array([(le, ri) for _, le, ri in self._eyes])
            self._usual = np.percentile(history, 90, axis=0)
            self._usual_age = 0
        return bool(np.all(eyes >= self.settings.min_eye_open_fraction * self._usual))

    def _accept(self, t: float, scale: float) -> None:
        st = self.settings
        if self._held is not None and abs(scale / self._held - 1.0) > st.jump_fraction:
            self._jumps.append((t, scale))
            if len(self._jumps) < st.jump_frames:
                return  # one odd frame is not a new face
            jumps = list(self._jumps)
            self.reset()
            self._last_t = t
            self._scales.extend(jumps)
            self._held = float(np.median([s for _, s in jumps]))
            return
        self._jumps.clear()
        self._scales.append((t, scale))
        median = float(np.median([s for _, s in self._scales]))
        # Settled, the scale moves only when the median has left a dead band around it: an
        # expression held for seconds (a smile shifts the mesh's iris by 1-2 %) and the
        # slow jitter of the median stay inside; a real change of distance crosses it.
        settling = len(self._scales) < st.settle_frames
        if settling or self._held is None or abs(median / self._held - 1) > st.deadband_fraction:
            self._held = median


def _drop_older(history: deque[Any], t_min: float) -> None:
    while history and history[0][0] < t_min:
        history.popleft()


def eye_opening_iris(values: np.ndarray, scale_mm_per_px: float, iris_px: float) -> np.ndarray:
    """Each eye's mesh opening in iris diameters (left, right) from a frame's measures.

    ``values`` is a (n_measures, 2) array in mm at ``scale_mm_per_px``; ``iris_px`` the
    frame's iris diameter in pixels.
    """
    from facetrainer.face.measures import MEASURE_NAMES

    row = MEASURE_NAMES.index("palpebral_fissure_mesh_mm")
    return np.asarray(values[row], dtype=np.float64) / (scale_mm_per_px * iris_px)
