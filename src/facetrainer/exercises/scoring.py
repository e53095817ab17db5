"""Per-repetition scores and per-set summaries (pure functions on activation arrays).

All activations are fractions of each signal's reference (1.0 = 100 %); scores are
reported in % of reference. A watch signal's *hold level* is its median during the hold
(the whole rep when there is no hold): a blink during the hold must not read as
synkinesis. The quality formula (0–100) is a weighted mean of terms in
[0, 1]; a term whose inputs are missing is left out and the weights renormalised:

====================  ======  ===============================================================
term                  weight  definition
====================  ======  ===============================================================
target                0.35    1 inside the band [lo, hi] (hold mean); x/lo below it;
                              max(0, 1 − (x − hi)/hi) above it (retraining wants small moves)
spillover             0.30    1 − min(w/c, 2)/2 with w the worst watch signal's hold level and
                              c the ceiling: 1 when quiet, 0.5 at the ceiling, 0 at twice it
hold                  0.15    steadiness × min(1, held / asked hold); steadiness =
                              max(0, 1 − SD/mean) of the target during the hold
speed                 0.10    mean of min(1, contract_s/min_contract_s) and
                              min(1, release_s/min_release_s): too fast is penalised
symmetry              0.10    min(r, 1/r) with r = affected/healthy (or weaker/stronger)
====================  ======  ===============================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from facetrainer.exercises.library import Exercise, Thresholds

HOLD_FRACTION = 0.9  # the hold is where the target stays ≥ 90 % of the rep's level
MIN_HEALTHY_FOR_RATIO = 0.10  # a symmetry ratio needs the healthy side ≥ 10 % of reference
WEIGHTS = {"target": 0.35, "spillover": 0.30, "hold": 0.15, "speed": 0.10, "symmetry": 0.10}


def _pct(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else round(100.0 * float(x), 2)


def _nanmedian(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else float("nan")


def _nanmean(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else float("nan")


@dataclass
class RepData:
    """What the engine hands to :func:`score_rep` for one repetition.

    ``times_s`` (k,) covers onset to end; ``target`` maps side → (k,) activation of the
    exercise's target (mean over its target signals); ``watch`` maps signal → side → (k,);
    ``rest_watch`` signal → side → mean activation in the rest before the rep;
    ``drive`` (k,) is the signal the state machine followed.
    """

    times_s: np.ndarray
    drive: np.ndarray
    feedback: np.ndarray
    target: dict[str, np.ndarray]
    watch: dict[str, dict[str, np.ndarray]]
    rest_watch: dict[str, dict[str, float]]


@dataclass
class RepScore:
    number: int
    start_s: float
    end_s: float
    peak_pct: float | None
    hold_mean_pct: float | None
    hold_s: float
    contract_s: float
    release_s: float
    steadiness: float | None
    speed: float
    too_fast: bool
    partial: bool
    by_side: dict[str, dict[str, float | None]]
    symmetry: float | None
    weaker_side: str | None
    spillover: dict[str, float | None]
    spillover_detail: dict[str, dict[str, Any]]
    terms: dict[str, float]
    quality: float
    thresholds: Thresholds = field(default_factory=Thresholds)
    unfinished: bool = False  # still held when the recording ended or the set stopped

    def to_json(self) -> dict[str, Any]:
        """The ``score`` command's rep entry: start_s, end_s, target, spillover, symmetry,
        quality (+ details)."""
        return {
            "number": self.number,
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "target": {
                "peak_pct": self.peak_pct,
                "hold_mean_pct": self.hold_mean_pct,
                "hold_s": round(self.hold_s, 3),
                "contract_s": round(self.contract_s, 3),
                "release_s": round(self.release_s, 3),
                "steadiness": self.steadiness,
                "speed": round(self.speed, 3),
                "too_fast": self.too_fast,
                "partial": self.partial,
                "in_band": self.in_band,
                "by_side": self.by_side,
                "band_pct": list(self.thresholds.target_band_pct),
            },
            "spillover": self.spillover,
            "spillover_detail": self.spillover_detail,
            "symmetry": self.symmetry,
            "weaker_side": self.weaker_side,
            "quality": self.quality,
            "quality_terms": {k: round(v, 3) for k, v in self.terms.items()},
            "unfinished": self.unfinished,
        }

    @property
    def in_band(self) -> bool:
        lo, hi = self.thresholds.target_band_pct
        return self.hold_mean_pct is not None and lo <= self.hold_mean_pct <= hi

    @property
    def over_ceiling(self) -> list[str]:
        c = self.thresholds.spillover_ceiling_pct
        return [k for k, v in self.spillover.items() if v is not None and v > c]


@dataclass(frozen=True)
class RepTiming:
    """Where a rep's target crosses 10 % and 90 % of its level (linear interpolation).

    ``level`` is the 95th percentile of the drive in the rep (robust to a spike).
    ``contract_s``/``release_s`` are the 10→90 % rise/fall times (the standard rise time;
    a smooth 1.5 s movement has a rise time of about 0.9 s). ``start_s``/``end_s`` are the
    10 % crossings moved out by a quarter of that rise/fall time (where a smooth ramp
    leaves rest). The hold is where the drive stays ≥ 90 %.
    """

    start_s: float
    end_s: float
    contract_s: float
    release_s: float
    hold: slice
    hold_s: float
    level: float


def _cross(t: np.ndarray, x: np.ndarray, i: int, j: int, level: float) -> float:
    """Time where x crosses ``level`` between ticks i and j (linear)."""
    xi, xj = x[i], x[j]
    if not (np.isfinite(xi) and np.isfinite(xj)) or xi == xj:
        return float(t[j])
    return float(t[i] + (level - xi) / (xj - xi) * (t[j] - t[i]))


def rep_timing(t: np.ndarray, drive: np.ndarray) -> RepTiming:
    """Timing of one rep from its drive signal (see :class:`RepTiming`)."""
    x = np.where(np.isfinite(drive), drive, np.nan)
    level = float(np.nanpercentile(x, 95))
    lo, hi = 0.1 * level, HOLD_FRACTION * level
    high = np.flatnonzero(x >= hi)
    h0, h1 = int(high[0]), int(high[-1])
    below_before = np.flatnonzero(x[:h0] <= lo)
    u0 = int(below_before[-1]) if below_before.size else 0
    below_after = np.flatnonzero(x[h1:] <= lo)
    d1 = h1 + int(below_after[0]) if below_after.size else len(x) - 1
    t10u = _cross(t, x, u0, u0 + 1, lo) if u0 + 1 <= h0 else float(t[u0])
    t90u = _cross(t, x, h0 - 1, h0, hi) if h0 > 0 else float(t[0])
    t90d = _cross(t, x, h1, h1 + 1, hi) if h1 + 1 < len(x) else float(t[-1])
    t10d = _cross(t, x, d1 - 1, d1, lo) if d1 > h1 else float(t[d1])
    rise, fall = max(0.0, t90u - t10u), max(0.0, t10d - t90d)
    return RepTiming(
        t10u - 0.25 * rise,
        t10d + 0.25 * fall,
        rise,
        fall,
        slice(h0, h1 + 1),
        max(0.0, t90d - t90u),
        level,
    )


def _target_term(x: float | None, band: tuple[float, float]) -> float | None:
    if x is None:
        return None
    lo, hi = band
    if x < lo:
        return max(0.0, x / lo)
    if x > hi:
        return max(0.0, 1.0 - (x - hi) / hi)
    return 1.0


def score_rep(
    data: RepData,
    exercise: Exercise,
    thresholds: Thresholds,
    affected_side: str | None,
    number: int,
    tick_s: float,
    *,
    unfinished: bool = False,
) -> RepScore:
    """Score one repetition (see the module docstring for every definition).

    An ``unfinished`` rep (still held at the end) has no release: its speed term uses the
    contraction alone, and its hold counts up to the end."""
    t = data.times_s
    timing = rep_timing(t, data.drive)
    hold = timing.hold
    contract_s, release_s, hold_s = timing.contract_s, timing.release_s, timing.hold_s
    in_rep = (t >= timing.start_s) & (t <= timing.end_s)
    fb = data.feedback
    fbr = fb[in_rep]
    peak = _pct(np.nanmax(fbr) if np.isfinite(fbr).any() else None)
    hold_mean = _pct(_nanmean(fb[hold]))
    seg = fb[hold][np.isfinite(fb[hold])]
    steadiness = None
    if seg.size >= 3 and seg.mean() > 0:
        steadiness = round(max(0.0, 1.0 - float(seg.std()) / float(seg.mean())), 3)
    sp = exercise.speed
    ratios = [min(1.0, contract_s / sp.min_contract_s) if sp.min_contract_s > 0 else 1.0]
    if not unfinished:
        ratios.append(min(1.0, release_s / sp.min_release_s) if sp.min_release_s > 0 else 1.0)
    speed = float(np.mean(ratios))
    too_fast = speed < 1.0
    partial = hold_mean is None or hold_mean < thresholds.target_band_pct[0]

    by_side: dict[str, dict[str, float | None]] = {}
    side_hold: dict[str, float] = {}
    for side, x in data.target.items():
        h = _nanmean(x[hold])
        side_hold[side] = h
        xr = x[in_rep]
        by_side[side] = {
            "peak_pct": _pct(np.nanmax(xr) if np.isfinite(xr).any() else None),
            "hold_mean_pct": _pct(h),
        }
    symmetry, weaker = _symmetry(side_hold, affected_side)
    if not exercise.score_symmetry:
        symmetry = None

    spill: dict[str, float | None] = {}
    detail: dict[str, dict[str, Any]] = {}
    # A watch signal is judged over the hold, or over the whole rep when there is none.
    span: slice | np.ndarray = hold if hold.stop - hold.start >= 3 else in_rep
    for name, sides in data.watch.items():
        per: dict[str, Any] = {}
        for side, x in sides.items():
            m = _nanmedian(x[span])
            rest = data.rest_watch.get(name, {}).get(side, float("nan"))
            xr = x[in_rep]
            per[side] = {
                "hold_level_pct": _pct(m),
                "peak_pct": _pct(np.nanmax(xr) if np.isfinite(xr).any() else None),
                "rise_from_rest_pct": _pct(m - rest) if np.isfinite(rest) else None,
            }
        if affected_side is not None and affected_side in per:
            value = per[affected_side]["hold_level_pct"]
        else:
            vals = [p["hold_level_pct"] for p in per.values() if p["hold_level_pct"] is not None]
            value = max(vals) if vals else None
        spill[name] = value
        detail[name] = per

    terms: dict[str, float] = {}
    tt = _target_term(hold_mean, thresholds.target_band_pct)
    if tt is not None:
        terms["target"] = tt
    measured = [v for v in spill.values() if v is not None]
    if measured:
        worst = max(0.0, max(measured))
        terms["spillover"] = 1.0 - min(worst / thresholds.spillover_ceiling_pct, 2.0) / 2.0
    held = min(1.0, hold_s / exercise.hold_s) if exercise.hold_s > 0 else 1.0
    terms["hold"] = (steadiness if steadiness is not None else 0.0) * held
    terms["speed"] = speed
    if symmetry is not None:
        terms["symmetry"] = min(symmetry, 1.0 / symmetry) if symmetry > 0 else 0.0
    wsum = sum(WEIGHTS[k] for k in terms)
    quality = round(100.0 * sum(WEIGHTS[k] * v for k, v in terms.items()) / wsum, 1)
    return RepScore(
        number,
        timing.start_s,
        timing.end_s,
        peak,
        hold_mean,
        hold_s,
        contract_s,
        release_s,
        steadiness,
        speed,
        too_fast,
        partial,
        by_side,
        symmetry,
        weaker,
        spill,
        detail,
        terms,
        quality,
        thresholds,
        unfinished,
    )


def _symmetry(
    side_hold: dict[str, float], affected_side: str | None
) -> tuple[float | None, str | None]:
    if len(side_hold) < 2 or not all(np.isfinite(v) for v in side_hold.values()):
        return None, None
    weaker = min(side_hold, key=lambda s: side_hold[s])
    if affected_side is not None:
        healthy = "right" if affected_side == "left" else "left"
        if side_hold[healthy] < MIN_HEALTHY_FOR_RATIO:
            return None, weaker
        return round(max(0.0, side_hold[affected_side]) / side_hold[healthy], 3), weaker
    stronger = max(side_hold.values())
    if stronger < MIN_HEALTHY_FOR_RATIO:
        return None, weaker
    return round(max(0.0, side_hold[weaker]) / stronger, 3), weaker


def _mean_of(values: list[float | None]) -> float | None:
    v = [x for x in values if x is not None]
    return round(float(np.mean(v)), 2) if v else None


def summarise_set(
    reps: list[RepScore],
    exercise: Exercise,
    modalities: list[str],
    missed: int,
    aborted: int,
    thresholds: Thresholds,
    unmeasured: list[str],
) -> dict[str, Any]:
    """The per-set summary (JSON-ready)."""
    names = sorted({k for r in reps for k in r.spillover})
    ceiling = thresholds.spillover_ceiling_pct
    return {
        "reps_expected": exercise.reps,
        "reps_detected": len(reps),
        "reps_complete": sum(1 for r in reps if not r.partial),
        "reps_partial": sum(1 for r in reps if r.partial),
        "reps_unfinished": sum(1 for r in reps if r.unfinished),
        "reps_too_fast": sum(1 for r in reps if r.too_fast),
        "reps_missed": missed,
        "reps_aborted": aborted,
        "reps_in_band": sum(1 for r in reps if r.in_band),
        "quality_mean": _mean_of([r.quality for r in reps]),
        "target_peak_mean_pct": _mean_of([r.peak_pct for r in reps]),
        "target_hold_mean_pct": _mean_of([r.hold_mean_pct for r in reps]),
        "steadiness_mean": _mean_of([r.steadiness for r in reps]),
        "speed_mean": _mean_of([r.speed for r in reps]),
        "symmetry_mean": _mean_of([r.symmetry for r in reps]),
        "spillover_mean_pct": {n: _mean_of([r.spillover.get(n) for r in reps]) for n in names},
        "spillover_max_pct": {
            n: max((v for r in reps if (v := r.spillover.get(n)) is not None), default=None)
            for n in names
        },
        "reps_over_ceiling": sum(1 for r in reps if r.over_ceiling),
        "thresholds": {
            "target_band_pct": list(thresholds.target_band_pct),
            "spillover_ceiling_pct": ceiling,
        },
        "modalities": modalities,
        "not_measured": unmeasured,
    }
