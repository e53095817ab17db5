"""The program editor as a therapist uses it: build, save revisions, export, import elsewhere."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from facetrainer.storage import create_patient, open_database
from facetrainer.storage.programs import get_program, import_program, latest_program_id


@pytest.fixture
def clinic(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'clinic.sqlite3'}")
    create_patient(db, "P014", "left")
    yield db
    db.close()


@pytest.fixture
def editor(qtbot, clinic):
    from facetrainer.gui.program_editor import ProgramEditor

    e = ProgramEditor(clinic)
    qtbot.addWidget(e)
    e.show()
    e.patient.setCurrentText("P014")
    return e


def add_from_library(qtbot, editor, exercise_id):
    for i in range(editor.exercises.count()):
        item = editor.exercises.item(i)
        if item.data(Qt.ItemDataRole.UserRole) == exercise_id:
            editor.exercises.setCurrentItem(item)
            break
    editor._add_selected()


def test_program_built_saved_revised_exported_and_imported_on_another_database(
    qtbot, editor, clinic, tmp_path
):
    add_from_library(qtbot, editor, "massage_cheek")
    add_from_library(qtbot, editor, "open_smile")
    editor.table.selectRow(1)
    editor.move(-1)  # the smile first
    assert [r.exercise for r in editor.rows()] == ["open_smile", "massage_cheek"]
    smile = editor.rows()[0]
    assert smile.band_low_pct is not None and smile.cue  # the library's band and emotion cue
    editor.table.cellWidget(0, 1).setValue(12)
    editor.table.cellWidget(0, 4).setValue(25.0)
    editor.table.cellWidget(0, 5).setValue(50.0)
    editor.name.setText("Home A")
    editor.notes.setPlainText("after the March visit")
    assert editor.revision.text() == "will be saved as revision 1"

    with qtbot.waitSignal(editor.saved) as first:
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert first.args[1] == 1
    editor.table.cellWidget(0, 1).setValue(15)
    assert not editor.export_to(tmp_path / "stale.json")  # unsaved edits are not exported
    assert "unsaved changes" in editor.message.text()
    with qtbot.waitSignal(editor.saved) as second:
        editor.save()
    assert second.args[1] == 2
    assert get_program(clinic, first.args[0]).items[0].reps == 12  # revision 1 unchanged

    assert editor.export_to(tmp_path / "home-a.json")
    home = open_database(f"sqlite:///{tmp_path / 'home.sqlite3'}")
    try:
        create_patient(home, "P014", "left")
        spec = get_program(home, import_program(home, tmp_path / "home-a.json", "P014"))
    finally:
        home.close()
    assert (spec.name, spec.revision, spec.notes) == ("Home A", 2, "after the March visit")
    assert spec.items[0].exercise == "open_smile" and spec.items[0].reps == 15
    assert spec.items[0].thresholds["target_min"] == pytest.approx(0.25)


def test_zero_reps_and_a_threshold_over_200_percent_are_refused_naming_the_field(
    qtbot, editor, clinic
):
    add_from_library(qtbot, editor, "open_smile")
    editor.name.setText("Home B")
    editor.table.cellWidget(0, 1).setValue(0)
    assert editor.save() is None
    assert "exercises[0].reps = 0" in editor.message.text()
    editor.table.cellWidget(0, 1).setValue(8)
    editor.table.cellWidget(0, 6).setValue(250.0)
    assert editor.save() is None
    assert "exercises[0].ceiling_pct = 250" in editor.message.text()
    assert latest_program_id(clinic, "P014", "Home B") is None  # nothing saved


def test_a_stored_revision_opens_for_editing(qtbot, editor, clinic):
    add_from_library(qtbot, editor, "pucker")
    editor.name.setText("Home C")
    pid = editor.save()
    from facetrainer.gui.program_editor import ProgramEditor

    other = ProgramEditor(clinic)
    qtbot.addWidget(other)
    other.patient.setCurrentText("P014")
    other.program.setCurrentIndex(other.program.findData(pid))
    other.open_selected()
    assert other.name.text() == "Home C" and [r.exercise for r in other.rows()] == ["pucker"]
    assert other.revision.text() == "will be saved as revision 2"
