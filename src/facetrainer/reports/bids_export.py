"""A patient's sessions as an EMG-BIDS dataset (with MNE-BIDS), for MNE-Python and archives.

Layout (BIDS 1.11 EMG)::

    OUT/dataset_description.json  README  participants.tsv/.json
    OUT/sub-<code>/ses-<session id>/emg/
        sub-<code>_ses-<id>_task-<kind>[_run-<k>]_emg.edf     raw EMG (EDF+, µV)
        ..._emg.json       sidecar: rate, EMGPlacementScheme, reference, software
        ..._channels.tsv   one row per channel (EMG, µV, the montage's muscle/side)
        ..._events.tsv     onset, duration, trial_type (``rep/<exercise>``, ``marker`` ...
                           as in the EDF+ export), plus ``rep_number`` and ``quality``
    OUT/sub-<code>/sub-<code>_scans.tsv

``<code>`` is the pseudonymous patient code (letters and digits only); no name, birth date
or other identifying field is written. The dataset is built in a temporary folder next to
OUT and moved into place only when complete; an existing, non-empty OUT is refused so
that nothing already exported is overwritten.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from facetrainer import __version__
from facetrainer.atomic_files import (
    describe_os_error,
    discard_staging_folder,
    make_private_dir,
    staging_folder,
)
from facetrainer.reports.edf_annotations import event_label, rep_annotations
from facetrainer.reports.exports import collect_emg, edf_label
from facetrainer.reports.report_data import ReportData, SessionSummary
from facetrainer.storage.database import Database, StorageError
from facetrainer.storage.session_data import EmgRecording, MissingRawDataError

EMG_PLACEMENT = "Other"  # montage sites by name (muscle/side), not measured coordinates
_ALNUM = re.compile(r"[^A-Za-z0-9]+")


def bids_label(text: str, what: str) -> str:
    """A BIDS entity label (letters and digits) from ``text``; ValueError when none remain."""
    label = _ALNUM.sub("", str(text))
    if not label:
        raise ValueError(f"{what} {text!r} has no letters or digits for a BIDS label")
    return label


def session_raw(s: SessionSummary, rec: EmgRecording) -> Any:
    """An :class:`mne.io.RawArray` (EMG, volts) of one session's EMG with its annotations."""
    import mne

    names = [edf_label(c) for c in rec.channel_names]
    for i, n in enumerate(names):  # EDF labels must be unique
        if names.count(n) > 1:
            names[i] = f"{n[:12]} {i + 1}"
    info = mne.create_info(names, rec.fs_hz, ch_types="emg")
    raw = mne.io.RawArray(np.nan_to_num(rec.data_uv) * 1e-6, info, verbose="error")
    start = s.started_at if s.started_at.tzinfo else s.started_at.replace(tzinfo=dt.UTC)
    t_first = float(rec.times_s[0]) if rec.times_s.size else 0.0
    raw.set_meas_date(start + dt.timedelta(seconds=t_first))
    onsets, durations, texts = [], [], []
    for r in s.reps:
        for onset, duration, text in rep_annotations(r, t_first):
            onsets.append(onset)
            durations.append(duration)
            texts.append(text)
    for e in s.events:
        onsets.append(max(0.0, e["t_s"] - t_first))
        durations.append(0.0)
        texts.append(event_label(e["kind"], e["payload"]))
    raw.set_annotations(mne.Annotations(onsets, durations, texts, orig_time=raw.info["meas_date"]))
    return raw


def _rep_columns(events_tsv: Path, s: SessionSummary, t_first: float) -> None:
    """Add ``rep_number`` and ``quality`` to the rows of ``rep/...`` events (n/a elsewhere)."""
    with events_tsv.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    if not rows:
        return
    reps = sorted(s.reps, key=lambda r: r["start_s"])
    for row in rows:
        row["rep_number"] = row["quality"] = "n/a"
        if not row.get("trial_type", "").startswith("rep/"):
            continue
        onset = float(row["onset"])
        match = min(reps, key=lambda r: abs(max(0.0, r["start_s"] - t_first) - onset),
                    default=None)
        if match is not None and abs(max(0.0, match["start_s"] - t_first) - onset) < 1e-3:
            row["rep_number"] = str(int(match["rep_index"]) + 1)
            q = match.get("quality")
            row["quality"] = "n/a" if q is None or not np.isfinite(q) else f"{q:.4g}"
    fields = list(rows[0].keys())
    with events_tsv.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    side = events_tsv.with_suffix(".json")
    doc = json.loads(side.read_text(encoding="utf-8")) if side.is_file() else {}
    doc["trial_type"] = {
        "Description": "rep/<exercise>: a scored repetition; hold/<exercise>: its hold; "
        "phase/<phase>/<exercise> and <event>/<exercise>: exercise-engine events; "
        "marker: a marker set by the user",
    }
    doc["rep_number"] = {"Description": "number of the repetition within its exercise (1 = first)"}
    doc["quality"] = {"Description": "FaceTrainer's repetition quality score, as in the "
                      "report's reps.csv (an estimate, not a clinical grade)"}
    side.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def _sidecar_extras(emg_json: Path, rec: EmgRecording) -> None:
    doc = json.loads(emg_json.read_text(encoding="utf-8"))
    doc["EMGPlacementSchemeDescription"] = (
        "Surface electrodes over the named facial muscles of FaceTrainer's montage; "
        "EMGChannelLabels maps each channel label to its muscle/side (the subject's own side)")
    doc["SoftwareVersions"] = f"FaceTrainer {__version__}"
    doc["Manufacturer"] = doc.get("Manufacturer") or "n/a"
    doc["EMGChannelLabels"] = {edf_label(c): c for c in rec.channel_names}
    emg_json.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def write_bids(
    db: Database,
    data: ReportData,
    out_dir: Path | str,
    progress: Callable[[float, str], None] | None = None,
) -> list[Path]:
    """Write the EMG of every session in ``data`` as an EMG-BIDS dataset in ``out_dir``.

    Raises :class:`StorageError` when ``out_dir`` exists and is not empty or cannot be
    written, :class:`MissingRawDataError` when no session has raw EMG; returns the files.
    """
    import mne_bids

    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise StorageError(f"--out {out_dir} exists and is not empty: choose a new folder")
    recs = collect_emg(db, data)
    if not recs:
        raise MissingRawDataError(
            f"no session of patient {data.patient['code']!r} in the period has raw EMG: "
            "no BIDS dataset written"
        )
    subject = bids_label(data.patient["code"], "patient code")
    try:  # journalled (atomic_files): a killed export's patient data is removed next start
        make_private_dir(out_dir.parent)
        stage = staging_folder(out_dir.parent)
    except OSError as exc:
        raise StorageError(
            f"cannot write into {out_dir.parent}: {describe_os_error(exc)}"
        ) from None
    try:
        counter: dict[int, int] = {}
        per_session = {s.session_id: sum(1 for t, _ in recs if t is s) for s, _ in recs}
        for k, (s, rec) in enumerate(recs):
            if progress:
                progress(k / len(recs), f"BIDS: session {s.session_id}")
            run = counter.get(s.session_id, 0) + 1
            counter[s.session_id] = run
            path = mne_bids.BIDSPath(
                subject=subject, session=f"{s.session_id:03d}",
                task=bids_label(s.kind or "practice", "session kind"),
                run=run if per_session[s.session_id] > 1 else None,
                datatype="emg", root=stage,
            )
            raw = session_raw(s, rec)
            written = mne_bids.write_raw_bids(
                raw, path, format="EDF", allow_preload=True, emg_placement=EMG_PLACEMENT,
                overwrite=False, verbose="error",
            )
            t_first = float(rec.times_s[0]) if rec.times_s.size else 0.0
            events = written.copy().update(suffix="events", extension=".tsv").fpath
            if Path(events).is_file():
                _rep_columns(Path(events), s, t_first)
            sidecar = written.copy().update(suffix="emg", extension=".json").fpath
            if Path(sidecar).is_file():
                _sidecar_extras(Path(sidecar), rec)
        mne_bids.make_dataset_description(
            path=stage, name=f"FaceTrainer sEMG of patient {subject}", dataset_type="raw",
            generated_by=[{"Name": "FaceTrainer", "Version": __version__}],
            overwrite=True, verbose="error",
        )
        if out_dir.exists():
            out_dir.rmdir()  # empty, checked above
        stage.rename(out_dir)
        discard_staging_folder(stage)  # only its journal entry is left to remove
    except (OSError, ValueError, RuntimeError) as exc:
        discard_staging_folder(stage)
        reason = describe_os_error(exc) if isinstance(exc, OSError) else str(exc)
        raise StorageError(f"BIDS export into {out_dir} failed: {reason}") from exc
    return sorted(p for p in out_dir.rglob("*") if p.is_file())
