"""`facetrainer emg analyze` names a saturated channel (JSON and stderr)."""

from __future__ import annotations

import json

import numpy as np

from facetrainer.cli import main
from facetrainer.emg.analyze_command import EXIT_NOTHING_USABLE


def test_saturated_channel_is_named_and_a_clean_one_is_not(tmp_path, capsys):
    rng = np.random.default_rng(1)
    fs, n = 1000.0, 5000
    clean = 5.0 * rng.standard_normal(n)
    clipped = np.clip(rng.normal(0.0, 3000.0, n), -1000.0, 1000.0)
    t = np.arange(n) / fs
    rows = ["time,clean,clipped"] + [
        f"{t[i]:.4f},{clean[i]:.3f},{clipped[i]:.3f}" for i in range(n)
    ]
    (tmp_path / "r.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "o.json"
    assert main(["emg", "analyze", str(tmp_path / "r.csv"), "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    by_name = {c["name"]: c for c in doc["channels"]}
    assert by_name["clean"]["problems"] == []
    assert by_name["clipped"]["problems"] and "saturated" in by_name["clipped"]["problems"][0]
    assert "channel 'clipped': saturated" in capsys.readouterr().err


def test_every_channel_saturated_exits_3(tmp_path):
    rng = np.random.default_rng(2)
    n = 3000
    x = np.clip(rng.normal(0.0, 3000.0, n), -1000.0, 1000.0)
    rows = ["time,a"] + [f"{i / 1000:.4f},{x[i]:.3f}" for i in range(n)]
    (tmp_path / "r.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "o.json"
    code = main(["emg", "analyze", str(tmp_path / "r.csv"), "--json", str(out)])
    assert code == EXIT_NOTHING_USABLE
    assert json.loads(out.read_text())["channels"][0]["problems"]
