"""What a clinician reviews: the patient list, a patient's sessions, one session in full.

Headless; the clinician view (``gui/review/``) only draws these. A session's review holds
its raw EMG per source (the envelope is computed on request, with the same causal chain
the live view used, because a 30-minute recording takes about a second to filter), its
per-frame measures and activations, reps, events and markers, and answers "what was
happening at time t" for the replay cursor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import func, select

from facetrainer.storage.assessment import StoredAssessment, load_assessments
from facetrainer.storage.database import Database, StorageError
from facetrainer.storage.markers import Marker, list_markers
from facetrainer.storage.rep_clips import ClipInfo, list_clips
from facetrainer.storage.schema import (
    ACTIVATION_PHASE,
    FRAME_MEASURES_PREFIX,
    Event,
    Patient,
    Program,
    Rep,
    Session,
)
from facetrainer.storage.session_data import (
    EmgRecording,
    FrameMeasures,
    MissingRawDataError,
    emg_stream_indices,
    load_emg,
    load_events,
    load_frame_measures,
    load_reps,
)

RECENT_DAYS = 30
MEASURE_PREFIX = f"{FRAME_MEASURES_PREFIX}/metrics/"
ACTIVATION_PREFIX = "activation/"  # target_pct, watch_pct/<signal>, phase (the recorder's)
ACTIVATION_PHASE_NAME = ACTIVATION_PHASE.removeprefix(ACTIVATION_PREFIX)


def _aware(t: dt.datetime | None) -> dt.datetime | None:
    if t is None:
        return None
    return t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t


@dataclass(frozen=True)
class PatientRow:
    code: str
    cause: str
    affected_side: str
    last_session: dt.datetime | None
    sessions_recent: int  # in the last RECENT_DAYS days
    sessions_total: int


def patient_rows(db: Database, search: str = "", now: dt.datetime | None = None) -> list[PatientRow]:
    """Every patient with the last session and the count in the last 30 days.

    ``search`` keeps patients whose code, cause or affected side contains it (any case).
    """
    now = _aware(now) or dt.datetime.now(dt.UTC)
    since = now - dt.timedelta(days=RECENT_DAYS)
    needle = search.strip().lower()
    with db.session() as s:
        patients = s.scalars(select(Patient).order_by(Patient.code)).all()
        stats = {
            pid: (last, n)
            for pid, last, n in s.execute(
                select(Session.patient_id, func.max(Session.started_at), func.count(Session.id))
                .group_by(Session.patient_id)
            ).all()
        }
        starts = s.execute(select(Session.patient_id, Session.started_at)).all()
    recent: dict[int, int] = {}
    for pid, started in starts:
        if _aware(started) >= since:  # type: ignore[operator]
            recent[pid] = recent.get(pid, 0) + 1
    rows = []
    for p in patients:
        if needle and not any(needle in f.lower() for f in (p.code, p.cause, p.affected_side)):
            continue
        last, total = stats.get(p.id, (None, 0))
        rows.append(PatientRow(p.code, p.cause, p.affected_side, _aware(last),
                               recent.get(p.id, 0), int(total)))
    return rows


@dataclass(frozen=True)
class SessionRow:
    session_id: int
    started_at: dt.datetime
    kind: str
    status: str
    duration_s: float
    program: str
    reps: int
    mean_quality: float | None
    markers: int


def session_rows(db: Database, patient_code: str) -> list[SessionRow]:
    """A patient's sessions, newest first, with their rep count, quality and markers."""
    with db.session() as s:
        pid = s.scalar(select(Patient.id).where(Patient.code == patient_code))
        if pid is None:
            raise StorageError(f"unknown patient {patient_code!r}")
        sessions = s.scalars(
            select(Session).where(Session.patient_id == pid).order_by(Session.started_at.desc())
        ).all()
        ids = [r.id for r in sessions]
        reps = {sid: (n, q) for sid, n, q in s.execute(
            select(Rep.session_id, func.count(Rep.id), func.avg(Rep.quality))
            .where(Rep.session_id.in_(ids)).group_by(Rep.session_id)).all()}
        marks = dict(s.execute(
            select(Event.session_id, func.count(Event.id))
            .where(Event.session_id.in_(ids), Event.kind == "marker")
            .group_by(Event.session_id)).all())
        programs = {p.id: f"{p.name} (rev. {p.revision})" for p in s.scalars(
            select(Program).where(Program.id.in_({r.program_id for r in sessions if r.program_id}))
        ).all()}
        return [
            SessionRow(r.id, _aware(r.started_at) or r.started_at, r.kind, r.status,
                       float(r.duration_s), programs.get(r.program_id or -1, ""),
                       int(reps.get(r.id, (0, None))[0]),
                       None if reps.get(r.id, (0, None))[1] is None else float(reps[r.id][1]),
                       int(marks.get(r.id, 0)))
            for r in sessions
        ]


@dataclass
class SessionReview:
    """One session, loaded for review."""

    session_id: int
    patient_code: str
    started_at: dt.datetime
    kind: str
    status: str
    duration_s: float
    montage: dict[str, Any]
    emg: list[EmgRecording]
    frames: FrameMeasures
    reps: list[dict[str, Any]]
    events: list[dict[str, Any]]
    markers: list[Marker]
    clips: list[ClipInfo] = field(default_factory=list)  # best-rep clips of this session
    assessment: StoredAssessment | None = None  # the patient's visit nearest to the session
    _envelopes: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    def channel_labels(self, source_index: int = 0) -> list[str]:
        """Channel names as the montage placed them (``muscle/side``), else the device's."""
        rec = self.emg[source_index]
        labels = list(rec.channel_names)
        for key, value in (self.montage or {}).items():
            if str(key).isdigit() and int(key) < len(labels) and isinstance(value, str):
                labels[int(key)] = value
        return labels

    def series(self, prefix: str) -> dict[str, np.ndarray]:
        """Per-frame values whose stored name starts with ``prefix`` (prefix removed)."""
        return {k[len(prefix):]: v for k, v in self.frames.values.items() if k.startswith(prefix)}

    def envelope(self, source_index: int = 0) -> np.ndarray:
        """The envelope (µV) of a source's raw EMG, computed once (about 1 s for 30 min)."""
        if source_index not in self._envelopes:
            self._envelopes[source_index] = compute_review_envelope(self.emg[source_index])
        return self._envelopes[source_index]

    def values_at(self, t_s: float, prefix: str = MEASURE_PREFIX) -> dict[str, float]:
        """The frame nearest to ``t_s``: each series' value there (empty without frames)."""
        times = self.frames.times_s
        if times.size == 0:
            return {}
        i = int(np.clip(np.searchsorted(times, t_s), 0, times.size - 1))
        if i > 0 and abs(times[i - 1] - t_s) < abs(times[i] - t_s):
            i -= 1
        return {k: float(v[i]) for k, v in self.series(prefix).items()}

    def clip_at(self, t_s: float) -> tuple[ClipInfo, int] | None:
        """The stored clip of the rep at ``t_s`` and the frame showing that moment."""
        k = self.rep_at(t_s)
        if k is None:
            return None
        rep = self.reps[k]
        for clip in self.clips:
            if clip.exercise == rep["exercise"] and clip.rep_index == rep["rep_index"]:
                frame = int((t_s - rep["start_s"]) * clip.fps)
                return clip, int(np.clip(frame, 0, max(clip.n_frames - 1, 0)))
        return None

    def rep_at(self, t_s: float) -> int | None:
        """Index (in ``reps``) of the rep whose span holds ``t_s``."""
        return next((k for k, r in enumerate(self.reps) if r["start_s"] <= t_s <= r["end_s"]),
                    None)


def compute_review_envelope(rec: EmgRecording) -> np.ndarray:
    """The live chain's envelope of a whole recording (filters settled on its first second)."""
    from facetrainer.emg.envelope import EmgEnvelope
    from facetrainer.emg.processing import SETTLE_S, EmgProcessor

    data = np.asarray(rec.data_uv, dtype=np.float64)
    proc = EmgProcessor(rec.fs_hz, data.shape[0])
    n = min(data.shape[1], int(round(SETTLE_S * rec.fs_hz)))
    if n:
        proc.process(data[:, :n])
        proc.envelope = EmgEnvelope(proc.fs_hz, proc.n_channels, proc.settings.envelope)
    return proc.process(data)[1].astype(np.float32)


def load_session_review(db: Database, session_id: int) -> SessionReview:
    """Everything recorded for a session; a session without EMG or video still opens."""
    with db.session() as s:
        row = s.get(Session, session_id)
        if row is None:
            raise StorageError(f"unknown session {session_id}")
        code = s.scalar(select(Patient.code).where(Patient.id == row.patient_id)) or ""
        head = (row.started_at, row.kind, row.status, float(row.duration_s), dict(row.montage or {}))
    emg = []
    for index in emg_stream_indices(db, session_id):
        try:
            emg.append(load_emg(db, session_id, index))
        except MissingRawDataError:
            continue
    started = _aware(head[0]) or head[0]
    visits = load_assessments(db, code, with_images=False)
    nearest = min(visits, key=lambda a: abs((_aware(a.taken_at) or started) - started),
                  default=None)
    if nearest is not None:  # only the nearest visit's photos are read
        one = load_assessments(db, code, start=nearest.taken_at,
                               end=nearest.taken_at + dt.timedelta(microseconds=1))
        nearest = next((a for a in one if a.assessment_id == nearest.assessment_id), nearest)
    return SessionReview(
        session_id, code, started, head[1], head[2], head[3], head[4], emg,
        load_frame_measures(db, session_id), load_reps(db, session_id),
        load_events(db, session_id), list_markers(db, session_id),
        [c for c in list_clips(db, code) if c.session_id == session_id], nearest,
    )
