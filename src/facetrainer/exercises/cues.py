"""Sounded and spoken cues: which engine event asks for which cue.

A patient practising alone looks at the mirror, not at the screen; short calm sounds (and,
when wanted, a spoken phrase: "slowly smile… hold… and relax") pace the set instead.
:class:`CueScheduler` turns the engine's events into requests to a :class:`CuePlayer`; the
Qt player (``facetrainer.gui.cue_player``) plays them, tests record them. No Qt here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from facetrainer.exercises import events as ev
from facetrainer.exercises.events import FeedbackEvent

CUE_KINDS = ("contract", "hold", "release", "rest", "set_done")
REPEAT_GAP_S = 0.8  # the same cue is not repeated within this time (phase flicker)

ACTIONS = {
    "brow_raise": "raise your brows",
    "gentle_eye_closure": "close your eyes gently",
    "tight_eye_closure": "close your eyes tightly",
    "closed_smile": "smile",
    "open_smile": "smile",
    "snarl": "wrinkle your nose",
    "pucker": "pucker your lips",
    "eee": "say eee",
    "lip_depression": "draw your lower lip down",
    "cheek_puff": "puff your cheeks",
}
"""What the voice asks for at the contract cue, by exercise id (else the exercise name)."""


class CuePlayer(Protocol):
    """Plays cues; ``play_sound`` gets one of :data:`CUE_KINDS`."""

    def play_sound(self, kind: str) -> None: ...

    def say(self, text: str) -> None: ...


@dataclass
class CueSettings:
    """The patient's preferences (remembered by the GUI)."""

    sounds: bool = True
    speech: bool = False
    volume: float = 0.6  # 0..1


def spoken_text(kind: str, exercise_id: str, exercise_name: str = "") -> str:
    """The phrase said for a cue ("Slowly smile…", "Hold…", "And relax.")."""
    if kind == "contract":
        action = ACTIONS.get(exercise_id, exercise_name.lower() or "move")
        return f"Slowly {action}…"
    return {
        "hold": "Hold…",
        "release": "And relax.",
        "rest": "Rest.",
        "set_done": "Well done. That set is complete.",
    }.get(kind, "")


class CueScheduler:
    """Engine events in, cue requests out.

    ``cue`` with phase ``contract`` → the contract cue; the engine's ``phase`` events
    ``hold`` and ``release`` → hold and release; ``cue`` with phase ``rest`` → rest;
    ``set_completed`` → set_done. The same cue within :data:`REPEAT_GAP_S` is dropped.

    Parameters
    ----------
    player : CuePlayer
    settings : CueSettings
    exercise : callable
        Returns (id, name) of the exercise being practised (for the spoken phrase).
    """

    def __init__(
        self,
        player: CuePlayer,
        settings: CueSettings | None = None,
        exercise: Callable[[], tuple[str, str]] | None = None,
    ) -> None:
        self.player = player
        self.settings = settings or CueSettings()
        self._exercise = exercise or (lambda: ("", ""))
        self._last: tuple[str, float] = ("", -1e9)
        self.requested: list[str] = []  # every cue asked for (kept for the session's log)

    @staticmethod
    def cue_for(event: FeedbackEvent) -> str | None:
        """Which cue an engine event asks for, or None."""
        phase = event.data.get("phase")
        if event.kind == ev.CUE:
            return "contract" if phase == "contract" else "rest" if phase == "rest" else None
        if event.kind == ev.PHASE and phase in ("hold", "release"):
            return str(phase)
        if event.kind == ev.SET_COMPLETED:
            return "set_done"
        return None

    def on_event(self, event: FeedbackEvent) -> None:
        kind = self.cue_for(event)
        if kind is None:
            return
        last_kind, last_t = self._last
        if kind == last_kind and event.t_s - last_t < REPEAT_GAP_S:
            return
        self._last = (kind, event.t_s)
        self.requested.append(kind)
        if self.settings.sounds:
            self.player.play_sound(kind)
        if self.settings.speech:
            text = spoken_text(kind, *self._exercise())
            if text:
                self.player.say(text)
