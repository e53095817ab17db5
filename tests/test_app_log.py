"""The log file: uncaught exceptions from worker threads land in it with their traceback,
database passwords never do, it rotates and is private."""

from __future__ import annotations

import logging
import stat
import threading

import pytest

from facetrainer import app_log

SECRET = "S3cretPassw0rd"
URL = f"postgresql+psycopg2://therapist:{SECRET}@db.clinic.example/facetrainer"


@pytest.fixture
def log_file(tmp_path, monkeypatch):
    app_log.stop_logging()
    path = app_log.start_logging(tmp_path / "log")
    yield path
    app_log.stop_logging()


def _flush():
    for h in logging.getLogger().handlers:
        h.flush()


def test_an_exception_on_a_worker_thread_is_logged_with_its_traceback(log_file, capsys):
    import sys

    previous, previous_sys = threading.excepthook, sys.excepthook
    app_log.install_exception_hooks()
    told = []
    app_log.add_notifier(told.append)
    try:
        def work():
            raise RuntimeError("EMG worker broke on purpose")

        t = threading.Thread(target=work, name="emg:test-worker")
        t.start()
        t.join()
    finally:
        threading.excepthook, sys.excepthook = previous, previous_sys
        app_log.remove_notifier(told.append)
    _flush()
    text = log_file.read_text()
    assert "uncaught exception in thread emg:test-worker" in text
    assert "RuntimeError: EMG worker broke on purpose" in text and "Traceback" in text
    assert str(log_file) in capsys.readouterr().err  # the user is told where the log is
    assert told and str(log_file) in told[0]


def test_a_database_url_with_a_password_never_reaches_the_log(log_file):
    from facetrainer.storage.database import StorageError, open_database

    logging.getLogger("facetrainer.test").info("connecting to %s", URL)
    logging.getLogger("facetrainer.test").error("failed: " + URL)
    try:
        raise ConnectionError(f"could not connect to {URL}")
    except ConnectionError:
        logging.getLogger("facetrainer.test").exception("with traceback")
    with pytest.raises(StorageError):
        open_database(f"postgresql+psycopg2://therapist:{SECRET}@127.0.0.1:1/nodb")
    _flush()
    text = log_file.read_text()
    assert SECRET not in text
    assert "therapist:***@db.clinic.example" in text
    assert "opening database postgresql+psycopg2://therapist:***@127.0.0.1:1/nodb" in text


def test_log_file_is_private_and_rotates(tmp_path, monkeypatch):
    app_log.stop_logging()
    monkeypatch.setattr(app_log, "MAX_BYTES", 2000)
    path = app_log.start_logging(tmp_path / "log")
    try:
        for i in range(200):
            logging.getLogger("facetrainer.test").info("line %d %s", i, "x" * 40)
        _flush()
    finally:
        app_log.stop_logging()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    rotated = sorted(path.parent.glob("facetrainer.log.*"))
    assert 1 <= len(rotated) <= app_log.BACKUP_COUNT
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in rotated)


def test_other_libraries_are_logged_from_warning_only(log_file):
    logging.getLogger("sqlalchemy.engine").info("chatty library detail")
    logging.getLogger("sqlalchemy.engine").warning("library warning")
    logging.getLogger("facetrainer.emg").info("our own detail")
    _flush()
    text = log_file.read_text()
    assert "chatty library detail" not in text
    assert "library warning" in text and "our own detail" in text


def test_cli_paths_name_the_log_folder(capsys):
    from facetrainer.cli import main

    assert main(["--paths"]) == 0
    assert "log folder:" in capsys.readouterr().out
