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
"""Offline analysis ignores the first second while the filters settle (a 1 Hz wide mains
notch starts from rest and needs ~3 time constants of 1/(pi * 1 Hz) to lock on)."""


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
        return filtered, self.envelope.process(filtered)


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
    (then every harmonic below Nyquist is notched). The baseline is the quietest 20 % of the recording
    (:func:`~facetrainer.emg.baseline.estimate_resting_baseline`); burst offsets are
    corrected by the moving-RMS window (see :mod:`facetrainer.emg.onsets`). Burst
    times are seconds from the first sample; the first ``SETTLE_S`` (at most a quarter
    of the recording) are not searched.
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
    proc = EmgProcessor(fs_hz, data.shape[0], mains, settings, mains_harmonics=lines)
    _, env = proc.process(data)
    lag_s = settings.envelope.window_s if settings.envelope.method == "rms" else 0.0
    settled = env.copy()
    settled[:, : int(round(min(SETTLE_S, 0.25 * data.shape[1] / fs_hz) * fs_hz))] = np.nan
    out = []
    for ch, name in enumerate(channel_names):
        nan_samples = int(np.count_nonzero(~np.isfinite(data[ch])))
        if nan_samples == data.shape[1]:
            out.append(
                ChannelAnalysis(
                    name, nan_samples, mains[ch], Baseline(float("nan"), float("nan")), []
                )
            )
            continue
        base = estimate_resting_baseline(settled[ch], fs_hz)
        o = settings.onsets
        bursts = detect_bursts(
            settled[ch],
            fs_hz,
            base.threshold_uv(o.k_on),
            base.threshold_uv(o.k_off),
            o,
            offset_lag_s=lag_s,
        )
        out.append(ChannelAnalysis(name, nan_samples, mains[ch], base, bursts))
    return out
