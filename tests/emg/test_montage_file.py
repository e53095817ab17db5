"""Montages built in the editor: validated like files, saved in the same format."""

from __future__ import annotations

import pytest

from facetrainer.emg.electrode_sites import SITES, site_positions
from facetrainer.emg.montage import MontageError, Placement, load_montage
from facetrainer.emg.montage_file import build_montage, save_montage
from facetrainer.exercises.anatomy import MUSCLES


def test_built_montage_saves_and_loads_back_identically(tmp_path):
    montage = build_montage(
        'Smile "and" eye',
        {"ch1": "zygomaticus_major/left", "ch2": "zygomaticus_major/right", "ch3": None,
         "ch4": "orbicularis_oculi/left"},
        description="oral–ocular",
    )
    path = save_montage(montage, tmp_path / "m.toml")
    again = load_montage(path)
    assert (again.name, again.description, again.channels) == (
        montage.name, montage.description, montage.channels)
    assert "ch3" not in again.channels


def test_a_muscle_twice_on_one_side_is_refused_naming_the_field():
    with pytest.raises(MontageError, match=r"channels\.ch3': zygomaticus_major/left is already on channel 'ch1'"):
        build_montage("dup", {"ch1": "zygomaticus_major/left", "ch2": "frontalis/left",
                              "ch3": "zygomaticus_major/left"})
    with pytest.raises(MontageError, match="field 'name'"):
        build_montage(" ", {"ch1": "frontalis/left"})


def test_an_existing_file_is_not_overwritten(tmp_path):
    m = build_montage("a", {"ch1": "frontalis/left"})
    save_montage(m, tmp_path / "m.toml")
    with pytest.raises(MontageError, match="not overwritten"):
        save_montage(build_montage("b", {"ch1": "frontalis/right"}), tmp_path / "m.toml")
    assert load_montage(tmp_path / "m.toml").name == "a"


def test_every_montage_muscle_has_a_site_on_both_sides_mirrored():
    assert {s.muscle for s in SITES} == set(MUSCLES)
    pos = site_positions(400, 500)
    for site in SITES:
        (xl, yl), (xr, yr) = pos[Placement(site.muscle, "left")], pos[Placement(site.muscle, "right")]
        assert xl > 200 > xr and xl - 200 == pytest.approx(200 - xr) and yl == yr
