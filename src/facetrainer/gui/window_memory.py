"""What the main (therapist) window remembers between runs: its geometry and dock layout,
the video source, the montage and the mode (patient mode reopens at start).

Restored once the window is built (after its docks are arranged), saved when it closes.
A source or montage given on the command line wins over the remembered one; a remembered
one that is gone (a camera unplugged, a file moved) is reported on the status bar and the
default is kept. (EMG devices are remembered by the Connect EMG dialog.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject

from facetrainer.gui.patient_settings import AppSettings

SOURCE_ARGS = ("camera", "video", "image", "demo")


def video_spec(source: Any) -> str:
    """``camera:N`` or ``video:PATH`` for a source worth remembering, else ""."""
    from facetrainer.capture.video_sources import CameraSource, VideoFileSource

    if isinstance(source, CameraSource):
        return f"camera:{source.index}"
    if isinstance(source, VideoFileSource):
        return f"video:{source.path}"
    return ""


def source_from_spec(spec: str) -> Any:
    """The video source of a remembered spec; ValueError names what is gone."""
    from facetrainer.capture.video_sources import CameraSource, VideoFileSource

    kind, _, value = spec.partition(":")
    if kind == "camera" and value.isdigit():
        return CameraSource(int(value))
    if kind == "video" and Path(value).is_file():
        return VideoFileSource(value)
    raise ValueError(f"the remembered video source {spec!r} is not available")


def montage_spec(montage: Any) -> str:
    """What reloads a montage: its file, else the packaged montage's name, else ""."""
    from facetrainer.emg.montage import list_montages, load_montage

    if montage is None:
        return ""
    if montage.path is not None:
        return str(montage.path)
    for name in list_montages():  # a packaged montage carries its title, not its file name
        if load_montage(name).channels == montage.channels:
            return name
    return ""


class WindowMemory(QObject):
    """Saves the main window's state when it closes (an event filter on it)."""

    def __init__(self, window: Any, settings: AppSettings | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings or AppSettings()
        window.installEventFilter(self)

    def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802 - Qt override
        if obj is self.window and event.type() == QEvent.Type.Close:
            self.save()
        return False

    def save(self) -> None:
        s, model = self.settings, getattr(self.window, "model", None)
        s.save_window("main", self.window)
        if model is not None:
            spec = video_spec(model.video_source)
            if spec:
                s.video_source = spec
            s.montage = montage_spec(model.montage)
        s.sync()

    def restore(self) -> None:
        """Geometry and docks; the source and montage unless the command line chose them."""
        s, window = self.settings, self.window
        s.restore_window("main", window)
        args, model = window.app_args, getattr(window, "model", None)
        if model is None:
            return
        if s.video_source and not any(getattr(args, a, None) for a in SOURCE_ARGS):
            try:
                model.set_video_source(source_from_spec(s.video_source))
            except ValueError as exc:
                window.show_status(f"{exc}: using the default")
        if s.montage and not getattr(args, "montage", None) and model.montage is None:
            try:
                model.set_montage(s.montage)
            except ValueError as exc:
                window.show_status(f"the remembered montage could not be used: {exc}")
