"""The engine on synthetic performers whose truth is known exactly.

Tolerances: rep start/end within REP_TIME_TOL_S of the performed rep; spillover within
SPILL_TOL_PCT percentage points and symmetry within SYM_TOL of the performer's settings.
"""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.exercises import events as ev
from facetrainer.exercises.library import Shaping, load_library
from facetrainer.exercises.scorer import ExerciseScorer, NoSignalError

from .synthetic import Performer, emg_envelopes

REP_TIME_TOL_S = 0.1
SPILL_TOL_PCT = 2.0
SYM_TOL = 0.03


@pytest.fixture(scope="module")
def library():
    return load_library(include_user=False)


def score_video(ex, p: Performer, **kw) -> ExerciseScorer:
    t, frames = p.measures(next(iter(ex.target_regions)))
    sc = ExerciseScorer(ex, video=True, **kw)
    for ti, f in zip(t, frames, strict=True):
        sc.push_video(float(ti), f)
    sc.finish()
    return sc


def score_emg(ex, p: Performer, chunks: int = 50, seed: int = 0, **kw) -> ExerciseScorer:
    t, env, labels = emg_envelopes(p, ex.target_muscles[0], {"orbicularis_oculi": 0.15})
    sc = ExerciseScorer(ex, video=False, emg_channels=labels, **kw)
    cuts = np.sort(np.random.default_rng(seed).choice(t.size, chunks, replace=False))
    for i, j in zip([0, *cuts], [*cuts, t.size], strict=True):
        sc.push_emg(t[i:j], env[:, i:j])
    sc.finish()
    return sc


def assert_same(a, b, tol=0.011, path=""):
    """Equal JSON trees, numbers within ``tol`` (sums in another order round differently)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            assert_same(a[k], b[k], tol, f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, tol, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, abs=tol), path
    else:
        assert a == b, path


def test_clean_performer_gives_exact_reps_at_the_right_times(library):
    p = Performer(reps=6)
    sc = score_video(library["closed_smile"], p)
    reps = sc.result()["reps"]
    assert len(reps) == 6
    for rep, (s, e) in zip(reps, p.rep_windows(), strict=True):
        assert abs(rep["start_s"] - s) < REP_TIME_TOL_S and abs(rep["end_s"] - e) < REP_TIME_TOL_S
        assert rep["target"]["hold_mean_pct"] == pytest.approx(60.0, abs=2.0)
        assert rep["target"]["in_band"] and not rep["target"]["too_fast"]
        # The hold is where the target stays ≥ 90 %: the plateau plus the ramps' top tenth.
        ramp_tops = 0.2 * (p.contract_s + p.release_s)
        assert p.hold_s <= rep["target"]["hold_s"] <= p.hold_s + ramp_tops + 0.1


def test_spillover_and_symmetry_match_the_performer(library):
    p = Performer(reps=4, side_gain={"left": 0.5, "right": 1.0}, synkinesis={"eye": 0.15})
    result = score_video(library["closed_smile"], p, affected_side="left").result()
    for rep in result["reps"]:
        assert rep["spillover"]["eye"] == pytest.approx(15.0, abs=SPILL_TOL_PCT)
        assert rep["symmetry"] == pytest.approx(0.5, abs=SYM_TOL)
        assert rep["target"]["hold_mean_pct"] == pytest.approx(30.0, abs=2.0)  # affected side
    s = result["summary"]
    assert s["modalities"] == ["video"] and s["not_measured"] == ["platysma"]
    assert s["reps_partial"] == 4  # 30 % is below the 40-80 % band


def test_missed_and_too_fast_reps(library):
    p = Performer(reps=6, skip=(1, 4), fast=(2,))
    result = score_video(library["brow_raise"], p).result()
    assert len(result["reps"]) == 4
    flags = [r["target"]["too_fast"] for r in result["reps"]]
    assert flags == [False, True, False, False]
    fast = result["reps"][1]
    assert fast["quality"] < min(r["quality"] for i, r in enumerate(result["reps"]) if i != 1)


def test_doing_nothing_scores_no_reps(library):
    p = Performer(reps=4, amplitude=0.0)
    result = score_video(library["brow_raise"], p).result()
    assert result["reps"] == [] and result["summary"]["reps_detected"] == 0


def test_face_leaving_the_frame_aborts_that_rep_only(library):
    ex = library["brow_raise"]
    p = Performer(reps=4)
    t, frames = p.measures("brow")
    s, e = p.rep_windows()[1]
    sc = ExerciseScorer(ex, video=True)
    for ti, f in zip(t, frames, strict=True):
        gone = s + 1.0 < ti < s + 2.5  # mid-rep, 1.5 s without a face
        sc.push_video(float(ti), None if gone else f)
    sc.finish()
    kinds = [x.kind for x in sc.engine.events]
    assert len(sc.engine.reps) == 3 and sc.engine.aborted == 1
    assert ev.TRACKING_LOST in kinds and ev.TRACKING_REGAINED in kinds


def test_emg_in_any_chunking_gives_identical_scores(library):
    ex = library["closed_smile"]
    p = Performer(reps=3, side_gain={"left": 0.6, "right": 1.0})
    a = score_emg(ex, p, chunks=5, seed=1).result()
    b = score_emg(ex, p, chunks=400, seed=2).result()
    assert_same(a, b)
    assert len(a["reps"]) == 3 and a["modalities"] == ["emg"]


def test_video_emg_and_fused_agree(library):
    ex = library["closed_smile"]
    p = Performer(reps=4, side_gain={"left": 0.6, "right": 1.0}, synkinesis={"eye": 0.15})
    t, frames = p.measures("mouth_corner")
    te, env, labels = emg_envelopes(p, "zygomaticus_major", {"orbicularis_oculi": 0.15})
    video = score_video(ex, p, affected_side="left").result()
    emg = score_emg(ex, p, affected_side="left").result()
    fused_sc = ExerciseScorer(ex, video=True, emg_channels=labels, affected_side="left")
    for k in range(0, te.size, 100):  # EMG in 0.1 s chunks interleaved with the frames
        fused_sc.push_emg(te[k : k + 100], env[:, k : k + 100])
        for j in np.flatnonzero((t >= te[k]) & (t < te[min(k + 100, te.size - 1)])):
            fused_sc.push_video(float(t[j]), frames[j])
    fused_sc.finish()
    fused = fused_sc.result()
    assert fused["modalities"] == ["video", "emg"]
    for r in (video, emg, fused):
        assert len(r["reps"]) == 4
    for rv, re_, rf in zip(video["reps"], emg["reps"], fused["reps"], strict=True):
        for key in ("start_s", "end_s"):
            assert max(rv[key], re_[key], rf[key]) - min(rv[key], re_[key], rf[key]) < 0.1
        sym = [rv["symmetry"], re_["symmetry"], rf["symmetry"]]
        assert max(sym) - min(sym) < SYM_TOL
        spill = [rv["spillover"]["eye"], re_["spillover"]["eye"], rf["spillover"]["eye"]]
        assert max(spill) - min(spill) < SPILL_TOL_PCT


def test_no_usable_input_is_a_clear_error(library):
    with pytest.raises(NoSignalError, match="brow_raise.*brow.*emg: masseter"):
        ExerciseScorer(library["brow_raise"], video=False, emg_channels=["masseter/left"])


def test_live_pacing_counts_missed_cues_and_completes_the_set(library):
    ex = library["brow_raise"]
    p = Performer(reps=3, lead_rest_s=ex.rest_s + 2.5, amplitude=0.6)
    t, frames = p.measures("brow")
    sc = ExerciseScorer(ex, video=True, cued=True)
    # ... then the patient stops moving: the rest of the cued reps are missed.
    extra = np.arange(t[-1] + 1 / 30, t[-1] + 120, 1 / 30)
    still = frames[0]
    for ti, f in [*zip(t, frames, strict=True), *((x, still) for x in extra)]:
        sc.push_video(float(ti), f)
        if sc.engine.finished:
            break
    kinds = [x.kind for x in sc.engine.events]
    assert kinds.count(ev.REP_COMPLETED) == 3
    assert kinds.count(ev.REP_MISSED) == ex.reps - 3
    assert kinds[-1] == ev.SET_COMPLETED and kinds.count(ev.CUE) >= ex.reps
    summary = sc.engine.events[-1].data["summary"]
    assert summary["reps_missed"] == ex.reps - 3


def test_feedback_events_for_band_and_ceiling(library):
    ex = library["closed_smile"]
    p = Performer(reps=2, synkinesis={"eye": 0.3})
    sc = score_video(ex, p)
    kinds = [x.kind for x in sc.engine.events]
    assert kinds.count(ev.ENTERED_BAND) == 2 and kinds.count(ev.LEFT_BAND) == 2
    crossed = [x for x in sc.engine.events if x.kind == ev.CEILING_CROSSED]
    assert len(crossed) == 2 and crossed[0].data["signal"] == "eye"
    assert kinds.count(ev.REP_COMPLETED) == 2 and kinds[-1] == ev.SET_COMPLETED


def test_shaping_raises_the_band_after_successes(library):
    from dataclasses import replace

    ex = replace(
        library["brow_raise"], shaping=Shaping(True, successes_to_advance=2, target_step_pct=5.0)
    )
    sc = score_video(ex, Performer(reps=5, amplitude=0.6))
    changes = [x for x in sc.engine.events if x.kind == ev.THRESHOLDS_CHANGED]
    assert len(changes) == 2
    assert changes[-1].data["target_band_pct"] == [50.0, 90.0]
    assert sc.result()["summary"]["thresholds"]["target_band_pct"] == [50.0, 90.0]
