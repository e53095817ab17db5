"""The report's data files: CSV (one table per kind), JSON (everything), EDF+ (raw EMG).

CSV and JSON hold every number FaceTrainer recorded for the period: sessions, every rep
with each spillover channel, events and markers, every frame's measures, the assessment
measures and the estimates. Raw EMG goes to EDF+ (one file per session and EMG source,
16-bit: the quantisation step is (physical max − min) / 65535 per channel) with the reps
and events as annotations named for MNE's grouping (``rep/<exercise>``, ``hold/<exercise>``,
``marker``; see ``edf_annotations.py``).

Files are written to a temporary name (:mod:`facetrainer.atomic_files`) and moved in place
only when all of them succeeded, so a failure leaves earlier files untouched; new files are
private to the user (0600).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from facetrainer import DISCLAIMER
from facetrainer.atomic_files import (
    atomic_open,
    describe_os_error,
    discard_staging_folder,
    make_private_dir,
    publish_staged,
    staging_folder,
)
from facetrainer.reports.edf_annotations import event_label, rep_annotations
from facetrainer.reports.report_data import ReportData, SessionSummary
from facetrainer.storage.database import Database, StorageError
from facetrainer.storage.session_data import (
    EmgRecording,
    MissingRawDataError,
    emg_stream_indices,
    load_emg,
)

EDF_RECORD_S = 1.0  # data-record duration of the EDF+ files
# EDF labels have 16 characters: montage names ("muscle/side") are abbreviated there and
# kept whole in the transducer field.
MUSCLE_ABBREVIATIONS = {
    "frontalis": "Fro",
    "corrugator": "Cor",
    "orbicularis_oculi": "OOc",
    "zygomaticus_major": "ZyM",
    "levator_labii_superioris": "LLS",
    "orbicularis_oris": "OOr",
    "depressor_anguli_oris": "DAO",
    "mentalis": "Men",
    "masseter": "Mas",
    "platysma": "Pla",
}


def edf_label(channel: str) -> str:
    """A 16-character EDF label: ``zygomaticus_major/left`` → ``EMG ZyM L``."""
    muscle, _, side = channel.partition("/")
    if muscle in MUSCLE_ABBREVIATIONS and side in ("left", "right"):
        return f"EMG {MUSCLE_ABBREVIATIONS[muscle]} {side[0].upper()}"
    return channel[:16]


def _num(v: Any) -> Any:
    if isinstance(v, float | np.floating):
        return float(v) if math.isfinite(v) else None
    return v


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: _num(value)}


def _staging(out_dir: Path) -> Path:
    try:
        make_private_dir(out_dir)
        return staging_folder(out_dir)
    except OSError as exc:
        raise StorageError(f"cannot write into {out_dir}: {describe_os_error(exc)}") from None


def write_csv(data: ReportData, out_dir: Path | str) -> list[Path]:
    """Write the CSV tables into ``out_dir``; return the files written."""
    out_dir = Path(out_dir)
    stage = _staging(out_dir)
    files: dict[str, Path] = {}

    def table(name: str, header: list[str], rows: list[list[Any]]) -> None:
        path = stage / name
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(header)
            for r in rows:
                w.writerow(["" if v is None else _num(v) for v in r])
        files[name] = path

    try:
        regions, chans = data.regions, data.synkinesis_channels
        table(
            "sessions.csv",
            [
                "session_id",
                "patient",
                "started_at_utc",
                "kind",
                "status",
                "duration_s",
                "program",
                "reps",
                "emg_samples",
                "frames",
                *[f"symmetry.{r}" for r in regions],
                *[f"spillover.{c}" for c in chans],
            ],
            [
                [
                    s.session_id,
                    data.patient["code"],
                    s.started_at.isoformat(),
                    s.kind,
                    s.status,
                    s.duration_s,
                    s.program,
                    len(s.reps),
                    s.counts["emg_samples"],
                    s.counts["frames"],
                    *[s.region_symmetry.get(r) for r in regions],
                    *[s.synkinesis.get(c) for c in chans],
                ]
                for s in data.sessions
            ],
        )
        spill = sorted({k for s in data.sessions for r in s.reps for k in r["spillover"]})
        table(
            "reps.csv",
            [
                "session_id",
                "exercise",
                "rep_index",
                "start_s",
                "end_s",
                "target",
                "symmetry",
                "quality",
                *[f"spillover.{k}" for k in spill],
            ],
            [
                [
                    s.session_id,
                    r["exercise"],
                    r["rep_index"],
                    r["start_s"],
                    r["end_s"],
                    r["target"],
                    r["symmetry"],
                    r["quality"],
                    *[r["spillover"].get(k) for k in spill],
                ]
                for s in data.sessions
                for r in s.reps
            ],
        )
        table(
            "events.csv",
            ["session_id", "t_s", "kind", "payload_json"],
            [
                [s.session_id, e["t_s"], e["kind"], json.dumps(e["payload"])]
                for s in data.sessions
                for e in s.events
            ],
        )
        for s in data.sessions:
            if s.frames is not None and s.frames.times_s.size:
                names = sorted(s.frames.values)
                cols = np.column_stack([s.frames.times_s, *[s.frames.values[n] for n in names]])
                table(
                    f"frames_session_{s.session_id}.csv",
                    ["time_s", *names],
                    [list(row) for row in cols.tolist()],
                )
        table(
            "programs.csv",
            [
                "program_id",
                "name",
                "revision",
                "exercise",
                "reps",
                "hold_s",
                "rest_s",
                "thresholds_json",
                "cue",
            ],
            [
                [
                    pid,
                    p.name,
                    p.revision,
                    i.exercise,
                    i.reps,
                    i.hold_s,
                    i.rest_s,
                    json.dumps(i.thresholds),
                    i.cue,
                ]
                for pid, p in data.programs
                for i in p.items
            ],
        )
        table(
            "assessment_measures.csv",
            ["assessment_id", "taken_at_utc", "expression", "measure", "left", "right"],
            [
                [a.assessment_id, a.taken_at.isoformat(), ex, name, m.get("left"), m.get("right")]
                for a in data.assessments
                for ex, _, meas in a.photos
                for name, m in sorted((meas.get("metrics") or {}).items())
            ],
        )
        table(
            "estimates.csv",
            ["assessment_id", "taken_at_utc", "item", "value"],
            [
                [a.assessment_id, a.taken_at.isoformat(), k, v]
                for a in data.assessments
                for k, v in _flatten(a.estimates).items()
            ],
        )
        return publish_staged(files, out_dir)
    except OSError as exc:
        raise StorageError(f"cannot write CSV into {out_dir}: {describe_os_error(exc)}") from None
    finally:
        discard_staging_folder(stage)


def report_json(data: ReportData) -> dict[str, Any]:
    """Everything in the report as plain JSON types (NaN → null)."""

    def frames(s: SessionSummary) -> dict[str, Any] | None:
        if s.frames is None:
            return None
        return {
            "times_s": s.frames.times_s.tolist(),
            "values": {
                k: [_num(x) for x in v.tolist()] for k, v in sorted(s.frames.values.items())
            },
        }

    return {
        "disclaimer": DISCLAIMER,
        "generated_at_utc": data.generated_at.isoformat(),
        "patient": data.patient,
        "period": {
            "from": data.start.isoformat() if data.start else None,
            "to": data.end.isoformat() if data.end else None,
        },
        "programs": [{"program_id": pid, **spec.to_dict()} for pid, spec in data.programs],
        "sessions": [
            {
                "session_id": s.session_id,
                "started_at_utc": s.started_at.isoformat(),
                "kind": s.kind,
                "status": s.status,
                "duration_s": s.duration_s,
                "program": s.program,
                "counts": s.counts,
                "exercise_means": s.exercise_means,
                "region_symmetry": s.region_symmetry,
                "synkinesis": s.synkinesis,
                **s.setup,
                "reps": s.reps,
                "events": s.events,
                "frames": frames(s),
            }
            for s in data.sessions
        ],
        "assessments": [
            {
                "assessment_id": a.assessment_id,
                "taken_at_utc": a.taken_at.isoformat(),
                "estimates": a.estimates,
                "photos": [{"expression": ex, "measures": m} for ex, _, m in a.photos],
            }
            for a in data.assessments
        ],
    }


def write_json(data: ReportData, out: Path | str) -> Path:
    out = Path(out)
    try:
        with atomic_open(out) as f:
            json.dump(report_json(data), f, indent=1, allow_nan=False, default=_num)
    except OSError as exc:
        raise StorageError(f"cannot write {out}: {describe_os_error(exc)}") from None
    return out


def _edf_text(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-]", "_", s) or "X"


def collect_emg(db: Database, data: ReportData) -> list[tuple[SessionSummary, EmgRecording]]:
    """The raw EMG of every session that had EMG; :class:`MissingRawDataError` for a session
    whose EMG source left no data (checked before anything is written)."""
    out = []
    for s in data.sessions:
        if not s.emg_declared:
            continue
        indices = emg_stream_indices(db, s.session_id) or [0]
        for k in indices:
            try:
                out.append((s, load_emg(db, s.session_id, k)))
            except MissingRawDataError as exc:
                raise MissingRawDataError(
                    f"{exc} (session of {s.started_at:%Y-%m-%d %H:%M}, status {s.status}): "
                    "no EDF+ written"
                ) from None
    return out


def edf_for_session(data: ReportData, s: SessionSummary, rec: EmgRecording) -> Any:
    """An :class:`edfio.Edf` of one session's EMG with reps and events as annotations."""
    from edfio import Edf, EdfAnnotation, EdfSignal, Patient, Recording

    fs = rec.fs_hz
    per_record = fs * EDF_RECORD_S
    if abs(per_record - round(per_record)) > 1e-9:
        raise StorageError(
            f"session {s.session_id}: EMG rate {fs} Hz has no whole number of "
            f"samples per {EDF_RECORD_S} s EDF record"
        )
    n = rec.data_uv.shape[1]
    n_pad = int(-(-n // round(per_record)) * round(per_record))
    t_first = float(rec.times_s[0]) if n else 0.0
    signals = []
    for ch, label in enumerate(rec.channel_names):
        x = np.asarray(rec.data_uv[ch], dtype=np.float64)
        lo, hi = (float(x.min()), float(x.max())) if n else (-1.0, 1.0)
        if hi - lo < 1e-6:
            lo, hi = lo - 1.0, hi + 1.0
        padded = np.concatenate([x, np.full(n_pad - n, x[-1] if n else 0.0)])
        signals.append(
            EdfSignal(
                padded,
                fs,
                label=edf_label(label),
                physical_dimension="uV",
                physical_range=(lo, hi),
                transducer_type=f"sEMG {label}"[:80],
            )
        )
    notes = [
        EdfAnnotation(onset, duration, text)
        for r in s.reps
        for onset, duration, text in rep_annotations(r, t_first)
    ]
    notes += [
        EdfAnnotation(max(0.0, e["t_s"] - t_first), None, event_label(e["kind"], e["payload"]))
        for e in s.events
    ]
    if n_pad > n:
        notes.append(EdfAnnotation(n / fs, None, "end of recording (padding follows)"))
    start = s.started_at + dt.timedelta(seconds=t_first)
    return Edf(
        signals,
        patient=Patient(code=_edf_text(data.patient["code"])),
        recording=Recording(
            startdate=start.date(), additional=(_edf_text(f"session_{s.session_id}"),)
        ),
        starttime=start.time().replace(microsecond=0, tzinfo=None),
        data_record_duration=EDF_RECORD_S,
        annotations=notes,
    )


def write_edf(
    db: Database,
    data: ReportData,
    out_dir: Path | str,
    progress: Callable[[float, str], None] | None = None,
) -> list[Path]:
    """One EDF+ per session and EMG source: ``session_<id>_emg<k>.edf``."""
    out_dir = Path(out_dir)
    recs = collect_emg(db, data)
    if not recs:
        raise MissingRawDataError(
            f"no session of patient {data.patient['code']!r} in the "
            "period has raw EMG: no EDF+ written"
        )
    stage = _staging(out_dir)
    files: dict[str, Path] = {}
    try:
        counter: dict[int, int] = {}
        for k, (s, rec) in enumerate(recs):
            if progress:
                progress(k / len(recs), f"EDF+ of session {s.session_id}")
            idx = counter.get(s.session_id, 0)
            counter[s.session_id] = idx + 1
            name = f"session_{s.session_id}_emg{idx}.edf"
            edf_for_session(data, s, rec).write(stage / name)
            files[name] = stage / name
        return publish_staged(files, out_dir)
    except OSError as exc:
        raise StorageError(f"cannot write EDF+ into {out_dir}: {describe_os_error(exc)}") from None
    finally:
        discard_staging_folder(stage)
