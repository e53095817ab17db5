"""Sunnybrook- and eFACE-style estimates, kept importable under their old name.

They live in :mod:`facetrainer.face.clinical_estimates` (computed from face measures; the
photo assessment in ``storage`` uses them, and ``storage`` must not import ``reports``,
issue 10).
"""

from facetrainer.face.clinical_estimates import (
    EFACE_EXTRA_EXPRESSIONS,
    ESTIMATE_LABEL,
    MIN_MOVE_MM,
    SUNNYBROOK_EXPRESSIONS,
    TARGET,
    compute_estimates,
    eface_estimate,
    movement_ratio,
    sunnybrook_estimate,
)

__all__ = [
    "EFACE_EXTRA_EXPRESSIONS",
    "ESTIMATE_LABEL",
    "MIN_MOVE_MM",
    "SUNNYBROOK_EXPRESSIONS",
    "TARGET",
    "compute_estimates",
    "eface_estimate",
    "movement_ratio",
    "sunnybrook_estimate",
]
