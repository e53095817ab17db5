"""Montage files: ready montages and validation messages naming file and field."""

from __future__ import annotations

import pytest

from facetrainer.emg.montage import MontageError, Placement, list_montages, load_montage


def test_ready_montages_cover_2_4_and_8_channels():
    sizes = sorted(len(load_montage(name).channels) for name in list_montages())
    assert sizes == [2, 4, 8]


def test_channels_map_by_name_then_by_position():
    m = load_montage("smile_eye_4ch")
    placements = m.placements_for(["Fz", "C3", "Cz", "C4", "Pz"])
    assert placements[0] == Placement("zygomaticus_major", "left")
    assert placements[3] == Placement("orbicularis_oculi", "right")
    assert placements[4] is None
    assert m.contralateral_index(["a", "b", "c", "d"], 2) == 3


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('name = "x"\n[channels]\nch1 = "zygomatic/left"\n', r"channels\.ch1.*unknown muscle"),
        ('name = "x"\n[channels]\nch1 = "frontalis/up"\n', r"channels\.ch1.*side"),
        ('name = "x"\n[channels]\nch1 = "frontalis"\n', r"channels\.ch1.*muscle/side"),
        (
            'name = "x"\n[channels]\nch1 = "frontalis/left"\nch2 = "frontalis/left"\n',
            r"channels\.ch2.*already",
        ),
        ('[channels]\nch1 = "frontalis/left"\n', r"field 'name'"),
        ('name = "x"\n', r"\[channels\]"),
        ('name = "x"\nchannels = [\n', r"not valid TOML"),
    ],
)
def test_bad_montage_files_name_the_file_and_field(tmp_path, text, match):
    path = tmp_path / "bad_montage.toml"
    path.write_text(text)
    with pytest.raises(MontageError, match=match) as info:
        load_montage(path)
    assert "bad_montage.toml" in str(info.value)


def test_unknown_ready_montage_lists_the_known_ones():
    with pytest.raises(MontageError, match="smile_2ch"):
        load_montage("no_such_montage")
