"""The face-analysis stage of the live pipeline: measures, smoothing, calibration.

Registered by the app with ``pipeline.processor.stages.append(FaceAnalysisStage())``; it runs
on the processing thread and stores its per-frame :class:`FaceMeasures` in
``pf.results["measures"]``. The GUI calls :meth:`FaceAnalysisStage.start_calibration` and
reads :attr:`FaceAnalysisStage.calibration` (both thread-safe).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from facetrainer.face.calibration import NeutralCalibration, calibrate_from_values
from facetrainer.face.measures import _IS_LENGTH, AnalysisSettings, FaceMeasures, analyse_face
from facetrainer.face.scale import ScaleSettings, ScaleStabiliser, eye_opening_iris
from facetrainer.face.smoothing import OneEuroFilter, OneEuroSettings

if TYPE_CHECKING:
    from facetrainer.pipeline import ProcessedFrame

RESULT_KEY = "measures"
DEFAULT_SMOOTHING = OneEuroSettings()
_RESET_AFTER_S = 0.5  # a gap in measured frames longer than this restarts the smoothing


class FaceAnalysisStage:
    """Callable pipeline stage: ``stage(pf)`` fills ``pf.results["measures"]``.

    Parameters
    ----------
    settings : AnalysisSettings, optional
        Iris size, pose limits, minimum iris size.
    affected_side : {"left", "right"} or None
        For symmetry = affected / healthy; None gives smaller / larger.
    smoothing : OneEuroSettings or None
        None turns smoothing off.
    scale : ScaleSettings, optional
        How the iris scale is held still over time (:mod:`facetrainer.face.scale`); a
        neutral calibration's scale replaces it.
    """

    def __init__(
        self,
        settings: AnalysisSettings | None = None,
        affected_side: str | None = None,
        smoothing: OneEuroSettings | None = DEFAULT_SMOOTHING,
        scale: ScaleSettings | None = None,
    ) -> None:
        if affected_side not in (None, "left", "right"):
            raise ValueError(
                f"affected_side must be 'left', 'right' or None, got {affected_side!r}"
            )
        self.settings = settings or AnalysisSettings()
        self.affected_side = affected_side
        self._filter = OneEuroFilter(smoothing) if smoothing is not None else None
        self._lock = threading.Lock()
        self._scale = ScaleStabiliser(scale)
        self._last_t: float | None = None
        self._calibration: NeutralCalibration | None = None
        self._cal_until: float | None = None
        self._cal_duration = 0.0
        self._cal_values: list[np.ndarray] = []
        self._cal_scales: list[float] = []
        self.last_error: str | None = None

    # -- GUI side --------------------------------------------------------------------
    def start_calibration(self, duration_s: float = 3.0) -> None:
        """Collect rest frames for ``duration_s`` seconds (from the next frame on)."""
        if not (np.isfinite(duration_s) and 0.2 <= duration_s <= 60.0):
            raise ValueError(f"duration_s must be between 0.2 and 60 s, got {duration_s!r}")
        with self._lock:
            self._cal_until = -1.0  # set from the next frame's timestamp
            self._cal_duration = float(duration_s)
            self._cal_values, self._cal_scales = [], []
            self.last_error = None

    @property
    def calibrating(self) -> bool:
        with self._lock:
            return self._cal_until is not None

    @property
    def calibration(self) -> NeutralCalibration | None:
        with self._lock:
            return self._calibration

    def set_calibration(self, calibration: NeutralCalibration | None) -> None:
        """Use a stored calibration (or None to drop it)."""
        with self._lock:
            self._calibration = calibration

    # -- processing thread -----------------------------------------------------------
    def __call__(self, pf: ProcessedFrame) -> None:
        with self._lock:
            cal = self._calibration
        scale = cal.scale_mm_per_px if cal is not None else None
        m = analyse_face(pf.face, pf.frame.image, self.settings, pf.midline, scale)
        pf.results[RESULT_KEY] = self.follow(m, float(pf.frame.timestamp_s))

    def follow(self, m: FaceMeasures, t: float) -> FaceMeasures:
        """The part of a frame's analysis that carries over from frame to frame, on a
        frame measured by :func:`~facetrainer.face.measures.analyse_face` (in place):
        the scale held over time, smoothing, calibration. Frames must come in time order;
        offline analysis measures frames on other processes and follows them here.
        """
        with self._lock:
            cal = self._calibration
        if m.rejected is None and m.values is not None and m.scale_mm_per_px:
            values = m.values
            if cal is None and m.iris_diameter_px:
                # Per-frame iris jitter (and a lid covering the iris) would shake every
                # millimetre: the scale is held over time (facetrainer.face.scale).
                eyes = eye_opening_iris(values, m.scale_mm_per_px, m.iris_diameter_px)
                steady = self._scale.update(t, m.scale_mm_per_px, eyes)
                values = values * _rescale(steady / m.scale_mm_per_px)
                m.scale_mm_per_px = steady
            if self._filter is not None:
                if self._last_t is not None and t - self._last_t > _RESET_AFTER_S:
                    self._filter.reset()
                values = self._filter(values, t)
            m.values = values
            self._last_t = t
            self._collect_calibration(m, t)
            if cal is not None:
                m.excursions = cal.excursions(values)
                m.symmetry = cal.symmetry(m.excursions, self.affected_side)
                m.pfn_percent = cal.pfn_percent(values)
        return m

    def _collect_calibration(self, m: FaceMeasures, t: float) -> None:
        with self._lock:
            if self._cal_until is None or m.values is None:
                return
            if self._cal_until < 0:
                self._cal_until = t + self._cal_duration
            self._cal_values.append(m.values.copy())
            self._cal_scales.append(float(m.scale_mm_per_px or np.nan))
            if t < self._cal_until:
                return
            self._cal_until = None
            try:
                self._calibration = calibrate_from_values(
                    np.array(self._cal_values), np.array(self._cal_scales), self._cal_duration
                )
            except ValueError as exc:
                self.last_error = f"calibration failed: {exc}"


def _rescale(factor: float) -> np.ndarray:
    """Per-row factor that rescales lengths and leaves angles alone."""
    return np.where(_IS_LENGTH, factor, 1.0)[:, None]


def ensure_face_analysis_stage(processor: Any, **kwargs: Any) -> FaceAnalysisStage:
    """The processor's face-analysis stage, appended (with ``kwargs``) if it has none yet.

    Idempotent, so the app and the mirror panel can both call it in either order.
    """
    for stage in processor.stages:
        if isinstance(stage, FaceAnalysisStage):
            return stage
    stage = FaceAnalysisStage(**kwargs)
    processor.stages.append(stage)
    return stage
