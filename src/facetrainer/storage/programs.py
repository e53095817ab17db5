"""Programs: prescribed exercises with reps, hold, rest and thresholds, as data.

A program is one file a therapist hands a patient (JSON; TOML is read too, as the built-in
programs in ``resources/programs`` are). Each edit is a new ``revision``. The file carries
``facetrainer_program`` (the file format version): a file from a newer FaceTrainer is
refused with a message rather than half-read.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select

from facetrainer.atomic_files import describe_os_error, write_text_atomic
from facetrainer.config_files import ConfigFileError, parse_json, parse_toml, read_config_text
from facetrainer.storage.database import Database, StorageError
from facetrainer.storage.schema import Patient, Program

PROGRAM_FORMAT_VERSION = 1
FORMAT_KEY = "facetrainer_program"
# Limits of a program file: a home program has a handful of exercises; 120 000 of them or
# reps = 10**30 would never end, and deep nesting would exhaust the parser's recursion.
MAX_PROGRAM_FILE_BYTES = 1024**2
MAX_PROGRAM_DEPTH = 16
MAX_PROGRAM_EXERCISES = 200
MAX_REPS = 1000
MAX_TIME_S = 600.0  # hold and rest per repetition
MAX_THRESHOLD = 10.0  # thresholds are fractions of a reference activation


def known_exercise_ids() -> list[str]:
    """Ids a program may prescribe: the exercise library's, built-in and the user's own."""
    from facetrainer.exercises.library import load_library

    return sorted(load_library().exercises)


class ProgramFileError(StorageError):
    """A program file cannot be used; the message names the file and the field."""


@dataclass
class ProgramItem:
    """One prescribed exercise. Thresholds are fractions of the reference activation."""

    exercise: str
    reps: int = 10
    hold_s: float = 3.0
    rest_s: float = 5.0
    thresholds: dict[str, float] = field(default_factory=dict)
    cue: str = ""
    sets: int = 1  # sets of ``reps`` with ``rest_s`` between them (home practice)


@dataclass
class ProgramSpec:
    name: str
    revision: int = 1
    items: list[ProgramItem] = field(default_factory=list)
    notes: str = ""
    patient: str = ""  # the patient code it was prescribed to ("" = anyone)

    def to_dict(self) -> dict[str, Any]:
        """The file content (JSON-ready)."""
        return {
            FORMAT_KEY: PROGRAM_FORMAT_VERSION,
            "name": self.name,
            "revision": self.revision,
            "notes": self.notes,
            **({"patient": self.patient} if self.patient else {}),
            # ``sets`` is written only when not 1, so files (and stored bodies) of programs
            # without sets stay as they were.
            "exercises": [
                {k: v for k, v in asdict(i).items() if k != "sets" or v != 1} for i in self.items
            ],
        }


def _number(
    where: str, value: Any, lo: float, integer: bool = False, hi: float | None = None
) -> Any:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < lo or (integer and int(value) != value) or (hi is not None and value > hi):
        kind = "an integer" if integer else "a number"
        allowed = f">= {lo}" if hi is None else f"from {lo:g} to {hi:g}"
        raise ValueError(f"{where} = {value!r}: must be {kind} {allowed}")
    return int(value) if integer else float(value)


def program_from_dict(data: Any, origin: str = "program", known_only: bool = True) -> ProgramSpec:
    """Validate a program's content; :class:`ProgramFileError` names ``origin`` and field.

    ``known_only=False`` accepts exercise ids this FaceTrainer does not know (a stored
    program whose exercise was removed since): home practice skips them with a message
    instead of refusing the whole program.
    """
    try:
        if not isinstance(data, dict):
            raise ValueError("top level must be a table/object")
        version = data.get(FORMAT_KEY)
        if version is None:
            raise ValueError(
                f"missing {FORMAT_KEY!r} (the format version): not a FaceTrainer program"
            )
        version = _number(FORMAT_KEY, version, 1, integer=True)
        if version > PROGRAM_FORMAT_VERSION:
            raise ValueError(
                f"{FORMAT_KEY} = {version}: written by a newer FaceTrainer; this version reads "
                f"program files up to format {PROGRAM_FORMAT_VERSION}: update FaceTrainer"
            )
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"name = {name!r}: must be a non-empty text")
        revision = _number("revision", data.get("revision", 1), 1, integer=True)
        raw_items = data.get("exercises")
        if not isinstance(raw_items, list) or not raw_items:
            raise ValueError("exercises: must be a non-empty list")
        if len(raw_items) > MAX_PROGRAM_EXERCISES:
            raise ValueError(
                f"exercises: {len(raw_items)} entries (allowed 1 to {MAX_PROGRAM_EXERCISES})"
            )
        items = []
        known = known_exercise_ids()
        for k, raw in enumerate(raw_items):
            where = f"exercises[{k}]"
            if not isinstance(raw, dict):
                raise ValueError(f"{where}: must be a table/object")
            ex = raw.get("exercise")
            if not isinstance(ex, str) or (known_only and ex not in known):
                raise ValueError(
                    f"{where}.exercise = {ex!r}: unknown exercise id (known: {', '.join(known)})"
                )
            unknown = set(raw) - {
                "exercise",
                "reps",
                "hold_s",
                "rest_s",
                "thresholds",
                "cue",
                "sets",
            }
            if unknown:
                raise ValueError(f"{where}: unknown field(s) {sorted(unknown)}")
            th = raw.get("thresholds", {})
            if not isinstance(th, dict):
                raise ValueError(f"{where}.thresholds: must be a table/object")
            items.append(
                ProgramItem(
                    exercise=ex,
                    reps=_number(
                        f"{where}.reps", raw.get("reps", 10), 1, integer=True, hi=MAX_REPS
                    ),
                    hold_s=_number(f"{where}.hold_s", raw.get("hold_s", 3.0), 0, hi=MAX_TIME_S),
                    rest_s=_number(f"{where}.rest_s", raw.get("rest_s", 5.0), 0, hi=MAX_TIME_S),
                    thresholds={
                        str(key): _number(f"{where}.thresholds.{key}", v, 0, hi=MAX_THRESHOLD)
                        for key, v in th.items()
                    },
                    cue=str(raw.get("cue", "")),
                    sets=_number(f"{where}.sets", raw.get("sets", 1), 1, integer=True),
                )
            )
        patient = data.get("patient", "")
        if not isinstance(patient, str):
            raise ValueError(f"patient = {patient!r}: must be a patient code (text)")
        return ProgramSpec(
            name=name.strip(),
            revision=revision,
            items=items,
            notes=str(data.get("notes", "")),
            patient=patient.strip(),
        )
    except ValueError as exc:
        raise ProgramFileError(f"{origin}: {exc}") from None


def load_program_file(path: Path | str) -> ProgramSpec:
    """Read and validate a program file (.json, or .toml)."""
    path = Path(path)
    toml = path.suffix.lower() == ".toml"
    try:
        raw = read_config_text(
            path, "program file", MAX_PROGRAM_FILE_BYTES, max_depth=MAX_PROGRAM_DEPTH
        )
        where = f"program file {path}"
        data = parse_toml(raw, where) if toml else parse_json(raw, where)
    except OSError as exc:
        raise ProgramFileError(f"cannot read program file {path}: {exc.strerror or exc}") from exc
    except ConfigFileError as exc:
        raise ProgramFileError(str(exc)) from None
    return program_from_dict(data, origin=f"program file {path}")


def export_program(spec: ProgramSpec, path: Path | str, overwrite: bool = False) -> Path:
    """Write the program as one JSON file (atomically); refuses to overwrite by default."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise ProgramFileError(f"{path} exists: not overwritten (choose another name)")
    text = json.dumps(spec.to_dict(), indent=2, ensure_ascii=False) + "\n"
    try:
        write_text_atomic(path, text)
    except OSError as exc:
        raise ProgramFileError(
            f"cannot write program file {path}: {describe_os_error(exc)}"
        ) from None
    return path


def builtin_program_paths() -> list[Path]:
    folder = resources.files("facetrainer") / "resources" / "programs"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".toml"))


def builtin_programs() -> list[ProgramSpec]:
    """The programs that ship with FaceTrainer (validated on load)."""
    return [load_program_file(p) for p in builtin_program_paths()]


def save_program(db: Database, spec: ProgramSpec, patient_code: str | None = None) -> int:
    """Store a program revision, prescribed to a patient or shared; return its id.

    Names are scoped per patient (two patients may each have their own "Home A"). The same
    name and revision with the same content returns the stored one; with other content it
    is refused (a changed program needs a new revision): nothing is overwritten.
    """
    body = spec.to_dict()
    with db.session() as s:
        patient_id = None
        if patient_code is not None:
            patient_id = s.scalar(select(Patient.id).where(Patient.code == patient_code))
            if patient_id is None:
                raise StorageError(f"unknown patient {patient_code!r}")
        owner = (
            Program.patient_id.is_(None)
            if patient_id is None
            else (Program.patient_id == patient_id)
        )
        old = s.scalar(
            select(Program).where(
                Program.name == spec.name, Program.revision == spec.revision, owner
            )
        )
        if old is not None:
            if old.body != body:
                whose = f" for patient {patient_code!r}" if patient_code else ""
                raise StorageError(
                    f"program {spec.name!r} revision {spec.revision}{whose} already exists "
                    "with different content: nothing overwritten (raise the revision)"
                )
            return old.id
        row = Program(name=spec.name, revision=spec.revision, body=body, patient_id=patient_id)
        s.add(row)
        s.flush()
        return row.id


def import_program(db: Database, path: Path | str, patient_code: str | None = None) -> int:
    """Load a program file and store it; return the program's id."""
    return save_program(db, load_program_file(path), patient_code)


def get_program(db: Database, program_id: int, known_only: bool = True) -> ProgramSpec:
    """A stored program (``known_only=False``: see :func:`program_from_dict`)."""
    with db.session() as s:
        row = s.get(Program, program_id)
        if row is None:
            raise StorageError(f"unknown program id {program_id}")
        return program_from_dict(
            row.body, origin=f"program {row.name!r} in the database", known_only=known_only
        )


def latest_program_id(
    db: Database, patient_code: str | None = None, name: str | None = None
) -> int | None:
    """The newest revision prescribed to a patient (or of a name), or None."""
    with db.session() as s:
        q = select(Program.id)
        if patient_code is not None:
            q = q.join(Patient, Program.patient_id == Patient.id).where(
                Patient.code == patient_code
            )
        if name is not None:
            q = q.where(Program.name == name)
        return s.scalar(q.order_by(Program.created_at.desc(), Program.revision.desc()).limit(1))


def program_names(db: Database) -> list[tuple[int, str, int]]:
    """(id, name, revision) of every stored program, newest revision first per name."""
    with db.session() as s:
        rows = s.execute(
            select(Program.id, Program.name, Program.revision).order_by(
                Program.name, Program.revision.desc()
            )
        ).all()
        return [(r[0], r[1], r[2]) for r in rows]
