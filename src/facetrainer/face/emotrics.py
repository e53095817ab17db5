"""FaceTrainer's photo measures under Emotrics' names, so a clinic can compare the two.

Emotrics (Guarin et al. 2018) reports per photo, for each measure, Right, Left,
Deviation (absolute) and Deviation (percent). :func:`write_emotrics_csv` writes one row per
photo and measure with Emotrics' name and abbreviation next to FaceTrainer's measure name,
the subject's right and left values, and the deviations as FaceTrainer computes them:
absolute = |right − left|, percent = 100 · |right − left| / the larger absolute value
(Emotrics' own percent definition may differ; compare the absolute columns first).

Definitions differ in places (see each ``note``): the light reflex of MRD1/MRD2 is the
iris centre here; Emotrics reports commissure and lip heights as deviations between the
sides, FaceTrainer as heights below the inner-canthal line per side; dental show is not
measured.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facetrainer.atomic_files import atomic_open


@dataclass(frozen=True)
class EmotricsMeasure:
    emotrics_name: str  # as Emotrics spells it in its report
    abbreviation: str
    facetrainer_name: str  # "" when FaceTrainer does not measure it
    unit: str
    note: str = ""


EMOTRICS_MEASURES: tuple[EmotricsMeasure, ...] = (
    EmotricsMeasure("Brow Height", "BH", "brow_height_mm", "mm",
                    "iris centre to the upper brow contour"),
    EmotricsMeasure("Marginal Reflex Distance 1", "MRD1", "mrd1_mm", "mm",
                    "light reflex approximated by the iris centre"),
    EmotricsMeasure("Marginal Reflex Distance 2", "MRD2", "mrd2_mm", "mm",
                    "light reflex approximated by the iris centre"),
    EmotricsMeasure("Palpebral Fissure Height", "PFH", "palpebral_fissure_mm", "mm",
                    "lid margins refined from the image"),
    EmotricsMeasure("Commisure Excursion", "CE", "commissure_excursion_mm", "mm",
                    "mouth corner to the lower lip's midline point"),
    EmotricsMeasure("Commisure Height Deviation", "CH", "commissure_height_mm", "mm",
                    "per side: mouth corner below the inner-canthal line"),
    EmotricsMeasure("Smile Angle", "SA", "smile_angle_deg", "deg"),
    EmotricsMeasure("Upper Lip Height Deviation", "UVH", "upper_lip_height_mm", "mm",
                    "per side: upper lip below the inner-canthal line"),
    EmotricsMeasure("Dental Show", "DS", "", "mm", "not measured by FaceTrainer"),
    EmotricsMeasure("Lower Lip Height Deviation", "LVH", "lower_lip_height_mm", "mm",
                    "per side: lower lip below the inner-canthal line"),
)

COLUMNS = ("file", "emotrics_measure", "emotrics_abbreviation", "facetrainer_measure",
           "unit", "right", "left", "deviation_absolute", "deviation_percent", "note")


def _number(x: Any) -> float | None:
    return float(x) if isinstance(x, int | float) and math.isfinite(x) else None


def emotrics_rows(file: str, metrics: dict[str, dict[str, float | None]]) -> list[dict[str, Any]]:
    """One row per Emotrics measure for a photo's ``{measure: {"left", "right"}}``."""
    rows = []
    for m in EMOTRICS_MEASURES:
        lr = metrics.get(m.facetrainer_name) or {}
        right, left = _number(lr.get("right")), _number(lr.get("left"))
        dev = pct = None
        if right is not None and left is not None:
            dev = abs(right - left)
            top = max(abs(right), abs(left))
            pct = 100.0 * dev / top if top > 0 else 0.0
        rows.append({
            "file": file, "emotrics_measure": m.emotrics_name,
            "emotrics_abbreviation": m.abbreviation, "facetrainer_measure": m.facetrainer_name,
            "unit": m.unit, "right": right, "left": left, "deviation_absolute": dev,
            "deviation_percent": pct, "note": m.note,
        })
    return rows


def write_emotrics_csv(photos: Iterable[tuple[str, dict[str, dict[str, float | None]]]],
                       path: Path) -> None:
    """Write the Emotrics-named CSV (atomically) for ``(file, metrics)`` pairs."""
    with atomic_open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        for file, metrics in photos:
            for row in emotrics_rows(file, metrics):
                w.writerow({k: ("" if v is None else (f"{v:.4g}" if isinstance(v, float) else v))
                            for k, v in row.items()})
