"""Everything a clinician report shows, gathered from the database for a patient and period.

Per session: the per-rep scores with per-exercise means, the symmetry of each face region
(mean over the frames where a face was measured) and the synkinetic spillover per inhibited
channel; per visit: the assessment photos with their measures and the estimates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select

from facetrainer.storage.assessment import StoredAssessment, load_assessments
from facetrainer.storage.database import Database, StorageError
from facetrainer.storage.patients import get_patient
from facetrainer.storage.programs import ProgramSpec, program_from_dict
from facetrainer.storage.schema import EmgStream, Program, Session
from facetrainer.storage.session_data import (
    FrameMeasures,
    load_events,
    load_frame_measures,
    load_reps,
    session_counts,
)

Progress = Callable[[float, str], None]
"""Called with (fraction done 0..1, what is happening)."""

# Face region -> the per-side measure whose left/right ratio is its symmetry when the face
# stage gives no region symmetry of its own (ARCHITECTURE.md's region vocabulary).
REGION_MEASURES = {
    "brow": "brow_height_mm",
    "eye": "palpebral_fissure_mm",
    "mouth_corner": "commissure_excursion_mm",
    "upper_lip": "upper_lip_height_mm",
    "lower_lip": "lower_lip_height_mm",
}


class EmptyPeriodError(StorageError):
    """The patient has no session and no assessment in the period asked for."""


@dataclass
class SessionSummary:
    session_id: int
    started_at: dt.datetime
    status: str
    kind: str
    duration_s: float
    program: str
    reps: list[dict[str, Any]]
    events: list[dict[str, Any]]
    exercise_means: dict[str, dict[str, float]]  # exercise -> {n, target, symmetry, quality}
    region_symmetry: dict[str, float]  # region -> mean ratio (1 = symmetric)
    synkinesis: dict[str, float]  # inhibited channel -> mean spillover over reps
    counts: dict[str, int]
    emg_declared: bool  # the session had an EMG source
    frames: FrameMeasures | None = None
    setup: dict[str, Any] = field(default_factory=dict)  # sources, montage, calibration


@dataclass
class ReportData:
    patient: dict[str, Any]
    start: dt.date | None
    end: dt.date | None
    sessions: list[SessionSummary]
    assessments: list[StoredAssessment]
    programs: list[tuple[int, ProgramSpec]]
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def exercises(self) -> list[str]:
        return sorted({e for s in self.sessions for e in s.exercise_means})

    @property
    def regions(self) -> list[str]:
        return sorted({r for s in self.sessions for r in s.region_symmetry})

    @property
    def synkinesis_channels(self) -> list[str]:
        return sorted({c for s in self.sessions for c in s.synkinesis})


def _nanmean(x: Any) -> float | None:
    a = np.asarray([v for v in x if v is not None], dtype=np.float64)
    a = a[np.isfinite(a)]
    return float(a.mean()) if a.size else None


def region_symmetry(frames: FrameMeasures) -> dict[str, float]:
    """Mean symmetry per region over the frames (the face stage's own when recorded)."""
    out: dict[str, float] = {}
    for name, values in frames.values.items():
        if name.startswith("measures/symmetry/"):
            m = _nanmean(values)
            if m is not None:
                out[name.rsplit("/", 1)[1]] = m
    for region, measure in REGION_MEASURES.items():
        if region in out:
            continue
        left = right = None
        for prefix in ("measures/metrics/", "measures/"):
            left = frames.values.get(f"{prefix}{measure}/left")
            right = frames.values.get(f"{prefix}{measure}/right")
            if left is not None and right is not None:
                break
        if left is None or right is None:
            continue
        a, b = np.abs(left), np.abs(right)
        hi = np.maximum(a, b)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(hi > 0, np.minimum(a, b) / hi, np.nan)
        m = _nanmean(ratio)
        if m is not None:
            out[region] = m
    return out


def summarise_reps(
    reps: list[dict[str, Any]],
) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Per-exercise means and per-channel mean spillover of a session's reps."""
    by_ex: dict[str, list[dict[str, Any]]] = {}
    for r in reps:
        by_ex.setdefault(r["exercise"] or "unnamed", []).append(r)
    means: dict[str, dict[str, float]] = {}
    for ex, rs in by_ex.items():
        m: dict[str, float] = {"n": float(len(rs))}
        for key in ("target", "symmetry", "quality"):
            v = _nanmean(r.get(key) for r in rs)
            if v is not None:
                m[key] = v
        spill = _nanmean(v for r in rs for v in (r.get("spillover") or {}).values())
        if spill is not None:
            m["spillover"] = spill
        means[ex] = m
    channels: dict[str, list[float]] = {}
    for r in reps:
        for name, v in (r.get("spillover") or {}).items():
            if v is not None:
                channels.setdefault(name, []).append(v)
    synk = {name: float(np.mean(v)) for name, v in channels.items()}
    return means, synk


def _day_bounds(
    start: dt.date | None, end: dt.date | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    lo = dt.datetime.combine(start, dt.time(), dt.UTC) if start else None
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC) if end else None
    return lo, hi


def gather_report_data(
    db: Database,
    patient_code: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    progress: Progress | None = None,
    with_frames: bool = True,
) -> ReportData:
    """Collect a patient's sessions and assessments from ``start`` to ``end`` (inclusive days).

    Raises :class:`~facetrainer.storage.patients.UnknownPatientError` and
    :class:`EmptyPeriodError` with clear messages; ``recording`` (live or interrupted, not
    yet kept) sessions are left out.
    """
    if start and end and end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    patient = get_patient(db, patient_code)
    lo, hi = _day_bounds(start, end)
    with db.session() as s:
        q = select(Session).where(
            Session.patient_id == patient.id, Session.status.in_(("complete", "incomplete"))
        )
        if lo is not None:
            q = q.where(Session.started_at >= lo)
        if hi is not None:
            q = q.where(Session.started_at < hi)
        rows = list(s.scalars(q.order_by(Session.started_at, Session.id)).all())
        prog_ids = {r.program_id for r in rows if r.program_id is not None}
        prescribed = s.scalars(
            select(Program)
            .where(Program.patient_id == patient.id)
            .order_by(Program.created_at.desc())
        ).first()
        if prescribed is not None:
            prog_ids.add(prescribed.id)
        programs = {
            p.id: p for p in s.scalars(select(Program).where(Program.id.in_(prog_ids))).all()
        }
        streams = {
            sid
            for (sid,) in s.execute(
                select(EmgStream.session_id).where(EmgStream.session_id.in_([r.id for r in rows]))
            ).all()
        }
    assessments = load_assessments(db, patient_code, lo, hi)
    if not rows and not assessments:
        period = f"from {start or 'the beginning'} to {end or 'today'}"
        raise EmptyPeriodError(
            f"patient {patient_code!r} has no recorded session or "
            f"assessment {period}: no report written"
        )
    specs = []
    for pid, p in sorted(programs.items()):
        specs.append(
            (
                pid,
                program_from_dict(
                    p.body, origin=f"program {p.name!r} revision {p.revision} in the database"
                ),
            )
        )
    names = {pid: f"{spec.name} (rev. {spec.revision})" for pid, spec in specs}
    sessions = []
    for k, r in enumerate(rows):
        if progress:
            progress(0.6 * k / max(1, len(rows)), f"reading session {r.id}")
        reps = load_reps(db, r.id)
        frames = load_frame_measures(db, r.id)
        means, synk = summarise_reps(reps)
        sessions.append(
            SessionSummary(
                session_id=r.id,
                started_at=r.started_at,
                status=r.status,
                kind=r.kind,
                duration_s=float(r.duration_s or 0.0),
                program=names.get(r.program_id, "—") if r.program_id else "—",
                reps=reps,
                events=load_events(db, r.id),
                exercise_means=means,
                region_symmetry=region_symmetry(frames),
                synkinesis=synk,
                counts=session_counts(db, r.id),
                emg_declared=r.id in streams or bool((r.sources or {}).get("emg")),
                setup={
                    "sources": dict(r.sources or {}),
                    "montage": dict(r.montage or {}),
                    "calibration": dict(r.calibration or {}),
                },
                frames=frames if with_frames else None,
            )
        )
    info = {
        "code": patient.code,
        "affected_side": patient.affected_side,
        "cause": patient.cause,
        "onset_date": patient.onset_date.isoformat() if patient.onset_date else None,
        "notes": patient.notes,
    }
    return ReportData(info, start, end, sessions, assessments, specs)
