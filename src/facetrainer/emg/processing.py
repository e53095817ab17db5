"""The EMG processing chain in one object (live) and one function (whole recordings).

raw µV ──:class:`~facetrainer.emg.filters.EmgFilter`──▶ filtered µV
       ──:class:`~facetrainer.emg.envelope.EmgEnvelope`──▶ envelope µV

Hardware-envelope devices (``is_envelope``) skip the filter: their signal already is an
envelope, and band-passing it would destroy it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from facetrainer.emg.baseline import Baseline, estimate_resting_baseline
from facetrainer.emg.envelope import EmgEnvelope, EnvelopeSettings
from facetrainer.emg.filters import EmgFilter, FilterSettings
from facetrainer.emg.mains import detect_mains_lines
from facetrainer.emg.onsets import Burst, OnsetSettings, detect_bursts

SETTLE_S = 1.0
"""Offline analysis primes its filters on the first second (a 1 Hz wide mains notch
starting from rest needs ~3 time constants of 1/(pi * 1 Hz) to lock on)."""


@dataclass(frozen=True)
class ProcessingSettings:
    """Everything the chain needs besides the rate and channel count."""

    filter: FilterSettings = field(default_factory=FilterSettings)
    envelope: EnvelopeSettings = field(default_factory=EnvelopeSettings)
    onsets: OnsetSettings = field(default_factory=OnsetSettings)


class EmgProcessor:
    """Streaming chain: ``process(chunk) -> (filtered, envelope)``, state carried over."""

    def __init__(
        self,
        fs_hz: float,
        n_channels: int,
        mains_hz: float | None | Sequence[float | None] = None,
        settings: ProcessingSettings | None = None,
        *,
        is_envelope: bool = False,
        mains_harmonics: Sequence[tuple[int, ...] | None] | None = None,
    ) -> None:
        self.fs_hz = float(fs_hz)
        self.n_channels = int(n_channels)
        self.settings = settings or ProcessingSettings()
        self.is_envelope = is_envelope
        self.filter: EmgFilter | None = None
        if not is_envelope:
            self.filter = EmgFilter(
                fs_hz, n_channels, mains_hz, self.settings.filter, mains_harmonics
            )
        self.envelope = EmgEnvelope(fs_hz, n_channels, self.settings.envelope)

    @property
    def mains_hz(self) -> tuple[float | None, ...]:
        return self.filter.mains_hz if self.filter is not None else (None,) * self.n_channels

    def process(self, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(data, dtype=np.float64)
        if self.filter is None:
            env = np.where(np.isfinite(x), x, np.nan)
            return env, env
        filtered = self.filter.process(x)
        return filtered, self.envelope.process(filtered, self.filter.last_output_finite)


@dataclass(frozen=True)
class ChannelAnalysis:
    """One channel of a whole-recording analysis (what ``facetrainer emg analyze`` writes)."""

    name: str
    nan_samples: int
    mains_hz: float | None
    baseline: Baseline
    bursts: list[Burst]


def analyse_recording(
    data_uv: np.ndarray,
    fs_hz: float,
    channel_names: Sequence[str],
    settings: ProcessingSettings | None = None,
    mains_hz: Sequence[float | None] | None = None,
) -> list[ChannelAnalysis]:
    """Detect mains, filter, envelope, estimate the resting baseline and find bursts.

    Mains and its harmonics are detected per channel
    (:func:`~facetrainer.emg.mains.detect_mains_lines`) unless ``mains_hz`` is given
    (then every harmonic below Nyquist is notched). The baseline is estimated from the
    quiet stretches (:func:`~facetrainer.emg.baseline.estimate_resting_baseline`).

    A causal chain finds onsets promptly but offsets late: the envelope window must
    empty and the mains notches ring for ~1/(pi * width) after a contraction stops. A
    recording is complete, so the same causal chain also runs on the time-reversed
    recording, where every offset becomes an onset. A sample belongs to a burst when
    both passes find it active, and the minimum duration applies to the result. Burst
    times are seconds from the first sample. Each pass starts with settled filters (see
    :func:`_prime`).
    """
    settings = settings or ProcessingSettings()
    data = np.atleast_2d(np.asarray(data_uv, dtype=np.float64))
    if len(channel_names) != data.shape[0]:
        raise ValueError(f"{len(channel_names)} channel names for {data.shape[0]} channels")
    lines: list[tuple[int, ...] | None] | None = None
    if mains_hz is not None:
        mains = list(mains_hz)
    else:
        mains, lines = detect_mains_lines(data, fs_hz)
    n = data.shape[1]

    def envelope_of(x: np.ndarray) -> np.ndarray:
        proc = EmgProcessor(fs_hz, x.shape[0], mains, settings, mains_harmonics=lines)
        _prime(proc, x)
        return proc.process(x)[1]

    forward = envelope_of(data)
    backward = envelope_of(data[:, ::-1])[:, ::-1]
    out = []
    o = settings.onsets
    for ch, name in enumerate(channel_names):
        nan_samples = int(np.count_nonzero(~np.isfinite(data[ch])))
        if nan_samples == n:
            nan_base = Baseline(float("nan"), float("nan"))
            out.append(ChannelAnalysis(name, nan_samples, mains[ch], nan_base, []))
            continue
        base = estimate_resting_baseline(forward[ch], fs_hz)
        on, off = base.threshold_uv(o.k_on), base.threshold_uv(o.k_off)
        states = [
            _burst_mask(detect_bursts(env, fs_hz, on, off, o), n, fs_hz)
            for env in (forward[ch], backward[ch])
        ]
        both = states[0] & states[1]
        peak_env = np.fmax(forward[ch], backward[ch])
        out.append(
            ChannelAnalysis(
                name,
                nan_samples,
                mains[ch],
                base,
                _bursts_from_mask(both, peak_env, fs_hz, o.min_duration_s),
            )
        )
    return out


def _prime(proc: EmgProcessor, data: np.ndarray) -> None:
    """Settle the filters on the recording's first ``SETTLE_S`` (one second), then reset
    the envelope, so that processing from the first sample starts without transients.

    One second holds a whole number of 50 Hz and 60 Hz cycles, so the mains notches end
    the priming in the phase the mains has at the first sample again, and the DC blocker
    ends it at the recording's own offset.
    """
    n = min(data.shape[1], int(round(SETTLE_S * proc.fs_hz)))
    if n:
        proc.process(data[:, :n])
        proc.envelope = EmgEnvelope(proc.fs_hz, proc.n_channels, proc.settings.envelope)


def _burst_mask(bursts: list[Burst], n: int, fs_hz: float) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    for b in bursts:
        mask[int(round(b.onset_s * fs_hz)) : int(round(b.offset_s * fs_hz))] = True
    return mask


def _bursts_from_mask(
    mask: np.ndarray, envelope_uv: np.ndarray, fs_hz: float, min_duration_s: float
) -> list[Burst]:
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    out = []
    for s, e in zip(starts, ends, strict=True):
        if (e - s) / fs_hz >= min_duration_s:
            peak = float(np.fmax.reduce(envelope_uv[s:e]))
            out.append(Burst(0, s / fs_hz, e / fs_hz, peak))
    return out
