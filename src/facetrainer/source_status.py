"""The state every data source reports, shown in the status bar and logged."""

from __future__ import annotations

import enum
import logging
import threading
from dataclasses import dataclass

from facetrainer.app_log import warn


class SourceState(enum.StrEnum):
    IDLE = "idle"
    CONNECTING = "connecting"
    STREAMING = "streaming"
    DISCONNECTED = "disconnected"  # was streaming, device went away; may come back
    FINISHED = "finished"  # a file that ended (no loop)
    FAILED = "failed"  # could not be opened; the message says why


@dataclass(frozen=True)
class SourceStatus:
    name: str
    state: SourceState
    message: str = ""


class StatusHolder:
    """Thread-safe holder of one source's status; prints failures to stderr once."""

    def __init__(self, name: str) -> None:
        self._lock = threading.Lock()
        self._status = SourceStatus(name, SourceState.IDLE)

    @property
    def status(self) -> SourceStatus:
        with self._lock:
            return self._status

    def set(self, state: SourceState, message: str = "") -> None:
        with self._lock:
            changed = (state, message) != (self._status.state, self._status.message)
            self._status = SourceStatus(self._status.name, state, message)
        if changed:
            logging.getLogger("facetrainer.sources").info(
                "%s: %s%s", self._status.name, state.value, f" ({message})" if message else "")
        if changed and state in (SourceState.FAILED, SourceState.DISCONNECTED) and message:
            warn(f"facetrainer: {self._status.name}: {message}", "facetrainer.sources")
