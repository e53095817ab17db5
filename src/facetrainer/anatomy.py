"""The shared vocabulary of face regions (video) and muscles (EMG), and how they pair.

Names are the ones in ``docs/dev/ARCHITECTURE.md``; every engineer uses exactly these.
A region and its paired muscle are the same *signal* for the engine: the video region's
excursion and the muscle's envelope are two views of one movement, so a fused score
averages them and a single-modality score uses whichever is present.
"""

from __future__ import annotations

SIDES: tuple[str, str] = ("left", "right")  # the subject's own

REGIONS: tuple[str, ...] = (
    "brow",
    "eye",
    "mouth_corner",
    "upper_lip",
    "lips",
    "lower_lip",
    "cheek",
)

MUSCLES: tuple[str, ...] = (
    "frontalis",
    "orbicularis_oculi",
    "zygomaticus_major",
    "levator_labii_superioris",
    "orbicularis_oris",
    "depressor_anguli_oris",
    "corrugator",
    "mentalis",
    "masseter",
    "platysma",
)

REGION_OF_MUSCLE: dict[str, str] = {
    "frontalis": "brow",
    "orbicularis_oculi": "eye",
    "zygomaticus_major": "mouth_corner",
    "levator_labii_superioris": "upper_lip",
    "orbicularis_oris": "lips",
    "depressor_anguli_oris": "lower_lip",
}
"""Muscles that move a video region; the others (corrugator, mentalis, masseter,
platysma) are EMG-only signals."""

MUSCLE_OF_REGION: dict[str, str] = {r: m for m, r in REGION_OF_MUSCLE.items()}


def signal_of_region(region: str) -> str:
    """The engine's signal name for a video region (the region name itself)."""
    return region


def signal_of_muscle(muscle: str) -> str:
    """The engine's signal name for a muscle: its region when it has one, else itself."""
    return REGION_OF_MUSCLE.get(muscle, muscle)


def other_side(side: str) -> str:
    """``"left"`` ↔ ``"right"``; ValueError names a bad value."""
    if side not in SIDES:
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    return "right" if side == "left" else "left"
