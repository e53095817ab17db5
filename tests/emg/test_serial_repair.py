"""Serial input that lies: bad device timestamps, absurd values, runaway lines (issue 16,
defect 4). Lines are fed to the parser with a controlled host clock, as the reader thread
feeds them, so every figure below is exact."""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.emg.processing import EmgProcessor
from facetrainer.emg.serial_source import _GAP_SLACK_S, MAX_LINE_BYTES, SerialEmgSource

from .test_serial_source import FakeDevice, wait_until

FS_HZ = 1000.0


class HostClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def parser(n_channels: int = 1, timestamp: bool = True) -> tuple[SerialEmgSource, HostClock]:
    src = SerialEmgSource(
        "/dev/null-test",
        fs_hz=FS_HZ,
        channel_names=tuple(f"ch{k}" for k in range(n_channels)),
        has_timestamp=timestamp,
    )
    clock = HostClock()
    src.host_clock = clock
    src._discard_first_fragment = False
    return src, clock


def feed(src: SerialEmgSource, clock: HostClock, lines: list[str], every_s: float) -> np.ndarray:
    """One read per line, ``every_s`` of host time apart; all samples delivered."""
    out = []
    for line in lines:
        clock.t += every_s
        out.append(src._parse((line + "\n").encode()))
    return np.hstack(out)


def test_one_corrupted_timestamp_is_counted_and_inserts_no_gap():
    src, clock = parser()
    ms = [0, 1, 2, 900, 4, 5, 6]  # the 4th line's clock is corrupted (0.9 s ahead)
    data = feed(src, clock, [f"{t},{t}" for t in ms], every_s=1 / FS_HZ)
    np.testing.assert_array_equal(data[0], ms)  # every sample once, no NaN inserted
    assert src.errors["bad_timestamp"] == 1


def test_a_glitching_device_clock_never_inflates_the_samples():
    src, clock = parser()
    rng = np.random.default_rng(7)
    glitching = rng.integers(0, 10**6, size=200)
    stamps = np.where(rng.random(200) < 0.3, glitching, np.arange(200))
    data = feed(src, clock, [f"{t},1" for t in stamps], every_s=1 / FS_HZ)
    allowed_nan = _GAP_SLACK_S * FS_HZ  # what the host clock lets through, at most
    assert data.shape[1] <= 200 + allowed_nan
    assert np.count_nonzero(~np.isnan(data[0])) == 200  # every line kept
    assert src.errors["bad_timestamp"] > 0


def test_a_real_gap_still_becomes_nan_as_long_as_the_host_saw_it():
    src, clock = parser()
    feed(src, clock, ["0,1", "1,2", "2,3"], every_s=1 / FS_HZ)
    clock.t += 0.3  # 300 ms of nothing: the device's lines were lost on the way
    data = feed(src, clock, ["303,4", "304,5"], every_s=1 / FS_HZ)
    assert data.shape[1] == 300 + 2
    assert np.isnan(data[0, :300]).all() and src.errors["bad_timestamp"] == 0


def test_a_device_reset_is_followed_after_two_agreeing_lines():
    src, clock = parser()
    data = feed(src, clock, ["5000,1", "5001,2", "0,3", "1,4", "2,5", "3,6"], every_s=1e-3)
    np.testing.assert_array_equal(data[0], [1, 2, 3, 4, 5, 6])
    assert src.errors["bad_timestamp"] == 1  # the jump back, once
    assert src._last_device_time_s == pytest.approx(0.003)


def test_an_absurd_value_is_counted_and_does_not_poison_the_envelope():
    src, clock = parser(n_channels=2, timestamp=False)
    rng = np.random.default_rng(3)
    lines = [f"{a:.3f},{b:.3f}" for a, b in rng.normal(0, 20, size=(400, 2))]
    lines[100] = "1e300,5"
    lines[101] = "inf,5"
    data = feed(src, clock, lines, every_s=1 / FS_HZ)
    assert src.errors["out_of_range"] == 2
    assert np.isnan(data[0, 100]) and np.isnan(data[0, 101]) and data[1, 100] == 5
    proc = EmgProcessor(FS_HZ, 2, None)
    _, env = proc.process(data)
    assert np.isfinite(env[0, 300:]).all()  # the envelope recovers after the bad value


def test_the_tail_of_an_over_long_line_is_not_a_sample():
    src, clock = parser(n_channels=1, timestamp=False)
    clock.t += 0.001
    first = src._parse(b"1\n" + b"9" * (MAX_LINE_BYTES + 10))  # runaway line, no newline yet
    tail = src._parse(b"77\n2\n")  # "…77" ends the runaway line
    np.testing.assert_array_equal(np.hstack([first, tail])[0], [1, 2])
    assert src.errors["garbage"] == 1


def test_the_status_keeps_the_skip_counts_while_data_flows(tmp_path):
    device = FakeDevice(str(tmp_path / "ttyEMG0"))
    src = SerialEmgSource(device.link, fs_hz=500.0, channel_names=("a",))
    src.start()
    try:
        assert src.wait_ready(5.0)
        device.send("1\n2\nxyz\n3\n")
        assert wait_until(lambda: "1 not a number" in src.status.message)
        for k in range(50):
            device.send(f"{k}\n")  # clean data keeps flowing
        assert wait_until(lambda: src.n_samples >= 52)
        assert "1 not a number" in src.status.message
    finally:
        src.stop()
        device.close()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fs_hz": 1e10}, "from 1 to 100000 Hz, got 10000000000.0"),
        ({"fs_hz": float("nan")}, "from 1 to 100000 Hz, got nan"),
        ({"channel_names": tuple(f"c{k}" for k in range(100))}, "100 channels"),
    ],
)
def test_absurd_options_are_refused_before_any_allocation(kwargs, message):
    from facetrainer.emg.source import EmgSourceError

    with pytest.raises(EmgSourceError, match=message):
        SerialEmgSource("/dev/ttyUSB0", **kwargs)
