"""Cues: each phase change asks for its sound (and phrase); sounds are calm WAV files."""

from __future__ import annotations

import wave

import numpy as np

from facetrainer.exercises import events as ev
from facetrainer.exercises.cue_sounds import PEAK, SAMPLE_RATE_HZ, cue_samples, cue_sound_file
from facetrainer.exercises.cues import CUE_KINDS, CueScheduler, CueSettings, spoken_text
from facetrainer.exercises.events import FeedbackEvent


class RecordingPlayer:
    def __init__(self) -> None:
        self.sounds: list[str] = []
        self.said: list[str] = []

    def play_sound(self, kind: str) -> None:
        self.sounds.append(kind)

    def say(self, text: str) -> None:
        self.said.append(text)


def rep_events(t0: float) -> list[FeedbackEvent]:
    return [
        FeedbackEvent(ev.CUE, t0, {"phase": "contract", "rep": 1}),
        FeedbackEvent(ev.PHASE, t0 + 1.0, {"phase": "contract"}),
        FeedbackEvent(ev.PHASE, t0 + 2.0, {"phase": "hold"}),
        FeedbackEvent(ev.PHASE, t0 + 5.0, {"phase": "release"}),
        FeedbackEvent(ev.CUE, t0 + 6.5, {"phase": "rest", "rep": 2}),
    ]


def test_each_phase_change_requests_its_sound_in_order():
    player = RecordingPlayer()
    cues = CueScheduler(player)
    for e in [*rep_events(0.0), FeedbackEvent(ev.SET_COMPLETED, 8.0, {})]:
        cues.on_event(e)
    assert player.sounds == ["contract", "hold", "release", "rest", "set_done"]
    assert player.said == []  # speech is off by default


def test_speech_names_the_exercise_movement():
    player = RecordingPlayer()
    cues = CueScheduler(
        player, CueSettings(sounds=False, speech=True), lambda: ("closed_smile", "Closed-lip smile")
    )
    for e in rep_events(0.0):
        cues.on_event(e)
    assert player.sounds == []
    assert player.said == ["Slowly smile…", "Hold…", "And relax.", "Rest."]


def test_a_flickering_phase_is_not_cued_twice():
    player = RecordingPlayer()
    cues = CueScheduler(player)
    cues.on_event(FeedbackEvent(ev.PHASE, 1.0, {"phase": "hold"}))
    cues.on_event(FeedbackEvent(ev.PHASE, 1.2, {"phase": "hold"}))
    assert player.sounds == ["hold"]


def test_unknown_exercise_is_spoken_by_its_name():
    assert spoken_text("contract", "my_own", "Nose flare") == "Slowly nose flare…"


def test_cue_sounds_are_calm_click_free_and_written_once(tmp_path):
    for kind in CUE_KINDS:
        x = cue_samples(kind).astype(float) / 32767
        assert np.max(np.abs(x)) <= PEAK + 1e-3
        assert abs(x[0]) < 0.01 and abs(x[-1]) < 0.01  # starts and ends at silence
        assert 0.15 < len(x) / SAMPLE_RATE_HZ < 1.0
    path = cue_sound_file("hold", tmp_path)
    with wave.open(str(path)) as w:
        assert w.getframerate() == SAMPLE_RATE_HZ and w.getnchannels() == 1
    mtime = path.stat().st_mtime_ns
    assert cue_sound_file("hold", tmp_path) == path and path.stat().st_mtime_ns == mtime
