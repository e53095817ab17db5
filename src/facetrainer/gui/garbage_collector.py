"""Cyclic garbage collection only on the GUI thread.

Why: Python's automatic cyclic collector runs on whichever thread happens to allocate when a
generation's threshold is crossed — often the frame processor inside MediaPipe's ``process`` or
an EMG acquisition thread. When such a collection frees a Qt object, its destructor
(``QObject::~QObject``) takes a Qt mutex and then waits for the GIL, while the GUI thread, which
holds the GIL, waits for that mutex (e.g. ``QMetaObject::disconnect`` inside pyqtgraph). Both
wait for ever. pyqtgraph ships ``pyqtgraph.util.garbage_collector.GarbageCollector`` for exactly
this: automatic collection off, collection on a GUI-thread timer. This module is that technique
with three additions: it is installed once per process (the app and the tests' QApplication
share it), it can collect on demand (the tests call :meth:`GuiGarbageCollector.collect_pending`
between tests, when no event loop runs), and it records which threads collected so a test can
prove that no worker thread ever did.

Worker threads must therefore create no Qt objects (the panels hand work to plain Python
threads and get results back through queued signals).
"""

from __future__ import annotations

import gc
import threading

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 1000  # pyqtgraph's default; gen-0 counts stay far below a pause that a user sees

_installed: GuiGarbageCollector | None = None


class GuiGarbageCollector(QObject):
    """Turns automatic collection off and collects on a timer of the thread that built it.

    Parameters
    ----------
    interval_ms
        How often the timer checks the allocation counters (ms).
    parent
        Usually the ``QApplication``; the collector lives as long as it does.
    """

    def __init__(self, interval_ms: int = INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread_ident = threading.get_ident()
        self.thresholds = gc.get_threshold()
        self.n_collections = 0
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(int(interval_ms))
        self.timer.timeout.connect(self.collect_pending)
        self.timer.start()

    def collect_pending(self) -> int:
        """Collect the generations whose allocation counts crossed their thresholds.

        The same rule as CPython's automatic collector, applied on this (the GUI) thread.
        Returns the number of unreachable objects found.
        """
        if threading.get_ident() != self.thread_ident:
            raise RuntimeError(
                "GuiGarbageCollector.collect_pending called off the GUI thread "
                f"({threading.current_thread().name!r}): Qt objects must be freed on the GUI thread"
            )
        counts = gc.get_count()
        found = 0
        for generation in range(3):
            if counts[generation] <= self.thresholds[generation]:
                break
            found += gc.collect(generation)
            self.n_collections += 1
        return found

    def stop(self) -> None:
        """Stop the timer and give collection back to Python (used at application exit)."""
        self.timer.stop()
        gc.enable()


def install_garbage_collector(app: QCoreApplication, interval_ms: int = INTERVAL_MS
                              ) -> GuiGarbageCollector:
    """The process's collector, created on first call on the thread that runs ``app``.

    Idempotent: the app and the test fixtures may both call it. Call it on the GUI thread.
    """
    global _installed
    if _installed is None or not shiboken6.isValid(_installed):  # none yet, or its app is gone
        _installed = GuiGarbageCollector(interval_ms, parent=app)
    if not _installed.timer.isActive():
        _installed.timer.start()
    gc.disable()  # again, in case something turned automatic collection back on
    return _installed


def installed_garbage_collector() -> GuiGarbageCollector | None:
    """The collector installed in this process, if any."""
    return _installed
