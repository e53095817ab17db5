"""Real face photos that ship inside installed packages (nothing is downloaded)."""

from __future__ import annotations

import numpy as np


def astronaut_rgb() -> np.ndarray:
    """scikit-image's ``astronaut`` photo (512×512 RGB, inside the wheel)."""
    from skimage import data

    return np.ascontiguousarray(data.astronaut())


def astronaut_portrait(width: int = 640, height: int = 480) -> np.ndarray:
    """The astronaut photo cropped around the face and scaled to fill a width×height frame.

    The face in the original is about 100 px wide; the crop makes the iris span roughly
    20 px, which the millimetre scale needs.
    """
    import cv2

    img = astronaut_rgb()
    # Face box found once with MediaPipe on the packaged photo (centre ~(225, 120)).
    cx, cy = 226.0, 118.0
    crop_h = 190.0
    crop_w = crop_h * width / height
    x0 = int(round(cx - crop_w / 2))
    y0 = int(round(cy - crop_h / 2))
    x0 = max(0, min(img.shape[1] - int(crop_w), x0))
    y0 = max(0, min(img.shape[0] - int(crop_h), y0))
    crop = img[y0 : y0 + int(crop_h), x0 : x0 + int(crop_w)]
    return np.ascontiguousarray(cv2.resize(crop, (width, height), interpolation=cv2.INTER_CUBIC))
