"""A face photo rigged for animation: landmarks, a millimetre face frame and eyelid geometry.

The landmarks of the neutral photo are found once (MediaPipe, static mode). Everything
the renderer needs is derived from them here: a face coordinate frame in millimetres
(origin between the irises, ``u`` towards the subject's left, ``v`` down, scale from the
iris diameter of 11.7 mm), the landmark positions in that frame, and per eye the lid
margins and crease as functions of the image column (the eyelid "curtain").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from facetrainer.capture.face_tracker import FaceTracker
from facetrainer.capture.landmarks import (
    LEFT_IRIS_CENTER,
    LEFT_IRIS_RING,
    RIGHT_IRIS_CENTER,
    RIGHT_IRIS_RING,
)

IRIS_DIAMETER_MM = 11.7  # DOMAIN.md §4: a human iris is about 11.7 mm across
FRAME_SIZE = (640, 480)  # (width, height) of rendered frames
SIDES = ("right", "left")  # field order inside the renderer: index 0 = subject's right

# Lid margins of the subject's right eye, outer corner (33) to inner corner (133).
RIGHT_UPPER_LID = (33, 246, 161, 160, 159, 158, 157, 173, 133)
RIGHT_LOWER_LID = (33, 7, 163, 144, 145, 153, 154, 155, 133)
LEFT_UPPER_LID = (263, 466, 388, 387, 386, 385, 384, 398, 362)
LEFT_LOWER_LID = (263, 249, 390, 373, 374, 380, 381, 382, 362)

# The eyelid crease lies this fraction of the eye's opening above the lid margin; the skin
# in between is what slides down over the eye when it closes.
CREASE_FRACTION = 0.95
# The face fills this fraction of the frame width in a portrait made from a user's photo
# (about what the packaged astronaut portrait shows).
PORTRAIT_FACE_FRACTION = 0.37


class FaceRigError(ValueError):
    """The face photo cannot be used; the message names the file and why."""


@dataclass(frozen=True)
class EyeGeometry:
    """One eye's lid margins and crease in neutral image pixels, sampled per column.

    Attributes
    ----------
    x_px : ndarray
        Image columns from the eye's left-most to right-most corner (0.25 px steps).
    upper_px, lower_px, crease_px : ndarray
        Image rows of the upper lid margin, lower lid margin and lid crease at ``x_px``.
    box : (x0, y0, x1, y1)
        Integer bounding box of crease-to-lower-lid region in the neutral image.
    opening_px : float
        Largest distance between the margins (the palpebral fissure at rest).
    """

    x_px: np.ndarray
    upper_px: np.ndarray
    lower_px: np.ndarray
    crease_px: np.ndarray
    box: tuple[int, int, int, int]
    opening_px: float


def _lid_curve(points: np.ndarray, x: np.ndarray) -> np.ndarray:
    order = np.argsort(points[:, 0])
    return np.interp(x, points[order, 0], points[order, 1])


def eye_geometry(
    points_xy: np.ndarray, upper: tuple[int, ...], lower: tuple[int, ...]
) -> EyeGeometry:
    """Lid margins and crease of one eye from the landmarks (see :class:`EyeGeometry`)."""
    up = points_xy[list(upper)]
    lo = points_xy[list(lower)]
    x0 = float(min(up[:, 0].min(), lo[:, 0].min()))
    x1 = float(max(up[:, 0].max(), lo[:, 0].max()))
    x = np.arange(x0, x1 + 0.25, 0.25)
    yu = _lid_curve(up, x)
    yl = np.maximum(_lid_curve(lo, x), yu)
    opening = float(np.max(yl - yu))
    # The crease follows the lid, a little closer to it at the corners.
    t = (x - x0) / max(x1 - x0, 1e-6)
    shape = 0.6 + 0.4 * np.sin(np.pi * t)
    yc = yu - CREASE_FRACTION * opening * shape
    box = (
        int(np.floor(x0)) - 1,
        int(np.floor(yc.min())) - 1,
        int(np.ceil(x1)) + 2,
        int(np.ceil(yl.max())) + 2,
    )
    return EyeGeometry(x, yu, yl, yc, box, opening)


@dataclass(frozen=True)
class FaceRig:
    """A neutral face photo and its landmark geometry.

    Attributes
    ----------
    image : ndarray, (H, W, 3) uint8
        The neutral photo (RGB), the rest pose every frame is warped from.
    points_px : ndarray, (478, 2)
        Landmarks of the neutral photo in image pixels.
    origin_px, axis_u, axis_v : ndarray, (2,)
        Face frame: origin between the iris centres, unit vectors towards the subject's
        left and down the face.
    px_per_mm : float
        Image scale from the iris diameter.
    eyes : dict
        ``{"right": EyeGeometry, "left": EyeGeometry}``.
    name : str
        Where the photo came from (shown in messages and the truth file).
    """

    image: np.ndarray
    points_px: np.ndarray
    origin_px: np.ndarray
    axis_u: np.ndarray
    axis_v: np.ndarray
    px_per_mm: float
    eyes: dict[str, EyeGeometry]
    name: str

    @property
    def size(self) -> tuple[int, int]:
        return (self.image.shape[1], self.image.shape[0])

    def to_face_mm(self, xy_px: np.ndarray) -> np.ndarray:
        """Image pixels → face frame millimetres (``u`` to the subject's left, ``v`` down)."""
        d = np.asarray(xy_px, dtype=np.float64) - self.origin_px
        return np.stack([d @ self.axis_u, d @ self.axis_v], axis=-1) / self.px_per_mm

    def to_image_px(self, uv_mm: np.ndarray) -> np.ndarray:
        """Face frame millimetres → image pixels (positions)."""
        uv = np.asarray(uv_mm, dtype=np.float64) * self.px_per_mm
        return self.origin_px + uv[..., :1] * self.axis_u + uv[..., 1:2] * self.axis_v

    def vectors_to_px(self, duv_mm: np.ndarray) -> np.ndarray:
        """Face frame displacement vectors in mm → image pixel vectors."""
        duv = np.asarray(duv_mm, dtype=np.float64) * self.px_per_mm
        return duv[..., :1] * self.axis_u + duv[..., 1:2] * self.axis_v


def _iris_diameter_px(points: np.ndarray, ring: tuple[int, ...]) -> float:
    r = points[list(ring)]
    return float(0.5 * (np.linalg.norm(r[0] - r[2]) + np.linalg.norm(r[1] - r[3])))


def rig_from_landmarks(image: np.ndarray, points_px: np.ndarray, name: str) -> FaceRig:
    """Build the rig from a neutral RGB image and its (478, 2+) landmarks."""
    p = np.asarray(points_px, dtype=np.float64)[:, :2]
    right, left = p[RIGHT_IRIS_CENTER], p[LEFT_IRIS_CENTER]
    axis_u = (left - right) / np.linalg.norm(left - right)
    axis_v = np.array([-axis_u[1], axis_u[0]])
    diameter = 0.5 * (_iris_diameter_px(p, RIGHT_IRIS_RING) + _iris_diameter_px(p, LEFT_IRIS_RING))
    eyes = {
        "right": eye_geometry(p, RIGHT_UPPER_LID, RIGHT_LOWER_LID),
        "left": eye_geometry(p, LEFT_UPPER_LID, LEFT_LOWER_LID),
    }
    return FaceRig(
        np.ascontiguousarray(image),
        p,
        0.5 * (left + right),
        axis_u,
        axis_v,
        diameter / IRIS_DIAMETER_MM,
        eyes,
        name,
    )


def load_photo(path: str | Path) -> np.ndarray:
    """Read a photo as RGB uint8; :class:`FaceRigError` names the file when it cannot."""
    p = Path(path)
    if not p.is_file():
        raise FaceRigError(f"face photo not found: {p}")
    data = np.fromfile(str(p), dtype=np.uint8)
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if bgr is None:
        raise FaceRigError(f"face photo {p} is not a readable image (PNG, JPEG, …)")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def portrait_from_photo(
    rgb: np.ndarray, points_px: np.ndarray, size: tuple[int, int] = FRAME_SIZE
) -> np.ndarray:
    """Crop and scale a photo so that the face fills the frame like the astronaut portrait."""
    w, h = size
    p = np.asarray(points_px)[:, :2]
    face_w = float(np.ptp(p[:, 0]))
    cx, cy = float(p[:, 0].mean()), float(p[:, 1].mean())
    crop_w = face_w / PORTRAIT_FACE_FRACTION
    crop_h = crop_w * h / w
    scale = w / crop_w
    # Affine crop with a replicated border, so a face near the photo's edge still works.
    m = np.array(
        [[scale, 0.0, w / 2 - scale * cx], [0.0, scale, h / 2 - scale * (cy - 0.04 * crop_h)]]
    )
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.warpAffine(rgb, m, (w, h), flags=interp, borderMode=cv2.BORDER_REPLICATE)


def build_rig(face_path: str | Path | None = None, tracker: FaceTracker | None = None) -> FaceRig:
    """Rig the packaged astronaut portrait, or a user's photo cropped to a 640×480 portrait.

    Raises
    ------
    FaceRigError
        The photo is missing, unreadable, or MediaPipe finds no face in it.
    """
    own_tracker = tracker is None
    trk = tracker or FaceTracker(static_image_mode=True)
    try:
        if face_path is None:
            from facetrainer.capture.sample_faces import astronaut_portrait

            image, name = astronaut_portrait(*FRAME_SIZE), "astronaut (scikit-image)"
        else:
            photo = load_photo(face_path)
            found = trk.process(photo)
            if found is None:
                raise FaceRigError(f"no face found in face photo {face_path}")
            image, name = portrait_from_photo(photo, found.points_px), str(face_path)
        face = trk.process(image)
        if face is None:
            raise FaceRigError(f"no face found in face photo {face_path or name} after cropping")
        return rig_from_landmarks(image, face.points_px, name)
    finally:
        if own_tracker:
            trk.close()
