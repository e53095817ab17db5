"""Moving-RMS envelope against a direct computation, streamed in chunks of any size."""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.emg.envelope import EmgEnvelope, EnvelopeSettings

ENVELOPE_ATOL_UV = 1e-9  # running sums against a direct mean, on signals of tens of µV


def direct_moving_rms(x: np.ndarray, window: int) -> np.ndarray:
    """RMS of the valid samples among the last ``window`` (NaN where the input is NaN)."""
    valid = np.isfinite(x)
    sq = np.where(valid, x, 0.0) ** 2
    out = np.full(x.shape, np.nan)
    for i in range(x.shape[1]):
        lo = max(0, i - window + 1)
        count = np.maximum(valid[:, lo : i + 1].sum(axis=1), 1)
        out[:, i] = np.sqrt(sq[:, lo : i + 1].sum(axis=1) / count)
    out[~valid] = np.nan
    return out


@pytest.mark.parametrize("fs_hz", (250.0, 1000.0))
def test_streamed_envelope_equals_the_direct_moving_rms_through_gaps(fs_hz):
    rng = np.random.default_rng(12)
    n = int(4 * fs_hz)
    x = 20.0 * rng.standard_normal((3, n))
    x[0, int(1.5 * fs_hz) : int(1.6 * fs_hz)] = np.nan  # a gap after the window filled
    x[1, :7] = np.nan  # a channel that starts late
    x[2, int(3.0 * fs_hz)] = np.inf  # one bad sample
    settings = EnvelopeSettings(window_s=0.1)
    env = EmgEnvelope(fs_hz, 3, settings)
    pieces, i = [], 0
    while i < n:
        size = int(rng.integers(1, 3 * env.window_samples))  # shorter and longer than N
        pieces.append(env.process(x[:, i : i + size]))
        i += size
    expected = direct_moving_rms(x, env.window_samples)
    np.testing.assert_allclose(np.hstack(pieces), expected, atol=ENVELOPE_ATOL_UV, equal_nan=True)


def test_one_chunk_longer_than_the_history_buffer_equals_small_chunks():
    rng = np.random.default_rng(3)
    fs_hz = 500.0
    x = 10.0 * rng.standard_normal((2, 5000))  # 100 windows of 50 samples in one chunk
    whole = EmgEnvelope(fs_hz, 2).process(x)
    env = EmgEnvelope(fs_hz, 2)
    small = np.hstack([env.process(x[:, i : i + 10]) for i in range(0, x.shape[1], 10)])
    np.testing.assert_allclose(small, whole, atol=ENVELOPE_ATOL_UV)
