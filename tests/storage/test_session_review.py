"""The clinician's data: patients with search, a patient's sessions, one session reviewed."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from facetrainer.storage import create_patient
from facetrainer.storage.markers import add_marker
from facetrainer.storage.session_review import (
    load_session_review,
    patient_rows,
    session_rows,
)
from facetrainer.storage.synthetic_history import record_synthetic_session

NOW = dt.datetime(2026, 4, 1, 12, tzinfo=dt.UTC)
FRAME_PERIOD_S = 0.1  # 10 fps below


def _session(db, code, days_before, seed=0):
    return record_synthetic_session(
        db, code, NOW - dt.timedelta(days=days_before), duration_s=20.0, fs_hz=1000.0,
        n_channels=4, fps=10.0, seed=seed, rep_period_s=6.0,
    )


@pytest.fixture
def clinic(db, patient):
    create_patient(db, "P022", "right", cause="vestibular schwannoma surgery")
    sessions = [_session(db, "P001", d, seed=d) for d in (40, 10, 2)]
    return db, sessions


def test_patients_table_counts_recent_sessions_and_searches(clinic):
    db, _ = clinic
    rows = {r.code: r for r in patient_rows(db, now=NOW)}
    assert (rows["P001"].sessions_recent, rows["P001"].sessions_total) == (2, 3)
    assert rows["P001"].last_session == NOW - dt.timedelta(days=2)
    assert rows["P022"].last_session is None and rows["P022"].sessions_recent == 0
    assert [r.code for r in patient_rows(db, "SCHWANNOMA", now=NOW)] == ["P022"]
    assert [r.code for r in patient_rows(db, "left", now=NOW)] == ["P001"]


def test_sessions_list_newest_first_with_reps_quality_and_markers(clinic):
    db, sessions = clinic
    add_marker(db, sessions[0].session_id, 5.0, "good control")
    rows = session_rows(db, "P001")
    assert [r.session_id for r in rows] == [s.session_id for s in reversed(sessions)]
    first = rows[-1]
    assert first.reps == len(sessions[0].reps) and first.markers == 2
    expected = np.mean([r["quality"] for r in sessions[0].reps])
    assert first.mean_quality == pytest.approx(expected)


def test_review_holds_emg_measures_reps_markers_and_answers_the_cursor(clinic):
    db, sessions = clinic
    s = sessions[1]
    review = load_session_review(db, s.session_id)
    assert review.emg[0].data_uv.shape == (4, 20000)
    assert review.channel_labels()[0] == "frontalis/left"  # from the stored montage
    assert [m.note for m in review.markers] == ["start of practice"]
    rep = review.reps[1]
    t = 0.5 * (rep["start_s"] + rep["end_s"])
    assert review.rep_at(t) == 1 and review.rep_at(rep["start_s"] - 1.0) is None
    at = review.values_at(t)
    assert "commissure_excursion_mm/left" in at
    i = int(round(t / FRAME_PERIOD_S))
    key = "measures/metrics/commissure_excursion_mm/left"
    assert at["commissure_excursion_mm/left"] == review.frames.values[key][i]


def test_envelope_rises_during_reps(clinic):
    db, sessions = clinic
    review = load_session_review(db, sessions[0].session_id)
    env = review.envelope(0)
    t = review.emg[0].times_s
    rep = review.reps[0]
    inside = (t > rep["start_s"] + 0.5) & (t < rep["end_s"] - 0.5)
    rest = (t > 0.5) & (t < rep["start_s"] - 0.5)
    assert np.median(env[0, inside]) > 4 * np.median(env[0, rest])  # bursts are 8× the floor


def test_best_rep_clip_frame_follows_the_cursor_and_the_nearest_visit_is_attached(clinic):
    from facetrainer.storage.assessment import save_assessment
    from facetrainer.storage.rep_clips import save_clip

    db, sessions = clinic
    s = sessions[1]
    rep = s.reps[1]
    frames = [np.full((30, 40, 3), 20 * k, np.uint8) for k in range(8)]
    save_clip(db, s.session_id, rep["exercise"], rep["rep_index"], rep["quality"], frames, 2.0)
    photo = np.full((48, 64, 3), 120, np.uint8)
    for days in (30, 9):  # the second visit is a day after session 1 (10 days before NOW)
        save_assessment(db, "P001", {"rest": (photo, {})}, taken_at=NOW - dt.timedelta(days=days))

    review = load_session_review(db, s.session_id)

    clip, frame = review.clip_at(rep["start_s"] + 1.6)
    assert (clip.exercise, frame) == (rep["exercise"], 3)  # 1.6 s at 2 fps
    assert review.clip_at(rep["start_s"] - 0.5) is None
    assert review.assessment is not None
    assert abs(review.assessment.taken_at.replace(tzinfo=dt.UTC) - (NOW - dt.timedelta(days=9))) < dt.timedelta(seconds=1)
    assert review.assessment.photos[0][0] == "rest" and review.assessment.photos[0][1]
