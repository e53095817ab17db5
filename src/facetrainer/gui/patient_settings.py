"""What FaceTrainer remembers between runs (QSettings): the patient, program, sources, audio,
mode, and each window's geometry and dock layout.

One typed wrapper so that keys are spelled once. Values that cannot be read back (a
settings file edited by hand, a type changed between versions) fall back to the default
instead of failing the start.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from facetrainer.exercises.cues import CueSettings

ORGANISATION, APPLICATION = "FaceTrainer", "FaceTrainer"
MODES = ("patient", "therapist")


class AppSettings:
    """Typed access to the app's QSettings.

    Parameters
    ----------
    settings : QSettings, optional
        Default: the user's settings for FaceTrainer (tests pass one on a temporary file).
    """

    def __init__(self, settings: QSettings | None = None) -> None:
        self.q = settings or QSettings(ORGANISATION, APPLICATION)

    def _get(self, key: str, default: Any, kind: type) -> Any:
        value = self.q.value(key, default)
        if kind is bool:
            if isinstance(value, str):
                return value.lower() in ("1", "true", "yes")
            return bool(value)
        try:
            return kind(value)
        except (TypeError, ValueError):
            return default

    # -- who and what --------------------------------------------------------------------
    @property
    def patient_code(self) -> str:
        return self._get("profile/patient_code", "", str)

    @patient_code.setter
    def patient_code(self, code: str) -> None:
        self.q.setValue("profile/patient_code", code)

    @property
    def program_id(self) -> int | None:
        value = self._get("profile/program_id", -1, int)
        return None if value < 0 else value

    @program_id.setter
    def program_id(self, value: int | None) -> None:
        self.q.setValue("profile/program_id", -1 if value is None else int(value))

    @property
    def mode(self) -> str:
        mode = self._get("app/mode", "therapist", str)
        return mode if mode in MODES else "therapist"

    @mode.setter
    def mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode {mode!r}: must be one of {MODES}")
        self.q.setValue("app/mode", mode)

    # -- sources -------------------------------------------------------------------------
    @property
    def video_source(self) -> str:
        return self._get("sources/video", "", str)

    @video_source.setter
    def video_source(self, spec: str) -> None:
        self.q.setValue("sources/video", spec)

    @property
    def emg_sources(self) -> list[str]:
        value = self.q.value("sources/emg", [])
        if isinstance(value, str):
            return [value] if value else []
        return [str(v) for v in value] if isinstance(value, list) else []

    @emg_sources.setter
    def emg_sources(self, specs: list[str]) -> None:
        self.q.setValue("sources/emg", list(specs))

    @property
    def montage(self) -> str:
        return self._get("sources/montage", "", str)

    @montage.setter
    def montage(self, path: str) -> None:
        self.q.setValue("sources/montage", path)

    # -- audio ---------------------------------------------------------------------------
    def cue_settings(self, mode: str) -> CueSettings:
        """The audio preferences of a mode: sounds on in patient mode, off in therapist
        mode, unless changed."""
        prefix = f"audio/{mode}/"
        return CueSettings(
            sounds=self._get(prefix + "sounds", mode == "patient", bool),
            speech=self._get(prefix + "speech", False, bool),
            volume=min(max(self._get(prefix + "volume", 0.6, float), 0.0), 1.0),
        )

    def set_cue_settings(self, mode: str, cues: CueSettings) -> None:
        prefix = f"audio/{mode}/"
        self.q.setValue(prefix + "sounds", bool(cues.sounds))
        self.q.setValue(prefix + "speech", bool(cues.speech))
        self.q.setValue(prefix + "volume", float(cues.volume))

    # -- windows -------------------------------------------------------------------------
    def save_window(self, name: str, window: Any) -> None:
        """Geometry (and dock layout of a QMainWindow) of ``window`` under ``name``."""
        self.q.setValue(f"windows/{name}/geometry", window.saveGeometry())
        if hasattr(window, "saveState"):
            self.q.setValue(f"windows/{name}/state", window.saveState())

    def restore_window(self, name: str, window: Any) -> bool:
        """Put ``window`` back as it was; False when nothing was saved."""
        geometry = self.q.value(f"windows/{name}/geometry")
        if not isinstance(geometry, QByteArray | bytes) or not geometry:
            return False
        window.restoreGeometry(geometry)
        state = self.q.value(f"windows/{name}/state")
        if hasattr(window, "restoreState") and isinstance(state, QByteArray | bytes) and state:
            window.restoreState(state)
        return True

    def sync(self) -> None:
        self.q.sync()
