"""Recordings in CSV, BrainFlow and EDF+ files, and ``facetrainer emg analyze`` on each."""

from __future__ import annotations

import json

import numpy as np
import pytest

from facetrainer.cli import main
from facetrainer.emg.recorder import BrainFlowWriter, write_csv_recording
from facetrainer.emg.recording_io import RecordingError, read_recording
from facetrainer.emg.synthetic_signals import make_synthetic_emg

FS_HZ = 1000.0
TRUTH = ((2.0, 3.0), (4.5, 5.5))
ONSET_TOLERANCE_S = 0.030
BRAINFLOW_PRECISION_UV = 1e-6  # DataFilter.write_file keeps six decimals
JSON_KEYS = {"fs", "channels"}
CHANNEL_KEYS = {"name", "nan_samples", "mains_hz", "baseline", "bursts", "problems"}
BURST_KEYS = {"onset_s", "offset_s", "peak"}


@pytest.fixture(scope="module")
def recording():
    sig = make_synthetic_emg(
        FS_HZ, 7.0, n_channels=2, bursts_s=TRUTH, mains_hz=60.0, mains_uv=10.0, seed=4
    )
    data = sig.data_uv.copy()
    data[1, 1200:1300] = np.nan
    return data


@pytest.fixture
def csv_file(tmp_path, recording):
    path = tmp_path / "rec.csv"
    write_csv_recording(path, recording, np.arange(recording.shape[1]) / FS_HZ, ["zl", "zr"])
    return path


@pytest.fixture
def brainflow_file(tmp_path, recording):
    path = tmp_path / "rec_bf.csv"
    w = BrainFlowWriter(path, FS_HZ, ["zl", "zr"])
    w.write(recording[:, :3000], np.arange(3000) / FS_HZ)
    w.write(recording[:, 3000:], np.arange(3000, recording.shape[1]) / FS_HZ)
    return path


@pytest.fixture
def edf_file(tmp_path, recording):
    from pyedflib import highlevel

    path = tmp_path / "rec.edf"
    data = np.nan_to_num(recording) / 1000.0  # stored in mV
    headers = highlevel.make_signal_headers(
        ["zl", "zr"], dimension="mV", sample_frequency=FS_HZ, physical_min=-5.0, physical_max=5.0
    )
    highlevel.write_edf(str(path), data, headers)
    return path


def _analyze(tmp_path, *args) -> tuple[int, dict | None]:
    out = tmp_path / "out.json"
    code = main(["emg", "analyze", *map(str, args), "--json", str(out)])
    return code, (json.loads(out.read_text()) if code == 0 else None)


def _check_document(doc: dict, names: list[str]) -> None:
    assert set(doc) == JSON_KEYS
    assert doc["fs"] == pytest.approx(FS_HZ, rel=1e-6)
    assert [c["name"] for c in doc["channels"]] == names
    for ch in doc["channels"]:
        assert set(ch) == CHANNEL_KEYS
        assert ch["mains_hz"] == 60
        assert ch["baseline"] > 0
        assert len(ch["bursts"]) == len(TRUTH)
        for burst, (on, _off) in zip(ch["bursts"], TRUTH, strict=True):
            assert set(burst) == BURST_KEYS
            assert abs(burst["onset_s"] - on) <= ONSET_TOLERANCE_S


def test_csv_round_trip_keeps_values_gaps_and_rate(csv_file, recording):
    rec = read_recording(csv_file)
    assert rec.channel_names == ["zl", "zr"]
    assert rec.fs_hz == pytest.approx(FS_HZ, rel=1e-6)
    np.testing.assert_allclose(rec.data_uv, recording, rtol=1e-5, equal_nan=True)


def test_brainflow_file_round_trip_uses_its_description(brainflow_file, recording):
    rec = read_recording(brainflow_file)
    assert rec.channel_names == ["zl", "zr"] and rec.fs_hz == FS_HZ
    np.testing.assert_allclose(rec.data_uv, recording, atol=BRAINFLOW_PRECISION_UV, equal_nan=True)


def test_analyze_csv(tmp_path, csv_file):
    code, doc = _analyze(tmp_path, csv_file)
    assert code == 0
    _check_document(doc, ["zl", "zr"])
    assert [c["nan_samples"] for c in doc["channels"]] == [0, 100]


def test_analyze_brainflow_file(tmp_path, brainflow_file):
    code, doc = _analyze(tmp_path, brainflow_file, "--channels", "zr")
    assert code == 0
    _check_document(doc, ["zr"])


def test_analyze_edf_file_in_millivolts(tmp_path, edf_file, recording):
    rec = read_recording(edf_file)
    np.testing.assert_allclose(rec.data_uv, np.nan_to_num(recording), atol=0.5)
    code, doc = _analyze(tmp_path, edf_file)
    assert code == 0
    _check_document(doc, ["zl", "zr"])


def test_csv_without_time_column_needs_fs(tmp_path, recording, capsys):
    path = tmp_path / "no_time.csv"
    np.savetxt(path, recording.T, delimiter=",", header="a,b", comments="")
    code, _ = _analyze(tmp_path, path)
    assert code == 2
    assert "no sampling rate" in capsys.readouterr().err
    code, doc = _analyze(tmp_path, path, "--fs", FS_HZ)
    assert code == 0 and doc["fs"] == FS_HZ


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (None, (), "no such file"),
        (b"\x00\x01\x02garbage\xff\n\x00", (), "cannot read"),
        (b"", (), "empty"),
        (b"time_s,a\n0,1\n0.001,2\n0.002,3\n", ("--channels", "b"), "unknown channel"),
        (b"time_s,a\n0,1\n0,2\n", (), "does not increase"),
        (b"time_s,a\n0,x\n0.001,y\n", (), "holds no numbers"),
        (b"1\t2\t3\n4\t5\t6\n", (), "--board"),
    ],
)
def test_bad_files_give_a_clear_error_and_exit_2(tmp_path, capsys, content, args, message):
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_bytes(content)
    code, _ = _analyze(tmp_path, path, *args)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "bad.csv" in err


def test_csv_with_ragged_rows_reads_missing_cells_as_nan(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("time_s,a,b\n0,1,2\n0.001,3\n0.002,5,6\n")
    rec = read_recording(path)
    np.testing.assert_array_equal(rec.data_uv, [[1, 3, 5], [2, np.nan, 6]])
    assert "wrong number of columns" in rec.notes[0]


def test_fs_must_be_positive(csv_file):
    with pytest.raises(RecordingError, match="-5 Hz is out of range: allowed 1 to 100000 Hz"):
        read_recording(csv_file, fs_hz=-5)
