"""The repetition state machine: rest → contract → hold → release → rest, with hysteresis.

It follows one *drive* signal (the target activation, fraction of reference) tick by
tick. A rep begins when the drive rises above ``on_level`` (its onset is traced back to
the last tick at or below ``off_level``) and ends once the drive has stayed at or below
``off_level`` (or a quarter of the rep's peak, whichever is higher: a face rarely returns
to exactly its calibrated rest) for ``min_rest_s``. Dips that come back up sooner belong
to the same rep. A movement shorter than ``min_rep_s``, or above ``on_level`` for less
than ``min_above_s``, is a twitch or a blink, not a rep. Missing drive (face out of frame)
for longer than ``max_gap_s`` in the middle of a rep aborts it, and after such a gap a new
rep can only begin once the drive has been quiet (its onset would be unknown). The same holds
at the start: a movement already under way at the first tick (or the settling of the video
measures in the first frames) is not a rep; the detector arms at the first quiet tick.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

REST, CONTRACT, HOLD, RELEASE = "rest", "contract", "hold", "release"

END_FRACTION = 0.25  # a rep also ends once back below a quarter of its peak (video drifts)
PLATEAU_WINDOW_S = 0.3  # a rise of less than PLATEAU_RISE over this window is a plateau
PLATEAU_RISE = 0.05


@dataclass(frozen=True)
class DetectorSettings:
    on_level: float = 0.14
    off_level: float = 0.07
    min_rest_s: float = 0.3
    min_rep_s: float = 0.6  # a blink (~0.3 s) or a twitch is not a rep ...
    min_above_s: float = 0.4  # ... nor a movement above on_level for less than this
    max_gap_s: float = 0.5
    band_low: float = 0.4  # entering the band ends the contract phase

    @classmethod
    def for_band(cls, band_low: float) -> DetectorSettings:
        """Levels scaled to the therapist's band: on = 35 % of its low edge (8–25 % of
        reference), off = half of on."""
        on = min(0.25, max(0.08, 0.35 * band_low))
        return cls(on_level=on, off_level=on / 2, band_low=band_low)


@dataclass(frozen=True)
class Transition:
    """What a tick changed: ``kind`` is "onset", "end", "abort", "discard" or "phase";
    ``index`` the tick index (onset/end) the transition refers to."""

    kind: str
    index: int
    phase: str = ""


class RepDetector:
    """Feed (index, t_s, drive) per tick to :meth:`step`; it reports transitions."""

    def __init__(self, settings: DetectorSettings) -> None:
        self.s = settings
        self.phase = REST
        self.onset_index: int | None = None
        self.peak = 0.0
        self._last_quiet: int | None = None  # last tick at or below off (in rest)
        self._below_since: tuple[int, float] | None = None
        self._gap_since: float | None = None
        self._recent: list[tuple[float, float]] = []  # (t, drive) for plateau detection
        self._onset_t = 0.0
        self._needs_quiet = True  # armed by the first quiet tick: an onset must be seen
        self._above_s = 0.0

    def widen(self, off_level: float) -> None:
        """Raise the off level to ``off_level`` if higher (noisy signals), keeping on = 2 × off."""
        if off_level > self.s.off_level:
            self.s = replace(
                self.s, off_level=off_level, on_level=max(self.s.on_level, 2 * off_level)
            )

    @property
    def active(self) -> bool:
        return self.phase != REST

    @property
    def onset_t_s(self) -> float:
        """Time of the tick at which the rep in progress crossed ``on_level``."""
        return self._onset_t

    @property
    def above_s(self) -> float:
        """How long the rep in progress has been above ``on_level`` so far."""
        return self._above_s

    def step(self, index: int, t_s: float, drive: float) -> list[Transition]:
        s = self.s
        out: list[Transition] = []
        if math.isnan(drive):
            if self._gap_since is None:
                self._gap_since = t_s
            elif t_s - self._gap_since > s.max_gap_s:
                # After a long gap the rep's start is unknown: wait for quiet first.
                self._needs_quiet = True
                if self.active:
                    out.append(Transition("abort", index))
                    self._reset()
            return out
        self._gap_since = None
        if not self.active:
            if drive <= s.off_level:
                self._last_quiet = index
                self._needs_quiet = False
            if drive > s.on_level and not self._needs_quiet:
                self.onset_index = self._last_quiet + 1 if self._last_quiet is not None else index
                self._onset_t = t_s
                self.peak = drive
                self._recent = [(t_s, drive)]
                self._below_since = None
                out.append(Transition("onset", self.onset_index))
                self._set_phase(CONTRACT, index, out)
            return out
        self.peak = max(self.peak, drive)
        if drive > s.on_level and self._recent:
            self._above_s += t_s - self._recent[-1][0]
        self._recent.append((t_s, drive))
        while self._recent and self._recent[0][0] < t_s - PLATEAU_WINDOW_S:
            self._recent.pop(0)
        if drive <= max(s.off_level, END_FRACTION * self.peak):
            if self._below_since is None:
                self._below_since = (index, t_s)
            if t_s - self._below_since[1] >= s.min_rest_s:
                end_index = self._below_since[0]
                duration = self._below_since[1] - self._onset_t
                real = duration >= s.min_rep_s and self._above_s >= s.min_above_s
                self._reset()
                self._last_quiet = index
                out.append(Transition("end" if real else "discard", end_index))
                out.append(Transition("phase", index, REST))
            elif self.phase != RELEASE:
                self._set_phase(RELEASE, index, out)
            return out
        self._below_since = None
        if self.phase == CONTRACT:
            plateau = (
                t_s - self._recent[0][0] >= PLATEAU_WINDOW_S - 1e-9
                and drive - self._recent[0][1] < PLATEAU_RISE
            )
            if drive >= s.band_low or plateau:
                self._set_phase(HOLD, index, out)
        elif self.phase == HOLD and drive < 0.8 * self.peak:
            self._set_phase(RELEASE, index, out)
        elif self.phase == RELEASE and drive >= 0.8 * self.peak:
            self._set_phase(HOLD, index, out)
        return out

    def _set_phase(self, phase: str, index: int, out: list[Transition]) -> None:
        if phase != self.phase:
            self.phase = phase
            out.append(Transition("phase", index, phase))

    def _reset(self) -> None:
        self._above_s = 0.0
        self.phase = REST
        self.onset_index = None
        self.peak = 0.0
        self._below_since = None
        self._gap_since = None
        self._recent = []
