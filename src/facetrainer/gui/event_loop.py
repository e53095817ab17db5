"""What the GUI thread's event loop runs besides Qt's own work, set up once per application.

- Cyclic garbage collection on this thread only (:mod:`facetrainer.gui.garbage_collector`).
- The psygnal queue: the core's typed events (``model.events``) are emitted on worker threads;
  a panel connects with ``thread="main"`` and the callbacks run here, every
  ``QUEUED_EVENTS_MS``.
- A short GIL switch interval (``GIL_SWITCH_INTERVAL_S``): the GUI thread gives the GIL up
  around every Qt call, and with the acquisition, processing, mirror, engine and recorder
  threads running Python it waited up to Python's default 5 ms to get it back each time, so
  on a busy machine a redraw took several frame periods and frames were skipped. At 1 ms
  the window painted 87-90 % of the processed frames with the demo instead of 67-79 %
  (offscreen, load 14-15 on 2 cores, same session), at the same CPU.
- One BLAS thread (``threadpool_limits(1, "blas")``): numpy's OpenBLAS starts a helper
  thread per core that spins after every matrix product; with the small products of a live
  session (landmarks, the virtual patient's face, filters) it burned 0.4 of a core doing
  nothing. With one BLAS thread the demo used 0.74-0.84 instead of 1.31-1.33 cores at the
  same 26-29 fps (offscreen, load 11-12, runs interleaved).
- One OpenCV thread (``cv2.setNumThreads(1)``): OpenCV splits each remap, resize and warp
  over a pool of one thread per core, whose hand-over costs more than it gains for
  640x480 images when the live session already runs its stages on parallel threads: the
  virtual patient's face took 4.9 ms of CPU per frame with the pool against 3.4 ms without
  (2.7 vs 3.4 ms wall; one render, quiet machine).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import cv2
import shiboken6
from psygnal import emit_queued
from PySide6.QtCore import QCoreApplication, QObject, QTimer
from threadpoolctl import threadpool_limits

from facetrainer.gui.garbage_collector import install_garbage_collector

QUEUED_EVENTS_MS = 25  # panels react within a frame or two; bars redraw on their own timers
GIL_SWITCH_INTERVAL_S = 0.001  # Python's default is 0.005


_queue_timer: QTimer | None = None


def prepare_application(app: QCoreApplication) -> None:
    """Install the GUI-thread garbage collector and deliver queued core events (idempotent).
    Call on the GUI thread before any worker thread starts.

    (psygnal's own ``psygnal.qt.start_emitting_from_queue`` does the same but needs qtpy.)
    """
    global _queue_timer
    install_garbage_collector(app)
    threadpool_limits(limits=1, user_api="blas")  # lasts for the process (not a context)
    cv2.setNumThreads(1)
    sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL_S))
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

    def while_alive(*args: Any) -> None:
        # An emission queued before the widget was destroyed is still delivered by the
        # queue after the disconnect below: drop it rather than touch a deleted widget.
        if shiboken6.isValid(widget):
            callback(*args)

    signal.connect(while_alive, thread="main")

    def disconnect(*_args: Any) -> None:
        signal.disconnect(while_alive, missing_ok=True)

    widget.destroyed.connect(disconnect)
