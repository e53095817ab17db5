"""Patient profiles: the ready ones load; a bad file is refused naming file, field and value."""

from __future__ import annotations

import pytest

from facetrainer.simulation.profile import (
    REGIONS,
    ProfileError,
    available_profiles,
    load_profile,
)


def test_ready_profiles_exist_and_load():
    assert {"healthy", "flaccid_right", "synkinesis_left"} <= set(available_profiles())
    flaccid = load_profile("flaccid_right")
    assert flaccid.affected_side == "right"
    assert all(0.0 <= flaccid.paresis_of(r) <= 1.0 for r in REGIONS)
    assert not flaccid.synkinesis
    synk = load_profile("synkinesis_left")
    assert synk.affected_side == "left"
    assert any(c.source == "mouth_corner" and c.target == "eye" for c in synk.synkinesis)
    healthy = load_profile("healthy")
    assert healthy.affected_side == "none" and not any(healthy.paresis.values())


def test_profile_file_by_path_round_trips_through_to_dict(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        'name = "mine"\naffected_side = "right"\n[paresis]\nbrow = 0.5\n'
        '[[synkinesis]]\nfrom = "lips"\nto = "eye"\ngain = 0.4\n'
        "[rest]\neye_aperture_mm = -1.0\n",
        encoding="utf-8",
    )
    p = load_profile(path)
    d = p.to_dict()
    assert d["paresis"]["brow"] == 0.5 and d["paresis"]["eye"] == 0.0
    assert d["synkinesis"] == [{"from": "lips", "to": "eye", "gain": 0.4}]
    assert d["rest"]["eye_aperture_mm"] == -1.0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('affected_side = "right"\n[paresis]\nnose = 0.5\n', ["paresis.nose", "'nose'"]),
        ('affected_side = "right"\n[paresis]\nbrow = 1.5\n', ["paresis.brow", "1.5"]),
        (
            'affected_side = "left"\n[[synkinesis]]\nfrom = "mouth_corner"\nto = "eye"\n'
            "gain = 1.2\n",
            ["synkinesis[0].gain", "1.2"],
        ),
        (
            'affected_side = "left"\n[[synkinesis]]\nfrom = "smile"\nto = "eye"\ngain = 0.2\n',
            ["synkinesis[0].from", "'smile'"],
        ),
        ('affected_side = "up"\n', ["affected_side", "'up'"]),
        ('affected_side = "left"\ncolour = "red"\n', ["colour"]),
        ('affected_side = "left"\n[rest]\nbrow_droop_mm = "a lot"\n', ["rest.brow_droop_mm"]),
        ("affected_side = \n", ["not a valid TOML"]),
    ],
)
def test_bad_profile_message_names_file_field_and_value(tmp_path, body, expected):
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    message = str(err.value)
    assert str(path) in message
    for part in expected:
        assert part in message


def test_unknown_profile_name_lists_the_ready_ones():
    with pytest.raises(ProfileError, match="synkinesis_left"):
        load_profile("no_such_patient")


def test_missing_profile_file_is_named(tmp_path):
    with pytest.raises(ProfileError, match="missing.toml"):
        load_profile(tmp_path / "missing.toml")


def test_asymmetry_without_an_affected_side_is_refused(tmp_path):
    path = tmp_path / "nobody.toml"
    path.write_text('affected_side = "none"\n[rest]\nbrow_droop_mm = 2.0\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="affected_side"):
        load_profile(path)
