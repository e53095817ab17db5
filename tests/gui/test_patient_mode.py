"""Patient mode: a whole home practice with the virtual patient, keyboard only, from the
profile through two exercises of a prescribed program to the day summary."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QSettings, Qt

from facetrainer.gui.patient_mode import PatientWindow
from facetrainer.gui.patient_settings import AppSettings
from facetrainer.simulation.practice_patient import VirtualSetRunner
from facetrainer.storage import create_patient, open_database
from facetrainer.storage.programs import ProgramItem, ProgramSpec, save_program
from facetrainer.storage.rep_clips import load_clip_frames, model_clip
from facetrainer.storage.session_data import load_reps

SCREEN = (1366, 768)
TASKBAR_PX = 48
BAND = {"target_min": 0.2, "target_max": 0.6, "spillover_max": 0.15}
PRACTICE_LIMIT_MS = 90_000
SPEED = 8.0  # the virtual patient practises 8x faster than real time


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class RecordingPlayer:
    def __init__(self) -> None:
        self.sounds: list[str] = []

    def play_sound(self, kind: str) -> None:
        self.sounds.append(kind)

    def say(self, text: str) -> None:
        pass


def program() -> ProgramSpec:
    return ProgramSpec(
        "Home A",
        1,
        [
            ProgramItem("brow_raise", reps=3, hold_s=2.0, rest_s=3.0, thresholds=BAND),
            ProgramItem("closed_smile", reps=2, hold_s=2.5, rest_s=4.0, thresholds=BAND),
        ],
    )


@pytest.fixture
def db(tmp_path):
    database = open_database(f"sqlite:///{tmp_path / 'ft.sqlite3'}")
    create_patient(database, "HOME01", "left")
    create_patient(database, "OTHER7", "right")
    save_program(database, program(), "HOME01")
    yield database
    database.close()


@pytest.fixture
def settings_file(tmp_path):
    return str(tmp_path / "settings.ini")


def make_window(qtbot, db, settings_file, runner, clock, player=None) -> PatientWindow:
    settings = AppSettings(QSettings(settings_file, QSettings.Format.IniFormat))
    window = PatientWindow(
        db, settings, lambda: runner, cue_player=player, clock=clock, intro_s=1.0
    )
    qtbot.addWidget(window)
    window.resize(*SCREEN)
    window.show()
    qtbot.waitExposed(window)
    return window


def press(qtbot, window, key) -> None:
    qtbot.keyClick(window.focusWidget() or window, key)


def test_whole_home_practice_by_keyboard_is_recorded_with_cues_and_best_rep(
    qtbot, db, settings_file
):
    clock, player = FakeClock(), RecordingPlayer()
    runner = VirtualSetRunner(speed=SPEED)
    w = make_window(qtbot, db, settings_file, runner, clock, player)
    runner.frame_sink = lambda t, rgb: w.show_frame(rgb, None, t)
    # profile: nobody is preselected
    assert w.pages.currentWidget() is w.profile
    assert w.profile.combo.currentIndex() == 0 and not w.profile.confirm.isEnabled()
    w.profile.combo.setFocus()
    press(qtbot, w, Qt.Key.Key_Down)
    assert w.profile.combo.currentText() == "HOME01"
    press(qtbot, w, Qt.Key.Key_Tab)
    assert w.focusWidget() is w.profile.confirm
    press(qtbot, w, Qt.Key.Key_Space)
    assert w.pages.currentWidget() is w.home_screen
    assert "Home A" in w.home_screen.program.text()
    assert "Brow raise: 3 × hold 2 s, rest 3 s" in w.home_screen.program.text()
    # Start with the keyboard
    press(qtbot, w, Qt.Key.Key_Space)
    assert w.pages.currentWidget() is w.practice_view
    seen_counters, seen_cues = set(), set()

    def advance() -> bool:
        clock.t += 0.1
        w._tick()
        seen_counters.add(w.practice_view.counter.text())
        seen_cues.add(w.practice_view.cue.text()[:40])
        return w.pages.currentWidget() is w.summary

    qtbot.waitUntil(advance, timeout=PRACTICE_LIMIT_MS)
    home = w.home
    # the program's values were used
    assert [(r.item.exercise.id, r.reps) for r in runner.requests] == [
        ("brow_raise", 3),
        ("closed_smile", 2),
    ]
    assert runner.requests[1].item.exercise.thresholds.target_band_pct == (20.0, 60.0)
    assert runner.requests[1].item.rest_s == 4.0
    assert "Rep 3 of 3" in seen_counters and not any("of 4" in c for c in seen_counters)
    # every rep recorded, cues requested, a best-rep clip stored and replayable
    assert len(load_reps(db, home.session_id)) == 5
    assert player.sounds.count("contract") == 5 and player.sounds.count("set_done") == 2
    clip = model_clip(db, "HOME01", "closed_smile")
    assert clip is not None and len(load_clip_frames(db, clip.id)) == clip.n_frames > 5
    # day summary in plain words, with this week's chart
    text = w.summary.lines.text()
    assert (
        text.startswith("Brow raise: 3 repetitions") and "Closed-lip smile: 2 repetitions" in text
    )
    assert w.summary.charts.charts[0].values  # today's practice is on the chart
    press(qtbot, w, Qt.Key.Key_Space)  # back home
    assert w.pages.currentWidget() is w.home_screen


def test_skip_and_pause_by_keyboard(qtbot, db, settings_file):
    clock = FakeClock()
    runner = VirtualSetRunner(speed=1.0)  # real time: the set is still running when we act
    w = make_window(qtbot, db, settings_file, runner, clock)
    w.choose_patient("HOME01")
    press(qtbot, w, Qt.Key.Key_Space)
    clock.t += 1.5
    w._tick()
    assert w.home.runner.state == "set"
    assert w.focusWidget() is w.practice_view
    press(qtbot, w, Qt.Key.Key_Space)
    w._tick()
    assert w.home.runner.state == "paused" and "Paused" in w.practice_view.cue.text()
    press(qtbot, w, Qt.Key.Key_Space)
    assert w.home.runner.state == "set"
    press(qtbot, w, Qt.Key.Key_Right)
    assert w.home.runner.index == 1
    press(qtbot, w, Qt.Key.Key_Escape)  # leave: the summary of what was done
    assert w.pages.currentWidget() is w.summary
    assert "Brow raise: skipped today." in w.summary.lines.text()


def test_window_fits_a_small_screen_and_never_widens_for_a_message(qtbot, db, settings_file):
    w = make_window(qtbot, db, settings_file, VirtualSetRunner(), FakeClock())
    w.choose_patient("HOME01")
    limit_w, limit_h = SCREEN[0], SCREEN[1] - TASKBAR_PX
    for page in (w.profile, w.home_screen, w.practice_view, w.summary):
        w.pages.setCurrentWidget(page)
        hint = w.minimumSizeHint()
        assert w.minimumWidth() <= limit_w and w.minimumHeight() <= limit_h
        assert hint.width() <= limit_w and hint.height() <= limit_h, page
    before = w.minimumSizeHint().width()
    w.practice_view.message.setText("signal " * 400)
    w.practice_view.show_banner("This practice cannot be saved right now " * 20)
    w.pages.setCurrentWidget(w.practice_view)
    assert w.minimumSizeHint().width() <= max(before, limit_w)
    assert w.width() == SCREEN[0]


def test_settings_survive_a_restart(qtbot, db, settings_file):
    first = make_window(qtbot, db, settings_file, VirtualSetRunner(), FakeClock())
    first.choose_patient("HOME01")
    first.speech_action.setChecked(True)
    assert first.change_volume(+0.1) == pytest.approx(0.7)  # from the default 0.6
    first.resize(1200, 700)
    first.close()
    second = make_window(qtbot, db, settings_file, VirtualSetRunner(), FakeClock())
    assert second.pages.currentWidget() is second.home_screen  # the profile is remembered
    assert second.speech_action.isChecked()
    assert second.settings.cue_settings("patient").volume == pytest.approx(0.7)
    assert not second.settings.cue_settings("therapist").sounds  # off in therapist mode
    shortcuts = {a.text(): a.shortcut().toString() for a in second.menu.actions()}
    assert shortcuts["Open program…"] == "Ctrl+O" and shortcuts["Therapist mode"] == "Ctrl+T"
    assert shortcuts["Export for my therapist…"] == "Ctrl+E" and shortcuts["Louder"] == "Ctrl+Up"
    assert (
        AppSettings(QSettings(settings_file, QSettings.Format.IniFormat)).patient_code == "HOME01"
    )


def test_a_program_for_another_patient_or_a_newer_version_is_refused(
    qtbot, db, settings_file, tmp_path
):
    w = make_window(qtbot, db, settings_file, VirtualSetRunner(), FakeClock())
    w.choose_patient("HOME01")
    other = program().to_dict() | {"patient": "OTHER7", "name": "Not mine"}
    newer = program().to_dict() | {"facetrainer_program": 99}
    mine = program().to_dict() | {"patient": "HOME01", "name": "Home B"}
    for name, body in (("other.json", other), ("newer.json", newer), ("mine.json", mine)):
        (tmp_path / name).write_text(json.dumps(body))
    assert w.open_program(tmp_path / "other.json", confirm=lambda spec: True) is None
    assert "for patient 'OTHER7', not for 'HOME01'" in w.home_screen.notices.text()
    assert w.open_program(tmp_path / "newer.json", confirm=lambda spec: True) is None
    assert "newer FaceTrainer" in w.home_screen.notices.text()
    shown = []
    assert w.open_program(tmp_path / "mine.json", confirm=lambda spec: shown.append(spec) or True)
    assert shown[0].name == "Home B"
    assert "Today: Home B" in w.home_screen.program.text()


def test_export_for_my_therapist_writes_one_bundle_of_the_period(qtbot, db, tmp_path):
    from facetrainer.gui.patient_launcher import export_for_therapist
    from facetrainer.storage.bundle_import import import_bundle

    runner = VirtualSetRunner()
    home_db = db
    from facetrainer.home_practice import HomePractice, todays_plan

    plan, pid = todays_plan(home_db, "HOME01")
    home = HomePractice(home_db, "HOME01", plan, runner, program_id=pid, intro_s=0.0)
    runner.frame_sink = home.add_frame
    t = 0.0
    home.start(t)
    while home.runner.state != "done":
        t += 0.5
        home.runner.tick(t)
        qtbot.wait(5)
    text = export_for_therapist(home_db, "HOME01", tmp_path / "me.ftbundle", 30)
    assert text.startswith("Saved for your therapist: 1 practice session(s)")
    clinic = open_database(f"sqlite:///{tmp_path / 'clinic.sqlite3'}")
    try:
        import_bundle(clinic, tmp_path / "me.ftbundle")
        assert model_clip(clinic, "HOME01", "closed_smile") is not None
        assert len(load_reps(clinic, home.session_id)) == 5
    finally:
        clinic.close()


def test_the_first_set_says_it_waits_for_a_device_still_connecting(qtbot, db, settings_file,
                                                                   tmp_path):
    """Started while the EMG device still connects, the practice screen says so after the
    instructions and starts the set once it streams."""
    clock = FakeClock()
    runner = VirtualSetRunner(speed=SPEED)
    runner.pending = "virtual patient EMG"
    runner.pending_inputs = lambda: runner.pending
    w = make_window(qtbot, db, settings_file, runner, clock)
    w.profile.combo.setCurrentText("HOME01")
    w.profile.confirm.click()
    w.home_screen.start.click()
    assert w.pages.currentWidget() is w.practice_view
    for _ in range(20):  # 2 s: past the 1 s of instructions
        clock.t += 0.1
        w._tick()
    assert w.practice_view.message.text() == "Connecting to virtual patient EMG…"
    assert not runner.requests
    qtbot.wait(100)  # the new texts laid out, as the event loop does before a paint
    w.grab().save(str(tmp_path / "connecting.png"))
    runner.pending = ""
    clock.t += 0.1
    w._tick()
    assert len(runner.requests) == 1
