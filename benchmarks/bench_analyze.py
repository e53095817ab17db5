"""Throughput of ``facetrainer analyze`` on a 640×480 video, and the cost of the measures.

Prints, for one video made here from the packaged astronaut photo (gently moving, so
nothing is downloaded), measured in the same run and interleaved (best of ``--repeats``):

- the reference: the bare MediaPipe landmark model (``FaceMesh.process``) on the decoded
  frames, in this process, one frame after the other;
- ``analyze --jobs 1`` (this process, MediaPipe already loaded) and ``analyze --jobs N``
  (N worker processes, ``N`` = the cores this process may use; their start-up included),
  each as a multiple of real time (target >= 5x) and as the ratio of its speed to the
  reference's, with the CPU seconds of this process and its workers;
- the cost of each step per frame, the writing of JSON and CSV, the tracking of a 4K frame
  (shrunk to the tracking size, and given whole), and the measures' cost per frame
  without tracking (target <= 0.5 ms).

    PYTHONPATH=src .venv/bin/python benchmarks/bench_analyze.py [--seconds 20] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from facetrainer.capture.face_tracker import TRACKING_MAX_SIDE_PX, FaceTracker
from facetrainer.capture.sample_faces import astronaut_portrait
from facetrainer.capture.video_sources import open_video_capture
from facetrainer.face.analyze_command import _stabilise_scale, dumps_results, write_csv
from facetrainer.face.measures import AnalysisSettings, analyse_face
from facetrainer.face.midline import fit_midline
from facetrainer.face.parallel_analysis import analyse_files, default_jobs
from facetrainer.face.scale import ScaleStabiliser

FPS = 30.0


def make_video(path: Path, seconds: float) -> int:
    img = astronaut_portrait()
    n = int(seconds * FPS)
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (640, 480))
    for i in range(n):
        m = cv2.getRotationMatrix2D((320 + 8 * np.sin(i / 17), 240), 4 * np.sin(i / 23), 1.0)
        w.write(np.ascontiguousarray(cv2.warpAffine(img, m, (640, 480))[:, :, ::-1]))
    w.release()
    return n


def _decoded_rgb(video: Path) -> list[np.ndarray]:
    """Every frame of ``video``, decoded and converted to RGB."""
    cap, _, _ = open_video_capture(video)
    frames = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    cap.release()
    return frames


def _breakdown(video: Path, settings: AnalysisSettings) -> None:
    """Per-frame cost of each step of the video path, run one after the other."""
    t0 = time.perf_counter()  # opening the file is part of decoding
    frames = _decoded_rgb(video)
    t_decode = time.perf_counter() - t0
    with FaceTracker(static_image_mode=False, max_num_faces=1) as tracker:
        t0 = time.perf_counter()
        faces = [tracker.process(rgb) for rgb in frames]
        t_track = time.perf_counter() - t0
    scale = ScaleStabiliser()
    t0 = time.perf_counter()
    for i, (rgb, face) in enumerate(zip(frames, faces, strict=True)):
        _stabilise_scale(analyse_face(face, rgb, settings), i / FPS, scale)
    t_measure = time.perf_counter() - t0
    n = len(frames)
    print(
        "per frame, one step after the other: "
        f"decode+RGB {t_decode / n * 1e3:.2f} ms, tracking {t_track / n * 1e3:.2f} ms, "
        f"measures+scale {t_measure / n * 1e3:.2f} ms"
    )


def _cpu_s() -> tuple[float, float]:
    """CPU seconds of this process and of its finished children (the pool's workers)."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def _bare_model_s(video: Path) -> float:
    """Wall seconds of the bare landmark model over the video's decoded frames."""
    import mediapipe as mp

    frames = _decoded_rgb(video)
    mesh = mp.solutions.face_mesh.FaceMesh(refine_landmarks=True, max_num_faces=1)
    try:
        t0 = time.perf_counter()
        for rgb in frames:
            mesh.process(rgb)
        return time.perf_counter() - t0
    finally:
        mesh.close()


def _track_4k(n_frames: int = 30) -> None:
    """CPU ms per 4K frame (3840x2160): shrunk to the tracking size first vs given whole."""
    big = cv2.resize(astronaut_portrait(), (3840, 2160), interpolation=cv2.INTER_CUBIC)
    costs = {}
    for label, side in (("shrunk to 1920x1080", TRACKING_MAX_SIDE_PX), ("whole 4K", 4000)):
        with FaceTracker(tracking_max_side_px=side) as tracker:
            tracker.process(big)
            best = np.inf
            for _ in range(3):
                c0 = time.process_time()
                for _ in range(n_frames):
                    tracker.process(big)
                best = min(best, (time.process_time() - c0) / n_frames * 1e3)
        costs[label] = best
    print(
        "4K frame, tracking incl. shrinking (CPU ms/frame, best of 3): "
        + ", ".join(f"{k} {v:.1f}" for k, v in costs.items())
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--repeats", type=int, default=3, help="interleaved runs (best of)")
    ap.add_argument("--jobs", type=int, default=default_jobs(), help="workers (default: cores)")
    args = ap.parse_args()
    settings = AnalysisSettings()
    print(f"machine: {platform.machine()}, {os.cpu_count()} logical CPUs, load {os.getloadavg()}")
    t0 = time.perf_counter()
    with FaceTracker(static_image_mode=True) as tracker:  # loads MediaPipe's models
        tracker.process(astronaut_portrait())
    print(f"start-up (MediaPipe models, once per process): {time.perf_counter() - t0:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "bench.avi"
        n = make_video(video, args.seconds)
        video_s = n / FPS
        runs: dict[str, list[tuple[float, float, float]]] = {"bare": [], "jobs1": [], "jobsN": []}
        for _ in range(max(1, args.repeats)):
            runs["bare"].append((_bare_model_s(video), 0.0, 0.0))
            for key, jobs in (("jobs1", 1), ("jobsN", args.jobs)):
                (own0, kids0), t0 = _cpu_s(), time.perf_counter()
                src = analyse_files([video], settings, jobs, progress=False)[0]
                wall = time.perf_counter() - t0
                own1, kids1 = _cpu_s()
                runs[key].append((wall, own1 - own0, kids1 - kids0))
        t0 = time.perf_counter()
        dumps_results([src])
        write_csv([src], Path(tmp) / "bench.csv")
        t_write = time.perf_counter() - t0
        _breakdown(video, settings)
    measured = sum(1 for f in src["frames"] if f["rejected"] is None)
    bare = min(w for w, _, _ in runs["bare"])
    print(
        f"{n} frames of 640x480 ({video_s:.1f} s of video), best of {args.repeats} interleaved "
        f"runs; {measured}/{n} frames measured:"
    )
    print(
        f"  reference, bare landmark model, 1 process: {bare:.2f} s = "
        f"{video_s / bare:.1f}x real time ({bare / n * 1e3:.2f} ms/frame)"
    )
    for key, label in (("jobs1", "analyze --jobs 1"), ("jobsN", f"analyze --jobs {args.jobs}")):
        wall, own, kids = min(runs[key])
        split = f" (this process {own:.2f}, its workers {kids:.2f})" if key == "jobsN" else ""
        print(
            f"  {label:<17} {wall:5.2f} s = {video_s / wall:4.1f}x real time (target >= 5x), "
            f"{bare / wall:4.2f}x the reference's speed; {own + kids:.2f} CPU s{split}"
        )
    # On free cores the run lasts about as long as its busiest process is busy.
    _, own, kids = min(runs["jobsN"])
    busiest = max(own, kids / max(args.jobs - 1, 1))
    print(
        f"  on {args.jobs} free cores (busiest process's CPU s): ~{video_s / busiest:.1f}x real "
        f"time; measured wall time includes waiting for the machine's other load"
    )
    print(f"writing JSON + CSV: {t_write * 1e3:.0f} ms ({t_write / n * 1e3:.3f} ms/frame)")

    _track_4k()
    img = astronaut_portrait()
    with FaceTracker(static_image_mode=True) as tracker:
        face = tracker.process(img)
    assert face is not None
    for label, refine in (
        ("all measures (image-refined eyelids)", True),
        ("mesh-only measures", False),
    ):
        s = AnalysisSettings(refine_eyelids=refine)
        reps = 2000
        analyse_face(face, img, s)
        t0 = time.perf_counter()
        for _ in range(reps):
            analyse_face(face, img, s, fit_midline(face.xy))
        ms = (time.perf_counter() - t0) / reps * 1000
        print(f"{label}: {ms:.3f} ms/frame incl. midline and head pose (target <= 0.5 ms)")


if __name__ == "__main__":
    main()
