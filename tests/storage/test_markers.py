"""Markers with notes: listed in time order, added while reviewing, notes edited."""

from __future__ import annotations

import datetime as dt

import pytest

from facetrainer.storage.markers import add_marker, list_markers, set_marker_note
from facetrainer.storage.session_data import load_events
from facetrainer.storage.synthetic_history import record_synthetic_session


@pytest.fixture
def session_id(db, patient):
    return record_synthetic_session(
        db, patient.code, dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), duration_s=12.0,
        fs_hz=250.0, n_channels=2, fps=10.0, rep_period_s=6.0,
    ).session_id


def test_live_and_review_markers_are_listed_in_time_order_with_notes(db, session_id):
    add_marker(db, session_id, 7.5, "eye narrowed on the smile")
    add_marker(db, session_id, 3.0)
    marks = list_markers(db, session_id)
    assert [(m.t_s, m.note) for m in marks] == [
        (0.5, "start of practice"), (3.0, ""), (7.5, "eye narrowed on the smile")]


def test_editing_a_note_keeps_the_marker_and_its_payload(db, session_id):
    m = add_marker(db, session_id, 4.0, "first")
    set_marker_note(db, m.event_id, "  better wording ")
    ev = [e for e in load_events(db, session_id) if e["t_s"] == 4.0][0]
    assert ev["payload"] == {"note": "better wording", "added": "review"}


def test_bad_marker_input_is_refused_naming_the_field(db, session_id):
    with pytest.raises(ValueError, match=r"marker t_s = 99: outside session"):
        add_marker(db, session_id, 99.0)
    with pytest.raises(ValueError, match="marker note: 2001 characters"):
        add_marker(db, session_id, 1.0, "x" * 2001)
    from facetrainer.storage.database import StorageError

    with pytest.raises(StorageError, match="unknown session 12345"):
        add_marker(db, 12345, 1.0)
    assert len(list_markers(db, session_id)) == 1
