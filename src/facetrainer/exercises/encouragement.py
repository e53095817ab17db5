"""The one friendly, specific sentence a patient reads after each repetition."""

from __future__ import annotations

from typing import Any


def encouragement(rep: dict[str, Any]) -> str:
    """The most useful thing to change about a scored rep, said kindly.

    Order of concern follows retraining practice: speed first (slow and controlled),
    then unwanted movement (synkinesis), then how far the target moved.
    """
    t = rep["target"]
    ceiling = rep.get("quality_terms", {}).get("spillover", 1.0)
    if t.get("too_fast"):
        return "Good effort — now try it slower: count two seconds in and two out."
    if ceiling < 0.5 and rep.get("spillover"):
        worst = max(rep["spillover"], key=lambda k: rep["spillover"][k] or 0.0)
        return (
            f"Nice work. Your {worst.replace('_', ' ')} joined in: try a smaller "
            "movement and keep it still."
        )
    if t.get("partial"):
        return "Good start — try to move a little further into the green band."
    if not t.get("in_band"):
        band = t.get("band_pct")
        hold = t.get("hold_mean_pct")
        if band is not None and hold is not None and hold < band[0]:
            return "Good control — move a little further next time, into the green band."
        return "Lovely control — a little less next time: stay inside the green band."
    if rep["quality"] >= 80:
        return "Excellent — slow, steady and quiet elsewhere. Keep it up!"
    return "Well done — keep it slow and steady."
