"""Start-up: the first face reaches the screen before the panels' heavy imports load.

What the first frame does not need (storage and SQLAlchemy, the reports, the feature
panels) is imported only once the window has drawn its first face. These are import
checks, not timings: the machine's speed varies too much for a timed assert
(``benchmarks/bench_startup.py`` measures the time).
"""

import argparse
import os
import subprocess
import sys

from facetrainer.capture.video_sources import ImageSource
from facetrainer.gui.main_window import PANEL_MODULES, MainWindow
from facetrainer.pipeline import Pipeline

FRAME_WAIT_MS = 20000
# Loaded by the panels, never needed for the first face.
HEAVY_MODULES = ("sqlalchemy", "reportlab", "facetrainer.storage", "facetrainer.reports",
                 *PANEL_MODULES)

# The app as a person starts it (facetrainer --demo); prints the modules loaded at the
# moment the window has drawn its first frame with a face, then exits.
FIRST_FACE_MODULES = """
import os, sys
import facetrainer.gui.main_window as main_window
start = main_window.MainWindow.start
def start_and_watch(window):
    def drawn(_index):
        if window.live_view.caption == "":  # a face in the frame just drawn
            print("PANELS", len(window.panels))
            print("MODULES", " ".join(sorted(sys.modules)))
            sys.stdout.flush()
            os._exit(0)
    window.frame_drawn.connect(drawn)
    start(window)
main_window.MainWindow.start = start_and_watch
from facetrainer.cli import main
main(["--demo", "--data-dir", sys.argv[1], "--quit-after", "90"])
print("NO FACE")
"""


def test_the_demo_draws_its_first_face_before_storage_reports_and_panels_load(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GLOG_minloglevel": "3"}
    r = subprocess.run([sys.executable, "-c", FIRST_FACE_MODULES, str(tmp_path)], env=env,
                       capture_output=True, text=True, timeout=150)
    lines = dict(line.split(" ", 1) for line in r.stdout.splitlines() if " " in line)
    assert "MODULES" in lines, r.stdout[-2000:] + r.stderr[-2000:]
    loaded = set(lines["MODULES"].split())
    early = sorted(m for m in loaded if m in HEAVY_MODULES
                   or m.startswith(("sqlalchemy.", "facetrainer.storage.", "facetrainer.reports.")))
    assert early == []
    assert lines["PANELS"] == "0"


def test_deferred_panels_are_installed_once_a_face_is_drawn(qtbot, astronaut_portrait):
    pipeline = Pipeline()
    pipeline.set_video_source(ImageSource(astronaut_portrait, fps=30))
    win = MainWindow(pipeline, argparse.Namespace(), defer_panels=True)
    qtbot.addWidget(win)
    assert win.panels_pending and win.panels == {}
    win.show()
    win.start()
    qtbot.waitUntil(lambda: not win.panels_pending, timeout=FRAME_WAIT_MS)
    assert win.n_frames_drawn >= 1 and win.pipeline.processor.latest.face is not None
    assert win.panels and win.panel_errors == {}
    installed = dict(win.panels)
    win.install_deferred_panels()  # a second call changes nothing
    assert win.panels == installed
    win.close()
