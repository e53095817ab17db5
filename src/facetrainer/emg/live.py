"""Live EMG: processing of a streaming source into filtered signal, envelope and state (no Qt).

:class:`LiveEmg` subscribes to an :class:`~facetrainer.emg.source.EmgSource` and does all
its work on the source's thread as chunks arrive (the GUI only reads): the stream's one
causal chain (:class:`~facetrainer.emg.chain.EmgChain`, also used offline), ring buffers of the filtered signal and envelope,
a resting baseline and onset thresholds per channel, bursts, the value as % of a
reference, and signal-quality hints.

- **Mains** (``mains_hz="auto"``): the first second of raw data decides 50, 60 or none per
  channel and which harmonics are present; the chain is then rebuilt with notches at
  those lines and primed with that second (:mod:`facetrainer.emg.chain`). A channel without mains is checked again every
  10 s. A fixed ``mains_hz`` notches every harmonic below Nyquist.
- **Baseline**: until :meth:`LiveEmg.capture_baseline` is called (at the end of a rest
  period), it is estimated every second from the quietest stretches of the last 10 s; the
  estimate may fall at once but rise by at most 10 % per second, so a contraction held
  for most of those 10 s is not mistaken for rest.
- **Reference**: an amplitude above baseline (µV) per channel, set by
  :meth:`LiveEmg.capture_reference` (MVC, or the healthy side's same muscle through the
  montage) or tracked as the task maximum (:meth:`LiveEmg.track_task_maximum`).
"""

from __future__ import annotations

import threading
import weakref
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from facetrainer.emg.baseline import Baseline, estimate_resting_baseline, measure_baseline
from facetrainer.emg.chain import MAINS_DETECT_S, EmgChain
from facetrainer.emg.montage import Montage, Placement
from facetrainer.emg.onsets import Burst, OnsetDetector
from facetrainer.emg.processing import ProcessingSettings
from facetrainer.emg.quality import assess_signal_quality
from facetrainer.emg.reference import ReferenceKind, measure_reference_uv
from facetrainer.emg.ring_buffer import RingBuffer
from facetrainer.emg.source import EmgSource

AUTO_BASELINE_S = 10.0
AUTO_BASELINE_MAX_RISE = 0.10  # per update: a long contraction must not become "rest"
UPDATE_INTERVAL_S = 1.0


@dataclass(frozen=True)
class ChannelState:
    """A snapshot of one channel for display and for the exercise engine."""

    name: str
    placement: Placement | None
    envelope_uv: float  # newest envelope value (NaN before data or in a gap)
    baseline: Baseline | None
    baseline_captured: bool  # False while the baseline is only estimated
    on_threshold_uv: float | None
    reference_uv: float | None  # reference amplitude above baseline
    reference_kind: ReferenceKind | None
    percent_of_reference: float | None
    active: bool  # inside a confirmed burst
    quality: tuple[str, ...]  # hints from facetrainer.emg.quality
    mains_hz: float | None

    @property
    def label(self) -> str:
        return self.placement.label if self.placement is not None else self.name


class LiveEmg:
    """Processing of one EMG source as it streams; all public getters are thread-safe."""

    def __init__(
        self,
        source: EmgSource,
        montage: Montage | None = None,
        settings: ProcessingSettings | None = None,
        mains_hz: float | None | Literal["auto"] = "auto",
        ring_s: float = 60.0,
    ) -> None:
        self.source = source
        self.montage = montage
        self.settings = settings or ProcessingSettings()
        self._mains_setting = mains_hz
        self.ring_s = float(ring_s)
        self._lock = threading.Lock()
        self.chain: EmgChain | None = None  # the stream's one chain (after the first chunk)
        self._first_chunk_n = 0
        self._n_primed = 0
        self._settled_index: int | None = None
        self.filtered: RingBuffer | None = None
        self.envelope: RingBuffer | None = None
        self._detector: OnsetDetector | None = None
        self.channel_names: tuple[str, ...] = ()
        self.fs_hz = 0.0
        self._placements: list[Placement | None] = []
        self._baselines: list[Baseline | None] = []
        self._baseline_captured: list[bool] = []
        self._references: list[float | None] = []
        self._reference_kinds: list[ReferenceKind | None] = []
        self._tracking_max: set[int] = set()
        self._quality: list[tuple[str, ...]] = []
        self._n_seen = 0
        self._next_update_n = 0
        self.bursts: deque[Burst] = deque(maxlen=500)
        self.error: str | None = None  # last processing error (processing continues)
        self.n_errors = 0
        source.subscribe(self._on_chunk)

    # -- set-up on the first chunk ---------------------------------------------------
    def _setup(self) -> None:
        info = self.source.info
        assert info is not None
        self.fs_hz = info.fs_hz
        self.channel_names = info.channel_names
        n = info.n_channels
        cap = int(np.ceil(self.ring_s * self.fs_hz))
        self.filtered = RingBuffer(n, cap)
        self.envelope = RingBuffer(n, cap)
        self._placements = (
            self.montage.placements_for(self.channel_names)
            if self.montage is not None
            else [None] * n
        )
        self._baselines = [None] * n
        self._baseline_captured = [False] * n
        self._references = [None] * n
        self._reference_kinds = [
            ReferenceKind.TASK_MAX if ch in self._tracking_max else None for ch in range(n)
        ]
        self._quality = [()] * n
        info_extra = info.extra
        self.chain = EmgChain(
            self.fs_hz,
            n,
            self.settings,
            self._mains_setting,
            is_envelope=bool(info_extra.get("is_envelope", False)),
        )
        self._detector = OnsetDetector(self.fs_hz, n, self.settings.onsets)
        self._prime_from_source_ring()

    def _prime_from_source_ring(self) -> None:
        """Joining a running stream: settle the chain on what the source's ring already
        holds before this chunk (at most ``MAINS_DETECT_S``), output discarded."""
        ring = self.source.ring
        assert self.chain is not None
        if ring is None:
            return
        held = ring.total_written - self._first_chunk_n
        n = min(held, int(round(MAINS_DETECT_S * self.fs_hz)))
        if n <= 0:
            return
        raw, _ = ring.get_data(n + self._first_chunk_n)
        self.chain.prime(raw[:, :n])
        self.chain.take_revision()  # revises primed output nobody saw
        self._n_primed = n

    # -- the source-thread callback --------------------------------------------------
    def _on_chunk(self, data: np.ndarray, times_s: np.ndarray) -> None:
        try:
            self._process(data, times_s)
        except Exception as exc:  # noqa: BLE001 - the stream must keep flowing
            self.n_errors += 1
            self.error = f"EMG processing failed on a chunk: {exc!r}"

    def _process(self, data: np.ndarray, times_s: np.ndarray) -> None:
        if self.chain is None:
            self._first_chunk_n = data.shape[1]
            self._setup()
        assert self.chain is not None and self.filtered is not None
        assert self.envelope is not None and self._detector is not None
        filtered, env = self.chain.process(data)
        self.filtered.write(filtered, times_s)
        self.envelope.write(env, times_s)
        revision = self.chain.take_revision()
        if revision is not None:  # mains found: earlier output redone with the notches
            start, rev_filtered, rev_env = revision
            self.filtered.overwrite(start - self._n_primed, rev_filtered)
            self.envelope.overwrite(start - self._n_primed, rev_env)
        if self._settled_index is None and self.chain.settled_index is not None:
            # Published only now, after the revision is in the rings (readers wait for it).
            self._settled_index = max(0, self.chain.settled_index - self._n_primed)
        self._n_seen += data.shape[1]
        new_bursts = self._detector.process(env, times_s)
        with self._lock:
            self.bursts.extend(new_bursts)
            for ch in self._tracking_max:
                base = self._baselines[ch]
                peak = float(np.nanmax(env[ch])) if np.isfinite(env[ch]).any() else np.nan
                if base is not None and np.isfinite(peak):
                    amp = peak - base.level_uv
                    if self._references[ch] is None or amp > (self._references[ch] or 0.0):
                        self._references[ch] = amp
        if self._n_seen >= self._next_update_n:
            self._next_update_n = self._n_seen + int(UPDATE_INTERVAL_S * self.fs_hz)
            self._update_baselines_and_quality()

    def _update_baselines_and_quality(self) -> None:
        assert self.envelope is not None and self._detector is not None
        ring = self.source.ring
        raw, _ = ring.get_data(int(2 * self.fs_hz)) if ring is not None else (None, None)
        quality = assess_signal_quality(raw, self.fs_hz) if raw is not None else self._quality
        env, _ = self.envelope.get_data(int(AUTO_BASELINE_S * self.fs_hz))
        with self._lock:
            self._quality = quality
            for ch in range(len(self.channel_names)):
                if not self._baseline_captured[ch] and np.isfinite(env[ch]).sum() >= self.fs_hz:
                    self._baselines[ch] = _limit_rise(
                        self._baselines[ch], estimate_resting_baseline(env[ch], self.fs_hz)
                    )
            self._apply_thresholds()

    def _apply_thresholds(self) -> None:
        assert self._detector is not None
        o = self.settings.onsets
        on = np.array([b.threshold_uv(o.k_on) if b else np.inf for b in self._baselines])
        off = np.array([b.threshold_uv(o.k_off) if b else np.inf for b in self._baselines])
        self._detector.set_thresholds(on, off)

    def set_montage(self, montage: Montage | None) -> None:
        """Use (or, with None, drop) a montage for the channel placements."""
        with self._lock:
            self.montage = montage
            if self.channel_names:
                n = len(self.channel_names)
                self._placements = (
                    montage.placements_for(self.channel_names) if montage else [None] * n
                )

    # -- readers ---------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self.chain is not None

    @property
    def processor(self) -> EmgChain | None:
        """The chain (kept under its old name: the display reads ``processor.filter``)."""
        return self.chain

    @property
    def settled_index(self) -> int | None:
        """Envelope-ring sample count from which the chain's output is settled and final
        (None until mains detection has decided and any revision is in the rings; 0 when
        the chain was primed from a running stream)."""
        return self._settled_index

    def read_envelope_since(self, counter: int) -> tuple[np.ndarray, np.ndarray, int, int]:
        """Envelope samples written after ``counter`` (see :meth:`RingBuffer.read_since`):
        a consumer that keeps its counter never misses or repeats a sample."""
        if self.envelope is None:
            return np.zeros((len(self.channel_names), 0)), np.zeros(0), counter, 0
        return self.envelope.read_since(counter)

    def _window(
        self, ring: RingBuffer | None, seconds: float | None
    ) -> tuple[np.ndarray, np.ndarray]:
        if ring is None:
            return np.zeros((len(self.channel_names), 0)), np.zeros(0)
        n = None if seconds is None else int(round(seconds * self.fs_hz))
        return ring.get_data(n)

    def get_raw(self, seconds: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Newest raw samples (µV) and times from the source's ring buffer."""
        return self._window(self.source.ring, seconds)

    def get_filtered(self, seconds: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        return self._window(self.filtered, seconds)

    def get_envelope(self, seconds: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        return self._window(self.envelope, seconds)

    def states(self) -> list[ChannelState]:
        """One :class:`ChannelState` per channel (empty before the first chunk)."""
        if self.envelope is None or self._detector is None:
            return []
        env, _ = self.envelope.get_data(1)
        with self._lock:
            active = self._detector.active
            out = []
            for ch, name in enumerate(self.channel_names):
                value = float(env[ch, -1]) if env.shape[1] else float("nan")
                base = self._baselines[ch]
                ref = self._references[ch]
                pct = None
                if base is not None and ref is not None and ref > 0 and np.isfinite(value):
                    pct = 100.0 * (value - base.level_uv) / ref
                on = base.threshold_uv(self.settings.onsets.k_on) if base else None
                out.append(
                    ChannelState(
                        name,
                        self._placements[ch],
                        value,
                        base,
                        self._baseline_captured[ch],
                        on,
                        ref,
                        self._reference_kinds[ch],
                        pct,
                        bool(active[ch]),
                        self._quality[ch],
                        self.chain.mains_hz[ch] if self.chain is not None else None,
                    )
                )
            return out

    def recent_bursts(self, since_s: float = float("-inf")) -> list[Burst]:
        with self._lock:
            return [b for b in self.bursts if b.offset_s >= since_s]

    # -- calibration -----------------------------------------------------------------
    def _channels(self, channels: int | Sequence[int] | None) -> list[int]:
        if channels is None:
            return list(range(len(self.channel_names)))
        if isinstance(channels, int):
            return [channels]
        return list(channels)

    def capture_baseline(
        self, seconds: float = 3.0, channels: int | Sequence[int] | None = None
    ) -> list[Baseline]:
        """Take the last ``seconds`` of envelope as rest for these channels (all by default).

        Raises
        ------
        ValueError
            Before any data, or when the window holds no valid envelope sample.
        """
        env, _ = self.get_envelope(seconds)
        if env.shape[1] == 0:
            raise ValueError("no EMG received yet: cannot capture a baseline")
        out = []
        with self._lock:
            for ch in self._channels(channels):
                base = measure_baseline(env[ch])
                self._baselines[ch] = base
                self._baseline_captured[ch] = True
                out.append(base)
            self._apply_thresholds()
        return out

    def set_reference(
        self, channel: int, reference_uv: float | None, kind: ReferenceKind = ReferenceKind.MVC
    ) -> None:
        """Reference amplitude above baseline (µV) for ``channel``; None clears it."""
        with self._lock:
            self._references[channel] = reference_uv
            self._reference_kinds[channel] = kind if reference_uv is not None else None

    def capture_reference(
        self,
        channel: int,
        seconds: float = 5.0,
        kind: ReferenceKind = ReferenceKind.MVC,
        hold_s: float = 0.5,
    ) -> float:
        """Set ``channel``'s reference from the last ``seconds`` (best ``hold_s`` mean).

        With ``kind=HEALTHY_SIDE`` the reference is measured on the same muscle's channel
        on the other side (from the montage), above that channel's own baseline.

        Raises
        ------
        ValueError
            Without data or baseline, or when the montage names no contralateral channel.
        """
        source_ch = channel
        if kind == ReferenceKind.HEALTHY_SIDE:
            other = (
                self.montage.contralateral_index(self.channel_names, channel)
                if self.montage is not None
                else None
            )
            if other is None:
                raise ValueError(
                    f"channel {self.channel_names[channel]!r}: the montage names "
                    "no same muscle on the other side"
                )
            source_ch = other
        env, _ = self.get_envelope(seconds)
        with self._lock:
            base = self._baselines[source_ch]
        if base is None:
            raise ValueError(f"channel {self.channel_names[source_ch]!r} has no baseline yet")
        amp = measure_reference_uv(env[source_ch], self.fs_hz, hold_s) - base.level_uv
        self.set_reference(channel, amp, kind)
        return amp

    def track_task_maximum(
        self, channels: int | Sequence[int] | None = None, on: bool = True
    ) -> None:
        """While on, each channel's reference follows its largest envelope above baseline."""
        with self._lock:
            for ch in self._channels(channels):
                if on:
                    self._tracking_max.add(ch)
                    if ch < len(self._references):  # else applied when data arrives
                        self._references[ch] = None
                        self._reference_kinds[ch] = ReferenceKind.TASK_MAX
                else:
                    self._tracking_max.discard(ch)


def _limit_rise(previous: Baseline | None, estimate: Baseline) -> Baseline:
    if previous is None or estimate.level_uv <= previous.level_uv:
        return estimate
    factor = min(estimate.level_uv / previous.level_uv, 1.0 + AUTO_BASELINE_MAX_RISE)
    return Baseline(
        previous.level_uv * factor, min(estimate.noise_sd_uv, previous.noise_sd_uv * factor)
    )


# Keyed by id(source), holding the LiveEmg weakly: the source's listener list keeps its
# LiveEmg alive exactly as long as the source lives (a dict holding LiveEmg strongly would
# keep every replaced source alive, as LiveEmg refers to its source).
_LIVE: weakref.WeakValueDictionary[int, LiveEmg] = weakref.WeakValueDictionary()
_LIVE_LOCK = threading.Lock()


def live_for(source: EmgSource, montage: Montage | None = None) -> LiveEmg:
    """The one :class:`LiveEmg` of a source (created on first use), shared by GUI and engine.

    A montage given later replaces the placements from the next chunk on.
    """
    with _LIVE_LOCK:
        live = _LIVE.get(id(source))
        if live is None or live.source is not source:
            live = LiveEmg(source, montage)
            _LIVE[id(source)] = live
        elif montage is not None and montage is not live.montage:
            live.set_montage(montage)
        return live


def muscle_states(sources: list[EmgSource]) -> dict[str, ChannelState]:
    """The newest state of every montaged channel of these sources, by ``muscle/side``.

    Channels without a montage placement are listed under ``"<source name>:<channel>"``.
    """
    out: dict[str, ChannelState] = {}
    for source in sources:
        for state in live_for(source).states():
            key = state.placement.label if state.placement else f"{source.name}:{state.name}"
            out[key] = state
    return out
