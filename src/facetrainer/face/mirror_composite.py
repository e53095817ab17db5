"""The mirror-symmetry composite: one half of the face reflected onto the other."""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from facetrainer.face.midline import Midline

if TYPE_CHECKING:
    from facetrainer.pipeline import ProcessedFrame, ViewSettings


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
    reflected = cv2.warpAffine(
        rgb,
        midline.reflection_matrix(),
        (w, h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
    yy, xx = np.mgrid[0:h, 0:w]
    dist = (xx - midline.point[0]) * midline.normal[0] + (yy - midline.point[1]) * midline.normal[1]
    # Subject's left lies at positive distance (larger x in the unmirrored image).
    keep_mask = dist >= 0 if keep_side == "left" else dist < 0
    out = np.where(keep_mask[..., None], rgb, reflected)
    return np.ascontiguousarray(out.astype(np.uint8))


def render_mirror_view(pf: ProcessedFrame, settings: ViewSettings) -> np.ndarray | None:
    """The mirror-symmetry image for a processed frame (unmirrored), None without a face."""
    if pf.face is None or pf.midline is None:
        return None
    return mirror_composite(pf.frame.image, pf.midline, settings.composite_side)
