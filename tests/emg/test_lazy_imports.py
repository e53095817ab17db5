"""scipy.signal loads when the first EMG filter is designed, not when the app starts.

Importing scipy.signal takes 0.5-3 s on this machine (it imports scipy.stats and more);
the app imports the EMG chain before its window shows, the first EMG chunk arrives later.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def _run(code: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_chain_and_the_app_import_without_scipy_signal_until_a_filter_is_made():
    _run(
        "import sys\n"
        "import facetrainer.emg.processing, facetrainer.live.session_model\n"
        "import facetrainer.gui.app, facetrainer.gui.main_window\n"
        "assert 'scipy.signal' not in sys.modules, 'scipy.signal imported at start'\n"
        "from facetrainer.emg.processing import EmgProcessor\n"
        "import numpy as np\n"
        "EmgProcessor(1000.0, 2, 50.0).process(np.zeros((2, 40)))\n"
        "assert 'scipy.signal' in sys.modules\n"
    )
