"""The Qt cue player: calm sounds with QSoundEffect, optional speech with QTextToSpeech.

Sounds are the WAV files :mod:`facetrainer.exercises.cue_sounds` writes into the user cache
on first use. Speech needs a text-to-speech engine on the platform (speech-dispatcher on
Linux, the system voices on macOS/Windows); without one, ``speech_available`` is False,
``speech_status`` says why, and the cues are sounds only.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QUrl

from facetrainer.exercises.cue_sounds import cue_sound_file
from facetrainer.exercises.cues import CUE_KINDS

NOT_ENGINES = {"mock"}  # Qt's test engine speaks to no one


class QtCuePlayer(QObject):
    """Implements :class:`facetrainer.exercises.cues.CuePlayer` with QtMultimedia."""

    def __init__(self, volume: float = 0.6, cache_dir: Path | None = None, parent=None) -> None:
        super().__init__(parent)
        from PySide6.QtMultimedia import QSoundEffect

        self._effects: dict[str, QSoundEffect] = {}
        self.sound_status = "sounds ready"
        for kind in CUE_KINDS:
            effect = QSoundEffect(self)
            try:
                effect.setSource(QUrl.fromLocalFile(str(cue_sound_file(kind, cache_dir))))
            except OSError as exc:
                self.sound_status = f"cue sounds unavailable: {exc.strerror or exc}"
                break
            self._effects[kind] = effect
        self._speech = None
        self.speech_status = "no text-to-speech engine on this computer: sounds only"
        try:
            from PySide6.QtTextToSpeech import QTextToSpeech

            engines = [e for e in QTextToSpeech.availableEngines() if e not in NOT_ENGINES]
            if engines:
                speech = QTextToSpeech(engines[0], self)
                if speech.state() != QTextToSpeech.State.Error:
                    self._speech = speech
                    self.speech_status = f"spoken cues with {engines[0]}"
        except ImportError:
            pass
        self.set_volume(volume)

    @property
    def speech_available(self) -> bool:
        return self._speech is not None

    def set_volume(self, volume: float) -> None:
        """Volume 0..1 for sounds and speech."""
        self.volume = min(max(float(volume), 0.0), 1.0)
        for effect in self._effects.values():
            effect.setVolume(self.volume)
        if self._speech is not None:
            self._speech.setVolume(self.volume)

    def play_sound(self, kind: str) -> None:
        effect = self._effects.get(kind)
        if effect is not None:
            effect.play()

    def say(self, text: str) -> None:
        if self._speech is not None and text:
            self._speech.say(text)


class LazyCuePlayer:
    """A :class:`QtCuePlayer` built at the first cue: QtMultimedia and a speech engine load
    only when cues are actually played (the main window starts without them)."""

    def __init__(self, volume: float = 0.6, parent=None) -> None:
        self.volume, self.parent = volume, parent
        self.player: QtCuePlayer | None = None

    def _get(self) -> QtCuePlayer:
        if self.player is None:
            self.player = QtCuePlayer(self.volume, parent=self.parent)
        return self.player

    def set_volume(self, volume: float) -> None:
        self.volume = volume
        if self.player is not None:
            self.player.set_volume(volume)

    def play_sound(self, kind: str) -> None:
        self._get().play_sound(kind)

    def say(self, text: str) -> None:
        self._get().say(text)
