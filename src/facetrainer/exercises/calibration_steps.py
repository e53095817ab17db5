"""The calibration wizard's plan, checks and result, headless.

A calibration (:class:`facetrainer.exercises.activation.Calibration`, the file of today)
holds each EMG channel's and each face region's rest level and 100 % reference. The wizard
gets them in a guided order (DOMAIN §5-6): a rest baseline first (face and channels must be
quiet), then one reference contraction per muscle of the montage and per face region seen by
the camera, top of the face to the bottom, both sides at once; a muscle and the region it
moves (zygomaticus major and the mouth corner) share one step, as one expression moves both. A paretic muscle has no meaningful maximum, so the affected side's reference is
the healthy side's same muscle (its own contraction is still recorded and checked for
signal, but a weak one is expected, not a fault).

Each step's data is checked before it is accepted: rest that was not quiet, a contraction
too weak to tell from rest, a channel too noisy at rest, a saturated amplifier, a face not
found in the video. Every problem names the channel and what to do; the step is redone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from facetrainer.emg.quality import assess_signal_quality
from facetrainer.exercises.activation import Calibration, ChannelReference, emg_key, video_key
from facetrainer.exercises.anatomy import MUSCLE_OF_REGION, REGION_OF_MUSCLE, other_side
from facetrainer.exercises.calibration_video import face_problem

REST_S = 5.0
CONTRACTION_S = 4.0
REST_BURST_RATIO = 3.0  # rest is not quiet when its 90th percentile exceeds 3× its median
REST_BURST_PERCENTILE = 90  # not the 99th: a blink or two (< 10 % of the rest) is tolerated
WEAK_RATIO = 2.0  # a contraction's 95th percentile must exceed 2× the rest level
NOISY_REST_UV = 20.0  # a resting envelope above this is noise, not a quiet muscle
MIN_ENVELOPE_FLOOR_UV = 0.5  # keeps ratios finite on a flat, simulated channel

# muscle -> what to ask (the expression that contracts it most; DOMAIN §2)
MUSCLE_TASKS: dict[str, str] = {
    "frontalis": "Raise both eyebrows as high as is comfortable, and hold.",
    "corrugator": "Frown: pull both brows together and down, and hold.",
    "orbicularis_oculi": "Close both eyes tightly, and hold.",
    "levator_labii_superioris": "Wrinkle your nose and lift the upper lip (a snarl), and hold.",
    "zygomaticus_major": "Smile broadly, showing your teeth, and hold.",
    "orbicularis_oris": "Pucker your lips as for 'ooo', and hold.",
    "depressor_anguli_oris": "Pull both mouth corners down, and hold.",
    "mentalis": "Push your chin up, pouting the lower lip, and hold.",
    "masseter": "Clench your teeth, and hold.",
    "platysma": "Tense your neck, pulling the corners of the mouth down and out, and hold.",
}
MUSCLE_ORDER = tuple(MUSCLE_TASKS)  # top of the face to the neck
MUSCLE_EXERCISES: dict[str, str] = {
    "frontalis": "brow_raise",
    "orbicularis_oculi": "tight_eye_closure",
    "levator_labii_superioris": "snarl",
    "zygomaticus_major": "closed_smile",
    "orbicularis_oris": "pucker",
    "depressor_anguli_oris": "lip_depression",
}
"""The library exercise that is each step's expression (what a virtual patient performs)."""


@dataclass(frozen=True)
class CalibrationStep:
    kind: str  # "rest" | "contraction"
    muscle: str | None
    channels: tuple[str, ...]  # montage labels ("muscle/side") this step calibrates
    instruction: str
    duration_s: float
    regions: tuple[str, ...] = ()  # face regions (both sides) this step calibrates
    exercise: str | None = None  # the library exercise of this expression, when there is one

    @property
    def title(self) -> str:
        if self.kind == "rest":
            return "Rest baseline"
        parts = ([self.muscle or ""] if self.channels else []) + [
            f"{r} (video)" for r in self.regions]
        return "Reference: " + ", ".join(parts)


def plan_calibration(labels: Sequence[str | None],
                     regions: Sequence[str] = ()) -> list[CalibrationStep]:
    """Rest, then one contraction per muscle of the montage (``labels``: ``muscle/side``)
    and per face region (``regions``, when there is video), a muscle with its region."""
    placed = [lab for lab in labels if lab and "/" in lab]
    video = tuple(r for r in regions if r in MUSCLE_OF_REGION)
    if not placed and not video:
        raise ValueError("calibration needs a montage (no channel is placed on a muscle/side) "
                         "or a face in the video")
    steps = [CalibrationStep(
        "rest", None, tuple(placed),
        "Relax your face completely and look at the screen; do not move.", REST_S, video)]
    muscles = {lab.split("/")[0] for lab in placed} | {MUSCLE_OF_REGION[r] for r in video}
    for muscle in [m for m in MUSCLE_ORDER if m in muscles] + sorted(muscles - set(MUSCLE_ORDER)):
        channels = tuple(lab for lab in placed if lab.split("/")[0] == muscle)
        task = MUSCLE_TASKS.get(muscle, f"Contract the {muscle} on both sides, and hold.")
        own = tuple(r for r in video if r == REGION_OF_MUSCLE.get(muscle))
        steps.append(CalibrationStep("contraction", muscle, channels, task, CONTRACTION_S, own,
                                     MUSCLE_EXERCISES.get(muscle)))
    return steps


@dataclass(frozen=True)
class StepResult:
    """A step's measured levels (µV envelope per channel) and the problems found."""

    step: CalibrationStep
    levels_uv: dict[str, float]  # rest: median; contraction: 95th percentile
    problems: tuple[str, ...]
    notes: tuple[str, ...] = ()
    video_levels_mm: dict[str, float] = field(default_factory=dict)  # "region/side": rest
    # value (rest step) or excursion from rest in the activating direction (contraction)

    @property
    def ok(self) -> bool:
        return not self.problems


def _rows(labels: Sequence[str | None], wanted: Sequence[str]) -> dict[str, int]:
    return {lab: i for i, lab in enumerate(labels) if lab is not None and lab in wanted}


def check_rest(step: CalibrationStep, envelope_uv: np.ndarray, raw_uv: np.ndarray,
               fs_hz: float, labels: Sequence[str | None],
               face_found: float | None = None) -> StepResult:
    """Rest levels per channel; problems when a channel moved, is noisy, flat or clipped."""
    env = np.atleast_2d(np.asarray(envelope_uv, dtype=np.float64))
    hints = assess_signal_quality(raw_uv, fs_hz)
    levels, problems = {}, face_problem(face_found)
    for lab, i in _rows(labels, step.channels).items():
        v = env[i][np.isfinite(env[i])]
        if v.size == 0:
            problems.append(f"{lab}: no signal during the rest")
            continue
        med = max(float(np.median(v)), MIN_ENVELOPE_FLOOR_UV)
        levels[lab] = float(np.median(v))
        if "flat" in hints[i] or "saturated" in hints[i]:
            problems.append(f"{lab}: {hints[i][0]} signal — check the electrode and its lead")
        elif med > NOISY_REST_UV:
            problems.append(f"{lab}: too noisy at rest ({med:.0f} µV; quiet muscles read below "
                            f"{NOISY_REST_UV:g} µV) — press the electrode on, check the reference")
        elif float(np.percentile(v, REST_BURST_PERCENTILE)) > REST_BURST_RATIO * med:
            problems.append(f"{lab}: the muscle moved during the rest — relax and redo")
    return StepResult(step, levels, tuple(problems))


def check_contraction(step: CalibrationStep, envelope_uv: np.ndarray, raw_uv: np.ndarray,
                      fs_hz: float, labels: Sequence[str | None], rest_uv: Mapping[str, float],
                      affected_side: str | None = None,
                      face_found: float | None = None) -> StepResult:
    """Peak levels of the step's channels; a healthy-side channel that barely rose above rest
    is too weak; saturation and a lost face are problems on any side."""
    env = np.atleast_2d(np.asarray(envelope_uv, dtype=np.float64))
    hints = assess_signal_quality(raw_uv, fs_hz)
    levels, problems, notes = {}, face_problem(face_found), []
    for lab, i in _rows(labels, step.channels).items():
        v = env[i][np.isfinite(env[i])]
        if v.size == 0:
            problems.append(f"{lab}: no signal during the contraction")
            continue
        peak = float(np.percentile(v, 95))
        levels[lab] = peak
        rest = max(float(rest_uv.get(lab, 0.0)), MIN_ENVELOPE_FLOOR_UV)
        if "saturated" in hints[i]:
            problems.append(f"{lab}: saturated — the amplifier clipped; contract less hard")
        elif peak < WEAK_RATIO * rest:
            if affected_side is not None and lab.endswith(f"/{affected_side}"):
                notes.append(f"{lab}: little activity on the affected side ({peak / rest:.1f}× "
                             "rest); its reference is the healthy side's")
            else:
                problems.append(f"{lab}: too weak ({peak / rest:.1f}× rest, needs "
                                f"{WEAK_RATIO:g}×) — contract more, or check the electrode")
    return StepResult(step, levels, tuple(problems), tuple(notes))


def calibration_from_results(results: Sequence[StepResult],
                             affected_side: str | None = None) -> Calibration:
    """The calibration file's channels (``emg:muscle/side`` and ``video:region/side``):
    rest from the rest step, reference = peak above rest (EMG, µV) or the excursion from
    rest (video, mm); the affected side takes the healthy side's reference."""
    out = _emg_references(results, affected_side)
    out.update(_video_references(results, affected_side))
    return Calibration(out)


def _video_references(results: Sequence[StepResult],
                      affected_side: str | None) -> dict[str, ChannelReference]:
    rest = next((r.video_levels_mm for r in results if r.step.kind == "rest"), {})
    excursions: dict[str, float] = {}
    for r in results:
        if r.step.kind == "contraction":
            excursions.update(r.video_levels_mm)
    out: dict[str, ChannelReference] = {}
    for key, excursion in excursions.items():
        region, side = key.split("/")
        ref, source = excursion, "calibrated"
        healthy = f"{region}/{other_side(side)}"
        if side == affected_side and healthy in excursions:
            ref, source = excursions[healthy], "healthy side reference"
        out[video_key(region, side)] = ChannelReference(
            rest.get(key), ref if ref > 0 else None, source, "calibration")
    return out


def _emg_references(results: Sequence[StepResult],
                    affected_side: str | None) -> dict[str, ChannelReference]:
    rest = next((r.levels_uv for r in results if r.step.kind == "rest"), {})
    peaks: dict[str, float] = {}
    for r in results:
        if r.step.kind == "contraction":
            peaks.update(r.levels_uv)
    out: dict[str, ChannelReference] = {}
    for lab, peak in peaks.items():
        muscle, side = lab.split("/")
        own = max(peak - rest.get(lab, 0.0), 0.0)
        ref, source = own, "calibrated"
        if affected_side is not None and side == affected_side:
            healthy = f"{muscle}/{'right' if side == 'left' else 'left'}"
            if healthy in peaks:
                ref = max(peaks[healthy] - rest.get(healthy, 0.0), 0.0)
                source = "healthy side reference"
        out[emg_key(muscle, side)] = ChannelReference(
            rest.get(lab), ref if ref > 0 else None, source, "calibration")
    return out
