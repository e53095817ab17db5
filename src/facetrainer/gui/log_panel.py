"""Help → Open log folder, and unexpected errors shown in the status bar.

The log file itself is started by the ``facetrainer`` command (:mod:`facetrainer.app_log`);
this module only lets the user find it and registers the window as the place where an
uncaught exception (from any thread) is announced, with the log's path.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices

from facetrainer.app_log import add_notifier, remove_notifier
from facetrainer.paths import user_log_folder

ERROR_SHOWN_MS = 60000


class LogNotices(QObject):
    """Carries error texts from any thread to the window's status bar (Qt queues them)."""

    error = Signal(str)

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.last_error = ""
        self.error.connect(self._show)
        add_notifier(self.error.emit)
        window.destroyed.connect(lambda *_: remove_notifier(self.error.emit))

    def _show(self, text: str) -> None:
        self.last_error = text
        self.window.show_status(text, ERROR_SHOWN_MS)

    def open_folder(self) -> bool:
        folder = user_log_folder()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        ok = QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
        if not ok:
            self.window.show_status(f"Log folder: {folder}", ERROR_SHOWN_MS)
        return ok


def install(window: Any) -> None:
    """Add Help → Open log folder and show uncaught errors in the status bar."""
    notices = LogNotices(window)
    window.menu("Help").addAction("Open log folder", notices.open_folder)
    window.extensions["log_notices"] = notices
