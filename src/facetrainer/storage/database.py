"""Opening the database: SQLite in the user's data folder by default, any SQLAlchemy URL
(e.g. a clinic's PostgreSQL server) on request; the schema is created and migrated here.

The URL comes from, in order: the ``url`` argument (``--db URL``), the environment
variable ``FACETRAINER_DB_URL``, else ``sqlite:///<data folder>/facetrainer.sqlite3``.
The data folder (platformdirs ``user_data_dir("FaceTrainer")`` or ``--data-dir``) is
created on first run and made private to the user (mode 0700).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from facetrainer.paths import user_data_folder
from facetrainer.storage.schema import Base, SchemaVersion

DB_URL_ENV = "FACETRAINER_DB_URL"
DB_FILE_NAME = "facetrainer.sqlite3"


class StorageError(RuntimeError):
    """The database or data folder cannot be used; the message says which and why."""


def add_database_arguments(parser: argparse.ArgumentParser) -> None:
    """``--db URL`` and ``--data-dir DIR``, as every storage command spells them."""
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="database URL (default: $FACETRAINER_DB_URL, else the SQLite file in the data folder)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="data folder of the default SQLite database",
    )


def default_data_dir() -> Path:
    """The user's FaceTrainer data folder (platformdirs), not created here."""
    return user_data_folder()


def prepare_data_dir(data_dir: Path | str | None = None) -> Path:
    """Create the data folder when missing and make it private (0700); return it.

    The default folder, and any folder created here, is set to 0700. An existing folder
    given with ``--data-dir`` keeps its permissions (it may be shared on purpose, or be
    something like /tmp): only the database file inside is FaceTrainer's.
    """
    default = data_dir is None
    path = Path(data_dir) if data_dir is not None else default_data_dir()
    try:
        created = not path.exists()
        path.mkdir(parents=True, exist_ok=True)
        if default or created:
            os.chmod(path, 0o700)
    except OSError as exc:
        raise StorageError(
            f"cannot create or protect the data folder {path}: {exc.strerror or exc}"
        ) from exc
    return path


def resolve_db_url(url: str | None = None, data_dir: Path | str | None = None) -> str:
    """The database URL to use (argument, then $FACETRAINER_DB_URL, then SQLite default)."""
    if url:
        return url
    env = os.environ.get(DB_URL_ENV, "").strip()
    if env:
        return env
    folder = prepare_data_dir(data_dir)
    return f"sqlite:///{folder / DB_FILE_NAME}"


# -- migrations ------------------------------------------------------------------------
# Ordered (version, function) pairs. A migration gets a connection inside a transaction.
# Version 1 creates the tables as schema.py defines them at version 1; any later change of
# schema.py must come with a new entry here that alters existing databases to match.


def _migration_001_initial(conn) -> None:  # noqa: ANN001 - a SQLAlchemy Connection
    Base.metadata.create_all(conn)


def _migration_002_rep_clips(conn) -> None:  # noqa: ANN001 - a SQLAlchemy Connection
    from facetrainer.storage.rep_clips import RepClip  # its module imports this one

    RepClip.__table__.create(conn, checkfirst=True)  # type: ignore[attr-defined]


MIGRATIONS: tuple[tuple[int, Callable], ...] = (
    (1, _migration_001_initial),
    (2, _migration_002_rep_clips),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
_VERSION_TABLE = Base.metadata.tables["schema_version"]


def _describe(url: str) -> str:
    try:
        u = make_url(url)
    except ArgumentError:
        return url
    if u.get_backend_name() == "sqlite":
        return f"SQLite file {u.database}"
    return u.render_as_string(hide_password=True)


def schema_version(engine: Engine) -> int:
    """The highest applied migration (0 for an empty database)."""
    if not inspect(engine).has_table("schema_version"):
        return 0
    with OrmSession(engine) as s:
        versions = s.scalars(select(SchemaVersion.version)).all()
    return max(versions, default=0)


def migrate(engine: Engine, url: str = "") -> int:
    """Apply the missing migrations in order; return the resulting schema version.

    Raises :class:`StorageError` for a database written by a newer FaceTrainer.
    """
    current = schema_version(engine)
    if current > SCHEMA_VERSION:
        raise StorageError(
            f"the database ({_describe(url)}) has schema version {current}, written by a newer "
            f"FaceTrainer; this version reads up to {SCHEMA_VERSION}: update FaceTrainer"
        )
    for version, apply in MIGRATIONS:
        if version <= current:
            continue
        with engine.begin() as conn:
            if version == 1:
                _VERSION_TABLE.create(conn, checkfirst=True)
            apply(conn)
            conn.execute(_VERSION_TABLE.insert().values(version=version))
        current = version
    return current


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
    cur = dbapi_conn.cursor()
    # WAL: readers never block the recorder; synchronous=FULL: a committed flush survives
    # a killed app and a power cut. busy_timeout: the GUI and the recorder share the file.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


class Database:
    """An open, migrated database. ``with db.session() as s:`` gives an ORM session."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self._factory = sessionmaker(engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def description(self) -> str:
        return _describe(self.url)

    @contextlib.contextmanager
    def session(self) -> Iterator[OrmSession]:
        """An ORM session committed on success, rolled back on error."""
        s = self._factory()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def close(self) -> None:
        self.engine.dispose()


def open_database(url: str | None = None, data_dir: Path | str | None = None) -> Database:
    """Open (creating and migrating when needed) the FaceTrainer database.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL (``--db``), e.g. ``postgresql+psycopg2://user@host/facetrainer``.
    data_dir : path, optional
        Data folder for the default SQLite file (``--data-dir``).

    Raises
    ------
    StorageError
        With a message naming the database: bad URL, unreachable server, a file that is not
        a database, a read-only location, or a schema from a newer FaceTrainer.
    """
    url = resolve_db_url(url, data_dir)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(f"invalid database URL {url!r}: {exc}") from exc
    sqlite_file = parsed.get_backend_name() == "sqlite" and parsed.database not in (
        None,
        "",
        ":memory:",
    )
    if sqlite_file and not str(parsed.database).startswith("file:"):  # "file:" = SQLite URI
        db_path = Path(str(parsed.database))
        if not db_path.parent.is_dir():
            raise StorageError(f"folder of the database {db_path} does not exist")
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except (ArgumentError, SQLAlchemyError, ImportError) as exc:
        raise StorageError(f"cannot use database URL {_describe(url)}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        migrate(engine, url)
    except StorageError:
        engine.dispose()
        raise
    except (DBAPIError, sqlite3.DatabaseError) as exc:
        engine.dispose()
        raise StorageError(
            f"cannot open the database ({_describe(url)}): {explain_db_error(exc)}"
        ) from exc
    return Database(url, engine)


def explain_db_error(exc: BaseException) -> str:
    """A one-line, user-facing reason for a database failure."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    low = text.lower()
    if "file is not a database" in low or "malformed" in low:
        return f"{text} (the file is damaged or not a FaceTrainer database; move it aside)"
    if "disk is full" in low or "disk full" in low or "no space" in low:
        return f"{text} (the disk is full: free some space; what was saved before is kept)"
    if "readonly" in low or "read-only" in low or "permission denied" in low:
        return f"{text} (the location is read-only; what was saved before is kept)"
    return text
