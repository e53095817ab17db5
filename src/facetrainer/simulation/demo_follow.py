"""Following the demo: which exercise set the virtual patient is doing, and when a live
scoring set can start and must stop so that it sees the same reps.

The exercise engine measures each set's rest at its start (``REST_WINDOW_S`` of stillness
before the first movement), so a set that follows the virtual patient starts in a rest
long enough for that window and stops just after the block's last rep has ended. Also:
the virtual patient's known reference contraction as an EMG calibration, so that EMG
percentages mean "% of a full healthy contraction" instead of the 50 µV default.

No Qt here: the exercise panel calls :meth:`DemoFollower.decide` on its timer.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from facetrainer.exercises.activation import REST_WINDOW_S
from facetrainer.exercises.calibration import Calibration, ChannelReference, emg_key
from facetrainer.simulation.protocol import ProtocolTiming, Rep, Timeline, build_timeline

START_MARGIN_S = 0.5  # rest beyond the engine's rest window before the first movement
STOP_AFTER_S = 0.4  # after the block's last rep has ended (the detector ends it by then)
REFERENCE_PROGRAM = (
    "brow_raise", "tight_eye_closure", "closed_smile", "snarl", "pucker", "lip_depression",
)  # fmt: skip
"""Exercises that bring each simulated muscle to full activation once (MUSCLE_MIX)."""
REFERENCE_TIMING = ProtocolTiming(
    lead_in_s=2.0, cue_s=0.0, contract_s=0.5, hold_s=1.5, release_s=0.5, rest_s=1.0
)
REFERENCE_SOURCE = "virtual patient reference contraction"


@dataclass(frozen=True)
class DemoSet:
    """One exercise block of the timeline (all reps of one exercise in one loop), with
    times on the running (unwrapped) timeline."""

    exercise: str
    loop: int
    block: int
    reps: tuple[Rep, ...]
    offset_s: float  # add to the reps' times: which loop of the program

    @property
    def key(self) -> tuple[int, int]:
        return (self.loop, self.block)

    @property
    def end_s(self) -> float:
        return self.offset_s + self.reps[-1].end_s

    def upcoming(self, t_s: float) -> tuple[Rep, ...]:
        """The reps whose movement has not begun by ``t_s``."""
        return tuple(r for r in self.reps if self.offset_s + r.start_s > t_s)

    def moving(self, t_s: float) -> bool:
        """A rep's movement (contract, hold or release) is under way at ``t_s``."""
        return any(
            self.offset_s + r.start_s <= t_s < self.offset_s + r.end_s
            for r in self.reps
            if r.kind != "missed"
        )


def _blocks(timeline: Timeline) -> list[tuple[Rep, ...]]:
    out: list[list[Rep]] = []
    for r in timeline.reps:
        if out and out[-1][0].exercise == r.exercise:
            out[-1].append(r)
        else:
            out.append([r])
    return [tuple(b) for b in out]


def demo_set_at(timeline: Timeline, t_s: float) -> DemoSet | None:
    """The exercise block under way or next at timeline time ``t_s``: a block lasts from
    the end of the previous block's last rep to the end of its own last rep (its rests
    and cues included), so the next set can start in the rest between blocks."""
    blocks = _blocks(timeline)
    if not blocks:
        return None
    loop, offset = 0, 0.0
    local = float(t_s)
    if timeline.loop and timeline.duration_s > 0:
        loop = int(np.floor(t_s / timeline.duration_s))
        offset = loop * timeline.duration_s
        local = float(t_s) - offset
    for k, b in enumerate(blocks):
        if local < b[-1].end_s:
            return DemoSet(b[0].exercise, loop, k, b, offset)
    if not timeline.loop:
        b = blocks[-1]
        return DemoSet(b[0].exercise, loop, len(blocks) - 1, b, offset)
    b = blocks[0]
    return DemoSet(b[0].exercise, loop + 1, 0, b, offset + timeline.duration_s)


@dataclass(frozen=True)
class FollowDecision:
    """``action``: ``"start"`` (a set of ``reps`` reps of ``demo_set.exercise``),
    ``"stop"`` or ``"wait"``."""

    action: str
    demo_set: DemoSet | None = None
    reps: int = 0


class DemoFollower:
    """Decides when the live set starts and stops to follow the virtual patient.

    Parameters
    ----------
    timeline : Timeline
        The virtual patient's timeline.
    rest_needed_s : float
        Stillness needed before the first movement of a set (the engine's rest window
        plus a margin for frame latency).
    stop_after_s : float
        How long after a block's last rep has ended the set is stopped.
    """

    def __init__(
        self,
        timeline: Timeline,
        rest_needed_s: float = REST_WINDOW_S + START_MARGIN_S,
        stop_after_s: float = STOP_AFTER_S,
    ) -> None:
        self.timeline = timeline
        self.rest_needed_s = rest_needed_s
        self.stop_after_s = stop_after_s
        self.running: DemoSet | None = None
        self._done: set[tuple[int, int]] = set()

    def decide(self, t_s: float) -> FollowDecision:
        """What to do at timeline time ``t_s``; a "start" or "stop" is taken as done."""
        if self.running is not None:
            if t_s >= self.running.end_s + self.stop_after_s:
                self._done.add(self.running.key)
                self.running = None
                return FollowDecision("stop")
            return FollowDecision("wait", self.running)
        current = demo_set_at(self.timeline, t_s)
        if current is None or current.key in self._done or current.moving(t_s):
            return FollowDecision("wait", current)
        upcoming = current.upcoming(t_s)
        if not upcoming or current.offset_s + upcoming[0].start_s - t_s < self.rest_needed_s:
            return FollowDecision("wait", current)
        self.running = current
        return FollowDecision("start", current, len(upcoming))

    def abandon(self) -> None:
        """The running set was stopped by someone else (the user): it is not restarted;
        following resumes with the next exercise block."""
        if self.running is not None:
            self._done.add(self.running.key)
        self.running = None


def cue_phase(timeline: Timeline, t_s: float) -> str:
    """What the patient is asked to do now: ``rest``, ``cue``, ``contract``, ``hold`` or
    ``release`` (a missed rep is still cued: the patient was asked)."""
    phase = timeline.phase(t_s)
    if phase != "rest":
        return phase
    local = float(timeline.local_time(t_s))
    for r in timeline.reps:
        if r.kind == "missed" and r.cue_s <= local < r.end_s:
            if local < r.start_s:
                return "cue"
            return (
                "contract"
                if local < r.hold_start_s
                else ("hold" if local < r.hold_end_s else "release")
            )
    return "rest"


@functools.lru_cache(maxsize=8)
def reference_calibration(
    channels: tuple[str, ...], fs_hz: float = 1000.0, seed: int = 0
) -> Calibration:
    """EMG references from the virtual patient's known reference contraction.

    A healthy virtual patient brings every simulated muscle to full activation once
    (:data:`REFERENCE_PROGRAM`); its EMG goes through the app's own processing chain
    (:class:`~facetrainer.emg.processing.EmgProcessor`, as a live session) and each
    channel's reference is its best 0.5 s envelope excursion above rest — the reference-set
    procedure of ``facetrainer score --save-calibration``. 100 % then means a full, healthy
    contraction of that muscle (an MVC-like reference), so the affected side of a paretic
    profile reads about (1 − paresis) × 100 % at full effort.

    Parameters
    ----------
    channels : tuple of str
        The EMG source's ``muscle/side`` channel names (others are left out).
    fs_hz : float
        The source's sampling rate.
    seed : int

    Returns
    -------
    Calibration
        ``emg:muscle/side`` → reference (µV), source "virtual patient reference contraction".
    """
    from facetrainer.emg.processing import SETTLE_S, EmgProcessor
    from facetrainer.emg.reference import measure_reference_uv
    from facetrainer.exercises.scorer import parse_channel_label
    from facetrainer.simulation.emg_synth import MUSCLE_MIX, EmgSynthesizer
    from facetrainer.simulation.patient import VirtualPatient
    from facetrainer.simulation.profile import load_profile

    simulated = [c for c in channels if c.partition("/")[0] in MUSCLE_MIX]
    if not simulated:
        return Calibration({})
    timeline = build_timeline(REFERENCE_PROGRAM, reps=1, timing=REFERENCE_TIMING)
    patient = VirtualPatient(load_profile("healthy"), timeline, seed=seed)
    synth = EmgSynthesizer(patient, tuple(simulated), fs_hz=fs_hz, seed=seed)
    data = synth.generate(int(np.ceil(timeline.duration_s * fs_hz)))
    _, env = EmgProcessor(fs_hz, len(simulated), None).process(data)
    t = np.arange(data.shape[1]) / fs_hz
    rest_sel = (t >= SETTLE_S) & (t < REFERENCE_TIMING.lead_in_s)
    out: dict[str, ChannelReference] = {}
    for i, ch in enumerate(simulated):
        parsed = parse_channel_label(ch)
        if parsed is None:
            continue
        rest = float(np.median(env[i, rest_sel]))
        ref = measure_reference_uv(env[i, t >= SETTLE_S] - rest, fs_hz)
        if ref > 0:
            out[emg_key(*parsed)] = ChannelReference(None, ref, REFERENCE_SOURCE)
    return Calibration(out)
