"""The exercise library: every required exercise present, bad files named precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from facetrainer.exercises.anatomy import MUSCLES, REGIONS
from facetrainer.exercises.library import ExerciseFileError, load_exercise_file, load_library

REQUIRED_SCORED = (
    "brow_raise",
    "gentle_eye_closure",
    "tight_eye_closure",
    "closed_smile",
    "open_smile",
    "snarl",
    "pucker",
    "eee",
    "lip_depression",
    "cheek_puff",
)

GOOD = """
id = "my_smile"
name = "My smile"
instructions = "Smile slowly."
emotion_cue = "Think of a friend."
target_regions = ["mouth_corner"]
watch_regions = ["eye"]
reps = 5
hold_s = 2.0
rest_s = 3.0
"""


@pytest.fixture(scope="module")
def library():
    return load_library(include_user=False)


def test_every_required_exercise_is_scored_with_known_names(library):
    for ex_id in REQUIRED_SCORED:
        ex = library[ex_id]
        assert ex.scored
        assert ex.target_regions or ex.target_muscles
        assert set(ex.target_regions + ex.watch_regions) <= set(REGIONS)
        assert set(ex.target_muscles + ex.watch_muscles) <= set(MUSCLES)
        assert ex.instructions and ex.emotion_cue and ex.speed.guidance
        assert ex.reps >= 1 and ex.hold_s > 0 and ex.rest_s > 0


def test_guided_items_are_timed_steps(library):
    guided = {e.id: e for e in library.guided()}
    assert {"massage_cheek", "stretch_smile"} <= set(guided)
    for ex in guided.values():
        assert ex.steps and all(s.duration_s > 0 and s.text for s in ex.steps)


@pytest.mark.parametrize(
    "edit, field",
    [
        (
            lambda s: s.replace('watch_regions = ["eye"]', 'watch_regions = ["ear"]'),
            "watch_regions",
        ),
        (lambda s: s.replace('name = "My smile"\n', ""), "name"),
        (lambda s: s.replace("hold_s = 2.0", "hold_s = -1.0"), "hold_s"),
        (lambda s: s.replace("rest_s = 3.0", 'rest_s = "long"'), "rest_s"),
        (lambda s: s.replace("reps = 5", "reps = 0"), "reps"),
        (lambda s: s + "[thresholds]\ntarget_band_pct = [80, 40]\n", "thresholds.target_band_pct"),
        (lambda s: s + "[speed]\nmin_contract_s = -2\n", "speed.min_contract_s"),
        (lambda s: s + "colour = 'red'\n", "colour"),
    ],
)
def test_bad_file_names_file_and_field(tmp_path: Path, edit, field):
    path = tmp_path / "bad.toml"
    path.write_text(edit(GOOD))
    with pytest.raises(ExerciseFileError) as info:
        load_exercise_file(path)
    message = str(info.value)
    assert str(path) in message and f"'{field}'" in message


def test_garbage_file_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "garbage.toml"
    path.write_bytes(b"\x00\xff not toml [[[")
    with pytest.raises(ExerciseFileError, match="garbage.toml"):
        load_exercise_file(path)


def test_user_folder_adds_and_replaces_and_reports_broken_files(tmp_path: Path):
    (tmp_path / "mine.toml").write_text(GOOD)
    strict = GOOD.replace('id = "my_smile"', 'id = "closed_smile"').replace("reps = 5", "reps = 3")
    (tmp_path / "closed_smile.toml").write_text(strict)
    (tmp_path / "broken.toml").write_text(GOOD.replace("hold_s = 2.0", "hold_s = -2"))
    lib = load_library(tmp_path)
    assert lib["my_smile"].reps == 5
    assert lib["closed_smile"].reps == 3
    assert len(lib.problems) == 1 and "broken.toml" in lib.problems[0]
    assert "brow_raise" in lib


def test_unknown_exercise_lists_known_ids(library):
    with pytest.raises(KeyError, match="brow_raise"):
        library["no_such_exercise"]
