"""Markers: moments a patient or therapist flagged in a session, each with an optional note.

A marker is an ``events`` row of kind ``"marker"`` whose payload holds ``note`` (the
recorder writes them live: ``recorder.record_event("marker", note=...)``). Here they are
listed, added afterwards (while reviewing a session) and annotated; a note is replaced,
never the rest of the payload, and a marker is never deleted by editing its note.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from facetrainer.storage.database import Database, StorageError
from facetrainer.storage.schema import Event, Session

MARKER_KIND = "marker"
MAX_NOTE_CHARS = 2000
TIME_SLACK_S = 1.0  # a marker may sit a little past the saved duration (last flush)


@dataclass(frozen=True)
class Marker:
    event_id: int
    t_s: float
    note: str


def _note(note: str) -> str:
    note = str(note).strip()
    if len(note) > MAX_NOTE_CHARS:
        raise ValueError(f"marker note: {len(note)} characters; at most {MAX_NOTE_CHARS}")
    return note


def list_markers(db: Database, session_id: int) -> list[Marker]:
    """A session's markers in time order."""
    with db.session() as s:
        rows = s.scalars(
            select(Event)
            .where(Event.session_id == session_id, Event.kind == MARKER_KIND)
            .order_by(Event.t_s, Event.id)
        ).all()
        return [Marker(r.id, r.t_s, str((r.payload or {}).get("note", ""))) for r in rows]


def add_marker(db: Database, session_id: int, t_s: float, note: str = "") -> Marker:
    """Add a marker to a recorded session (e.g. while reviewing it).

    Raises :class:`StorageError` for an unknown session and ``ValueError`` naming the
    field for a time outside the session or a note that is too long.
    """
    note = _note(note)
    with db.session() as s:
        sess = s.get(Session, session_id)
        if sess is None:
            raise StorageError(f"unknown session {session_id}")
        end = max(sess.duration_s, 0.0) + TIME_SLACK_S
        if not (0.0 <= float(t_s) <= end):
            raise ValueError(f"marker t_s = {t_s:g}: outside session {session_id} (0-{end:g} s)")
        row = Event(session_id=session_id, t_s=float(t_s), kind=MARKER_KIND,
                    payload={"note": note, "added": "review"})
        s.add(row)
        s.flush()
        return Marker(row.id, row.t_s, note)


def set_marker_note(db: Database, event_id: int, note: str) -> Marker:
    """Replace a marker's note (the rest of its payload is kept)."""
    note = _note(note)
    with db.session() as s:
        row = s.get(Event, event_id)
        if row is None or row.kind != MARKER_KIND:
            raise StorageError(f"no marker with event id {event_id}")
        row.payload = {**(row.payload or {}), "note": note}
        return Marker(row.id, row.t_s, note)
