"""The calibration wizard's video checks, headless: face regions at rest and in a contraction.

Each face region per side (``region/side``: brow, eye, mouth_corner, upper_lip, lips,
lower_lip) is read per frame as the exercise engine reads it
(:func:`facetrainer.exercises.activation.read_region_values`, mm, with the landmark scale
frozen at the rest baseline so that a drifting iris scale does not read as movement).

- **Rest**: the face must be found (in ≥ 80 % of the frames), the head still, and every
  region quiet: its spread (10th–90th percentile) below a quarter of its 100 % excursion,
  its frame-to-frame jitter below :data:`JITTER_MM` (a face tracked unsteadily, in poor
  light or half out of frame). Percentiles, not extremes, so a blink or two is tolerated:
  the rest value is a median.
- **Contraction**: the region's excursion (95th percentile of the movement in the
  activating direction, from its rest) must reach :data:`WEAK_FRACTION` of the table's
  100 % excursion on the healthy side. A paretic region's weak excursion is only noted:
  its reference is the healthy side's same region (DOMAIN §5). Video does not saturate;
  a head turned beyond the frame rejection limit counts as a frame without a face.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from facetrainer.exercises.activation import ActivationTable

FACE_MIN_FRACTION = 0.8  # of the frames of a step
MIN_FRAMES = 5  # a region measured in fewer frames is "not measured"
REST_SPREAD_FRACTION = 0.25  # of the 100 % excursion: more is movement, not rest
JITTER_MM = 0.6  # median frame-to-frame change at rest above this: unsteady tracking
HEAD_STILL_MM = 5.0  # nose-tip travel (10th–90th percentile) allowed during the rest
WEAK_FRACTION = 0.2  # a healthy contraction moves at least this share of the 100 % excursion
NOSE_TIP = 1  # MediaPipe landmark (DOMAIN §4)


@dataclass(frozen=True)
class VideoWindow:
    """The frames of one step: which had a face, each region's value (mm, NaN where not
    measured), the nose tip (px) and the mm-per-px scale of each frame."""

    keys: tuple[str, ...]  # "region/side", in the columns' order
    face_found: np.ndarray  # (n,) bool
    values_mm: np.ndarray  # (n, len(keys))
    nose_px: np.ndarray  # (n, 2), NaN without a face
    scale_mm_per_px: np.ndarray  # (n,), NaN when unknown

    @property
    def face_fraction(self) -> float | None:
        return float(np.mean(self.face_found)) if self.face_found.size else None

    def column(self, key: str) -> np.ndarray:
        v = self.values_mm[:, self.keys.index(key)]
        return v[np.isfinite(v)]


def region_keys(table: ActivationTable) -> tuple[str, ...]:
    """``region/side`` in the order of :func:`read_region_values`'s columns."""
    from facetrainer.exercises.anatomy import SIDES

    return tuple(f"{r}/{s}" for r in table.regions for s in SIDES)


def face_problem(face_found: float | None) -> list[str]:
    """The step's problem when the face was missing in too many frames (or in all)."""
    if face_found is not None and face_found < FACE_MIN_FRACTION:
        return [f"face not found in {100 * (1 - face_found):.0f} % of the frames: face the "
                "camera in good light"]
    return []


def _frame_problems(window: VideoWindow) -> list[str]:
    """A lost face, or too few frames to judge (a slow camera or a busy computer)."""
    problems = face_problem(window.face_fraction)
    n = int(np.sum(window.face_found))
    if not problems and n < MIN_FRAMES:
        problems.append(f"only {n} video frames in this step — the camera or the computer is "
                        "too slow; close other programs, then Redo")
    return problems


def _not_measured(key: str, problems: list[str]) -> list[str]:
    if problems:  # the face or the frames are already named
        return []
    return [f"{key}: not measured in the video — face the camera straight"]


def full_excursion_mm(table: ActivationTable, region: str, rest_mm: float | None) -> float:
    """The table's 100 % excursion of ``region`` (the eye's is its own resting opening)."""
    ref = table.regions[region].reference_mm
    if ref is not None:
        return ref
    return abs(rest_mm) if rest_mm is not None and np.isfinite(rest_mm) and rest_mm else 10.0


def check_video_rest(regions: Sequence[str], window: VideoWindow,
                     table: ActivationTable) -> tuple[dict[str, float], list[str]]:
    """Rest value (median, mm) per ``region/side`` of ``regions``, and the problems."""
    problems = _frame_problems(window)
    frame_problems = list(problems)
    levels: dict[str, float] = {}
    scale = np.nanmedian(window.scale_mm_per_px) if np.isfinite(window.scale_mm_per_px).any() \
        else np.nan
    nose = window.nose_px[np.isfinite(window.nose_px).all(axis=1)]
    if nose.shape[0] >= MIN_FRAMES and np.isfinite(scale):
        travel_mm = float(np.hypot(*(np.percentile(nose, 90, axis=0)
                                     - np.percentile(nose, 10, axis=0))) * scale)
        if travel_mm > HEAD_STILL_MM:
            problems.append(f"the head moved during the rest ({travel_mm:.0f} mm) — rest it "
                            "and keep still, then redo")
    for key in window.keys:
        region = key.split("/")[0]
        if region not in regions:
            continue
        v = window.column(key)
        if v.size < MIN_FRAMES:
            problems += _not_measured(key, frame_problems)
            continue
        rest = float(np.median(v))
        levels[key] = rest
        spread = float(np.percentile(v, 90) - np.percentile(v, 10))
        jitter = float(np.median(np.abs(np.diff(v)))) if v.size > 1 else 0.0
        full = full_excursion_mm(table, region, rest)
        if jitter > JITTER_MM:
            problems.append(f"{key}: too noisy at rest (the tracking jitters {jitter:.1f} mm "
                            "between frames) — more light on the face, face the camera")
        elif spread > REST_SPREAD_FRACTION * full:
            problems.append(f"{key}: moved during the rest ({spread:.1f} mm) — relax and redo")
    return levels, problems


def check_video_contraction(regions: Sequence[str], window: VideoWindow,
                            table: ActivationTable, rest_mm: Mapping[str, float],
                            affected_side: str | None = None
                            ) -> tuple[dict[str, float], list[str], list[str]]:
    """Excursion (mm from rest, activating direction) per ``region/side``; problems (a
    healthy side too weak, no face) and notes (a paretic side that barely moved)."""
    problems = _frame_problems(window)
    frame_problems = list(problems)
    levels: dict[str, float] = {}
    notes: list[str] = []
    for key in window.keys:
        region, side = key.split("/")
        if region not in regions:
            continue
        v = window.column(key)
        rest = rest_mm.get(key)
        if v.size < MIN_FRAMES or rest is None:
            problems += _not_measured(key, frame_problems)
            continue
        direction = table.regions[region].direction
        excursion = float(np.percentile(direction * (v - rest), 95))
        levels[key] = excursion
        full = full_excursion_mm(table, region, rest)
        if excursion < WEAK_FRACTION * full:
            if affected_side is not None and side == affected_side:
                notes.append(f"{key}: little movement on the affected side ({excursion:.1f} "
                             "mm); its reference is the healthy side's")
            else:
                problems.append(f"{key}: too weak ({excursion:.1f} mm, needs "
                                f"{WEAK_FRACTION * full:.1f} mm) — move more, face the camera")
    return levels, problems, notes
