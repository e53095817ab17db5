"""Exercise files: infinite, NaN and absurd numbers are refused with the allowed range;
rejected user files reach the console; one documented user folder (issue 16, defect 6)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from facetrainer.cli import main
from facetrainer.exercises.library import (
    MAX_FILE_BYTES,
    MAX_REPS,
    MAX_TIME_S,
    ExerciseFileError,
    default_user_dir,
    load_exercise_file,
)
from facetrainer.paths import user_exercise_folder

from .test_library import GOOD

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize(
    ("old", "new", "field", "allowed", "got"),
    [
        ("hold_s = 2.0", "hold_s = 1e999", "hold_s", f"≤ {MAX_TIME_S:g}", "got inf"),
        ("rest_s = 3.0", "rest_s = nan", "rest_s", f"≤ {MAX_TIME_S:g}", "got nan"),
        ("rest_s = 3.0", "rest_s = inf", "rest_s", f"≤ {MAX_TIME_S:g}", "got inf"),
        ("reps = 5", "reps = 10000000000", "reps", f"from 1 to {MAX_REPS}", "got 10000000000"),
    ],
)
def test_non_finite_and_absurd_numbers_are_refused_with_the_range(
    tmp_path, old, new, field, allowed, got
):
    path = tmp_path / "my_smile.toml"
    path.write_text(GOOD.replace(old, new))
    with pytest.raises(ExerciseFileError) as err:
        load_exercise_file(path)
    text = str(err.value)
    assert str(path) in text and f"'{field}'" in text and allowed in text and got in text


def test_an_oversized_exercise_file_is_refused_unread(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text(GOOD + "# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    with pytest.raises(ExerciseFileError, match=f"allowed up to {MAX_FILE_BYTES}"):
        load_exercise_file(path)


def test_score_names_rejected_user_files_on_stderr(tmp_path, capsys):
    folder = tmp_path / "exercises"
    folder.mkdir()
    (folder / "my_smile.toml").write_text(GOOD.replace("rest_s = 3.0", "rest_s = nan"))
    emg = tmp_path / "set.csv"
    emg.write_text("time_s,zygomaticus_major/left\n" + "".join(
        f"{k / 1000:.3f},{(k % 7) - 3}\n" for k in range(3000)))
    out = tmp_path / "scores.json"
    rc = main(["score", "--exercise", "closed_smile", "--emg", str(emg),
               "--exercise-dir", str(folder), "--json", str(out)])
    err = capsys.readouterr().err
    assert rc == 0
    assert re.search(r"skipped exercise file: .*my_smile\.toml: field 'rest_s'.*nan", err)
    assert json.loads(out.read_text())["library_problems"]


def test_the_readme_names_the_folder_the_code_reads(capsys):
    assert default_user_dir() == user_exercise_folder()
    assert main(["--paths"]) == 0
    printed = capsys.readouterr().out
    assert f"exercise files: {user_exercise_folder()}" in " ".join(printed.split())
    readme = README.read_text(encoding="utf-8")
    assert "~/.local/share/FaceTrainer/exercises" in readme
    assert "~/.local/share/facetrainer/exercises" not in readme  # the old, wrong name
    assert "facetrainer --paths" in readme


def test_score_refuses_a_photo_named_like_a_video_instead_of_saying_0_reps(
    tmp_path, capsys, astronaut_portrait
):
    import cv2

    fake = tmp_path / "set.mp4"
    ok, png = cv2.imencode(".png", astronaut_portrait[:, :, ::-1])
    fake.write_bytes(png.tobytes())
    out = tmp_path / "scores.json"
    rc = main(["score", "--exercise", "closed_smile", "--video", str(fake), "--json", str(out)])
    captured = capsys.readouterr()
    assert rc == 2
    assert "set.mp4 is a PNG image, not a video" in captured.err
    assert "0 reps" not in captured.out and not out.exists()


def test_score_keeps_the_earlier_json_on_a_full_disk(tmp_path, small_disk, capsys):
    emg = tmp_path / "set.csv"
    emg.write_text("time_s,zygomaticus_major/left\n" + "".join(
        f"{k / 1000:.3f},{(k % 7) - 3}\n" for k in range(3000)))
    out = small_disk.path / "scores.json"
    out.write_text('{"earlier": true}')
    small_disk.fill()
    rc = main(["score", "--exercise", "closed_smile", "--emg", str(emg), "--json", str(out)])
    assert rc == 2 and "disk is full" in capsys.readouterr().err
    assert json.loads(out.read_text()) == {"earlier": True}
