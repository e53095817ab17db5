"""Neutral (rest) calibration: each measure's baseline and noise, and what follows from it.

A short rest capture (a few seconds, face relaxed) gives per measure and side the baseline
(median) and noise (standard deviation); it also fixes the millimetre scale (median iris
scale over the capture). Then, per frame:

* **excursion** of a region, per side, in mm: movement away from rest in the direction the
  region's exercise moves (brow up, eye closing, mouth corner out, upper lip up, lips
  narrowing, lower lip down);
* **symmetry** of a region: affected / healthy excursion (or smaller / larger when the
  affected side is not known); None while the healthy side has not moved beyond its noise;
* **PFN%** per side, ocular synkinesis: ``100 · (rest − task) / rest`` of the image-refined
  palpebral fissure (positive: the eye narrows).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from facetrainer.face.measures import MEASURE_NAMES, SIDES

# region -> (measure, direction of the exercise's movement: +1 value rises, -1 it falls)
REGION_MEASURES: dict[str, tuple[str, int]] = {
    "brow": ("brow_height_mm", +1),
    "eye": ("palpebral_fissure_mm", -1),
    "mouth_corner": ("commissure_excursion_mm", +1),
    "upper_lip": ("upper_lip_height_mm", -1),
    "lips": ("commissure_excursion_mm", -1),
    "lower_lip": ("lower_lip_height_mm", +1),
}
MIN_EXCURSION_MM = 0.5  # a healthy side moving less than this (or 3 × noise) gives no ratio


@dataclass(frozen=True)
class NeutralCalibration:
    """Rest baseline and noise of every measure, (n_measures, 2) arrays (left, right)."""

    baseline: np.ndarray
    noise: np.ndarray
    scale_mm_per_px: float
    n_frames: int
    duration_s: float

    def excursions(self, values: np.ndarray) -> dict[str, dict[str, float]]:
        """Region excursions from rest in mm, per side (see module docstring)."""
        out = {}
        for region, (name, sign) in REGION_MEASURES.items():
            k = MEASURE_NAMES.index(name)
            ex = sign * (values[k] - self.baseline[k])
            out[region] = {side: float(ex[i]) for i, side in enumerate(SIDES)}
        return out

    def symmetry(
        self, excursions: dict[str, dict[str, float]], affected_side: str | None
    ) -> dict[str, float | None]:
        """Affected / healthy excursion per region (None while the healthy side rests)."""
        out: dict[str, float | None] = {}
        for region, ex in excursions.items():
            k = MEASURE_NAMES.index(REGION_MEASURES[region][0])
            if affected_side in SIDES:
                healthy = "right" if affected_side == "left" else "left"
                a, h = ex[affected_side], ex[healthy]
            else:
                a, h = sorted((ex["left"], ex["right"]), key=abs)
            h_noise = float(np.max(self.noise[k]))
            if abs(h) < max(MIN_EXCURSION_MM, 3.0 * h_noise):
                out[region] = None
            else:
                out[region] = float(a / h)
        return out

    def pfn_percent(self, values: np.ndarray) -> dict[str, float]:
        """Palpebral-fissure narrowing per side, % of rest (positive: the eye narrows)."""
        k = MEASURE_NAMES.index("palpebral_fissure_mm")
        rest = self.baseline[k]
        with np.errstate(invalid="ignore", divide="ignore"):
            pfn = np.where(rest > 0, 100.0 * (rest - values[k]) / rest, np.nan)
        return {side: float(pfn[i]) for i, side in enumerate(SIDES)}


def calibrate_from_values(
    values: np.ndarray, scales_mm_per_px: np.ndarray, duration_s: float
) -> NeutralCalibration:
    """Build a calibration from rest frames: ``values`` (n_frames, n_measures, 2) in mm.

    Raises ValueError naming the problem when there are fewer than 3 measured frames.
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 3 or v.shape[0] < 3 or v.shape[1:] != (len(MEASURE_NAMES), 2):
        raise ValueError(
            f"calibration needs at least 3 measured rest frames of shape "
            f"({len(MEASURE_NAMES)}, 2), got {v.shape}"
        )
    return NeutralCalibration(
        baseline=np.nanmedian(v, axis=0),
        noise=np.nanstd(v, axis=0),
        scale_mm_per_px=float(np.median(scales_mm_per_px)),
        n_frames=int(v.shape[0]),
        duration_s=float(duration_s),
    )
