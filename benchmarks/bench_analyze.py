"""Throughput of ``facetrainer analyze`` on a 640×480 video, and the cost of the measures.

Prints the analysis speed as a multiple of real time (target ≥ 5×; best and median of a few
runs, after MediaPipe's one-time start-up, which is printed on its own), the cost of each
step per frame, the writing of JSON and CSV, and the measures' cost per frame without
tracking (target ≤ 0.5 ms). The video is made from the packaged astronaut
photo (gently moving), so nothing is downloaded.

    .venv/bin/python benchmarks/bench_analyze.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from facetrainer.capture.face_tracker import FaceTracker
from facetrainer.capture.sample_faces import astronaut_portrait
from facetrainer.capture.video_sources import open_video_capture
from facetrainer.face.analyze_command import (
    _stabilise_scale,
    analyse_path,
    dumps_results,
    write_csv,
)
from facetrainer.face.measures import AnalysisSettings, analyse_face
from facetrainer.face.midline import fit_midline
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


def _breakdown(video: Path, settings: AnalysisSettings) -> None:
    """Per-frame cost of each step of the video path, run one after the other."""
    cap, _, _ = open_video_capture(video)
    t0 = time.perf_counter()
    frames = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    cap.release()
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--repeats", type=int, default=3, help="analyze runs (best and median)")
    args = ap.parse_args()
    settings = AnalysisSettings()
    t0 = time.perf_counter()
    with FaceTracker(static_image_mode=True) as tracker:  # loads MediaPipe's models
        tracker.process(astronaut_portrait())
    print(f"start-up (MediaPipe models, once per process): {time.perf_counter() - t0:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "bench.avi"
        n = make_video(video, args.seconds)
        walls = []
        for _ in range(max(1, args.repeats)):
            t0 = time.perf_counter()
            src = analyse_path(video, settings, progress=False)
            walls.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        dumps_results([src])
        write_csv([src], Path(tmp) / "bench.csv")
        t_write = time.perf_counter() - t0
        _breakdown(video, settings)
    measured = sum(1 for f in src["frames"] if f["rejected"] is None)
    for label, wall in (("best", min(walls)), ("median", float(np.median(walls)))):
        print(
            f"analyze ({label} of {len(walls)}): {n} frames of 640x480 ({n / FPS:.1f} s of "
            f"video) in {wall:.2f} s = {n / wall:.0f} frames/s = {n / FPS / wall:.1f}x real "
            f"time (target >= 5x); {measured}/{n} frames measured"
        )
    print(f"writing JSON + CSV: {t_write * 1e3:.0f} ms ({t_write / n * 1e3:.3f} ms/frame)")

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
