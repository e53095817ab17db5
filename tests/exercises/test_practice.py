"""Today's practice: the program's values are used, sets follow each other, pause/skip/resume
work, counts never exceed the set, odd values are clamped and flagged."""

from __future__ import annotations

import math

import pytest

from facetrainer.exercises import events as ev
from facetrainer.exercises.events import FeedbackEvent
from facetrainer.exercises.library import load_library
from facetrainer.exercises.practice import (
    DONE,
    INTRO,
    PAUSED,
    SET,
    SET_SUMMARY,
    WAITING_FOR_FACE,
    PracticeRunner,
    describe_day,
)
from facetrainer.exercises.practice_plan import describe_set, plan_practice
from facetrainer.exercises.readout import (
    SIGNAL_LOST,
    SIGNAL_UNRELIABLE,
    readout_pct,
    rep_counter_text,
)
from facetrainer.storage.programs import ProgramItem, ProgramSpec, program_from_dict

LIB = load_library(include_user=False)


def program(**smile) -> ProgramSpec:
    return ProgramSpec(
        "Home A",
        2,
        [
            ProgramItem(
                "closed_smile",
                reps=smile.get("reps", 3),
                hold_s=4.0,
                rest_s=6.0,
                thresholds={"target_min": 0.2, "target_max": 0.5, "spillover_max": 0.15},
                cue="Think of a friend.",
            ),
            ProgramItem("pucker", reps=2, hold_s=2.0, rest_s=3.0),
        ],
    )


class ScriptedRunner:
    """A set runner that plays back what the test tells it to."""

    def __init__(self) -> None:
        self.requests = []
        self.emit = None
        self.stopped = 0

    def start_set(self, request, emit):
        self.requests.append(request)
        self.emit = emit

    def stop_set(self):
        self.stopped += 1

    def rep(self, n: int, in_band: bool = True, quality: float = 80.0, spill: float = 5.0):
        self.emit(FeedbackEvent(ev.CUE, n * 10.0, {"phase": "contract", "rep": n}))
        self.emit(FeedbackEvent(ev.REP_COMPLETED, n * 10.0 + 5, {"rep": {
            "number": n, "start_s": n * 10.0, "end_s": n * 10.0 + 5, "quality": quality,
            "target": {"in_band": in_band, "too_fast": False}, "spillover": {"eye": spill},
            "symmetry": 0.8}}))  # fmt: skip

    def complete(self):
        self.emit(FeedbackEvent(ev.SET_COMPLETED, 99.0, {"summary": {}}))


def test_plan_uses_the_programs_reps_hold_rest_and_band_not_the_librarys():
    plan = plan_practice(program(), LIB)
    smile = plan.items[0].exercise
    assert (smile.reps, smile.hold_s, smile.rest_s) == (3, 4.0, 6.0)
    assert smile.thresholds.target_band_pct == pytest.approx((20.0, 50.0))
    assert smile.thresholds.spillover_ceiling_pct == pytest.approx(15.0)
    assert LIB["closed_smile"].thresholds.target_band_pct != smile.thresholds.target_band_pct
    assert plan.items[0].cue == "Think of a friend."
    assert plan.items[1].cue == LIB["pucker"].emotion_cue  # no cue in the program: the library's


def test_a_program_naming_a_removed_exercise_skips_it_with_a_message():
    data = program().to_dict()
    data["exercises"].insert(1, {"exercise": "nose_flare_v0", "reps": 3})
    spec = program_from_dict(data, "home.json", known_only=False)
    plan = plan_practice(spec, LIB)
    assert [i.exercise.id for i in plan.items] == ["closed_smile", "pucker"]
    assert "nose_flare_v0" in plan.notices[0] and "skipped" in plan.notices[0]


def run_through(runner: PracticeRunner, script: ScriptedRunner, t: float) -> float:
    runner.tick(t := t + runner.intro_s)
    assert runner.state == SET
    reps = script.requests[-1].reps
    for n in range(1, reps + 1):
        script.rep(n)
    script.complete()
    runner.tick(t := t + 0.1)
    assert runner.state == SET_SUMMARY
    runner.tick(t := t + 10.0)
    return t


def test_whole_practice_reaches_the_day_summary_with_every_rep():
    script = ScriptedRunner()
    runner = PracticeRunner(plan_practice(program(), LIB), script, intro_s=2.0)
    states = []
    runner.state_changed.connect(states.append)
    runner.start(0.0)
    assert runner.state == INTRO
    t = run_through(runner, script, 0.0)
    t = run_through(runner, script, t)
    assert runner.state == DONE
    assert [r.reps for r in script.requests] == [3, 2]
    assert [len(r.reps) for r in runner.results] == [3, 2]
    day = describe_day(runner.results)
    assert day[0].startswith("Closed-lip smile: 3 repetitions, 3 in your target zone")


def test_extra_reps_are_never_counted_beyond_the_set():
    script = ScriptedRunner()
    runner = PracticeRunner(plan_practice(program(reps=2), LIB), script, intro_s=0.0)
    notices = []
    runner.notice.connect(notices.append)
    runner.start(0.0)
    runner.tick(0.0)
    for n in (1, 2, 3, 4):
        script.rep(n)
    runner.tick(1.0)
    assert len(runner.results[0].reps) == 2
    assert runner.rep_counter == (2, 2)
    assert notices and "not counted" in notices[0]


def test_pause_keeps_scored_reps_and_resume_runs_only_the_rest():
    script = ScriptedRunner()
    runner = PracticeRunner(plan_practice(program(reps=5), LIB), script, intro_s=0.0)
    runner.start(0.0)
    runner.tick(0.0)
    script.rep(1)
    script.rep(2)
    runner.tick(1.0)
    runner.toggle_pause(2.0)
    assert runner.state == PAUSED and script.stopped == 1
    script.rep(3)  # a late event of the stopped set is ignored
    runner.toggle_pause(5.0)
    runner.tick(5.1)
    assert runner.state == SET
    assert (script.requests[-1].reps, script.requests[-1].first_rep) == (3, 3)
    assert len(runner.results[0].reps) == 2
    assert runner.rep_counter == (3, 5)


def test_skip_moves_to_the_next_exercise_and_marks_it_skipped():
    script = ScriptedRunner()
    runner = PracticeRunner(plan_practice(program(), LIB), script, intro_s=0.0)
    runner.start(0.0)
    runner.tick(0.0)
    runner.skip(1.0)
    assert runner.index == 1 and runner.state == INTRO
    assert runner.results[0].skipped
    assert describe_day(runner.results)[0] == "Closed-lip smile: skipped today."


def test_camera_lost_waits_and_resumes_marking_the_rep_aborted():
    script = ScriptedRunner()
    runner = PracticeRunner(plan_practice(program(), LIB), script, intro_s=0.0)
    runner.start(0.0)
    runner.tick(0.0)
    script.emit(FeedbackEvent(ev.TRACKING_LOST, 3.0, {}))
    script.emit(FeedbackEvent(ev.REP_ABORTED, 3.0, {"reason": "face lost"}))
    runner.tick(1.0)
    assert runner.state == WAITING_FOR_FACE and "lost sight" in runner.message
    script.emit(FeedbackEvent(ev.TRACKING_REGAINED, 6.0, {}))
    runner.tick(2.0)
    assert runner.state == SET and runner.results[0].aborted == 1


def test_a_source_switch_ends_the_set_and_starts_a_new_one_said_on_screen():
    script = ScriptedRunner()
    runner = PracticeRunner(plan_practice(program(reps=4), LIB), script, intro_s=0.0)
    notices = []
    runner.notice.connect(notices.append)
    runner.start(0.0)
    runner.tick(0.0)
    script.rep(1)
    runner.tick(1.0)
    runner.restart_set("The EMG source changed")
    assert "new one starts" in notices[-1]
    assert runner.results[0].sets_done == 1
    assert script.requests[-1].reps == 4 and runner.rep_counter == (1, 4)


def test_set_summary_in_plain_words_counts_calm_watch_regions():
    smile = plan_practice(program(), LIB).items[0].exercise
    reps = [
        {"target": {"in_band": True}, "spillover": {"eye": 10.0}},
        {"target": {"in_band": False}, "spillover": {"eye": 40.0}},
    ]
    text = describe_set(smile, reps, 3)
    assert text.startswith("2 of 3 closed-lip smiles done; 1 held in your target zone.")
    assert "Your eye stayed calm in 1 of them." in text


@pytest.mark.parametrize(
    ("value", "shown", "flag"),
    [(42.0, 42.0, ""), (-2.0, 0.0, ""), (-43.0, 0.0, SIGNAL_UNRELIABLE),
     (448.0, 150.0, SIGNAL_UNRELIABLE), (math.nan, 0.0, SIGNAL_LOST), (None, 0.0, SIGNAL_LOST)],
)  # fmt: skip
def test_readouts_are_clamped_and_flagged(value, shown, flag):
    r = readout_pct(value)
    assert (r.value, r.flag) == (shown, flag)


def test_rep_counter_never_reads_beyond_the_set():
    assert rep_counter_text(16, 10) == "Rep 10 of 10"
    assert rep_counter_text(0, 10) == "Rep 1 of 10"


def test_camera_lost_stops_the_set_aborts_the_rep_and_continues_when_back():
    script = ScriptedRunner()
    runner = PracticeRunner(plan_practice(program(reps=4), LIB), script, intro_s=0.0)
    runner.start(0.0)
    runner.tick(0.0)
    script.rep(1)
    script.emit(FeedbackEvent(ev.PHASE, 12.0, {"phase": "hold"}))  # rep 2 under way
    runner.tick(1.0)
    runner.source_lost("The camera stopped (device unplugged)")
    runner.tick(2.0)
    assert runner.state == WAITING_FOR_FACE and script.stopped == 1
    assert runner.message.startswith("The camera stopped (device unplugged): the set waits")
    assert runner.results[0].aborted == 1
    script.emit(FeedbackEvent(ev.TRACKING_REGAINED, 13.0, {}))  # not enough: the camera is gone
    runner.tick(3.0)
    assert runner.state == WAITING_FOR_FACE
    runner.source_back()
    runner.tick(4.0)
    assert runner.state == SET and "continues" in runner.message
    assert (script.requests[-1].reps, script.requests[-1].first_rep) == (3, 2)


def test_a_source_switch_from_any_thread_restarts_the_set_at_the_next_tick():
    script = ScriptedRunner()
    runner = PracticeRunner(plan_practice(program(reps=3), LIB), script, intro_s=0.0)
    notices = []
    runner.notice.connect(notices.append)
    runner.start(0.0)
    runner.tick(0.0)
    script.rep(1)
    runner.source_changed("The signal source changed")
    runner.tick(1.0)
    assert notices[-1] == "The signal source changed: this set ended and a new one starts."
    assert runner.set_number == 2 and script.requests[-1].reps == 3


def test_a_guided_item_shows_its_timed_steps_then_moves_on():
    massage = LIB["massage_cheek"]
    spec = ProgramSpec("With massage", 1, [ProgramItem("massage_cheek", reps=1),
                                           ProgramItem("pucker", reps=2)])  # fmt: skip
    script = ScriptedRunner()
    runner = PracticeRunner(plan_practice(spec, LIB), script, intro_s=0.0)
    runner.start(10.0)
    assert runner.state == "guided" and script.requests == []
    assert runner.guided_text(10.0) == massage.steps[0].text
    total = sum(s.duration_s for s in massage.steps)
    runner.tick(10.0 + total + 0.01)
    assert runner.index == 1 and runner.state == INTRO
    assert describe_day(runner.results)[0] == f"{massage.name}: done."


def test_unusable_program_thresholds_skip_that_exercise_with_the_field_named():
    spec = ProgramSpec("Odd", 1, [
        ProgramItem("closed_smile", thresholds={"target_min": 0.6, "target_max": 0.3}),
        ProgramItem("pucker", thresholds={"ceiling": 0.2}),
        ProgramItem("brow_raise"),
    ])  # fmt: skip
    plan = plan_practice(spec, LIB)
    assert [i.exercise.id for i in plan.items] == ["brow_raise"]
    assert "need 0 < target_min < target_max" in plan.notices[0]
    assert "unknown field(s) ['ceiling']" in plan.notices[1]


def test_the_first_set_waits_for_a_source_still_connecting_then_starts():
    """Started right after launch, the practice does not score its first set without the EMG
    device or camera that is still connecting: it says so and starts once it streams (and
    starts anyway after INPUT_WAIT_S, when the set itself reports what is missing)."""
    from facetrainer.exercises.practice import INPUT_WAIT_S

    class ConnectingRunner(ScriptedRunner):
        pending = "virtual patient EMG"

        def pending_inputs(self):
            return self.pending

    script = ConnectingRunner()
    runner = PracticeRunner(plan_practice(program(), LIB), script, intro_s=2.0)
    runner.start(0.0)
    runner.tick(2.5)
    assert runner.state == INTRO and not script.requests
    assert runner.message == "Connecting to virtual patient EMG…"
    script.pending = ""
    runner.tick(3.0)
    assert runner.state == SET and len(script.requests) == 1

    stuck = ConnectingRunner()
    runner = PracticeRunner(plan_practice(program(), LIB), stuck, intro_s=2.0)
    runner.start(0.0)
    runner.tick(2.0 + INPUT_WAIT_S - 0.1)
    assert runner.state == INTRO
    runner.tick(2.0 + INPUT_WAIT_S)
    assert runner.state == SET  # never forever: the set says what it lacks
