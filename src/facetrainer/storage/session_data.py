"""Reading a recorded session back: raw EMG, per-frame measures, reps and events."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import func, select

from facetrainer.storage.database import Database, StorageError
from facetrainer.storage.emg_codec import EmgCodecError, decode_chunk
from facetrainer.storage.schema import (
    EmgChunk,
    EmgStream,
    Event,
    FrameChunk,
    Rep,
    RepRecord,
    Session,
)


class MissingRawDataError(StorageError):
    """A session has no raw EMG (never recorded, or lost); the message names the session."""


@dataclass
class EmgRecording:
    """Raw EMG of one source of one session."""

    data_uv: np.ndarray  # (n_channels, n) float32 µV
    times_s: np.ndarray  # (n,) seconds since the session's start
    fs_hz: float
    channel_names: tuple[str, ...]
    name: str = ""


@dataclass
class FrameMeasures:
    """Per-frame values: ``values[name]`` is aligned with ``times_s``."""

    times_s: np.ndarray
    values: dict[str, np.ndarray] = field(default_factory=dict)


def emg_stream_indices(db: Database, session_id: int) -> list[int]:
    with db.session() as s:
        rows = s.scalars(
            select(EmgStream.source_index).where(EmgStream.session_id == session_id)
        ).all()
        chunk_rows = s.scalars(
            select(EmgChunk.source_index).distinct().where(EmgChunk.session_id == session_id)
        ).all()
    return sorted(set(rows) | set(chunk_rows))


def load_emg(db: Database, session_id: int, source_index: int = 0) -> EmgRecording:
    """All raw EMG of a session's source, in recording order.

    Raises :class:`MissingRawDataError` when the session has none.
    """
    with db.session() as s:
        if s.get(Session, session_id) is None:
            raise StorageError(f"unknown session {session_id}")
        stream = s.scalar(
            select(EmgStream).where(
                EmgStream.session_id == session_id, EmgStream.source_index == source_index
            )
        )
        chunks = s.execute(
            select(
                EmgChunk.n_channels,
                EmgChunk.n_samples,
                EmgChunk.data,
                EmgChunk.times,
                EmgChunk.codec,
            )
            .where(EmgChunk.session_id == session_id, EmgChunk.source_index == source_index)
            .order_by(EmgChunk.seq, EmgChunk.id)
        ).all()
    if stream is None or not chunks:
        raise MissingRawDataError(
            f"session {session_id} has no raw EMG recorded for source {source_index}"
            + ("" if stream is not None else " (no EMG stream was described)")
        )
    datas, times = [], []
    for n_ch, n, blob, tblob, codec in chunks:
        try:
            a, t = decode_chunk(codec, bytes(blob), bytes(tblob), n_ch, n)
        except (EmgCodecError, ValueError) as exc:  # ValueError: a raw chunk of wrong size
            raise StorageError(f"session {session_id}: an EMG chunk is damaged ({exc})") from None
        datas.append(a)
        times.append(t)
    return EmgRecording(
        np.concatenate(datas, axis=1),
        np.concatenate(times),
        stream.fs_hz,
        tuple(stream.channel_names),
        stream.name,
    )


def load_frame_measures(db: Database, session_id: int) -> FrameMeasures:
    """Per-frame measures of a session (empty when it had no video)."""
    with db.session() as s:
        chunks = s.execute(
            select(FrameChunk.n_frames, FrameChunk.names, FrameChunk.data)
            .where(FrameChunk.session_id == session_id)
            .order_by(FrameChunk.seq, FrameChunk.id)
        ).all()
    if not chunks:
        return FrameMeasures(np.zeros(0))
    names = sorted({n for _, ns, _ in chunks for n in ns})
    total = sum(c[0] for c in chunks)
    out = np.full((total, len(names)), np.nan)
    times = np.empty(total)
    col = {n: i for i, n in enumerate(names)}
    r = 0
    for n, ns, blob in chunks:
        a = np.frombuffer(blob, dtype=np.float64).reshape(n, 1 + len(ns))
        times[r : r + n] = a[:, 0]
        for j, name in enumerate(ns):
            out[r : r + n, col[name]] = a[:, j + 1]
        r += n
    return FrameMeasures(times, {name: out[:, i] for i, name in enumerate(names)})


def load_reps(db: Database, session_id: int) -> list[dict]:
    with db.session() as s:
        reps = s.scalars(
            select(Rep).where(Rep.session_id == session_id).order_by(Rep.start_s, Rep.id)
        ).all()
        return [RepRecord.from_row(r).as_report_dict() for r in reps]


def load_events(db: Database, session_id: int) -> list[dict]:
    with db.session() as s:
        evs = s.scalars(
            select(Event).where(Event.session_id == session_id).order_by(Event.t_s, Event.id)
        ).all()
        return [{"t_s": e.t_s, "kind": e.kind, "payload": dict(e.payload or {})} for e in evs]


def session_counts(db: Database, session_id: int) -> dict[str, int]:
    """How much a session holds: EMG samples (all sources), frames, reps, events."""
    with db.session() as s:
        n_emg = s.scalar(
            select(func.coalesce(func.sum(EmgChunk.n_samples), 0)).where(
                EmgChunk.session_id == session_id
            )
        )
        n_frames = s.scalar(
            select(func.coalesce(func.sum(FrameChunk.n_frames), 0)).where(
                FrameChunk.session_id == session_id
            )
        )
        n_reps = s.scalar(select(func.count(Rep.id)).where(Rep.session_id == session_id))
        n_events = s.scalar(select(func.count(Event.id)).where(Event.session_id == session_id))
    return {
        "emg_samples": int(n_emg or 0),
        "frames": int(n_frames or 0),
        "reps": int(n_reps or 0),
        "events": int(n_events or 0),
    }
