import pytest

from facetrainer.exercises.encouragement import encouragement


def rep(hold_pct=60.0, band=(40.0, 80.0), quality=85.0, spill_term=1.0, **target):
    in_band = band[0] <= hold_pct <= band[1]
    return {
        "target": {"hold_mean_pct": hold_pct, "band_pct": list(band), "in_band": in_band,
                   **target},
        "spillover": {"eye": 5.0, "mouth_corner": 40.0},
        "quality_terms": {"spillover": spill_term},
        "quality": quality,
    }


@pytest.mark.parametrize(
    ("r", "says"),
    [
        (rep(too_fast=True), "slower"),
        (rep(spill_term=0.2), "mouth corner joined in"),
        (rep(partial=True), "a little further"),
        (rep(hold_pct=25.0), "move a little further"),
        (rep(hold_pct=95.0), "a little less"),
        (rep(quality=90.0), "Excellent"),
        (rep(quality=60.0), "keep it slow and steady"),
    ],
)
def test_one_sentence_says_the_most_useful_thing(r, says):
    assert says in encouragement(r)
