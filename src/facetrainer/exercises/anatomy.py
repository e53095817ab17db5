"""The shared vocabulary of regions, muscles and sides, kept importable under its old name.

It lives in :mod:`facetrainer.anatomy` (below every package: EMG montages use it too, and
``emg`` must not import ``exercises``, issue 10).
"""

from facetrainer.anatomy import (
    MUSCLE_OF_REGION,
    MUSCLES,
    REGION_OF_MUSCLE,
    REGIONS,
    SIDES,
    other_side,
    signal_of_muscle,
    signal_of_region,
)

__all__ = [
    "MUSCLES",
    "MUSCLE_OF_REGION",
    "REGIONS",
    "REGION_OF_MUSCLE",
    "SIDES",
    "other_side",
    "signal_of_muscle",
    "signal_of_region",
]
