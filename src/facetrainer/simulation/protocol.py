"""The exercise protocol as a timeline: rest, cue, slow contract, hold, release, rest.

A :class:`Timeline` lists the repetitions of one or more exercises with their times and
gives the commanded effort (0..1) at any time, vectorised, so the video frames and the EMG
samples read the very same activation. An *imperfect performer* starts late, misses a rep,
rushes a rep, or looks away (the face leaves the frame) during a rest.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

EXERCISE_ACTIONS: dict[str, dict[str, float]] = {
    "brow_raise": {"brow_raise": 1.0},
    "gentle_eye_closure": {"eye_closure": 1.0},
    "tight_eye_closure": {"eye_closure": 1.0, "eye_squeeze": 1.0},
    "closed_smile": {"smile": 1.0},
    "open_smile": {"smile": 1.0, "mouth_open": 1.0},
    "snarl": {"snarl": 1.0},
    "pucker": {"pucker": 1.0},
    "eee": {"eee": 1.0},
    "lip_depression": {"lip_depression": 1.0},
    "cheek_puff": {"cheek_puff": 1.0},
}
"""Exercise id (docs/dev/ARCHITECTURE.md) → the actions it commands, at full effort."""

DEMO_PROGRAM: tuple[str, ...] = (
    "brow_raise", "gentle_eye_closure", "closed_smile", "open_smile", "snarl", "pucker",
    "lip_depression", "tight_eye_closure", "eee", "cheek_puff",
)  # fmt: skip

REP_KINDS = ("normal", "late_start", "missed", "too_fast")


@dataclass(frozen=True)
class ProtocolTiming:
    """Durations in seconds of one repetition's phases (and the lead-in rest)."""

    lead_in_s: float = 2.0
    cue_s: float = 1.0
    contract_s: float = 1.5
    hold_s: float = 2.0
    release_s: float = 1.5
    rest_s: float = 2.5

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(f"timing {name} must be >= 0 s, got {value!r}")
        for name in ("contract_s", "release_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"timing {name} must be > 0 s, got {getattr(self, name)!r}")


@dataclass(frozen=True)
class Rep:
    """One repetition. Times in seconds from the start of the timeline.

    ``start_s``..``end_s`` is the movement (contract, hold, release); a ``missed`` rep has
    the times it should have had but no movement.
    """

    exercise: str
    index: int  # 1-based within its exercise block
    kind: str
    cue_s: float
    start_s: float
    hold_start_s: float
    hold_end_s: float
    end_s: float

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class LookAway:
    """The performer looks away: the face leaves the frame (sliding out and back)."""

    start_s: float
    end_s: float
    slide_s: float = 0.4


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


class Timeline:
    """Repetitions of exercises in time; effort and phase at any time (vectorised)."""

    def __init__(
        self, reps: list[Rep], look_aways: list[LookAway], duration_s: float, loop: bool = False
    ) -> None:
        self.reps = reps
        self.look_aways = look_aways
        self.duration_s = float(duration_s)
        self.loop = loop
        self._cue = np.array([r.cue_s for r in reps])
        self._start = np.array([r.start_s for r in reps])
        self._hold0 = np.array([r.hold_start_s for r in reps])
        self._hold1 = np.array([r.hold_end_s for r in reps])
        self._end = np.array([r.end_s for r in reps])
        self._moves = np.array([r.kind != "missed" for r in reps])
        self.exercises = tuple(dict.fromkeys(r.exercise for r in reps))

    def local_time(self, t_s: np.ndarray | float) -> np.ndarray:
        t = np.asarray(t_s, dtype=np.float64)
        if self.loop and self.duration_s > 0:
            return np.mod(t, self.duration_s)
        return t

    def _rep_index(self, t: np.ndarray) -> np.ndarray:
        return np.searchsorted(self._cue, t, side="right") - 1

    def effort(self, t_s: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Commanded effort 0..1 at times ``t_s`` and the index of the rep (−1 before any)."""
        t = np.atleast_1d(self.local_time(t_s))
        i = self._rep_index(t)
        level = np.zeros(t.shape)
        if not self.reps:
            return level, i
        k = np.clip(i, 0, None)
        up = _smoothstep((t - self._start[k]) / np.maximum(self._hold0[k] - self._start[k], 1e-6))
        down = 1.0 - _smoothstep(
            (t - self._hold1[k]) / np.maximum(self._end[k] - self._hold1[k], 1e-6)
        )
        level = np.where(t < self._hold1[k], up, down)
        level = np.where(
            (i >= 0) & self._moves[k] & (t >= self._start[k]) & (t < self._end[k]), level, 0.0
        )
        return level, i

    def phase(self, t_s: float) -> str:
        """``rest``, ``cue``, ``contract``, ``hold`` or ``release`` at one time."""
        t = float(self.local_time(t_s))
        i = int(self._rep_index(np.array([t]))[0])
        if i < 0:
            return "rest"
        r = self.reps[i]
        if t < r.start_s:
            return "cue"
        if r.kind == "missed" or t >= r.end_s:
            return "rest"
        if t < r.hold_start_s:
            return "contract"
        return "hold" if t < r.hold_end_s else "release"

    def exercise_at(self, t_s: float) -> str | None:
        """The exercise whose rep (or the rest after it) is under way."""
        i = int(self._rep_index(np.atleast_1d(self.local_time(t_s)))[0])
        return self.reps[i].exercise if i >= 0 else (self.reps[0].exercise if self.reps else None)

    def commands(self, t_s: np.ndarray | float) -> dict[str, np.ndarray]:
        """Commanded level of every action (both sides alike) at times ``t_s``."""
        level, i = self.effort(t_s)
        out: dict[str, np.ndarray] = {}
        if not self.reps:
            return out
        names = np.array([r.exercise for r in self.reps])[np.clip(i, 0, None)]
        for ex in self.exercises:
            sel = np.where(names == ex, level, 0.0)
            for action, gain in EXERCISE_ACTIONS[ex].items():
                out[action] = out.get(action, 0.0) + gain * sel
        return out

    def look_away_fraction(self, t_s: np.ndarray | float) -> np.ndarray:
        """0 = facing the camera … 1 = the face fully out of the frame."""
        t = np.atleast_1d(self.local_time(t_s))
        out = np.zeros(t.shape)
        for la in self.look_aways:
            inn = _smoothstep((t - la.start_s) / la.slide_s)
            back = 1.0 - _smoothstep((t - (la.end_s - la.slide_s)) / la.slide_s)
            out = np.maximum(
                out, np.where((t >= la.start_s) & (t < la.end_s), np.minimum(inn, back), 0.0)
            )
        return out


def build_timeline(
    exercises: list[str] | tuple[str, ...],
    reps: int = 3,
    timing: ProtocolTiming | None = None,
    imperfect: bool = False,
    seed: int = 0,
    loop: bool = False,
) -> Timeline:
    """Repetitions of each exercise in turn.

    Parameters
    ----------
    exercises : sequence of str
        Exercise ids (``EXERCISE_ACTIONS``).
    reps : int
        Repetitions per exercise (≥ 1).
    timing : ProtocolTiming
    imperfect : bool
        An imperfect performer: within each exercise block one late start (0.6–1.5 s), one
        missed rep and one too-fast rep (when there are enough reps), and one look-away
        during a rest; which rep gets what is drawn from ``seed``.
    loop : bool
        Times beyond the end wrap around (the demo's endless program).
    """
    unknown = [e for e in exercises if e not in EXERCISE_ACTIONS]
    if unknown:
        raise ValueError(f"unknown exercise {unknown[0]!r} (known: {', '.join(EXERCISE_ACTIONS)})")
    if not exercises:
        raise ValueError("exercises must name at least one exercise")
    if int(reps) < 1:
        raise ValueError(f"reps must be >= 1, got {reps!r}")
    tm = timing or ProtocolTiming()
    rng = np.random.default_rng(seed)
    out: list[Rep] = []
    looks: list[LookAway] = []
    t = tm.lead_in_s
    for ex in exercises:
        kinds = ["normal"] * reps
        look_after = -1
        if imperfect:
            special = ["late_start", "missed", "too_fast"][: max(reps - 1, 1)]
            slots = rng.permutation(reps)[: len(special)]
            for s, kind in zip(slots, special, strict=False):
                kinds[int(s)] = kind
            look_after = int(rng.integers(reps))
        for k in range(reps):
            kind = kinds[k]
            cue = t
            start = cue + tm.cue_s
            contract, hold, release = tm.contract_s, tm.hold_s, tm.release_s
            if kind == "late_start":
                start += float(rng.uniform(0.6, 1.5))
            elif kind == "too_fast":
                contract, hold, release = 0.3, 0.5, 0.3
            hold0 = start + contract
            hold1 = hold0 + hold
            end = hold1 + release
            out.append(Rep(ex, k + 1, kind, cue, start, hold0, hold1, end))
            t = end + tm.rest_s
            if k == look_after:
                la_start = end + 0.3
                la_end = la_start + max(min(tm.rest_s, 3.0), 1.5)
                looks.append(LookAway(la_start, la_end))
                t = max(t, la_end + 0.5)
    return Timeline(out, looks, t, loop=loop)
