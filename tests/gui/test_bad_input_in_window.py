"""Bad input is shown in the window, not only in a log (issue 16, defects 4 and 6)."""

from __future__ import annotations

import argparse

import pytest

from facetrainer.capture.video_sources import ImageSource
from facetrainer.emg.serial_source import SerialEmgSource
from facetrainer.gui.main_window import MainWindow
from facetrainer.paths import user_exercise_folder
from facetrainer.pipeline import Pipeline

WAIT_MS = 20000
BAD_EXERCISE = """id = "my_smile"
name = "My smile"
instructions = "Smile slowly."
target_regions = ["mouth_corner"]
reps = 5
hold_s = 3.0
rest_s = nan
"""


def _fake_device(tmp_path):
    """A pseudo-terminal standing in for a USB serial EMG device."""
    import os
    import tty

    class Device:
        def __init__(self) -> None:
            self.master, slave = os.openpty()
            tty.setraw(self.master)
            self.link = str(tmp_path / "ttyEMG0")
            os.symlink(os.ttyname(slave), self.link)
            os.close(slave)

        def send(self, text: str) -> None:
            os.write(self.master, text.encode())

        def close(self) -> None:
            os.close(self.master)

    return Device()


@pytest.fixture
def bad_user_exercise():
    folder = user_exercise_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "my_smile.toml"
    path.write_text(BAD_EXERCISE)
    yield path
    path.unlink()


def _window(qtbot, pipeline: Pipeline) -> MainWindow:
    win = MainWindow(pipeline, argparse.Namespace())
    qtbot.addWidget(win)
    win.show()
    win.start()
    return win


def test_the_status_bar_keeps_a_serial_device_s_skip_counts_while_it_streams(
    qtbot, tmp_path, astronaut_portrait
):
    device = _fake_device(tmp_path)
    pipeline = Pipeline()
    pipeline.set_video_source(ImageSource(astronaut_portrait, fps=10))
    src = SerialEmgSource(device.link, fs_hz=500.0, channel_names=("zyg_l",))
    pipeline.add_emg_source(src)
    win = _window(qtbot, pipeline)
    try:
        qtbot.waitUntil(lambda: src.info is not None, timeout=WAIT_MS)
        device.send("1\n2\nabc\n3\n")
        for k in range(100):  # then clean data flows on
            device.send(f"{k}\n")
        qtbot.waitUntil(lambda: src.n_samples >= 103, timeout=WAIT_MS)
        qtbot.wait(1200)  # two status refreshes later
        assert "1 not a number" in win._status_sources.text()
    finally:
        win.close()
        device.close()


def test_rejected_exercise_files_are_named_in_the_window_and_on_stderr(
    qtbot, bad_user_exercise, astronaut_portrait, capsys
):
    pipeline = Pipeline()
    pipeline.set_video_source(ImageSource(astronaut_portrait, fps=10))
    win = _window(qtbot, pipeline)
    try:
        label = win.panels["exercise"].rejected_files_label
        assert "my_smile.toml" in label.text() and "rest_s" in label.text()
        assert "nan" in label.text() and label.isVisibleTo(win)
        err = capsys.readouterr().err
        assert "skipped exercise file" in err and "my_smile.toml" in err and "rest_s" in err
    finally:
        win.close()


def test_help_about_names_the_exercise_folder(qtbot, astronaut_portrait):
    pipeline = Pipeline()
    pipeline.set_video_source(ImageSource(astronaut_portrait, fps=10))
    win = _window(qtbot, pipeline)
    try:
        assert str(user_exercise_folder()) in win.about_text()
    finally:
        win.close()


def test_a_bad_database_url_is_shown_masked_in_the_window(qtbot, astronaut_portrait):
    secret = "S3cret-pw"
    pipeline = Pipeline()
    pipeline.set_video_source(ImageSource(astronaut_portrait, fps=10))
    win = MainWindow(pipeline, argparse.Namespace(db=f"user:{secret}@h/facetrainer"))
    qtbot.addWidget(win)
    win.show()
    win.start()
    try:
        from facetrainer.gui.session_panel import database_holder

        holder = database_holder(win)
        qtbot.waitUntil(lambda: holder.error is not None, timeout=WAIT_MS)
        qtbot.wait(600)
        shown = " ".join(
            [win.statusBar().currentMessage(), win._status_sources.text(), holder.error]
            + [w.text() for w in win.findChildren(type(win._status_sources))]
        )
        assert "invalid database URL 'user:***@h/facetrainer'" in shown
        assert secret not in shown
    finally:
        win.close()
