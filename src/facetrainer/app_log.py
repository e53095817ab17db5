"""FaceTrainer's log file: what happened before a crash, for diagnosing it afterwards.

:func:`start_logging` (called once by the ``facetrainer`` command) writes FaceTrainer's
``logging`` records (INFO and above; other libraries' from WARNING) to
``<user log folder>/facetrainer.log`` (:func:`facetrainer.paths.user_log_folder`), rotated
at 2 MB with 5 old files kept, the folder 0700 and the files 0600. Messages on the terminal
stay as they were: the log is an addition, not a replacement.

:func:`install_exception_hooks` sends every uncaught exception - on the main thread
(``sys.excepthook``, which Qt also calls for exceptions in slots) or on any worker thread
(``threading.excepthook``) - to the log with its traceback, and tells the user where the
log is (stderr, plus the window's status bar when the GUI registers a notifier).

Privacy: database URLs are written with the password masked (``user:***@host``) by a
filter on every record, whatever the code logged; FaceTrainer logs patients by their
pseudonymous code only, never names.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

LOG_FILE = "facetrainer.log"
MAX_BYTES = 2_000_000
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)-8s [%(threadName)s] %(name)s: %(message)s"
# scheme://user:password@host -> scheme://user:***@host (any scheme, e.g. postgresql+psycopg2)
_URL_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^:/@\s]*:)[^@\s]+(?=@)")

log = logging.getLogger("facetrainer")
_lock = threading.Lock()
_handler: logging.Handler | None = None
_notifiers: list[Callable[[str], None]] = []


def mask_secrets(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@`` URL masked."""
    return _URL_PASSWORD.sub(r"\g<head>***", text)


class SecretFilter(logging.Filter):
    """Masks database passwords in a record's message and traceback before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
        return True


class _OursOrWarnings(logging.Filter):
    """FaceTrainer's records from INFO, everyone else's from WARNING (MNE, SQLAlchemy …)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.startswith("facetrainer") or record.levelno >= logging.WARNING


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Rotating file whose current and rotated files are readable by the user only."""

    def _open(self):  # noqa: ANN202 - the base class's signature
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.chmod(self.baseFilename, 0o600)
        return os.fdopen(fd, self.mode.replace("w", "a"), encoding=self.encoding)


def log_file_path(folder: Path | None = None) -> Path:
    from facetrainer.paths import user_log_folder

    return (folder or user_log_folder()) / LOG_FILE


def start_logging(folder: Path | None = None, level: int = logging.INFO) -> Path | None:
    """Send log records to the rotating log file (once per process); returns its path.

    None when the log folder cannot be created (the app runs on without a log file and
    says so on stderr).
    """
    global _handler
    with _lock:
        path = log_file_path(folder)
        if _handler is not None:
            return Path(getattr(_handler, "baseFilename", path))
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            handler = _PrivateRotatingFileHandler(
                path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
            )
        except OSError as exc:
            print(f"facetrainer: no log file ({path}: {exc.strerror or exc})", file=sys.stderr)
            return None
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(_OursOrWarnings())
        handler.addFilter(SecretFilter())
        handler.setLevel(level)
        root = logging.getLogger()
        root.addHandler(handler)
        if root.level > level or root.level == logging.NOTSET:
            root.setLevel(level)
        logging.captureWarnings(True)
        _handler = handler
    from facetrainer import __version__

    log.info("FaceTrainer %s started (Python %s, %s); pid %d", __version__,
             sys.version.split()[0], sys.platform, os.getpid())
    return path


def stop_logging() -> None:
    """Detach and close the log file (tests; the app keeps it until it exits)."""
    global _handler
    with _lock:
        if _handler is not None:
            logging.getLogger().removeHandler(_handler)
            _handler.close()
            _handler = None


def add_notifier(notify: Callable[[str], None]) -> None:
    """Also tell the user through ``notify(text)`` (e.g. the window's status bar) when an
    uncaught exception is logged; it may be called from any thread."""
    _notifiers.append(notify)


def remove_notifier(notify: Callable[[str], None]) -> None:
    if notify in _notifiers:
        _notifiers.remove(notify)


def warn(message: str, logger: str = "facetrainer") -> None:
    """A diagnostic for the user: printed to stderr as before, and written to the log."""
    print(message, file=sys.stderr)
    logging.getLogger(logger).warning(message)


def _tell_user(what: str) -> None:
    where = getattr(_handler, "baseFilename", None)
    text = f"facetrainer: unexpected error: {what}" + (
        f" — the details are in the log {where}" if where else "")
    print(text, file=sys.stderr)
    for notify in list(_notifiers):
        try:
            notify(text)
        except Exception:  # noqa: BLE001, S110 - a dead window must not hide the error
            pass


def install_exception_hooks() -> None:
    """Log every uncaught exception (main thread, Qt slots, worker threads); idempotent."""
    previous_sys = sys.excepthook
    previous_thread = threading.excepthook

    def on_uncaught(exc_type: type[BaseException], exc: BaseException,
                    tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous_sys(exc_type, exc, tb)
            return
        log.critical("uncaught exception", exc_info=(exc_type, exc, tb))
        _tell_user(mask_secrets(f"{exc_type.__name__}: {exc}"))
        previous_sys(exc_type, exc, tb)

    def on_thread(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "?"
        value = args.exc_value
        log.critical("uncaught exception in thread %s", name,
                     exc_info=(args.exc_type, value, args.exc_traceback)
                     if value is not None else None)
        _tell_user(mask_secrets(f"{args.exc_type.__name__} in thread {name}: {args.exc_value}"))
        previous_thread(args)

    on_uncaught._facetrainer = True  # type: ignore[attr-defined]
    on_thread._facetrainer = True  # type: ignore[attr-defined]
    if not getattr(sys.excepthook, "_facetrainer", False):
        sys.excepthook = on_uncaught
    if not getattr(threading.excepthook, "_facetrainer", False):
        threading.excepthook = on_thread
