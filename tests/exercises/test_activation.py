"""The activation model: rest windows, references, calibration files, tick fusion."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from facetrainer.exercises.activation import (
    Calibration,
    CalibrationError,
    ChannelReference,
    StreamNormaliser,
    load_activation_table,
    read_region_values,
    video_normaliser,
)
from facetrainer.exercises.fusion import BlockAverager, TickMixer

EXACT = 1e-9


def test_eye_activation_is_the_clinical_palpebral_fissure_narrowing():
    table = load_activation_table()
    norm = video_normaliser(table, rest_window_s=1.0)
    keys = norm.keys
    i_left, i_right = keys.index("video:eye/left"), keys.index("video:eye/right")

    def frame(left_pf: float, right_pf: float) -> dict:
        return {
            "metrics": {"palpebral_fissure_mm": {"left": left_pf, "right": right_pf}},
            "rejected": None,
        }

    for k in range(31):  # 1 s of rest: the affected (left) eye rests narrower
        norm.push(np.array([k / 30]), read_region_values(frame(8.0, 10.0), table)[:, None])
    act = norm.push(np.array([1.1]), read_region_values(frame(5.0, 10.0), table)[:, None])
    # PFN = (PF_rest − PF) / PF_rest of that eye (Laryngoscope 2013's definition)
    assert act[i_left, 0] == pytest.approx((8.0 - 5.0) / 8.0, abs=EXACT)
    assert act[i_right, 0] == pytest.approx(0.0, abs=EXACT)


def test_rejected_or_missing_frames_read_as_missing():
    table = load_activation_table()
    assert np.isnan(read_region_values(None, table)).all()
    rejected = {"metrics": {"brow_height_mm": {"left": 1.0, "right": 1.0}}, "rejected": "head_pose"}
    assert np.isnan(read_region_values(rejected, table)).all()


def test_rest_and_reference_come_from_the_calibration_from_the_first_sample():
    # A set need not start quiet: with a calibrated rest there is nothing to wait for.
    cal = Calibration({"emg:frontalis/left": ChannelReference(rest=5.0, reference=20.0)})
    norm = StreamNormaliser(["emg:frontalis/left"], np.ones(1), np.full(1, 50.0), cal, 1.0)
    t = np.arange(0, 1.2, 0.02)
    out = norm.push(t, np.full((1, t.size), 15.0))  # contracting from the start
    assert out[0] == pytest.approx((15.0 - 5.0) / 20.0, abs=EXACT)
    assert norm.rest_sources == ["calibration"]


def test_without_a_calibrated_rest_rest_comes_from_the_window():
    cal = Calibration({"emg:frontalis/left": ChannelReference(rest=None, reference=20.0)})
    norm = StreamNormaliser(["emg:frontalis/left"], np.ones(1), np.full(1, 50.0), cal, 1.0)
    t = np.arange(0, 1.2, 0.02)
    out = norm.push(t, np.full((1, t.size), 5.0))
    assert np.isnan(out[0, t < 1.0]).all()  # calibrating
    act = norm.push(np.array([1.3]), np.array([[15.0]]))
    assert act[0, 0] == pytest.approx((15.0 - 5.0) / 20.0, abs=EXACT)  # own rest, given ref


def test_calibration_round_trip_and_bad_files(tmp_path: Path):
    cal = Calibration({"video:brow/left": ChannelReference(1.0, 8.0, "calibrated")})
    path = tmp_path / "cal.json"
    cal.save(path)
    assert Calibration.load(path).channels["video:brow/left"].reference == 8.0
    for doc, needle in [
        ({"channels": {"video:ear/left": {"reference": 1.0}}}, "video:ear/left"),
        ({"channels": {"emg:frontalis/left": {"reference": -3}}}, "reference"),
        ({"channels": {"emg:frontalis/left": {"rest": "low"}}}, "rest"),
        ({"nothing": 1}, "channels"),
    ]:
        path.write_text(json.dumps(doc))
        with pytest.raises(CalibrationError, match=needle) as info:
            Calibration.load(path)
        assert str(path) in str(info.value)
    path.write_text("{not json")
    with pytest.raises(CalibrationError, match="cal.json"):
        Calibration.load(path)


def test_block_averages_do_not_depend_on_chunking():
    rng = np.random.default_rng(3)
    fs = 1234.5  # an odd rate: ticks do not hold a whole number of samples
    t = np.arange(0, 3, 1 / fs)
    x = rng.standard_normal((3, t.size))
    whole = BlockAverager(3)
    tw, vw = whole.push(t, x)
    chunked = BlockAverager(3)
    cuts = np.sort(rng.choice(t.size, 200, replace=False))
    parts = [
        chunked.push(t[i:j], x[:, i:j]) for i, j in zip([0, *cuts], [*cuts, t.size], strict=True)
    ]
    tc = np.concatenate([p[0] for p in parts])
    vc = np.concatenate([p[1] for p in parts], axis=1)
    np.testing.assert_allclose(tc, tw)
    np.testing.assert_allclose(vc, vw, atol=1e-12)
    first = (t >= tw[0] - 0.02) & (t < tw[0])
    np.testing.assert_allclose(vw[:, 0], x[:, first].mean(axis=1), atol=1e-12)


def test_mixer_waits_for_both_modalities_and_marks_stale_video_missing():
    mixer = TickMixer(1, {"video": np.array([0]), "emg": np.array([0])}, {"video": 0.3, "emg": 0.1})
    assert mixer.push("video", np.array([0.0, 0.04]), np.array([[1.0, 1.0]])) == []
    ticks = mixer.push("emg", np.arange(1, 51) * 0.02, np.full((1, 50), 3.0))
    assert [round(k.t_s, 2) for k in ticks] == [0.0, 0.02, 0.04]  # video is the horizon
    assert ticks[-1].values[0] == pytest.approx(2.0)  # fused mean of 1 and 3
    ticks = mixer.end("video")  # the face never came back: EMG alone carries on
    late = [k for k in ticks if k.t_s > 0.04 + 0.3 + 1e-9]
    assert late and all(k.values[0] == pytest.approx(3.0) for k in late)
    assert np.isnan(late[0].by_modality["video"][0])


def test_landmark_regions_read_movement_along_the_muscle_in_face_axes():
    """A mouth corner moved 4 mm out and 4 mm up on a face rolled by 30°: the reading is
    0.57·4 + 0.82·4 mm on that side only, whatever the roll."""
    from types import SimpleNamespace

    table = load_activation_table()
    keys = video_normaliser(table).keys
    roll = np.deg2rad(30.0)
    down = np.array([-np.sin(roll), np.cos(roll)])
    normal = np.array([down[1], -down[0]])  # towards the subject's left
    midline = SimpleNamespace(direction=down, normal=normal)
    xy = np.random.default_rng(0).uniform(100, 400, (478, 2))
    scale = 0.5  # mm per px
    measures = {"metrics": {}, "rejected": None, "scale_mm_per_px": 9.9}  # overridden:
    before = read_region_values(measures, table, xy, midline, landmark_scale=scale)
    moved = xy.copy()
    moved[291] += (4 * normal - 4 * down) / scale  # subject's left corner: out and up
    after = read_region_values(measures, table, moved, midline, landmark_scale=scale)
    change = dict(zip(keys, after - before, strict=True))
    assert change["video:mouth_corner/left"] == pytest.approx(0.57 * 4 + 0.82 * 4, abs=1e-9)
    assert change["video:mouth_corner/right"] == pytest.approx(0.0, abs=1e-9)
    lower = table.regions["lower_lip"]  # landmarks on the other side did not move
    assert change["video:lower_lip/left"] == pytest.approx(0.0, abs=1e-9), lower
