"""Importing a session bundle (:mod:`facetrainer.storage.bundle`) into another database.

The whole bundle is read and checked first -- format version, every member's SHA-256,
every table and column known to this FaceTrainer -- and only then written, in one
transaction: a bundle from a newer FaceTrainer or a damaged one is refused and nothing is
imported. Sessions already present (same patient code, start time, host and process id)
are skipped, so importing the same bundle twice changes nothing. The patient is created
when the database does not know the code; an existing patient's record is never
overwritten (a difference is reported instead). Programs are matched by name, revision
and owner: the same content is reused, a new one is stored, a conflicting one (same name
and revision, other content) is not stored and the sessions keep no program link.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, LargeBinary, Table, select
from sqlalchemy.exc import SQLAlchemyError

from facetrainer.storage.bundle import (
    BUNDLE_FORMAT_VERSION,
    FORMAT_KEY,
    LOCAL_COLUMNS,
    MANIFEST,
    PHOTOS_TABLE,
    SESSIONS_TABLE,
    BundleError,
    as_utc,
    decode_value,
    session_key,
    session_tables,
)
from facetrainer.storage.database import Database, explain_db_error
from facetrainer.storage.patients import validate_patient_fields
from facetrainer.storage.schema import (
    Assessment,
    AssessmentPhoto,
    Patient,
    Program,
    Session,
)


@dataclass
class ImportSummary:
    """What an import added (and what it left alone, with why)."""

    path: Path
    patient_code: str
    patient_created: bool = False
    sessions_added: int = 0
    sessions_present: int = 0
    assessments_added: int = 0
    assessments_present: int = 0
    programs_added: int = 0
    emg_samples: int = 0
    frames: int = 0
    reps: int = 0
    events: int = 0
    clips: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.patient_created
            or self.sessions_added
            or self.assessments_added
            or self.programs_added
        )

    def describe(self) -> str:
        """A few lines for the user: what was added and what was already there."""
        lines = [
            f"Bundle {self.path.name} for patient {self.patient_code}"
            + (" (new patient)" if self.patient_created else "")
        ]
        lines.append(
            f"added {self.sessions_added} session(s) ({self.reps} reps, {self.events} events, "
            f"{self.emg_samples} EMG samples, {self.frames} frames, {self.clips} best-rep clips), "
            f"{self.assessments_added} assessment(s), {self.programs_added} program(s)"
        )
        if self.sessions_present or self.assessments_present:
            lines.append(
                f"already present, left unchanged: {self.sessions_present} session(s), "
                f"{self.assessments_present} assessment(s)"
            )
        if not self.changed:
            lines.append("nothing new: the database already holds everything in this bundle")
        lines.extend(self.notes)
        return "\n".join(lines)


class BundleReader:
    """A bundle opened and verified: members read only after their checksum matched."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._members: dict[str, bytes] = {}
        try:
            with zipfile.ZipFile(self.path) as z:
                names = set(z.namelist())
                if MANIFEST not in names:
                    raise BundleError(f"{self.path}: no {MANIFEST}: not a FaceTrainer bundle")
                for name in names:
                    self._members[name] = z.read(name)
        except OSError as exc:
            raise BundleError(f"cannot read bundle {self.path}: {exc.strerror or exc}") from exc
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
            raise BundleError(
                f"{self.path} is damaged or not a FaceTrainer bundle ({exc}); nothing imported"
            ) from None
        self.manifest = self._json(MANIFEST)
        self._check_version()
        sums = self.manifest.get("checksums")
        if not isinstance(sums, dict):
            raise self.error("manifest field 'checksums' is missing")
        for name, digest in sums.items():
            data = self._members.get(name)
            if data is None:
                raise self.error(f"member {name} is missing")
            if hashlib.sha256(data).hexdigest() != digest:
                raise self.error(f"member {name} does not match its checksum (damaged)")
        self._verified = set(sums) | {MANIFEST}

    def error(self, reason: str) -> BundleError:
        return BundleError(f"bundle {self.path}: {reason}; nothing imported")

    def _json(self, name: str) -> Any:
        try:
            return json.loads(self._members[name].decode("utf-8"))
        except KeyError:
            raise self.error(f"member {name} is missing") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise self.error(f"member {name} is not valid JSON ({exc})") from None
        except RecursionError:
            raise self.error(f"member {name} nests too deeply to read") from None

    def _check_version(self) -> None:
        m = self.manifest
        if not isinstance(m, dict) or FORMAT_KEY not in m:
            raise self.error(f"manifest has no {FORMAT_KEY!r}: not a FaceTrainer bundle")
        version = m[FORMAT_KEY]
        if not isinstance(version, int) or version < 1:
            raise self.error(f"{FORMAT_KEY} = {version!r}: must be a positive integer")
        if version > BUNDLE_FORMAT_VERSION:
            raise self.error(
                f"{FORMAT_KEY} = {version}: written by a newer FaceTrainer "
                f"({m.get('program_version', '?')}); this version reads bundles up to "
                f"format {BUNDLE_FORMAT_VERSION}: update FaceTrainer"
            )

    def member_json(self, name: str) -> Any:
        if name not in self._verified:
            raise self.error(f"member {name} is not listed in the manifest's checksums")
        return self._json(name)

    def blob(self, name: str) -> bytes:
        if name not in self._verified:
            raise self.error(f"member {name} is not listed in the manifest's checksums")
        return self._members[name]


def describe_bundle(path: Path | str) -> str:
    """What a bundle holds, read and verified without importing (for a confirmation)."""
    reader = BundleReader(path)
    m = reader.manifest
    patient = m.get("patient") or {}
    period = m.get("period") or {}
    since, until = period.get("since") or "the first session", period.get("until") or "the last"
    return (
        f"Bundle of patient {patient.get('code', '?')} (affected side "
        f"{patient.get('affected_side', '?')}), {since} to {until}: "
        f"{len(m.get('sessions', []))} session(s), {len(m.get('assessments', []))} "
        f"assessment(s), {len(m.get('programs', []))} program(s); written "
        f"{str(m.get('created_at', '?'))[:16].replace('T', ' ')} UTC by FaceTrainer "
        f"{m.get('program_version', '?')}."
    )


def load_rows(reader: BundleReader, table: Table, dump: Any, where: str) -> list[dict[str, Any]]:
    """A table dump back to insertable rows; unknown columns or bad offsets are refused."""
    if not isinstance(dump, dict) or not isinstance(dump.get("columns"), list):
        raise reader.error(f"{where}: no column list")
    cols = dump["columns"]
    unknown = [c for c in cols if c not in table.c or c in LOCAL_COLUMNS]
    if unknown:
        raise reader.error(
            f"{where}: column(s) {unknown} unknown to this FaceTrainer's table {table.name}"
        )
    blobs = {c: reader.blob(m) for c, m in dump.get("blobs", {}).items()}
    out = []
    for k, raw in enumerate(dump.get("rows", [])):
        if not isinstance(raw, list) or len(raw) != len(cols):
            raise reader.error(f"{where}.rows[{k}]: expected {len(cols)} values")
        row = {}
        for c, v in zip(cols, raw, strict=True):
            ctype = table.c[c].type
            if isinstance(ctype, LargeBinary) and v is not None:
                buf = blobs.get(c)
                ok = isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) for x in v)
                if buf is None or not ok or v[0] < 0 or v[1] < 0 or v[0] + v[1] > len(buf):
                    raise reader.error(f"{where}.rows[{k}].{c}: bad binary reference {v!r}")
                row[c] = buf[v[0] : v[0] + v[1]]
            else:
                row[c] = decode_value(ctype, v, f"{where}.rows[{k}].{c}")
        out.append(row)
    return out


@dataclass
class _PlannedSession:
    key: str
    row: dict[str, Any]
    program: int | None
    tables: dict[str, list[dict[str, Any]]]


def read_bundle(reader: BundleReader) -> tuple[list[_PlannedSession], list[dict[str, Any]]]:
    """Every session and assessment of a bundle, decoded and checked (nothing written)."""
    known = {t.name: t for t in session_tables()}
    sessions = []
    for k, entry in enumerate(reader.manifest.get("sessions", [])):
        where = f"sessions[{k}]"
        if not isinstance(entry, dict) or "member" not in entry or "key" not in entry:
            raise reader.error(f"manifest {where}: needs 'key' and 'member'")
        body = reader.member_json(entry["member"])
        rows = load_rows(reader, SESSIONS_TABLE, body.get("session"), f"{where}.session")
        if len(rows) != 1:
            raise reader.error(f"{where}.session: expected one row, found {len(rows)}")
        tables = {}
        for name, dump in body.get("tables", {}).items():
            if name not in known:
                raise reader.error(
                    f"{where}: table {name!r} unknown to this FaceTrainer (a newer version?)"
                )
            tables[name] = load_rows(reader, known[name], dump, f"{where}.{name}")
        sessions.append(_PlannedSession(entry["key"], rows[0], body.get("program"), tables))
    assessments = []
    for k, entry in enumerate(reader.manifest.get("assessments", [])):
        where = f"assessments[{k}]"
        body = reader.member_json(entry.get("member", ""))
        photos = load_rows(
            reader, PHOTOS_TABLE, body.get("photos"), f"{where}.photos"
        )
        taken_at = decode_value(Assessment.__table__.c.taken_at.type, body.get("taken_at"), where)
        assessments.append(
            {
                "taken_at": taken_at,
                "estimates": body.get("estimates") or {},
                "notes": str(body.get("notes", "")),
                "photos": photos,
            }
        )
    return sessions, assessments


def _patient(s: Any, info: dict[str, Any], summary: ImportSummary) -> Patient:
    code = str(info.get("code", ""))
    p = s.scalar(select(Patient).where(Patient.code == code))
    if p is not None:
        for f in ("affected_side", "cause"):
            if info.get(f) is not None and getattr(p, f) != info.get(f):
                summary.notes.append(
                    f"patient {code}: the bundle says {f} = {info.get(f)!r}, this database "
                    f"{getattr(p, f)!r}; the database's record is kept"
                )
        return p
    onset = validate_patient_fields(code, str(info.get("affected_side")), info.get("onset_date"))
    p = Patient(
        code=code,
        affected_side=str(info.get("affected_side")),
        cause=str(info.get("cause", "")),
        onset_date=onset,
        notes=str(info.get("notes", "")),
    )
    s.add(p)
    s.flush()
    summary.patient_created = True
    return p


def _program_id(s: Any, info: dict[str, Any], patient: Patient, summary: ImportSummary) -> int | None:
    owner_id = patient.id if info.get("patient_owned") else None
    owner = Program.patient_id.is_(None) if owner_id is None else Program.patient_id == owner_id
    old = s.scalar(
        select(Program).where(
            Program.name == info["name"], Program.revision == info["revision"], owner
        )
    )
    if old is not None:
        if old.body == info["body"]:
            return int(old.id)
        summary.notes.append(
            f"program {info['name']!r} revision {info['revision']} differs from the one in "
            "this database: not imported; its sessions are imported without a program link"
        )
        return None
    row = Program(
        name=info["name"], revision=info["revision"], body=info["body"], patient_id=owner_id
    )
    s.add(row)
    s.flush()
    summary.programs_added += 1
    return int(row.id)


def import_bundle(db: Database, path: Path | str) -> ImportSummary:
    """Merge a bundle into ``db``; return what was added.

    Raises
    ------
    BundleError
        Newer format, damaged or not a bundle, or a field this version does not know;
        nothing is imported then.
    """
    reader = BundleReader(path)
    manifest = reader.manifest
    info = manifest.get("patient")
    if not isinstance(info, dict) or not info.get("code"):
        raise reader.error("manifest field 'patient.code' is missing")
    programs = manifest.get("programs", [])
    for k, prog in enumerate(programs):
        if not isinstance(prog, dict) or not {"name", "revision", "body"} <= set(prog):
            raise reader.error(f"manifest programs[{k}]: needs name, revision and body")
    planned, assessments = read_bundle(reader)
    summary = ImportSummary(reader.path, str(info["code"]))
    try:
        with db.session() as s:
            patient = _patient(s, info, summary)
            present = {
                session_key(patient.code, started, host, pid)
                for started, host, pid in s.execute(
                    select(Session.started_at, Session.host, Session.pid).where(
                        Session.patient_id == patient.id
                    )
                ).all()
            }
            program_ids: dict[int, int | None] = {}
            tables = {t.name: t for t in session_tables()}
            for plan in planned:
                row = plan.row
                key = session_key(patient.code, row["started_at"], row["host"], row["pid"])
                if key in present:
                    summary.sessions_present += 1
                    continue
                present.add(key)
                program_id = None
                if isinstance(plan.program, int) and 0 <= plan.program < len(programs):
                    if plan.program not in program_ids:
                        program_ids[plan.program] = _program_id(
                            s, programs[plan.program], patient, summary
                        )
                    program_id = program_ids[plan.program]
                inserted = s.execute(
                    SESSIONS_TABLE.insert().values(
                        **row, patient_id=patient.id, program_id=program_id
                    )
                )
                sid = cast(CursorResult, inserted).inserted_primary_key[0]  # type: ignore[index]
                for name, rows in plan.tables.items():
                    if rows:
                        s.execute(tables[name].insert(), [{**r, "session_id": sid} for r in rows])
                summary.sessions_added += 1
                counts = plan.tables
                summary.reps += len(counts.get("reps", []))
                summary.events += len(counts.get("events", []))
                summary.emg_samples += sum(r["n_samples"] for r in counts.get("emg_chunks", []))
                summary.frames += sum(r["n_frames"] for r in counts.get("frame_chunks", []))
                summary.clips += len(counts.get("rep_clips", []))
            taken = {
                as_utc(t)
                for t in s.scalars(
                    select(Assessment.taken_at).where(Assessment.patient_id == patient.id)
                ).all()
            }
            for a in assessments:
                if a["taken_at"] in taken:
                    summary.assessments_present += 1
                    continue
                new = Assessment(
                    patient_id=patient.id,
                    taken_at=a["taken_at"],
                    estimates=a["estimates"],
                    notes=a["notes"],
                )
                new.photos = [AssessmentPhoto(**p) for p in a["photos"]]
                s.add(new)
                summary.assessments_added += 1
    except ValueError as exc:
        raise reader.error(str(exc)) from None
    except SQLAlchemyError as exc:  # e.g. a row the schema cannot take: the transaction is undone
        raise reader.error(f"the database refused a row ({explain_db_error(exc)})") from None
    return summary
