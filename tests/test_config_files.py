"""Every JSON/TOML configuration file is refused with a message when it is too large or
nested too deeply, never with a RecursionError traceback (issue 16, defect 5)."""

from __future__ import annotations

import pytest

from facetrainer.config_files import MAX_CONFIG_BYTES, MAX_CONFIG_DEPTH, bracket_depth

DEEP_JSON = "[" * 100_000 + "]" * 100_000
DEEP_TOML = "a = " + "[" * 100_000 + "]" * 100_000 + "\n"


def _loaders():
    from facetrainer.emg.montage import MontageError, load_montage
    from facetrainer.exercises.calibration import Calibration, CalibrationError
    from facetrainer.simulation.profile import ProfileError, load_profile
    from facetrainer.storage.programs import ProgramFileError, load_program_file

    return [
        ("calibration.json", DEEP_JSON, Calibration.load, CalibrationError),
        ("montage.toml", DEEP_TOML, load_montage, MontageError),
        ("profile.toml", DEEP_TOML, load_profile, ProfileError),
        ("program.json", DEEP_JSON, load_program_file, ProgramFileError),
        ("program.toml", DEEP_TOML, load_program_file, ProgramFileError),
    ]


@pytest.mark.parametrize("case", range(5))
def test_a_deeply_nested_file_is_refused_naming_it_and_the_limit(tmp_path, case):
    name, text, load, error = _loaders()[case]
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(error) as err:
        load(path)
    assert name in str(err.value) and f"allowed up to {MAX_CONFIG_DEPTH}" in str(err.value)


@pytest.mark.parametrize("case", range(5))
def test_an_oversized_file_is_refused_unread(tmp_path, case):
    name, _, load, error = _loaders()[case]
    path = tmp_path / name
    path.write_bytes(b" " * (MAX_CONFIG_BYTES + 1))
    with pytest.raises(error, match=f"allowed up to {MAX_CONFIG_BYTES}"):
        load(path)


def test_brackets_inside_strings_and_comments_do_not_nest():
    assert bracket_depth('{"a": [1, {"b": "[[[[\\"{{"}]}') == 3
    assert bracket_depth("x = 'it''s [[['\n# don't [[[[\ny = [[1]]\n") == 2
