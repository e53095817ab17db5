"""Where FaceTrainer keeps the user's files (one folder for data, exercises, montages)."""

from __future__ import annotations

from pathlib import Path


def user_data_folder() -> Path:
    """The user's FaceTrainer folder from platformdirs (not created here).

    ``~/.local/share/FaceTrainer`` on Linux (honours ``XDG_DATA_HOME``),
    ``~/Library/Application Support/FaceTrainer`` on macOS,
    ``%LOCALAPPDATA%\\FaceTrainer`` on Windows.
    """
    from platformdirs import user_data_dir

    return Path(user_data_dir("FaceTrainer", appauthor=False))
