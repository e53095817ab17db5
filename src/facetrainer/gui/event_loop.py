"""What the GUI thread's event loop runs besides Qt's own work, set up once per application.

- Cyclic garbage collection on this thread only (:mod:`facetrainer.gui.garbage_collector`).
- The psygnal queue: the core's typed events (``model.events``) are emitted on worker threads;
  a panel connects with ``thread="main"`` and the callbacks run here, every
  ``QUEUED_EVENTS_MS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from psygnal import emit_queued
from PySide6.QtCore import QCoreApplication, QObject, QTimer

from facetrainer.gui.garbage_collector import install_garbage_collector

QUEUED_EVENTS_MS = 25  # panels react within a frame or two; bars redraw on their own timers


_queue_timer: QTimer | None = None


def prepare_application(app: QCoreApplication) -> None:
    """Install the GUI-thread garbage collector and deliver queued core events (idempotent).
    Call on the GUI thread before any worker thread starts.

    (psygnal's own ``psygnal.qt.start_emitting_from_queue`` does the same but needs qtpy.)
    """
    global _queue_timer
    install_garbage_collector(app)
    if _queue_timer is None or not shiboken6.isValid(_queue_timer):
        _queue_timer = QTimer(app)
        _queue_timer.setInterval(QUEUED_EVENTS_MS)
        _queue_timer.timeout.connect(emit_queued)
    if not _queue_timer.isActive():
        _queue_timer.start()


def connect_while_alive(widget: QObject, signal: Any, callback: Callable[..., Any]) -> None:
    """Connect a core (psygnal) signal to a widget's callback, run on the GUI thread, and
    disconnect it when the widget is destroyed (napari's pattern: a panel never outlives its
    subscriptions, and a core event never reaches a deleted widget)."""
    signal.connect(callback, thread="main")

    def disconnect(*_args: Any) -> None:
        signal.disconnect(callback, missing_ok=True)

    widget.destroyed.connect(disconnect)
