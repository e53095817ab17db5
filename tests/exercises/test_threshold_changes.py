"""The therapist's threshold changes: limits, the running engine, the patient's program."""

from __future__ import annotations

import pytest

from facetrainer.exercises import events as ev
from facetrainer.exercises.library import Thresholds, load_library
from facetrainer.exercises.threshold_limits import check_thresholds

SMILE_CHANNELS = ["zygomaticus_major/left", "zygomaticus_major/right",
                  "orbicularis_oculi/left", "orbicularis_oculi/right"]


@pytest.mark.parametrize(
    ("band", "ceiling", "message"),
    [((30.0, 250.0), 20.0, r"target_band_pct\[1\] = 250.0: must be within 0-200 %"),
     ((30.0, 60.0), -1.0, r"spillover_ceiling_pct = -1.0: must be within 0-200 %"),
     ((60.0, 40.0), 20.0, r"the bottom must be below the top")],
)
def test_thresholds_outside_0_to_200_percent_are_refused_naming_the_field(band, ceiling, message):
    with pytest.raises(ValueError, match=message):
        check_thresholds(Thresholds(band, ceiling))
    assert check_thresholds(Thresholds((0.0, 200.0), 200.0))


def test_the_running_engine_takes_new_thresholds_and_publishes_the_change():
    from facetrainer.exercises.scorer import ExerciseScorer

    scorer = ExerciseScorer(load_library()["open_smile"], video=False,
                            emg_channels=SMILE_CHANNELS)
    seen = []
    scorer.engine.subscribe(seen.append)
    new = Thresholds((30.0, 60.0), 15.0)
    out = scorer.engine.set_thresholds(new, 12.5)
    assert [e.kind for e in out] == [ev.THRESHOLDS_CHANGED] and seen == out
    assert out[0].data == {"target_band_pct": [30.0, 60.0], "spillover_ceiling_pct": 15.0,
                           "source": "therapist"}
    snap = scorer.engine.snapshot()
    assert (snap.band_pct, snap.ceiling_pct) == ((30.0, 60.0), 15.0)
    assert scorer.engine.set_thresholds(new, 13.0) == []  # no change, no event
