"""A synthetic patient history, recorded through :class:`SessionRecorder` like a real one.

For demos, tests and benchmarks: sessions with raw EMG (a noise floor plus bursts during
each rep), per-frame face measures in the shape of ``FaceMeasures.metrics`` (the affected
side moving less, improving session by session) and per-rep scores (target and spillover in % of the calibrated reference, as the
exercise engine reports them). Seeded: the same
arguments give the same numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from facetrainer.exercises.anatomy import MUSCLES, SIDES
from facetrainer.storage.database import Database
from facetrainer.storage.recorder import SessionRecorder
from facetrainer.storage.schema import Session

MONTAGE_16 = tuple(
    f"{m}/{s}" for m in MUSCLES if m not in ("corrugator", "masseter") for s in SIDES
)
# exercise -> (measure it moves, sign, inhibited channel whose spillover is scored)
EXERCISES = {
    "brow_raise": ("brow_height_mm", 1, "zygomaticus_major/left"),
    "open_smile": ("commissure_excursion_mm", 1, "orbicularis_oculi/left"),
    "pucker": ("commissure_excursion_mm", -1, "orbicularis_oculi/left"),
}
REST_MM = {
    "brow_height_mm": 22.0,
    "palpebral_fissure_mm": 10.0,
    "commissure_excursion_mm": 30.0,
    "upper_lip_height_mm": 28.0,
    "lower_lip_height_mm": 45.0,
    "commissure_height_mm": 48.0,
}


@dataclass(frozen=True)
class SyntheticSession:
    session_id: int
    progress: float  # 0 (first session) … 1 (last): how far recovery has come
    reps: list[dict]


def record_synthetic_session(
    db: Database,
    patient_code: str,
    started_at: dt.datetime,
    duration_s: float = 60.0,
    fs_hz: float = 1000.0,
    n_channels: int = 8,
    fps: float = 30.0,
    progress: float = 0.5,
    seed: int = 0,
    program_id: int | None = None,
    rep_period_s: float = 10.0,
) -> SyntheticSession:
    """Record one synthetic session (faster than real time); return its id and reps."""
    rng = np.random.default_rng(seed)
    names = (
        MONTAGE_16[:n_channels]
        if n_channels <= 16
        else tuple(f"ch{i + 1}" for i in range(n_channels))
    )
    rec = SessionRecorder(
        db,
        patient_code,
        program_id=program_id,
        started_at=started_at,
        sources={
            "emg": f"synthetic {n_channels} ch @ {fs_hz:g} Hz",
            "video": f"synthetic measures @ {fps:g} fps",
        },
        montage={str(i): n for i, n in enumerate(names)},
    )
    rec.start()
    rec.add_emg_stream(0, fs_hz, names, "synthetic")
    exercises = list(EXERCISES)
    reps: list[dict] = []
    n_reps = max(1, int(duration_s // rep_period_s))
    schedule = []
    for k in range(n_reps):
        ex = exercises[k % len(exercises)]
        start = k * rep_period_s + 2.0
        schedule.append((ex, start, start + min(4.0, rep_period_s - 3.0)))
    gain_affected = 0.35 + 0.55 * progress  # affected/healthy movement ratio
    spill_pct = 45.0 - 30.0 * progress  # % of the inhibited muscle's reference
    n_total = int(round(duration_s * fs_hz))
    step = int(round(fs_hz))  # one-second chunks
    for first in range(0, n_total, step):
        n = min(step, n_total - first)
        t = (first + np.arange(n)) / fs_hz
        data = rng.normal(0.0, 5.0, (n_channels, n))
        for _ex, a, b in schedule:
            inside = (t >= a) & (t < b)
            if inside.any():
                data[: min(4, n_channels), inside] *= 8.0
        rec.on_emg(0, data, rec.t0 + t)
    n_frames = int(round(duration_s * fps))
    ft = np.arange(n_frames) / fps
    noise = rng.normal(0.0, 0.15, (n_frames, len(REST_MM), 2))
    for i in range(n_frames):
        tt = ft[i]
        metrics = {}
        for j, (measure, rest) in enumerate(REST_MM.items()):
            move = 0.0
            for ex, a, b in schedule:
                if a <= tt < b and EXERCISES[ex][0] == measure:
                    move = 4.0 * EXERCISES[ex][1]
            metrics[measure] = {
                "left": rest + gain_affected * move + noise[i, j, 0],
                "right": rest + move + noise[i, j, 1],
            }
        rec.on_frame(
            SimpleNamespace(
                frame=SimpleNamespace(timestamp_s=rec.t0 + tt),
                face=True,
                results={"measures": {"metrics": metrics}},
            )
        )
    for k, (ex, a, b) in enumerate(schedule):
        score = {
            "exercise": ex,
            "rep_index": k // len(exercises),
            "start_s": a,
            "end_s": b,
            "target": round(float(np.clip(30 + 50 * progress + rng.normal(0, 3), 0, 150)), 2),
            "symmetry": round(float(np.clip(gain_affected + rng.normal(0, 0.02), 0, 1)), 4),
            "quality": round(float(np.clip(40 + 50 * progress + rng.normal(0, 3), 0, 100)), 2),
            "spillover": {
                EXERCISES[ex][2]: round(float(max(0.0, spill_pct + rng.normal(0, 2))), 2)
            },
        }
        rec.record_rep(score)
        reps.append(score)
    rec.record_event("marker", 0.5, note="start of practice")
    rec.stop()
    with db.session() as s:  # the recorder ran faster than real time: store the true length
        row = s.get(Session, rec.session_id)
        if row is not None:
            row.duration_s = float(duration_s)
            row.ended_at = started_at + dt.timedelta(seconds=duration_s)
    assert rec.session_id is not None
    return SyntheticSession(rec.session_id, progress, reps)


def record_synthetic_history(
    db: Database,
    patient_code: str,
    first_day: dt.date,
    n_sessions: int = 4,
    days_between: int = 14,
    duration_s: float = 60.0,
    fs_hz: float = 250.0,
    n_channels: int = 4,
    fps: float = 10.0,
    seed: int = 0,
) -> list[SyntheticSession]:
    """Several sessions ``days_between`` apart, recovering from first to last."""
    out = []
    for k in range(n_sessions):
        when = dt.datetime.combine(
            first_day + dt.timedelta(days=k * days_between), dt.time(9, 30), dt.UTC
        )
        out.append(
            record_synthetic_session(
                db,
                patient_code,
                when,
                duration_s,
                fs_hz,
                n_channels,
                fps,
                progress=k / max(1, n_sessions - 1),
                seed=seed + k,
            )
        )
    return out
