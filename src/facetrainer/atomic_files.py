"""Files written whole or not at all, private to the user, with no leftovers after a kill.

Every file FaceTrainer writes (analysis JSON/CSV, scores, calibration, report PDF/CSV/
JSON/EDF+, programs, bundles) goes through this module:

- the content is written to a temporary name **in the same folder** (so the final rename
  never crosses a file system), flushed and ``fsync``-ed, then moved over the target with
  ``os.replace``: a full disk, an exception or a kill leaves the earlier file as it was;
- the temporary file is created ``0600`` (patient data); an existing target keeps its own
  permissions (the user chose them), a new one stays private;
- each temporary name is recorded in a small journal in the user's data folder while it
  exists; :func:`remove_leftovers` (run at the start of every ``facetrainer`` command)
  deletes those a killed process left behind.

Temporary names look like ``.<target>.ft-<pid>-<random>.part`` so that a folder listing
shows what they belong to and which process wrote them.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
PRIVATE_UMASK = 0o077
_TEMP_MARK = ".ft-"
_TEMP_PATTERN = re.compile(r"^\..+\.ft-(\d+)-[A-Za-z0-9_]+\.part(\.[A-Za-z0-9]{1,8})?$")
_journal_lock = threading.Lock()


def set_private_umask() -> int:
    """Make every file and folder this process creates private (umask 077); return the old."""
    return os.umask(PRIVATE_UMASK)


def journal_folder() -> Path:
    """Where the names of temporary files being written are recorded (the user's data folder)."""
    from facetrainer.paths import user_data_folder

    return user_data_folder() / "pending-writes"


def _journal_entry(tmp: Path) -> Path:
    return journal_folder() / f"{os.getpid()}-{zlib.crc32(str(tmp).encode()):08x}"


def _remember(tmp: Path) -> Path | None:
    """Record ``tmp`` in the journal; None when the journal cannot be written (not fatal)."""
    entry = _journal_entry(tmp)
    try:
        with _journal_lock:
            make_private_dir(entry.parent)
            fd = os.open(entry, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(str(tmp.absolute()))
    except OSError:
        return None
    return entry


def _forget(entry: Path | None) -> None:
    if entry is not None:
        with contextlib.suppress(OSError):
            entry.unlink()


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    except OSError:
        return False
    return True


def _remove_path(path: Path) -> bool:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        else:
            return False
    except OSError:
        return False
    return True


def remove_leftovers(folders: tuple[Path, ...] = ()) -> list[Path]:
    """Delete temporary files and staging folders of FaceTrainer processes no longer running.

    Parameters
    ----------
    folders : tuple of Path
        Folders to scan as well as the journal (e.g. an output folder about to be written).

    Returns
    -------
    list of Path
        What was removed.
    """
    removed: list[Path] = []
    journal = journal_folder()
    if journal.is_dir():
        for entry in sorted(journal.iterdir()):
            pid_text = entry.name.split("-", 1)[0]
            if not pid_text.isdigit() or _pid_alive(int(pid_text)):
                continue
            try:
                target = Path(entry.read_text(encoding="utf-8").strip())
            except (OSError, UnicodeDecodeError):
                target = None
            if target is not None and _is_temp_name(target.name) and _remove_path(target):
                removed.append(target)
            _forget(entry)
    for folder in folders:
        try:
            names = list(Path(folder).iterdir())
        except OSError:
            continue
        for path in names:
            m = _TEMP_PATTERN.match(path.name)
            if m and not _pid_alive(int(m.group(1))) and _remove_path(path):
                removed.append(path)
    return removed


def _new_temporary(
    parent: Path, prefix: str, suffix: str, *, folder: bool
) -> tuple[Path, Path | None]:
    """Create a new private temporary file (or folder) in ``parent``; return it and its
    journal entry. The journal is written *before* the file exists, so a kill at any moment
    leaves nothing the next start cannot find."""
    for _ in range(100):
        path = parent / f"{prefix}{secrets.token_hex(4)}{suffix}"
        entry = _remember(path)
        try:
            if folder:
                os.mkdir(path, PRIVATE_DIR_MODE)
            else:
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
        except FileExistsError:
            _forget(entry)
            continue
        except BaseException:
            _forget(entry)
            raise
        return path, entry
    raise FileExistsError(f"no free temporary name in {parent}")


def _is_temp_name(name: str) -> bool:
    return _TEMP_PATTERN.match(name) is not None


def _temp_name(target: Path) -> str:
    return f".{target.name}{_TEMP_MARK}{os.getpid()}-"


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not supported everywhere (e.g. Windows)
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _keep_mode(target: Path, tmp: Path, private: bool) -> None:
    """An existing target keeps its permissions; a new file is private unless asked not."""
    try:
        mode = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = PRIVATE_FILE_MODE if private else 0o666 & ~_current_umask()
    os.chmod(tmp, mode)


def _current_umask() -> int:
    old = os.umask(PRIVATE_UMASK)
    os.umask(old)
    return old


@contextlib.contextmanager
def atomic_path(
    target: Path | str, *, private: bool = True, keep_suffix: bool = False
) -> Iterator[Path]:
    """A temporary path next to ``target`` for a writer that wants a file name.

    The caller writes the whole file at the yielded path (e.g. reportlab, pyedflib); on
    normal exit it is fsync-ed and moved over ``target``; on an exception it is deleted
    and ``target`` is left as it was. ``keep_suffix`` ends the temporary name in the
    target's extension too, for writers that choose the format by it (OpenCV's video
    writer).

    Raises
    ------
    OSError
        When the folder cannot hold the temporary file (missing, read-only, full).
    """
    target = Path(target)
    suffix = ".part" + (target.suffix if keep_suffix else "")
    tmp, entry = _new_temporary(target.parent, _temp_name(target), suffix, folder=False)
    try:
        yield tmp
        _keep_mode(target, tmp, private)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
        _fsync_folder(target.parent)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
        _forget(entry)


@contextlib.contextmanager
def atomic_open(
    target: Path | str,
    mode: str = "w",
    *,
    encoding: str | None = "utf-8",
    newline: str | None = None,
    private: bool = True,
) -> Iterator[IO[Any]]:
    """Open ``target`` for writing through a temporary file (see :func:`atomic_path`).

    ``mode`` is ``"w"`` (text, ``encoding``/``newline`` apply) or ``"wb"``.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open: mode must be 'w' or 'wb', got {mode!r}")
    with atomic_path(target, private=private) as tmp:
        if mode == "wb":
            with open(tmp, "wb") as fb:
                yield fb
                fb.flush()
        else:
            with open(tmp, "w", encoding=encoding, newline=newline) as ft:
                yield ft
                ft.flush()


def write_text_atomic(target: Path | str, text: str, *, private: bool = True) -> Path:
    """Write ``text`` (UTF-8) to ``target`` whole or not at all; return the path."""
    with atomic_open(target, "w", private=private) as f:
        f.write(text)
    return Path(target)


def write_bytes_atomic(target: Path | str, data: bytes, *, private: bool = True) -> Path:
    """Write ``data`` to ``target`` whole or not at all; return the path."""
    with atomic_open(target, "wb", private=private) as f:
        f.write(data)
    return Path(target)


def staging_folder(out_dir: Path | str) -> Path:
    """A private, journalled folder inside ``out_dir`` to assemble several files in.

    Move the finished files out with ``os.replace`` and remove the folder with
    :func:`discard_staging_folder`; a killed process's folder is removed by
    :func:`remove_leftovers`.
    """
    out_dir = Path(out_dir)
    path, _ = _new_temporary(out_dir, f".staging{_TEMP_MARK}{os.getpid()}-", ".part", folder=True)
    return path


def publish_staged(files: dict[str, Path], out_dir: Path | str, *, private: bool = True) -> list[Path]:
    """Move finished files from a staging folder into ``out_dir`` (name → staged path).

    Each file is fsync-ed and given the target's permissions (private when new) before the
    rename; return the final paths.
    """
    out_dir = Path(out_dir)
    for name, staged in files.items():
        _keep_mode(out_dir / name, staged, private)
        fd = os.open(staged, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    done = []
    for name, staged in files.items():
        os.replace(staged, out_dir / name)
        done.append(out_dir / name)
    _fsync_folder(out_dir)
    return done


def discard_staging_folder(path: Path) -> None:
    """Remove a staging folder (whatever is left in it) and its journal entry."""
    shutil.rmtree(path, ignore_errors=True)
    _forget(_journal_entry(path))


def describe_os_error(exc: OSError) -> str:
    """The OS's reason, plainly: a full disk and a read-only folder are named as such."""
    if exc.errno == errno.ENOSPC:
        return "the disk is full (earlier files were left as they were)"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"the folder is read-only ({exc.strerror})"
    return exc.strerror or str(exc)


def make_private_dir(path: Path | str) -> Path:
    """Create ``path`` (and parents) with mode 0700 where created; return it."""
    path = Path(path)
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    path.mkdir(parents=True, exist_ok=True)
    for p in missing:
        with contextlib.suppress(OSError):
            os.chmod(p, PRIVATE_DIR_MODE)
    return path
