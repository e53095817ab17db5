"""Patient data: database, patients, programs, crash-safe session recording, assessments.

Headless (no Qt). Open the database with :func:`open_database`; everything else takes the
returned :class:`Database`.
"""

from facetrainer.storage import rep_clips as _rep_clips  # noqa: F401 - registers its table
from facetrainer.storage.database import (
    DB_URL_ENV,
    Database,
    StorageError,
    default_data_dir,
    open_database,
)
from facetrainer.storage.patients import (
    UnknownPatientError,
    create_patient,
    get_patient,
    list_patients,
)
from facetrainer.storage.programs import (
    ProgramFileError,
    ProgramItem,
    ProgramSpec,
    export_program,
    import_program,
    load_program_file,
)
from facetrainer.storage.recorder import SessionRecorder
from facetrainer.storage.recovery import find_interrupted_sessions, recover_incomplete_sessions
from facetrainer.storage.session_data import MissingRawDataError, load_emg, load_frame_measures

__all__ = [
    "DB_URL_ENV",
    "Database",
    "MissingRawDataError",
    "ProgramFileError",
    "ProgramItem",
    "ProgramSpec",
    "SessionRecorder",
    "StorageError",
    "UnknownPatientError",
    "create_patient",
    "default_data_dir",
    "export_program",
    "find_interrupted_sessions",
    "get_patient",
    "import_program",
    "list_patients",
    "load_emg",
    "load_frame_measures",
    "load_program_file",
    "open_database",
    "recover_incomplete_sessions",
]
