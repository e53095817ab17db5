"""The exercise panel: a patient starts a set, sees the bars move, the reps count and the
last rep's score, with the training-aid note; a guided routine shows its timed steps."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from tests.exercises.synthetic import Performer

from facetrainer.gui import exercise_panel, level_bar, rep_feedback
from facetrainer.live.config import SessionConfig, VideoChoice
from facetrainer.live.session_model import LiveSessionModel
from facetrainer.live.sources import BuiltSources


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
def model():
    """The live-session model with no sources: frames come from the test, handed to the
    processor's listeners as the processing thread would."""
    m = LiveSessionModel(SessionConfig(video=VideoChoice("none")), sources=BuiltSources(None, []))
    yield m
    m.stop()


@pytest.fixture
def panel(qtbot, model):
    p = exercise_panel.ExercisePanel(model)
    qtbot.addWidget(p)
    p.messages = []
    p.status_message.connect(p.messages.append)
    return p


def test_install_adds_the_dock_and_a_menu_entry_per_exercise(qtbot, model):
    from facetrainer.gui.main_window import MainWindow

    window = MainWindow(model)
    qtbot.addWidget(window)
    panel = window.panels["exercise"]
    assert panel.exercise_box.count() == len(panel.library.exercises)
    names = [a.text() for a in window.menu("Exercises").actions()]
    assert "Brow raise" in names and any("(guided)" in n for n in names)
    assert "not a diagnostic device" in panel.note.text()
    assert not hasattr(window, "exercise_panel")  # found by name, not as an attribute


def test_a_set_shows_bars_reps_and_scores(panel, model, qtbot):
    panel.select("brow_raise")
    panel.start()
    assert panel.start_button.text() == "Stop" and panel.session is not None
    assert "video" in panel.modalities.text()
    p = Performer(reps=2, amplitude=0.6, synkinesis={"mouth_corner": 0.3})
    listener = model.pipeline.processor.listeners[0]
    saw_in_band = False
    for pf in frames_for(p, "brow"):
        listener(pf)
        if 5.5 < pf.frame.timestamp_s < 5.6:  # mid-hold of the first rep
            qtbot.waitUntil(lambda: panel.session.snapshot().t_s > 5.4, timeout=5000)
            panel.refresh()
            saw_in_band = panel.target_bar.colour() == level_bar.GREEN
            assert panel.watch_bars["mouth_corner"].colour() == level_bar.RED
    assert saw_in_band
    qtbot.waitUntil(lambda: panel.session.snapshot().reps_done == 2, timeout=5000)
    panel.refresh()
    assert panel.counter.text().startswith("Reps done: 2 of 10")
    assert "Last rep" in panel.score.text() and panel.encouragement.text()
    assert "joined in" in panel.encouragement.text()  # mouth corner over its ceiling
    panel.stop()
    assert panel.start_button.text() == "Start" and panel.session is None
    assert listener not in model.pipeline.processor.listeners


def test_a_guided_routine_shows_its_steps(panel):
    panel.select("massage_cheek")
    panel.start()
    panel.refresh()
    assert panel.session is None and "Round 1" in panel.counter.text()
    assert panel.encouragement.text() == panel.exercise().steps[0].text
    panel.stop()


def test_an_exercise_without_usable_input_says_so(model, qtbot):
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
    panel = exercise_panel.ExercisePanel(model, Library({"jaw": jaw}))
    qtbot.addWidget(panel)
    messages: list[str] = []
    panel.status_message.connect(messages.append)
    panel.start()  # video cannot see the masseter and there is no EMG
    assert panel.session is None and panel.start_button.text() == "Start"
    assert panel.cue.text() == "Cannot start" and "masseter" in panel.encouragement.text()
    assert any("masseter" in s for s in messages)


def test_a_calibration_file_sets_the_references_of_the_next_set(qtbot, panel, model, tmp_path):
    from facetrainer.exercises.activation import Calibration, ChannelReference

    bad = tmp_path / "bad.json"
    bad.write_text("{broken")
    assert not panel.load_calibration(str(bad))
    assert panel.calibration is None and "bad.json" in panel.messages[-1]
    good = tmp_path / "cal.json"
    Calibration(
        {
            "video:brow/left": ChannelReference(None, 4.0),
            "video:brow/right": ChannelReference(None, 4.0),
        }
    ).save(good)
    assert panel.load_calibration(str(good))
    assert model.calibration is panel.calibration  # the model's, for every later set
    panel.select("brow_raise")
    panel.start()
    assert "cal.json" in panel.modalities.text()
    listener = model.pipeline.processor.listeners[0]
    for pf in frames_for(Performer(reps=1, amplitude=0.3), "brow"):
        listener(pf)  # 0.3 of the 8 mm default = 2.4 mm = 60 % of a 4 mm reference
    panel.stop()  # the set ends; its last events reach the panel on the GUI thread
    qtbot.waitUntil(lambda: panel.last_rep is not None, timeout=5000)
    assert panel.last_rep["target"]["hold_mean_pct"] == pytest.approx(60.0, abs=3.0)


# -- following the virtual patient ------------------------------------------------------------
FOLLOW_WAIT_MS = 25000  # the demo's first rep ends ~11 s after the sources open


def _demo_video(profile: str = "synkinesis_left"):
    """A virtual patient's video source (not started): its clock is moved by the test."""
    from facetrainer.simulation.demo import create_demo_sources

    video, _ = create_demo_sources(profile=profile)
    video.clock.anchor_s = 0.0
    return video


def _at(video, t_s: float) -> None:
    from facetrainer import clock

    video.clock.anchor_s = clock.now() - t_s


def test_following_the_demo_moves_on_from_set_to_set(qtbot, panel, model):
    """With the virtual patient as the video source, the panel starts the exercise the
    patient does, with all its reps, stops it after the last rep (set summary) and starts
    the next one; with another source it stays put."""
    panel._follow_tick()
    assert not panel.follow_box.isVisibleTo(panel) and panel.session is None  # no demo
    video = _demo_video()
    model.set_video_source(video, start=False)
    panel.coach.face_in_view = lambda: True  # processed frames show a face
    first = video.patient.timeline.reps[0]
    _at(video, first.cue_s - 2.5)
    panel._follow_tick()
    assert panel.follow_box.isVisibleTo(panel) and panel.session is not None
    assert panel.exercise_box.currentData() == first.exercise == "brow_raise"
    assert panel.current.reps == 3 and panel.side_box.currentData() == "left"
    _at(video, first.cue_s + 0.2)
    panel.refresh()
    assert panel.cue.text() == rep_feedback.PHASE_TEXT["calibrating"]  # no frame yet
    last = [r for r in video.patient.timeline.reps if r.exercise == "brow_raise"][-1]
    _at(video, last.end_s + 0.5)
    panel._follow_tick()  # brow raise is over: stopped, with its summary
    assert panel.session is None
    # the summary arrives as the set's typed event, delivered on the GUI thread
    qtbot.waitUntil(lambda: "Brow raise — set done" in panel.set_summary.text(), timeout=5000)
    panel._follow_tick()  # and the next exercise starts in the rest before it
    assert panel.session is not None and panel.exercise_box.currentData() == "gentle_eye_closure"
    panel.follow_box.setChecked(False)  # the patient switches following off
    assert panel.session is None
    panel._follow_tick()
    assert panel.session is None
    model.set_video_source(None)
    panel._follow_tick()
    assert not panel.follow_box.isVisibleTo(panel)


@pytest.mark.slow
def test_the_demo_window_counts_and_scores_a_rep_of_the_virtual_patient(qtbot):
    """The real window on the built-in demo: the exercise panel follows the virtual
    patient, counts its first rep and shows the rep's score within the test."""
    from facetrainer.gui.main_window import MainWindow

    win = MainWindow(LiveSessionModel(SessionConfig(video=VideoChoice("demo"))))
    qtbot.addWidget(win)
    win.show()
    win.start()
    try:
        panel = win.panels["exercise"]
        qtbot.waitUntil(lambda: panel.session is not None, timeout=FOLLOW_WAIT_MS)
        assert panel.exercise_box.currentData() == "brow_raise"
        assert panel.session.modalities == ["video", "emg"]
        assert "virtual patient" in panel.modalities.text()  # where the EMG references came from
        cues: set[str] = set()

        def scored() -> bool:
            cues.add(panel.cue.text())
            return panel.last_rep is not None

        qtbot.waitUntil(scored, timeout=FOLLOW_WAIT_MS)
        # all 3 reps of the block, or the 2 left when a loaded machine tracked the first
        # face only after the first rep had begun
        assert panel.counter.text().startswith(("Reps done: 1 of 3", "Reps done: 1 of 2"))
        assert "Last rep" in panel.score.text() and panel.encouragement.text()
        assert any(c.startswith("Slowly") for c in cues) and "Hold it — gently" in cues
        # calibrated from the demo itself: a full brow raise of the paretic left side
        # (paresis 0.3) sits in the green band, not far above it
        target = panel.last_rep["target"]["hold_mean_pct"]
        assert 40.0 <= target <= 85.0
    finally:
        win.close()


def test_a_destroyed_panel_is_disconnected_from_the_model(qtbot, model):
    """Panels subscribe to the model's events and let go when they are destroyed."""
    panel = exercise_panel.ExercisePanel(model)
    signal = model.events.affected_side_changed
    n_before = len(signal)
    assert n_before >= 1
    destroyed = []
    panel.destroyed.connect(lambda *_: destroyed.append(True))
    panel.deleteLater()
    qtbot.waitUntil(lambda: bool(destroyed), timeout=5000)
    assert len(signal) == n_before - 1
    model.set_affected_side("right")  # reaches no deleted widget
    qtbot.wait(100)  # the queued delivery runs: nothing raises
