"""Program files are bounded: size, nesting, number of exercises, reps, times; exports are
private (issue 16, defects 5, 7 and 10)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from facetrainer.storage import ProgramFileError, ProgramItem, ProgramSpec, export_program
from facetrainer.storage.programs import (
    MAX_PROGRAM_DEPTH,
    MAX_PROGRAM_EXERCISES,
    MAX_PROGRAM_FILE_BYTES,
    MAX_REPS,
    MAX_TIME_S,
    load_program_file,
)


def _program(**item) -> dict:
    return ProgramSpec(name="Home A", items=[ProgramItem("open_smile", **item)]).to_dict()


def _write(tmp_path, data) -> os.PathLike:
    path = tmp_path / "home.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_a_deeply_nested_file_is_refused_with_the_allowed_depth(tmp_path):
    path = _write(tmp_path, "[" * 100_000 + "]" * 100_000)
    with pytest.raises(ProgramFileError) as err:
        load_program_file(path)
    assert str(path) in str(err.value)
    assert f"allowed up to {MAX_PROGRAM_DEPTH}" in str(err.value)


def test_brackets_inside_text_do_not_count_as_nesting(tmp_path):
    data = _program(cue='[[[[[[[[[[[[[[[[[[[[ smile ]]]]]]]]]]]]]]]]]]]] " {{{{')
    assert load_program_file(_write(tmp_path, data)).items[0].cue.startswith("[[[")


def test_a_program_with_too_many_exercises_is_refused(tmp_path):
    data = _program()
    data["exercises"] = [{"exercise": "open_smile"}] * 1000
    with pytest.raises(ProgramFileError, match=f"allowed 1 to {MAX_PROGRAM_EXERCISES}"):
        load_program_file(_write(tmp_path, data))
    data["exercises"] = [{"exercise": "open_smile"}] * 120_000  # 3 MB: refused unread
    with pytest.raises(ProgramFileError, match=f"allowed up to {MAX_PROGRAM_FILE_BYTES}"):
        load_program_file(_write(tmp_path, data))


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("reps", 10**30, f"from 1 to {MAX_REPS}"),
        ("hold_s", 1e999, f"from 0 to {MAX_TIME_S:g}"),
        ("rest_s", float("nan"), f"from 0 to {MAX_TIME_S:g}"),
        ("hold_s", 3600.0, f"from 0 to {MAX_TIME_S:g}"),
    ],
)
def test_reps_and_times_are_range_checked_with_the_allowed_range(tmp_path, field, value, allowed):
    data = _program()
    data["exercises"][0][field] = value
    path = _write(tmp_path, json.dumps(data))  # NaN/Infinity as Python's json writes them
    with pytest.raises(ProgramFileError) as err:
        load_program_file(path)
    assert f"exercises[0].{field} = " in str(err.value) and allowed in str(err.value)


def test_an_exported_program_is_private(tmp_path):
    old = os.umask(0o022)
    try:
        spec = ProgramSpec(name="Home A", items=[ProgramItem("open_smile")])
        path = export_program(spec, tmp_path / "home.json")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home.json"]
