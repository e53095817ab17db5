"""The clinician view as a therapist uses it: find a patient, open a session, review it."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices

from facetrainer.storage import create_patient, open_database
from facetrainer.storage.markers import list_markers
from facetrainer.storage.synthetic_history import record_synthetic_session

REPORT_TIMEOUT_MS = 60000


@pytest.fixture
def clinic(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'clinic.sqlite3'}")
    create_patient(db, "P014", "left", cause="Bell's palsy")
    create_patient(db, "P022", "right", cause="vestibular schwannoma surgery")
    today = dt.datetime.now(dt.UTC).replace(microsecond=0)
    ids = [
        record_synthetic_session(db, "P014", today - dt.timedelta(days=d), duration_s=30.0,
                                 fs_hz=1000.0, n_channels=4, fps=10.0, seed=d,
                                 rep_period_s=6.0).session_id
        for d in (20, 5)
    ]
    yield db, ids
    db.close()


@pytest.fixture
def view(qtbot, clinic):
    from facetrainer.gui.review.clinician_view import ClinicianView

    v = ClinicianView(clinic[0])
    qtbot.addWidget(v)
    v.resize(1500, 900)
    v.show()
    return v


def test_search_then_sessions_newest_first(qtbot, view, clinic):
    _, ids = clinic
    qtbot.keyClicks(view.search, "schwannoma")
    assert [p.code for p in view.patients] == ["P022"] and view.session_table.rowCount() == 0
    view.search.clear()
    assert view.patient_table.rowCount() == 2 and view.patient_code() == "P014"
    assert view.patient_table.item(0, 4).text() == "2"  # both sessions in the last 30 days
    assert [s.session_id for s in view.sessions] == list(reversed(ids))


def test_a_session_reviewed_with_the_cursor_moved_to_a_rep(qtbot, view, clinic):
    from facetrainer.storage.rep_clips import save_clip
    from facetrainer.storage.session_data import load_reps

    db, ids = clinic
    clip_rep = load_reps(db, ids[0])[2]
    frames = [np.full((30, 40, 3), 25 * k, np.uint8) for k in range(6)]
    save_clip(db, ids[0], clip_rep["exercise"], clip_rep["rep_index"], 0.9, frames, fps=2.0)
    view.session_table.selectRow(1)  # the older session
    with qtbot.waitSignal(view.session_opened) as opened:
        qtbot.mouseClick(view.open_button, Qt.MouseButton.LeftButton)
    session = opened.args[0]
    assert session.review.session_id == ids[0]
    assert len(session.emg_curves) == 4 and session.plots[0].getAxis("left").labelText == "frontalis/left"

    rect = session.rep_table.visualItemRect(session.rep_table.item(2, 0))
    with qtbot.waitSignal(session.cursor_moved) as moved:
        qtbot.mouseClick(session.rep_table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    rep = session.review.reps[2]
    assert moved.args[0] == pytest.approx(rep["start_s"])
    assert session.rep_table.currentRow() == 2
    assert f"of {rep['exercise']}" in session.readout.text()
    assert session.picture_caption.text().startswith(f"best-rep clip: {rep['exercise']}")
    assert not session.picture.pixmap().isNull()  # the rep's first frame, replayed
    session.set_cursor(rep["start_s"] + 1.1)
    assert "frame 3 of 6" in session.picture_caption.text()
    lo, hi = session.plots[0].viewRange()[0]
    assert lo < rep["start_s"] and hi > rep["end_s"] and hi - lo < 20.0  # zoomed to the rep

    with qtbot.waitSignal(session.envelope_ready, timeout=30000):
        session.mode_box.setCurrentText("envelope")
    shown = session.emg_curves[0].getOriginalDataset()[1]
    assert np.nanmin(shown) >= 0.0  # an envelope, not the raw signal

    session.note.setText("eye narrows at the smile's peak")
    qtbot.mouseClick(session.mark_button, Qt.MouseButton.LeftButton)
    notes = [(m.t_s, m.note) for m in list_markers(db, ids[0])]
    assert (pytest.approx(rep["start_s"] + 1.1), "eye narrows at the smile's peak") in notes

    start = session.cursor_s
    qtbot.mouseClick(session.play_button, Qt.MouseButton.LeftButton)
    qtbot.wait(400)
    qtbot.mouseClick(session.play_button, Qt.MouseButton.LeftButton)
    assert session.cursor_s > start  # replay moved the cursor


def test_report_exported_from_the_review_and_opened(qtbot, view, tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    with qtbot.waitSignal(view.report_done, timeout=REPORT_TIMEOUT_MS):
        view.export_report(tmp_path / "P014.pdf")
    assert (tmp_path / "P014.pdf").stat().st_size > 1000
    assert view.open_report_button.isEnabled()
    qtbot.mouseClick(view.open_report_button, Qt.MouseButton.LeftButton)
    assert opened and opened[0].toLocalFile() == str(tmp_path / "P014.pdf")


def test_recorded_activations_get_their_own_plot(qtbot, tmp_path):
    from facetrainer.exercises.events import ActivationSample
    from facetrainer.gui.review.session_view import SessionView
    from facetrainer.storage.recorder import SessionRecorder
    from facetrainer.storage.session_review import load_session_review

    db = open_database(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    create_patient(db, "P014", "left")
    rec = SessionRecorder(db, "P014")
    rec.start()
    for k in range(20):
        level = 50.0 if 5 <= k < 15 else 2.0
        rec.on_activation(ActivationSample(rec.t0 + k / 10, level,
                                           {"orbicularis_oculi/left": level / 5}, "hold"))
    rec.stop()
    review = load_session_review(db, rec.session_id)
    assert set(review.series("activation/")) == {
        "target_pct", "watch_pct/orbicularis_oculi/left", "phase"}
    view = SessionView(review, db)
    qtbot.addWidget(view)
    assert view.plots[-1].getAxis("left").labelText == "activation %"
    names = {item.name() for item in view.plots[-1].listDataItems()}
    assert names == {"target_pct", "watch_pct/orbicularis_oculi/left"}  # not the phase code
    db.close()
