"""A stream is shown as live only while it streams and its data is recent."""

from __future__ import annotations

import pytest

from facetrainer.source_health import STALE_AFTER_S, source_health
from facetrainer.source_status import SourceState, SourceStatus


def status(state, message=""):
    return SourceStatus("EMG", state, message)


@pytest.mark.parametrize(
    ("state", "message", "newest", "alive", "reason"),
    [
        (SourceState.STREAMING, "", 99.8, True, ""),
        (SourceState.STREAMING, "", 100.0 - STALE_AFTER_S - 0.5, False, "no data for 1.5 s"),
        (SourceState.STREAMING, "", None, False, "no data yet"),
        (SourceState.FAILED, "port vanished", 99.9, False, "failed: port vanished"),
        (SourceState.DISCONNECTED, "unplugged", 99.9, False, "disconnected: unplugged"),
        (SourceState.FINISHED, "", 99.9, False, "the recording ended"),
        (SourceState.CONNECTING, "", None, False, "connecting…"),
    ],
)
def test_health_follows_state_and_data_age(state, message, newest, alive, reason):
    h = source_health(status(state, message), newest, now_s=100.0)
    assert (h.alive, h.reason) == (alive, reason)
