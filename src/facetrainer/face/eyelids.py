"""Eyelid margins from the image, seeded by the mesh (MediaPipe under-reads lid movement).

On real photos the landmark model reports 2–5.6 mm of opening for a closed eye and sees only
1.3–1.8 mm of a 4 mm lid movement: it regresses towards an open eye. The image itself is
unambiguous: between the lid margins lies the dark iris (with the lashes on its upper edge),
above and below lies lid skin. So the opening is measured on intensity profiles taken along
the face's vertical axis through the iris centre and four neighbouring verticals
(±0.15 and ±0.3 iris diameters to the side):

1. each profile runs from 0.55 iris diameters above the mesh's upper lid to 0.55 below the
   mesh's lower lid (bilinear samples every 0.25 px, Gaussian-smoothed over 0.6 px);
2. skin levels are the medians of the profile just outside the mesh lids (above and below),
   the eye's level the 10th percentile between them;
3. if the eye is not darker than the skin by ``min_contrast`` (grey levels), the lids touch:
   the column reads 0;
   (the profile is the median over the five columns, which drops a catch-light or a stray
   lash that touches only one of them);
   A grey opening (0.25 iris diameters) along each column first removes catch-lights;
4. otherwise, from the darkest point outwards, the lid is the first local maximum at least
   half-way to the skin level (so the crease shadow above the lid does not count), and the
   margin is the crossing next to that lid of the level 35 % of the way from the dark core
   to that maximum, interpolated between samples (the outermost crossing: a catch-light on
   the pupil or a lighter iris between core and lid can rise above the level as well);
   a lower margin more than ``LOWER_LID_TOLERANCE_IRIS`` above the mesh's lower lid is
   such a bright spot taken for the lid, and the mesh's lower lid (which the mesh tracks
   well, unlike the upper) replaces it;
5. the dark band still holds the upper lid's lash line (all that is left of a closed eye),
   so it is taken off the band's upper side, never below zero: 0.2 iris diameters (about
   2.3 mm) from a narrow band (up to 0.3 diameters: a closed eye), falling linearly to 0.07
   diameters for a band of 0.55 diameters and more (an open eye, whose lashes overlap the
   dark iris). Tuned on the astronaut photo with known lid displacements and on the
   virtual patient's rendered closures (tests/face/test_eyelids.py, test_virtual_patient.py).

The refined value is used only where the image supports it (:func:`choose_opening`):
enough iris pixels and an eye that shows clearly darker than the skin in at least one
eye of the face; otherwise, and where the refined opening is far *wider* than the mesh's
(the mesh regresses towards an open eye, never towards a closed one), the mesh's own
value is kept. On small or flat faces (a grayscale photo with a 9 px iris, a dim image)
the profile method has read open eyes as closed and put a wink on the wrong side; the
mesh, though it under-reads closure, keeps the side of a wink.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

_COLUMN_OFFSETS = np.array([-0.3, -0.15, 0.0, 0.15, 0.3])  # in iris diameters
_STEP_PX = 0.25
_LEVEL = 0.35  # margin: where the profile has risen a quarter of the way from eye to lid
# The dark band's share that is lash line, in iris diameters: all of a closed eye's band
# (narrow bands) and less and less of an open eye's, where the lashes overlap the dark iris.
LASH_ALLOWANCE_IRIS = (0.2, 0.07)  # at bands up to / from the widths below
LASH_BAND_IRIS = (0.3, 0.55)
# A refined lower margin may lie this far above the mesh's lower lid (iris diameters); on
# the virtual patient's recordings it lies within −0.17 … +0.21 of it.
LOWER_LID_TOLERANCE_IRIS = 0.3
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R BT.601, as cv2
# Image support for the refinement. On real photos brought down to a 9 px iris and a
# fifth of their contrast, the profile read open eyes as closed (0.0 and 1.8 mm where the
# mesh read 6.9 and 8.5 mm) once the eyes' contrast fell below ~15 grey levels; at full
# contrast open eyes read 20-130 grey levels darker than the skin.
REFINE_MIN_IRIS_PX = 12.0  # a webcam face at arm's length has a 13-20 px iris
REFINE_MIN_CONTRAST = 40.0  # the clearer eye's core below skin, grey levels
REFINE_MAX_WIDER_IRIS = 0.35  # refined may exceed the mesh's opening by this much


@dataclass(frozen=True)
class LidMargins:
    """Refined lid margins of one eye along the face vertical (pixels).

    ``upper_px``/``lower_px`` are positions along the face's downward axis measured from the
    iris centre; ``opening_px = lower_px − upper_px`` (0 for a closed eye).
    """

    upper_px: float
    lower_px: float
    contrast: float = float("nan")  # grey levels by which the eye's dark core lies below skin

    @property
    def opening_px(self) -> float:
        return max(0.0, self.lower_px - self.upper_px)


def refine_lid_margins(
    rgb: np.ndarray,
    iris_centre_xy: np.ndarray,
    down: np.ndarray,
    iris_diameter_px: float,
    mesh_upper_px: float,
    mesh_lower_px: float,
    min_contrast: float = 18.0,
) -> LidMargins:
    """Lid margins of one eye from the image (see the module docstring for the method).

    Parameters
    ----------
    rgb : ndarray (H, W, 3) uint8
        The unmirrored frame (only the sampled columns are converted to luminance).
    iris_centre_xy : ndarray (2,)
        Iris centre in pixels.
    down : ndarray (2,)
        Unit vector of the face's downward axis (the midline direction).
    iris_diameter_px : float
        Sets the column spacing and the search windows.
    mesh_upper_px, mesh_lower_px : float
        The mesh's lid positions along ``down`` from the iris centre (seeds).
    min_contrast : float
        Grey levels by which the eye must be darker than the skin to count as open.
    """
    lateral = np.array([-down[1], down[0]])
    d = float(iris_diameter_px)
    s0 = min(mesh_upper_px, -0.05 * d) - 0.55 * d
    s1 = max(mesh_lower_px, 0.05 * d) + 0.55 * d
    s = np.arange(s0, s1, _STEP_PX, dtype=np.float64)
    offsets = _COLUMN_OFFSETS * d
    # Sample all columns at once: (n_cols, n_samples) maps for cv2.remap.
    pts = iris_centre_xy[None, None, :] + offsets[:, None, None] * lateral + s[None, :, None] * down
    map_x = pts[..., 0].astype(np.float32)
    map_y = pts[..., 1].astype(np.float32)
    samples = cv2.remap(rgb, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    prof: np.ndarray = (samples.astype(np.float32) @ _LUMA).astype(np.float32)
    # A grey opening along each column (a 0.25-iris-diameter window) removes catch-lights:
    # narrow bright spots inside the dark eye. Wide bright skin and thin dark lashes remain.
    k_len = max(3, int(round(0.25 * d / _STEP_PX)) | 1)
    prof = cv2.morphologyEx(prof, cv2.MORPH_OPEN, np.ones((1, k_len), np.uint8))
    # One profile per eye: the median over the columns drops a stray lash or highlight
    # that touches only one or two of them.
    prof = np.partition(prof, len(prof) // 2, axis=0)[len(prof) // 2][None, :]  # median of 5
    prof = cv2.GaussianBlur(prof, (0, 0), sigmaX=0.6 / _STEP_PX, sigmaY=1e-3)[0]
    above = (s >= mesh_upper_px - 0.5 * d) & (s <= mesh_upper_px - 0.2 * d)
    below = (s >= mesh_lower_px + 0.2 * d) & (s <= mesh_lower_px + 0.5 * d)
    inner = (s > mesh_upper_px - 0.2 * d) & (s < mesh_lower_px + 0.2 * d)
    upper, lower, contrast = _column_margins(prof, s, above, below, inner, min_contrast)
    # Consistency with the mesh: the lower lid hardly moves when an eye closes and the mesh
    # follows it well (it is the upper lid that the mesh under-reads). A lower margin far
    # above the mesh's lower lid is a bright spot inside the eye taken for the lid; the
    # mesh's lower lid is then the better estimate.
    if lower < mesh_lower_px - LOWER_LID_TOLERANCE_IRIS * d:
        lower = max(float(mesh_lower_px), upper)
    # The dark band includes the lash line on the upper margin; a closed eye is that line
    # alone. Take it off the upper side.
    allowance = lash_allowance_px(lower - upper, d)
    upper = min(upper + allowance, lower) if lower - upper > 0 else upper
    return LidMargins(upper, lower, contrast)


def lash_allowance_px(band_px: float, iris_diameter_px: float) -> float:
    """How much of a dark band of ``band_px`` is lash line (see ``LASH_ALLOWANCE_IRIS``).

    Falls linearly from the closed-eye value to the open-eye value between the two band
    widths of ``LASH_BAND_IRIS``; its slope stays above −1, so the opening grows
    monotonically with the band.
    """
    (a0, a1), (b0, b1) = LASH_ALLOWANCE_IRIS, LASH_BAND_IRIS
    t = float(np.clip((band_px / iris_diameter_px - b0) / (b1 - b0), 0.0, 1.0))
    return (a0 + t * (a1 - a0)) * iris_diameter_px


def _column_margins(
    row: np.ndarray,
    s: np.ndarray,
    above: np.ndarray,
    below: np.ndarray,
    inner: np.ndarray,
    min_contrast: float,
) -> tuple[float, float, float]:
    skin_up = _median(row[above]) if above.any() else float(row[0])
    skin_lo = _median(row[below]) if below.any() else float(row[-1])
    idx_inner = np.flatnonzero(inner)
    inner_row = row[idx_inner]
    k = int(idx_inner[np.argmin(inner_row)])
    dark = float(row[k])
    contrast = min(skin_up, skin_lo) - dark
    if contrast < min_contrast:
        return float(s[k]), float(s[k]), contrast
    up = _edge_from_core(row[: k + 1][::-1], dark, skin_up)
    lo = _edge_from_core(row[k:], dark, skin_lo)
    return float(s[k] - up * _STEP_PX), float(s[k] + lo * _STEP_PX), contrast


def _edge_from_core(seg: np.ndarray, dark: float, skin: float) -> float:
    """Distance (in samples) from the dark core to the lid margin along ``seg``.

    ``seg`` starts at the darkest sample and runs outwards. The lid beyond the margin is the
    first local maximum that is at least half-way to the skin level (the crease or brow
    shadow farther out must not count); the margin is where the profile crosses half-way
    between the core and that maximum.
    """
    run_max = np.maximum.accumulate(seg)
    bright_enough = run_max >= dark + 0.5 * (skin - dark)
    falls = bright_enough & (seg < run_max - 0.25 * (run_max - dark))
    if falls.any():
        stop = int(np.argmax(falls))
        peak = float(run_max[stop - 1])
    else:  # rises all the way: the lid skin is the skin level itself
        stop, peak = len(seg), max(skin, float(run_max[-1]))
    level = dark + _LEVEL * (peak - dark)
    # The margin is the crossing next to the lid: the last sample still below the level,
    # counted from the lid inwards. A catch-light or a lighter iris between the dark core
    # and the lid can rise above the level too; taking the first crossing from the core
    # put the margin inside the eye (an open eye read half its opening).
    below_level = np.flatnonzero(seg[:stop] < level)
    i = int(below_level[-1]) + 1 if len(below_level) else 1
    if i >= stop:
        return float(stop - 1)
    a, b = float(seg[i - 1]), float(seg[i])
    return i - 1 + (0.5 if a == b else (level - a) / (b - a))


def _median(a: np.ndarray) -> float:
    """Median (upper middle element) by partition: cheaper than np.median on short arrays."""
    k = len(a) // 2
    return float(np.partition(a, k)[k])


@dataclass(frozen=True)
class EyelidChoice:
    """Which opening one eye reports (pixels), where it came from and how far the image
    supports the refinement (``confidence`` 0-1: iris size and contrast)."""

    opening_px: float
    source: str  # "image" (refined) or "mesh"
    confidence: float
    reason: str


def choose_opening(
    refined_px: np.ndarray,
    mesh_px: np.ndarray,
    iris_px: np.ndarray,
    contrast: np.ndarray,
) -> list[EyelidChoice]:
    """Per eye: the refined opening where the image supports it, else the mesh's.

    The image supports the refinement when the iris spans at least
    ``REFINE_MIN_IRIS_PX`` and the clearer eye's dark core lies at least
    ``REFINE_MIN_CONTRAST`` grey levels below the skin (a closed eye has no dark core,
    so the face's other, open eye shows whether the image could show one). A refined
    opening wider than the mesh's by more than ``REFINE_MAX_WIDER_IRIS`` iris diameters
    is a margin found on something else (the mesh errs towards open, not closed).

    ``confidence`` = ``clip((iris − 8) / 8, 0, 1) · clip((contrast − 15) / 45, 0, 1)``:
    0 at an 8 px iris or 15 grey levels (where the method broke down), 1 from 16 px and
    60 grey levels.
    """
    iris = float(np.nanmean(iris_px))
    face_contrast = float(np.nanmax(contrast)) if np.isfinite(contrast).any() else 0.0
    confidence = float(
        np.clip((iris - 8.0) / 8.0, 0.0, 1.0) * np.clip((face_contrast - 15.0) / 45.0, 0.0, 1.0)
    )
    out = []
    for k in range(len(mesh_px)):
        ref, mesh, d = float(refined_px[k]), float(mesh_px[k]), float(iris_px[k])
        if not np.isfinite(ref):
            out.append(EyelidChoice(mesh, "mesh", 0.0, "no image"))
        elif not iris >= REFINE_MIN_IRIS_PX:
            out.append(EyelidChoice(mesh, "mesh", confidence, f"iris {iris:.1f} px too small"))
        elif face_contrast < REFINE_MIN_CONTRAST:
            reason = f"eye contrast {face_contrast:.0f} grey levels too low"
            out.append(EyelidChoice(mesh, "mesh", confidence, reason))
        elif ref > mesh + REFINE_MAX_WIDER_IRIS * d:
            out.append(EyelidChoice(mesh, "mesh", confidence, "refined far wider than mesh"))
        else:
            out.append(EyelidChoice(ref, "image", confidence, "image supports refinement"))
    return out
