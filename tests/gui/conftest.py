"""GUI fixtures: a live-session model fed by a scripted EMG device (noise whose level per
channel the test sets, in real time at 1 kHz)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from facetrainer.emg.source import EmgSource, EmgStreamInfo

FS_HZ = 1000.0


class ScriptedEmg(EmgSource):
    """Four channels of noise at 1 kHz in real time; ``levels`` (µV SD) set by the test."""

    poll_interval_s = 0.01

    def __init__(self) -> None:
        super().__init__("scripted")
        self.levels = np.full(4, 3.0)
        self._rng = np.random.default_rng(0)
        self._t0 = 0.0
        self._sent = 0
        self.broken = ""  # set by a test: the device fails with this message

    def _open(self) -> EmgStreamInfo:
        self._t0 = time.monotonic()
        return EmgStreamInfo(FS_HZ, tuple(f"ch{i + 1}" for i in range(4)))

    def _read_chunk(self) -> np.ndarray:
        if self.broken:
            raise OSError(self.broken)
        due = int((time.monotonic() - self._t0) * FS_HZ)
        n, self._sent = due - self._sent, due
        return self._rng.normal(0.0, 1.0, (4, n)) * self.levels[:, None]


@pytest.fixture
def scripted_model(tmp_path):
    """``make(labels)`` -> (model, source): the model started, its stream placed by a
    montage of ``labels`` (ch1..ch4), a second and a half of signal behind it."""
    from facetrainer.emg.montage_file import build_montage
    from facetrainer.live.config import SessionConfig, VideoChoice
    from facetrainer.live.session_model import LiveSessionModel
    from facetrainer.live.sources import BuiltSources

    made = []

    def make(labels):
        source = ScriptedEmg()
        config = SessionConfig(video=VideoChoice("none"), face_analysis=False,
                               affected_side="left", data_dir=tmp_path / "data",
                               patient_code="P014")
        m = LiveSessionModel(config, sources=BuiltSources(None, [source]))
        m.set_montage(build_montage("scripted", {f"ch{i + 1}": lab
                                                 for i, lab in enumerate(labels)}))
        m.start()
        made.append(m)
        assert source.wait_ready(10.0)
        deadline = time.monotonic() + 10.0
        while len(m.emg_streams[0].states()) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.5)
        return m, source

    yield make
    for m in made:
        m.stop()


@pytest.fixture
def face_image_window(qtbot, astronaut_portrait):
    """The main window, shown and started, on a still face at 30 fps (no EMG)."""
    import argparse

    from facetrainer.capture.video_sources import ImageSource
    from facetrainer.gui.main_window import MainWindow
    from facetrainer.pipeline import Pipeline

    pipeline = Pipeline()
    pipeline.set_video_source(ImageSource(astronaut_portrait, fps=30))
    window = MainWindow(pipeline, argparse.Namespace())
    qtbot.addWidget(window)
    window.show()
    window.start()
    yield window
    window.close()
