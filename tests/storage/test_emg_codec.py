"""The EMG chunk codec: bit-exact round trips, smaller than raw, damage detected."""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.storage.emg_codec import (
    CODEC_RAW,
    EmgCodecError,
    decode_chunk,
    encode_chunk,
)

TIMES_RATIO_MAX = 0.05  # evenly stamped times shrink at least 20-fold
ADC_RATIO_MAX = 0.5  # integer ADC counts at least halve


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).view(np.uint8)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 500, 4001])
def test_round_trip_is_bit_exact_with_gaps_and_odd_values(n):
    rng = np.random.default_rng(n)
    data = rng.normal(0, 30, (12, n)).astype(np.float32)
    if n > 3:
        data[2, 1:3] = np.nan  # a gap
        data[5, 0] = np.inf
        data[7, 1] = -0.0
    times = 812.25 + np.arange(n) / 1000.0
    if n > 10:
        times[n // 2 :] += 0.137  # re-anchored clock
    codec, blob, tblob = encode_chunk(data, times)
    got, got_t = decode_chunk(codec, blob, tblob, 12, n)
    np.testing.assert_array_equal(_bits(got), _bits(data))
    np.testing.assert_array_equal(_bits(got_t), _bits(times))


def test_raw_chunks_of_older_databases_still_read():
    data = np.arange(6, dtype=np.float32).reshape(2, 3)
    times = np.array([1.0, 1.001, 1.002])
    got, got_t = decode_chunk(CODEC_RAW, data.tobytes(), times.tobytes(), 2, 3)
    np.testing.assert_array_equal(got, data)
    np.testing.assert_array_equal(got_t, times)


def test_times_and_integer_adc_counts_shrink():
    rng = np.random.default_rng(1)
    n = 2000
    times = 100.0 + np.arange(n) / 2000.0
    counts = np.round(rng.normal(512, 40, (16, n))).astype(np.float32)
    _, blob, tblob = encode_chunk(counts, times)
    assert len(tblob) < TIMES_RATIO_MAX * times.nbytes
    assert len(blob) < ADC_RATIO_MAX * counts.nbytes


def test_a_damaged_chunk_is_refused_with_a_message():
    _, blob, tblob = encode_chunk(np.ones((2, 100), np.float32), np.arange(100.0))
    with pytest.raises(EmgCodecError, match="damaged"):
        decode_chunk(1, blob[:-7], tblob, 2, 100)
    with pytest.raises(EmgCodecError, match="newer FaceTrainer"):
        decode_chunk(9, blob, tblob, 2, 100)
