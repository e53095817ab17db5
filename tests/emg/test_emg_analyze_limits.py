"""`facetrainer emg analyze`: rates out of range refused before any allocation, and a full
disk never turns an earlier result into a broken file (issue 16, defects 1 and 5)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from facetrainer.cli import main
from facetrainer.emg.recording_io import MAX_FS_HZ, MIN_FS_HZ

EARLIER = {"fs": 1000.0, "channels": [], "note": "earlier valid result"}


@pytest.fixture
def recording(tmp_path):
    rng = np.random.default_rng(5)
    path = tmp_path / "rec.csv"
    rows = "".join(f"{v:.3f}\n" for v in rng.normal(0, 5, 2000))
    path.write_text("zyg_l\n" + rows)
    return path


@pytest.mark.parametrize("fs", ["1e10", "1e9", "0.5", "nan", "inf"])
def test_a_rate_out_of_range_is_refused_with_the_allowed_range(recording, tmp_path, capsys, fs):
    out = tmp_path / "out.json"
    rc = main(["emg", "analyze", str(recording), "--fs", fs, "--json", str(out)])
    err = capsys.readouterr().err
    assert rc == 2
    assert f"allowed {MIN_FS_HZ:g} to {MAX_FS_HZ:g} Hz" in err
    assert not out.exists()


def test_a_time_column_implying_an_absurd_rate_is_refused(tmp_path, capsys):
    path = tmp_path / "ns.csv"  # times in nanoseconds written as seconds
    path.write_text("time_s,a\n" + "".join(f"{k * 1e-9:.12f},{k % 5}\n" for k in range(500)))
    rc = main(["emg", "analyze", str(path), "--json", str(tmp_path / "o.json")])
    err = capsys.readouterr().err
    assert rc == 2 and "ns.csv" in err and "out of range" in err


def test_a_full_disk_leaves_the_earlier_json_valid(recording, small_disk, capsys):
    out = small_disk.path / "emg.json"
    out.write_text(json.dumps(EARLIER))
    small_disk.fill()
    rc = main(["emg", "analyze", str(recording), "--fs", "1000", "--json", str(out)])
    assert rc == 2 and "disk is full" in capsys.readouterr().err
    assert json.loads(out.read_text()) == EARLIER
