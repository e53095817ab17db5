"""Min/max bins of a scrolling EMG window, updated with only the samples that arrived.

Drawing a 10 s window of 16 channels at 2 kHz by handing every sample to pyqtgraph (or by
decimating the whole window again on every redraw) costs the GUI thread more than a frame
period. :class:`PeakBins` keeps the window as at most ``n_bins`` (min, max) pairs per channel,
aligned to absolute sample counts so that a bin, once full, never changes: a redraw reduces
only the new samples, and the y-range comes from the bins (a few hundred values per channel)
instead of a percentile over the whole window.
"""

from __future__ import annotations

import numpy as np


class PeakBins:
    """A scrolling window as per-bin minima and maxima (NaN-aware), newest bin last.

    Parameters
    ----------
    n_channels : int
        Rows of the data handed to :meth:`add`.
    samples_per_bin : int
        Samples reduced into one (min, max) pair; ``window samples / n_bins`` rounded up
        gives about two points per pixel of an 800-pixel-wide plot.
    n_bins : int
        Full bins kept; older bins scroll out.
    """

    def __init__(self, n_channels: int, samples_per_bin: int, n_bins: int) -> None:
        if samples_per_bin < 1 or n_bins < 1:
            raise ValueError(
                f"samples_per_bin and n_bins must be >= 1, got {samples_per_bin}, {n_bins}"
            )
        self.samples_per_bin = int(samples_per_bin)
        self.n_bins = int(n_bins)
        self.lo = np.full((n_channels, n_bins), np.nan)
        self.hi = np.full((n_channels, n_bins), np.nan)
        self.t_first = np.full(n_bins, np.nan)  # time of each bin's first and last sample
        self.t_last = np.full(n_bins, np.nan)
        self._pending = np.zeros((n_channels, 0))  # samples of the bin being filled
        self._pending_t = np.zeros(0)
        self.n_full = 0  # full bins held (<= n_bins)

    def add(self, data: np.ndarray, times_s: np.ndarray) -> None:
        """Append samples ``data`` (n_channels, n) taken at ``times_s`` (n,)."""
        if times_s.size == 0:
            return
        if self._pending_t.size:
            data = np.concatenate([self._pending, data], axis=1)
            times_s = np.concatenate([self._pending_t, times_s])
        spb = self.samples_per_bin
        n_new = min(times_s.size // spb, self.n_bins)
        used = times_s.size - times_s.size % spb  # samples that fill whole bins
        if n_new:
            start = used - n_new * spb  # bins older than the window are never reduced
            blocks = data[:, start:used].reshape(data.shape[0], n_new, spb)
            tb = times_s[start:used].reshape(n_new, spb)
            for arr, new in (
                (self.lo, np.fmin.reduce(blocks, axis=2)),
                (self.hi, np.fmax.reduce(blocks, axis=2)),
            ):
                arr[:, :-n_new] = arr[:, n_new:]
                arr[:, -n_new:] = new
            for arr, new in ((self.t_first, tb[:, 0]), (self.t_last, tb[:, -1])):
                arr[:-n_new] = arr[n_new:]
                arr[-n_new:] = new
            self.n_full = min(self.n_bins, self.n_full + n_new)
        self._pending = data[:, used:]
        self._pending_t = times_s[used:]

    @property
    def newest_time_s(self) -> float | None:
        if self._pending_t.size:
            return float(self._pending_t[-1])
        return float(self.t_last[-1]) if self.n_full else None

    def curves(self) -> tuple[np.ndarray, np.ndarray]:
        """Times (2k,) and values (n_channels, 2k): min then max of each bin, interleaved,
        the partly filled newest bin included so that the newest sample shows at once."""
        k = self.n_full
        lo, hi = self.lo[:, self.n_bins - k :], self.hi[:, self.n_bins - k :]
        t0, t1 = self.t_first[self.n_bins - k :], self.t_last[self.n_bins - k :]
        if self._pending_t.size:
            lo = np.concatenate([lo, np.fmin.reduce(self._pending, axis=1)[:, None]], axis=1)
            hi = np.concatenate([hi, np.fmax.reduce(self._pending, axis=1)[:, None]], axis=1)
            t0 = np.append(t0, self._pending_t[0])
            t1 = np.append(t1, self._pending_t[-1])
        t = np.column_stack([t0, t1]).ravel()
        y = np.stack([lo, hi], axis=2).reshape(lo.shape[0], 2 * lo.shape[1])
        return t, y

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-channel minimum and maximum over the held bins (see :func:`finite_bounds`)."""
        return finite_bounds(self.curves()[1])


def finite_bounds(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row minimum and maximum of the finite values of ``y`` (n_rows, n); NaN for a row
    without any. On peak bins this is what a y-range needs, from a few hundred values per
    channel instead of a percentile over every sample of the window."""
    finite = np.isfinite(y)
    lo = np.where(finite, y, np.inf).min(axis=1, initial=np.inf)
    hi = np.where(finite, y, -np.inf).max(axis=1, initial=-np.inf)
    none = ~finite.any(axis=1)
    lo[none], hi[none] = np.nan, np.nan
    return lo, hi


def decimate_peaks(t: np.ndarray, data: np.ndarray, max_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Min and max of each of at most ``max_bins`` bins (NaN-aware), interleaved in time.

    What pyqtgraph's "peak" downsampling does, but once for all channels and before
    ``setData``: a 10 s window of 16 channels at 2 kHz becomes 1600 points per trace and
    keeps every spike visible.
    """
    n = t.size
    per_bin = int(np.ceil(n / max_bins))
    if per_bin <= 1:
        return t, data
    n_bins = n // per_bin
    start = n - n_bins * per_bin  # keep the newest samples aligned to the right edge
    blocks = data[:, start:].reshape(data.shape[0], n_bins, per_bin)
    lo = np.fmin.reduce(blocks, axis=2)  # NaN only where a whole bin is a gap
    hi = np.fmax.reduce(blocks, axis=2)
    tb = t[start:].reshape(n_bins, per_bin)
    t_out = np.column_stack([tb[:, 0], tb[:, -1]]).ravel()
    y_out = np.stack([lo, hi], axis=2).reshape(data.shape[0], 2 * n_bins)
    return t_out, y_out
