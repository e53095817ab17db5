import numpy as np
import pytest

from facetrainer.emg.ring_buffer import RingBuffer


def test_newest_window_comes_back_in_order_across_the_wrap():
    rb = RingBuffer(2, 10)
    for start in range(0, 25, 5):
        x = np.arange(start, start + 5, dtype=float)
        rb.write(np.vstack([x, -x]), x / 100)
    data, t = rb.get_data(7)
    np.testing.assert_array_equal(data[0], np.arange(18, 25))
    np.testing.assert_array_equal(data[1], -np.arange(18, 25))
    np.testing.assert_allclose(t, np.arange(18, 25) / 100)


def test_a_reader_that_keeps_up_loses_nothing_and_a_slow_one_is_told():
    rb = RingBuffer(1, 8)
    counter, got = 0, []
    for i in range(10):
        rb.write(np.full((1, 3), i, float), np.zeros(3))
        d, _, counter, lost = rb.read_since(counter)
        assert lost == 0
        got.extend(d[0])
    assert got == [float(i) for i in range(10) for _ in range(3)]
    rb.write(np.zeros((1, 20)), np.zeros(20))
    _, _, _, lost = rb.read_since(counter)
    assert lost == 12


def test_bad_shapes_name_the_argument():
    rb = RingBuffer(3, 10)
    with pytest.raises(ValueError, match="data must have shape"):
        rb.write(np.zeros((2, 4)), np.zeros(4))
    with pytest.raises(ValueError, match="times_s"):
        rb.write(np.zeros((3, 4)), np.zeros(3))
