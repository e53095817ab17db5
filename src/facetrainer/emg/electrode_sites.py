"""Surface electrode sites on the face, for the montage editor's diagram.

The sites are those of Fridlund & Cacioppo (1986, "Guidelines for human
electromyographic research", Psychophysiology 23:567-589) for the muscles FaceTrainer's
montages use, plus platysma on the neck. Positions are schematic, in a face frame:
``x_from_midline`` 0 on the midline to 1 at the face's edge (on the named side),
``y_from_hairline`` 0 at the hairline to 1 at the chin (values past 1 are on the neck).
A diagram seen from the front draws the subject's left side on the viewer's right.
"""

from __future__ import annotations

from dataclasses import dataclass

from facetrainer.anatomy import SIDES
from facetrainer.emg.montage import Placement


@dataclass(frozen=True)
class ElectrodeSite:
    muscle: str
    x_from_midline: float
    y_from_hairline: float
    where: str  # how to find it on a face

    def placement(self, side: str) -> Placement:
        return Placement(self.muscle, side)


SITES: tuple[ElectrodeSite, ...] = (
    ElectrodeSite("frontalis", 0.36, 0.13, "forehead, above the pupil, below the hairline"),
    ElectrodeSite("corrugator", 0.13, 0.29, "just above the inner end of the brow"),
    ElectrodeSite("orbicularis_oculi", 0.64, 0.43, "below the outer eye corner, on the bone"),
    ElectrodeSite("levator_labii_superioris", 0.19, 0.55, "beside the nostril's wing"),
    ElectrodeSite("zygomaticus_major", 0.56, 0.64, "on the line mouth corner → cheekbone"),
    ElectrodeSite("masseter", 0.88, 0.72, "over the jaw muscle, felt when clenching"),
    ElectrodeSite("orbicularis_oris", 0.15, 0.77, "just above the upper lip's border"),
    ElectrodeSite("depressor_anguli_oris", 0.33, 0.89, "below and beside the mouth corner"),
    ElectrodeSite("mentalis", 0.08, 0.95, "on the chin's boss, off the midline"),
    ElectrodeSite("platysma", 0.55, 1.10, "on the neck, below the jaw's edge"),
)


def site_positions(width: float, height: float) -> dict[Placement, tuple[float, float]]:
    """Each muscle/side's site in a front view ``width`` × ``height`` (y downwards).

    The face is centred; its half-width is 40 % of ``width`` and hairline-to-chin 75 % of
    ``height`` from 8 % down, leaving the neck below.
    """
    cx, half_w = width / 2, 0.40 * width
    top, face_h = 0.08 * height, 0.75 * height
    out = {}
    for site in SITES:
        for side in SIDES:
            sign = 1.0 if side == "left" else -1.0  # the subject's left on the viewer's right
            out[site.placement(side)] = (
                cx + sign * site.x_from_midline * half_w,
                top + site.y_from_hairline * face_h,
            )
    return out
