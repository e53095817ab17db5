"""Sessions left ``recording`` by an app that died: found, then kept or discarded.

A session is interrupted when its status is still ``recording`` and its recorder is gone:
on this machine, its process no longer runs (or it is this process, which is not recording
it); otherwise (another workstation sharing a clinic database, or a reused process id) it
has not been touched for ``stale_after_s`` although a live recorder touches it every
``HEARTBEAT_S``. Keeping one marks it ``incomplete``
with the duration that was saved; everything committed before the crash stays readable.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass

from sqlalchemy import delete, select

from facetrainer.storage.database import Database
from facetrainer.storage.recorder import ACTIVE_SESSIONS
from facetrainer.storage.schema import EmgChunk, FrameChunk, Patient, Session, utc_now
from facetrainer.storage.session_data import session_counts


@dataclass(frozen=True)
class InterruptedSession:
    session_id: int
    patient_code: str
    started_at: dt.datetime
    duration_s: float  # as saved by the last flush
    emg_samples: int
    frames: int
    reps: int


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_stale(row: Session, stale_after_s: float) -> bool:
    """True when no recorder is writing this ``recording`` session any more."""
    if row.host == socket.gethostname():
        if row.pid == os.getpid():
            return row.id not in ACTIVE_SESSIONS  # e.g. a container reusing process ids
        if not _pid_alive(row.pid):
            return True
    # Another workstation, or a live process id that may have been reused: a recorder
    # touches its session every HEARTBEAT_S, so a long silence means it is gone.
    last = row.last_write_at or row.started_at
    if last.tzinfo is None:  # SQLite returns naive datetimes (stored as UTC)
        last = last.replace(tzinfo=dt.UTC)
    return (utc_now() - last).total_seconds() > stale_after_s


def find_interrupted_sessions(
    db: Database, stale_after_s: float = 30.0
) -> list[InterruptedSession]:
    """Sessions still marked ``recording`` whose recorder is gone."""
    with db.session() as s:
        rows = s.execute(
            select(Session, Patient.code)
            .join(Patient)
            .where(Session.status == "recording")
            .order_by(Session.started_at)
        ).all()
        found = [(r, code) for r, code in rows if _is_stale(r, stale_after_s)]
    out = []
    for r, code in found:
        c = session_counts(db, r.id)
        out.append(
            InterruptedSession(
                r.id,
                code,
                r.started_at,
                float(r.duration_s or 0.0),
                c["emg_samples"],
                c["frames"],
                c["reps"],
            )
        )
    return out


def keep_session(db: Database, session_id: int) -> None:
    """Mark an interrupted session ``incomplete``, ending at its last saved write."""
    with db.session() as s:
        row = s.get(Session, session_id)
        if row is None or row.status != "recording":
            return
        row.status = "incomplete"
        row.ended_at = row.last_write_at or row.started_at


def discard_session(db: Database, session_id: int) -> None:
    """Delete an interrupted session and everything recorded in it."""
    from facetrainer.storage.schema import EmgStream, Event, Rep

    with db.session() as s:
        row = s.get(Session, session_id)
        if row is None or row.status != "recording":
            return
        for table in (EmgChunk, EmgStream, FrameChunk, Rep, Event):
            s.execute(delete(table).where(table.session_id == session_id))
        s.delete(row)


def recover_incomplete_sessions(
    db: Database, keep: bool = True, stale_after_s: float = 30.0
) -> list[InterruptedSession]:
    """Keep (default) or discard every interrupted session; return what was found."""
    found = find_interrupted_sessions(db, stale_after_s)
    for item in found:
        (keep_session if keep else discard_session)(db, item.session_id)
    return found
