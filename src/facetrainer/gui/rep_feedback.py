"""The texts the exercise panel shows about a scored rep and a finished set (no widgets)."""

from __future__ import annotations

import math
from typing import Any

from facetrainer.exercises.encouragement import encouragement


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
