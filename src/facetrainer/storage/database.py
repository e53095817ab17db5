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
import logging
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from facetrainer.paths import user_data_folder
from facetrainer.storage.schema import Base, SchemaVersion

log = logging.getLogger(__name__)
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


def _migration_003_quality_0_100(conn) -> None:  # noqa: ANN001
    """Rep quality is 0–100 everywhere (issue 10). Sessions written on the old 0–1 scale
    (the synthetic history) are those whose reps all lie in [0, 1]: an engine-scored session
    on the 0–100 scale has a rep above 1 in practice. Their quality is multiplied by 100."""
    conn.execute(
        text(
            "UPDATE reps SET quality = quality * 100.0 WHERE quality IS NOT NULL AND "
            "session_id IN (SELECT session_id FROM reps WHERE quality IS NOT NULL "
            "GROUP BY session_id HAVING MAX(quality) <= 1.0)"
        )
    )


def _migration_002_rep_clips(conn) -> None:  # noqa: ANN001 - a SQLAlchemy Connection
    from facetrainer.storage.rep_clips import RepClip  # its module imports this one

    RepClip.__table__.create(conn, checkfirst=True)  # type: ignore[attr-defined]


def _migration_004_compact_emg(conn) -> None:  # noqa: ANN001 - a SQLAlchemy Connection
    """Raw EMG stored compressed and losslessly (issue 16): a ``codec`` column, and every
    existing chunk re-stored with :mod:`facetrainer.storage.emg_codec`."""
    from facetrainer.storage.emg_codec import recompress_raw_chunks

    columns = {c["name"] for c in inspect(conn).get_columns("emg_chunks")}
    if "codec" not in columns:  # a database created before schema 4
        conn.execute(text("ALTER TABLE emg_chunks ADD COLUMN codec INTEGER NOT NULL DEFAULT 0"))
    recompress_raw_chunks(conn)


MIGRATIONS: tuple[tuple[int, Callable], ...] = (
    (1, _migration_001_initial),
    (2, _migration_002_rep_clips),
    (3, _migration_003_quality_0_100),
    (4, _migration_004_compact_emg),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
_VERSION_TABLE = Base.metadata.tables["schema_version"]


def mask_url(url: str) -> str:
    """``url`` with its password replaced by ``***``, safe for any message.

    Parsed and rendered with SQLAlchemy's own URL tools; a string SQLAlchemy cannot parse
    (e.g. ``user:secret@host/db`` without a scheme, or a non-numeric port) is masked from
    the scheme to the last ``@`` before the host: everything after the first ``:`` of the
    credentials, or the whole credentials when there is no ``:``.

    Examples
    --------
    >>> mask_url("postgresql://ana:S3cret@db.clinic/ft")
    'postgresql://ana:***@db.clinic/ft'
    >>> mask_url("ana:S3cret@db.clinic/ft")
    'ana:***@db.clinic/ft'

    """
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError, TypeError):
        pass
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    host_start = rest.rfind("@")  # a password may hold '@', ':' or '/'; a host holds no '@'
    if host_start < 0:
        return url
    user, colon, _ = rest[:host_start].partition(":")
    credentials = f"{user}:***" if colon else "***"
    return f"{scheme}{sep}{credentials}{rest[host_start:]}"


def scrub_secrets(text: str, url: str) -> str:
    """``text`` with the raw URL and its password replaced by their masked forms."""
    if not url:
        return text
    out = text.replace(url, mask_url(url))
    try:
        password = make_url(url).password
    except (ArgumentError, ValueError, TypeError):
        password = None
    if password is None:  # unparsed: whatever sits between the first ':' and the last '@'
        creds = url.partition("://")[2] or url
        if "@" in creds:
            password = creds[: creds.rfind("@")].partition(":")[2] or None
    if password and len(str(password)) >= 3:  # shorter would mask unrelated letters
        out = out.replace(str(password), "***")
    return out


def _describe(url: str) -> str:
    try:
        u = make_url(url)
    except (ArgumentError, ValueError, TypeError):
        return mask_url(url)
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
    compacted = 0 < current < 4  # an existing database whose raw EMG gets compressed
    for version, apply in MIGRATIONS:
        if version <= current:
            continue
        with engine.begin() as conn:
            if version == 1:
                _VERSION_TABLE.create(conn, checkfirst=True)
            apply(conn)
            conn.execute(_VERSION_TABLE.insert().values(version=version))
        current = version
    if compacted and engine.dialect.name == "sqlite":
        _vacuum(engine)
    return current


def _vacuum(engine: Engine) -> None:
    """Give the space freed by compressing old EMG back to the file system (SQLite keeps
    freed pages otherwise). Skipped quietly when it cannot run (e.g. no room for the copy
    VACUUM makes): the database is complete and correct either way."""
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM")
    except (DBAPIError, sqlite3.DatabaseError):
        pass


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
    log.info("opening database %s", mask_url(url))  # never the password
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError, TypeError) as exc:
        # `from None`: the parser's own message may quote the URL, password included
        raise StorageError(
            f"invalid database URL {mask_url(url)!r}: {scrub_secrets(str(exc), url)} "
            "(expected e.g. postgresql+psycopg2://user:password@host/facetrainer or "
            "sqlite:////path/to/facetrainer.sqlite3)"
        ) from None
    sqlite_file = parsed.get_backend_name() == "sqlite" and parsed.database not in (
        None,
        "",
        ":memory:",
    )
    created: Path | None = None
    if sqlite_file and not str(parsed.database).startswith("file:"):  # "file:" = SQLite URI
        db_path = Path(str(parsed.database))
        created = db_path if prepare_sqlite_file(db_path) else None
    try:
        return _open_engine(url)
    except BaseException:
        if created is not None and created.exists() and created.stat().st_size == 0:
            created.unlink()  # ours and still empty: a later run must not find a 0-byte file
        raise


def _open_engine(url: str) -> Database:
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except (ArgumentError, SQLAlchemyError, ImportError, ValueError, TypeError) as exc:
        raise StorageError(
            f"cannot use database URL {_describe(url)}: {scrub_secrets(str(exc), url)}"
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        migrate(engine, url)
    except StorageError:
        engine.dispose()
        raise
    except (DBAPIError, sqlite3.DatabaseError, ValueError, TypeError) as exc:
        engine.dispose()
        raise StorageError(
            f"cannot open the database ({_describe(url)}): "
            f"{scrub_secrets(explain_db_error(exc), url)}"
        ) from None
    return Database(url, engine)


SQLITE_HEADER = b"SQLite format 3\x00"


def _folder_writable(folder: Path) -> bool:
    """True when a file can be created in ``folder`` (tried: permissions alone miss a
    read-only mount and say nothing for root)."""
    try:
        fd, name = tempfile.mkstemp(prefix=".facetrainer-probe-", dir=folder)
    except OSError:
        return False
    os.close(fd)
    os.unlink(name)
    return True


def prepare_sqlite_file(db_path: Path) -> bool:
    """Check an SQLite database file before SQLite touches it; create a new one private.

    SQLite silently turns a 0-byte file into an empty database and reports a read-only
    folder as "unable to open database file"; both are said plainly here. A new file is
    created 0600 before SQLite opens it, so its ``-wal`` and ``-shm`` files (SQLite gives
    them the database file's permissions) are private too.

    Returns
    -------
    bool
        True when the (empty) file was created here.

    Raises
    ------
    StorageError
        Missing or read-only folder, a read-only file, a 0-byte file or one that is not an
        SQLite database (nothing is modified).
    """
    folder = db_path.parent
    if not folder.is_dir():
        raise StorageError(f"folder of the database {db_path} does not exist")
    if db_path.exists():
        if not db_path.is_file():
            raise StorageError(f"the database {db_path} is not a file")
        try:
            with open(db_path, "rb") as f:
                head = f.read(len(SQLITE_HEADER))
        except OSError as exc:
            raise StorageError(f"cannot read the database {db_path}: {exc.strerror}") from None
        if not head:
            raise StorageError(
                f"the database {db_path} is an empty (0-byte) file, not a FaceTrainer "
                "database: refused rather than replaced (move it aside or restore a backup)"
            )
        if head != SQLITE_HEADER:
            raise StorageError(
                f"the database {db_path} is not a database (no SQLite header: damaged or "
                "another kind of file): refused, nothing modified (move it aside or restore "
                "a backup)"
            )
        if not os.access(db_path, os.W_OK):
            raise StorageError(
                f"the database {db_path} is read-only: FaceTrainer needs to write to it"
            )
    if not _folder_writable(folder):
        raise StorageError(
            f"the folder {folder} is read-only: the database {db_path.name} and its -wal "
            "and -shm files need a writable folder"
        )
    if db_path.exists():
        return False
    try:
        os.close(os.open(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return False  # another FaceTrainer created it meanwhile
    except OSError as exc:
        raise StorageError(f"cannot create the database {db_path}: {exc.strerror}") from None
    return True


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
