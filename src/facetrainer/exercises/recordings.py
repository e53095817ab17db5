"""Reading recordings for offline scoring: face measures from a video, envelopes from EMG.

Both run the same code as the live app (``FaceAnalysisStage`` on every frame,
``EmgProcessor`` chunk by chunk), so a recording scored offline and live agrees.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

EMG_CHUNK_S = 0.1  # offline EMG is processed in the chunk size a live source delivers


class VideoReadError(ValueError):
    """A video cannot be opened or read; the message names the file."""


def iter_video_measures(
    path: str | Path, affected_side: str | None = None, max_frames: int | None = None
) -> Iterator[tuple[float, Any, Any, Any]]:
    """Yield (time_s, FaceMeasures, landmarks xy or None, Midline or None) for every frame
    of a video file (time = index / fps).

    Frames without a face give a ``FaceMeasures`` with ``rejected == "no_face"``.
    """
    from facetrainer.capture.face_tracker import FaceTracker
    from facetrainer.capture.frames import VideoFrame
    from facetrainer.capture.media_files import MediaFileError, check_frame_count
    from facetrainer.capture.video_sources import VideoSourceError, open_video_capture
    from facetrainer.face.live import RESULT_KEY, FaceAnalysisStage
    from facetrainer.face.midline import fit_midline
    from facetrainer.pipeline import ProcessedFrame

    p = Path(path)
    try:
        cap, _, announced = open_video_capture(p)  # missing, empty, a photo, undecodable
    except VideoSourceError as exc:
        raise VideoReadError(f"--video {p}: {exc}") from None
    fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
    if not np.isfinite(fps) or fps <= 0:
        cap.release()
        raise VideoReadError(f"{p}: the video has no frame rate (got {fps!r})")
    stage = FaceAnalysisStage(affected_side=affected_side)
    tracker = FaceTracker()
    try:
        index = 0
        while max_frames is None or index < max_frames:
            ok, bgr = cap.read()
            if not ok:
                break
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            t = index / fps
            frame = VideoFrame(rgb, t, index, t)
            face = tracker.process(rgb)
            midline = fit_midline(face.xy) if face is not None else None
            pf = ProcessedFrame(frame, face, midline, 0.0, rgb)
            stage(pf)
            yield t, pf.results.get(RESULT_KEY), face.xy if face is not None else None, midline
            index += 1
        if max_frames is None or index < max_frames:
            try:  # no frame, or fewer than announced: scores of a damaged file are refused
                check_frame_count(p, index, announced)
            except MediaFileError as exc:
                raise VideoReadError(str(exc)) from None
    finally:
        tracker.close()
        cap.release()


def emg_envelopes(
    path: str | Path, montage: str | Path | None, fs_hz: float | None = None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(times_s (n,), envelopes (n_channels, n) µV, labels) of an EMG recording.

    ``labels`` holds each channel's ``muscle/side`` from the montage ("" when the montage
    skips the channel); without a montage, channels named ``muscle/side`` (as the virtual
    patient writes them) label themselves. Mains is detected per channel; the recording is filtered and
    enveloped in ``EMG_CHUNK_S`` chunks exactly as a live source would be. Times start at 0
    (the video's first frame). The first ``SETTLE_S`` while the filters settle is dropped.
    """
    from facetrainer.emg.mains import detect_mains_hz
    from facetrainer.emg.montage import load_montage
    from facetrainer.emg.processing import SETTLE_S, EmgProcessor
    from facetrainer.emg.recording_io import read_recording
    from facetrainer.exercises.scorer import parse_channel_label

    rec = read_recording(path, fs_hz)
    if montage is None:
        labels = [n if parse_channel_label(n) else "" for n in rec.channel_names]
        if not any(labels):
            raise ValueError(
                f"--emg {path}: give --montage (which channel is which muscle/side); "
                f"the channels are {', '.join(rec.channel_names)}"
            )
    else:
        mon = load_montage(montage)
        labels = [p.label if p is not None else "" for p in mon.placements_for(rec.channel_names)]
        if not any(labels):
            raise ValueError(
                f"{montage}: the montage names none of the channels of {path} "
                f"({', '.join(rec.channel_names)})"
            )
    mains = detect_mains_hz(rec.data_uv, rec.fs_hz)
    proc = EmgProcessor(rec.fs_hz, rec.data_uv.shape[0], mains)
    step = max(1, int(round(EMG_CHUNK_S * rec.fs_hz)))
    env = np.hstack(
        [
            proc.process(rec.data_uv[:, i : i + step])[1]
            for i in range(0, rec.data_uv.shape[1], step)
        ]
    )
    times = np.arange(rec.data_uv.shape[1]) / rec.fs_hz
    keep = times >= SETTLE_S
    return times[keep], env[:, keep], labels
