"""The database never leaks a password, is private, and is refused rather than replaced
(issue 16, defects 2, 5 and 7)."""

from __future__ import annotations

import os
import stat

import pytest

from facetrainer.cli import main
from facetrainer.storage import StorageError, create_patient, open_database
from facetrainer.storage.database import DB_FILE_NAME, mask_url

SECRET = "S3cret-pw"

# every shape of bad URL met so far: unparseable, bad port, unknown dialect, unreachable
BAD_URLS = [
    f"user:{SECRET}@h/facetrainer",
    f"postgresql://u:{SECRET}@h:notaport/db",
    f"postgresql+psycopg2://u:{SECRET}@h:99999/db",
    f"nosuchdialect://u:{SECRET}@h/db",
    f"postgresql+nodriver://u:{SECRET}@h/db",
    f"postgresql+psycopg2://u:{SECRET}@127.0.0.1:1/db",
    f"postgresql+psycopg2://u:{SECRET}@127.0.0.1:1/db?connect_timeout=notanumber",
    f"sqlite://u:{SECRET}@/nonexistent/folder/x.sqlite3",
]


@pytest.fixture
def shared_umask():
    """A typical login umask (022): files would be world-readable unless made private."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.parametrize("url", BAD_URLS)
def test_no_error_shape_prints_the_password(url):
    with pytest.raises(StorageError) as err:
        open_database(url)
    text = str(err.value)
    assert SECRET not in text
    assert "@" not in text or "***" in text  # where the URL is quoted, it is masked
    assert err.value.__cause__ is None  # a chained exception could quote the URL


@pytest.mark.parametrize("url", BAD_URLS[:2])
def test_the_command_line_and_the_environment_never_print_the_password(
    url, monkeypatch, tmp_path, capsys
):
    assert main(["report", "--patient", "P1", "--pdf", str(tmp_path / "r.pdf"), "--db", url]) == 1
    monkeypatch.setenv("FACETRAINER_DB_URL", url)
    assert main(["data", "patients"]) != 0
    captured = capsys.readouterr()
    assert SECRET not in captured.err + captured.out
    assert "invalid database URL" in captured.err


def test_mask_url_uses_sqlalchemy_and_masks_what_it_cannot_parse():
    assert mask_url("postgresql://ana:pw@db.clinic/ft") == "postgresql://ana:***@db.clinic/ft"
    assert mask_url("ana:p@ss:word@db/ft") == "ana:***@db/ft"
    assert mask_url("sqlite:////tmp/x.sqlite3") == "sqlite:////tmp/x.sqlite3"


def test_a_new_database_and_its_wal_and_shm_are_private(tmp_path, shared_umask):
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    db = open_database(f"sqlite:///{folder / DB_FILE_NAME}")
    create_patient(db, "P001", affected_side="left")  # writes: -wal and -shm exist now
    files = [p for p in folder.iterdir() if p.name.startswith(DB_FILE_NAME)]
    assert {p.name for p in files} >= {DB_FILE_NAME, DB_FILE_NAME + "-wal", DB_FILE_NAME + "-shm"}
    for p in files:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p.name
    db.close()


def test_a_zero_byte_database_is_refused_not_replaced(tmp_path):
    path = tmp_path / DB_FILE_NAME
    path.write_bytes(b"")
    with pytest.raises(StorageError, match="empty .0-byte. file.*refused rather than replaced"):
        open_database(f"sqlite:///{path}")
    assert path.read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == [DB_FILE_NAME]


def test_a_database_in_a_read_only_folder_is_named_read_only(read_only_dir, tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    db = open_database(f"sqlite:///{good / DB_FILE_NAME}")
    create_patient(db, "P001", affected_side="left")
    db.close()
    folder = read_only_dir({DB_FILE_NAME: (good / DB_FILE_NAME).read_bytes()})
    with pytest.raises(StorageError, match=r"is read-only"):
        open_database(f"sqlite:///{folder / DB_FILE_NAME}")
    empty = read_only_dir()
    with pytest.raises(StorageError, match=r"folder .* is read-only"):
        open_database(f"sqlite:///{empty / DB_FILE_NAME}")


def test_a_failed_first_open_leaves_no_empty_file_behind(tmp_path, monkeypatch):
    import facetrainer.storage.database as database

    def broken(engine, url=""):
        raise StorageError("simulated migration failure")

    monkeypatch.setattr(database, "migrate", broken)
    with pytest.raises(StorageError):
        open_database(f"sqlite:///{tmp_path / DB_FILE_NAME}")
    assert not (tmp_path / DB_FILE_NAME).exists()  # the next run creates it afresh
