"""Choosing and testing an EMG device: boards by name, their fields, rates, a one-second read."""

from __future__ import annotations

import pytest

from facetrainer.emg.board_catalog import (
    board_choice,
    board_fields,
    board_info,
    brainflow_boards,
    sampling_rate_warning,
    serial_ports,
)
from facetrainer.emg.connection import (
    ConnectionSettings,
    ConnectionSettingsError,
    SerialSettings,
    check_settings,
    probe_connection,
)
from facetrainer.emg.serial_source import SerialEmgSource

RMS_TOLERANCE = 0.15  # relative, for a sine of known amplitude in noise


def test_boards_are_brainflows_own_list_by_name():
    boards = brainflow_boards()
    assert boards[0].enum_name == "SYNTHETIC_BOARD"
    assert {"CYTON_BOARD", "GANGLION_BOARD", "CYTON_WIFI_BOARD"} <= {b.enum_name for b in boards}
    assert board_choice("cyton").board_id == 0
    assert board_choice("CYTON_DAISY_BOARD").board_id == 2
    with pytest.raises(Exception, match="unknown BrainFlow board 'toaster'"):
        board_choice("toaster")


def test_each_board_shows_only_the_fields_it_needs():
    assert board_fields(board_choice("SYNTHETIC_BOARD").board_id).shown == ()
    assert board_fields(0).required == ("serial_port",)
    assert board_fields(board_choice("CYTON_WIFI_BOARD").board_id).required == ("ip_port",)
    playback = board_fields(board_choice("PLAYBACK_FILE_BOARD").board_id)
    assert playback.required == ("file", "master_board")


def test_rate_and_channels_are_known_before_connecting_with_a_low_rate_warning():
    cyton = board_info(0)
    assert (cyton.fs_hz, cyton.n_channels) == (250.0, 8)
    warning = sampling_rate_warning(cyton.fs_hz)
    assert "125–500 Hz is lost" in warning
    wifi = board_info(board_choice("CYTON_WIFI_BOARD").board_id)
    assert wifi.fs_hz == 1000.0 and sampling_rate_warning(wifi.fs_hz) is None


def test_a_board_without_its_serial_port_is_refused_naming_board_and_field():
    with pytest.raises(ConnectionSettingsError, match=r"Cyton .*Serial port is empty") as err:
        check_settings(ConnectionSettings(board="CYTON_BOARD"))
    assert err.value.field_name == "serial_port"


def test_a_board_that_fails_to_prepare_gives_board_field_and_brainflows_reason(tmp_path):
    settings = ConnectionSettings(board="CYTON_BOARD")
    settings.params.serial_port = str(tmp_path / "ttyNOPE")
    with pytest.raises(ConnectionSettingsError) as err:
        probe_connection(settings, timeout_s=20.0)
    text = str(err.value)
    assert "Cyton" in text and "ttyNOPE" in text and "UNABLE_TO_OPEN_PORT_ERROR" in text
    assert err.value.field_name == "serial_port"


def test_synthetic_board_by_name_reads_one_second_per_channel():
    report = probe_connection(ConnectionSettings(board="SYNTHETIC_BOARD"), duration_s=1.0)
    assert report.fs_hz == 250.0 and report.n_samples >= 250
    assert len(report.channels) == 16
    assert all(c.rms_uv > 0 for c in report.channels)


def test_serial_device_on_a_pty_reads_one_second_with_its_amplitudes(streaming_pty):
    settings = ConnectionSettings(
        kind="serial", serial=SerialSettings(streaming_pty.link, fs_hz=500.0, n_channels=2)
    )
    report = probe_connection(settings, duration_s=1.0)
    assert report.n_samples >= 500
    for i, ch in enumerate(report.channels):
        expected = 40.0 * (i + 1) / 2**0.5  # RMS of a sine of peak 40·(i+1) µV
        assert ch.rms_uv == pytest.approx(expected, rel=RMS_TOLERANCE)
        assert ch.verdict == "ok"


def test_typed_ports_follow_the_listed_ones_once():
    ports = serial_ports(extra=["/dev/ttyEMG", "/dev/ttyEMG", " "])
    typed = [p for p in ports if not p.listed]
    assert [p.device for p in typed] == ["/dev/ttyEMG"] and "(typed)" in typed[0].label


def test_settings_round_trip_and_build_the_right_source():
    s = ConnectionSettings(
        kind="serial",
        serial=SerialSettings("/dev/ttyUSB0", fs_hz=1000.0, n_channels=3, scale_uv=2.5,
                              is_envelope=True),
    )
    again = ConnectionSettings.from_dict({**s.to_dict(), "future_key": 1})
    assert again == s and again.device_key() == "serial:/dev/ttyUSB0"
    source = again.build_source()
    assert isinstance(source, SerialEmgSource) and source.is_envelope
    with pytest.raises(ConnectionSettingsError, match="channels: must be 1-64"):
        ConnectionSettings(kind="serial", serial=SerialSettings("/dev/x", n_channels=0)).build_source()
