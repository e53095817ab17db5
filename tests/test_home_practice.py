"""Home practice headless: the virtual patient through a prescribed program, recorded."""

from __future__ import annotations

import time

import pytest

from facetrainer.exercises.library import load_library
from facetrainer.home_practice import HomePractice, NoProgramError, todays_plan
from facetrainer.simulation.practice_patient import VirtualSetRunner
from facetrainer.storage import create_patient, open_database
from facetrainer.storage.programs import ProgramItem, ProgramSpec, save_program
from facetrainer.storage.rep_clips import list_clips, load_clip_frames, model_clip
from facetrainer.storage.session_data import load_reps

BAND = {"target_min": 0.2, "target_max": 0.6, "spillover_max": 0.15}
RUN_LIMIT_S = 120.0
LIVE_LIMIT_S = 90.0  # a cued live set of two reps in real time, on a loaded machine


def home_program() -> ProgramSpec:
    return ProgramSpec(
        "Home A",
        1,
        [
            ProgramItem("brow_raise", reps=3, hold_s=2.0, rest_s=3.0, thresholds=BAND),
            ProgramItem(
                "gentle_eye_closure", reps=2, hold_s=2.5, rest_s=3.0, thresholds=BAND, sets=2
            ),
        ],
    )


@pytest.fixture
def db(tmp_path):
    database = open_database(f"sqlite:///{tmp_path / 'ft.sqlite3'}")
    create_patient(database, "HOME01", "left")
    yield database
    database.close()


def run_to_end(home: HomePractice, runner: VirtualSetRunner) -> None:
    t, start = 0.0, time.monotonic()
    home.start(t)
    while home.runner.state != "done":
        assert time.monotonic() - start < RUN_LIMIT_S, f"stuck in {home.runner.state}"
        t += 0.5
        home.runner.tick(t)
        time.sleep(0.005)


def test_no_program_yet_says_what_to_do(db):
    with pytest.raises(NoProgramError, match="Open program"):
        todays_plan(db, "HOME01")


def test_whole_practice_recorded_with_program_values_cues_and_best_rep_clips(db):
    save_program(db, home_program(), "HOME01")
    plan, program_id = todays_plan(db, "HOME01", library=load_library(include_user=False))
    frames = []
    runner = VirtualSetRunner(frame_sink=lambda t, rgb: home.add_frame(t, rgb))
    home = HomePractice(db, "HOME01", plan, runner, program_id=program_id, intro_s=0.0)
    runner.frame_sink = lambda t, rgb: (frames.append(t), home.add_frame(t, rgb))
    run_to_end(home, runner)
    # the program's values reached the scoring engine
    reqs = runner.requests
    assert [(r.item.exercise.id, r.set_number, r.reps) for r in reqs] == [
        ("brow_raise", 1, 3), ("gentle_eye_closure", 1, 2), ("gentle_eye_closure", 2, 2)]  # fmt: skip
    assert all(r.item.exercise.thresholds.target_band_pct == (20.0, 60.0) for r in reqs)
    assert reqs[0].item.hold_s == 2.0 and reqs[1].item.rest_s == 3.0
    # every scored rep is in the database, with the program's band
    stored = load_reps(db, home.session_id)
    scored = [rep for r in home.runner.results for rep in r.reps]
    assert len(stored) == len(scored) == 7
    assert sorted(r["exercise"] for r in stored) == ["brow_raise"] * 3 + ["gentle_eye_closure"] * 4
    # each phase change asked for its cue
    assert home.cues.requested.count("contract") == 7
    assert home.cues.requested.count("set_done") == 3
    # the best rep of each exercise is stored and replays
    assert set(home.saved_clips) == {"brow_raise", "gentle_eye_closure"}
    clip = model_clip(db, "HOME01", "brow_raise")
    best = max(r["quality"] for r in home.runner.results[0].reps)
    assert clip is not None and clip.quality == pytest.approx(best)
    replay = load_clip_frames(db, clip.id)
    assert len(replay) == clip.n_frames >= 8 and replay[0].shape[1] == 240
    assert len(list_clips(db, "HOME01")) >= 2
    # the day summary and this week's chart
    assert home.day_summary()[0].startswith("Brow raise: 3 repetitions")
    words, week = home.history("brow_raise", 7)
    assert words == "your brow raise symmetry" and len(week) == 1 and 0 < week[0][1] <= 100


@pytest.mark.slow
def test_a_set_on_the_live_session_model_is_cued_scored_and_recorded_by_the_model(tmp_path):
    """The live path: the model's engine paces the set with the program's values, its
    recorder stores the practice (HomePractice adds no recorder of its own)."""
    from facetrainer.exercises.live_set_runner import LiveSetRunner
    from facetrainer.live.config import SessionConfig, VideoChoice
    from facetrainer.live.session_model import LiveSessionModel
    from facetrainer.live.sources import BuiltSources
    from facetrainer.simulation.demo import create_demo_sources
    from facetrainer.simulation.demo_follow import reference_calibration
    from facetrainer.simulation.emg_synth import DEFAULT_MONTAGE
    from facetrainer.storage.schema import Session

    _, emg = create_demo_sources(program=["closed_smile"], reps=3)
    config = SessionConfig(video=VideoChoice("none"), face_analysis=False, affected_side="left",
                           db_url=f"sqlite:///{tmp_path / 'live.sqlite3'}")  # fmt: skip
    model = LiveSessionModel(config, sources=BuiltSources(None, [emg]))
    model.set_calibration(reference_calibration(DEFAULT_MONTAGE))
    db = model.open_database()
    create_patient(db, "LIVE01", "left")
    spec = ProgramSpec("Live", 1, [ProgramItem("closed_smile", reps=2, hold_s=2.0, rest_s=2.0,
                                               thresholds=BAND)])  # fmt: skip
    program_id = save_program(db, spec, "LIVE01")
    plan, _ = todays_plan(db, "LIVE01", program_id, load_library(include_user=False))
    runner = LiveSetRunner(model)
    home = HomePractice(db, "LIVE01", plan, runner, program_id=program_id, model=model, intro_s=0.0)
    counters = []
    model.start()
    try:
        start = time.monotonic()
        home.start(time.monotonic())
        while home.runner.state != "done":
            assert time.monotonic() - start < LIVE_LIMIT_S, f"stuck in {home.runner.state}"
            home.runner.tick(time.monotonic())
            counters.append(home.runner.rep_counter)
            time.sleep(0.05)
    finally:
        home.stop()
        model.stop()
    assert model.recorder is None  # the practice's recording was finished
    assert all(n <= reps for n, reps in counters) and max(r for _, r in counters) == 2
    assert model.exercise is not None and (model.exercise.hold_s, model.exercise.rest_s) == (
        2.0,
        2.0,
    )
    assert home.cues.requested.count("contract") >= 2
    with db.session() as s:
        row = s.get(Session, home.session_id)
        assert (row.kind, row.program_id, row.status) == ("practice", program_id, "complete")
    assert len(load_reps(db, home.session_id)) == len(home.runner.results[0].reps)


def test_disk_full_mid_practice_shows_a_banner_practice_goes_on_nothing_saved_is_lost(db, tmp_path):
    from sqlalchemy import event

    save_program(db, home_program(), "HOME01")
    plan, program_id = todays_plan(db, "HOME01", library=load_library(include_user=False))
    runner = VirtualSetRunner()
    home = HomePractice(db, "HOME01", plan, runner, program_id=program_id, intro_s=0.0)
    runner.frame_sink = home.add_frame
    t, start = 0.0, time.monotonic()
    home.start(t)
    while home.runner.index == 0:  # the first exercise, recorded normally
        assert time.monotonic() - start < RUN_LIMIT_S
        t += 0.5
        home.runner.tick(t)
        time.sleep(0.005)
    deadline = time.monotonic() + 5.0
    while home.recorder.stats.reps < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert home.banner == ""
    # From now on the database may not grow ("database or disk is full").
    with db.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    db.engine.dispose()
    event.listen(db.engine, "connect", lambda c, _r: c.execute(f"PRAGMA max_page_count = {pages}"))
    run_to_end_from(home, t, start)
    assert home.runner.state == "done" and len(home.runner.results[1].reps) == 4
    assert "cannot be saved" in home.banner and "earlier sessions are safe" in home.banner
    db.engine.dispose()
    fresh = open_database(db.url)
    try:
        kept = load_reps(fresh, home.session_id)
        assert sum(r["exercise"] == "brow_raise" for r in kept) == 3  # all saved before
    finally:
        fresh.close()


def run_to_end_from(home: HomePractice, t: float, start: float) -> None:
    while home.runner.state != "done":
        assert time.monotonic() - start < RUN_LIMIT_S, f"stuck in {home.runner.state}"
        t += 0.5
        home.runner.tick(t)
        time.sleep(0.005)


def test_the_cameras_state_on_the_model_pauses_and_continues_the_set(db):
    from types import SimpleNamespace

    from facetrainer.live.events import SessionEvents
    from facetrainer.source_status import SourceState, SourceStatus

    save_program(db, home_program(), "HOME01")
    plan, _ = todays_plan(db, "HOME01", library=load_library(include_user=False))
    model = SimpleNamespace(events=SessionEvents(), video_source=SimpleNamespace(name="camera 0"))
    runner = VirtualSetRunner(speed=1.0)  # real time: the set is still running
    home = HomePractice(db, "HOME01", plan, runner, record=False, model=model, intro_s=0.0)
    home.start(0.0)
    home.runner.tick(0.1)
    assert home.runner.state == "set"
    model.events.source_state_changed.emit(SourceStatus("EMG", SourceState.DISCONNECTED))
    home.runner.tick(0.2)
    assert home.runner.state == "set"  # not the camera
    model.events.source_state_changed.emit(
        SourceStatus("camera 0", SourceState.DISCONNECTED, "device unplugged")
    )
    home.runner.tick(0.3)
    assert home.runner.state == "waiting_for_face"
    assert "The camera stopped (device unplugged)" in home.runner.message
    model.events.source_state_changed.emit(SourceStatus("camera 0", SourceState.STREAMING))
    home.runner.tick(0.4)
    assert home.runner.state == "set" and len(runner.requests) == 2
    home.stop()
    assert len(model.events.source_state_changed) == 0  # disconnected on leaving


def test_the_live_runner_names_the_sources_still_connecting():
    from facetrainer.exercises.live_set_runner import LiveSetRunner
    from facetrainer.live.config import SessionConfig, VideoChoice
    from facetrainer.live.session_model import LiveSessionModel
    from facetrainer.live.sources import BuiltSources
    from facetrainer.simulation.demo import create_demo_sources

    _, emg = create_demo_sources(program=["closed_smile"], reps=1)
    model = LiveSessionModel(SessionConfig(video=VideoChoice("none"), face_analysis=False),
                             sources=BuiltSources(None, [emg]))  # fmt: skip
    runner = LiveSetRunner(model)
    assert runner.pending_inputs() == emg.name  # not started yet
    model.start()
    try:
        deadline = time.monotonic() + 20
        while emg.status.state != "streaming" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert runner.pending_inputs() == ""
    finally:
        model.stop()
