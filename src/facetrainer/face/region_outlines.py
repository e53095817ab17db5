"""Where each face region lies on the mesh, and drawing it for the patient's mirror.

The patient sees, on their own mirrored face, the region to move (filled softly) and the
regions to keep still (outlined; red once they move past their ceiling). Regions are the
shared vocabulary of ``docs/dev/ARCHITECTURE.md``; landmark indices are MediaPipe Face
Mesh's (``docs/DOMAIN.md`` §4), subject's own left/right. Drawing happens on the
unmirrored frame, before the display flip, so labels never swap.
"""

from __future__ import annotations

import cv2
import numpy as np

REGION_LANDMARKS: dict[str, dict[str, tuple[int, ...]]] = {
    "brow": {"right": (70, 63, 105, 66, 107, 55, 65, 52, 53, 46),
             "left": (300, 293, 334, 296, 336, 285, 295, 282, 283, 276)},
    "eye": {"right": (33, 160, 158, 133, 153, 144, 159, 145),
            "left": (362, 385, 387, 263, 373, 380, 386, 374)},
    "mouth_corner": {"right": (61, 146, 91, 185, 40, 57, 43, 186),
                     "left": (291, 375, 321, 409, 270, 287, 273, 410)},
    "upper_lip": {"right": (0, 37, 39, 40, 185, 13, 82, 81),
                  "left": (0, 267, 269, 270, 409, 13, 312, 311)},
    "lips": {"right": (61, 185, 40, 39, 37, 0, 17, 84, 181, 91, 146),
             "left": (291, 409, 270, 269, 267, 0, 17, 314, 405, 321, 375)},
    "lower_lip": {"right": (17, 84, 181, 91, 146, 14, 87, 178),
                  "left": (17, 314, 405, 321, 375, 14, 317, 402)},
    "cheek": {"right": (205, 50, 187, 123, 116, 117, 118, 101, 36, 206),
              "left": (425, 280, 411, 352, 345, 346, 347, 330, 266, 426)},
}  # fmt: skip

TARGET_RGB = (90, 200, 120)
WATCH_RGB = (235, 235, 235)
OVER_RGB = (230, 50, 40)
FILL_ALPHA = 0.35


def region_polygon(points_xy: np.ndarray, region: str, side: str) -> np.ndarray:
    """The convex outline (k, 2) int32 pixels of a region on one side; KeyError names it."""
    try:
        idx = REGION_LANDMARKS[region][side]
    except KeyError:
        raise KeyError(f"no outline for region {region!r} side {side!r}") from None
    pts = np.asarray(points_xy, dtype=np.float32)[list(idx), :2]
    return cv2.convexHull(pts).reshape(-1, 2).astype(np.int32)


def draw_regions(
    rgb: np.ndarray,
    points_xy: np.ndarray | None,
    targets: tuple[str, ...],
    watch: dict[str, bool],
    sides: tuple[str, ...] = ("left", "right"),
) -> np.ndarray:
    """A copy of ``rgb`` with target regions filled and watch regions outlined.

    ``watch`` maps a watch region to True when it is past its ceiling (drawn red).
    Without landmarks the frame is returned unchanged.
    """
    if points_xy is None:
        return rgb
    out = rgb.copy()
    thick = max(2, rgb.shape[1] // 320)
    polys = [
        region_polygon(points_xy, r, s) for r in targets if r in REGION_LANDMARKS for s in sides
    ]
    if polys:
        # Blend only the targets' bounding box: a whole-frame blend costs ~10x more.
        x, y, w, h = cv2.boundingRect(np.vstack(polys))
        x0, y0 = max(x, 0), max(y, 0)
        x1, y1 = min(x + w, out.shape[1]), min(y + h, out.shape[0])
        if x1 > x0 and y1 > y0:
            roi = out[y0:y1, x0:x1]
            layer = roi.copy()
            cv2.fillPoly(layer, [p - (x0, y0) for p in polys], TARGET_RGB)
            cv2.addWeighted(layer, FILL_ALPHA, roi, 1 - FILL_ALPHA, 0, dst=roi)
        cv2.polylines(out, polys, True, TARGET_RGB, thick, cv2.LINE_AA)
    for region, over in watch.items():
        if region not in REGION_LANDMARKS:
            continue
        colour = OVER_RGB if over else WATCH_RGB
        lines = [region_polygon(points_xy, region, s) for s in sides]
        cv2.polylines(out, lines, True, colour, thick + (1 if over else 0), cv2.LINE_AA)
    return out
