"""The serial source on a real pseudo-terminal: the same pyserial path a USB device takes."""

from __future__ import annotations

import os
import tty

import numpy as np
import pytest

from facetrainer.emg.serial_source import SerialEmgSource
from facetrainer.source_status import SourceState

from .conftest import wait_until


class FakeDevice:
    """A pty pair whose slave is reached through a symlink, as udev names a USB device."""

    def __init__(self, link: str) -> None:
        self.link = link
        self.master = -1
        self.plug()

    def plug(self) -> None:
        self.master, slave = os.openpty()
        tty.setraw(self.master)
        self.slave_path = os.ttyname(slave)
        os.close(slave)  # the source opens it by path, as it would a USB device
        if os.path.lexists(self.link):
            os.remove(self.link)
        os.symlink(self.slave_path, self.link)

    def send(self, text: str | bytes) -> None:
        os.write(self.master, text.encode() if isinstance(text, str) else text)

    def unplug(self) -> None:
        os.close(self.master)
        self.master = -1
        os.remove(self.link)

    def close(self) -> None:
        if self.master >= 0:
            os.close(self.master)


@pytest.fixture
def device(tmp_path):
    dev = FakeDevice(str(tmp_path / "ttyEMG0"))
    yield dev
    dev.close()


@pytest.fixture
def started_source(device):
    src = SerialEmgSource(device.link, fs_hz=500.0, channel_names=("zyg_l", "zyg_r"))
    src.reconnect_interval_s = 0.05
    src.start()
    assert src.wait_ready(5.0), src.status
    yield src
    src.stop()


def test_clean_lines_arrive_in_order(device, started_source):
    lines = "".join(f"{i},{-i}\n" for i in range(200))
    device.send(lines)
    assert wait_until(lambda: started_source.n_samples >= 200)
    data, _ = started_source.ring.get_data()
    np.testing.assert_array_equal(data[0], np.arange(200))
    np.testing.assert_array_equal(data[1], -np.arange(200))
    assert sum(started_source.errors.values()) == 0


def test_garbage_wrong_columns_and_non_numbers_are_counted_and_skipped(device, started_source):
    device.send("1,2\n")
    device.send(b"\xff\xfe\x00junk\n")  # garbage bytes
    device.send("3,4,5\n")  # wrong column count
    device.send("6,abc\n")  # not a number
    device.send("7\t8\r\n")  # tab-separated, CRLF: fine
    device.send("# a comment\n\n")  # ignored
    device.send("9 1")  # partial...
    device.send("0\n")  # ...completed later: one line "9 10"
    assert wait_until(lambda: started_source.n_samples >= 3)
    data, _ = started_source.ring.get_data()
    np.testing.assert_array_equal(data, [[1, 7, 9], [2, 8, 10]])
    errors = started_source.errors
    assert errors["garbage"] == 1
    assert errors["wrong_columns"] == 1
    assert errors["not_a_number"] == 1
    assert wait_until(lambda: "wrong columns" in started_source.status.message)
    assert started_source.status.state == SourceState.STREAMING


def test_unplug_marks_disconnected_keeps_samples_and_replug_resumes(device, started_source):
    device.send("".join(f"{i},{i}\n" for i in range(50)))
    assert wait_until(lambda: started_source.n_samples >= 50)
    device.send("51,5")  # cut off by the unplug
    device.unplug()
    assert wait_until(lambda: started_source.status.state == SourceState.DISCONNECTED)
    assert "reconnecting" in started_source.status.message
    data, _ = started_source.ring.get_data()
    assert data.shape[1] == 50  # what was received stays
    device.plug()
    assert wait_until(lambda: started_source.status.state == SourceState.STREAMING)
    device.send("".join(f"{i},{i}\n" for i in range(100, 130)))
    assert wait_until(lambda: started_source.n_samples >= 80)
    data, _ = started_source.ring.get_data()
    np.testing.assert_array_equal(data[0, :50], np.arange(50))
    np.testing.assert_array_equal(data[0, 50:], np.arange(100, 130))
    assert started_source.n_disconnects == 1
    assert started_source._thread is not None and started_source._thread.is_alive()


def test_device_timestamps_turn_lost_samples_into_nan_gaps(device):
    src = SerialEmgSource(device.link, fs_hz=1000.0, channel_names=("a",), has_timestamp=True)
    src.start()
    try:
        assert src.wait_ready(5.0)
        device.send("0,1\n1,2\n2,3\n6,7\n7,8\n")  # ms 3, 4, 5 lost
        assert wait_until(lambda: src.n_samples >= 8)
        data, _ = src.ring.get_data()
        np.testing.assert_array_equal(data[0], [1, 2, 3, np.nan, np.nan, np.nan, 7, 8])
    finally:
        src.stop()


def test_a_missing_port_fails_with_its_name(tmp_path):
    src = SerialEmgSource(str(tmp_path / "nope"), channel_names=("a",))
    src.start()
    assert not src.wait_ready(5.0)
    assert src.status.state == SourceState.FAILED
    assert "nope" in src.status.message


def test_a_cut_first_line_counts_as_partial_and_a_runaway_line_as_garbage(device):
    src = SerialEmgSource(device.link, fs_hz=500.0, channel_names=("a", "b"))
    src.start()
    try:
        assert src.wait_ready(5.0)
        device.send("7\n1,2\n")  # joined mid-line: "7" is the tail of a sample
        assert wait_until(lambda: src.n_samples >= 1)
        device.send("9" * 5000)  # no newline for 5000 bytes: a stuck or noisy line
        device.send("\n3,4\n")
        assert wait_until(lambda: src.n_samples >= 2)
        errors = src.errors
        assert errors["partial_line"] == 1 and errors["wrong_columns"] == 0
        assert errors["garbage"] == 1
        data, _ = src.ring.get_data()
        np.testing.assert_array_equal(data, [[1, 3], [2, 4]])
    finally:
        src.stop()
