"""Burst onset/offset detection on an EMG envelope: k·SD threshold, hysteresis, duration.

Method (after Hodges & Bui 1996, with Bonato 1998's double threshold as hysteresis):

- from the resting baseline (mean ``level_uv`` and standard deviation ``noise_sd_uv`` of
  the envelope at rest) two thresholds are set: ``on = level + k_on · SD`` and
  ``off = level + k_off · SD`` with ``k_off < k_on``;
- a burst starts at the first sample whose envelope exceeds ``on`` and lasts while the
  envelope stays above ``off`` (a gap, NaN, ends it); dipping between the two thresholds
  does not end it, so a noisy plateau does not chatter;
- it counts only if it lasts at least ``min_duration_s``; live, its onset is reported once
  it has lasted that long (a confirmation latency of ``min_duration_s``);
- its onset is then *refined*: moved back from the ``on`` crossing to where the envelope
  left the baseline band, just after the last sample at or below
  ``base = level + k_base · SD`` (looking back at most ``backtrack_s``, never into the
  previous burst nor across a gap), and from there, extending the envelope's rise from
  ``base`` to ``on`` linearly, back to the baseline level (``extend_to_level``). A
  threshold crossing is late on a slow ramp: the envelope of a ramped contraction needs
  a large part of the ramp to climb from the baseline to ``on`` (Solnik 2008 report
  229 ms mean error for plain thresholds). A lower band top finds more of the ramp but
  follows noise excursions (the 100 ms RMS envelope wanders above ``level + 1 SD`` for
  tens of ms); the linear extension finds the ramp's start from the part of the rise
  that noise does not reach. The refinement uses only samples up to the crossing, so
  streaming reports the same refined time as a batch run, at the moment of the crossing.

A causal envelope lags the muscle. For the moving RMS over ``W`` seconds the onset
crossing happens within a small fraction of ``W`` (the RMS of a window the burst has just
entered grows as the square root of the entered fraction), but the offset crossing
happens almost ``W`` after the burst ends (the window must empty), later still when
mains notches ring. The live detector reports these raw crossing times;
:func:`detect_bursts` can move offsets back by a known lag (``offset_lag_s``), and the
offline analysis (:func:`facetrainer.emg.processing.analyse_recording`) instead runs a
second, time-reversed pass, in which offsets become onsets.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from itertools import chain

import numpy as np


@dataclass(frozen=True)
class OnsetSettings:
    """Thresholds in baseline SDs above the baseline level, and the minimum duration."""

    k_on: float = 4.0
    k_off: float = 2.0
    min_duration_s: float = 0.05
    k_base: float = 2.5
    backtrack_s: float = 1.0
    extend_to_level: bool = True

    def __post_init__(self) -> None:
        if not self.k_on > 0:
            raise ValueError(f"k_on must be > 0, got {self.k_on!r}")
        if not 0 <= self.k_off <= self.k_on:
            raise ValueError(f"k_off must lie in [0, k_on={self.k_on}], got {self.k_off!r}")
        if not self.min_duration_s >= 0:
            raise ValueError(f"min_duration_s must be >= 0, got {self.min_duration_s!r}")
        if not 0 <= self.k_base < self.k_on:
            raise ValueError(f"k_base must lie in [0, k_on={self.k_on}), got {self.k_base!r}")
        if not self.backtrack_s >= 0:
            raise ValueError(f"backtrack_s must be >= 0, got {self.backtrack_s!r}")


@dataclass(frozen=True)
class Burst:
    """One detected burst: times in the input's time base, peak envelope in µV."""

    channel: int
    onset_s: float
    offset_s: float
    peak_uv: float

    @property
    def duration_s(self) -> float:
        return self.offset_s - self.onset_s


class OnsetDetector:
    """Streaming burst detector for ``n_channels`` envelopes.

    Set thresholds with :meth:`set_thresholds` (µV, per channel); until then nothing is
    detected. :meth:`process` returns the bursts that ended in the chunk; ``active``
    tells which channels are inside a confirmed burst right now. Onsets are refined back
    to the baseline band (see the module docstring); the chunks holding the last
    ``backtrack_s`` of envelope are kept (by reference: do not modify a chunk after
    passing it) for that.
    """

    def __init__(
        self, fs_hz: float, n_channels: int, settings: OnsetSettings | None = None
    ) -> None:
        self.fs_hz = float(fs_hz)
        self.n_channels = int(n_channels)
        self.settings = settings or OnsetSettings()
        self.min_samples = max(1, int(round(self.settings.min_duration_s * self.fs_hz)))
        self.on_uv = np.full(self.n_channels, np.inf)
        self.off_uv = np.full(self.n_channels, np.inf)
        self._state = np.zeros(self.n_channels, dtype=bool)  # above-threshold run open
        self._run_start_n = np.zeros(self.n_channels, dtype=np.int64)
        self._run_start_s = np.zeros(self.n_channels)
        self._run_peak = np.zeros(self.n_channels)
        # The element-wise maximum of the steady chunks seen while a burst is open, not yet
        # folded into _run_peak: a peak is only read when its run ends, so the per-channel
        # reduction waits for the next edge (see run_peaks); one per chunk cost a quarter
        # of the steady path.
        self._peak_acc: np.ndarray | None = None
        self._n = 0  # samples seen
        self.base_uv = np.full(self.n_channels, np.inf)
        # Envelope history for the onset refinement (the last ``backtrack_s``), and where
        # each channel's previous burst ended (the refinement never reaches back into it).
        self._hist_size = max(1, int(round(self.settings.backtrack_s * self.fs_hz)))
        # (first sample number, envelope chunk, times) of the chunks that hold the last
        # ``backtrack_s``: kept by reference, not copied (a copy per chunk cost more than
        # the whole quiet-chunk path), so a caller must not modify a chunk it passed in.
        self._chunks: deque[tuple[int, np.ndarray, np.ndarray]] = deque()
        self._chunks_n = 0  # samples held in _chunks
        self._last_end_n = np.full(self.n_channels, -1, dtype=np.int64)
        self._extend = np.zeros(self.n_channels)
        self._set_limits()

    def set_thresholds(
        self, on_uv: np.ndarray, off_uv: np.ndarray, base_uv: np.ndarray | None = None
    ) -> None:
        """Set the ``on``/``off`` thresholds (µV) and the baseline band's top ``base_uv``.

        Without ``base_uv`` it follows from the two thresholds and the settings' k values
        (``on``/``off`` fix the baseline level and SD), so that callers that only know
        ``on`` and ``off`` get the refinement too.
        """
        on = np.broadcast_to(np.asarray(on_uv, dtype=np.float64), (self.n_channels,)).copy()
        off = np.broadcast_to(np.asarray(off_uv, dtype=np.float64), (self.n_channels,)).copy()
        if np.any(off > on):
            raise ValueError("off thresholds must not exceed on thresholds")
        if base_uv is None:
            s = self.settings
            with np.errstate(invalid="ignore"):
                if s.k_on > s.k_off:
                    sd = (on - off) / (s.k_on - s.k_off)
                    base = off - (s.k_off - s.k_base) * sd
                else:
                    base = off.copy()
            base = np.where(np.isfinite(base), base, off)
        else:
            base = np.broadcast_to(np.asarray(base_uv, dtype=np.float64), (self.n_channels,))
        self.on_uv, self.off_uv, self.base_uv = on, off, np.minimum(base, on)
        # How far the rise from base to on is extended back: (base − level) / (on − base),
        # with the level from on/off and the settings' k values.
        s = self.settings
        with np.errstate(invalid="ignore", divide="ignore"):
            if s.k_on > s.k_off:
                level = off - s.k_off * (on - off) / (s.k_on - s.k_off)
                self._extend = (self.base_uv - level) / (on - self.base_uv)
            else:
                self._extend = np.zeros(self.n_channels)
        if not s.extend_to_level:
            self._extend = np.zeros(self.n_channels)
        self._set_limits()

    @property
    def active(self) -> np.ndarray:
        """Per channel: inside a burst that has already lasted ``min_duration_s``."""
        return self._state & (self._n - self._run_start_n >= self.min_samples)

    def active_onsets_s(self) -> list[float | None]:
        """Onset time of each channel's confirmed ongoing burst (None when quiet)."""
        act = self.active
        return [float(self._run_start_s[c]) if act[c] else None for c in range(self.n_channels)]

    def process(self, envelope_uv: np.ndarray, times_s: np.ndarray) -> list[Burst]:
        env = np.asarray(envelope_uv, dtype=np.float64)
        times = np.asarray(times_s, dtype=np.float64)
        if env.ndim != 2 or env.shape[0] != self.n_channels:
            raise ValueError(f"chunk must have shape ({self.n_channels}, n), got {env.shape}")
        n = env.shape[1]
        if times.shape != (n,):
            raise ValueError(f"times_s must have shape ({n},), got {times.shape}")
        if n == 0:
            return []
        # Steady chunks (the common case) in one comparison: a quiet channel stays quiet
        # while no sample is above "on", a burst goes on while every sample stays above
        # "off"; with the burst channels' envelope and "off" negated (see _set_limits) both
        # read "signed envelope <= limit". A gap (NaN) fails it and takes the full path.
        steady = np.less_equal(env * self._sign, self._limit)
        if steady.all():
            if self._any_open:  # no NaN here: every sample passed the comparison
                acc = self._peak_acc
                if acc is not None and acc.shape == env.shape:
                    np.maximum(acc, env, out=acc)
                else:
                    self._fold_peaks()
                    self._peak_acc = env.copy()
            self._remember(env, times)
            return []
        self._fold_peaks()
        steady_rows = steady.all(axis=1)
        if self._any_open:  # the bursts that go on through this chunk
            np.maximum(self._run_peak, env.max(axis=1), out=self._run_peak,
                       where=steady_rows & self._state)
        bursts: list[Burst] = []
        # Only the channels with an edge in this chunk (rarely more than one) are walked,
        # in channel order, which keeps the bursts in the order a batch run gives.
        for c in np.flatnonzero(~steady_rows).tolist():
            self._walk_runs(c, env, times, bursts)
        self._remember(env, times)
        return bursts

    def _fold_peaks(self) -> None:
        """Fold the steady chunks' maximum into the open runs' peaks (the open channels
        cannot change while it accumulates: only steady chunks add to it)."""
        if self._peak_acc is not None:
            np.maximum(self._run_peak, self._peak_acc.max(axis=1), out=self._run_peak,
                       where=self._state)
            self._peak_acc = None

    def run_peaks(self) -> np.ndarray:
        """Per channel, the peak (µV) of the run in progress (meaningful where open)."""
        self._fold_peaks()
        return self._run_peak.copy()

    def _set_limits(self) -> None:
        """The steady-chunk test's per-channel sign and limit for the current states.

        A quiet channel is steady while ``env <= on``; a channel inside a burst while
        ``env > off``, i.e. ``-env <= nextafter(-off, -inf)`` (exact in floating point).
        A walk that changes one channel's state updates its row (:meth:`_set_channel_limit`)."""
        self._below_off = np.nextafter(-self.off_uv, -np.inf)
        self._sign = np.where(self._state, -1.0, 1.0)[:, None]
        self._limit = np.where(self._state, self._below_off, self.on_uv)[:, None]
        self._n_open = int(np.count_nonzero(self._state))
        self._any_open = self._n_open > 0

    def _set_channel_limit(self, c: int, state: bool) -> None:
        """Channel ``c`` went from quiet to a burst (``state`` True) or back."""
        self._sign[c, 0] = -1.0 if state else 1.0
        self._limit[c, 0] = self._below_off[c] if state else self.on_uv[c]
        self._n_open += 1 if state else -1
        self._any_open = self._n_open > 0

    def _remember(self, env: np.ndarray, times: np.ndarray) -> None:
        """Keep the chunk for the onset refinement and advance the sample count."""
        n = env.shape[1]
        self._chunks.append((self._n, env, times))
        self._chunks_n += n
        while self._chunks_n - self._chunks[0][1].shape[1] >= self._hist_size:
            self._chunks_n -= self._chunks.popleft()[1].shape[1]
        self._n += n

    def _walk_runs(self, c: int, env: np.ndarray, times: np.ndarray, out: list[Burst]) -> None:
        """Follow channel ``c`` through this chunk from edge to edge (hysteresis).

        Inside a burst the run lasts up to the first sample not above ``off`` (a gap, NaN,
        ends it); outside, the next run starts at the first sample above ``on``. Each
        step is one comparison and one arg-search over the rest of the chunk, so a chunk
        costs a few calls per edge, whatever its length. Bursts that end here and lasted
        ``min_duration_s`` go to ``out``."""
        e = env[c]
        n = e.shape[0]
        on, off = float(self.on_uv[c]), float(self.off_uv[c])
        state = bool(self._state[c])
        start_n = int(self._run_start_n[c])
        start_s = float(self._run_start_s[c])
        peak = float(self._run_peak[c])
        i = 0
        while i < n:
            if state:
                stay = e[i:] > off
                k = int(stay.argmin())
                if stay[k]:  # still above "off" at the chunk's end: the run goes on
                    peak = max(peak, float(e[i:].max()))
                    break
                j = i + k
                if k:
                    peak = max(peak, float(e[i:j].max()))
                self._last_end_n[c] = self._n + j - 1
                if self._n + j - start_n >= self.min_samples:
                    out.append(Burst(c, start_s, float(times[j]), peak))
                state, i = False, j
            else:
                up = e[i:] > on  # NaN compares False, silently
                k = int(up.argmax())
                if not up[k]:
                    break
                s = i + k
                start_n = self._n + s
                start_s = self._refined_start(c, s, env, times)
                peak = -np.inf
                state, i = True, s
        if state != bool(self._state[c]):
            self._state[c] = state
            self._set_channel_limit(c, state)
        self._run_start_n[c] = start_n
        self._run_start_s[c] = start_s
        self._run_peak[c] = peak

    def _time_of(self, sample_n: int, times: np.ndarray) -> float:
        """Time of sample number ``sample_n``, held in this chunk (``times``) or the history."""
        if sample_n >= self._n:
            return float(times[sample_n - self._n])
        for n0, env, t in self._chunks:
            if sample_n < n0 + env.shape[1]:
                return float(t[sample_n - n0])
        raise IndexError(f"sample {sample_n} is no longer held")  # never: see _band_exit

    def _refined_start(self, ch: int, s: int, env: np.ndarray, times: np.ndarray) -> float:
        """Refined onset of channel ``ch``'s burst that crossed ``on`` at chunk sample ``s``.

        ``t_base``: just after the last sample at or below ``base`` (looking back through
        this chunk and the history, at most ``backtrack_s`` and not before the previous
        burst's end or across a gap). The envelope's rise from ``base`` to ``on`` is then
        extended linearly back to the baseline level: ``t_base − r · (t_on − t_base)``
        with ``r = (base − level) / (on − base)``, never before the earliest sample looked
        at. Noise rarely lifts the envelope above ``base`` for long, so ``t_base`` is
        robust; the extension recovers the slow start of a ramp that lies inside the
        baseline band. ``backtrack_s = 0`` switches the refinement off."""
        t_on = float(times[s])
        if self.settings.backtrack_s == 0:
            return t_on
        t_base, t_min = self._band_exit(ch, s, env, times)
        r = float(self._extend[ch])
        if not np.isfinite(r) or r <= 0:
            return t_base
        return max(t_min, t_base - r * (t_on - t_base))

    def _band_exit(
        self, ch: int, s: int, env: np.ndarray, times: np.ndarray
    ) -> tuple[float, float]:
        """(time just after the last sample at or below ``base`` before chunk sample ``s``,
        earliest time the onset may take: the first sample looked at, or that time itself
        when the stop was a gap).

        The samples looked at are the ``backtrack_s`` before ``s`` (from the history and
        this chunk alike, so that any chunking gives the same answer), after the previous
        burst's end. They are searched backwards chunk by chunk without copying: the
        envelope usually left the band a few chunks before it crossed ``on``. The history
        holds at least ``backtrack_s`` (see :meth:`_remember`), so ``first`` is held."""
        first = max(self._n + s - self._hist_size, int(self._last_end_n[ch]) + 1, 0)
        if first >= self._n + s:
            return float(times[s]), float(times[s])
        base = self.base_uv[ch]
        after_t = float(times[s])  # time of the sample after the stretch searched
        # newest first, made as they are searched (a list of the whole history cost more
        # than the search, which usually stops within a few chunks)
        stretches = chain(((self._n, env, times, s),),
                          ((n0, e, t, e.shape[1]) for n0, e, t in reversed(self._chunks)))
        for n0, e, t, stop in stretches:
            lo = max(first - n0, 0)
            if lo < stop:
                above = e[ch, lo:stop] > base  # a gap (NaN) is not "above base" either
                k = int(above[::-1].argmin())
                if not above[stop - lo - 1 - k]:
                    j = stop - 1 - k  # the last sample at or below base
                    t_base = float(t[j + 1]) if j + 1 < stop else after_t
                    if np.isnan(e[ch, j]):  # the onset never reaches back across a gap
                        return t_base, t_base
                    return t_base, self._time_of(first, times)
                after_t = float(t[lo])
            if n0 <= first:
                break
        return after_t, after_t  # above base all the way back to the first sample

def detect_bursts(
    envelope_uv: np.ndarray,
    fs_hz: float,
    on_uv: float,
    off_uv: float,
    settings: OnsetSettings | None = None,
    *,
    start_s: float = 0.0,
    offset_lag_s: float = 0.0,
) -> list[Burst]:
    """Bursts in one channel's whole envelope (same code as streaming).

    ``offset_lag_s`` is subtracted from every offset, and bursts shorter than the
    minimum duration after that correction are dropped; a burst still open at the end
    closes at the last sample.
    """
    env = np.asarray(envelope_uv, dtype=np.float64).reshape(1, -1)
    det = OnsetDetector(fs_hz, 1, settings)
    det.set_thresholds(np.array([on_uv]), np.array([off_uv]))
    times = start_s + np.arange(env.shape[1]) / fs_hz
    bursts = det.process(env, times)
    if det._state[0] and env.shape[1] - det._run_start_n[0] >= det.min_samples:
        bursts.append(
            Burst(0, float(det._run_start_s[0]), float(times[-1]), float(det.run_peaks()[0]))
        )
    # After moving offsets back by the envelope's lag, the minimum duration applies to
    # the corrected burst: a brief excursion of the decaying envelope is not a burst.
    min_s = det.settings.min_duration_s
    return [
        Burst(b.channel, b.onset_s, b.offset_s - offset_lag_s, b.peak_uv)
        for b in bursts
        if b.offset_s - offset_lag_s - b.onset_s >= min_s
    ]
