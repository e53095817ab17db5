"""Annotation texts of the EDF+ (and BIDS) exports, named for grouping in MNE-Python.

MNE turns EDF+ annotations into events by their text
(``mne.events_from_annotations``) and selects epochs by ``/``-separated tags, so every
rep of one exercise shares one text and the tags say what and which exercise::

    rep/brow_raise            the whole rep (onset = movement start, duration = rep)
    hold/brow_raise           the hold within it (when the engine measured the phases)
    phase/contract/pucker     an engine event with its phase and exercise
    set_completed/pucker      other engine events: kind/exercise
    marker                    a marker the user set

``epochs["rep"]`` then holds every rep, ``epochs["brow_raise"]`` everything of the brow
raise, ``epochs["rep/brow_raise"]`` its reps. The rep number and the scores are not in
the text (they would give every rep its own event id); they are in the CSV/JSON exports
(``reps.csv``: ``rep_index``, ``quality``, ``target``, ``symmetry``, spillover) and in the
BIDS ``events.tsv`` columns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_TAG = re.compile(r"[^A-Za-z0-9_.\-]+")


def _tag(text: Any) -> str:
    return _TAG.sub("_", str(text)).strip("_")


def rep_label(exercise: str) -> str:
    """``rep/<exercise>`` (``rep`` alone when the exercise is unknown)."""
    ex = _tag(exercise)
    return f"rep/{ex}" if ex else "rep"


def rep_annotations(rep: Mapping[str, Any], t_first_s: float) -> list[tuple[float, float, str]]:
    """(onset_s, duration_s, text) of a stored rep: the rep, and its hold when known.

    Times are relative to ``t_first_s`` (the first EMG sample), clipped at 0.
    """
    start = float(rep["start_s"])
    end = float(rep["end_s"])
    out = [(max(0.0, start - t_first_s), max(0.0, end - start), rep_label(rep["exercise"]))]
    target = (rep.get("extra") or {}).get("target")
    if isinstance(target, Mapping):
        contract_s, hold_s = target.get("contract_s"), target.get("hold_s")
        if isinstance(contract_s, int | float) and isinstance(hold_s, int | float) and hold_s > 0:
            ex = _tag(rep["exercise"])
            out.append((max(0.0, start + float(contract_s) - t_first_s), float(hold_s),
                        f"hold/{ex}" if ex else "hold"))
    return out


def event_label(kind: str, payload: Mapping[str, Any] | None = None) -> str:
    """``marker``, ``phase/<phase>/<exercise>`` or ``<kind>/<exercise>``."""
    payload = payload or {}
    if kind == "marker":
        return "marker"
    parts = [_tag(kind) or "event"]
    if kind == "phase" and payload.get("phase"):
        parts.append(_tag(payload["phase"]))
    if payload.get("exercise"):
        parts.append(_tag(payload["exercise"]))
    return "/".join(parts)
