"""The virtual patient: profile + timeline → action, region and muscle activations over time.

One model feeds both streams: :meth:`VirtualPatient.actions` is evaluated at a video
frame's time to build the face pose, and at every EMG sample's time to modulate the EMG,
so the face and the EMG always agree.

Per side (the subject's own), for every action: commanded effort × (1 − paresis of the
action's region) on the affected side; plus, on the affected side, each synkinesis coupling
adds ``gain`` × the effort put into its source region to its target region's action; plus
blinks (both eyes, weaker on a paretic eye) and a little tremor.
"""

from __future__ import annotations

import numpy as np

from facetrainer.simulation.face_actions import (
    BROW_RAISE_MM,
    EEE_CORNER_MM,
    EEE_LOWER_LIP_MM,
    LIP_DEPRESSION_MM,
    SMILE_CORNER_MM,
)
from facetrainer.simulation.face_renderer import FacePose, HeadMotion
from facetrainer.simulation.profile import REGIONS, PatientProfile
from facetrainer.simulation.protocol import Timeline

SIDE_ORDER = ("right", "left")  # array rows: 0 = subject's right, 1 = subject's left

REGION_OF_ACTION: dict[str, str | None] = {
    "brow_raise": "brow", "eye_closure": "eye", "eye_squeeze": "eye",
    "smile": "mouth_corner", "eee": "mouth_corner", "snarl": "upper_lip", "pucker": "lips",
    "lip_depression": "lower_lip", "cheek_puff": "cheek",
    "mouth_open": None,  # the jaw (trigeminal nerve): not weakened by a facial palsy
}  # fmt: skip
PRIMARY_ACTION: dict[str, str] = {
    "brow": "brow_raise", "eye": "eye_closure", "mouth_corner": "smile", "upper_lip": "snarl",
    "lips": "pucker", "lower_lip": "lip_depression", "cheek": "cheek_puff",
}  # fmt: skip
SECONDARY_ACTIONS: dict[str, dict[str, float]] = {
    "mouth_corner": {"eee": float(np.hypot(*EEE_CORNER_MM) / np.hypot(*SMILE_CORNER_MM))},
    "lower_lip": {"eee": EEE_LOWER_LIP_MM / LIP_DEPRESSION_MM},
}
"""Region truth from actions other than the region's primary one, weighted by the rendered
excursion relative to the primary action's (an "eee" pulls the corner wide and brings the
lower lip down: activation = this weight × the eee activation)."""
MUSCLE_MIX: dict[str, dict[str, float]] = {
    "frontalis": {"brow_raise": 1.0},
    "orbicularis_oculi": {"eye_closure": 0.6, "eye_squeeze": 0.4},
    "zygomaticus_major": {"smile": 1.0, "eee": 0.3},
    "levator_labii_superioris": {"snarl": 1.0, "smile": 0.2},
    "orbicularis_oris": {"pucker": 1.0, "cheek_puff": 0.5},
    "depressor_anguli_oris": {"lip_depression": 1.0, "eee": 0.5},
}
"""Muscle activation as a mix of action activations (same side)."""

EYE_WIDEN_MM = 1.0  # the eye_widen field's lower-lid drop at weight 1
FISSURE_AT_REST_MM = 10.0  # a typical palpebral fissure, to turn mm of narrowing into closure
BLINK_CLOSE_S, BLINK_OPEN_S = 0.08, 0.17
TREMOR_FRACTION = 0.03  # activation tremor at jitter 1
HEAD_SWAY_PX = (2.0, 1.5)  # head sway amplitude at jitter 1 (x, y)
HEAD_ROLL_DEG = 0.8


def _sinusoids(
    rng: np.random.Generator, n: int, f_lo: float, f_hi: float
) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(f_lo, f_hi, n), rng.uniform(0, 2 * np.pi, n)


class VirtualPatient:
    """A profile performing a timeline.

    Parameters
    ----------
    profile : PatientProfile
    timeline : Timeline
    seed : int
        Seeds blinks, tremor and head sway (same seed → same behaviour).
    frame_width_px : float
        How far the head slides when looking away.
    """

    def __init__(
        self,
        profile: PatientProfile,
        timeline: Timeline,
        seed: int = 0,
        frame_width_px: float = 640.0,
    ) -> None:
        self.profile = profile
        self.timeline = timeline
        self.seed = seed
        self.frame_width_px = frame_width_px
        rng = np.random.default_rng([seed, 7])
        period = max(timeline.duration_s, 1.0)
        rate = profile.blinks_per_min / 60.0
        times: list[float] = []
        t = float(rng.exponential(1 / rate)) if rate > 0 else np.inf
        while t < period:
            times.append(t)
            t += 0.6 + float(rng.exponential(max(1 / rate - 0.6, 0.1)))
        self.blink_times_s = np.array(times)
        self._tremor = _sinusoids(rng, 3, 2.0, 6.0)
        self._sway = [_sinusoids(rng, 3, 0.05, 0.4) for _ in range(3)]

    # -- activations -----------------------------------------------------------------------
    def _side_gain(self, side: str, region: str | None) -> float:
        if region is None or side != self.profile.affected_side:
            return 1.0
        return 1.0 - self.profile.paresis_of(region)

    def blink(self, t_s: np.ndarray) -> np.ndarray:
        """Lid closure of blinks (0..1) at times ``t_s``."""
        t = np.atleast_1d(self.timeline.local_time(t_s))
        if self.blink_times_s.size == 0:
            return np.zeros(t.shape)
        i = np.searchsorted(self.blink_times_s, t, side="right") - 1
        dt = t - self.blink_times_s[np.clip(i, 0, None)]
        closing = np.clip(dt / BLINK_CLOSE_S, 0, 1)
        opening = 1.0 - np.clip((dt - BLINK_CLOSE_S) / BLINK_OPEN_S, 0, 1)
        return np.where((i >= 0) & (dt >= 0), np.where(dt < BLINK_CLOSE_S, closing, opening), 0.0)

    def actions(self, t_s: np.ndarray | float, natural: bool = True) -> dict[str, np.ndarray]:
        """Activation of every action per side, ``{action: (2, n)}`` rows (right, left)."""
        t = np.atleast_1d(np.asarray(t_s, dtype=np.float64))
        cmd = self.timeline.commands(t)
        out: dict[str, np.ndarray] = {}
        for action, level in cmd.items():
            region = REGION_OF_ACTION[action]
            out[action] = np.stack([level * self._side_gain(s, region) for s in SIDE_ORDER])
        if self.profile.affected_side in SIDE_ORDER and self.profile.synkinesis:
            k = SIDE_ORDER.index(self.profile.affected_side)
            effort = {r: np.zeros(t.shape) for r in REGIONS}
            for action, level in cmd.items():
                region = REGION_OF_ACTION[action]
                if region is not None:
                    effort[region] = np.maximum(effort[region], level)
            for c in self.profile.synkinesis:
                target = PRIMARY_ACTION[c.target]
                row = out.setdefault(target, np.zeros((2, t.size)))
                row[k] = row[k] + c.gain * effort[c.source]
        if natural:
            j = self.profile.jitter
            if j > 0:
                f, ph = self._tremor
                tremor = (
                    np.sin(2 * np.pi * f[:, None] * t + ph[:, None]).sum(0)
                    * TREMOR_FRACTION
                    * j
                    / np.sqrt(3)
                )
                for a in out:
                    out[a] = out[a] * (1.0 + tremor)
            blink = self.blink(t)
            if blink.any():
                eye = out.setdefault("eye_closure", np.zeros((2, t.size)))
                for k, s in enumerate(SIDE_ORDER):
                    eye[k] = np.maximum(eye[k], blink * self._side_gain(s, "eye"))
        return {a: np.clip(v, 0.0, 1.0) for a, v in out.items()}

    def regions(self, t_s: np.ndarray | float, natural: bool = True) -> dict[str, np.ndarray]:
        """Activation 0..1 of every region per side: ``{"mouth_corner/left": (n,), …}``."""
        acts = self.actions(t_s, natural)
        n = np.atleast_1d(np.asarray(t_s)).size
        out = {}
        for region in REGIONS:
            a = acts.get(PRIMARY_ACTION[region], np.zeros((2, n)))
            for action, weight in SECONDARY_ACTIONS.get(region, {}).items():
                if action in acts:
                    a = np.clip(a + weight * acts[action], 0.0, 1.0)
            for k, s in enumerate(SIDE_ORDER):
                out[f"{region}/{s}"] = a[k]
        return out

    def muscles(
        self,
        t_s: np.ndarray | float,
        natural: bool = True,
        actions: dict[str, np.ndarray] | None = None,
    ) -> dict[str, np.ndarray]:
        """Activation 0..1 of every muscle per side: ``{"zygomaticus_major/left": (n,), …}``."""
        acts = actions if actions is not None else self.actions(t_s, natural)
        n = np.atleast_1d(np.asarray(t_s)).size
        out = {}
        for muscle, mix in MUSCLE_MIX.items():
            total = np.zeros((2, n))
            for action, w in mix.items():
                if action in acts:
                    total += w * acts[action]
            for k, s in enumerate(SIDE_ORDER):
                out[f"{muscle}/{s}"] = np.clip(total[k], 0.0, 1.0)
        return out

    # -- the face --------------------------------------------------------------------------
    def head(self, t_s: float, sway: bool = True) -> HeadMotion:
        """Head sway (when ``sway``) and looking away at one time."""
        j = self.profile.jitter if sway else 0.0
        t = float(t_s)
        s = [float(np.sum(np.sin(2 * np.pi * f * t + ph))) / np.sqrt(3) for f, ph in self._sway]
        away = float(self.timeline.look_away_fraction(t)[0])
        return HeadMotion(
            dx_px=j * HEAD_SWAY_PX[0] * s[0] - away * 0.9 * self.frame_width_px,
            dy_px=j * HEAD_SWAY_PX[1] * s[1],
            roll_deg=j * HEAD_ROLL_DEG * s[2] + 4.0 * away,
        )

    def rest_offsets(self) -> tuple[dict[str, tuple[float, float]], tuple[float, float]]:
        """Resting asymmetry of the affected side as field weights and lid closure."""
        p = self.profile
        if p.affected_side not in SIDE_ORDER:
            return {}, (0.0, 0.0)
        k = SIDE_ORDER.index(p.affected_side)

        def one(value: float) -> tuple[float, float]:
            return (value, 0.0) if k == 0 else (0.0, value)

        weights = {
            "brow_raise": one(-p.brow_droop_mm / BROW_RAISE_MM),
            "smile": one(-p.mouth_corner_droop_mm / SMILE_CORNER_MM[1]),
            "eye_widen": one(max(p.eye_aperture_mm, 0.0) / EYE_WIDEN_MM),
        }
        lid = one(max(-p.eye_aperture_mm, 0.0) / FISSURE_AT_REST_MM)
        return weights, lid

    def pose(self, t_s: float, natural: bool = True) -> FacePose:
        """The face pose at one time (what the renderer draws)."""
        acts = self.actions(np.array([t_s]), natural)
        weights, lid = self.rest_offsets()
        combined = dict(weights)
        for action, v in acts.items():
            base = combined.get(action, (0.0, 0.0))
            combined[action] = (base[0] + float(v[0, 0]), base[1] + float(v[1, 0]))
        eye = acts.get("eye_closure", np.zeros((2, 1)))
        closure = (min(float(eye[0, 0]) + lid[0], 1.0), min(float(eye[1, 0]) + lid[1], 1.0))
        return FacePose(combined, closure, self.head(t_s, sway=natural))
