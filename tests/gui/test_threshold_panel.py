"""Thresholds on the plot: a band dragged and a ceiling typed change the running set, are
recorded, and are saved into the patient's program."""

from __future__ import annotations

import time

import pytest

from facetrainer.exercises import events as ev

LABELS = ("zygomaticus_major/left", "zygomaticus_major/right", "orbicularis_oculi/left",
          "orbicularis_oculi/right")
EVENT_TIMEOUT_S = 10.0


def wait_for(qtbot, predicate, timeout_s=EVENT_TIMEOUT_S):
    qtbot.waitUntil(predicate, timeout=int(timeout_s * 1000))


@pytest.mark.filterwarnings("ignore::facetrainer.emg.filters.EmgFilterWarning")
def test_band_dragged_and_ceiling_typed_apply_are_recorded_and_saved(qtbot, scripted_model):
    from facetrainer.gui.threshold_panel import ThresholdPanel
    from facetrainer.storage import create_patient
    from facetrainer.storage.program_editing import ItemDraft, build_program, save_new_revision
    from facetrainer.storage.programs import get_program
    from facetrainer.storage.session_data import load_events

    model, source = scripted_model(LABELS)
    db = model.open_database()
    create_patient(db, "P014", "left")
    pid, _ = save_new_revision(db, build_program("Home A", [ItemDraft("open_smile")],
                                                 patient="P014"), "P014")
    model.set_patient("P014", program_id=pid)
    panel = ThresholdPanel(model)
    qtbot.addWidget(panel)
    panel.show()
    changes = []
    model.events.feedback.connect(
        lambda e: changes.append(e) if e.kind == ev.THRESHOLDS_CHANGED else None)
    sid = model.start_recording()
    model.start_set("open_smile", cued=False)
    lo, hi = model.exercise.thresholds.target_band_pct
    wait_for(qtbot, lambda: panel.band.getRegion() == (lo, hi) and len(panel._t) > 5)

    panel.band.setRegion((30.0, 60.0))  # the therapist drags the band…
    panel.band.sigRegionChangeFinished.emit(panel.band)  # …and lets go
    wait_for(qtbot, lambda: len(changes) == 1)
    assert changes[0].data["target_band_pct"] == [30.0, 60.0]
    assert changes[0].data["source"] == "therapist"
    assert model.exercise_session.snapshot().band_pct == (30.0, 60.0)

    panel.ceiling_box.setValue(250.0)  # typed out of range: refused by name
    panel.ceiling_box.editingFinished.emit()
    assert "spillover_ceiling_pct = 250.0: must be within 0-200 %" in panel.message.text()
    assert panel.ceiling.value() == panel.thresholds.spillover_ceiling_pct != 250.0
    panel.ceiling_box.setValue(12.0)
    panel.ceiling_box.editingFinished.emit()
    wait_for(qtbot, lambda: len(changes) == 2)
    assert model.exercise_session.snapshot().ceiling_pct == 12.0

    assert panel.save_into_program()
    saved = get_program(db, model.program_id)
    assert saved.revision == 2 and saved.items[0].thresholds == {
        "target_min": 0.3, "target_max": 0.6, "spillover_max": 0.12}

    model.stop_set()
    time.sleep(0.3)
    model.stop_recording()
    recorded = [e for e in load_events(db, sid) if e["kind"] == ev.THRESHOLDS_CHANGED]
    assert [e["payload"]["target_band_pct"] for e in recorded] == [[30.0, 60.0], [30.0, 60.0]]
    assert [e["payload"]["spillover_ceiling_pct"] for e in recorded][-1] == 12.0
