"""Sunnybrook-style and eFACE-style **estimates** from the standard assessment photos.

These relate FaceTrainer's landmark measures to the clinical scales (shared DOMAIN.md §3).
They are estimates from 2-D landmarks, not a clinician's grading, and are always labelled
so. Definitions (``a`` = affected side, ``h`` = healthy side; for ``both``/``none`` the side
that moves less plays ``a``); every photo is measured in its own iris-based millimetres:

movement
    Change of an expression's target measure from the rest photo, signed so that the
    expected direction is positive: brow lift → ``brow_height_mm`` up; gentle/tight eye
    closure → ``palpebral_fissure_mm`` down; open-mouth smile → ``commissure_height_mm``
    down (the corner lifts towards the eyes); snarl → ``upper_lip_height_mm`` down; lip pucker → ``commissure_excursion_mm`` down;
    "eee" → ``lower_lip_height_mm`` up. Movement ratio ``r = clip(move_a / move_h, 0, 1)``;
    undefined when the healthy side moved less than ``MIN_MOVE_MM``.
Sunnybrook voluntary movement (each 1–5, sum × 4)
    r < 0.10 → 1, < 0.35 → 2, < 0.70 → 3, < 0.90 → 4, else 5.
Sunnybrook resting symmetry (sum × 5)
    eye 1 when the rest palpebral-fissure ratio a/h is off 1 by more than 15 %; cheek (proxy:
    rest commissure-excursion ratio) 0 ≥ 0.90 > 1 ≥ 0.75 > 2; mouth 1 when the rest
    commissure heights differ by more than 2 mm.
Sunnybrook synkinesis (each 0–3)
    brow lift and gentle eye closure: excess mouth-corner movement (|Δ commissure height|
    a − h) ≤ 1 mm → 0, ≤ 2 → 1, ≤ 4 → 2, else 3; smile, snarl, pucker: excess eye
    narrowing (PFN % a − h, PFN = 100·(PF_rest − PF_task)/PF_rest) ≤ 10 → 0, ≤ 25 → 1,
    ≤ 45 → 2, else 3. Composite = voluntary − resting − synkinesis.
eFACE-style items (0–100, 100 = symmetric / no synkinesis)
    static: brow height, palpebral fissure and commissure height at rest, smaller/larger
    × 100; dynamic: movement ratio × 100 for brow elevation, gentle and full eye closure,
    smile (commissure) and lower lip ("eee"); synkinesis: ocular = 100 − excess PFN % in
    smile/pucker (the worse), midfacial = 100 − 20 × excess mouth-corner mm in eye closure.
    Items not measurable from landmarks (nasolabial fold, mentalis, platysma) are left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

ESTIMATE_LABEL = (
    "Estimate from photo landmarks (not a clinical grading); "
    "healthy faces score 65-100 with automated methods"
)
MIN_MOVE_MM = 0.5

SUNNYBROOK_EXPRESSIONS = ("brow_raise", "gentle_eye_closure", "open_smile", "snarl", "pucker")
EFACE_EXTRA_EXPRESSIONS = ("tight_eye_closure", "eee")
TARGET = {  # expression -> (measure, +1 when the expected change is an increase)
    "brow_raise": ("brow_height_mm", 1),
    "gentle_eye_closure": ("palpebral_fissure_mm", -1),
    "tight_eye_closure": ("palpebral_fissure_mm", -1),
    "open_smile": ("commissure_height_mm", -1),  # the corner lifts (opening the mouth
    # moves the lower-lip point that commissure excursion is measured from, on both sides)
    "snarl": ("upper_lip_height_mm", -1),
    "pucker": ("commissure_excursion_mm", -1),
    "eee": ("lower_lip_height_mm", 1),
}
Metrics = Mapping[str, Mapping[str, float]]  # {measure: {"left": v, "right": v}}


def _get(m: Metrics | None, measure: str, side: str) -> float | None:
    if not m or measure not in m:
        return None
    v = m[measure].get(side)
    return None if v is None or not math.isfinite(float(v)) else float(v)


def _sides(affected: str, rest: Metrics, photos: Mapping[str, Metrics]) -> tuple[str, str]:
    if affected in ("left", "right"):
        return affected, "right" if affected == "left" else "left"
    totals = {"left": 0.0, "right": 0.0}
    for ex, m in photos.items():
        if ex in TARGET:
            for side in totals:
                totals[side] += max(0.0, _move(rest, m, ex, side) or 0.0)
    return ("left", "right") if totals["left"] <= totals["right"] else ("right", "left")


def _move(rest: Metrics, m: Metrics, expression: str, side: str) -> float | None:
    measure, sign = TARGET[expression]
    r, e = _get(rest, measure, side), _get(m, measure, side)
    return None if r is None or e is None else sign * (e - r)


def movement_ratio(
    rest: Metrics, m: Metrics | None, expression: str, a: str, h: str
) -> float | None:
    """Affected/healthy movement for an expression, clipped to [0, 1] (None if undefined)."""
    if m is None:
        return None
    ma, mh = _move(rest, m, expression, a), _move(rest, m, expression, h)
    if ma is None or mh is None or mh < MIN_MOVE_MM:
        return None
    return min(1.0, max(0.0, ma / mh))


def _pfn(rest: Metrics, m: Metrics, side: str) -> float | None:
    r, e = _get(rest, "palpebral_fissure_mm", side), _get(m, "palpebral_fissure_mm", side)
    return None if r is None or e is None or r <= 0 else 100.0 * (r - e) / r


def _excess_eye_narrowing(rest: Metrics, m: Metrics | None, a: str, h: str) -> float | None:
    if m is None:
        return None
    pa, ph = _pfn(rest, m, a), _pfn(rest, m, h)
    return None if pa is None or ph is None else max(0.0, pa - ph)


def _excess_mouth_move(rest: Metrics, m: Metrics | None, a: str, h: str) -> float | None:
    if m is None:
        return None
    d = []
    for side in (a, h):
        r, e = _get(rest, "commissure_height_mm", side), _get(m, "commissure_height_mm", side)
        if r is None or e is None:
            return None
        d.append(abs(e - r))
    return max(0.0, d[0] - d[1])


def _bin(
    x: float, edges: tuple[float, ...], scores: tuple[int, ...], upper_inclusive: bool = False
) -> int:
    """scores[i] for the first edge above x (or at x when ``upper_inclusive``)."""
    for edge, score in zip(edges, scores, strict=False):
        if x < edge or (upper_inclusive and x == edge):
            return score
    return scores[-1]


def _ratio(rest: Metrics, measure: str, a: str, h: str) -> float | None:
    va, vh = _get(rest, measure, a), _get(rest, measure, h)
    if va is None or vh is None or max(abs(va), abs(vh)) == 0:
        return None
    return min(abs(va), abs(vh)) / max(abs(va), abs(vh))


def sunnybrook_estimate(
    rest: Metrics, photos: Mapping[str, Metrics], a: str, h: str
) -> dict[str, Any]:
    """Sunnybrook-style composite estimate; parts that cannot be estimated are None."""
    eye_r = None
    va, vh = _get(rest, "palpebral_fissure_mm", a), _get(rest, "palpebral_fissure_mm", h)
    if va is not None and vh is not None and vh > 0:
        eye_r = va / vh
    cheek_r = _ratio(rest, "commissure_excursion_mm", a, h)
    ca, ch = _get(rest, "commissure_height_mm", a), _get(rest, "commissure_height_mm", h)
    resting_items = {
        "eye": None if eye_r is None else int(abs(eye_r - 1.0) > 0.15),
        "cheek": None if cheek_r is None else _bin(cheek_r, (0.75, 0.90), (2, 1, 0)),
        "mouth": None if ca is None or ch is None else int(abs(ca - ch) > 2.0),
    }
    voluntary_items: dict[str, int | None] = {}
    synkinesis_items: dict[str, int | None] = {}
    for ex in SUNNYBROOK_EXPRESSIONS:
        r = movement_ratio(rest, photos.get(ex), ex, a, h)
        voluntary_items[ex] = (
            None if r is None else _bin(r, (0.10, 0.35, 0.70, 0.90), (1, 2, 3, 4, 5))
        )
        if ex in ("brow_raise", "gentle_eye_closure"):
            x = _excess_mouth_move(rest, photos.get(ex), a, h)
            edges: tuple[float, ...] = (1.0, 2.0, 4.0)
        else:
            x = _excess_eye_narrowing(rest, photos.get(ex), a, h)
            edges = (10.0, 25.0, 45.0)
        synkinesis_items[ex] = None if x is None else _bin(x, edges, (0, 1, 2, 3), True)
    complete = all(
        v is not None
        for v in (*resting_items.values(), *voluntary_items.values(), *synkinesis_items.values())
    )
    resting = 5 * sum(v or 0 for v in resting_items.values())
    voluntary = 4 * sum(v or 0 for v in voluntary_items.values())
    synkinesis = sum(v or 0 for v in synkinesis_items.values())
    return {
        "label": ESTIMATE_LABEL,
        "complete": complete,
        "resting_items": resting_items,
        "voluntary_items": voluntary_items,
        "synkinesis_items": synkinesis_items,
        "resting": resting if complete else None,
        "voluntary": voluntary if complete else None,
        "synkinesis": synkinesis if complete else None,
        "composite": voluntary - resting - synkinesis if complete else None,
    }


def eface_estimate(rest: Metrics, photos: Mapping[str, Metrics], a: str, h: str) -> dict[str, Any]:
    """eFACE-style item estimates (0–100) and their group means."""

    def pct(x: float | None) -> float | None:
        return None if x is None else round(100.0 * x, 1)

    static = {
        "brow": pct(_ratio(rest, "brow_height_mm", a, h)),
        "palpebral_fissure": pct(_ratio(rest, "palpebral_fissure_mm", a, h)),
        "oral_commissure": pct(_ratio(rest, "commissure_height_mm", a, h)),
    }
    dynamic = {
        "brow_elevation": pct(movement_ratio(rest, photos.get("brow_raise"), "brow_raise", a, h)),
        "gentle_eye_closure": pct(
            movement_ratio(rest, photos.get("gentle_eye_closure"), "gentle_eye_closure", a, h)
        ),
        "full_eye_closure": pct(
            movement_ratio(rest, photos.get("tight_eye_closure"), "tight_eye_closure", a, h)
        ),
        "oral_commissure_smile": pct(
            movement_ratio(rest, photos.get("open_smile"), "open_smile", a, h)
        ),
        "lower_lip_eee": pct(movement_ratio(rest, photos.get("eee"), "eee", a, h)),
    }
    ocular = [_excess_eye_narrowing(rest, photos.get(ex), a, h) for ex in ("open_smile", "pucker")]
    ocular_ok = [x for x in ocular if x is not None]
    midface = [
        _excess_mouth_move(rest, photos.get(ex), a, h)
        for ex in ("gentle_eye_closure", "tight_eye_closure")
    ]
    midface_ok = [x for x in midface if x is not None]
    synk = {
        "ocular": None if not ocular_ok else round(max(0.0, 100.0 - max(ocular_ok)), 1),
        "midfacial": None if not midface_ok else round(max(0.0, 100.0 - 20.0 * max(midface_ok)), 1),
    }

    def mean(d: dict[str, float | None]) -> float | None:
        vals = [v for v in d.values() if v is not None]
        return round(sum(vals) / len(vals), 1) if vals else None

    all_items = {**static, **dynamic, **synk}
    return {
        "label": ESTIMATE_LABEL,
        "static": static,
        "dynamic": dynamic,
        "synkinesis": synk,
        "static_score": mean(static),
        "dynamic_score": mean(dynamic),
        "synkinesis_score": mean(synk),
        "total": mean(all_items),
    }


def compute_estimates(photo_metrics: Mapping[str, Metrics], affected_side: str) -> dict[str, Any]:
    """Both estimates from ``{expression: metrics}`` (needs ``"rest"``)."""
    rest = photo_metrics.get("rest")
    if not rest:
        return {"label": ESTIMATE_LABEL, "error": "no measured rest photo: nothing estimated"}
    a, h = _sides(affected_side, rest, photo_metrics)
    return {
        "label": ESTIMATE_LABEL,
        "affected_side_used": a,
        "sunnybrook_estimate": sunnybrook_estimate(rest, photo_metrics, a, h),
        "eface_estimate": eface_estimate(rest, photo_metrics, a, h),
    }
