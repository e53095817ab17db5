"""What makes a recording unfit to score, in words a user can act on.

``facetrainer score`` lists these under ``problems`` in its JSON and on stderr; when a
problem is found and no repetition could be scored it exits with
:data:`EXIT_UNSCORABLE` (see the README's scoring section), so that a script can tell "the
patient did nothing" (exit 0, no reps) from "this recording cannot show it".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

EXIT_UNSCORABLE = 3
MIN_FACE_FRACTION = 0.5
"""A video needs a measured face in at least half its frames: with fewer, rest, reference
and reps rest on too little of the recording (and a rep's frames are mostly missing)."""


def video_problems(
    n_frames: int, n_measured: int, duration_s: float, min_rep_s: float
) -> list[str]:
    """Problems of a video: too few frames with a measured face, shorter than one rep."""
    out = []
    if n_frames == 0:
        return ["video: no frame could be read"]
    if n_measured < MIN_FACE_FRACTION * n_frames:
        out.append(
            f"video: a face was measured in only {n_measured} of {n_frames} frames "
            f"({100.0 * n_measured / n_frames:.0f} %; at least "
            f"{100 * MIN_FACE_FRACTION:.0f} % needed): keep the whole face in view, facing "
            "the camera"
        )
    if duration_s < min_rep_s:
        out.append(
            f"video: {duration_s:.2f} s long, shorter than one repetition "
            f"({min_rep_s:g} s at least)"
        )
    return out


def emg_problems(
    data_uv: np.ndarray, fs_hz: float, names: Sequence[str], min_rep_s: float
) -> tuple[list[str], list[int]]:
    """Problems of an EMG recording and the rows that are unusable (saturated or empty).

    A channel is saturated when its samples pile up at the amplifier's rails
    (:func:`facetrainer.emg.quality.is_saturated`): its envelope then measures the clipping,
    not the muscle.
    """
    from facetrainer.emg.quality import is_saturated

    data = np.atleast_2d(np.asarray(data_uv, dtype=float))
    out: list[str] = []
    bad: list[int] = []
    for i, name in enumerate(names):
        v = data[i][np.isfinite(data[i])]
        if v.size == 0:
            out.append(f"EMG channel {name!r}: every sample is missing (NaN)")
            bad.append(i)
        elif is_saturated(v):
            low, high = float(v.min()), float(v.max())
            at_rail = np.count_nonzero((v == low) | (v == high))
            out.append(
                f"EMG channel {name!r}: saturated ({100.0 * at_rail / v.size:.0f} % of samples "
                f"at the rails {low:g} / {high:g} µV): lower the gain or check the electrode"
            )
            bad.append(i)
    duration = data.shape[1] / fs_hz if fs_hz > 0 else 0.0
    if duration < min_rep_s:
        out.append(
            f"EMG: {duration:.2f} s long, shorter than one repetition ({min_rep_s:g} s at least)"
        )
    return out, bad
