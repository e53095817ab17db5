"""Causal EMG envelopes, streamed chunk by chunk with carried state.

Two methods, both in µV:

- ``"rms"`` (default): moving root-mean-square over the last ``window_s`` seconds. Only
  valid samples count (a gap neither drags the envelope down nor smears into it); the
  output is NaN where the input is NaN. After a step in EMG amplitude the envelope
  reaches half its new level after ``window_s / 4`` (the RMS of a window that is partly
  filled grows as the square root of the filled fraction); its centre of mass lags by
  ``(N - 1) / 2`` samples, i.e. ~``window_s / 2``.
- ``"lowpass"``: full-wave rectification followed by a 2nd-order Butterworth low-pass at
  ``lowpass_hz`` (a rectified Gaussian signal has mean ``sqrt(2/pi)`` times its RMS; the
  output is scaled by ``sqrt(pi/2)`` so both methods read the same for Gaussian EMG).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from facetrainer.emg.finite import has_only_finite

ENVELOPE_METHODS = ("rms", "lowpass")

_HISTORY_SLACK = 4
"""The history buffers hold this many windows beyond the window itself, so the last
window is copied back to the front only once every few chunks."""


@dataclass(frozen=True)
class EnvelopeSettings:
    """Envelope method and parameters."""

    method: str = "rms"
    window_s: float = 0.1
    lowpass_hz: float = 6.0

    def __post_init__(self) -> None:
        if self.method not in ENVELOPE_METHODS:
            raise ValueError(
                f"envelope method must be one of {ENVELOPE_METHODS}, got {self.method!r}"
            )
        if not self.window_s > 0:
            raise ValueError(f"envelope window_s must be > 0, got {self.window_s!r}")
        if not self.lowpass_hz > 0:
            raise ValueError(f"envelope lowpass_hz must be > 0, got {self.lowpass_hz!r}")


class EmgEnvelope:
    """Streaming envelope of filtered EMG (n_channels, n) → (n_channels, n) µV."""

    def __init__(
        self, fs_hz: float, n_channels: int, settings: EnvelopeSettings | None = None
    ) -> None:
        self.fs_hz = float(fs_hz)
        self.n_channels = int(n_channels)
        self.settings = settings or EnvelopeSettings()
        s = self.settings
        self.window_samples = max(1, int(round(s.window_s * self.fs_hz)))
        # Moving RMS state: squared samples and their validity (1.0/0.0) in preallocated
        # buffers whose ``w`` columns before ``_pos`` are the window's history, so a chunk
        # is written in place instead of concatenated onto the history (see _moving_rms).
        w = self.window_samples
        self._sq = np.zeros((self.n_channels, w + _HISTORY_SLACK * w))
        self._valid = np.zeros_like(self._sq)
        self._pos = w
        self._sum_sq = np.zeros(self.n_channels)
        self._count = np.zeros(self.n_channels)
        self._full = False  # every sample in the window valid: the count is simply N
        self._valid_stale = False  # _valid not written since the window was last full
        if s.method == "lowpass":
            cutoff = min(s.lowpass_hz, 0.45 * self.fs_hz)
            from scipy import signal  # lazy: see facetrainer.emg.filters

            self._lp_sos = np.asarray(signal.butter(2, cutoff, fs=self.fs_hz, output="sos"))
            self._lp_sosfilt = signal.sosfilt
            self._lp_zi = np.zeros((self._lp_sos.shape[0], self.n_channels, 2))

    def process(self, filtered: np.ndarray, known_finite: bool = False) -> np.ndarray:
        """Envelope of one chunk of band-passed EMG (NaN marks gaps).

        ``known_finite``: the caller already knows the chunk has no gap (the filter's fast
        path saw a finite input), so the check is skipped; a wrong True is the caller's bug.
        """
        y = np.asarray(filtered, dtype=np.float64)
        if y.ndim != 2 or y.shape[0] != self.n_channels:
            raise ValueError(f"chunk must have shape ({self.n_channels}, n), got {y.shape}")
        if y.shape[1] == 0:
            return y.copy()
        has_gap = not known_finite and not has_only_finite(y)
        invalid = ~np.isfinite(y) if has_gap else None
        y0 = np.where(invalid, 0.0, y) if invalid is not None else y
        if self.settings.method == "lowpass":
            env, self._lp_zi = self._lp_sosfilt(
                self._lp_sos, np.abs(y0), axis=-1, zi=self._lp_zi
            )
            env = np.maximum(env, 0.0) * np.sqrt(np.pi / 2.0)
        else:
            env = self._moving_rms(y0, invalid)
        if invalid is not None:
            env[invalid] = np.nan
        return env

    def _make_room(self, n: int) -> int:
        """Column where a chunk of ``n`` samples goes, with the window's history before it."""
        w = self.window_samples
        if self._pos + n > self._sq.shape[1]:
            size = max(self._sq.shape[1], w + n)
            for name in ("_sq", "_valid"):
                old = getattr(self, name)
                new = old if size == old.shape[1] else np.empty((self.n_channels, size))
                new[:, :w] = old[:, self._pos - w : self._pos]
                setattr(self, name, new)
            self._pos = w
        return self._pos

    def _moving_rms(self, y: np.ndarray, invalid: np.ndarray | None) -> np.ndarray:
        """Running sums: each output adds its new sample and drops the one N samples back.

        ``y`` has zeros in its gaps (``invalid``). The dropped samples lie ``w`` columns
        before the new ones in the same buffer, also when the chunk is longer than the
        window, so one subtraction and one cumulative sum do the whole chunk.
        """
        n = y.shape[1]
        w = self.window_samples
        p = self._make_room(n)
        new = np.multiply(y, y, out=self._sq[:, p : p + n])
        sums = np.subtract(new, self._sq[:, p - w : p - w + n])
        np.add.accumulate(sums, axis=1, out=sums)  # cumsum, without its wrapper's cost
        sums += self._sum_sq[:, None]
        self._sum_sq = sums[:, -1].copy()
        if self._full and invalid is None:
            count: np.ndarray | float = float(w)
            self._valid_stale = True  # not written: every sample of the window is valid
        else:
            if self._valid_stale:
                self._valid[:, p - w : p] = 1.0
                self._valid_stale = False
            valid = self._valid[:, p : p + n]
            valid[...] = 1.0 if invalid is None else ~invalid
            counts = np.subtract(valid, self._valid[:, p - w : p - w + n])
            np.add.accumulate(counts, axis=1, out=counts)
            counts += self._count[:, None]
            self._count = counts[:, -1].copy()
            self._full = bool(self._count.min() >= w)
            count = np.maximum(counts, 1.0)
        self._pos = p + n
        np.maximum(sums, 0.0, out=sums)  # rounding can leave -1e-12 after a burst
        sums /= count
        return np.sqrt(sums, out=sums)


def compute_envelope(
    filtered: np.ndarray, fs_hz: float, settings: EnvelopeSettings | None = None
) -> np.ndarray:
    """Envelope of a whole filtered recording, identical to streaming it."""
    filtered = np.atleast_2d(np.asarray(filtered, dtype=np.float64))
    return EmgEnvelope(fs_hz, filtered.shape[0], settings).process(filtered)


def measure_step_delay_s(
    fs_hz: float, settings: EnvelopeSettings | None = None, duration_s: float = 2.0, seed: int = 0
) -> float:
    """Delay the envelope adds after a step in EMG amplitude: time to half the new level.

    A seeded Gaussian noise burst (amplitude 1 → 10) starts at ``duration_s / 2``; the
    delay is the time from the step to the first envelope sample above half-way between
    the old and the new settled envelope levels.
    """
    rng = np.random.default_rng(seed)
    n = int(duration_s * fs_hz)
    step = n // 2
    x = rng.standard_normal((1, n))
    x[:, step:] *= 10.0
    env = compute_envelope(x, fs_hz, settings)[0]
    settle = int(0.3 * fs_hz)
    before = float(np.mean(env[step - settle : step]))
    after = float(np.mean(env[-settle:]))
    half = 0.5 * (before + after)
    crossing = step + int(np.argmax(env[step:] > half))
    return (crossing - step) / fs_hz
