"""The EMG-BIDS export: the official BIDS validator accepts it, MNE-BIDS reads it back with
the reps grouped by exercise, and an existing export is never overwritten."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from facetrainer.cli import main
from facetrainer.storage.session_data import load_emg

VALIDATOR = shutil.which("bids-validator-deno") or str(
    Path(sys.executable).parent / "bids-validator-deno")
EDF_STEP_TOLERANCE = 1 / 65535  # 16-bit EDF: one quantisation step of the channel's range


@pytest.fixture(scope="module")
def bids(history, tmp_path_factory):
    db, url, sessions = history
    out = tmp_path_factory.mktemp("bids") / "P001-bids"
    assert main(["bids", "--patient", "P001", "--out", str(out), "--db", url]) == 0
    return out, db, sessions


def test_bids_layout_has_one_emg_recording_per_session(bids):
    out, _, sessions = bids
    assert (out / "dataset_description.json").is_file()
    assert (out / "participants.tsv").is_file()
    for s in sessions:
        folder = out / "sub-P001" / f"ses-{s.session_id:03d}" / "emg"
        (edf,) = folder.glob("*_emg.edf")
        assert (folder / edf.name.replace("_emg.edf", "_emg.json")).is_file()
        assert (folder / edf.name.replace("_emg.edf", "_channels.tsv")).is_file()
        assert (folder / edf.name.replace("_emg.edf", "_events.tsv")).is_file()


@pytest.mark.skipif(not Path(VALIDATOR).exists(), reason="bids-validator-deno not installed")
def test_the_bids_validator_finds_no_error(bids):
    out, _, _ = bids
    r = subprocess.run([VALIDATOR, str(out), "--format", "json"], capture_output=True,
                       text=True, timeout=300)
    report = json.loads(r.stdout)
    errors = [i for i in report["issues"]["issues"] if i.get("severity") == "error"]
    assert not errors, json.dumps(errors[:5], indent=1)


def test_mne_bids_reads_the_emg_and_its_rep_events(bids):
    import mne
    import mne_bids

    out, db, sessions = bids
    s = sessions[0]
    path = mne_bids.BIDSPath(subject="P001", session=f"{s.session_id:03d}", task="practice",
                             datatype="emg", root=out)
    raw = mne_bids.read_raw_bids(path, verbose="error")
    rec = load_emg(db, s.session_id)
    x = raw.get_data() * 1e6
    n = rec.data_uv.shape[1]
    span = rec.data_uv.max(axis=1) - rec.data_uv.min(axis=1)
    assert np.all(np.abs(x[:, :n] - rec.data_uv) <= span[:, None] * EDF_STEP_TOLERANCE + 1e-6)
    events, event_id = mne.events_from_annotations(raw, verbose="error")
    for ex in {r["exercise"] for r in s.reps}:
        assert sum(events[:, 2] == event_id[f"rep/{ex}"]) == sum(
            r["exercise"] == ex for r in s.reps)
    tsv = next((out / "sub-P001" / f"ses-{s.session_id:03d}" / "emg").glob("*_events.tsv"))
    with tsv.open() as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["trial_type"].startswith("rep/")]
    assert sorted(int(r["rep_number"]) for r in rows) == sorted(
        r["rep_index"] + 1 for r in s.reps)


def test_an_existing_export_is_not_overwritten(bids, history, capsys):
    out, _, _ = bids
    _, url, _ = history
    before = sorted(p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file())
    assert main(["bids", "--patient", "P001", "--out", str(out), "--db", url]) == 1
    assert "not empty" in capsys.readouterr().err
    assert sorted(p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()) == before
