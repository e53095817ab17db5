"""EMG y-ranges change in steps, not on every redraw (each change re-lays an axis out)."""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.gui.emg_view import StableRange, nice_up


@pytest.mark.parametrize(("x", "up"), [(0.03, 0.03), (0.031, 0.04), (1.0, 1.0), (1.01, 1.2),
                                       (2.6, 3.0), (7.0, 8.0), (8.5, 10.0), (11.0, 12.0),
                                       (480.0, 500.0)])
def test_nice_numbers(x, up):
    assert nice_up(x) == pytest.approx(up)


def test_grows_at_once_to_hold_the_signal_and_shrinks_one_step_after_a_second():
    r = StableRange(minimum_half_range=2.0)
    lo, hi = r.update_bounds(0.0, 37.0, now_s=0.0)
    # half of 37 with 15 % headroom is 21.3: a round 25, centred on a multiple of 2.5
    assert (lo, hi) == (-7.5, 42.5) and r.half == 25.0
    # the burst ends: the range holds for a second, then shrinks to fit
    for k in range(29):
        assert r.update_bounds(0.0, 3.0, now_s=0.1 + k / 30) == (lo, hi)
    lo2, hi2 = r.update_bounds(0.0, 3.0, now_s=1.2)
    assert (lo2, hi2) == pytest.approx((-0.4, 3.6))  # the minimum half-range 2 around 1.6


def test_a_bursting_envelope_changes_the_range_a_few_times_not_every_redraw():
    """30 s of redraws at 30 Hz over an envelope with a 2 s burst every 5 s: the old range
    shrank by 10 % on every redraw after each burst (about 200 changes here)."""
    r = StableRange(minimum_half_range=2.0)
    shown, changes = None, 0
    rng = np.random.default_rng(1)
    for k in range(900):
        t = k / 30
        level = 40.0 if (t % 5.0) < 2.0 else 4.0
        hi = level * (1 + 0.1 * rng.random())
        rng_now = r.update_bounds(0.0, hi, now_s=t)
        assert rng_now[0] <= 0.0 and rng_now[1] >= hi  # never clips the signal
        if rng_now != shown:
            changes += 1
            shown = rng_now
    assert changes <= 13, changes  # grown at each burst's start, shrunk a second after it
