"""Progress history for the GUI: per exercise and per measure, one point per session."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from facetrainer.reports.report_data import REGION_MEASURES, gather_report_data
from facetrainer.storage.database import Database

EXERCISE_METRICS = ("target", "spillover", "symmetry", "quality")


@dataclass
class ProgressHistory:
    """Aligned series: ``dates[i]`` is session ``session_ids[i]``; None where not measured.

    ``exercises[exercise][metric]`` (metric in :data:`EXERCISE_METRICS`),
    ``regions[region]`` (mean symmetry ratio), ``measures[measure][side]`` (mean mm per
    session, side ``left``/``right``), ``synkinesis[channel]`` (mean spillover).
    """

    patient: str
    dates: list[dt.datetime] = field(default_factory=list)
    session_ids: list[int] = field(default_factory=list)
    exercises: dict[str, dict[str, list[float | None]]] = field(default_factory=dict)
    regions: dict[str, list[float | None]] = field(default_factory=dict)
    measures: dict[str, dict[str, list[float | None]]] = field(default_factory=dict)
    synkinesis: dict[str, list[float | None]] = field(default_factory=dict)


def progress_history(
    db: Database, patient_code: str, start: dt.date | None = None, end: dt.date | None = None
) -> ProgressHistory:
    """A patient's progress over sessions (raises the report's errors for an unknown patient
    or an empty period)."""
    data = gather_report_data(db, patient_code, start, end)
    h = ProgressHistory(patient_code)
    sessions = data.sessions
    h.dates = [s.started_at for s in sessions]
    h.session_ids = [s.session_id for s in sessions]
    for ex in data.exercises:
        h.exercises[ex] = {
            m: [s.exercise_means.get(ex, {}).get(m) for s in sessions] for m in EXERCISE_METRICS
        }
    h.regions = {r: [s.region_symmetry.get(r) for s in sessions] for r in data.regions}
    h.synkinesis = {c: [s.synkinesis.get(c) for s in sessions] for c in data.synkinesis_channels}
    for measure in sorted(
        set(REGION_MEASURES.values()) | {"smile_angle_deg", "commissure_height_mm"}
    ):
        per_side: dict[str, list[float | None]] = {"left": [], "right": []}
        for s in sessions:
            for side in per_side:
                v = None
                if s.frames is not None:
                    arr = s.frames.values.get(f"measures/metrics/{measure}/{side}")
                    if arr is None:
                        arr = s.frames.values.get(f"measures/{measure}/{side}")
                    if arr is not None and np.isfinite(arr).any():
                        v = float(np.nanmean(arr))
                per_side[side].append(v)
        if any(v is not None for vs in per_side.values() for v in vs):
            h.measures[measure] = per_side
    return h
