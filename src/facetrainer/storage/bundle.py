"""Session bundles: one file holding a patient's sessions of a period, for the therapist.

A bundle is what "Export for my therapist" writes at home and what the clinic imports
(:mod:`facetrainer.storage.bundle_import`): no network, one file the patient hands over.
It is a ZIP archive (stdlib, readable anywhere) of

- ``manifest.json`` -- ``facetrainer_bundle`` (the format version), the FaceTrainer
  version and database schema version that wrote it, the patient record, the period, the
  programs the sessions followed, each session's identity and a SHA-256 of every other
  member (a damaged bundle is refused whole rather than half-imported);
- ``sessions/NNNN/session.json`` -- the session's row and the rows of every table that
  belongs to a session (reps, events, EMG streams and chunks, frame measures, and any
  table a later FaceTrainer adds with a ``session_id``, such as best-rep clips);
- ``sessions/NNNN/<table>.<column>.bin`` -- the binary columns of those rows (raw EMG,
  frame measures, clips) concatenated, each row naming its ``[offset, length]``;
- ``assessments/NNNN.json`` and ``.bin`` -- the photo assessments of the period.

A session is identified across databases by its patient code, start time (UTC, to the
microsecond), host and process id: two databases never invent the same four, and an
imported session keeps them, so importing a bundle twice changes nothing.
The file is written through :mod:`facetrainer.atomic_files` (a temporary name, synced,
then renamed: never a half-written bundle under the final name) and is private to the
user (0600): it holds patient data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, LargeBinary, Table, select

import facetrainer
import facetrainer.storage.rep_clips  # noqa: F401 - registers its table (best-rep clips)
from facetrainer.atomic_files import atomic_open, describe_os_error
from facetrainer.storage.database import SCHEMA_VERSION, Database, StorageError
from facetrainer.storage.schema import (
    Assessment,
    AssessmentPhoto,
    Base,
    Patient,
    Program,
    Session,
)

BUNDLE_FORMAT_VERSION = 1
FORMAT_KEY = "facetrainer_bundle"
MANIFEST = "manifest.json"
BUNDLE_SUFFIX = ".ftbundle"
# Columns that are local row ids or links rebuilt on import, never copied as such.
PROBE_BYTES = 256 * 1024
STORE_ABOVE_RATIO = 0.85
LOCAL_COLUMNS = frozenset({"id", "session_id", "patient_id", "program_id", "assessment_id"})
SESSIONS_TABLE = Base.metadata.tables[Session.__tablename__]
PHOTOS_TABLE = Base.metadata.tables[AssessmentPhoto.__tablename__]


class BundleError(StorageError):
    """A bundle cannot be written or read; the message names the file and the reason."""


def session_tables() -> list[Table]:
    """Every table whose rows belong to one session (found from the schema, in FK order)."""
    return [
        t
        for t in Base.metadata.sorted_tables
        if "session_id" in t.c and t.name != Session.__tablename__
    ]


def as_utc(value: dt.datetime) -> dt.datetime:
    """A stored time as aware UTC (SQLite hands back naive UTC times)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def session_key(patient_code: str, started_at: dt.datetime, host: str, pid: int) -> str:
    """The identity of a session across databases (see the module docstring)."""
    return f"{patient_code}|{as_utc(started_at).isoformat(timespec='microseconds')}|{host}|{pid}"


def encode_value(value: Any) -> Any:
    """A column value as JSON (times as ISO text)."""
    if isinstance(value, dt.datetime):
        return as_utc(value).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def decode_value(column_type: Any, value: Any, where: str) -> Any:
    """The inverse of :func:`encode_value` for a column of ``column_type``."""
    if value is None:
        return None
    try:
        if isinstance(column_type, DateTime):
            return as_utc(dt.datetime.fromisoformat(value))
        if isinstance(column_type, Date):
            return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise BundleError(f"{where} = {value!r}: not an ISO date/time") from None
    return value


@dataclass
class TableDump:
    """Rows of one table in a bundle: plain columns inline, binary columns in members."""

    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    blobs: dict[str, bytearray] = field(default_factory=dict)

    def to_json(self, member_prefix: str, table: str) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "rows": self.rows,
            "blobs": {c: f"{member_prefix}{table}.{c}.bin" for c in self.blobs},
        }


def dump_rows(table: Table, rows: Iterable[Any]) -> TableDump:
    """Copy rows, leaving out local ids; binary columns become ``[offset, length]``."""
    cols = [c for c in table.c if c.name not in LOCAL_COLUMNS]
    dump = TableDump([c.name for c in cols])
    binary = {c.name for c in cols if isinstance(c.type, LargeBinary)}
    dump.blobs = {name: bytearray() for name in binary}
    for row in rows:
        out = []
        for c in cols:
            v = row._mapping[c.name]
            if c.name in binary and v is not None:
                buf = dump.blobs[c.name]
                out.append([len(buf), len(v)])
                buf.extend(v)
            else:
                out.append(encode_value(v))
        dump.rows.append(out)
    return dump


@dataclass
class ExportSummary:
    """What a bundle holds, said back to the user after writing it."""

    path: Path
    patient_code: str
    sessions: int = 0
    skipped_recording: int = 0
    assessments: int = 0
    programs: int = 0
    size_bytes: int = 0

    def describe(self) -> str:
        text = (
            f"{self.path}: {self.sessions} session(s), {self.assessments} assessment(s), "
            f"{self.programs} program(s) of patient {self.patient_code} "
            f"({self.size_bytes / 1e6:.1f} MB)"
        )
        if self.skipped_recording:
            text += (
                f"; {self.skipped_recording} session(s) still recording were left out "
                "(finish them, or run 'facetrainer data recover')"
            )
        return text


def _in_period(t: dt.datetime, since: dt.date | None, until: dt.date | None) -> bool:
    day = as_utc(t).date()
    return (since is None or day >= since) and (until is None or day <= until)


def _program_json(p: Program) -> dict[str, Any]:
    return {
        "name": p.name,
        "revision": p.revision,
        "patient_owned": p.patient_id is not None,
        "body": p.body,
        "created_at": encode_value(p.created_at),
    }


def build_bundle(
    db: Database,
    patient_code: str,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> tuple[dict[str, bytes], ExportSummary]:
    """Collect a bundle's members (name -> bytes) for one patient and period (inclusive)."""
    members: dict[str, bytes] = {}
    summary = ExportSummary(Path(), patient_code)
    with db.session() as s:
        patient = s.scalar(select(Patient).where(Patient.code == patient_code))
        if patient is None:
            raise BundleError(f"unknown patient {patient_code!r} in {db.description}")
        rows = s.scalars(
            select(Session).where(Session.patient_id == patient.id).order_by(Session.started_at)
        ).all()
        picked = [r for r in rows if _in_period(r.started_at, since, until)]
        summary.skipped_recording = sum(r.status == "recording" for r in picked)
        picked = [r for r in picked if r.status != "recording"]
        program_ids = sorted({r.program_id for r in picked if r.program_id is not None})
        programs = {pid: s.get_one(Program, pid) for pid in program_ids}
        session_table = SESSIONS_TABLE
        manifest_sessions = []
        for k, sess in enumerate(picked, start=1):
            prefix = f"sessions/{k:04d}/"
            row = s.execute(select(session_table).where(session_table.c.id == sess.id)).one()
            session_dump = dump_rows(session_table, [row])
            body: dict[str, Any] = {
                "session": session_dump.to_json(prefix, "sessions"),
                "program": program_ids.index(sess.program_id)
                if sess.program_id is not None
                else None,
                "tables": {},
            }
            for col, blob in session_dump.blobs.items():
                members[f"{prefix}sessions.{col}.bin"] = bytes(blob)
            for table in session_tables():
                order = [table.c[c] for c in ("seq", "t_s", "start_s") if c in table.c]
                found = s.execute(
                    select(table).where(table.c.session_id == sess.id).order_by(*order, table.c.id)
                ).all()
                dump = dump_rows(table, found)
                body["tables"][table.name] = dump.to_json(prefix, table.name)
                for col, blob in dump.blobs.items():
                    members[f"{prefix}{table.name}.{col}.bin"] = bytes(blob)
            members[prefix + "session.json"] = json.dumps(body).encode()
            manifest_sessions.append(
                {
                    "key": session_key(patient_code, sess.started_at, sess.host, sess.pid),
                    "member": prefix + "session.json",
                    "started_at": encode_value(sess.started_at),
                    "kind": sess.kind,
                    "status": sess.status,
                }
            )
        assessments = s.scalars(
            select(Assessment)
            .where(Assessment.patient_id == patient.id)
            .order_by(Assessment.taken_at)
        ).all()
        manifest_assessments = []
        photos = PHOTOS_TABLE
        for k, a in enumerate(
            [a for a in assessments if _in_period(a.taken_at, since, until)], start=1
        ):
            name = f"assessments/{k:04d}"
            found = s.execute(
                select(photos).where(photos.c.assessment_id == a.id).order_by(photos.c.id)
            ).all()
            dump = dump_rows(photos, found)
            members[name + ".json"] = json.dumps(
                {
                    "taken_at": encode_value(a.taken_at),
                    "estimates": a.estimates,
                    "notes": a.notes,
                    "photos": dump.to_json(name + ".", "assessment_photos"),
                }
            ).encode()
            for col, blob in dump.blobs.items():
                members[f"{name}.assessment_photos.{col}.bin"] = bytes(blob)
            manifest_assessments.append(
                {"taken_at": encode_value(a.taken_at), "member": name + ".json"}
            )
        manifest = {
            FORMAT_KEY: BUNDLE_FORMAT_VERSION,
            "program_version": facetrainer.__version__,
            "schema_version": SCHEMA_VERSION,
            "created_at": encode_value(dt.datetime.now(dt.UTC)),
            "patient": {
                "code": patient.code,
                "affected_side": patient.affected_side,
                "cause": patient.cause,
                "onset_date": encode_value(patient.onset_date),
                "notes": patient.notes,
            },
            "period": {"since": encode_value(since), "until": encode_value(until)},
            "programs": [_program_json(programs[pid]) for pid in program_ids],
            "sessions": manifest_sessions,
            "assessments": manifest_assessments,
            "checksums": {n: hashlib.sha256(b).hexdigest() for n, b in sorted(members.items())},
        }
    members[MANIFEST] = json.dumps(manifest, indent=1).encode()
    summary.sessions = len(manifest_sessions)
    summary.assessments = len(manifest_assessments)
    summary.programs = len(program_ids)
    return members, summary


def member_compression(data: bytes) -> int:
    """Deflate what shrinks (JSON, sample times, clips' headers); store what does not.

    Raw EMG is mostly noise in its low bits: deflating it saves a few percent at the cost of
    most of the export time, so a member whose first 256 kB do not shrink below
    ``STORE_ABOVE_RATIO`` is stored as is (decided per member; real ADC data may differ).
    """
    probe = data[:PROBE_BYTES]
    if len(probe) < 1024:
        return zipfile.ZIP_DEFLATED
    ratio = len(zlib.compress(probe, 1)) / len(probe)
    return zipfile.ZIP_STORED if ratio > STORE_ABOVE_RATIO else zipfile.ZIP_DEFLATED


def export_bundle(
    db: Database,
    patient_code: str,
    path: Path | str,
    since: dt.date | None = None,
    until: dt.date | None = None,
    overwrite: bool = False,
) -> ExportSummary:
    """Write one patient's sessions and assessments of a period into a bundle file.

    Parameters
    ----------
    db : Database
    patient_code : str
    path : path
        The bundle to write (``.ftbundle`` by convention); an existing file is refused
        unless ``overwrite``.
    since, until : datetime.date, optional
        The period, inclusive, by the sessions' start (UTC date); open-ended when None.
        Sessions still recording are left out and counted in the summary.

    Raises
    ------
    BundleError
        Unknown patient, existing file, or a write failure (nothing is left behind).
    """
    path = Path(path)
    if since is not None and until is not None and since > until:
        raise BundleError(f"period: since {since} is after until {until}")
    if path.exists() and not overwrite:
        raise BundleError(f"{path} exists: not overwritten (choose another name)")
    members, summary = build_bundle(db, patient_code, since, until)

    try:
        with atomic_open(path, "wb") as f, zipfile.ZipFile(
            f, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1
        ) as z:
            z.writestr(MANIFEST, members.pop(MANIFEST))
            for name, data in members.items():
                z.writestr(name, data, compress_type=member_compression(data))
    except OSError as exc:
        raise BundleError(f"cannot write bundle {path}: {describe_os_error(exc)}") from exc
    summary.path = path
    summary.size_bytes = path.stat().st_size
    return summary
