"""Running today's practice: exercise by exercise, set by set, with pause, skip and resume.

:class:`PracticeRunner` is a headless state machine. It does not score anything itself: for
each set it asks a :class:`SetRunner` ("run one set with these parameters and tell me its
events") and follows the engine events that come back (``phase``, ``cue``,
``rep_completed``, ``rep_aborted``, ``tracking_lost``/``regained``, ``set_completed``). The
live app plugs in a runner on top of the live session; tests plug in the virtual patient.

Threads: a set runner may call ``emit`` from any thread; events are queued and handled in
:meth:`PracticeRunner.tick`, which the GUI calls on its timer with the current time, so all
state changes and all signals happen on the caller's thread.

States: ``ready`` → (per exercise) ``intro`` (instructions and emotion cue) → ``set`` (the
engine rests for its baseline, then cues each rep) → ``set_summary`` (plain words, rest
before the next set) → … → ``done`` (the day summary). A guided item (massage, stretch)
is a timed ``guided`` state. ``paused`` is entered by :meth:`pause`, or automatically
(``waiting_for_face``) when tracking is lost mid-set.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from psygnal import Signal

from facetrainer.exercises import events as ev
from facetrainer.exercises.events import FeedbackEvent
from facetrainer.exercises.guided import guided_position, routine_duration_s
from facetrainer.exercises.practice_plan import PracticeItem, PracticePlan, describe_set

INTRO_S = 6.0  # instructions and emotion cue on screen before the set starts
SUMMARY_MIN_S = 4.0  # a set's summary stays at least this long
INPUT_WAIT_S = 15.0  # after the intro, the first set waits at most this long for a source

READY, INTRO, SET, SET_SUMMARY, GUIDED, PAUSED, DONE = (
    "ready", "intro", "set", "set_summary", "guided", "paused", "done",
)  # fmt: skip
WAITING_FOR_FACE = "waiting_for_face"
CONTROL = -1  # queue tag of the practice's own requests (handled whatever the segment)
SOURCE_LOST, SOURCE_BACK, SOURCE_CHANGED = "source_lost", "source_back", "source_changed"


@dataclass(frozen=True)
class SetRequest:
    """One set (or the rest of one, after a pause) for a :class:`SetRunner`.

    ``item.exercise`` carries the program's reps, hold, rest and thresholds; ``reps`` is how
    many reps this segment must cue (fewer than the set's after a pause);
    ``first_rep`` the number the first of them gets in "Rep k of n".
    """

    item: PracticeItem
    item_index: int
    set_number: int
    reps: int
    first_rep: int = 1


class SetRunner(Protocol):
    """Runs one set and reports the engine's events through ``emit`` (any thread)."""

    def start_set(self, request: SetRequest, emit: Callable[[FeedbackEvent], None]) -> None: ...

    def stop_set(self) -> None: ...

    # Optional: ``pending_inputs() -> str``, the sources still connecting (empty when none);
    # the first set waits for them after the intro (at most INPUT_WAIT_S).


@dataclass
class ItemResult:
    """What happened to one exercise today."""

    item: PracticeItem
    reps: list[dict[str, Any]] = field(default_factory=list)
    set_texts: list[str] = field(default_factory=list)
    sets_done: int = 0
    aborted: int = 0
    skipped: bool = False


class PracticeRunner:
    """Today's practice as a state machine driven by :meth:`tick` and the set events.

    Signals (emitted on the thread that calls :meth:`tick` and the control methods):
    ``state_changed(state)``, ``rep_scored(item_index, rep_json)``,
    ``set_finished(item_index, text)``, ``notice(text)`` and ``finished()``; the engine
    events themselves are re-emitted as ``engine_event(event)`` (cues follow them).
    """

    state_changed = Signal(str)
    engine_event = Signal(object)
    rep_scored = Signal(int, dict)
    set_finished = Signal(int, str)
    notice = Signal(str)
    finished = Signal()

    def __init__(self, plan: PracticePlan, set_runner: SetRunner, intro_s: float = INTRO_S):
        self.plan = plan
        self.set_runner = set_runner
        self.intro_s = float(intro_s)
        self.results = [ItemResult(item) for item in plan.items]
        self.state = READY
        self.index = 0
        self.set_number = 0
        self.rep_number = 0  # of the set in progress, for "Rep k of n"
        self.phase = ""
        self.message = ""
        self._set_reps = 0  # reps counted in the set in progress
        self._first_rep = 1  # number of the first rep of the running segment
        self._source_lost = False  # waiting for the camera (not only for the face)
        self._entered_s = 0.0
        self._paused_from = ""
        self._paused_at = 0.0
        self._events: queue.SimpleQueue[tuple[int, FeedbackEvent]] = queue.SimpleQueue()
        self._segment = 0  # events of an older (stopped) set segment are ignored

    # -- what the screen shows -----------------------------------------------------------
    @property
    def item(self) -> PracticeItem | None:
        return self.plan.items[self.index] if self.index < len(self.plan.items) else None

    @property
    def rep_counter(self) -> tuple[int, int]:
        """(rep number, reps) of the set in progress, the number within 1..reps."""
        item = self.item
        reps = item.reps if item is not None else 1
        return min(max(self.rep_number, 1), reps), reps

    def guided_text(self, now_s: float) -> str:
        item = self.item
        if self.state != GUIDED or item is None:
            return ""
        return guided_position(item.exercise, now_s - self._entered_s).text

    # -- controls ------------------------------------------------------------------------
    def start(self, now_s: float) -> None:
        """Begin with the first exercise (the plan's notices are announced first)."""
        if self.state != READY:
            return
        for text in self.plan.notices:
            self.notice.emit(text)
        self._enter_item(now_s)

    def pause(self, now_s: float) -> None:
        """Pause; a set in progress stops (its scored reps are kept; the rest is resumed)."""
        if self.state in (READY, DONE, PAUSED):
            return
        if self.state in (SET, WAITING_FOR_FACE):
            self._stop_set()
        self._paused_from, self._paused_at = self.state, now_s
        self._set_state(PAUSED)

    def resume(self, now_s: float) -> None:
        if self.state != PAUSED:
            return
        was = self._paused_from
        self._entered_s += now_s - self._paused_at
        if was in (SET, WAITING_FOR_FACE):
            self._start_segment("The set continues where you left it.")
        else:
            self._set_state(was)

    def toggle_pause(self, now_s: float) -> None:
        """Space: start when ready, else pause or resume."""
        if self.state == READY:
            self.start(now_s)
        elif self.state == PAUSED:
            self.resume(now_s)
        else:
            self.pause(now_s)

    def skip(self, now_s: float) -> None:
        """Leave the current exercise (its scored reps are kept) and go to the next one."""
        if self.state in (READY, DONE):
            return
        if self.state in (SET, WAITING_FOR_FACE) or self._paused_from in (SET, WAITING_FOR_FACE):
            self._stop_set()
        if self.item is not None and not self.results[self.index].sets_done:
            self.results[self.index].skipped = True
        self._paused_from = ""
        self._next_item(now_s)

    def restart_set(self, reason: str) -> None:
        """End the set in progress and start a new one (e.g. the EMG source was switched:
        the rest of the set is scored against the new signal, never counted on top)."""
        if self.state not in (SET, WAITING_FOR_FACE):
            return
        self._stop_set()
        self._finish_set()
        self.notice.emit(f"{reason}: this set ended and a new one starts.")
        self.set_number += 1
        self._set_reps = 0
        self._start_segment("")

    def deliver(self, event: FeedbackEvent) -> None:
        """A set runner's ``emit`` (thread-safe; handled at the next :meth:`tick`)."""
        self._events.put((self._segment, event))

    def source_lost(self, reason: str) -> None:
        """The camera went away (any thread): the set in progress stops, the rep under way
        counts as aborted, and the set waits for :meth:`source_back`."""
        self._events.put((CONTROL, FeedbackEvent(SOURCE_LOST, 0.0, {"reason": reason})))

    def source_back(self) -> None:
        """The camera is back (any thread): the set continues with the reps left."""
        self._events.put((CONTROL, FeedbackEvent(SOURCE_BACK, 0.0, {})))

    def source_changed(self, reason: str) -> None:
        """A source was switched (any thread): the set ends and a new one starts."""
        self._events.put((CONTROL, FeedbackEvent(SOURCE_CHANGED, 0.0, {"reason": reason})))

    # -- time ----------------------------------------------------------------------------
    def tick(self, now_s: float) -> None:
        """Handle queued set events, then move on when a timed state has run out."""
        while True:
            try:
                segment, event = self._events.get_nowait()
            except queue.Empty:
                break
            if segment == CONTROL:
                self._on_control(event)
            elif segment == self._segment and self.state in (SET, WAITING_FOR_FACE):
                self._on_event(event, now_s)
        item = self.item
        elapsed = now_s - self._entered_s
        if self.state == INTRO and elapsed >= self.intro_s:
            pending = self._pending_inputs(elapsed)
            if pending:  # a set started now would be scored without them, or not at all
                self.message = f"Connecting to {pending}…"
            else:
                self.set_number = 1
                self._set_reps = 0
                self._start_segment("")
        elif self.state == SET_SUMMARY and item is not None:
            if elapsed >= max(SUMMARY_MIN_S, item.rest_s):
                if self.set_number < item.sets:
                    self.set_number += 1
                    self._set_reps = 0
                    self._start_segment("")
                else:
                    self._next_item(now_s)
        elif self.state == GUIDED and item is not None:
            if elapsed >= routine_duration_s(item.exercise):
                self.results[self.index].sets_done = 1
                self._next_item(now_s)

    # -- internals -----------------------------------------------------------------------
    def _pending_inputs(self, elapsed_s: float) -> str:
        """The sources the first set still waits for ("" to start): a camera or an EMG
        device that is still connecting when the practice starts right after launch."""
        pending = getattr(self.set_runner, "pending_inputs", None)
        if pending is None or self.index > 0 or elapsed_s >= self.intro_s + INPUT_WAIT_S:
            return ""
        return str(pending())

    def _set_state(self, state: str, now_s: float | None = None) -> None:
        if now_s is not None:
            self._entered_s = now_s
        self.state = state
        self.state_changed.emit(state)

    def _enter_item(self, now_s: float) -> None:
        item = self.item
        if item is None:
            self._set_state(DONE, now_s)
            self.finished.emit()
            return
        self.set_number = 0
        self.rep_number = 0
        self.message = ""
        self._set_state(INTRO if item.scored else GUIDED, now_s)

    def _next_item(self, now_s: float) -> None:
        self.index += 1
        self._enter_item(now_s)

    def _start_segment(self, message: str) -> None:
        item = self.item
        assert item is not None
        self._segment += 1
        remaining = item.reps - self._set_reps
        request = SetRequest(item, self.index, self.set_number, remaining, self._set_reps + 1)
        self.rep_number = self._first_rep = self._set_reps + 1
        self.message = message
        self.phase = ""
        self._set_state(SET)
        segment = self._segment

        def emit(event: FeedbackEvent) -> None:
            self._events.put((segment, event))

        self.set_runner.start_set(request, emit)

    def _stop_set(self) -> None:
        self._segment += 1  # late events of the stopped segment are dropped
        self.set_runner.stop_set()

    def _finish_set(self) -> None:
        result = self.results[self.index]
        set_reps = result.reps[len(result.reps) - self._set_reps :] if self._set_reps else []
        text = describe_set(result.item.exercise, set_reps, result.item.reps)
        result.set_texts.append(text)
        result.sets_done += 1
        self.set_finished.emit(self.index, text)

    def _on_control(self, event: FeedbackEvent) -> None:
        if event.kind == SOURCE_CHANGED:
            self.restart_set(str(event.data.get("reason", "The signal source changed")))
        elif event.kind == SOURCE_LOST and self.state in (SET, WAITING_FOR_FACE):
            self._stop_set()
            if self.phase in ("contract", "hold", "release"):
                self.results[self.index].aborted += 1  # the rep under way is not scored
            self._source_lost = True
            self.message = (
                f"{event.data.get('reason') or 'The camera stopped'}: the set waits until it is "
                "back. Nothing you did so far is lost."
            )
            self._set_state(WAITING_FOR_FACE)
        elif event.kind == SOURCE_BACK and self._source_lost:
            self._source_lost = False
            if self.state == WAITING_FOR_FACE:
                self._start_segment("The camera is back: the set continues.")

    def _on_event(self, event: FeedbackEvent, now_s: float) -> None:
        item = self.item
        assert item is not None
        self.engine_event.emit(event)
        kind, data = event.kind, event.data
        if kind == ev.PHASE:
            self.phase = str(data.get("phase", ""))
        elif kind == ev.CUE and data.get("phase") == "contract":
            rep = data.get("rep")
            if isinstance(rep, int):  # the engine numbers the segment's reps from 1
                self.rep_number = min(self._first_rep + rep - 1, item.reps)
        elif kind == ev.REP_COMPLETED:
            if self._set_reps >= item.reps:  # never more reps than the set has
                self.notice.emit("An extra movement was not counted: this set is complete.")
                return
            rep = dict(data.get("rep") or {})
            self._set_reps += 1
            self.results[self.index].reps.append(rep)
            self.rep_scored.emit(self.index, rep)
        elif kind == ev.REP_ABORTED:
            self.results[self.index].aborted += 1
        elif kind == ev.TRACKING_LOST and self.state == SET:
            self.message = "We lost sight of your face. The set waits until you are back."
            self._set_state(WAITING_FOR_FACE)
        elif (
            kind == ev.TRACKING_REGAINED
            and self.state == WAITING_FOR_FACE
            and not self._source_lost
        ):
            self.message = "Welcome back: the set continues."
            self._set_state(SET)
        elif kind == ev.SET_COMPLETED:
            self._segment += 1
            self._finish_set()
            self._set_state(SET_SUMMARY, now_s)


def describe_day(results: list[ItemResult]) -> list[str]:
    """The day summary in plain words, one line per exercise of today's practice."""
    lines = []
    for r in results:
        name = r.item.exercise.name
        if not r.item.scored:
            lines.append(f"{name}: {'done' if r.sets_done else 'skipped'}.")
            continue
        if r.skipped and not r.reps:
            lines.append(f"{name}: skipped today.")
            continue
        in_band = sum(1 for rep in r.reps if rep.get("target", {}).get("in_band"))
        quality = [q for rep in r.reps if isinstance(q := rep.get("quality"), int | float)]
        line = f"{name}: {len(r.reps)} repetitions, {in_band} in your target zone"
        if quality:
            line += f", best {max(quality):.0f} of 100"
        lines.append(line + ("; stopped early." if r.skipped else "."))
    return lines
