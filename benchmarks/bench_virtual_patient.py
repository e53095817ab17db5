"""Virtual patient speed: face rendering (ms per 640×480 frame, one core) and EMG generation
(multiple of real time for 10 channels at 1000 Hz).

Run: ``.venv/bin/python benchmarks/bench_virtual_patient.py`` (prints its figures; targets:
render ≤ 15 ms/frame, EMG ≥ 100× real time).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("OMP_NUM_THREADS", "1")

RENDER_TARGET_MS = 15.0
EMG_TARGET_X = 100.0


def bench_render(n_frames: int) -> tuple[float, float]:
    """Mean and 95th-percentile ms per frame over a demo program (all actions, both eyes)."""
    import cv2

    cv2.setNumThreads(1)  # one core, as the target says
    from facetrainer.simulation.face_renderer import FaceRenderer
    from facetrainer.simulation.face_rig import build_rig
    from facetrainer.simulation.patient import VirtualPatient
    from facetrainer.simulation.profile import load_profile
    from facetrainer.simulation.protocol import DEMO_PROGRAM, build_timeline

    renderer = FaceRenderer(build_rig())
    tl = build_timeline(DEMO_PROGRAM, reps=1, loop=True)
    patient = VirtualPatient(load_profile("synkinesis_left"), tl)
    times = np.linspace(0, tl.duration_s, n_frames, endpoint=False)
    for t in times[:10]:
        renderer.render(patient.pose(float(t)))
    ms = []
    for t in times:
        t0 = time.perf_counter()
        renderer.render(patient.pose(float(t)))  # the pose is part of each frame's cost
        ms.append(1000 * (time.perf_counter() - t0))
    return float(np.mean(ms)), float(np.percentile(ms, 95))


def bench_emg(seconds: float, n_channels: int = 10, fs_hz: float = 1000.0) -> float:
    """Generated seconds of EMG per wall-clock second, in 50 ms chunks as the live source."""
    from facetrainer.simulation.emg_synth import DEFAULT_MONTAGE, EmgSynthesizer
    from facetrainer.simulation.patient import VirtualPatient
    from facetrainer.simulation.profile import load_profile
    from facetrainer.simulation.protocol import DEMO_PROGRAM, build_timeline

    tl = build_timeline(DEMO_PROGRAM, reps=3, loop=True)
    patient = VirtualPatient(load_profile("synkinesis_left"), tl)
    synth = EmgSynthesizer(patient, DEFAULT_MONTAGE[:n_channels], fs_hz=fs_hz, pops=True)
    chunk = int(0.05 * fs_hz)
    n_chunks = int(seconds * fs_hz / chunk)
    t0 = time.perf_counter()
    for _ in range(n_chunks):
        synth.generate(chunk)
    return n_chunks * chunk / fs_hz / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--emg-seconds", type=float, default=120.0)
    args = parser.parse_args()
    mean_ms, p95_ms = bench_render(args.frames)
    print(
        f"render: {mean_ms:.2f} ms/frame mean, {p95_ms:.2f} ms 95th percentile at 640x480 "
        f"on one core (target <= {RENDER_TARGET_MS:g}) -> "
        f"{'OK' if mean_ms <= RENDER_TARGET_MS else 'TOO SLOW'}"
    )
    x = bench_emg(args.emg_seconds)
    print(
        f"EMG: {x:.0f}x real time for 10 channels at 1000 Hz in 50 ms chunks "
        f"(target >= {EMG_TARGET_X:g}x) -> {'OK' if x >= EMG_TARGET_X else 'TOO SLOW'}"
    )


if __name__ == "__main__":
    main()
