"""Causal, chunk-by-chunk filtering of raw surface EMG with carried filter state.

The chain, per channel, is

1. **gap hold**: NaN samples (lost packets, gaps) are replaced by the last valid sample so
   that no filter sees a NaN (one NaN would poison an IIR filter's state forever);
2. **DC removal**: a first-order DC blocker (``y = x - EMA(x)``, time constant
   ``dc_time_constant_s``) whose state starts at the first valid sample, so an ADC offset
   of thousands of counts does not ring through the band-pass at start-up;
3. **band-pass**: Butterworth (``order`` per edge) from ``highpass_hz`` to ``lowpass_hz``,
   with ``lowpass_hz`` clamped to ``NYQUIST_FRACTION`` of Nyquist (a warning says so), as
   consumer boards sample at only 200-250 Hz;
4. **mains notch**: second-order notches of width ``notch_width_hz`` at the mains frequency
   and every harmonic below the clamped pass-band edge and Nyquist;
5. samples that were NaN on input are NaN on output again, so a gap is shown as a gap and
   never smeared into neighbouring values.

All linear stages are one cascade of second-order sections run by
:func:`scipy.signal.sosfilt` with carried ``zi``, so feeding a recording in chunks of any
size gives the same output as feeding it whole.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from facetrainer.emg.finite import has_only_finite

# scipy.signal is imported when a filter is first designed, not with this module: it takes
# 0.5-3 s to import here, which the app's start would otherwise wait for before its
# window shows (the first EMG chunk arrives later, on the source's thread).
_kernel: Any = None  # scipy's compiled in-place kernel behind sosfilt; False when missing


def _sosfilt_kernel() -> Any:
    global _kernel
    if _kernel is None:
        try:
            from scipy.signal._sosfilt import _sosfilt
        except ImportError:  # pragma: no cover - a scipy that moved it: the public function
            _kernel = False
        else:
            _kernel = _sosfilt
    return _kernel

NYQUIST_FRACTION = 0.9
"""The band-pass's upper edge is kept below this fraction of Nyquist."""

MAINS_CANDIDATES_HZ = (50.0, 60.0)


class EmgFilterWarning(UserWarning):
    """A filter setting was adapted to the sampling rate (e.g. low-pass clamped)."""


@dataclass(frozen=True)
class FilterSettings:
    """Raw-EMG filter parameters (defaults follow facial sEMG practice, van Boxtel 2001)."""

    highpass_hz: float = 20.0
    lowpass_hz: float = 450.0
    order: int = 4
    notch_width_hz: float = 1.0  # grids hold ±0.05 Hz: still ≥ 20 dB, eats little EMG
    dc_time_constant_s: float = 0.5


def clamp_lowpass_hz(fs_hz: float, lowpass_hz: float, *, warn: bool = True) -> float:
    """The usable upper band edge at ``fs_hz``: ``min(lowpass_hz, 0.9 * fs_hz / 2)``.

    Warns with :class:`EmgFilterWarning` when the requested edge had to be lowered.
    """
    limit = NYQUIST_FRACTION * fs_hz / 2.0
    if lowpass_hz <= limit:
        return float(lowpass_hz)
    if warn:
        warnings.warn(
            f"EMG low-pass {lowpass_hz:g} Hz is above {NYQUIST_FRACTION:g} x Nyquist at "
            f"fs={fs_hz:g} Hz; using {limit:g} Hz (consumer boards at 200-250 Hz cannot "
            "show facial EMG above ~110 Hz)",
            EmgFilterWarning,
            stacklevel=3,
        )
    return float(limit)


def design_bandpass_sos(
    fs_hz: float, highpass_hz: float, lowpass_hz: float, order: int = 4, *, warn: bool = True
) -> np.ndarray:
    """Butterworth band-pass as second-order sections, upper edge clamped below Nyquist.

    Raises
    ------
    ValueError
        When ``fs_hz`` is not positive or the (clamped) band is empty.
    """
    from scipy import signal

    if not np.isfinite(fs_hz) or fs_hz <= 0:
        raise ValueError(f"fs_hz must be a positive number, got {fs_hz!r}")
    high = clamp_lowpass_hz(fs_hz, lowpass_hz, warn=warn)
    if not 0 < highpass_hz < high:
        raise ValueError(
            f"highpass_hz={highpass_hz:g} must lie between 0 and the usable low-pass edge "
            f"{high:g} Hz at fs_hz={fs_hz:g}"
        )
    return np.asarray(
        signal.butter(order, [highpass_hz, high], btype="bandpass", fs=fs_hz, output="sos")
    )


def mains_harmonics_hz(fs_hz: float, mains_hz: float, width_hz: float = 1.0) -> list[float]:
    """Mains frequency and its harmonics that lie below Nyquist (minus a notch width)."""
    nyquist = fs_hz / 2.0
    out = []
    k = 1
    while k * mains_hz < nyquist - width_hz:
        out.append(k * mains_hz)
        k += 1
    return out


def design_notch_sos(
    fs_hz: float, mains_hz: float, width_hz: float = 1.0, harmonics: Sequence[int] | None = None
) -> np.ndarray:
    """Notches at ``mains_hz`` and its harmonics below Nyquist, as second-order sections.

    ``harmonics`` (1 = the fundamental) limits the notches to those lines; by default
    every harmonic below Nyquist is notched.

    Every notch has the same -3 dB width (``width_hz``), so harmonics do not eat
    progressively wider slices of the EMG spectrum.
    """
    from scipy import signal

    if mains_hz not in MAINS_CANDIDATES_HZ:
        raise ValueError(f"mains_hz must be 50 or 60, got {mains_hz!r}")
    sections = []
    lines = mains_harmonics_hz(fs_hz, mains_hz, width_hz)
    if harmonics is not None:
        wanted = {int(k) for k in harmonics}
        lines = [f for k, f in enumerate(lines, start=1) if k in wanted]
    for f in lines:
        b, a = signal.iirnotch(f, f / width_hz, fs=fs_hz)
        sections.append(signal.tf2sos(b, a))
    if not sections:
        return np.zeros((0, 6))
    return np.vstack(sections)


def design_dc_blocker_sos(fs_hz: float, time_constant_s: float) -> np.ndarray:
    """``y = x - EMA(x)`` as one second-order section (a first-order high-pass)."""
    alpha = 1.0 - np.exp(-1.0 / (time_constant_s * fs_hz))
    # Y/X = 1 - alpha / (1 - (1 - alpha) z^-1) = (1 - alpha)(1 - z^-1) / (1 - (1 - alpha) z^-1)
    return np.array([[1.0 - alpha, -(1.0 - alpha), 0.0, 1.0, -(1.0 - alpha), 0.0]])


def run_sos(
    sos: np.ndarray, x: np.ndarray, zi: np.ndarray, *, in_place: bool = False
) -> np.ndarray:
    """``sosfilt`` along the last axis of (n_signals, n) with state ``zi`` updated in place.

    ``zi`` has the layout (n_signals, n_sections, 2). Live processing filters a few dozen
    samples at a time, where ``scipy.signal.sosfilt``'s argument checks and axis moves
    cost more than the filtering itself (18 of 22 µs for 16 channels x 40 samples), so
    the compiled kernel it wraps is called directly when available; the result is the
    same (a test compares both). With ``in_place``, ``x`` must be a C-contiguous float64
    array (or a block of rows of one), and is overwritten by the result.
    """
    y = x if in_place else np.array(x, dtype=np.float64, order="C")
    kernel = _kernel or _sosfilt_kernel()
    if kernel:
        kernel(sos, y, zi)
        return y
    from scipy import signal

    out, zf = signal.sosfilt(sos, y, axis=-1, zi=np.moveaxis(zi, 0, 1))
    zi[...] = np.moveaxis(zf, 1, 0)
    y[...] = out
    return y


class EmgFilter:
    """Streaming raw-EMG filter for ``n_channels`` channels (see the module docstring).

    Parameters
    ----------
    fs_hz
        Sampling rate.
    n_channels
        Number of channels (rows of every chunk).
    mains_hz
        50, 60 or None per channel (a scalar applies to all channels).
    settings
        :class:`FilterSettings`.
    mains_harmonics
        Per channel, the harmonic numbers to notch (None: all below Nyquist). Every
        narrow notch rings for ~1/(pi * width) after a contraction stops, so notching
        only the lines that are present (:func:`~facetrainer.emg.mains.detect_mains_lines`)
        keeps burst offsets sharp.
    """

    def __init__(
        self,
        fs_hz: float,
        n_channels: int,
        mains_hz: float | None | Sequence[float | None] = None,
        settings: FilterSettings | None = None,
        mains_harmonics: Sequence[tuple[int, ...] | None] | None = None,
    ) -> None:
        if n_channels < 1:
            raise ValueError(f"n_channels must be >= 1, got {n_channels}")
        self.fs_hz = float(fs_hz)
        self.n_channels = int(n_channels)
        self.settings = settings or FilterSettings()
        s = self.settings
        self.bandpass_sos = design_bandpass_sos(self.fs_hz, s.highpass_hz, s.lowpass_hz, s.order)
        self.lowpass_hz = clamp_lowpass_hz(self.fs_hz, s.lowpass_hz, warn=False)
        self._dc_sos = design_dc_blocker_sos(self.fs_hz, s.dc_time_constant_s)
        if mains_hz is None or isinstance(mains_hz, int | float):
            per_channel: list[float | None] = [mains_hz] * self.n_channels
        else:
            per_channel = list(mains_hz)
            if len(per_channel) != self.n_channels:
                raise ValueError(
                    f"mains_hz lists {len(per_channel)} values for {self.n_channels} channels"
                )
        self.mains_hz: tuple[float | None, ...] = tuple(
            None if m is None else float(m) for m in per_channel
        )
        harmonics = list(mains_harmonics) if mains_harmonics is not None else [None] * n_channels
        if len(harmonics) != self.n_channels:
            raise ValueError(
                f"mains_harmonics lists {len(harmonics)} entries for {self.n_channels} channels"
            )
        self.mains_harmonics = tuple(None if h is None else tuple(h) for h in harmonics)
        keys = list(zip(self.mains_hz, self.mains_harmonics, strict=True))
        # scipy's kernel runs one cascade over many signals, so channels are grouped by
        # their notch set (usually one group: all channels see the same mains lines) and
        # kept in group order (``_order``), so every group is a contiguous block of rows
        # that the kernel filters in place: one call per distinct cascade, none per channel.
        distinct = list(dict.fromkeys(keys))
        group_of = np.array([distinct.index(k) for k in keys])
        order = np.argsort(group_of, kind="stable")
        self._order: np.ndarray | None = None
        self._unorder: np.ndarray | None = None
        if np.any(order != np.arange(self.n_channels)):
            self._order, self._unorder = order, np.argsort(order)
        self._groups: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._blocks: list[tuple[slice, np.ndarray, np.ndarray]] = []
        start = 0
        for g, (mains, lines) in enumerate(distinct):
            rows = np.flatnonzero(group_of == g)
            parts = [self._dc_sos, self.bandpass_sos]
            if mains is not None:
                parts.append(design_notch_sos(self.fs_hz, mains, s.notch_width_hz, lines))
            sos = np.vstack(parts)
            zi = np.zeros((rows.size, sos.shape[0], 2))
            self._groups.append((rows, sos, zi))
            self._blocks.append((slice(start, start + rows.size), sos, zi))
            start += rows.size
        self._last_valid = np.full(self.n_channels, np.nan)
        # Whether the last chunk's output is free of gaps (the envelope then skips its check).
        self.last_output_finite = False
        self._started = np.zeros(self.n_channels, dtype=bool)
        self._all_started = False

    def _hold_gaps(self, x: np.ndarray, nan_mask: np.ndarray) -> np.ndarray:
        """Replace NaNs by the last valid sample (carried across chunks).

        NaNs before a channel's first valid sample take that first value (the DC blocker
        is primed with it), or 0 while a channel has never had a valid sample.
        """
        n = x.shape[1]
        idx = np.where(nan_mask, -1, np.arange(n))
        np.maximum.accumulate(idx, axis=1, out=idx)
        filled = np.take_along_axis(x, np.maximum(idx, 0), axis=1)
        before = idx < 0
        if before.any():
            first_in_chunk = x[np.arange(x.shape[0]), np.argmax(~nan_mask, axis=1)]
            carried = np.where(np.isnan(self._last_valid), first_in_chunk, self._last_valid)
            carried = np.where(np.isfinite(carried), carried, 0.0)
            filled = np.where(before, carried[:, None], filled)
        return filled

    def _prime(self, x: np.ndarray, nan_mask: np.ndarray) -> None:
        """Start each channel's DC blocker at its first valid sample (no start-up ringing)."""
        valid_any = ~nan_mask.all(axis=1)
        new = valid_any & ~self._started
        if not new.any():
            return
        first = x[np.arange(x.shape[0]), np.argmax(~nan_mask, axis=1)]
        for rows, sos, zi in self._groups:
            sel = new[rows]
            if not sel.any():
                continue
            # Steady state of the first section for a constant input equal to the first
            # sample: the DC blocker's output is then zero, the later sections stay at rest.
            from scipy import signal

            zi0 = signal.sosfilt_zi(sos[:1])[0]
            zi[sel, 0, :] = zi0[None, :] * first[rows[sel], None]
            zi[sel, 1:, :] = 0.0
        self._started |= new

    def process(self, data: np.ndarray) -> np.ndarray:
        """Filter one chunk (n_channels, n) and return the filtered chunk (same shape)."""
        x = np.asarray(data, dtype=np.float64)
        if x.ndim != 2 or x.shape[0] != self.n_channels:
            raise ValueError(f"chunk must have shape ({self.n_channels}, n), got {x.shape}")
        if x.shape[1] == 0:
            return x.copy()
        if not self._all_started or not has_only_finite(x):
            self.last_output_finite = False
            return self._process_with_gaps(x)
        self._last_valid = x[:, -1].copy()
        self.last_output_finite = True
        return self._run_cascades(x)

    def _process_with_gaps(self, x: np.ndarray) -> np.ndarray:
        """:meth:`process` for a chunk with NaN/inf samples or unstarted channels."""
        nan_mask = ~np.isfinite(x)
        has_gap = bool(nan_mask.any())
        if not self._all_started:
            self._prime(x, nan_mask)
            self._all_started = bool(self._started.all())
        if has_gap:
            x = self._hold_gaps(x, nan_mask)
            self._last_valid = np.where(self._started, x[:, -1], np.nan)
        else:
            self._last_valid = x[:, -1].copy()
        out = self._run_cascades(x)
        if has_gap:
            out[nan_mask] = np.nan
        return out

    def _run_cascades(self, x: np.ndarray) -> np.ndarray:
        """Every channel through its group's cascade: one in-place kernel call per group."""
        if len(self._blocks) == 1:
            return run_sos(self._blocks[0][1], x, self._blocks[0][2])
        # Fancy indexing already makes the C-contiguous copy the kernel overwrites.
        y = np.array(x, order="C") if self._order is None else x[self._order]
        for rows, sos, zi in self._blocks:
            run_sos(sos, y[rows], zi, in_place=True)
        return y if self._unorder is None else y[self._unorder]


def filter_emg(
    data: np.ndarray,
    fs_hz: float,
    mains_hz: float | None | Sequence[float | None] = None,
    settings: FilterSettings | None = None,
) -> np.ndarray:
    """Filter a whole recording (n_channels, n) exactly as :class:`EmgFilter` streams it."""
    data = np.atleast_2d(np.asarray(data, dtype=np.float64))
    return EmgFilter(fs_hz, data.shape[0], mains_hz, settings).process(data)
