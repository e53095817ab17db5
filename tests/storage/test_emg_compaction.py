"""Raw EMG is stored compressed and losslessly; databases from before schema 4 are
migrated in place, every sample unchanged (issue 16, item 9)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import create_engine, text

from facetrainer.storage import create_patient, load_emg, open_database
from facetrainer.storage.database import SCHEMA_VERSION, schema_version
from facetrainer.storage.emg_codec import CODEC_RAW, CODEC_ZSTD_SHUFFLE, decode_chunk
from facetrainer.storage.synthetic_history import record_synthetic_session

SESSION_S = 120.0
SHRINK_MIN = 1.15  # the virtual patient's float EMG: stored size at most 1/1.15 of raw


def _session(db) -> int:
    create_patient(db, "P001", affected_side="left")
    start = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    s = record_synthetic_session(
        db, "P001", start, duration_s=SESSION_S, fs_hz=1000.0, n_channels=8, fps=5.0, seed=4
    )
    return s.session_id


def _as_schema_3(url: str, path) -> None:
    """Turn a database back into what FaceTrainer wrote before schema 4: raw chunks."""
    db = open_database(url)
    with db.engine.begin() as conn:
        rows = conn.execute(text("SELECT id, n_channels, n_samples FROM emg_chunks")).all()
        for chunk_id, n_ch, n in rows:
            codec, d, t = conn.execute(
                text("SELECT codec, data, times FROM emg_chunks WHERE id = :i"), {"i": chunk_id}
            ).one()
            a, times = decode_chunk(codec, bytes(d), bytes(t), n_ch, n)
            conn.execute(
                text("UPDATE emg_chunks SET data = :d, times = :t WHERE id = :i"),
                {"d": np.ascontiguousarray(a).tobytes(), "t": times.tobytes(), "i": chunk_id},
            )
        conn.execute(text("ALTER TABLE emg_chunks DROP COLUMN codec"))
        conn.execute(text("DELETE FROM schema_version WHERE version >= 4"))
    db.close()
    engine = create_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM")
    engine.dispose()


def test_new_chunks_are_compressed_and_read_back_exactly(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'ft.sqlite3'}")
    sid = _session(db)
    with db.engine.connect() as conn:
        codecs = conn.execute(text("SELECT DISTINCT codec FROM emg_chunks")).scalars().all()
        raw, stored = conn.execute(
            text("SELECT SUM(n_channels * n_samples * 4 + n_samples * 8), "
                 "SUM(LENGTH(data) + LENGTH(times)) FROM emg_chunks")
        ).one()
    assert codecs == [CODEC_ZSTD_SHUFFLE]
    assert raw / stored > SHRINK_MIN
    rec = load_emg(db, sid)
    assert rec.data_uv.dtype == np.float32 and rec.data_uv.shape == (8, int(SESSION_S * 1000))
    db.close()


def test_an_older_database_is_migrated_with_every_sample_unchanged(db_url, tmp_path):
    sqlite = db_url.startswith("sqlite")
    path = tmp_path / "facetrainer.sqlite3"
    db = open_database(db_url)
    sid = _session(db)
    expected = load_emg(db, sid)
    db.close()
    _as_schema_3(db_url, path)
    old_size = path.stat().st_size if sqlite else 0
    db = open_database(db_url)  # migration 4 runs here
    assert schema_version(db.engine) == SCHEMA_VERSION >= 4
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM emg_chunks WHERE codec = :c"),
                            {"c": CODEC_RAW}).scalar() == 0
    got = load_emg(db, sid)
    np.testing.assert_array_equal(got.data_uv.view(np.uint32), expected.data_uv.view(np.uint32))
    np.testing.assert_array_equal(got.times_s, expected.times_s)
    db.close()
    if sqlite:
        print(f"database {old_size} -> {path.stat().st_size} bytes")
        assert path.stat().st_size < old_size / SHRINK_MIN  # space given back
