"""Cyclic garbage is only collected on the GUI thread (the issue-10 deadlock cannot recur).

The deadlock: Python's automatic collector ran on the frame-processor thread, freed a Qt
object there, and its destructor waited for the GIL while holding a Qt mutex that the GUI
thread (holding the GIL) waited for while pyqtgraph rebuilt the EMG plots.
"""

from __future__ import annotations

import argparse
import gc
import threading
import time
import weakref

from facetrainer.capture.video_sources import ImageSource
from facetrainer.emg.brainflow_source import SYNTHETIC_BOARD_ID, BrainFlowSource
from facetrainer.gui.garbage_collector import installed_garbage_collector
from facetrainer.gui.main_window import MainWindow
from facetrainer.pipeline import Pipeline

STRESS_S = 5.0
MIN_REBUILDS = 3  # a 16-channel rebuild takes 0.2-1 s on a loaded 2-core machine
FRAME_WAIT_MS = 20000


class _Cycle:
    """A reference cycle: only the cyclic collector can free it."""

    def __init__(self) -> None:
        self.me = self
        self.payload = [self]


def test_collections_under_load_run_only_on_the_gui_thread(qtbot, astronaut_portrait):
    import pyqtgraph as pg

    from facetrainer.gui.emg_panel import EmgPanel

    collector = installed_garbage_collector()
    assert collector is not None and not gc.isenabled()
    pipeline = Pipeline()
    pipeline.set_video_source(ImageSource(astronaut_portrait, fps=30))
    pipeline.add_emg_source(BrainFlowSource(SYNTHETIC_BOARD_ID))
    window = MainWindow(pipeline, argparse.Namespace())
    qtbot.addWidget(window)
    window.show()
    window.start()
    panel = window.findChild(EmgPanel)
    assert panel is not None
    qtbot.waitUntil(lambda: panel.n_draws > 0 and window.n_frames_drawn > 0,
                    timeout=FRAME_WAIT_MS)

    collecting_threads: list[int] = []

    def on_gc(phase: str, _info: dict) -> None:
        if phase == "start":
            collecting_threads.append(threading.get_ident())

    stop = threading.Event()
    allocated = [0]

    def allocate_cycles() -> None:  # what the processing/EMG threads do all the time
        while not stop.is_set():
            for _ in range(2000):
                _Cycle()
            allocated[0] += 2000
            time.sleep(0.02)  # a worker waits for its device between chunks

    qt_garbage: list[weakref.ref] = []
    gc.callbacks.append(on_gc)
    worker = threading.Thread(target=allocate_cycles, name="allocating-worker", daemon=True)
    worker.start()
    try:
        n_rebuilds = 0
        deadline = time.monotonic() + STRESS_S
        while time.monotonic() < deadline:
            panel._invalidate()  # the next refresh tears down and rebuilds every plot row
            plot = pg.PlotItem()  # Qt garbage in a cycle, as a torn-down panel leaves behind
            plot.cycle = plot
            qt_garbage.append(weakref.ref(plot))
            del plot
            qtbot.waitUntil(lambda: panel._built_for is not None, timeout=FRAME_WAIT_MS)
            n_rebuilds += 1
        stop.set()
        worker.join(timeout=5)
        window.close()
        qtbot.wait(int(collector.timer.interval() * 1.5))
        collector.collect_pending()
        gc.collect()  # the main (GUI) thread: drains whatever is left
    finally:
        stop.set()
        gc.callbacks.remove(on_gc)

    main = threading.get_ident()
    generation0_threshold = gc.get_threshold()[0]
    # Enough allocation on the worker that automatic collection would have run there.
    assert allocated[0] > 20 * generation0_threshold
    assert n_rebuilds >= MIN_REBUILDS
    assert collecting_threads, "the GUI-thread collector never ran"
    off_thread = [t for t in collecting_threads if t != main]
    assert off_thread == [], f"{len(off_thread)} collections ran on a worker thread"
    assert all(ref() is None for ref in qt_garbage), "cyclic Qt garbage was never freed"


def test_collector_refuses_to_run_off_the_gui_thread(qapp):
    collector = installed_garbage_collector()
    errors: list[BaseException] = []

    def call() -> None:
        try:
            collector.collect_pending()
        except RuntimeError as exc:
            errors.append(exc)

    t = threading.Thread(target=call)
    t.start()
    t.join()
    assert len(errors) == 1 and "off the GUI thread" in str(errors[0])


def test_automatic_collection_stays_off_after_the_app_installs_it(qapp):
    from facetrainer.gui.garbage_collector import install_garbage_collector

    gc.enable()
    collector = install_garbage_collector(qapp)
    assert collector is installed_garbage_collector()
    assert not gc.isenabled() and collector.timer.isActive()
