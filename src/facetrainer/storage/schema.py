"""The tables FaceTrainer keeps (SQLAlchemy 2 ORM), the same on SQLite and PostgreSQL.

Bulk signals are stored in chunks, one row per writer flush (about a second): raw EMG as
float32 ``(n_channels, n)`` blobs with float64 sample times, per-frame measures as float64
``(n_frames, 1 + n_measures)`` blobs whose first column is the time. A chunk is
committed whole or not at all, so a killed app leaves every flushed second readable.
Times inside a session (``*_s``) are seconds since the session's start on the app clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class SchemaVersion(Base):
    """One row per applied migration; the highest ``version`` is the schema's version."""

    __tablename__ = "schema_version"
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    applied_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Patient(Base):
    """A patient under a pseudonymous code (no names: the clinic keeps the key)."""

    __tablename__ = "patients"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    affected_side: Mapped[str] = mapped_column(String(8))  # left | right | both | none
    cause: Mapped[str] = mapped_column(String(200), default="")
    onset_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    sessions: Mapped[list[Session]] = relationship(back_populates="patient")


class Program(Base):
    """A prescribed home program; each edit is a new ``revision`` of the same ``name``."""

    __tablename__ = "programs"
    # Unique per patient; shared programs (patient_id NULL) are kept unique by save_program,
    # as SQL unique constraints treat NULLs as distinct.
    __table_args__ = (UniqueConstraint("name", "revision", "patient_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"), nullable=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # the program file's content
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Session(Base):
    """One practice or assessment session. ``status``: recording, complete or incomplete."""

    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(16), default="practice")
    status: Mapped[str] = mapped_column(String(16), default="recording", index=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_write_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    host: Mapped[str] = mapped_column(String(255), default="")
    pid: Mapped[int] = mapped_column(Integer, default=0)
    sources: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    montage: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    calibration: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    patient: Mapped[Patient] = relationship(back_populates="sessions")


class EmgChunk(Base):
    """Raw EMG of one source over one flush: float32 µV (n_channels, n) + float64 times.

    ``codec`` says how ``data`` and ``times`` are stored (:mod:`facetrainer.storage.emg_codec`):
    0 plain bytes (schema ≤ 3), 1 byte-shuffled and zstd-compressed (lossless).
    """

    __tablename__ = "emg_chunks"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    source_index: Mapped[int] = mapped_column(Integer, default=0)
    seq: Mapped[int] = mapped_column(Integer)
    n_channels: Mapped[int] = mapped_column(Integer)
    n_samples: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    times: Mapped[bytes] = mapped_column(LargeBinary)
    codec: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class EmgStream(Base):
    """What one EMG source of a session delivers: rate and channel names."""

    __tablename__ = "emg_streams"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    source_index: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200), default="")
    fs_hz: Mapped[float] = mapped_column(Float)
    channel_names: Mapped[list[Any]] = mapped_column(JSON)


class FrameChunk(Base):
    """Per-frame measures over one flush: float64 (n_frames, 1 + len(names)), time first."""

    __tablename__ = "frame_chunks"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    n_frames: Mapped[int] = mapped_column(Integer)
    names: Mapped[list[Any]] = mapped_column(JSON)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Rep(Base):
    """One scored repetition (the exercise engine's per-rep score)."""

    __tablename__ = "reps"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    exercise: Mapped[str] = mapped_column(String(64))
    rep_index: Mapped[int] = mapped_column(Integer, default=0)
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    target: Mapped[float | None] = mapped_column(Float, nullable=True)
    symmetry: Mapped[float | None] = mapped_column(Float, nullable=True)
    quality: Mapped[float | None] = mapped_column(Float, nullable=True)
    spillover: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Event(Base):
    """An engine event or a user marker at ``t_s``."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    t_s: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Assessment(Base):
    """A standard photo assessment (one visit) with its Sunnybrook/eFACE-style estimates."""

    __tablename__ = "assessments"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    estimates: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[list[AssessmentPhoto]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="AssessmentPhoto.id"
    )


class AssessmentPhoto(Base):
    """One expression photo (PNG) with the measures computed from it."""

    __tablename__ = "assessment_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    expression: Mapped[str] = mapped_column(String(64))
    image_png: Mapped[bytes] = mapped_column(LargeBinary)
    measures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    assessment: Mapped[Assessment] = relationship(back_populates="photos")


# -- the stored rep and frame columns, declared once ---------------------------------------
# The recorder writes through these declarations and the reports read through them, so a
# column is named in one place (issue 10: names came from dataclasses.asdict reflection and
# were read back by string with a fallback shape).

QUALITY_SCALE = (0.0, 100.0)
"""A rep's quality is the engine's 0–100 score everywhere (engine, storage, CSV, PDF)."""

FRAME_TIME_COLUMN = "t_s"  # column 0 of a FrameChunk's array (not listed in its names)
FRAME_FACE_FOUND = "face_found"  # 1.0 / 0.0
FRAME_MEASURES_PREFIX = "measures"  # "measures/<field>/..." from the face-analysis stage
FRAME_ACTIVATION_PREFIX = "activation"  # "activation/<region>/<side>" from a frame stage
ACTIVATION_TARGET_PCT = "activation/target_pct"  # the target's activation, % of reference
ACTIVATION_WATCH_PREFIX = "activation/watch_pct"  # "activation/watch_pct/<signal>", %
ACTIVATION_PHASE = "activation/phase"  # PHASE_CODES of the engine's phase
PHASE_CODES = {"calibrating": 0.0, "rest": 1.0, "contract": 2.0, "hold": 3.0, "release": 4.0}


@dataclass(frozen=True)
class RepRecord:
    """One stored repetition: the ``reps`` table's columns, named once.

    ``target_pct``: mean activation over the hold in % of the reference (column
    ``target``); ``symmetry``: affected / healthy side (1 = alike); ``quality``: 0–100;
    ``spillover``: watched signal → % of its own reference; ``extra``: the engine's other
    per-rep figures (JSON), kept for a later look without a schema change.
    """

    exercise: str
    rep_index: int
    start_s: float  # session seconds
    end_s: float
    target_pct: float | None
    symmetry: float | None
    quality: float | None
    spillover: dict[str, float | None]
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        lo, hi = QUALITY_SCALE
        if self.quality is not None and not lo <= self.quality <= hi:
            raise ValueError(
                f"rep {self.exercise!r} #{self.rep_index}: quality {self.quality!r} is outside "
                f"{lo:g}–{hi:g}"
            )

    @classmethod
    def from_rep_score(
        cls, exercise: str, rep_index: int, rep: Any, t0_s: float = 0.0
    ) -> RepRecord:
        """From the engine's :class:`~facetrainer.exercises.scoring.RepScore` (app-clock
        times; ``t0_s`` is the session's start on that clock)."""
        doc = rep.to_json()
        extra = {
            k: v
            for k, v in doc.items()
            if k not in ("start_s", "end_s", "symmetry", "quality", "spillover", "number")
        }
        return cls(
            exercise,
            int(rep_index),
            float(rep.start_s) - t0_s,
            float(rep.end_s) - t0_s,
            _opt(rep.hold_mean_pct),
            _opt(rep.symmetry),
            _opt(rep.quality),
            {str(k): _opt(v) for k, v in rep.spillover.items()},
            extra,
        )

    @classmethod
    def from_row(cls, row: Rep) -> RepRecord:
        return cls(
            row.exercise,
            row.rep_index,
            row.start_s,
            row.end_s,
            row.target,
            row.symmetry,
            row.quality,
            dict(row.spillover or {}),
            dict(row.extra or {}),
        )

    def to_row(self, session_id: int) -> Rep:
        return Rep(
            session_id=session_id,
            exercise=self.exercise,
            rep_index=self.rep_index,
            start_s=self.start_s,
            end_s=self.end_s,
            target=self.target_pct,
            symmetry=self.symmetry,
            quality=self.quality,
            spillover=dict(self.spillover),
            extra=dict(self.extra),
        )

    def as_report_dict(self) -> dict[str, Any]:
        """What reports read (``load_reps``): the columns under their report names."""
        out: dict[str, Any] = {
            "exercise": self.exercise,
            "rep_index": self.rep_index,
            "start_s": self.start_s,
            "end_s": self.end_s,
            "target": self.target_pct,
            "symmetry": self.symmetry,
            "quality": self.quality,
            "spillover": dict(self.spillover),
        }
        if self.extra:
            out["extra"] = dict(self.extra)
        return out


def _opt(value: Any) -> float | None:
    if value is None:
        return None
    x = float(value)
    return x if x == x else None  # NaN is stored as NULL
