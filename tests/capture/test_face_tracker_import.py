"""MediaPipe is imported without its drawing helpers (matplotlib) and task APIs, which cost
most of its import; both still import when used."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def test_a_tracker_loads_no_matplotlib_and_drawing_still_imports_on_use():
    code = (
        "import sys\n"
        "from facetrainer.capture.face_tracker import FaceTracker\n"
        "FaceTracker().close()\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'\n"
        "assert 'sounddevice' not in sys.modules, 'the audio tasks were imported'\n"
        "import mediapipe as mp\n"
        "assert mp.solutions.face_mesh.FaceMesh\n"
        "assert mp.solutions.drawing_utils.draw_landmarks\n"
        "assert 'matplotlib' in sys.modules\n"
        "assert mp.tasks.BaseOptions and mp.tasks.vision.FaceLandmarker\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC), "GLOG_minloglevel": "3"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
