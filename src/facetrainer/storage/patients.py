"""Patients: created, looked up by their pseudonymous code, listed."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from facetrainer.storage.database import Database, StorageError
from facetrainer.storage.schema import Patient

AFFECTED_SIDES = ("left", "right", "both", "none")
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


class UnknownPatientError(StorageError):
    """No patient has the code asked for."""


def validate_patient_fields(
    code: str, affected_side: str, onset_date: dt.date | str | None
) -> dt.date | None:
    """Check a patient's fields; return the onset date parsed. ValueError names the field."""
    if not _CODE_RE.match(code or ""):
        raise ValueError(
            f"patient code {code!r}: use 1-64 letters, digits, '_', '-' or '.' "
            "(a pseudonym, never a name)"
        )
    if affected_side not in AFFECTED_SIDES:
        raise ValueError(f"affected_side {affected_side!r}: must be one of {AFFECTED_SIDES}")
    if isinstance(onset_date, str):
        try:
            return dt.date.fromisoformat(onset_date) if onset_date else None
        except ValueError:
            raise ValueError(f"onset_date {onset_date!r}: expected YYYY-MM-DD") from None
    return onset_date


def create_patient(
    db: Database,
    code: str,
    affected_side: str,
    cause: str = "",
    onset_date: dt.date | str | None = None,
    notes: str = "",
) -> Patient:
    """Add a patient; :class:`StorageError` when the code is taken."""
    onset = validate_patient_fields(code, affected_side, onset_date)
    with db.session() as s:
        if s.scalar(select(Patient).where(Patient.code == code)) is not None:
            raise StorageError(f"patient {code!r} already exists")
        p = Patient(
            code=code, affected_side=affected_side, cause=cause, onset_date=onset, notes=notes
        )
        s.add(p)
        s.flush()
        return p


def get_patient(db: Database, code: str) -> Patient:
    """The patient with this code; :class:`UnknownPatientError` (listing known codes)."""
    with db.session() as s:
        p = s.scalar(select(Patient).where(Patient.code == code))
        if p is None:
            known = s.scalars(select(Patient.code).order_by(Patient.code).limit(20)).all()
            hint = f"; known: {', '.join(known)}" if known else "; the database has no patients"
            raise UnknownPatientError(f"unknown patient {code!r} in {db.description}{hint}")
        return p


def list_patients(db: Database) -> list[Patient]:
    with db.session() as s:
        return list(s.scalars(select(Patient).order_by(Patient.code)).all())


def update_patient(db: Database, code: str, **fields: object) -> Patient:
    """Change ``affected_side``, ``cause``, ``onset_date`` or ``notes`` of a patient."""
    allowed = {"affected_side", "cause", "onset_date", "notes"}
    bad = set(fields) - allowed
    if bad:
        raise ValueError(
            f"cannot update patient field(s) {sorted(bad)}; allowed: {sorted(allowed)}"
        )
    with db.session() as s:
        p = s.scalar(select(Patient).where(Patient.code == code))
        if p is None:
            raise UnknownPatientError(f"unknown patient {code!r}")
        side = str(fields.get("affected_side", p.affected_side))
        onset = fields.get("onset_date", p.onset_date)
        p.onset_date = validate_patient_fields(code, side, onset)  # type: ignore[arg-type]
        p.affected_side = side
        p.cause = str(fields.get("cause", p.cause))
        p.notes = str(fields.get("notes", p.notes))
        return p
