"""Session bundles: a patient's period exported to one file, merged into another database."""

from __future__ import annotations

import datetime as dt
import json
import stat
import zipfile

import numpy as np
import pytest

from facetrainer.storage import open_database
from facetrainer.storage.bundle import BundleError, export_bundle
from facetrainer.storage.bundle_import import import_bundle
from facetrainer.storage.programs import ProgramItem, ProgramSpec, save_program
from facetrainer.storage.session_data import (
    load_emg,
    load_events,
    load_frame_measures,
    load_reps,
    session_counts,
)
from facetrainer.storage.synthetic_history import record_synthetic_session

DAY0 = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def _record(db, code, days, program_id=None):
    return [
        record_synthetic_session(
            db,
            code,
            DAY0 + dt.timedelta(days=d),
            duration_s=12.0,
            fs_hz=500.0,
            n_channels=4,
            fps=10.0,
            seed=d,
            program_id=program_id,
            rep_period_s=6.0,
        ).session_id
        for d in days
    ]


@pytest.fixture
def home(db, patient):
    """The patient's home database: a program and three sessions a week apart."""
    spec = ProgramSpec("Home A", 2, [ProgramItem("open_smile", reps=8, hold_s=2.0)])
    pid = save_program(db, spec, patient.code)
    ids = _record(db, patient.code, (0, 7, 14), program_id=pid)
    return db, ids


@pytest.fixture
def clinic(tmp_path):
    database = open_database(f"sqlite:///{tmp_path / 'clinic.sqlite3'}")
    yield database
    database.close()


def _session_ids(db):
    from sqlalchemy import select

    from facetrainer.storage.schema import Session

    with db.session() as s:
        return list(s.scalars(select(Session.id).order_by(Session.started_at)).all())


def test_bundle_round_trip_keeps_every_sample_score_and_event(home, clinic, tmp_path):
    db, ids = home
    out = export_bundle(db, "P001", tmp_path / "p001.ftbundle")
    assert out.sessions == 3 and out.programs == 1

    summary = import_bundle(clinic, out.path)

    assert summary.patient_created and summary.sessions_added == 3
    assert summary.programs_added == 1
    new_ids = _session_ids(clinic)
    for old, new in zip(ids, new_ids, strict=True):
        a, b = load_emg(db, old), load_emg(clinic, new)
        assert np.array_equal(a.data_uv, b.data_uv) and np.array_equal(a.times_s, b.times_s)
        assert (a.fs_hz, a.channel_names) == (b.fs_hz, b.channel_names)
        fa, fb = load_frame_measures(db, old), load_frame_measures(clinic, new)
        assert np.array_equal(fa.times_s, fb.times_s)
        assert all(np.array_equal(fa.values[k], fb.values[k], equal_nan=True) for k in fa.values)
        assert load_reps(db, old) == load_reps(clinic, new)
        assert load_events(db, old) == load_events(clinic, new)
    assert summary.reps == sum(session_counts(clinic, i)["reps"] for i in new_ids)


def test_imported_sessions_keep_their_program_version(home, clinic, tmp_path):
    from facetrainer.storage.schema import Program, Session

    db, _ = home
    import_bundle(clinic, export_bundle(db, "P001", tmp_path / "b.ftbundle").path)
    with clinic.session() as s:
        sess = s.get(Session, _session_ids(clinic)[0])
        prog = s.get(Program, sess.program_id)
        assert (prog.name, prog.revision, prog.patient_id) == ("Home A", 2, sess.patient_id)


def test_importing_twice_changes_nothing(home, clinic, tmp_path):
    db, _ = home
    path = export_bundle(db, "P001", tmp_path / "b.ftbundle").path
    import_bundle(clinic, path)
    before = [session_counts(clinic, i) for i in _session_ids(clinic)]

    again = import_bundle(clinic, path)

    assert not again.changed and again.sessions_present == 3
    assert "nothing new" in again.describe()
    assert [session_counts(clinic, i) for i in _session_ids(clinic)] == before


def test_a_bundle_of_imported_sessions_adds_nothing_back_home(home, clinic, tmp_path):
    db, _ = home
    import_bundle(clinic, export_bundle(db, "P001", tmp_path / "a.ftbundle").path)
    back = export_bundle(clinic, "P001", tmp_path / "back.ftbundle")

    summary = import_bundle(db, back.path)

    assert summary.sessions_present == 3 and not summary.changed


def test_a_later_bundle_adds_only_the_new_sessions(home, clinic, tmp_path):
    db, _ = home
    import_bundle(clinic, export_bundle(db, "P001", tmp_path / "1.ftbundle").path)
    _record(db, "P001", (21,))

    summary = import_bundle(clinic, export_bundle(db, "P001", tmp_path / "2.ftbundle").path)

    assert (summary.sessions_added, summary.sessions_present) == (1, 3)
    assert not summary.patient_created and summary.programs_added == 0


def test_period_selects_sessions_by_start_day(home, tmp_path):
    db, _ = home
    start = DAY0.date() + dt.timedelta(days=7)
    out = export_bundle(db, "P001", tmp_path / "b.ftbundle", since=start, until=start)
    assert out.sessions == 1
    with pytest.raises(BundleError, match="since"):
        export_bundle(db, "P001", tmp_path / "c.ftbundle", since=start, until=DAY0.date())


def test_bundle_file_is_private_and_never_overwritten(home, tmp_path):
    db, _ = home
    path = export_bundle(db, "P001", tmp_path / "b.ftbundle").path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_bytes()
    with pytest.raises(BundleError, match="exists"):
        export_bundle(db, "P001", path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def _rewrite(src, dst, change):
    with zipfile.ZipFile(src) as z:
        members = {n: z.read(n) for n in z.namelist()}
    change(members)
    with zipfile.ZipFile(dst, "w") as z:
        for n, b in members.items():
            z.writestr(n, b)


def test_bundle_from_a_newer_version_is_refused_and_nothing_imported(home, clinic, tmp_path):
    db, _ = home
    path = export_bundle(db, "P001", tmp_path / "b.ftbundle").path

    def newer(m):
        man = json.loads(m["manifest.json"])
        man["facetrainer_bundle"] = 99
        m["manifest.json"] = json.dumps(man).encode()

    _rewrite(path, tmp_path / "newer.ftbundle", newer)
    with pytest.raises(BundleError, match="newer FaceTrainer.*nothing imported"):
        import_bundle(clinic, tmp_path / "newer.ftbundle")
    assert _session_ids(clinic) == []


@pytest.mark.parametrize(
    "damage", ["flipped_emg_byte", "truncated", "unknown_table", "row_the_schema_refuses"]
)
def test_damaged_bundle_is_refused_and_nothing_imported(home, clinic, tmp_path, damage):
    db, _ = home
    path = export_bundle(db, "P001", tmp_path / "b.ftbundle").path
    bad = tmp_path / "bad.ftbundle"
    if damage == "truncated":
        bad.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "flipped_emg_byte":

        def flip(m):
            name = next(n for n in m if n.endswith("emg_chunks.data.bin"))
            blob = bytearray(m[name])
            blob[len(blob) // 2] ^= 0xFF
            m[name] = bytes(blob)

        _rewrite(path, bad, flip)
    elif damage == "row_the_schema_refuses":

        def null_exercise(m):  # a rep without its exercise (NOT NULL), checksums redone
            import hashlib

            name = sorted(n for n in m if n.endswith("session.json"))[-1]
            body = json.loads(m[name])
            reps = body["tables"]["reps"]
            reps["rows"][0][reps["columns"].index("exercise")] = None
            m[name] = json.dumps(body).encode()
            man = json.loads(m["manifest.json"])
            man["checksums"][name] = hashlib.sha256(m[name]).hexdigest()
            m["manifest.json"] = json.dumps(man).encode()

        _rewrite(path, bad, null_exercise)
    else:

        def extra_table(m):
            name = next(n for n in m if n.endswith("session.json"))
            body = json.loads(m[name])
            body["tables"]["holograms"] = {"columns": [], "rows": []}
            m[name] = json.dumps(body).encode()
            man = json.loads(m["manifest.json"])
            import hashlib

            man["checksums"][name] = hashlib.sha256(m[name]).hexdigest()
            m["manifest.json"] = json.dumps(man).encode()

        _rewrite(path, bad, extra_table)
    with pytest.raises(BundleError, match="nothing imported"):
        import_bundle(clinic, bad)
    assert _session_ids(clinic) == []


def test_existing_patient_record_is_kept_and_difference_reported(home, clinic, tmp_path):
    from facetrainer.storage import create_patient, get_patient

    db, _ = home
    create_patient(clinic, "P001", "right", cause="trauma")
    summary = import_bundle(clinic, export_bundle(db, "P001", tmp_path / "b.ftbundle").path)
    assert get_patient(clinic, "P001").affected_side == "right"
    assert "affected_side" in summary.describe() and summary.sessions_added == 3


def test_best_rep_clips_travel_with_their_session(home, clinic, tmp_path):
    from facetrainer.storage.rep_clips import list_clips, load_clip_frames, save_clip

    db, ids = home
    rng = np.random.default_rng(3)
    frames = [rng.integers(0, 255, (60, 80, 3), dtype=np.uint8) for _ in range(4)]
    save_clip(db, ids[1], "open_smile", 2, 0.91, frames, fps=10.0)

    summary = import_bundle(clinic, export_bundle(db, "P001", tmp_path / "b.ftbundle").path)

    assert summary.clips == 1 and "1 best-rep clips" in summary.describe()
    (clip,) = list_clips(clinic, "P001")
    (orig,) = list_clips(db, "P001")
    assert (clip.exercise, clip.rep_index, clip.quality, clip.n_frames) == (
        "open_smile", 2, 0.91, 4)
    for a, b in zip(load_clip_frames(db, orig.id), load_clip_frames(clinic, clip.id), strict=True):
        assert np.array_equal(a, b)  # the same JPEG bytes decode to the same frames
