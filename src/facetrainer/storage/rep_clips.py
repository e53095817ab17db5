"""Video self-modelling: the patient's best repetition kept as a short clip with the session.

Seeing one's own best movement is a strong model for the next attempt. During practice
:class:`BestRepCollector` keeps the last seconds of processed frames (already downscaled)
and, for each scored rep, the frames from its start to its end when its quality beats the
best so far; at the end of a set the best rep of the exercise is stored
(:func:`save_clip`) as a sequence of JPEG frames: small (≈ 240 px wide, a few frames a
second) and readable without a video codec. The therapist can pin any stored rep as the
model (:func:`pin_clip`); :func:`model_clip` returns the pinned one, else the best.

The table is created by migration 2 (``storage/database.py``).
"""

from __future__ import annotations

import datetime as dt
import struct
import threading
from collections import deque
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, mapped_column

from facetrainer.capture.fit import fit_to_view
from facetrainer.storage.database import Database, StorageError
from facetrainer.storage.schema import Base, Patient, Session, utc_now

CLIP_WIDTH_PX = 240
JPEG_QUALITY = 70
BUFFER_S = 30.0  # frames kept for reps still being scored
CODEC = "jpeg-seq-1"  # u32 count, then per frame u32 length + JPEG bytes (little endian)


class RepClip(Base):
    """The frames of one repetition (the best of a set, or one the therapist pinned)."""

    __tablename__ = "rep_clips"
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    exercise: Mapped[str] = mapped_column(String(64))
    rep_index: Mapped[int] = mapped_column(Integer, default=0)
    quality: Mapped[float | None] = mapped_column(Float, nullable=True)
    fps: Mapped[float] = mapped_column(Float)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    n_frames: Mapped[int] = mapped_column(Integer)
    codec: Mapped[str] = mapped_column(String(32), default=CODEC)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


@dataclass(frozen=True)
class ClipInfo:
    id: int
    session_id: int
    exercise: str
    rep_index: int
    quality: float | None
    fps: float
    n_frames: int
    pinned: bool
    created_at: dt.datetime | None = None


def downscale(rgb: np.ndarray, width_px: int = CLIP_WIDTH_PX) -> np.ndarray:
    """The frame at ``width_px`` wide (aspect kept); smaller frames are kept as they are."""
    import cv2  # imported here: the table must be cheap to register (storage/__init__.py)

    h, w = rgb.shape[:2]
    size = fit_to_view((w, h), (width_px, h))
    if size is None:
        return np.ascontiguousarray(rgb)
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def encode_clip(frames: list[np.ndarray], quality: int = JPEG_QUALITY) -> bytes:
    """RGB frames (already downscaled) → the :data:`CODEC` byte string."""
    import cv2

    parts = [struct.pack("<I", len(frames))]
    for rgb in frames:
        ok, jpg = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                               [cv2.IMWRITE_JPEG_QUALITY, int(quality)])  # fmt: skip
        if not ok:
            raise ValueError(f"a clip frame of shape {rgb.shape} could not be JPEG-encoded")
        parts.append(struct.pack("<I", len(jpg)) + jpg.tobytes())
    return b"".join(parts)


def decode_clip(blob: bytes) -> list[np.ndarray]:
    """The :data:`CODEC` byte string → RGB frames; ValueError when it is damaged."""
    import cv2

    try:
        (n,) = struct.unpack_from("<I", blob, 0)
        pos, out = 4, []
        for _ in range(n):
            (size,) = struct.unpack_from("<I", blob, pos)
            jpg = np.frombuffer(blob, np.uint8, size, pos + 4)
            bgr = cv2.imdecode(jpg, cv2.IMREAD_COLOR)
            if bgr is None:
                raise ValueError("a frame is not a JPEG image")
            out.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            pos += 4 + size
        return out
    except (struct.error, ValueError) as exc:
        raise ValueError(f"the stored clip is damaged ({exc})") from None


def save_clip(
    db: Database,
    session_id: int,
    exercise: str,
    rep_index: int,
    quality: float | None,
    frames: list[np.ndarray],
    fps: float,
) -> int:
    """Store one rep's frames with its session; return the clip's id."""
    if not frames:
        raise ValueError(f"no frames for the {exercise} clip of rep {rep_index}")
    blob = encode_clip(frames)
    h, w = frames[0].shape[:2]
    with db.session() as s:
        row = RepClip(
            session_id=session_id, exercise=exercise, rep_index=int(rep_index),
            quality=quality, fps=float(fps), width=int(w), height=int(h),
            n_frames=len(frames), data=blob,
        )  # fmt: skip
        s.add(row)
        s.flush()
        return row.id


def _info(row: RepClip) -> ClipInfo:
    return ClipInfo(row.id, row.session_id, row.exercise, row.rep_index, row.quality,
                    row.fps, row.n_frames, bool(row.pinned), row.created_at)  # fmt: skip


def list_clips(db: Database, patient_code: str, exercise: str | None = None) -> list[ClipInfo]:
    """A patient's stored clips (of one exercise), newest first."""
    with db.session() as s:
        q = (
            select(RepClip)
            .join(Session, RepClip.session_id == Session.id)
            .join(Patient, Session.patient_id == Patient.id)
            .where(Patient.code == patient_code)
        )
        if exercise is not None:
            q = q.where(RepClip.exercise == exercise)
        return [_info(r) for r in s.scalars(q.order_by(RepClip.id.desc())).all()]


def model_clip(db: Database, patient_code: str, exercise: str) -> ClipInfo | None:
    """The clip to show as the model: the therapist's pinned one, else the best quality."""
    clips = list_clips(db, patient_code, exercise)
    pinned = [c for c in clips if c.pinned]
    if pinned:
        return pinned[0]
    scored = [c for c in clips if c.quality is not None]
    return max(scored, key=lambda c: (c.quality, c.id)) if scored else (clips[0] if clips else None)


def load_clip_frames(db: Database, clip_id: int) -> list[np.ndarray]:
    with db.session() as s:
        row = s.get(RepClip, clip_id)
        if row is None:
            raise StorageError(f"unknown clip id {clip_id}")
        if row.codec != CODEC:
            raise StorageError(f"clip {clip_id}: codec {row.codec!r} is not readable here")
        return decode_clip(row.data)


def pin_clip(db: Database, clip_id: int) -> None:
    """Make this clip the patient's model for its exercise (the other pins are removed)."""
    with db.session() as s:
        row = s.get(RepClip, clip_id)
        if row is None:
            raise StorageError(f"unknown clip id {clip_id}")
        patient_id = s.scalar(select(Session.patient_id).where(Session.id == row.session_id))
        same = s.scalars(
            select(RepClip)
            .join(Session, RepClip.session_id == Session.id)
            .where(Session.patient_id == patient_id, RepClip.exercise == row.exercise)
        ).all()
        for other in same:
            other.pinned = other.id == clip_id


class BestRepCollector:
    """Keeps recent downscaled frames and, per exercise, the frames of the best rep so far.

    ``add_frame`` may be called from the processing thread; ``on_rep`` from the GUI thread.
    Times are on the app clock (a frame's ``timestamp_s``; a rep's ``start_s``/``end_s``).
    """

    def __init__(self, width_px: int = CLIP_WIDTH_PX, buffer_s: float = BUFFER_S) -> None:
        self.width_px, self.buffer_s = width_px, buffer_s
        self._frames: deque[tuple[float, np.ndarray]] = deque()
        self._lock = threading.Lock()
        self.best: dict[str, tuple[float, int, list[np.ndarray], float]] = {}
        self._saved: set[str] = set()

    def add_frame(self, t_s: float, rgb: np.ndarray) -> None:
        small = downscale(rgb, self.width_px)
        with self._lock:
            self._frames.append((float(t_s), small))
            while self._frames and self._frames[0][0] < t_s - self.buffer_s:
                self._frames.popleft()

    def on_rep(self, exercise: str, rep: dict) -> bool:
        """Consider a scored rep; True when it became the exercise's best (has frames)."""
        values = (rep.get("quality"), rep.get("start_s"), rep.get("end_s"))
        if not all(isinstance(v, int | float) for v in values):
            return False
        quality, start, end = (float(v) for v in values)  # type: ignore[arg-type]
        if exercise in self.best and self.best[exercise][0] >= quality:
            return False
        with self._lock:
            frames = [(t, f) for t, f in self._frames if start <= t <= end]
        if len(frames) < 2:
            return False
        fps = (len(frames) - 1) / max(frames[-1][0] - frames[0][0], 1e-3)
        number = int(rep.get("number", 1)) - 1
        self.best[exercise] = (quality, number, [f for _, f in frames], fps)
        self._saved.discard(exercise)
        return True

    def unsaved(self, exercise: str) -> tuple[float, int, list[np.ndarray], float] | None:
        """The exercise's best rep (quality, rep index, frames, fps) if not stored yet."""
        return None if exercise in self._saved else self.best.get(exercise)

    def mark_saved(self, exercise: str) -> None:
        self._saved.add(exercise)
