"""Guided, unscored routines (massage, stretching): which timed step is due when."""

from __future__ import annotations

from dataclasses import dataclass

from facetrainer.exercises.library import Exercise


@dataclass(frozen=True)
class GuidedPosition:
    """Where a routine is ``elapsed_s`` after its start."""

    round: int  # 1-based repetition of the whole routine
    step: int  # 0-based step index
    text: str
    remaining_s: float  # left in this step
    finished: bool


def routine_duration_s(exercise: Exercise) -> float:
    return exercise.reps * sum(s.duration_s for s in exercise.steps)


def guided_position(exercise: Exercise, elapsed_s: float) -> GuidedPosition:
    """The step due ``elapsed_s`` seconds into a guided routine (``reps`` rounds of its
    steps); ValueError for a scored exercise."""
    if exercise.scored or not exercise.steps:
        raise ValueError(f"exercise {exercise.id!r} is not a guided routine")
    round_s = sum(s.duration_s for s in exercise.steps)
    if elapsed_s >= exercise.reps * round_s:
        last = exercise.steps[-1]
        return GuidedPosition(exercise.reps, len(exercise.steps) - 1, last.text, 0.0, True)
    t = max(0.0, elapsed_s)
    rnd, t = divmod(t, round_s)
    for i, step in enumerate(exercise.steps):
        if t < step.duration_s:
            return GuidedPosition(int(rnd) + 1, i, step.text, step.duration_s - t, False)
        t -= step.duration_s
    last = exercise.steps[-1]  # floating-point edge at the end of a round
    return GuidedPosition(int(rnd) + 1, len(exercise.steps) - 1, last.text, 0.0, False)
