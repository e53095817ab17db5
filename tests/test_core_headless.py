"""The headless core never loads Qt (STYLE.md §1), checked in a fresh interpreter."""

import subprocess
import sys

CORE_MODULES = [
    "facetrainer.capture.video_sources",
    "facetrainer.capture.face_tracker",
    "facetrainer.capture.overlay",
    "facetrainer.emg.brainflow_source",
    "facetrainer.emg.source_spec",
    "facetrainer.face.midline",
    "facetrainer.face.mirror_composite",
    "facetrainer.pipeline",
    "facetrainer.cli",
]
OPTIONAL = ["facetrainer.exercises", "facetrainer.simulation", "facetrainer.storage",
            "facetrainer.reports", "facetrainer.face.measures", "facetrainer.emg.live",
            "facetrainer.lsl", "facetrainer.live", "facetrainer.anatomy"]


def test_importing_the_core_loads_no_qt_module():
    code = (
        "import importlib, pkgutil, sys\n"
        f"mods = {CORE_MODULES!r}\n"
        f"for name in {OPTIONAL!r}:\n"
        "    try:\n"
        "        pkg = importlib.import_module(name)\n"
        "    except ModuleNotFoundError:\n"
        "        continue\n"
        "    mods.append(name)\n"
        "    if hasattr(pkg, '__path__'):\n"
        "        mods += [m.name for m in pkgutil.walk_packages(pkg.__path__, name + '.')]\n"
        "for m in mods:\n"
        "    importlib.import_module(m)\n"
        "qt = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6'))\n"
        "print(len(mods), qt)\n"
        "assert not qt, qt\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
