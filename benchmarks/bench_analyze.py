"""Throughput of ``facetrainer analyze`` on a 640×480 video, and the cost of the measures.

Prints the analysis speed as a multiple of real time (target ≥ 5×) and the measures' cost
per frame without tracking (target ≤ 0.5 ms). The video is made from the packaged astronaut
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
from facetrainer.face.analyze_command import analyse_path
from facetrainer.face.measures import AnalysisSettings, analyse_face
from facetrainer.face.midline import fit_midline

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    settings = AnalysisSettings()
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "bench.avi"
        n = make_video(video, args.seconds)
        t0 = time.perf_counter()
        src = analyse_path(video, settings, progress=False)
        wall = time.perf_counter() - t0
    measured = sum(1 for f in src["frames"] if f["rejected"] is None)
    print(
        f"analyze: {n} frames of 640x480 ({n / FPS:.1f} s of video) in {wall:.2f} s "
        f"= {n / wall:.0f} frames/s = {n / FPS / wall:.1f}x real time "
        f"(target >= 5x); {measured}/{n} frames measured"
    )

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
