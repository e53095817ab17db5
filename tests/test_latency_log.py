"""Latency records: percentiles in ms, bounded history, missing stamps ignored."""

from __future__ import annotations

import math

import pytest

from facetrainer.latency_log import LatencyLog


def test_percentiles_are_in_milliseconds_over_the_last_values():
    log = LatencyLog(maxlen=100)
    for i in range(200):  # only the last 100 (0.100 .. 0.199 s) are kept
        log.add(i / 1000.0)
    assert len(log) == 100 and log.n_total == 200
    p50, p95 = log.percentiles_ms((50.0, 95.0))
    assert p50 == pytest.approx(149.5) and p95 == pytest.approx(194.05)


def test_a_missing_stamp_is_ignored_and_an_empty_log_says_nan():
    log = LatencyLog()
    log.add(float("nan"))
    assert len(log) == 0
    assert all(math.isnan(v) for v in log.percentiles_ms())
    with pytest.raises(ValueError, match="maxlen must be at least 1, got 0"):
        LatencyLog(0)
