"""Offline face analysis on every core: files in parallel, long videos in segments.

``facetrainer analyze`` spends most of its time in MediaPipe's landmark model, which runs on
one core, so one process cannot go faster than the model alone. Here the work is split
into tasks run on ``--jobs`` processes, this one and ``jobs - 1`` workers, each with its own
MediaPipe (:func:`~facetrainer.face.worker_pool.run_tasks`):

- every photo is one task (:func:`~facetrainer.face.analyze_command.analyse_path`);
- a video of at least ``2 * SEGMENT_MIN_FRAMES`` frames is cut into segments of
  consecutive frames, about one per worker. A segment's worker seeks to its first frame
  minus ``WARMUP_FRAMES``, probes that frame for several faces and starts a fresh
  tracker there exactly as a sequential run starts at frame 0 (the tracker *re-locks*:
  face detection, then tracking), tracks the warm-up frames without keeping them, and
  measures its own frames. MediaPipe's tracker takes its next crop from its last
  landmarks, so after a re-lock it follows a path a little apart from the sequential
  run's and does not rejoin it: a segment's frames differ from the sequential run's by
  the tracker's own jitter, at most ``FRAME_TOLERANCE_MM`` per frame and measure and
  ``MEAN_TOLERANCE_MM`` for a measure's mean over the video; the first segment is the
  sequential run, bit for bit (a test holds them to it);
- this process puts each video's frames back in order and runs what carries state from
  frame to frame (the scale held over time, :mod:`facetrainer.face.scale`) in one pass,
  then builds the same source record as the sequential run: same keys, same frames, the
  same check of a truncated file. ``facetrainer score`` uses the same segments
  (:func:`measure_video_segments`) and follows them through its live stage.

Inputs too small to gain from processes (less work than ``MIN_POOL_WORK_FRAMES`` video
frames) stay in this process: starting a worker costs about a second of CPU (Python,
OpenCV and MediaPipe imports), as much as tracking ~150 frames.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from facetrainer.face.measures import AnalysisSettings, FaceMeasures

SEGMENT_MIN_FRAMES = 150
"""A video is split only into segments at least this long (5 s at 30 fps): the warm-up
and the worker's start are then a small share of a segment."""

WARMUP_FRAMES = 8
"""Frames tracked before a segment's first frame and then dropped, so that its first kept
frame is tracked from the frame before, as in a sequential run, not freshly detected."""

_PROGRESS_EVERY = 10  # frames between a segment's progress reports

MIN_POOL_WORK_FRAMES = 300
"""Less work than this many video frames is done in this process (see the module notes)."""

PHOTO_WORK_FRAMES = 8
"""A photo's work in video frames: tracked twice (mirror-averaged), each time with face
detection, where a video frame is only tracked."""

FRAME_TOLERANCE_MM = 1.5
"""Largest difference of one frame's measure from the sequential run's (mm, or degrees for
the smile angle). On a 27.5 s virtual-patient video cut in two, the second segment's frames
differed by a median 0.03, at most 1.1; the tracker's own frame-to-frame jitter there has a
median of 0.04-0.28."""

MEAN_TOLERANCE_MM = 0.05
"""Largest difference of a measure's mean over a video from the sequential run's (0.004
at most on that video)."""


def default_jobs() -> int:
    """The cores this process may use (its CPU affinity where the OS tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class VideoSegment:
    """Frames ``start`` up to (not including) ``stop`` of a video; ``stop=None``: to the end."""

    path: str
    start: int
    stop: int | None
    probe_faces: bool = True  # probe the first frame for several faces (analyze), or track one
    keep_landmarks: bool = False  # also hand back each frame's landmarks and midline (score)


@dataclass
class SegmentResult:
    """What a worker hands back for one segment: unscaled per-frame measures, in order."""

    start: int
    measures: list[FaceMeasures] = field(default_factory=list)
    landmarks: list[tuple[Any, Any]] = field(default_factory=list)  # (xy or None, midline)
    n_faces: int = 0
    error: str | None = None


def plan_segments(path: Path, n_frames: int, jobs: int) -> list[VideoSegment]:
    """Cut a video of ``n_frames`` (0 when unknown) into about ``jobs`` equal segments.

    The last segment reads to the end of the file, so a frame count that is too small
    loses nothing; a count that is too large leaves the last segments short or empty, and
    the file is reported as truncated, as in a sequential run.
    """
    if jobs < 2 or n_frames < 2 * SEGMENT_MIN_FRAMES:
        return [VideoSegment(str(path), 0, None)]
    k = min(jobs, n_frames // SEGMENT_MIN_FRAMES)
    bounds = [round(i * n_frames / k) for i in range(k + 1)]
    return [
        VideoSegment(str(path), bounds[i], bounds[i + 1] if i < k - 1 else None) for i in range(k)
    ]


def _seek(cap: Any, frame: int) -> None:
    """Position ``cap`` at ``frame``; decode forward from the start where seeking misses."""
    import cv2

    if frame == 0:
        return
    cap.set(cv2.CAP_PROP_POS_FRAMES, frame)
    if int(round(cap.get(cv2.CAP_PROP_POS_FRAMES))) == frame:
        return
    cap.set(cv2.CAP_PROP_POS_FRAMES, 0)  # some containers seek only to key frames
    for _ in range(frame):
        if not cap.grab():
            return


def measure_segment(segment: VideoSegment, settings: AnalysisSettings) -> SegmentResult:
    """Track and measure one segment (run in a worker; never raises for bad media)."""
    from facetrainer.capture.face_tracker import FaceTracker
    from facetrainer.capture.video_sources import open_video_capture
    from facetrainer.face.frame_reader import decoded_frames
    from facetrainer.face.measures import analyse_face
    from facetrainer.face.midline import fit_midline
    from facetrainer.face.worker_pool import report_progress

    out = SegmentResult(segment.start)
    begin = max(0, segment.start - WARMUP_FRAMES)
    tracker: FaceTracker | None = None
    try:
        cap, _, _ = open_video_capture(segment.path)
    except Exception as exc:  # noqa: BLE001 - reported in the source record
        out.error = str(exc) or type(exc).__name__
        return out
    frames = None
    try:
        _seek(cap, begin)
        frames = decoded_frames(cap)
        for index, rgb in enumerate(frames, start=begin):
            if segment.stop is not None and index >= segment.stop:
                break
            if tracker is None:
                max_faces = 1
                if segment.probe_faces:
                    with FaceTracker(static_image_mode=True, max_num_faces=4) as probe:
                        first = probe.process(rgb)
                    max_faces = 4 if first is not None and first.n_faces > 1 else 1
                tracker = FaceTracker(static_image_mode=False, max_num_faces=max_faces)
            face = tracker.process(rgb)
            if index % _PROGRESS_EVERY == 0 and index > segment.start:
                report_progress(_PROGRESS_EVERY)
            if index < segment.start:
                continue  # warm-up: the tracker locks on; the frame belongs to the segment before
            if face is not None:
                out.n_faces = max(out.n_faces, face.n_faces)
            if segment.keep_landmarks:
                midline = fit_midline(face.xy) if face is not None else None
                out.measures.append(analyse_face(face, rgb, settings, midline))
                out.landmarks.append((face.xy if face is not None else None, midline))
            else:
                out.measures.append(analyse_face(face, rgb, settings))
    except Exception as exc:  # noqa: BLE001 - reported in the source record
        out.error = str(exc) or type(exc).__name__
    finally:
        if frames is not None:
            frames.close()
        cap.release()
        if tracker is not None:
            tracker.close()
    return out


@dataclass(frozen=True)
class _VideoPlan:
    fps: float
    n_frames: int
    segments: list[VideoSegment]


def _analyse_one(path: Path, settings: AnalysisSettings) -> dict[str, Any]:
    from facetrainer.face.analyze_command import analyse_path
    from facetrainer.face.worker_pool import report_progress

    source = analyse_path(path, settings, progress=False)
    report_progress(PHOTO_WORK_FRAMES)
    return source


def _video_frame_count(path: Path) -> tuple[float, int] | None:
    """(fps, frame count) of a readable video, None when it cannot be opened."""
    from facetrainer.capture.video_sources import open_video_capture

    try:
        cap, fps, n = open_video_capture(path)
    except Exception:  # noqa: BLE001 - the worker's analyse_path reports it
        return None
    cap.release()
    return fps, n


def analyse_files(
    files: list[Path], settings: AnalysisSettings, jobs: int, progress: bool = True
) -> list[dict[str, Any]]:
    """Source records of ``files`` (in their order), using up to ``jobs`` processes.

    With ``jobs == 1``, or when the input is too small to gain from processes, this is
    exactly the sequential analysis.
    """
    from facetrainer.face.analyze_command import VIDEO_EXTENSIONS, analyse_path

    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs!r}")
    plans: list[_VideoPlan | None] = []
    for f in files:
        info = _video_frame_count(f) if f.suffix.lower() in VIDEO_EXTENSIONS else None
        plans.append(None if info is None else _VideoPlan(*info, plan_segments(f, info[1], jobs)))
    n_tasks = sum(1 if p is None else len(p.segments) for p in plans)
    work = sum(PHOTO_WORK_FRAMES if p is None else max(p.n_frames, 1) for p in plans)
    if jobs == 1 or n_tasks < 2 or work < MIN_POOL_WORK_FRAMES:
        return [analyse_path(f, settings, progress=progress) for f in files]
    return _run_pool(files, plans, settings, min(jobs, n_tasks), progress)


def _run_pool(
    files: list[Path],
    plans: list[_VideoPlan | None],
    settings: AnalysisSettings,
    jobs: int,
    progress: bool,
) -> list[dict[str, Any]]:
    """Photos and video segments as tasks of :func:`~facetrainer.face.worker_pool.run_tasks`."""
    from facetrainer.face.worker_pool import Task, run_tasks

    tasks: list[Task] = []
    for f, plan in zip(files, plans, strict=True):
        if plan is None:
            tasks.append(Task(_analyse_one, f, PHOTO_WORK_FRAMES))
            continue
        for seg in plan.segments:
            stop = plan.n_frames if seg.stop is None else seg.stop
            tasks.append(Task(measure_segment, seg, max(stop - seg.start, 1)))
    done = iter(
        run_tasks(tasks, settings, jobs, _worker_failed, "analyze" if progress else None)
    )
    sources = []
    for f, plan in zip(files, plans, strict=True):
        if plan is None:
            sources.append(next(done))
        else:
            results = [next(done) for _ in plan.segments]
            sources.append(_join_segments(f, plan, results, settings))
    return sources


def _worker_failed(task: Any, exc: Exception) -> Any:
    """The record of a task whose worker died."""
    message = f"analysis worker failed: {exc!r}"
    if isinstance(task.arg, VideoSegment):
        return SegmentResult(task.arg.start, error=message)
    return {
        "path": str(task.arg),
        "fps": None,
        "scale_mm_per_px": None,
        "frames": [],
        "n_faces": 0,
        "warnings": [],
        "error": message,
    }


def _join_segments(
    path: Path, plan: _VideoPlan, results: list[SegmentResult], settings: AnalysisSettings
) -> dict[str, Any]:
    """The source record of a video measured in segments, as the sequential run writes it."""
    from facetrainer.capture.media_files import MediaFileError, check_frame_count
    from facetrainer.face.analyze_command import _stabilise_scale, _summarise
    from facetrainer.face.scale import ScaleStabiliser

    source: dict[str, Any] = {
        "path": str(path),
        "fps": plan.fps,
        "scale_mm_per_px": None,
        "frames": [],
        "n_faces": max(r.n_faces for r in results),
        "warnings": [],
        "error": None,
    }
    fps, n = plan.fps, plan.n_frames
    measures: list[tuple[int, float, FaceMeasures]] = []
    scale = ScaleStabiliser()
    expected = 0
    if not any(r.measures for r in results):
        source["error"] = next((r.error for r in results if r.error), "no frame could be read")
        results = []
    for r in results:
        if r.start != expected and r.measures:
            source["warnings"].append(
                f"frames {expected}-{r.start - 1} could not be read (damaged file)"
            )
        for k, m in enumerate(r.measures):
            index = r.start + k
            _stabilise_scale(m, index / fps, scale)
            measures.append((index, index / fps, m))
        expected = r.start + len(r.measures)
        if r.error is not None:
            source["warnings"].append(f"stopped reading at frame {expected}: {r.error}")
    if source["error"] is None:
        try:  # the frames are kept, the file counts as bad (as in a sequential run)
            check_frame_count(path, len(measures), n)
        except MediaFileError as exc:
            source["error"] = str(exc)
    source["_measures"] = measures
    _summarise(source, settings)
    return source


def measure_video_segments(
    path: Path, n_frames: int, jobs: int, settings: AnalysisSettings
) -> list[SegmentResult] | None:
    """Every frame of a video tracked (one face) and measured in segments on ``jobs``
    processes, with landmarks and midlines, before anything that carries over from frame
    to frame (for ``facetrainer score``, which follows them in order); None when the video
    is too short to be split."""
    from facetrainer.face.worker_pool import Task, run_tasks

    segments = plan_segments(path, n_frames, jobs)
    if len(segments) < 2:
        return None
    tasks = [
        Task(measure_segment, replace(s, probe_faces=False, keep_landmarks=True), 1.0)
        for s in segments
    ]
    return list(run_tasks(tasks, settings, jobs, _worker_failed))
