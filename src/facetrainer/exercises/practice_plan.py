"""Today's practice from a prescribed program, and what it says to the patient in plain words.

A home program (:mod:`facetrainer.storage.programs`) prescribes, per exercise, reps, hold,
rest and thresholds. Those are the therapist's choices for this patient, so the practice
uses them and never the exercise library's defaults: :func:`plan_practice` copies each
library exercise with the program's reps, hold, rest and band, which is what the exercise
engine then paces and scores against. An exercise the program names but the library no
longer has is skipped with a message; the rest of the program still runs.

No Qt here; the patient mode draws what this module decides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from facetrainer.exercises.library import Exercise, Library, Thresholds

DEFAULT_SETS = 1

REGION_WORDS = {
    "brow": "brow",
    "eye": "eye",
    "mouth_corner": "mouth corner",
    "upper_lip": "upper lip",
    "lips": "lips",
    "lower_lip": "lower lip",
    "cheek": "cheek",
}
"""How each watch signal is named to a patient (no anatomy jargon)."""


@dataclass(frozen=True)
class PracticeItem:
    """One exercise of today's practice, with the program's values applied.

    ``exercise`` is the library entry copied with the program's ``reps``, ``hold_s``,
    ``rest_s`` and thresholds, so that anything scoring it (the engine) follows the
    prescription. ``cue`` is the therapist's words when the program has them, else the
    exercise's emotion cue.
    """

    exercise: Exercise
    sets: int = DEFAULT_SETS
    cue: str = ""

    @property
    def reps(self) -> int:
        return self.exercise.reps

    @property
    def hold_s(self) -> float:
        return self.exercise.hold_s

    @property
    def rest_s(self) -> float:
        return self.exercise.rest_s

    @property
    def scored(self) -> bool:
        return self.exercise.scored

    @property
    def instructions(self) -> str:
        return self.exercise.instructions


@dataclass(frozen=True)
class PracticePlan:
    """Today's practice: the program's exercises in order; ``notices`` say what was skipped."""

    program_name: str
    revision: int
    items: tuple[PracticeItem, ...]
    notices: tuple[str, ...] = ()


def program_thresholds(raw: dict[str, float], exercise: Exercise, where: str) -> Thresholds:
    """The program's thresholds for one exercise as the engine's percentages.

    Program files give fractions of the reference activation: ``target_min``,
    ``target_max`` (the target band) and ``spillover_max`` (the ceiling); a missing one
    keeps the exercise's own value. ValueError names ``where`` and the field.
    """
    base = exercise.thresholds
    lo, hi = base.target_band_pct
    if "target_min" in raw:
        lo = 100.0 * float(raw["target_min"])
    if "target_max" in raw:
        hi = 100.0 * float(raw["target_max"])
    ceiling = base.spillover_ceiling_pct
    if "spillover_max" in raw:
        ceiling = 100.0 * float(raw["spillover_max"])
    unknown = sorted(set(raw) - {"target_min", "target_max", "spillover_max"})
    if unknown:
        raise ValueError(
            f"{where}.thresholds: unknown field(s) {unknown} "
            "(known: target_min, target_max, spillover_max)"
        )
    if not 0 < lo < hi:
        raise ValueError(
            f"{where}.thresholds: target_min = {lo / 100:g}, target_max = {hi / 100:g}: "
            "need 0 < target_min < target_max"
        )
    if ceiling <= 0:
        raise ValueError(f"{where}.thresholds.spillover_max = {ceiling / 100:g}: must be > 0")
    return Thresholds((lo, hi), ceiling)


def plan_practice(program: Any, library: Library) -> PracticePlan:
    """Build today's practice from a :class:`~facetrainer.storage.programs.ProgramSpec`.

    Each program item becomes a :class:`PracticeItem` whose exercise carries the program's
    reps, hold, rest and thresholds. Items naming an exercise the library does not have, or
    with unusable thresholds, are skipped and explained in ``notices``.
    """
    items: list[PracticeItem] = []
    notices: list[str] = []
    for k, entry in enumerate(program.items):
        where = f"program {program.name!r} exercise {k + 1} ({entry.exercise})"
        if entry.exercise not in library:
            notices.append(
                f"{where}: this FaceTrainer has no exercise {entry.exercise!r} any more; "
                "it is skipped today (ask your therapist for an updated program)"
            )
            continue
        ex = library[entry.exercise]
        try:
            if ex.scored:
                ex = replace(
                    ex,
                    reps=int(entry.reps),
                    hold_s=float(entry.hold_s),
                    rest_s=float(entry.rest_s),
                    thresholds=program_thresholds(dict(entry.thresholds), ex, where),
                )
            else:
                ex = replace(ex, reps=int(entry.reps))
        except ValueError as exc:
            notices.append(f"{exc}; this exercise is skipped today")
            continue
        cue = str(entry.cue or "").strip() or ex.emotion_cue
        sets = int(getattr(entry, "sets", DEFAULT_SETS) or DEFAULT_SETS)
        items.append(PracticeItem(ex, sets=max(1, sets), cue=cue))
    return PracticePlan(program.name, int(program.revision), tuple(items), tuple(notices))


def movement_word(exercise: Exercise) -> str:
    """What one repetition is called in a sentence ("smiles", "brow raises")."""
    return exercise.name.lower() + ("es" if exercise.name.lower().endswith("s") else "s")


def describe_set(exercise: Exercise, reps: list[dict[str, Any]], reps_expected: int) -> str:
    """A set's summary in plain words, e.g. "8 of 10 closed-lip smiles done; 6 held in your
    target zone. Your eye stayed calm in 5 of them."

    ``reps`` are the engine's per-rep scores (``RepScore.to_json()``); counts never exceed
    ``reps_expected``.
    """
    done = reps[:reps_expected]
    n = len(done)
    if n == 0:
        return "No repetition was counted in this set. Take your time and try again."
    in_band = sum(1 for r in done if r.get("target", {}).get("in_band"))
    text = (
        f"{n} of {reps_expected} {movement_word(exercise)} done; "
        f"{in_band} held in your target zone."
    )
    watch = [w for w in exercise.watch_regions if w in REGION_WORDS]
    if watch:
        ceiling = exercise.thresholds.spillover_ceiling_pct
        calm = sum(
            1
            for r in done
            if all(
                (v is None) or (isinstance(v, int | float) and v <= ceiling)
                for v in (r.get("spillover") or {}).values()
            )
        )
        names = " and ".join(f"your {REGION_WORDS[w]}" for w in watch[:2])
        text += f" {names[0].upper()}{names[1:]} stayed calm in {calm} of them."
    too_fast = sum(1 for r in done if r.get("target", {}).get("too_fast"))
    if too_fast:
        text += f" {too_fast} went a little fast: slower is better."
    return text


def main_measure(exercise: Exercise) -> tuple[str, str]:
    """(key, words) of the measure a patient follows for this exercise over the weeks:
    symmetry where left/right is meaningful ("your smile symmetry"), else quality."""
    noun = exercise.name.lower()
    if exercise.score_symmetry:
        return "symmetry", f"your {noun} symmetry"
    return "quality", f"your {noun} quality"


def finite_or_none(value: Any) -> float | None:
    """``value`` as a float when it is a finite number, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None
