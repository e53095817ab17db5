"""Every module of facetrainer.emg imports without Qt (checked in a fresh interpreter)."""

import subprocess
import sys


def test_emg_package_loads_no_qt():
    code = (
        "import importlib, pkgutil, sys\n"
        "import facetrainer.emg as pkg\n"
        "for m in pkgutil.walk_packages(pkg.__path__, 'facetrainer.emg.'):\n"
        "    importlib.import_module(m.name)\n"
        "qt = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6')]\n"
        "assert not qt, qt\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
