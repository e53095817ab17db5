"""Where FaceTrainer keeps the user's files (one folder for data, exercises, montages).

One place names every folder, so the README, ``facetrainer --paths``, Help → About and the
code that reads the folders cannot disagree.
"""

from __future__ import annotations

import os
from pathlib import Path

DB_FILE_NAME = "facetrainer.sqlite3"
EXERCISES_FOLDER = "exercises"


def user_data_folder() -> Path:
    """The user's FaceTrainer folder from platformdirs (not created here).

    ``~/.local/share/FaceTrainer`` on Linux (honours ``XDG_DATA_HOME``),
    ``~/Library/Application Support/FaceTrainer`` on macOS,
    ``%LOCALAPPDATA%\\FaceTrainer`` on Windows.
    """
    from platformdirs import user_data_dir

    return Path(user_data_dir("FaceTrainer", appauthor=False))


def user_config_folder() -> Path:
    """FaceTrainer's settings folder (LSL settings, ``lsl_api.cfg``) from platformdirs:
    ``~/.config/FaceTrainer`` on Linux (honours ``XDG_CONFIG_HOME``)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("FaceTrainer", appauthor=False))


def user_log_folder() -> Path:
    """FaceTrainer's log folder (``facetrainer.log`` and its rotations) from platformdirs:
    ``~/.local/state/FaceTrainer/log`` on Linux (honours ``XDG_STATE_HOME``),
    ``~/Library/Logs/FaceTrainer`` on macOS, ``%LOCALAPPDATA%\\FaceTrainer\\Logs`` on
    Windows."""
    from platformdirs import user_log_dir

    return Path(user_log_dir("FaceTrainer", appauthor=False))


def user_exercise_folder() -> Path:
    """Where the user's own exercise files (TOML) are read from: ``<data folder>/exercises``."""
    return user_data_folder() / EXERCISES_FOLDER


def user_paths(data_dir: str | Path | None = None, db_url: str | None = None) -> dict[str, str]:
    """What ``facetrainer --paths`` prints: each folder or database FaceTrainer uses.

    ``data_dir`` and ``db_url`` are the ``--data-dir`` and ``--db`` options; the database
    URL is shown with its password masked.
    """
    folder = Path(data_dir) if data_dir else user_data_folder()
    url = db_url or os.environ.get("FACETRAINER_DB_URL", "").strip()
    if url:
        from facetrainer.storage.database import mask_url

        database = mask_url(url)
    else:
        database = str(folder / DB_FILE_NAME)
    return {
        "data folder": str(folder),
        "database": database,
        "exercise files": str(user_exercise_folder()),
        "log folder": str(user_log_folder()),
    }
