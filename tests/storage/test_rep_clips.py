"""Best-rep clips (video self-modelling) and the daily measure for the weekly chart."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from facetrainer.storage.database import SCHEMA_VERSION, schema_version
from facetrainer.storage.practice_history import daily_measure
from facetrainer.storage.rep_clips import (
    CLIP_WIDTH_PX,
    BestRepCollector,
    decode_clip,
    list_clips,
    load_clip_frames,
    model_clip,
    pin_clip,
    save_clip,
)
from facetrainer.storage.schema import Rep, Session

JPEG_MEAN_ABS_TOL = 8.0  # grey levels: JPEG at quality 70 on smooth frames


def frames(n: int, seed: int = 0, w: int = 640, h: int = 480) -> list[np.ndarray]:
    """Smooth moving gradients (JPEG-friendly, like a face)."""
    yy, xx = np.mgrid[0:h, 0:w]
    return [
        np.stack([(xx + 10 * k) % 256, (yy + 5 * k) % 256, np.full_like(xx, 80 + seed)], -1).astype(
            np.uint8
        )
        for k in range(n)
    ]


def add_session(db, patient_code: str, started: dt.datetime) -> int:
    from sqlalchemy import select

    from facetrainer.storage.schema import Patient

    with db.session() as s:
        pid = s.scalar(select(Patient.id).where(Patient.code == patient_code))
        row = Session(patient_id=pid, status="complete", started_at=started)
        s.add(row)
        s.flush()
        return row.id


def test_the_clip_table_comes_with_a_migration(db):
    assert schema_version(db.engine) == SCHEMA_VERSION >= 2


def test_collector_keeps_the_best_reps_frames_downscaled(db, patient):
    col = BestRepCollector()
    for k, f in enumerate(frames(40)):
        col.add_frame(100.0 + k * 0.1, f)
    assert col.on_rep(
        "closed_smile", {"number": 1, "quality": 60.0, "start_s": 100.0, "end_s": 101.0}
    )
    assert not col.on_rep(
        "closed_smile", {"number": 2, "quality": 50.0, "start_s": 101.0, "end_s": 102.0}
    )
    assert col.on_rep(
        "closed_smile", {"number": 3, "quality": 90.0, "start_s": 102.0, "end_s": 103.5}
    )
    quality, index, clip, fps = col.unsaved("closed_smile")
    assert (quality, index) == (90.0, 2)
    assert len(clip) == 16 and clip[0].shape == (180, CLIP_WIDTH_PX, 3)
    assert fps == pytest.approx(10.0, rel=0.01)


def test_a_stored_clip_replays_its_frames_and_is_small(db, patient):
    sid = add_session(db, "P001", dt.datetime.now(dt.UTC))
    col = BestRepCollector()
    for k, f in enumerate(frames(20)):
        col.add_frame(k * 0.125, f)
    col.on_rep("pucker", {"number": 1, "quality": 70.0, "start_s": 0.0, "end_s": 2.4})
    _, index, clip, fps = col.unsaved("pucker")
    clip_id = save_clip(db, sid, "pucker", index, 70.0, clip, fps)
    back = load_clip_frames(db, clip_id)
    assert len(back) == len(clip)
    assert np.mean(np.abs(back[5].astype(float) - clip[5])) < JPEG_MEAN_ABS_TOL
    raw = sum(f.nbytes for f in clip)
    from facetrainer.storage.rep_clips import RepClip

    with db.session() as s:
        assert len(s.get(RepClip, clip_id).data) < raw / 10  # compressed at least 10x


def test_the_pinned_clip_is_the_model_else_the_best(db, patient):
    sid = add_session(db, "P001", dt.datetime.now(dt.UTC))
    small = [f[:90, :120] for f in frames(3)]
    low = save_clip(db, sid, "closed_smile", 0, 55.0, small, 8.0)
    high = save_clip(db, sid, "closed_smile", 1, 85.0, small, 8.0)
    assert model_clip(db, "P001", "closed_smile").id == high
    pin_clip(db, low)
    assert model_clip(db, "P001", "closed_smile").id == low
    pin_clip(db, high)
    assert [c.pinned for c in list_clips(db, "P001", "closed_smile")] == [True, False]
    assert model_clip(db, "P001", "pucker") is None


def test_a_damaged_clip_is_refused_with_a_message():
    with pytest.raises(ValueError, match="damaged"):
        decode_clip(b"\x05\x00\x00\x00\x10")


def test_daily_measure_is_the_mean_per_day_of_the_last_days(db, patient):
    today = dt.date(2026, 11, 30)
    for days_ago, symmetries in [(0, [0.8, 0.9]), (2, [0.6]), (9, [0.1])]:
        start = dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(9), tzinfo=dt.UTC)
        sid = add_session(db, "P001", start)
        with db.session() as s:
            for k, sym in enumerate(symmetries):
                s.add(Rep(session_id=sid, exercise="closed_smile", rep_index=k, start_s=k, end_s=k + 1,
                          symmetry=sym, quality=50.0 + 10 * k))  # fmt: skip
    week = daily_measure(db, "P001", "closed_smile", "symmetry", 7, today)
    assert [(d.isoformat(), round(v, 1)) for d, v in week] == [
        ("2026-11-28", 60.0),
        ("2026-11-30", 85.0),
    ]
    month = daily_measure(db, "P001", "closed_smile", "quality", 30, today)
    assert len(month) == 3 and month[-1][1] == pytest.approx(55.0)
    with pytest.raises(ValueError, match="measure"):
        daily_measure(db, "P001", "closed_smile", "speed")


def test_best_rep_clips_travel_in_the_therapist_bundle(db, patient, tmp_path):
    from facetrainer.storage import open_database
    from facetrainer.storage.bundle import export_bundle
    from facetrainer.storage.bundle_import import import_bundle

    sid = add_session(db, "P001", dt.datetime.now(dt.UTC))
    with db.session() as s:
        s.get(Session, sid).status = "complete"
    clip = [f[:90, :120] for f in frames(4)]
    save_clip(db, sid, "pucker", 2, 77.0, clip, 8.0)
    export_bundle(db, "P001", tmp_path / "p.ftbundle")
    clinic = open_database(f"sqlite:///{tmp_path / 'clinic.sqlite3'}")
    try:
        import_bundle(clinic, tmp_path / "p.ftbundle")
        got = model_clip(clinic, "P001", "pucker")
        assert got is not None and got.quality == 77.0
        assert len(load_clip_frames(clinic, got.id)) == 4
    finally:
        clinic.close()
