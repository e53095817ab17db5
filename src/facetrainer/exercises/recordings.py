"""Reading recordings for offline scoring: face measures from a video, envelopes from EMG.

Both run the same code as the live app (``FaceAnalysisStage`` on every frame, the stream's
:class:`~facetrainer.emg.chain.EmgChain` chunk by chunk with the same settings and mains
detection), so a recording scored offline and live agrees.
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
    path: str | Path,
    affected_side: str | None = None,
    max_frames: int | None = None,
    jobs: int = 1,
) -> Iterator[tuple[float, Any, Any, Any]]:
    """Yield (time_s, FaceMeasures, landmarks xy or None, Midline or None) for every frame
    of a video file (time = index / fps).

    Frames without a face give a ``FaceMeasures`` with ``rejected == "no_face"``. With
    ``jobs`` > 1 a long video is tracked and measured in segments on that many processes
    (:mod:`facetrainer.face.parallel_analysis`); the held scale and the smoothing still
    follow the frames in order here.
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
    if jobs > 1 and max_frames is None:
        from facetrainer.face.parallel_analysis import measure_video_segments

        segments = measure_video_segments(p, announced, jobs, stage.settings)
        if segments is not None:
            cap.release()
            yield from _follow_segments(p, segments, fps, announced, stage)
            return
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


def _follow_segments(
    path: Path, segments: list[Any], fps: float, announced: int, stage: Any
) -> Iterator[tuple[float, Any, Any, Any]]:
    """Frames measured in segments, in order, through the stage's frame-to-frame part."""
    from facetrainer.capture.media_files import MediaFileError, check_frame_count

    index = 0
    for seg in segments:
        if seg.error is not None or seg.start != index:
            raise VideoReadError(
                f"{path}: frames from {index} on could not be read"
                + (f" ({seg.error})" if seg.error else "")
            )
        for m, (xy, midline) in zip(seg.measures, seg.landmarks, strict=True):
            t = index / fps
            yield t, stage.follow(m, t), xy, midline
            index += 1
    try:  # no frame, or fewer than announced: scores of a damaged file are refused
        check_frame_count(path, index, announced)
    except MediaFileError as exc:
        raise VideoReadError(str(exc)) from None


def emg_envelopes(
    path: str | Path,
    montage: str | Path | None,
    fs_hz: float | None = None,
    problems: list[str] | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(times_s (n,), envelopes (n_channels, n) µV, labels) of an EMG recording.

    ``labels`` holds each channel's ``muscle/side`` from the montage ("" when the montage
    skips the channel); without a montage, channels named ``muscle/side`` (as the virtual
    patient writes them) label themselves. The recording runs through the live stream's
    chain (:class:`~facetrainer.emg.chain.EmgChain`: mains detected on the first 2 s,
    filtered and enveloped) in ``EMG_CHUNK_S`` chunks. Times start at 0 (the video's first
    frame). Samples before the chain's settled point are dropped, as live scoring does.
    With ``problems`` (a list), saturated or empty channels are described there (see
    :func:`facetrainer.exercises.recording_problems.emg_problems`) and left unlabelled.
    """
    from facetrainer.emg.chain import EmgChain
    from facetrainer.emg.montage import load_montage
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
    if problems is not None:
        from facetrainer.exercises.recording_problems import emg_problems
        from facetrainer.exercises.repetition import DetectorSettings

        found, bad = emg_problems(
            rec.data_uv, rec.fs_hz, rec.channel_names, DetectorSettings().min_rep_s
        )
        problems.extend(found)
        # A saturated or empty channel's envelope measures the clipping, not the muscle:
        # it is left unlabelled (not scored).
        labels = ["" if i in bad else lab for i, lab in enumerate(labels)]
    chain = EmgChain(rec.fs_hz, rec.data_uv.shape[0])
    step = max(1, int(round(EMG_CHUNK_S * rec.fs_hz)))
    env = np.empty_like(rec.data_uv, dtype=np.float64)
    for i in range(0, rec.data_uv.shape[1], step):
        env[:, i : i + step] = chain.process(rec.data_uv[:, i : i + step])[1]
        revision = chain.take_revision()
        if revision is not None:  # as the live stream's rings are revised
            start, _, rev_env = revision
            env[:, start : start + rev_env.shape[1]] = rev_env
    times = np.arange(rec.data_uv.shape[1]) / rec.fs_hz
    settled = chain.settled_index if chain.settled_index is not None else times.size
    return times[settled:], env[:, settled:], labels
