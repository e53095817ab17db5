"""Short calm cue sounds, generated from code and written once as WAV files in the user cache.

Nothing is downloaded or bundled: each cue is a few soft sine notes with smooth attack and
decay (no clicks), at a moderate level, so that practice never startles. The files are
written atomically into ``<user cache>/cues`` on first use and reused afterwards; a change
of the sound design changes :data:`SOUND_VERSION` and thus the file names.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

SAMPLE_RATE_HZ = 44100
SOUND_VERSION = 1
PEAK = 0.35  # of full scale: calm, never startling
NOTES_HZ = {"C5": 523.25, "E5": 659.25, "G5": 783.99, "C4": 261.63, "G4": 392.0, "A4": 440.0}

SOUND_DESIGN: dict[str, tuple[tuple[str, float], ...]] = {
    "contract": (("C5", 0.16), ("E5", 0.22)),  # rising: begin
    "hold": (("G4", 0.3),),  # one steady note
    "release": (("E5", 0.16), ("C5", 0.26)),  # falling: let go
    "rest": (("C4", 0.45),),  # low and long
    "set_done": (("C5", 0.14), ("E5", 0.14), ("G5", 0.35)),  # a small arpeggio
}
"""Each cue as (note, seconds) in order."""


def tone(freq_hz: float, duration_s: float, fs_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """A soft sine note (float, peak 1) with a 15 ms raised-cosine attack and an
    exponential-like release over the last 40 %."""
    n = max(int(round(duration_s * fs_hz)), 1)
    t = np.arange(n) / fs_hz
    x = np.sin(2 * np.pi * freq_hz * t) + 0.15 * np.sin(4 * np.pi * freq_hz * t)
    env = np.ones(n)
    attack = min(int(0.015 * fs_hz), n)
    env[:attack] = 0.5 - 0.5 * np.cos(np.pi * np.arange(attack) / max(attack, 1))
    tail = int(0.4 * n)
    if tail:
        env[-tail:] *= np.cos(0.5 * np.pi * np.arange(tail) / tail) ** 2
    y = x * env
    return y / max(float(np.max(np.abs(y))), 1e-9)


def cue_samples(kind: str, fs_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """The cue's int16 samples; KeyError names the unknown cue."""
    if kind not in SOUND_DESIGN:
        raise KeyError(f"unknown cue sound {kind!r} (known: {', '.join(SOUND_DESIGN)})")
    parts = [tone(NOTES_HZ[note], dur, fs_hz) for note, dur in SOUND_DESIGN[kind]]
    y = np.concatenate(parts + [np.zeros(int(0.03 * fs_hz))])
    return np.round(PEAK * 32767 * y).astype(np.int16)


def default_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("FaceTrainer", appauthor=False)) / "cues"


def cue_sound_file(kind: str, cache_dir: Path | str | None = None) -> Path:
    """The cue's WAV file, written on first use (atomically); its path."""
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind}-v{SOUND_VERSION}.wav"
    if path.is_file():
        return path
    samples = cue_samples(kind)
    from facetrainer.atomic_files import atomic_path

    with atomic_path(path, private=False) as tmp, wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE_HZ)
        w.writeframes(samples.tobytes())
    return path
