"""OpenBCI GUI recordings (text and BDF) and replaying files: rate and channels from the
file, unknown layouts refused, BrainFlow playback never silent."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from facetrainer.cli import main
from facetrainer.emg.brainflow_source import (
    PLAYBACK_BOARD_ID,
    BrainFlowParams,
    BrainFlowSource,
    infer_master_board,
)
from facetrainer.emg.recording_io import RecordingError, read_recording
from facetrainer.emg.recording_playback import RecordingPlaybackSource
from facetrainer.emg.source import EmgSourceError
from facetrainer.emg.source_spec import emg_source_from_spec
from facetrainer.exercises.recordings import emg_envelopes
from facetrainer.source_status import SourceState

from .conftest import wait_until

CYTON_FS_HZ = 250
CYTON_ID = 0
TEXT_PRECISION_UV = 1e-6  # values are written with six decimals
ACCEL_COLUMNS = ["Accel Channel 0", "Accel Channel 1", "Accel Channel 2"]


def write_openbci_gui_txt(path: Path, exg_uv: np.ndarray, fs_hz: float) -> None:
    """An ``OpenBCI-RAW-*.txt`` in OpenBCI GUI v5's documented layout: ``%`` header lines,
    a column row, then index, EXG µV, accelerometer, other, analog, timestamps."""
    n_ch, n = exg_uv.shape
    cols = ["Sample Index", *[f"EXG Channel {k}" for k in range(n_ch)], *ACCEL_COLUMNS,
            "Other", "Other", "Analog Channel 0", "Timestamp", "Marker Channel",
            "Timestamp (Formatted)"]
    lines = ["%OpenBCI Raw EXG Data", f"%Number of channels = {n_ch}",
             f"%Sample Rate = {fs_hz:g} Hz", "%Board = OpenBCI_GUI$BoardCytonSerial",
             ", ".join(cols)]
    t0 = 1_700_000_000.0
    for i in range(n):
        exg = ", ".join(f"{v:.6f}" for v in exg_uv[:, i])
        lines.append(f"{i % 256}.0, {exg}, 0.01, -0.02, 0.98, 0.0, 0.0, 512.0, "
                     f"{t0 + i / fs_hz:.6f}, 0.0, 2023-11-14 22:13:20.000")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_openbci_v4_txt(path: Path, exg_uv: np.ndarray, fs_hz: float) -> None:
    """OpenBCI GUI v4's layout: ``%`` lines and no column row."""
    n_ch, n = exg_uv.shape
    lines = ["%OpenBCI Raw EEG Data", f"%Number of channels = {n_ch}",
             f"%Sample Rate = {fs_hz:.1f} Hz", "%First Column = SampleIndex",
             "%Last Column = Timestamp",
             "%Other Columns = EEG data in microvolts followed by Accel Data (in G)"]
    for i in range(n):
        exg = ", ".join(f"{v:.6f}" for v in exg_uv[:, i])
        lines.append(f"{i % 256}, {exg}, 0.0, 0.0, 0.0, 22:13:20.{i % 1000:03d}, "
                     f"{1700000000000 + 4 * i}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def exg():
    rng = np.random.default_rng(15)
    return rng.normal(0.0, 20.0, (8, 3 * CYTON_FS_HZ))


@pytest.fixture
def openbci_txt(tmp_path, exg):
    path = tmp_path / "OpenBCI-RAW-2026-11-30_09-00-00.txt"
    write_openbci_gui_txt(path, exg, CYTON_FS_HZ)
    return path


def test_openbci_gui_text_reads_rate_and_exg_channels_from_its_header(openbci_txt, exg):
    rec = read_recording(openbci_txt)
    assert rec.fs_hz == CYTON_FS_HZ
    assert rec.channel_names == [f"EXG Channel {k}" for k in range(8)]
    np.testing.assert_allclose(rec.data_uv, exg, atol=TEXT_PRECISION_UV)


def test_openbci_gui_v4_text_without_a_column_row(tmp_path, exg):
    path = tmp_path / "OpenBCI-RAW-old.txt"
    write_openbci_v4_txt(path, exg[:4], CYTON_FS_HZ)
    rec = read_recording(path)
    assert rec.fs_hz == CYTON_FS_HZ and len(rec.channel_names) == 4
    np.testing.assert_allclose(rec.data_uv, exg[:4], atol=TEXT_PRECISION_UV)


def test_fs_option_overrides_the_header_rate(openbci_txt):
    assert read_recording(openbci_txt, fs_hz=200.0).fs_hz == 200.0


def test_emg_analyze_on_an_openbci_gui_text_analyses_its_eight_channels(openbci_txt, tmp_path):
    out = tmp_path / "a.json"
    assert main(["emg", "analyze", str(openbci_txt), "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["fs"] == CYTON_FS_HZ
    assert [c["name"] for c in doc["channels"]] == [f"EXG Channel {k}" for k in range(8)]


def test_score_reads_an_openbci_gui_text_with_a_montage(openbci_txt):
    times, env, labels = emg_envelopes(openbci_txt, "smile_eye_4ch")
    assert env.shape[0] == 8 and env.shape[1] == times.size > 0
    assert sum(1 for lab in labels if lab) == 4


@pytest.mark.parametrize("first_line", ["%Some Other Logger v2", "# exported by X"])
def test_a_text_header_it_does_not_know_is_refused_naming_the_first_line(
    tmp_path, capsys, first_line
):
    path = tmp_path / "odd.txt"
    path.write_text(first_line + "\n1, 2, 3\n4, 5, 6\n", encoding="utf-8")
    with pytest.raises(RecordingError, match="unknown text layout") as err:
        read_recording(path, fs_hz=250.0)
    assert first_line in str(err.value)
    assert main(["emg", "analyze", str(path), "--fs", "250", "--json", "-"]) == 2
    assert first_line in capsys.readouterr().err


def test_openbci_text_without_a_rate_asks_for_fs(tmp_path, exg):
    path = tmp_path / "norate.txt"
    write_openbci_gui_txt(path, exg[:2], CYTON_FS_HZ)
    text = path.read_text().replace("%Sample Rate = 250 Hz\n", "")
    path.write_text(text)
    with pytest.raises(RecordingError, match="--fs"):
        read_recording(path)


def test_bdf_from_openbci_gui_reads_the_voltage_channels_only(tmp_path, exg):
    import pyedflib

    path = tmp_path / "OpenBCI-BDF.bdf"
    headers = [
        {"label": f"EXG Channel {k}", "dimension": "uV", "sample_frequency": CYTON_FS_HZ,
         "physical_min": -10000.0, "physical_max": 10000.0,
         "digital_min": -8388608, "digital_max": 8388607}
        for k in range(2)
    ] + [
        {"label": "Accel X", "dimension": "g", "sample_frequency": CYTON_FS_HZ,
         "physical_min": -4.0, "physical_max": 4.0,
         "digital_min": -8388608, "digital_max": 8388607}
    ]
    w = pyedflib.EdfWriter(str(path), 3, file_type=pyedflib.FILETYPE_BDFPLUS)
    w.setSignalHeaders(headers)
    w.writeSamples([exg[0], exg[1], np.full(exg.shape[1], 0.98)])
    w.close()
    rec = read_recording(path)
    assert rec.fs_hz == CYTON_FS_HZ and rec.channel_names == ["EXG Channel 0", "EXG Channel 1"]
    np.testing.assert_allclose(rec.data_uv, exg[:2], atol=0.05)
    assert any("Accel X" in note for note in rec.notes)


# -- playback ------------------------------------------------------------------------------


def write_cyton_brainflow_file(path: Path, exg: np.ndarray) -> None:
    from brainflow.board_shim import BoardShim
    from brainflow.data_filter import DataFilter

    n_rows = BoardShim.get_num_rows(CYTON_ID)
    rows = BoardShim.get_exg_channels(CYTON_ID)
    table = np.zeros((n_rows, exg.shape[1]))
    table[rows] = exg
    table[BoardShim.get_timestamp_channel(CYTON_ID)] = time.time() + np.arange(exg.shape[1]) / 250
    DataFilter.write_file(table, str(path), "w")


def test_playback_infers_cyton_from_the_files_rows_and_streams(tmp_path, exg):
    path = tmp_path / "cyton.csv"
    write_cyton_brainflow_file(path, exg)
    assert infer_master_board(path) == CYTON_ID
    src = BrainFlowSource(PLAYBACK_BOARD_ID, BrainFlowParams(file=str(path)))
    got = []
    src.subscribe(lambda d, t: got.append(d.copy()))
    src.start()
    try:
        assert src.wait_ready(), src.status
        assert wait_until(lambda: src.n_samples >= 100, 10.0), "playback streamed nothing"
    finally:
        src.stop()
    assert src.info.fs_hz == CYTON_FS_HZ and src.info.channel_names[0] == "ch1"
    played = np.concatenate(got, axis=1)
    start = int(np.argmin(np.abs(exg[0] - played[0, 0])))
    np.testing.assert_allclose(played[:, :50], exg[:, start : start + 50], atol=1e-4)


def test_playback_of_an_unknown_layout_names_bf_master_board(tmp_path):
    path = tmp_path / "odd_rows.csv"
    np.savetxt(path, np.zeros((10, 3)), delimiter="\t")
    with pytest.raises(EmgSourceError, match="--bf-master-board"):
        infer_master_board(path)
    src = BrainFlowSource(PLAYBACK_BOARD_ID, BrainFlowParams(file=str(path)))
    src.start()
    assert not src.wait_ready()
    assert src.status.state == SourceState.FAILED and "--bf-master-board" in src.status.message


def test_playback_with_a_wrong_master_board_fails_instead_of_streaming_silence(tmp_path, exg):
    path = tmp_path / "cyton.csv"
    write_cyton_brainflow_file(path, exg)
    src = BrainFlowSource(PLAYBACK_BOARD_ID, BrainFlowParams(file=str(path), master_board=-1))
    src.start()
    assert not src.wait_ready()
    assert "24 rows" in src.status.message and "--bf-master-board" in src.status.message


def test_playback_spec_replays_an_openbci_text_through_the_source_thread(openbci_txt, exg):
    import argparse

    from facetrainer.emg.source_spec import add_emg_arguments

    parser = argparse.ArgumentParser()
    add_emg_arguments(parser)
    src = emg_source_from_spec(f"playback:{openbci_txt}", parser.parse_args([]))
    assert isinstance(src, RecordingPlaybackSource)
    src._speed = 20.0  # 3 s of recording in about 0.15 s
    got = []
    src.subscribe(lambda d, t: got.append(d.copy()))
    src.start()
    assert wait_until(lambda: src.status.state == SourceState.FINISHED, 10.0), src.status
    src.stop()
    np.testing.assert_allclose(np.concatenate(got, axis=1), exg, atol=TEXT_PRECISION_UV)
    assert src.info.fs_hz == CYTON_FS_HZ
