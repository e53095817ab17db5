"""Peak bins of the EMG traces: streaming in any chunk sizes equals binning the whole window,
spikes and gaps survive, and the y-range bounds equal the samples' own min/max."""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.gui.peak_bins import PeakBins, decimate_peaks, finite_bounds

FS_HZ = 997.0  # an odd rate: bins never line up with seconds
N_CHANNELS = 3
PER_BIN = 13
N_BINS = 150


def _signal(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    data = rng.normal(0.0, 5.0, (N_CHANNELS, n))
    data[1, 500:540] = np.nan  # a gap on one channel
    data[2, min(1234, n - 1)] = 400.0  # one spike
    return data, np.arange(n) / FS_HZ


def test_streaming_in_random_chunks_equals_the_whole_window():
    data, t = _signal(5000)
    whole = PeakBins(N_CHANNELS, PER_BIN, N_BINS)
    whole.add(data, t)
    streamed = PeakBins(N_CHANNELS, PER_BIN, N_BINS)
    rng = np.random.default_rng(1)
    i = 0
    while i < t.size:
        n = int(rng.integers(1, 90))
        streamed.add(data[:, i:i + n], t[i:i + n])
        i += n
    tw, yw = whole.curves()
    ts, ys = streamed.curves()
    np.testing.assert_array_equal(tw, ts)
    np.testing.assert_array_equal(yw, ys)


def test_bins_keep_the_newest_window_with_spikes_and_the_newest_sample():
    data, t = _signal(2100)
    bins = PeakBins(N_CHANNELS, PER_BIN, N_BINS)
    bins.add(data, t)
    tb, yb = bins.curves()
    assert tb[-1] == pytest.approx(t[-1])  # the partly filled bin shows at once
    assert bins.newest_time_s == pytest.approx(t[-1])
    kept_from = t.size - (bins.n_full * PER_BIN + t.size % PER_BIN)
    assert tb[0] == pytest.approx(t[kept_from])
    assert np.nanmax(yb[2]) == 400.0  # the spike survives binning
    lo, hi = finite_bounds(yb)
    np.testing.assert_allclose(lo, np.nanmin(data[:, kept_from:], axis=1))
    np.testing.assert_allclose(hi, np.nanmax(data[:, kept_from:], axis=1))


def test_full_bins_match_decimate_peaks_on_aligned_data():
    data, t = _signal(PER_BIN * 40)
    bins = PeakBins(N_CHANNELS, PER_BIN, N_BINS)
    bins.add(data, t)
    td, yd = decimate_peaks(t, data, 40)
    tb, yb = bins.curves()
    np.testing.assert_array_equal(tb, td)
    np.testing.assert_array_equal(yb, yd)


def test_a_channel_without_finite_values_has_no_bounds():
    lo, hi = finite_bounds(np.array([[np.nan, np.nan], [1.0, -2.0]]))
    assert np.isnan(lo[0]) and np.isnan(hi[0])
    assert (lo[1], hi[1]) == (-2.0, 1.0)


def test_bad_bin_sizes_are_refused_with_their_values():
    with pytest.raises(ValueError, match="samples_per_bin and n_bins must be >= 1, got 0, 5"):
        PeakBins(2, 0, 5)
