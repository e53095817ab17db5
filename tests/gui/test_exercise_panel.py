"""The exercise panel: a patient starts a set, sees the bars move, the reps count and the
last rep's score, with the training-aid note; a guided routine shows its timed steps."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu
from tests.exercises.synthetic import Performer

from facetrainer.gui import exercise_panel


class FakeWindow(QMainWindow):
    """The main window's panel API over a pipeline with no sources (frames come from the
    test, as the processing thread would deliver them)."""

    def __init__(self) -> None:
        super().__init__()
        self.pipeline = SimpleNamespace(
            processor=SimpleNamespace(listeners=[], stages=[]), emg_sources=[]
        )
        self.menus: dict[str, QMenu] = {}
        self.statuses: list[str] = []

    def add_dock(self, title, widget, area=None):
        dock = QDockWidget(title, self)
        dock.setWidget(widget)
        return dock

    def menu(self, name):
        return self.menus.setdefault(name, self.menuBar().addMenu(name))

    def show_status(self, text, timeout_ms=8000):
        self.statuses.append(text)


def frames_for(p: Performer, region: str):
    t, measures = p.measures(region)
    for ti, m in zip(t, measures, strict=True):
        yield SimpleNamespace(
            frame=SimpleNamespace(timestamp_s=float(ti)),
            face=None,
            midline=None,
            results={"measures": m},
        )


@pytest.fixture
def window(qtbot):
    w = FakeWindow()
    qtbot.addWidget(w)
    exercise_panel.install(w)
    return w


def test_install_adds_the_dock_and_a_menu_entry_per_exercise(window):
    panel = window.exercise_panel
    assert panel.exercise_box.count() == len(panel.library.exercises)
    names = [a.text() for a in window.menus["Exercises"].actions()]
    assert "Brow raise" in names and any("(guided)" in n for n in names)
    assert "not a diagnostic device" in panel.note.text()


def test_a_set_shows_bars_reps_and_scores(window, qtbot):
    panel = window.exercise_panel
    panel.select("brow_raise")
    panel.start()
    assert panel.start_button.text() == "Stop" and panel.session is not None
    assert "video" in panel.modalities.text()
    p = Performer(reps=2, amplitude=0.6, synkinesis={"mouth_corner": 0.3})
    listener = window.pipeline.processor.listeners[0]
    saw_in_band = False
    for pf in frames_for(p, "brow"):
        listener(pf)
        if 5.5 < pf.frame.timestamp_s < 5.6:  # mid-hold of the first rep
            qtbot.waitUntil(lambda: panel.session.snapshot().t_s > 5.4, timeout=5000)
            panel.refresh()
            saw_in_band = panel.target_bar.colour() == exercise_panel.GREEN
            assert panel.watch_bars["mouth_corner"].colour() == exercise_panel.RED
    assert saw_in_band
    qtbot.waitUntil(lambda: panel.session.snapshot().reps_done == 2, timeout=5000)
    panel.refresh()
    assert panel.counter.text().startswith("Rep 2 of 10")
    assert "Last rep" in panel.score.text() and panel.encouragement.text()
    assert "joined in" in panel.encouragement.text()  # mouth corner over its ceiling
    panel.stop()
    assert panel.start_button.text() == "Start" and panel.session is None
    assert listener not in window.pipeline.processor.listeners


def test_a_guided_routine_shows_its_steps(window):
    panel = window.exercise_panel
    panel.select("massage_cheek")
    panel.start()
    panel.refresh()
    assert panel.session is None and "Round 1" in panel.counter.text()
    assert panel.encouragement.text() == panel.exercise().steps[0].text
    panel.stop()


def test_an_exercise_without_usable_input_says_so(window, qtbot):
    from facetrainer.exercises.library import Library, parse_exercise

    jaw = parse_exercise(
        {
            "id": "jaw",
            "name": "Jaw clench",
            "instructions": "Clench.",
            "target_muscles": ["masseter"],
            "reps": 3,
            "hold_s": 1.0,
            "rest_s": 1.0,
        },
        "test",
    )
    panel = exercise_panel.ExercisePanel(window, Library({"jaw": jaw}))
    qtbot.addWidget(panel)
    panel.start()  # video cannot see the masseter and there is no EMG
    assert panel.session is None and panel.start_button.text() == "Start"
    assert panel.cue.text() == "Cannot start" and "masseter" in panel.encouragement.text()
    assert any("masseter" in s for s in window.statuses)


def test_a_calibration_file_sets_the_references_of_the_next_set(window, tmp_path):
    from facetrainer.exercises.activation import Calibration, ChannelReference

    panel = window.exercise_panel
    bad = tmp_path / "bad.json"
    bad.write_text("{broken")
    assert not panel.load_calibration(str(bad))
    assert panel.calibration is None and "bad.json" in window.statuses[-1]
    good = tmp_path / "cal.json"
    Calibration(
        {
            "video:brow/left": ChannelReference(None, 4.0),
            "video:brow/right": ChannelReference(None, 4.0),
        }
    ).save(good)
    assert panel.load_calibration(str(good))
    panel.select("brow_raise")
    panel.start()
    assert "cal.json" in panel.modalities.text()
    listener = window.pipeline.processor.listeners[0]
    for pf in frames_for(Performer(reps=1, amplitude=0.3), "brow"):
        listener(pf)  # 0.3 of the 8 mm default = 2.4 mm = 60 % of a 4 mm reference
    panel.stop()  # drains the last events: the rep is scored against the 4 mm reference
    assert panel.last_rep is not None
    assert panel.last_rep["target"]["hold_mean_pct"] == pytest.approx(60.0, abs=3.0)
