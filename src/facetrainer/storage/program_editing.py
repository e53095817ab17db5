"""Editing a patient's program: thresholds checked in %, each save a new revision.

The program editor (``gui/program_editor.py``) works on a :class:`ProgramSpec`; this
module holds what it needs beyond :mod:`facetrainer.storage.programs`: the editor's
percentages turned into the program file's fractions and back, the range checks the
file format leaves open (a threshold outside 0-200 %, a band whose bottom is above its
top), and saving as the next revision of the same name for the same owner, so earlier
revisions stay as they were (sessions recorded with them keep pointing at them).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, select

from facetrainer.exercises.library import Thresholds
from facetrainer.exercises.threshold_limits import check_thresholds
from facetrainer.storage.database import Database, StorageError
from facetrainer.storage.programs import (
    FORMAT_KEY,
    PROGRAM_FORMAT_VERSION,
    ProgramFileError,
    ProgramSpec,
    get_program,
    program_from_dict,
    save_program,
)
from facetrainer.storage.schema import Patient, Program

MAX_THRESHOLD_PCT = 200.0
# The editor's columns and the program file's threshold keys (fractions of the reference).
THRESHOLD_KEYS = {"band_low_pct": "target_min", "band_high_pct": "target_max",
                  "ceiling_pct": "spillover_max"}


@dataclass
class ItemDraft:
    """One row of the editor, in the units the therapist types (percent, seconds)."""

    exercise: str
    reps: int = 10
    hold_s: float = 3.0
    rest_s: float = 5.0
    band_low_pct: float | None = None
    band_high_pct: float | None = None
    ceiling_pct: float | None = None
    cue: str = ""
    sets: int = 1

    def thresholds(self) -> dict[str, float]:
        return {
            key: round(float(getattr(self, attr)) / 100.0, 6)
            for attr, key in THRESHOLD_KEYS.items()
            if getattr(self, attr) is not None
        }

    @classmethod
    def from_item(cls, item: Any) -> ItemDraft:
        pct = {attr: (item.thresholds[key] * 100.0 if key in item.thresholds else None)
               for attr, key in THRESHOLD_KEYS.items()}
        return cls(item.exercise, item.reps, item.hold_s, item.rest_s, cue=item.cue,
                   sets=getattr(item, "sets", 1), **pct)


def build_program(
    name: str, items: list[ItemDraft], notes: str = "", revision: int = 1, patient: str = ""
) -> ProgramSpec:
    """A validated program from the editor's rows.

    Raises :class:`ProgramFileError` naming the field, e.g. ``exercises[1].reps = 0``,
    ``exercises[0].band_high_pct = 250``, in the file's own terms where it has them.
    """
    for k, item in enumerate(items):
        where = f"exercises[{k}]"
        for attr in THRESHOLD_KEYS:
            value = getattr(item, attr)
            if value is not None and not 0.0 <= value <= MAX_THRESHOLD_PCT:
                raise ProgramFileError(
                    f"program editor: {where}.{attr} = {value:g}: must be within "
                    f"0-{MAX_THRESHOLD_PCT:g} % of the reference"
                )
        lo, hi = item.band_low_pct, item.band_high_pct
        if lo is not None and hi is not None and lo >= hi:
            raise ProgramFileError(
                f"program editor: {where}.band_low_pct = {lo:g} is not below "
                f"band_high_pct = {hi:g}"
            )
    data = {
        FORMAT_KEY: PROGRAM_FORMAT_VERSION,
        "name": name,
        "revision": revision,
        "notes": notes,
        **({"patient": patient} if patient else {}),
        "exercises": [
            {
                "exercise": i.exercise,
                "reps": i.reps,
                "hold_s": i.hold_s,
                "rest_s": i.rest_s,
                "thresholds": i.thresholds(),
                "cue": i.cue,
                **({"sets": i.sets} if i.sets != 1 else {}),
            }
            for i in items
        ],
    }
    return program_from_dict(data, origin="program editor")


def _owner_clause(s: Any, patient_code: str | None) -> Any:
    if patient_code is None:
        return Program.patient_id.is_(None)
    pid = s.scalar(select(Patient.id).where(Patient.code == patient_code))
    if pid is None:
        raise StorageError(f"unknown patient {patient_code!r}")
    return Program.patient_id == pid


def next_revision(db: Database, name: str, patient_code: str | None = None) -> int:
    """The revision the next save of ``name`` (for this patient, or shared) gets."""
    with db.session() as s:
        top = s.scalar(
            select(func.max(Program.revision)).where(
                Program.name == name.strip(), _owner_clause(s, patient_code)
            )
        )
    return int(top or 0) + 1


def save_new_revision(
    db: Database, spec: ProgramSpec, patient_code: str | None = None
) -> tuple[int, int]:
    """Store ``spec`` as the next revision of its name; return (program id, revision)."""
    revision = next_revision(db, spec.name, patient_code)
    return save_program(db, replace(spec, revision=revision), patient_code), revision


def save_thresholds_in_program(
    db: Database, program_id: int, exercise_id: str, thresholds: Thresholds,
    patient_code: str | None = None,
) -> tuple[int, int]:
    """Store a new revision of a program whose ``exercise_id`` rows take the band and
    ceiling set on the plot; return (program id, revision). Nothing changes when the
    program does not prescribe that exercise (``ValueError`` says so)."""
    check_thresholds(thresholds)
    spec = get_program(db, program_id, known_only=False)
    rows = [ItemDraft.from_item(i) for i in spec.items]
    hits = [r for r in rows if r.exercise == exercise_id]
    if not hits:
        raise ValueError(f"program {spec.name!r} (revision {spec.revision}) has no "
                         f"{exercise_id!r}: the thresholds were not saved into it")
    for r in hits:
        r.band_low_pct, r.band_high_pct = thresholds.target_band_pct
        r.ceiling_pct = thresholds.spillover_ceiling_pct
    edited = build_program(spec.name, rows, spec.notes, spec.revision, spec.patient)
    return save_new_revision(db, edited, patient_code)


def program_choices(db: Database, patient_code: str | None = None) -> list[tuple[int, str, int]]:
    """(id, name, revision) of the newest revision of each program of a patient (or shared)."""
    with db.session() as s:
        rows = s.execute(
            select(Program.id, Program.name, Program.revision)
            .where(_owner_clause(s, patient_code))
            .order_by(Program.name, Program.revision.desc())
        ).all()
    newest: dict[str, tuple[int, str, int]] = {}
    for pid, name, rev in rows:
        newest.setdefault(name, (pid, name, rev))
    return list(newest.values())
