"""Clinical face measures per frame and per side, in millimetres (Emotrics' definitions).

Every measure is taken in the **face's own axes**, not the image's: ``u`` runs along the
normal of the fitted midline (towards the subject's left), ``w`` along the midline (down).
So a tilted head (roll) does not create asymmetry. Left and right are the subject's own.

The scale comes from the iris: a human iris is about 11.7 mm across (adjustable,
``iris_diameter_mm``); its diameter in pixels is the mean of the horizontal (469–471,
474–476) and vertical (470–472, 475–477) ring diameters of both irises, and
``scale_mm_per_px = iris_diameter_mm / iris_diameter_px``. Below ``min_iris_px`` the scale is
unreliable and the frame is rejected as ``"face_too_small"`` (no millimetres reported).

Measures (landmark indices: subject's right / left):

``brow_height_mm``
    Iris centre (468 / 473) up to the upper brow contour (70,63,105,66,107 /
    300,293,334,296,336), interpolated at the iris centre's lateral position.
``palpebral_fissure_mm``
    Upper to lower lid margin through the iris centre, **refined from the image**
    (:mod:`facetrainer.face.eyelids`), seeded by the mesh lids, where the image supports
    it (iris ≥ 12 px, a clearly dark eye); otherwise the mesh's value. ``eyelids`` says
    per side which was used (``source`` "image"/"mesh") and a ``confidence``.
``palpebral_fissure_mesh_mm``
    The same from the mesh alone: upper lid contour (246,161,160,159,158,157,173 /
    466,388,387,386,385,384,398) to lower lid contour (7,163,144,145,153,154,155 /
    249,390,373,374,380,381,382) at the iris centre's lateral position.
``commissure_excursion_mm``
    Mouth corner (61 / 291) to the midline point of the lower lip (17), straight distance.
``commissure_height_mm``
    Mouth corner below the line through the inner eye corners (133, 362), along ``w``.
``upper_lip_height_mm``
    Upper lip's outer contour (61,185,40,39,37,0 / 0,267,269,270,409,291) below the inner
    canthal line, at the lateral midpoint between the midline and that side's mouth corner
    (a snarl lifts it: the value falls).
``lower_lip_height_mm``
    Lower lip's outer contour (61,146,91,181,84,17 / 17,314,405,321,375,291) below the inner
    canthal line, at the same lateral midpoint (lip depression: the value rises).
``smile_angle_deg``
    Elevation of the mouth corner above the face's horizontal, seen from the lower lip's
    midline point (17): ``atan2(w_17 − w_corner, |u_corner − u_17|)``, in degrees.

For each, ``difference`` = left − right and ``ratio`` = smaller / larger (of the absolute
values; 1 = symmetric).

Eyelid distances (:data:`EYELID_MEASURE_NAMES`, in :attr:`FaceMeasures.eyelid_mm`, kept
apart from the rows above so that stored arrays keep their shape):

``mrd1_mm``
    Marginal reflex distance 1: from the corneal light reflex up to the upper lid margin,
    along the face's vertical. The light reflex is **approximated by the iris centre**
    (468 / 473) — in a frontal photo with a light near the camera the reflex sits close
    to it, but a lateral light or gaze shifts it. Negative when the lid covers the centre.
``mrd2_mm``
    Marginal reflex distance 2: from the same point down to the lower lid margin.

Both use the image-refined lid margins when the frame is given (the mesh's otherwise, or
where the image cannot support a refinement), so MRD1 + MRD2 = ``palpebral_fissure_mm`` for an open eye.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from facetrainer.capture.face_tracker import FaceLandmarks
from facetrainer.face.eyelids import EyelidChoice, choose_opening, refine_lid_margins
from facetrainer.face.head_pose import HeadPose, PoseLimits, estimate_head_pose
from facetrainer.face.midline import Midline, fit_midline

MEASURE_NAMES: tuple[str, ...] = (
    "brow_height_mm",
    "palpebral_fissure_mm",
    "palpebral_fissure_mesh_mm",
    "commissure_excursion_mm",
    "commissure_height_mm",
    "upper_lip_height_mm",
    "lower_lip_height_mm",
    "smile_angle_deg",
)
EYELID_MEASURE_NAMES: tuple[str, ...] = ("mrd1_mm", "mrd2_mm")
SIDES: tuple[str, str] = ("left", "right")  # column order of every (n_measures, 2) array
ANGLE_MEASURES = frozenset({"smile_angle_deg"})
_IS_LENGTH = np.array([name not in ANGLE_MEASURES for name in MEASURE_NAMES])

# Per side, in the column order of SIDES: (left, right).
_IRIS_CENTRE = np.array([473, 468])
_IRIS_H = np.array([[474, 476], [469, 471]])
_IRIS_V = np.array([[475, 477], [470, 472]])
_BROW = np.array([[300, 293, 334, 296, 336], [70, 63, 105, 66, 107]])
_UPPER_LID = np.array([[466, 388, 387, 386, 385, 384, 398], [246, 161, 160, 159, 158, 157, 173]])
_LOWER_LID = np.array([[249, 390, 373, 374, 380, 381, 382], [7, 163, 144, 145, 153, 154, 155]])
_CORNER = np.array([291, 61])
_UPPER_LIP = np.array([[0, 267, 269, 270, 409, 291], [0, 37, 39, 40, 185, 61]])
_LOWER_LIP = np.array([[17, 314, 405, 321, 375, 291], [17, 84, 181, 91, 146, 61]])
_INNER_CANTHI = (362, 133)  # left, right
_LOWER_LIP_MID = 17


@dataclass(frozen=True)
class AnalysisSettings:
    """Choices of the face analysis (validated on creation)."""

    iris_diameter_mm: float = 11.7
    pose_limits: PoseLimits = field(default_factory=PoseLimits)
    min_iris_px: float = 8.0
    refine_eyelids: bool = True

    def __post_init__(self) -> None:
        if not (np.isfinite(self.iris_diameter_mm) and 8.0 <= self.iris_diameter_mm <= 16.0):
            raise ValueError(
                f"iris_diameter_mm must be between 8 and 16 mm, got {self.iris_diameter_mm!r}"
            )
        if not (np.isfinite(self.min_iris_px) and self.min_iris_px > 0):
            raise ValueError(f"min_iris_px must be positive, got {self.min_iris_px!r}")


@dataclass
class FaceMeasures:
    """One frame's analysis.

    Attributes
    ----------
    rejected : None, "no_face", "head_pose" or "face_too_small"
        Why the frame was not measured (None when it was).
    head_pose_deg : HeadPose or None
    scale_mm_per_px : float or None
        None when there is no face or the iris is too small for a reliable scale.
    iris_diameter_px : float or None
    values : ndarray (n_measures, 2) or None
        Rows follow :data:`MEASURE_NAMES`, columns :data:`SIDES` (left, right); mm or degrees.
    n_faces : int
        Faces in the image (the largest is measured).
    """

    rejected: str | None
    head_pose_deg: HeadPose | None = None
    scale_mm_per_px: float | None = None
    iris_diameter_px: float | None = None
    values: np.ndarray | None = None
    n_faces: int = 0
    excursions: dict[str, dict[str, float]] | None = None  # filled when calibrated
    symmetry: dict[str, float | None] | None = None  # filled when calibrated
    pfn_percent: dict[str, float] | None = None  # filled when calibrated
    # per side: {"source": "image" | "mesh", "confidence": 0-1, "reason": ...}
    eyelids: dict[str, dict[str, object]] | None = None
    eyelid_mm: np.ndarray | None = None  # (2, 2): rows EYELID_MEASURE_NAMES, cols SIDES

    @property
    def eyelid_metrics(self) -> dict[str, dict[str, float]]:
        """``{"mrd1_mm": {"left", "right"}, "mrd2_mm": {...}}`` (empty when not measured)."""
        if self.eyelid_mm is None:
            return {}
        return {
            name: {"left": float(v[0]), "right": float(v[1])}
            for name, v in zip(EYELID_MEASURE_NAMES, self.eyelid_mm, strict=True)
        }

    @property
    def metrics(self) -> dict[str, dict[str, float]]:
        """``{measure: {"left": value, "right": value}}`` (empty when not measured)."""
        if self.values is None:
            return {}
        return {
            name: {"left": float(v[0]), "right": float(v[1])}
            for name, v in zip(MEASURE_NAMES, self.values, strict=True)
        }

    @property
    def asymmetry(self) -> dict[str, dict[str, float]]:
        """``{measure: {"difference": left − right, "ratio": smaller / larger}}``."""
        if self.values is None:
            return {}
        diff, ratio = asymmetry_arrays(self.values)
        return {
            name: {"difference": float(d), "ratio": float(r)}
            for name, d, r in zip(MEASURE_NAMES, diff, ratio, strict=True)
        }


def asymmetry_arrays(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Left − right and smaller/larger ratio (of absolute values; 1 when both are 0)."""
    v = np.asarray(values, dtype=np.float64)
    diff = v[..., 0] - v[..., 1]
    a, b = np.abs(v[..., 0]), np.abs(v[..., 1])
    hi = np.maximum(a, b)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(hi > 0, np.minimum(a, b) / np.where(hi > 0, hi, 1.0), 1.0)
    return diff, ratio


def iris_diameter_px(points_xy: np.ndarray) -> np.ndarray:
    """Iris diameter of each eye in pixels, (left, right): mean of ring width and height."""
    p = np.asarray(points_xy)[:, :2]
    h = np.linalg.norm(p[_IRIS_H[:, 0]] - p[_IRIS_H[:, 1]], axis=1)
    v = np.linalg.norm(p[_IRIS_V[:, 0]] - p[_IRIS_V[:, 1]], axis=1)
    return 0.5 * (h + v)


def _interp_rows(u: np.ndarray, w: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Piecewise-linear w(u) of each row's contour, evaluated at ``at`` (one value per row)."""
    out = np.empty(len(at))
    for k in range(len(at)):
        order = np.argsort(u[k])
        out[k] = np.interp(at[k], u[k][order], w[k][order])
    return out


def measure_face_px(
    points_xy: np.ndarray,
    midline: Midline,
    rgb: np.ndarray | None = None,
    eyelids_out: list[EyelidChoice] | None = None,
    mrd_out: dict[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """All measures in pixels (angles in degrees), face axes from ``midline``.

    ``palpebral_fissure_mm`` is the image-refined opening where the image supports it and
    the mesh's elsewhere (:func:`~facetrainer.face.eyelids.choose_opening`); the per-eye
    choices (left, right) are appended to ``eyelids_out`` when given.

    Returns
    -------
    values_px : ndarray (n_measures, 2)
        Rows :data:`MEASURE_NAMES`, columns (left, right). ``palpebral_fissure_mm`` is NaN
        without ``rgb``.
    iris_px : ndarray (2,)
        Iris diameter of each eye (left, right) in pixels.

    When ``mrd_out`` is a dict, ``mrd_out["mrd_px"]`` receives the (2, 2) marginal
    reflex distances (rows MRD1, MRD2; columns left, right) in pixels: from the image's lid
    margins where the opening came from the image, else from the mesh's lids.
    """
    p = np.asarray(points_xy, dtype=np.float64)[:, :2]
    axes = np.vstack([midline.normal, midline.direction])  # rows: u (to subject's left), w
    q = (p - midline.point) @ axes.T
    u, w = q[:, 0], q[:, 1]
    iris_px = iris_diameter_px(p)
    iu, iw = u[_IRIS_CENTRE], w[_IRIS_CENTRE]

    brow = iw - _interp_rows(u[_BROW], w[_BROW], iu)
    lid_up = _interp_rows(u[_UPPER_LID], w[_UPPER_LID], iu) - iw
    lid_lo = _interp_rows(u[_LOWER_LID], w[_LOWER_LID], iu) - iw
    fissure_mesh = lid_lo - lid_up
    fissure = np.full(2, np.nan)
    mrd = np.vstack([-lid_up, lid_lo])  # from the iris centre: up to the upper lid, down
    if rgb is not None:
        contrast = np.full(2, np.nan)
        refined_mrd = np.full((2, 2), np.nan)
        for k in range(2):
            margins = refine_lid_margins(
                rgb,
                p[_IRIS_CENTRE[k]],
                midline.direction,
                float(iris_px[k]),
                float(lid_up[k]),
                float(lid_lo[k]),
            )
            fissure[k] = margins.opening_px
            contrast[k] = margins.contrast
            if np.isfinite(margins.upper_px) and np.isfinite(margins.lower_px):
                refined_mrd[:, k] = -margins.upper_px, margins.lower_px
        choices = choose_opening(fissure, fissure_mesh, iris_px, contrast)
        for k, c in enumerate(choices):  # the margins only where the image was trusted
            if c.source == "image" and np.isfinite(refined_mrd[:, k]).all():
                mrd[:, k] = refined_mrd[:, k]
        fissure = np.array([c.opening_px for c in choices])
        if eyelids_out is not None:
            eyelids_out.extend(choices)
    if mrd_out is not None:
        mrd_out["mrd_px"] = mrd

    corner = p[_CORNER]
    excursion = np.linalg.norm(corner - p[_LOWER_LIP_MID], axis=1)
    cl, cr = _INNER_CANTHI
    slope = (w[cl] - w[cr]) / (u[cl] - u[cr]) if u[cl] != u[cr] else 0.0

    def below_canthal(uu: np.ndarray, ww: np.ndarray) -> np.ndarray:
        return ww - (w[cr] + slope * (uu - u[cr]))

    cu, cw = u[_CORNER], w[_CORNER]
    height = below_canthal(cu, cw)
    mid_u = 0.5 * (cu + u[_LOWER_LIP_MID])
    upper_lip = below_canthal(mid_u, _interp_rows(u[_UPPER_LIP], w[_UPPER_LIP], mid_u))
    lower_lip = below_canthal(mid_u, _interp_rows(u[_LOWER_LIP], w[_LOWER_LIP], mid_u))
    smile = np.degrees(np.arctan2(w[_LOWER_LIP_MID] - cw, np.abs(cu - u[_LOWER_LIP_MID])))
    values = np.vstack(
        [brow, fissure, fissure_mesh, excursion, height, upper_lip, lower_lip, smile]
    )
    return values, iris_px


def to_mm(values_px: np.ndarray, scale_mm_per_px: float) -> np.ndarray:
    """Scale the length rows of a (n_measures, 2) array to millimetres (angles unchanged)."""
    out = np.array(values_px, dtype=np.float64)
    out[_IS_LENGTH] *= scale_mm_per_px
    return out


def analyse_face(
    face: FaceLandmarks | None,
    rgb: np.ndarray | None,
    settings: AnalysisSettings | None = None,
    midline: Midline | None = None,
    scale_mm_per_px: float | None = None,
) -> FaceMeasures:
    """Pose check, scale and all measures of one frame.

    Parameters
    ----------
    face : FaceLandmarks or None
        From :class:`~facetrainer.capture.face_tracker.FaceTracker` (None: no face).
    rgb : ndarray (H, W, 3) uint8 or None
        The unmirrored frame, for the image-refined eyelids.
    midline : Midline, optional
        Fitted from the mesh's mirror pairs when not given.
    scale_mm_per_px : float, optional
        A fixed scale (e.g. from calibration); by default this frame's iris.
    """
    s = settings or AnalysisSettings()
    if face is None:
        return FaceMeasures("no_face")
    pose = estimate_head_pose(face.points_px)
    if not s.pose_limits.accepts(pose):
        return FaceMeasures("head_pose", pose, n_faces=face.n_faces)
    ml = midline or fit_midline(face.xy)
    choices: list[EyelidChoice] = []
    lids: dict[str, np.ndarray] = {}
    values_px, iris_px = measure_face_px(
        face.xy, ml, rgb if s.refine_eyelids else None, eyelids_out=choices, mrd_out=lids
    )
    iris = float(np.mean(iris_px))
    if not np.isfinite(iris) or iris < s.min_iris_px:
        return FaceMeasures("face_too_small", pose, None, iris, n_faces=face.n_faces)
    scale = scale_mm_per_px or s.iris_diameter_mm / iris
    m = FaceMeasures(None, pose, scale, iris, to_mm(values_px, scale), face.n_faces,
                     eyelid_mm=lids["mrd_px"] * scale)
    if choices:
        m.eyelids = {
            side: {"source": c.source, "confidence": round(c.confidence, 3), "reason": c.reason}
            for side, c in zip(SIDES, choices, strict=True)
        }
    return m
