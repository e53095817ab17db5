"""The database: created on first run in a private folder, migrated, clear on bad input."""

from __future__ import annotations

import datetime as dt
import stat

import pytest

from facetrainer.storage import (
    StorageError,
    UnknownPatientError,
    create_patient,
    get_patient,
    list_patients,
    open_database,
)
from facetrainer.storage.database import DB_FILE_NAME, SCHEMA_VERSION, schema_version
from facetrainer.storage.schema import SchemaVersion


def test_first_run_creates_sqlite_in_private_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("FACETRAINER_DB_URL", raising=False)
    folder = tmp_path / "data" / "FaceTrainer"
    db = open_database(data_dir=folder)
    assert (folder / DB_FILE_NAME).is_file()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert schema_version(db.engine) == SCHEMA_VERSION
    db.close()


def test_an_existing_custom_folder_keeps_its_permissions(tmp_path, monkeypatch):
    monkeypatch.delenv("FACETRAINER_DB_URL", raising=False)
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    open_database(data_dir=shared).close()
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    assert (shared / DB_FILE_NAME).is_file()


def test_environment_variable_selects_the_database(tmp_path, monkeypatch):
    target = tmp_path / "clinic.sqlite3"
    monkeypatch.setenv("FACETRAINER_DB_URL", f"sqlite:///{target}")
    db = open_database(data_dir=tmp_path / "unused")
    assert target.is_file()
    assert not (tmp_path / "unused").exists()
    db.close()


def test_reopening_keeps_data_and_schema(tmp_path):
    url = f"sqlite:///{tmp_path / 'f.sqlite3'}"
    db = open_database(url)
    create_patient(db, "P7", "right")
    db.close()
    db = open_database(url)
    assert [p.code for p in list_patients(db)] == ["P7"]
    assert schema_version(db.engine) == SCHEMA_VERSION
    db.close()


def test_corrupted_database_file_gives_clear_error(tmp_path):
    path = tmp_path / DB_FILE_NAME
    garbage = b"this is not a database, just some bytes " * 200
    path.write_bytes(garbage)
    with pytest.raises(StorageError) as err:
        open_database(f"sqlite:///{path}")
    message = str(err.value)
    assert str(path) in message and "not a database" in message
    assert path.read_bytes() == garbage  # nothing overwritten


def test_database_from_a_newer_version_is_refused(tmp_path):
    from facetrainer.storage.schema import SchemaVersion

    url = f"sqlite:///{tmp_path / 'f.sqlite3'}"
    db = open_database(url)
    with db.session() as s:
        s.add(SchemaVersion(version=SCHEMA_VERSION + 5))
    db.close()
    with pytest.raises(StorageError, match="newer FaceTrainer"):
        open_database(url)


def test_invalid_url_and_missing_folder_are_named():
    with pytest.raises(StorageError, match="nosuchdriver"):
        open_database("nosuchdriver://x/y")
    with pytest.raises(StorageError, match="does not exist"):
        open_database("sqlite:////nonexistent-folder-xyz/f.sqlite3")


def test_patient_round_trip(db, patient):
    p = get_patient(db, "P001")
    assert (p.affected_side, p.cause, p.onset_date) == ("left", "Bell's palsy", dt.date(2025, 1, 6))


def test_unknown_and_duplicate_patients_are_clear(db, patient):
    with pytest.raises(UnknownPatientError, match="'P999'.*known: P001"):
        get_patient(db, "P999")
    with pytest.raises(StorageError, match="already exists"):
        create_patient(db, "P001", "right")


def test_patient_fields_are_validated(db):
    with pytest.raises(ValueError, match="affected_side 'up'"):
        create_patient(db, "P2", "up")
    with pytest.raises(ValueError, match="onset_date '2025-13-01'"):
        create_patient(db, "P2", "left", onset_date="2025-13-01")
    with pytest.raises(ValueError, match="patient code"):
        create_patient(db, "Jane Doe", "left")


def test_migration_3_puts_old_0_to_1_qualities_on_the_0_to_100_scale(tmp_path):
    """Sessions whose reps all lie in [0, 1] were written on the old scale (synthetic
    history); a session on the engine's 0–100 scale keeps its values."""
    from sqlalchemy import create_engine, select

    from facetrainer.storage.database import MIGRATIONS, migrate
    from facetrainer.storage.schema import Patient, Rep
    from facetrainer.storage.schema import Session as SessionRow

    url = f"sqlite:///{tmp_path / 'v1.sqlite3'}"
    engine = create_engine(url)
    version_table = SchemaVersion.__table__
    with engine.begin() as conn:  # a database as FaceTrainer with schema 1 left it
        version_table.create(conn)
        MIGRATIONS[0][1](conn)
        conn.execute(version_table.insert().values(version=1))
    from sqlalchemy.orm import Session as OrmSession

    with OrmSession(engine) as s, s.begin():
        p = Patient(code="P9", affected_side="left")
        s.add(p)
        s.flush()
        old, new = SessionRow(patient_id=p.id), SessionRow(patient_id=p.id)
        s.add_all([old, new])
        s.flush()
        for sid, qualities in ((old.id, [0.42, 0.9]), (new.id, [0.8, 72.5])):
            for i, q in enumerate(qualities):
                s.add(Rep(session_id=sid, exercise="eee", rep_index=i, start_s=i, end_s=i + 1,
                          quality=q))  # fmt: skip
        ids = (old.id, new.id)
    assert migrate(engine, url) == SCHEMA_VERSION >= 3
    with OrmSession(engine) as s:
        got = {
            sid: [r.quality for r in s.scalars(select(Rep).where(Rep.session_id == sid))]
            for sid in ids
        }
    assert got[ids[0]] == [pytest.approx(42.0), pytest.approx(90.0)]
    assert got[ids[1]] == [0.8, 72.5]
