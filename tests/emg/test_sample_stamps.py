"""Sample times of a live EMG source: spaced at the nominal rate, never after the sample
arrived, increasing (issue 14, item 3: the EMG-to-screen delay had read negative)."""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.emg.source import EmgSource, EmgStreamInfo

FS_HZ = 1000.0
CHUNK = 50


class ClockedSource(EmgSource):
    """Stamps chunks as they 'arrive' at times the test sets."""

    def __init__(self) -> None:
        super().__init__("clocked")
        self.info = EmgStreamInfo(FS_HZ, ("a",))

    def _open(self) -> EmgStreamInfo:  # pragma: no cover - never started
        return self.info

    def _read_chunk(self):  # pragma: no cover
        return None


def stamp_all(monkeypatch, arrivals: list[float]) -> list[np.ndarray]:
    src = ClockedSource()
    out = []
    for t in arrivals:
        monkeypatch.setattr("facetrainer.clock.now", lambda t=t: t)
        out.append(src._stamp(CHUNK))
    return out


def check_never_ahead_and_increasing(arrivals, stamps) -> None:
    for t, times in zip(arrivals, stamps, strict=True):
        assert times[-1] <= t + 1e-12
    flat = np.concatenate(stamps)
    assert np.all(np.diff(flat) > 0)


def test_on_time_chunks_are_spaced_at_the_nominal_rate(monkeypatch):
    arrivals = [1.0 + k * CHUNK / FS_HZ for k in range(40)]
    stamps = stamp_all(monkeypatch, arrivals)
    check_never_ahead_and_increasing(arrivals, stamps)
    assert np.diff(np.concatenate(stamps)) == pytest.approx(1 / FS_HZ)
    assert stamps[-1][-1] == pytest.approx(arrivals[-1])


def test_a_late_first_chunk_does_not_put_later_samples_in_the_future(monkeypatch):
    """The device's first chunk arrives 80 ms late (it was starting), the second with it;
    later chunks arrive on time: their samples are stamped at most at their arrival."""
    arrivals = [1.08, 1.0801] + [1.0 + k * CHUNK / FS_HZ for k in range(2, 40)]
    stamps = stamp_all(monkeypatch, arrivals)
    check_never_ahead_and_increasing(arrivals, stamps)
    assert stamps[-1][-1] == pytest.approx(arrivals[-1])  # caught up with the clock
    assert np.diff(stamps[-1]) == pytest.approx(1 / FS_HZ)  # and back at the nominal rate


def test_a_fast_device_clock_and_jitter_never_run_ahead(monkeypatch):
    rng = np.random.default_rng(3)
    # 0.5 % fast (1005 Hz delivered as "1000 Hz") with 0-30 ms delivery jitter
    arrivals = list(1.0 + np.arange(400) * CHUNK / 1005.0 + rng.uniform(0, 0.03, 400))
    arrivals = list(np.maximum.accumulate(arrivals))
    stamps = stamp_all(monkeypatch, arrivals)
    check_never_ahead_and_increasing(arrivals, stamps)
    lag = np.array([t - s[-1] for t, s in zip(arrivals, stamps, strict=True)])
    assert lag.max() < 0.25 + CHUNK / FS_HZ


def test_a_stalled_device_is_re_anchored_when_it_falls_behind(monkeypatch):
    arrivals = [1.0 + k * CHUNK / FS_HZ for k in range(10)] + [3.0, 3.05]
    stamps = stamp_all(monkeypatch, arrivals)
    check_never_ahead_and_increasing(arrivals, stamps)
    assert stamps[-2][-1] == pytest.approx(3.0)  # after the 1.5 s stall: at its arrival
