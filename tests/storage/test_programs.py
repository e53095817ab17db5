"""Programs: a file a therapist hands a patient, versioned, validated on load."""

from __future__ import annotations

import json

import pytest

from facetrainer.storage import (
    ProgramFileError,
    ProgramItem,
    ProgramSpec,
    StorageError,
    export_program,
    import_program,
    load_program_file,
)
from facetrainer.storage.programs import (
    PROGRAM_FORMAT_VERSION,
    builtin_programs,
    get_program,
    latest_program_id,
    program_names,
)


def _spec(revision: int = 2) -> ProgramSpec:
    return ProgramSpec(
        name="Home A",
        revision=revision,
        notes="after the March visit",
        items=[
            ProgramItem(
                "open_smile",
                reps=12,
                hold_s=2.5,
                rest_s=6.0,
                thresholds={"target_min": 0.25, "spillover_max": 0.15},
                cue="Smile as if greeting a friend; eyes soft.",
            ),
            ProgramItem("massage_cheek", reps=1, hold_s=60.0, rest_s=0.0),
        ],
    )


def test_export_then_import_round_trip(db, patient, tmp_path):
    path = export_program(_spec(), tmp_path / "home-a.json")
    assert load_program_file(path) == _spec()
    program_id = import_program(db, path, patient_code="P001")
    assert get_program(db, program_id) == _spec()
    assert latest_program_id(db, patient_code="P001") == program_id
    # Importing the same file again is harmless: the same program comes back.
    assert import_program(db, path, patient_code="P001") == program_id
    assert program_names(db) == [(program_id, "Home A", 2)]


def test_program_names_are_scoped_per_patient(db, patient, tmp_path):
    from facetrainer.storage import create_patient

    create_patient(db, "P002", "right")
    shared = import_program(db, export_program(_spec(), tmp_path / "a.json"))
    other = _spec()
    other.items[0].reps = 4
    path = export_program(other, tmp_path / "b.json")
    mine = import_program(db, path, patient_code="P002")  # same name and revision: theirs
    assert len({shared, mine}) == 2
    assert get_program(db, shared).items[0].reps == 12 and get_program(db, mine).items[0].reps == 4
    assert latest_program_id(db, patient_code="P002") == mine
    assert latest_program_id(db, patient_code="P001") is None  # the shared one is nobody's


def test_changed_program_needs_new_revision(db, tmp_path):
    import_program(db, export_program(_spec(), tmp_path / "a.json"))
    changed = _spec()
    changed.items[0].reps = 20
    path = export_program(changed, tmp_path / "b.json")
    with pytest.raises(StorageError, match="revision 2 already exists.*nothing overwritten"):
        import_program(db, path)
    changed.revision = 3
    new_id = import_program(db, export_program(changed, tmp_path / "c.json"))
    assert get_program(db, new_id).items[0].reps == 20


def test_builtin_programs_are_valid():
    programs = builtin_programs()
    assert programs, "resources/programs holds at least one program"
    for p in programs:
        assert p.items and all(i.reps >= 1 for i in p.items)


def test_program_from_a_newer_version_is_refused(db, tmp_path):
    data = _spec().to_dict()
    data["facetrainer_program"] = PROGRAM_FORMAT_VERSION + 1
    path = tmp_path / "future.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ProgramFileError) as err:
        import_program(db, path)
    assert str(path) in str(err.value) and "newer FaceTrainer" in str(err.value)
    assert program_names(db) == []  # nothing stored


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["exercises"][1].update(reps=0), "exercises[1].reps = 0"),
        (lambda d: d["exercises"][0].update(exercise="juggle"), "exercises[0].exercise = 'juggle'"),
        (
            lambda d: d["exercises"][0]["thresholds"].update(target_min="high"),
            "exercises[0].thresholds.target_min = 'high'",
        ),
        (lambda d: d.pop("facetrainer_program"), "not a FaceTrainer program"),
        (lambda d: d.update(exercises=[]), "exercises: must be a non-empty list"),
    ],
)
def test_bad_program_fields_are_named(tmp_path, mutate, field):
    data = _spec().to_dict()
    mutate(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ProgramFileError) as err:
        load_program_file(path)
    assert str(path) in str(err.value) and field in str(err.value)


def test_corrupted_program_file_gives_clear_error(tmp_path):
    path = tmp_path / "broken.json"
    path.write_bytes(b'{"facetrainer_program": 1, "name": "x", "exerc\x00\xff')
    with pytest.raises(ProgramFileError, match="broken.json is not valid JSON"):
        load_program_file(path)
    toml = tmp_path / "broken.toml"
    toml.write_text("name = [unclosed\n")
    with pytest.raises(ProgramFileError, match="broken.toml is not valid TOML"):
        load_program_file(toml)


def test_export_does_not_overwrite(tmp_path):
    path = tmp_path / "p.json"
    path.write_text("keep me")
    with pytest.raises(ProgramFileError, match="not overwritten"):
        export_program(_spec(), path)
    assert path.read_text() == "keep me"


def test_a_program_may_prescribe_the_therapists_own_exercise(tmp_path):
    """Exercise ids are checked against the library, which includes the user's folder."""
    from facetrainer.exercises.library import builtin_dir, default_user_dir

    user_dir = default_user_dir()
    user_dir.mkdir(parents=True, exist_ok=True)
    custom = (builtin_dir() / "closed_smile.toml").read_text()
    custom = custom.replace('id = "closed_smile"', 'id = "half_smile_custom"', 1)
    (user_dir / "half_smile_custom.toml").write_text(custom)
    try:
        data = _spec().to_dict()
        data["exercises"][0]["exercise"] = "half_smile_custom"
        path = tmp_path / "custom.json"
        path.write_text(json.dumps(data))
        assert load_program_file(path).items[0].exercise == "half_smile_custom"
    finally:
        (user_dir / "half_smile_custom.toml").unlink()
