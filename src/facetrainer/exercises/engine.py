"""The exercise engine: steps on fused activation ticks, finds reps, scores them, and
emits feedback events. One engine serves video-only, EMG-only and fused input.

Live (``cued=True``) it also paces the set: rest for the exercise's ``rest_s``, cue the
next rep, count a cue without movement within ``cue_timeout_s`` as missed, and complete
the set after ``reps`` cued reps. Over a recording (``cued=False``) it scores every rep it
finds and completes the set at :meth:`ExerciseEngine.finish`.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from facetrainer.exercises import events as ev
from facetrainer.exercises.anatomy import SIDES
from facetrainer.exercises.events import EventListener, FeedbackEvent
from facetrainer.exercises.fusion import TICK_S, Tick
from facetrainer.exercises.library import Exercise, Thresholds
from facetrainer.exercises.repetition import REST, DetectorSettings, RepDetector
from facetrainer.exercises.scoring import RepData, RepScore, score_rep, summarise_set

PRE_REST_S = 2.0  # rest before a rep kept for "spillover relative to rest"
LEAD_S = 0.5  # scoring window margin around the detector's onset and end
DETECT_SMOOTH_S = 0.3  # the detector follows a 0.3 s mean of the drive
BAND_HYSTERESIS = 0.02  # 2 % of reference around band edges and ceilings
SHAPING_MIN_QUALITY = 70.0


@dataclass(frozen=True)
class SignalPlan:
    """Which engine channels exist and what they mean.

    ``channels`` are (signal, side) pairs, the rows of every :class:`Tick`; ``targets`` and
    ``watch`` are signal names; ``modalities`` lists the modalities that cover at least one
    target; ``not_measured`` the exercise's signals no modality covers.
    """

    channels: tuple[tuple[str, str], ...]
    targets: tuple[str, ...]
    watch: tuple[str, ...]
    modalities: tuple[str, ...]
    not_measured: tuple[str, ...] = ()

    def rows(self, signal: str) -> dict[str, int]:
        return {side: i for i, (s, side) in enumerate(self.channels) if s == signal}


@dataclass
class EngineSnapshot:
    """What a GUI draws (copied under a lock; plain values)."""

    t_s: float = math.nan
    phase: str = "calibrating"
    cue: str = ""
    target_pct: float = math.nan
    band_pct: tuple[float, float] = (40.0, 80.0)
    ceiling_pct: float = 20.0
    watch_pct: dict[str, float] = field(default_factory=dict)
    reps_done: int = 0
    reps_expected: int = 0
    missed: int = 0
    last_rep: dict[str, Any] | None = None
    tracking: bool = False
    finished: bool = False


class ExerciseEngine:
    """Scores one set of one exercise from a stream of :class:`Tick` objects."""

    def __init__(
        self,
        exercise: Exercise,
        plan: SignalPlan,
        *,
        affected_side: str | None = None,
        thresholds: Thresholds | None = None,
        cued: bool = False,
        cue_timeout_s: float | None = None,
        tick_s: float = TICK_S,
    ) -> None:
        if not exercise.scored:
            raise ValueError(f"exercise {exercise.id!r} is a guided routine, not scored")
        if affected_side not in (None, *SIDES):
            raise ValueError(
                f"affected_side must be 'left', 'right' or None, got {affected_side!r}"
            )
        self.exercise, self.plan, self.affected_side = exercise, plan, affected_side
        self.thresholds = thresholds or exercise.thresholds
        self.cued, self.tick_s = cued, tick_s
        self.cue_timeout_s = cue_timeout_s or max(5.0, 3.0 * exercise.speed.min_contract_s + 2.0)
        self.detector = RepDetector(
            DetectorSettings.for_band(self.thresholds.target_band_pct[0] / 100.0)
        )
        self._target_rows = [plan.rows(s) for s in plan.targets]
        self._target_idx = [i for rows in self._target_rows for i in rows.values()]
        self._watch_rows = {w: plan.rows(w) for w in plan.watch}
        self.reps: list[RepScore] = []
        self.missed = 0
        self.aborted = 0
        self.events: list[FeedbackEvent] = []
        self._listeners: list[EventListener] = []
        self._lock = threading.Lock()
        self._snap = EngineSnapshot(
            band_pct=self.thresholds.target_band_pct,
            ceiling_pct=self.thresholds.spillover_ceiling_pct,
            reps_expected=exercise.reps,
        )
        self._index = -1
        self._base = 0  # tick index of _hist[0]
        self._hist_t: list[float] = []
        self._hist_v: list[np.ndarray] = []
        self._hist_drive: list[float] = []
        self._calibrated = False
        self._tracking = True  # no "regained" event at the start
        self._in_band = False
        self._over: set[str] = set()
        self._successes = 0
        self.finished = False
        self._cue_phase = "rest"
        self._cue_t = math.nan
        self._announced = ""
        self._recent_drive: deque[tuple[float, float]] = deque()
        self._onset = 0

    # -- public ---------------------------------------------------------------------------
    def subscribe(self, listener: EventListener) -> None:
        self._listeners.append(listener)

    def set_thresholds(self, thresholds: Thresholds, t_s: float,
                       source: str = "therapist") -> list[FeedbackEvent]:
        """Change the band and ceiling of the running set (call on the engine's thread).

        Publishes THRESHOLDS_CHANGED with the new values and who changed them, as shaping
        does, so a recording keeps every change.
        """
        if thresholds == self.thresholds:
            return []
        self.thresholds = thresholds
        with self._lock:
            self._snap.band_pct = thresholds.target_band_pct
            self._snap.ceiling_pct = thresholds.spillover_ceiling_pct
        out = [FeedbackEvent(ev.THRESHOLDS_CHANGED, t_s, {
            "target_band_pct": list(thresholds.target_band_pct),
            "spillover_ceiling_pct": thresholds.spillover_ceiling_pct, "source": source})]
        self._publish(out)
        return out

    def snapshot(self) -> EngineSnapshot:
        with self._lock:
            return replace(self._snap, watch_pct=dict(self._snap.watch_pct))

    def step(self, tick: Tick) -> list[FeedbackEvent]:
        """Advance by one tick; return (and publish) the events it caused."""
        out: list[FeedbackEvent] = []
        if self.finished:
            return out
        self._index += 1
        t = tick.t_s
        self._hist_t.append(t)
        self._hist_v.append(tick.values)
        sides = self._target_by_side(tick.values)
        # Reps are found on the most active target channel (a weak side or a second target
        # region must not dilute detection); scores use the per-side target means.
        drive = max(
            (float(tick.values[i]) for i in self._target_idx if not math.isnan(tick.values[i])),
            default=math.nan,
        )
        self._hist_drive.append(drive)
        fb = self._feedback(sides)
        if not math.isnan(drive) and not self._calibrated:
            self._calibrated = True
            out.append(FeedbackEvent(ev.CALIBRATED, t))
            self._cue_t = t
        tracking = not math.isnan(drive)
        if tracking != self._tracking and self._calibrated:
            out.append(FeedbackEvent(ev.TRACKING_REGAINED if tracking else ev.TRACKING_LOST, t))
        self._tracking = tracking
        for tr in self.detector.step(self._index, t, self._smooth(t, drive)):
            if tr.kind == "onset":
                self._onset = tr.index
                self._cue_phase = "moving"
            elif tr.kind == "end":
                out.extend(self._complete_rep(self._onset, tr.index, t))
            elif tr.kind == "discard":
                self._cue_phase, self._cue_t = "rest", t
            elif tr.kind == "abort":
                self.aborted += 1
                out.append(FeedbackEvent(ev.REP_ABORTED, t, {"reason": "tracking lost"}))
                out.append(FeedbackEvent(ev.PHASE, t, {"phase": REST}))
                self._cue_phase, self._cue_t = "rest", t
            elif tr.kind == "phase":
                out.append(FeedbackEvent(ev.PHASE, t, {"phase": tr.phase}))
        out.extend(self._band_events(t, fb))
        watch_now = self._watch_levels(tick.values)
        out.extend(self._ceiling_events(t, watch_now))
        if self.cued and self._calibrated:
            out.extend(self._pace(t))
        self._trim()
        with self._lock:
            s = self._snap
            s.t_s, s.target_pct, s.tracking = t, 100.0 * fb, tracking
            s.phase = self.detector.phase if self._calibrated else "calibrating"
            s.watch_pct = {k: 100.0 * v for k, v in watch_now.items()}
        self._publish(out)
        return out

    def finish(self) -> list[FeedbackEvent]:
        """End of data (or the set stopped): a rep still in progress that has already
        lasted like a rep (``min_rep_s``, ``min_above_s``) is scored as *unfinished* (a
        recording often ends mid-hold); the set completes."""
        if self.finished:
            return []
        t = self._hist_t[-1] if self._hist_t else 0.0
        out: list[FeedbackEvent] = []
        d = self.detector
        if d.active and t - d.onset_t_s >= d.s.min_rep_s and d.above_s >= d.s.min_above_s:
            out.extend(self._complete_rep(self._onset, self._index, t, unfinished=True))
        if not self.finished:
            out.append(self._set_completed(t))
        self._publish(out)
        return out

    def summary(self) -> dict[str, Any]:
        return summarise_set(
            self.reps,
            self.exercise,
            list(self.plan.modalities),
            self.missed,
            self.aborted,
            self.thresholds,
            list(self.plan.not_measured),
        )

    # -- internals ------------------------------------------------------------------------

    def _smooth(self, t: float, drive: float) -> float:
        """The detector's view of the drive: a causal mean over ``DETECT_SMOOTH_S`` (video
        landmarks jitter by a few tenths of a mm, which would flicker around the off level
        and keep a rep from ending). Scores use the raw drive."""
        if math.isnan(drive):
            self._recent_drive.clear()
            return math.nan
        self._recent_drive.append((t, drive))
        while self._recent_drive[0][0] <= t - DETECT_SMOOTH_S:
            self._recent_drive.popleft()
        smooth = float(np.mean([d for _, d in self._recent_drive]))
        return smooth

    def _target_by_side(self, values: np.ndarray) -> dict[str, float]:
        out = {}
        for side in SIDES:
            vals = [values[r[side]] for r in self._target_rows if side in r]
            vals = [v for v in vals if not math.isnan(v)]
            out[side] = float(np.mean(vals)) if vals else math.nan
        return out

    def _feedback(self, sides: dict[str, float]) -> float:
        if self.affected_side is not None:
            return sides[self.affected_side]
        vals = [v for v in sides.values() if not math.isnan(v)]
        return float(np.mean(vals)) if vals else math.nan

    def _watch_levels(self, values: np.ndarray) -> dict[str, float]:
        out = {}
        for w, rows in self._watch_rows.items():
            if self.affected_side is not None and self.affected_side in rows:
                v = values[rows[self.affected_side]]
            else:
                vs = [values[i] for i in rows.values() if not math.isnan(values[i])]
                v = max(vs) if vs else math.nan
            out[w] = float(v)
        return out

    def _band_events(self, t: float, fb: float) -> list[FeedbackEvent]:
        if math.isnan(fb):
            return []
        lo, hi = (x / 100.0 for x in self.thresholds.target_band_pct)
        h = BAND_HYSTERESIS
        if not self._in_band and lo <= fb <= hi:
            self._in_band = True
            return [FeedbackEvent(ev.ENTERED_BAND, t, {"value_pct": 100 * fb})]
        if self._in_band and (fb < lo - h or fb > hi + h):
            self._in_band = False
            return [
                FeedbackEvent(
                    ev.LEFT_BAND,
                    t,
                    {"value_pct": 100 * fb, "direction": "below" if fb < lo else "above"},
                )
            ]
        return []

    def _ceiling_events(self, t: float, levels: dict[str, float]) -> list[FeedbackEvent]:
        c = self.thresholds.spillover_ceiling_pct / 100.0
        out = []
        for w, v in levels.items():
            if math.isnan(v):
                continue
            if w not in self._over and v > c:
                self._over.add(w)
                out.append(
                    FeedbackEvent(
                        ev.CEILING_CROSSED,
                        t,
                        {"signal": w, "value_pct": 100 * v, "ceiling_pct": 100 * c},
                    )
                )
            elif w in self._over and v < c - BAND_HYSTERESIS:
                self._over.discard(w)
                out.append(FeedbackEvent(ev.CEILING_CLEARED, t, {"signal": w}))
        return out

    def _complete_rep(
        self, onset: int, end: int, t: float, unfinished: bool = False
    ) -> list[FeedbackEvent]:
        # Scoring looks a little before the detector's onset and after its end, where the
        # target is still below the detector's off level but above 10 % of the rep.
        pad = int(round(LEAD_S / self.tick_s))
        i0 = max(onset - pad, self._base) - self._base
        i1 = min(end + pad, self._index) - self._base
        if i1 <= i0:
            return []
        times = np.array(self._hist_t[i0 : i1 + 1])
        vals = np.vstack(self._hist_v[i0 : i1 + 1])
        sides = {side: np.array([self._target_by_side(v)[side] for v in vals]) for side in SIDES}
        if self.affected_side is not None:
            feedback = sides[self.affected_side]
        else:
            both = np.vstack(list(sides.values()))
            n = np.isfinite(both).sum(axis=0)
            feedback = np.where(n > 0, np.nansum(both, axis=0) / np.maximum(n, 1), np.nan)
        watch = {
            w: {side: vals[:, r] for side, r in rows.items()}
            for w, rows in self._watch_rows.items()
        }
        pre = [i for i in range(i0) if self._hist_t[i] >= self._hist_t[i0] - PRE_REST_S]
        rest_watch: dict[str, dict[str, float]] = {}
        for w, rows in self._watch_rows.items():
            rest_watch[w] = {}
            for side, r in rows.items():
                x = np.array([self._hist_v[i][r] for i in pre])
                x = x[np.isfinite(x)]
                rest_watch[w][side] = float(x.mean()) if x.size else math.nan
        data = RepData(
            times, np.array(self._hist_drive[i0 : i1 + 1]), feedback, sides, watch, rest_watch
        )
        rep = score_rep(
            data,
            self.exercise,
            self.thresholds,
            self.affected_side,
            len(self.reps) + 1,
            self.tick_s,
            unfinished=unfinished,
        )
        self.reps.append(rep)
        self._cue_phase, self._cue_t = "rest", t
        out = [FeedbackEvent(ev.REP_COMPLETED, t, {"number": rep.number, "rep": rep.to_json()})]
        out.extend(self._shape(t, rep))
        with self._lock:
            self._snap.reps_done = len(self.reps)
            self._snap.last_rep = rep.to_json()
        if self.cued and len(self.reps) + self.missed >= self.exercise.reps:
            out.append(self._set_completed(t))
        return out

    def _shape(self, t: float, rep: RepScore) -> list[FeedbackEvent]:
        sh = self.exercise.shaping
        if not sh.enabled:
            return []
        good = rep.quality >= SHAPING_MIN_QUALITY and rep.in_band and not rep.over_ceiling
        self._successes = self._successes + 1 if good else 0
        if self._successes < sh.successes_to_advance:
            return []
        self._successes = 0
        lo, hi = self.thresholds.target_band_pct
        step = max(0.0, min(sh.target_step_pct, sh.target_max_pct - hi))
        ceiling = max(
            sh.ceiling_min_pct, self.thresholds.spillover_ceiling_pct - sh.ceiling_step_pct
        )
        new = Thresholds((lo + step, hi + step), ceiling)
        if new == self.thresholds:
            return []
        self.thresholds = new
        with self._lock:
            self._snap.band_pct, self._snap.ceiling_pct = new.target_band_pct, ceiling
        return [
            FeedbackEvent(
                ev.THRESHOLDS_CHANGED,
                t,
                {"target_band_pct": list(new.target_band_pct), "spillover_ceiling_pct": ceiling},
            )
        ]

    def _pace(self, t: float) -> list[FeedbackEvent]:
        out = []
        n = len(self.reps) + self.missed + 1
        if self._cue_phase == "rest" and self._announced != f"rest{n}":
            self._announced = f"rest{n}"
            out.append(
                FeedbackEvent(ev.CUE, t, {"phase": "rest", "text": "Relax and rest.", "rep": n})
            )
        if self._cue_phase == "rest" and t - self._cue_t >= self.exercise.rest_s:
            self._cue_phase, self._cue_t = "cued", t
            text = f"Rep {n} of {self.exercise.reps}: {self.exercise.name}, slowly now."
            out.append(FeedbackEvent(ev.CUE, t, {"phase": "contract", "text": text, "rep": n}))
        elif self._cue_phase == "cued" and t - self._cue_t >= self.cue_timeout_s:
            self.missed += 1
            self._cue_phase, self._cue_t = "rest", t
            out.append(FeedbackEvent(ev.REP_MISSED, t, {"number": n}))
            if len(self.reps) + self.missed >= self.exercise.reps:
                out.append(self._set_completed(t))
        with self._lock:
            cues = [e for e in out if e.kind == ev.CUE]
            if cues:
                self._snap.cue = cues[-1].data["phase"]
            self._snap.missed = self.missed
        return out

    def _set_completed(self, t: float) -> FeedbackEvent:
        self.finished = True
        summary = self.summary()
        with self._lock:
            self._snap.finished = True
        return FeedbackEvent(ev.SET_COMPLETED, t, {"summary": summary})

    def _trim(self) -> None:
        if self.detector.active or not self._hist_t:
            return
        t_keep = self._hist_t[-1] - PRE_REST_S - self.tick_s
        k = 0
        while k < len(self._hist_t) - 1 and self._hist_t[k] < t_keep:
            k += 1
        if k:
            del self._hist_t[:k], self._hist_v[:k], self._hist_drive[:k]
            self._base += k

    def _publish(self, out: list[FeedbackEvent]) -> None:
        self.events.extend(out)
        for e in out:
            for listener in list(self._listeners):
                listener(e)
