"""The mirror-symmetry view: the healthy half mirrored, the other side's contours, asymmetry.

:func:`render_mirror_view` (called by the pipeline for every frame, before the display flip)
builds:

1. the **healthy-half composite**: the subject's ``settings.composite_side`` half kept, the
   other half replaced by its reflection across the fitted midline — a symmetric face made
   of the healthy side, the target the patient works towards;
2. the **other side's contours reflected onto the kept side** (brow, eye, lips; orange), so
   the real position of the affected features can be compared with the healthy ones;
3. **regions tinted by asymmetry** (brow, eye, mouth corner, upper lip, lower lip): green
   when symmetric, through amber, to red at :data:`FULL_TINT_ASYMMETRY` or worse. With a
   neutral calibration the tint follows the movement symmetry (affected / healthy
   excursion), without one the resting ratio (smaller / larger) of the region's measure.

The numbers themselves are shown by the GUI's mirror panel (text drawn here would be
mirrored with the image). Optional attributes on the view settings:
``mirror_contours`` and ``mirror_tint`` (bool, default True).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from facetrainer.capture.landmarks import LEFT_BROW_CONTOUR, LEFT_EYE_CONTOUR
from facetrainer.face.midline import Midline
from facetrainer.face.mirror_pairs import mirror_permutation

if TYPE_CHECKING:
    from facetrainer.pipeline import ProcessedFrame, ViewSettings

_PERM = mirror_permutation()
FULL_TINT_ASYMMETRY = 0.3  # 1 − ratio at which a region is fully red
TINT_ALPHA = 0.35
CONTOUR_COLOUR = (255, 150, 40)

# Subject's-left landmark polygons of each region (the right side is the mirror image).
_LEFT_BROW_LOWER = (276, 283, 282, 295, 285)
REGION_POLYGONS_LEFT: dict[str, tuple[int, ...]] = {
    "brow": LEFT_BROW_CONTOUR + _LEFT_BROW_LOWER[::-1],
    "eye": LEFT_EYE_CONTOUR,
    "mouth_corner": (291, 409, 270, 321, 375),
    "upper_lip": (0, 267, 269, 270, 409, 291, 308, 415, 310, 311, 312, 13),
    "lower_lip": (17, 314, 405, 321, 375, 291, 308, 324, 318, 402, 317, 14),
}
REGION_MEASURE = {
    "brow": "brow_height_mm",
    "eye": "palpebral_fissure_mm",
    "mouth_corner": "commissure_excursion_mm",
    "upper_lip": "upper_lip_height_mm",
    "lower_lip": "lower_lip_height_mm",
}
# Contours of the subject's left half (brow, closed eye, outer and inner lip halves).
_CONTOURS_LEFT: tuple[tuple[int, ...], ...] = (
    LEFT_BROW_CONTOUR,
    LEFT_EYE_CONTOUR + (LEFT_EYE_CONTOUR[0],),
    (0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17),
    (13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14),
)


def _side_indices(indices: tuple[int, ...], side: str) -> np.ndarray:
    idx = np.array(indices)
    return idx if side == "left" else _PERM[idx]


def _keep_mask(shape: tuple[int, int], midline: Midline, keep_side: str) -> np.ndarray:
    """uint8 mask of the kept half-plane (subject's left: positive signed distance)."""
    h, w = shape
    big = 4.0 * (h + w)
    n = midline.normal if keep_side == "left" else -midline.normal
    p, d = midline.point, midline.direction
    quad = np.array([p - big * d, p + big * d, p + big * d + big * n, p - big * d + big * n])
    mask = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(mask, np.round(quad * 16).astype(np.int32), (1,), cv2.LINE_8, shift=4)
    return mask


def mirror_composite(rgb: np.ndarray, midline: Midline, keep_side: str) -> np.ndarray:
    """An image where the subject's ``keep_side`` half is mirrored across the midline.

    Parameters
    ----------
    rgb : ndarray (H, W, 3)
        The unmirrored frame.
    keep_side : {"left", "right"}
        The subject's side to keep (usually the healthy one); the other half is replaced
        by its reflection, so the patient sees a symmetric face made of that side.
    """
    if keep_side not in ("left", "right"):
        raise ValueError(f"keep_side must be 'left' or 'right', got {keep_side!r}")
    h, w = rgb.shape[:2]
    # Only the replaced half needs the reflection: warp just the columns it spans.
    d = midline.direction
    xs = [midline.point[0] + (y - midline.point[1]) * d[0] / d[1] for y in (0, h - 1)]
    replaced_is_low_x = (keep_side == "left") == (midline.normal[0] >= 0)
    if replaced_is_low_x:
        x0, x1 = 0, int(np.clip(np.ceil(max(xs)) + 2, 1, w))
    else:
        x0, x1 = int(np.clip(np.floor(min(xs)) - 2, 0, w - 1)), w
    m = midline.reflection_matrix().copy()
    m[0, 2] -= x0  # output column 0 is image column x0
    out = rgb.copy()
    out[:, x0:x1] = cv2.warpAffine(
        rgb, m, (x1 - x0, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    keep = _keep_mask((h, w), midline, keep_side)
    cv2.copyTo(rgb, keep, out)  # far cheaper than np.copyto with a broadcast mask
    return np.ascontiguousarray(out.astype(np.uint8))


def region_asymmetry(measures: Any) -> dict[str, float]:
    """Asymmetry 0 (symmetric) … 1 per region from a :class:`FaceMeasures` (empty if none)."""
    if measures is None or getattr(measures, "rejected", "no_face") is not None:
        return {}
    out: dict[str, float] = {}
    symmetry = getattr(measures, "symmetry", None)
    ratios = measures.asymmetry
    for region, name in REGION_MEASURE.items():
        ratio: float | None
        if symmetry is not None and region in symmetry:
            ratio = symmetry[region]
            if ratio is None:  # the healthy side is at rest: nothing to compare
                continue
            ratio = min(abs(ratio), 1.0 / abs(ratio)) if ratio else 0.0
        elif name in ratios:
            ratio = ratios[name]["ratio"]
        else:
            continue
        if ratio is not None and np.isfinite(ratio):
            out[region] = float(np.clip((1.0 - ratio) / FULL_TINT_ASYMMETRY, 0.0, 1.0))
    return out


def tint_colour(asymmetry: float) -> tuple[int, int, int]:
    """Green (symmetric) → amber → red (asymmetric), RGB."""
    a = float(np.clip(asymmetry, 0.0, 1.0))
    green, amber, red = np.array([70, 200, 110]), np.array([245, 190, 40]), np.array([230, 50, 50])
    c = (
        green + (amber - green) * (a / 0.5)
        if a < 0.5
        else amber + (red - amber) * ((a - 0.5) / 0.5)
    )
    r, g, b = (int(round(v)) for v in c)
    return (r, g, b)


def draw_asymmetry_overlay(
    image: np.ndarray,
    points_xy: np.ndarray,
    midline: Midline,
    keep_side: str,
    asymmetry: dict[str, float],
    contours: bool = True,
    tint: bool = True,
) -> None:
    """Tint regions on both halves and draw the replaced side's contours reflected (in place)."""
    pts = np.asarray(points_xy, dtype=np.float64)[:, :2]
    other = "right" if keep_side == "left" else "left"
    if tint and asymmetry:
        polys = []
        for region, a in asymmetry.items():
            poly = pts[_side_indices(REGION_POLYGONS_LEFT[region], keep_side)]
            polys += [(poly, a), (midline.reflect(poly), a)]
        # Blend only the regions' bounding box: a full-frame blend costs more than the rest.
        h, w = image.shape[:2]
        allp = np.vstack([p for p, _ in polys])
        x0, y0 = np.clip(np.floor(allp.min(axis=0)).astype(int) - 2, 0, [w, h])
        x1, y1 = np.clip(np.ceil(allp.max(axis=0)).astype(int) + 3, 0, [w, h])
        if x1 > x0 and y1 > y0:
            roi = image[y0:y1, x0:x1]
            layer = roi.copy()
            for p, a in polys:
                q = np.round((p - [x0, y0]) * 16).astype(np.int32)
                cv2.fillPoly(layer, [q], tint_colour(a), cv2.LINE_AA, shift=4)
            cv2.addWeighted(layer, TINT_ALPHA, roi, 1.0 - TINT_ALPHA, 0.0, dst=roi)
    if contours:
        lines = [midline.reflect(pts[_side_indices(c, other)]) for c in _CONTOURS_LEFT]
        cv2.polylines(
            image,
            [np.round(p * 16).astype(np.int32) for p in lines],
            False,
            CONTOUR_COLOUR,
            1,
            cv2.LINE_AA,
            shift=4,
        )


def render_mirror_view(
    pf: ProcessedFrame,
    settings: ViewSettings,
    *,
    image: np.ndarray | None = None,
    midline: Midline | None = None,
    points_xy: np.ndarray | None = None,
) -> np.ndarray | None:
    """The mirror-symmetry image for a processed frame (unmirrored), None without a face.

    ``image``, ``midline`` and ``points_xy`` replace the frame's own (the pipeline passes
    the frame shrunk to the view's size, with the midline and landmarks scaled to it)."""
    if pf.face is None or pf.midline is None:
        return None
    side = settings.composite_side
    image = pf.frame.image if image is None else image
    midline = pf.midline if midline is None else midline
    points_xy = pf.face.xy if points_xy is None else points_xy
    out = mirror_composite(image, midline, side)
    draw_asymmetry_overlay(
        out,
        points_xy,
        midline,
        side,
        region_asymmetry(pf.results.get("measures")),
        contours=bool(getattr(settings, "mirror_contours", True)),
        tint=bool(getattr(settings, "mirror_tint", True)),
    )
    return out
