"""The texts the exercise panel shows: instructions, the cue of the moment, a scored rep, a
finished set (no widgets)."""

from __future__ import annotations

import math
from typing import Any

from facetrainer.exercises.encouragement import encouragement

PHASE_TEXT = {
    "calibrating": "Relax your face and look at the camera…",
    "rest": "Relax",
    "contract": "Slowly now…",
    "hold": "Hold it — gently",
    "release": "Slowly let go…",
}
FOLLOW_TEXT = {  # the virtual patient's own cue, shown as the patient's instruction
    "cue": "Get ready: {name}",
    "contract": "Slowly: {name}…",
    "hold": "Hold it — gently",
    "release": "Slowly let go…",
    "rest": "Relax",
}


def instructions_html(ex: Any) -> str:
    """An exercise's name, instructions, emotion cue and (scored) reps, hold, rest, pace."""
    text = f"<b>{ex.name}</b><br>{ex.instructions}"
    if ex.emotion_cue:
        text += f"<br><i>{ex.emotion_cue}</i>"
    if ex.scored:
        text += (
            f"<br>{ex.reps} reps · hold {ex.hold_s:g} s · rest {ex.rest_s:g} s. "
            f"{ex.speed.guidance}"
        )
    return text


def cue_text(snap: Any, exercise_name: str, demo_phase: str | None = None) -> str:
    """The big instruction for an engine snapshot; ``demo_phase`` is the virtual patient's
    own phase when the set follows it."""
    name = exercise_name.lower()
    if snap.finished:
        return "Set complete — well done!"
    if not snap.tracking and snap.phase != "calibrating":
        return "I can't see you — face the camera"
    if demo_phase is not None and snap.phase != "calibrating":
        return FOLLOW_TEXT[demo_phase].format(name=name)
    if snap.phase == "rest" and snap.cue == "contract":
        return f"Now: {name}, slowly"
    return PHASE_TEXT.get(snap.phase, snap.phase)


def fmt(x: float | None, digits: int = 0) -> str:
    """A number for a patient: rounded, "–" when unknown."""
    return "–" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


def pct(fraction: float | None) -> str:
    return fmt(None if fraction is None else 100.0 * fraction)


def rep_score_html(rep: dict[str, Any]) -> str:
    """The last rep's score line (quality 0–100, target held, symmetry, spillover)."""
    t = rep["target"]
    # Spillover below its rest reads as "did not move" for a patient (not "-1 %").
    spill = ", ".join(
        f"{k.replace('_', ' ')} {fmt(max(v, 0.0) if v is not None else v)} %"
        for k, v in rep["spillover"].items()
    )
    sym = rep["symmetry"]  # affected / healthy side, 1.0 = symmetric
    return (
        f"<span style='font-size:15pt'><b>Last rep: {fmt(rep['quality'])} / 100</b></span>"
        f"<br>Target held at {fmt(t['hold_mean_pct'])} % (green band "
        f"{t['band_pct'][0]:g}–{t['band_pct'][1]:g} %) · symmetry "
        f"{pct(sym)} % · others moved: {spill or '–'}"
    )


def rep_encouragement(rep: dict[str, Any]) -> str:
    return encouragement(rep)


def set_summary_html(name: str, summary: dict[str, Any]) -> str:
    return (
        f"<b>{name} — set done:</b> {summary['reps_detected']} of "
        f"{summary['reps_expected']} reps, mean score {fmt(summary['quality_mean'])} / 100, "
        f"symmetry {pct(summary['symmetry_mean'])} %"
    )
