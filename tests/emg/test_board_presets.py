"""The Cyton facial-EMG preset: the documented channel-settings commands reach the board
before streaming, only on the boards it is for, and channels are never named as EEG sites."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from facetrainer.emg.board_presets import list_presets, load_preset, preset_commands
from facetrainer.emg.brainflow_source import BrainFlowParams, BrainFlowSource, describe_board
from facetrainer.emg.source import EmgSourceError
from facetrainer.emg.source_spec import add_emg_arguments, emg_source_from_spec
from facetrainer.source_status import SourceState

CYTON, CYTON_DAISY, SYNTHETIC = 0, 2, -1
# x <channel> <power on=0> <gain 24=code 6> <normal input=0> <bias on=1> <SRB2 off=0> <SRB1 off=0> X
FACIAL_EMG_CH1 = "x1060100X"


def test_facial_emg_preset_is_ready_and_bipolar():
    assert "facial-emg" in list_presets()
    p = load_preset("facial-emg")
    assert p.channel["srb2"] == 0 and p.channel["srb1"] == 0 and p.channel["bias"] == 1
    assert p.channel["gain"] == 24


def test_commands_cover_every_cyton_and_daisy_channel():
    cyton = preset_commands("facial-emg", CYTON, 8)
    assert cyton[0] == FACIAL_EMG_CH1 and len(cyton) == 8
    assert [c[1] for c in cyton] == list("12345678")
    daisy = preset_commands("facial-emg", CYTON_DAISY, 16)
    assert [c[1] for c in daisy[8:]] == list("QWERTYUI")
    assert all(c[2:-1] == FACIAL_EMG_CH1[2:-1] for c in daisy)


def test_preset_refused_on_a_board_it_is_not_for():
    with pytest.raises(EmgSourceError, match="CYTON_BOARD"):
        preset_commands("facial-emg", SYNTHETIC, 16)
    src = BrainFlowSource(SYNTHETIC, BrainFlowParams(preset="facial-emg"))
    src.start()
    assert not src.wait_ready()
    assert src.status.state == SourceState.FAILED and "facial-emg" in src.status.message


def test_an_unknown_preset_names_the_ready_ones():
    with pytest.raises(EmgSourceError, match="facial-emg"):
        load_preset("no-such-preset")


from brainflow.board_shim import BoardShim as RealBoardShim  # noqa: E402


class FakeCyton(RealBoardShim):
    """BrainFlow's BoardShim of a Cyton without the hardware: its board descriptions are
    BrainFlow's own; the session calls are recorded."""

    sent: list[str] = []

    def __init__(self, board_id, params):
        self.board_id = board_id

    def prepare_session(self):
        FakeCyton.sent.append("prepare")

    def config_board(self, command):
        FakeCyton.sent.append(command)
        return "Success: Channel set for 1$$$"

    def start_stream(self, buffer_size):
        FakeCyton.sent.append("start")

    def get_board_data(self):
        return np.zeros((24, 0))

    def stop_stream(self):
        pass

    def release_session(self):
        pass

    def __del__(self):  # BrainFlow's would release a session that was never made
        pass


def test_bf_preset_option_configures_a_cyton_before_streaming(monkeypatch):
    import brainflow.board_shim as board_shim

    FakeCyton.sent = []
    monkeypatch.setattr(board_shim, "BoardShim", FakeCyton)
    parser = argparse.ArgumentParser()
    add_emg_arguments(parser)
    args = parser.parse_args(["--bf-preset", "facial-emg", "--bf-serial-port", "/dev/ttyUSB0"])
    src = emg_source_from_spec(f"brainflow:{CYTON}", args)
    src.start()
    try:
        assert src.wait_ready(), src.status
    finally:
        src.stop()
    assert FakeCyton.sent[0] == "prepare" and FakeCyton.sent[-1] == "start"
    assert FakeCyton.sent[1:-1] == preset_commands("facial-emg", CYTON, 8)
    assert src.info.channel_names == tuple(f"ch{i}" for i in range(1, 9))


def test_cyton_channels_are_not_named_as_eeg_sites():
    _, _, names = describe_board(CYTON)
    assert names == [f"ch{i}" for i in range(1, 9)]
    assert not {"Fp1", "Fp2", "C3", "C4", "O1", "O2"} & set(names)
