"""Programs edited in the window: percent thresholds checked, every save a new revision."""

from __future__ import annotations

import pytest

from facetrainer.storage.program_editing import (
    ItemDraft,
    build_program,
    next_revision,
    program_choices,
    save_new_revision,
)
from facetrainer.storage.programs import ProgramFileError, get_program


def _items():
    return [
        ItemDraft("open_smile", reps=12, hold_s=2.5, rest_s=6.0, band_low_pct=25,
                  band_high_pct=50, ceiling_pct=15, cue="Smile as if greeting a friend."),
        ItemDraft("massage_cheek", reps=1, hold_s=60.0, rest_s=0.0),
    ]


def test_percentages_become_the_files_fractions_and_back():
    spec = build_program("Home A", _items(), notes="after the March visit")
    assert spec.items[0].thresholds == {"target_min": 0.25, "target_max": 0.5,
                                        "spillover_max": 0.15}
    assert spec.items[1].thresholds == {}
    assert ItemDraft.from_item(spec.items[0]) == _items()[0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reps": 0}, r"exercises\[1\]\.reps = 0: must be an integer from 1 to 1000"),
        ({"band_high_pct": 250.0}, r"exercises\[1\]\.band_high_pct = 250: must be within 0-200 %"),
        ({"ceiling_pct": -5.0}, r"exercises\[1\]\.ceiling_pct = -5"),
        ({"band_low_pct": 60.0, "band_high_pct": 40.0}, r"band_low_pct = 60 is not below"),
        ({"exercise": "juggling"}, r"exercises\[1\]\.exercise = 'juggling': unknown exercise id"),
    ],
)
def test_bad_rows_are_refused_naming_the_field(change, message):
    items = _items()
    for key, value in change.items():
        setattr(items[1], key, value)
    with pytest.raises(ProgramFileError, match=message):
        build_program("Home A", items)


def test_each_save_is_the_next_revision_and_earlier_ones_stay(db, patient):
    first = build_program("Home A", _items())
    pid1, rev1 = save_new_revision(db, first, patient.code)
    items = _items()
    items[0].reps = 15
    pid2, rev2 = save_new_revision(db, build_program("Home A", items), patient.code)
    assert (rev1, rev2) == (1, 2) and pid1 != pid2
    assert get_program(db, pid1).items[0].reps == 12
    assert get_program(db, pid2).items[0].reps == 15
    assert next_revision(db, "Home A", patient.code) == 3
    assert next_revision(db, "Home A") == 1  # shared programs count separately
    assert program_choices(db, patient.code) == [(pid2, "Home A", 2)]


def test_thresholds_saved_into_the_patients_program_as_a_new_revision(db, patient):
    from facetrainer.exercises.library import Thresholds
    from facetrainer.storage.program_editing import save_thresholds_in_program

    spec = build_program("Home A", [ItemDraft("open_smile", sets=2), ItemDraft("pucker")],
                         patient=patient.code)
    pid, _ = save_new_revision(db, spec, patient.code)
    new_pid, rev = save_thresholds_in_program(db, pid, "open_smile",
                                              Thresholds((25.0, 55.0), 12.0), patient.code)
    saved = get_program(db, new_pid)
    assert rev == 2 and saved.patient == patient.code
    assert saved.items[0].thresholds == {"target_min": 0.25, "target_max": 0.55,
                                         "spillover_max": 0.12}
    assert saved.items[0].sets == 2 and saved.items[1].thresholds == {}
    assert get_program(db, pid).items[0].thresholds == {}  # revision 1 as it was
    with pytest.raises(ValueError, match="has no 'eee'"):
        save_thresholds_in_program(db, pid, "eee", Thresholds((25.0, 55.0), 12.0))
