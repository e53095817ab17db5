"""Video pipeline speed: bare MediaPipe vs FaceTrainer's full per-frame processing, the
frame rate the real window achieves while BrainFlow's synthetic board streams, and the CPU
seconds per second each thread uses while the demo runs (following the virtual patient's
sets, recording the session).

Run: ``.venv/bin/python benchmarks/bench_pipeline.py`` (prints its figures; targets: ratio
≤ 1.5, window ≥ 30 fps, ≥ 95 % of the processed frames drawn with the demo's EMG rows, the
whole app ≤ 1.0 core). Offscreen by default; in a real window with
``Xvfb :99 -screen 0 1600x1000x24 & DISPLAY=:99 QT_QPA_PLATFORM=xcb python ...``. The CPU
of the whole app is also given per frame as a ratio to the bare landmark model paced at
30 fps in the same run. ``--threads-only`` prints only the per-thread CPU table (it also
runs against an older checkout: ``PYTHONPATH=OLD/src python benchmarks/bench_pipeline.py
--threads-only``, to compare before/after in one run).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

os.environ.setdefault("GLOG_minloglevel", "2")


def make_frames(n: int) -> list[np.ndarray]:
    """640×480 frames of a real face with small head motion (the same set for both runs)."""
    import cv2

    from facetrainer.capture.sample_faces import astronaut_portrait

    base = astronaut_portrait()
    frames = []
    for i in range(n):
        dx, dy = 6 * np.sin(i / 9), 4 * np.cos(i / 13)
        m = np.float32([[1, 0, dx], [0, 1, dy]])
        frames.append(cv2.warpAffine(base, m, (640, 480), borderMode=cv2.BORDER_REPLICATE))
    return frames


def time_per_frame(fn, frames: list[np.ndarray], repeats: int) -> float:
    for f in frames[:10]:
        fn(f)  # warm-up: model load, tracking lock
    t0 = time.perf_counter()
    for _ in range(repeats):
        for f in frames:
            fn(f)
    return (time.perf_counter() - t0) * 1000 / (repeats * len(frames))


def bench_processing(n_frames: int, repeats: int) -> tuple[float, float, int]:
    import mediapipe as mp

    from facetrainer.capture.face_tracker import FaceTracker
    from facetrainer.capture.frames import VideoFrame
    from facetrainer.face.live import ensure_face_analysis_stage
    from facetrainer.pipeline import Pipeline

    frames = make_frames(n_frames)
    mesh = mp.solutions.face_mesh.FaceMesh(refine_landmarks=True, max_num_faces=1)
    bare_ms = time_per_frame(mesh.process, frames, repeats)
    mesh.close()

    pipeline = Pipeline()
    ensure_face_analysis_stage(pipeline.processor)
    tracker = FaceTracker()
    counter = iter(range(10**9))
    full_ms = time_per_frame(
        lambda f: pipeline.processor.process(VideoFrame(f, time.monotonic(), next(counter)),
                                             tracker),
        frames, repeats)
    from facetrainer.pipeline import render_mirror

    processed = [pipeline.processor.process(VideoFrame(f, 0.0, i), tracker)
                 for i, f in enumerate(frames)]
    t0 = time.perf_counter()
    for _ in range(repeats):
        for pf in processed:
            render_mirror(pf, pipeline.settings)
    mirror_ms = (time.perf_counter() - t0) * 1000 / (repeats * len(processed))
    tracker.close()
    return bare_ms, full_ms, mirror_ms, len(pipeline.processor.stages)


def bench_window(seconds: float) -> tuple[float, float, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from facetrainer.capture.video_sources import ImageSource
    from facetrainer.emg.brainflow_source import SYNTHETIC_BOARD_ID, BrainFlowSource
    from facetrainer.gui.main_window import MainWindow
    from facetrainer.pipeline import Pipeline

    app = QApplication.instance() or QApplication([])
    frames = make_frames(60)

    class MovingFace(ImageSource):  # a moving face at 30 fps through the same source path
        def _read(self):
            img, t = super()._read()
            return frames[self._i % len(frames)].copy(), t

    pipeline = Pipeline()
    pipeline.set_video_source(MovingFace(frames[0], fps=30.0, name="bench"))
    pipeline.add_emg_source(BrainFlowSource(SYNTHETIC_BOARD_ID))
    win = MainWindow(pipeline)
    win.show()
    win.start()
    result = {}

    def measure_start():
        result["n0"], result["t0"] = win.n_frames_drawn, time.monotonic()
        result["r0"] = win.n_redraws

    def measure_end():
        dt = time.monotonic() - result["t0"]
        result["fps"] = (win.n_frames_drawn - result["n0"]) / dt
        result["redraw_hz"] = (win.n_redraws - result["r0"]) / dt
        result["proc_fps"] = pipeline.processor.fps()
        src = pipeline.emg_sources[0]
        result["emg_hz"] = src.n_samples / max(1e-9, (time.monotonic() - result["t_emg"]))
        win.close()
        app.quit()

    result["t_emg"] = time.monotonic()
    QTimer.singleShot(2000, measure_start)
    QTimer.singleShot(int((2 + seconds) * 1000), measure_end)
    app.exec()
    return result["fps"], result["redraw_hz"], result["proc_fps"], result["emg_hz"]


THREAD_ROLES = (  # thread-name prefix -> role in the table
    ("MainThread", "GUI"),
    ("frame-processor", "processing"),
    ("mirror-view", "mirror"),
    ("exercise-engine", "engine"),
    ("session-writer", "recorder"),
    ("emg:", "acquisition (EMG)"),
    ("video:", "acquisition (video)"),
)


def _role(name: str) -> str:
    return next((role for prefix, role in THREAD_ROLES if name.startswith(prefix)), "other")


def _native_threads() -> dict[int, tuple[str, float]]:
    """CPU seconds of every OS thread of this process (Linux /proc), by thread id: the
    native threads (MediaPipe's, Qt's, OpenCV's and BLAS's pools) have no Python name."""
    out: dict[int, tuple[str, float]] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                stat = f.read()
            with open(f"/proc/self/task/{tid}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue  # the thread ended
        fields = stat[stat.rindex(")") + 2:].split()
        out[int(tid)] = (comm, (int(fields[11]) + int(fields[12])) / tick)
    return out


def _demo_window(data_dir: str):
    """The app's window on the built-in demo, with whichever construction this checkout has
    (the live-session model, or the older pipeline + arguments)."""
    import argparse as _argparse

    from facetrainer.gui.main_window import MainWindow

    try:
        from facetrainer.live.config import SessionConfig, VideoChoice
        from facetrainer.live.session_model import LiveSessionModel
    except ModuleNotFoundError:  # before the live-session model
        from facetrainer.gui.app import build_pipeline

        args = _argparse.Namespace(demo=True, face=None, profile=None, emg=None, camera=None,
                                   video=None, image=None, data_dir=data_dir)
        return MainWindow(build_pipeline(args), args)
    from pathlib import Path

    config = SessionConfig(video=VideoChoice("demo"), data_dir=Path(data_dir))
    return MainWindow(LiveSessionModel(config))


def _session_panel(win):
    old = getattr(win, "session_panel", None)  # before the window's panel registry
    return old if old is not None else win.panels["session"]


def bench_demo_threads(seconds: float) -> dict[str, float]:
    """CPU seconds per second of each thread role while the demo runs ``seconds`` (after a
    start-up), the exercise panel following the virtual patient and the session recorded."""
    import tempfile
    import threading

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from facetrainer.storage import create_patient, open_database

    data_dir = tempfile.mkdtemp(prefix="bench-threads-")
    db = open_database(data_dir=data_dir)
    create_patient(db, "BENCH", "left")
    db.close()
    app = QApplication.instance() or QApplication([])
    try:
        from facetrainer.gui.event_loop import prepare_application

        prepare_application(app)
    except ModuleNotFoundError:
        pass
    win = _demo_window(data_dir)
    win.show()
    win.start()
    cpu: dict[int, tuple[str, float, float]] = {}  # ident -> (name, first, last)

    def sample() -> None:
        for t in threading.enumerate():
            try:
                c = time.clock_gettime(time.pthread_getcpuclockid(t.ident))
            except (OSError, TypeError):
                continue
            name, first, _ = cpu.get(t.ident, (t.name, c, c))
            cpu[t.ident] = (name, first, c)

    result: dict[str, float] = {}
    clock = {}
    emg = getattr(win, "panels", {}).get("emg")

    def counters() -> dict[str, float]:
        return {
            "processed": win.pipeline.processor.n_processed,
            "drawn": win.n_frames_drawn,
            "painted": getattr(win.live_view, "n_frames_painted", float("nan")),
            "emg": getattr(emg, "n_draws", 0),
            "mirror": win.pipeline.mirror.n_rendered,
        }

    def begin() -> None:
        panel = _session_panel(win)
        if panel.db is not None:
            panel.start_recording()
        cpu.clear()
        sample()
        clock["native0"] = _native_threads() if os.path.isdir("/proc/self/task") else {}
        clock["t0"], clock["p0"] = time.monotonic(), time.process_time()
        clock["f0"] = win.pipeline.processor.n_processed
        clock["c0"] = counters()

    def end() -> None:
        sample()
        dt = time.monotonic() - clock["t0"]
        for name, first, last in cpu.values():
            role = _role(name)
            result[role] = result.get(role, 0.0) + (last - first) / dt
        result["whole process"] = (time.process_time() - clock["p0"]) / dt
        result["native threads (MediaPipe, Qt, BLAS)"] = result["whole process"] - sum(
            v for k, v in result.items() if k != "whole process")
        python_tids = {t.native_id for t in threading.enumerate()}
        native: dict[str, float] = {}
        for tid, (comm, c1) in (_native_threads() if clock["native0"] else {}).items():
            if tid in python_tids:
                continue
            c0 = clock["native0"].get(tid, (comm, 0.0))[1]
            name = comm.rstrip("0123456789/-_")  or comm  # pool threads by pool
            native[name] = native.get(name, 0.0) + (c1 - c0) / dt
        result["native split"] = native  # type: ignore[assignment]
        result["frames/s"] = (win.pipeline.processor.n_processed - clock["f0"]) / dt
        c1, c0 = counters(), clock["c0"]
        processed = max(1.0, c1["processed"] - c0["processed"])
        result["drawn fraction"] = (c1["drawn"] - c0["drawn"]) / processed
        result["painted fraction"] = (c1["painted"] - c0["painted"]) / processed
        result["EMG redraws/s"] = (c1["emg"] - c0["emg"]) / dt
        result["mirror renders/s"] = (c1["mirror"] - c0["mirror"]) / dt
        result["EMG rows"] = len(getattr(emg, "_rows", ()))
        _session_panel(win).stop_recording()
        win.close()
        app.quit()

    timer = QTimer()
    timer.timeout.connect(sample)
    timer.start(500)
    QTimer.singleShot(8000, begin)  # database open, demo following, tracker warm
    QTimer.singleShot(int((8 + seconds) * 1000), end)
    app.exec()
    return result


def bench_bare_model_cpu(seconds: float, fps: float = 30.0) -> float:
    """CPU seconds per frame of the bare landmark model fed a moving face at ``fps`` (paced
    like a camera): the reference the whole app's CPU is divided by, measured in the same
    run because this machine's speed varies 3-5x."""
    import mediapipe as mp

    frames = make_frames(60)
    mesh = mp.solutions.face_mesh.FaceMesh(refine_landmarks=True, max_num_faces=1)
    for f in frames[:10]:
        mesh.process(f)  # model load, tracking lock
    n, t0, p0 = 0, time.monotonic(), time.process_time()
    while time.monotonic() - t0 < seconds:
        mesh.process(frames[n % len(frames)])
        n += 1
        time.sleep(max(0.0, t0 + n / fps - time.monotonic()))
    cpu_s = time.process_time() - p0
    mesh.close()
    return cpu_s / max(n, 1)


def print_thread_table(cpu: dict[str, float], seconds: float,
                       bare_cpu_per_frame_s: float | None = None) -> None:
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    print(f"CPU seconds per second of each thread, demo running {seconds:g} s "
          f"(following the virtual patient, recording; Qt platform {platform or 'default'}, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores):")
    for role in ("acquisition (video)", "acquisition (EMG)", "processing", "mirror", "engine",
                 "recorder", "GUI", "other", "native threads (MediaPipe, Qt, BLAS)",
                 "whole process"):
        print(f"  {role + ':':<38}{cpu.get(role, 0.0):6.3f}")
        if role.startswith("native"):
            split = cpu.get("native split") or {}
            for name, v in sorted(split.items(), key=lambda kv: -kv[1]):  # type: ignore[union-attr]
                if v >= 0.005:
                    print(f"    {name + ':':<36}{v:6.3f}")
    fps = cpu.get("frames/s", 0.0)
    print(f"  {'frames processed/s:':<38}{fps:6.1f}")
    if fps > 0:  # on a saturated machine fewer frames arrive: compare per frame too
        per_frame = cpu["whole process"] / fps
        print(f"  {'whole process / frame:':<38}{1000 * per_frame:6.1f} ms")
        if bare_cpu_per_frame_s:
            print(f"  {'bare landmark model / frame (same run):':<38}"
                  f"{1000 * bare_cpu_per_frame_s:6.1f} ms  -> app / bare "
                  f"{per_frame / bare_cpu_per_frame_s:.2f}x; at 30 fps the app would use "
                  f"{30 * per_frame:.2f} cores (target <= 1.0)")
    if "drawn fraction" in cpu:
        print(f"  {'processed frames drawn / painted:':<38}{cpu['drawn fraction']:6.0%} / "
              f"{cpu['painted fraction']:.0%}  (target >= 95 %)")
        print(f"  {'EMG rows, redraws/s:':<38}{cpu['EMG rows']:6.0f}, "
              f"{cpu['EMG redraws/s']:.1f}")
        print(f"  {'mirror composites rendered/s:':<38}{cpu['mirror renders/s']:6.1f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--frames", type=int, default=120)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--window-seconds", type=float, default=8.0)
    ap.add_argument("--demo-seconds", type=float, default=30.0)
    ap.add_argument("--reference-seconds", type=float, default=8.0,
                    help="how long the bare landmark model runs at 30 fps as the CPU reference")
    ap.add_argument("--threads-only", action="store_true")
    args = ap.parse_args()
    if args.threads_only:
        bare = bench_bare_model_cpu(args.reference_seconds)
        print_thread_table(bench_demo_threads(args.demo_seconds), args.demo_seconds, bare)
        return 0
    bare, full, mirror_ms, n_stages = bench_processing(args.frames, args.repeats)
    print(f"bare MediaPipe Face Mesh:            {bare:6.2f} ms/frame (640x480, tracking mode)")
    print(f"FaceTrainer full processing:         {full:6.2f} ms/frame "
          f"(tracking + {n_stages} analysis stage(s) + overlay)")
    print(f"ratio full / bare:                   {full / bare:6.2f}  (target <= 1.5)")
    print(f"mirror-symmetry view (own thread):   {mirror_ms:6.2f} ms/frame")
    fps, redraw_hz, proc_fps, emg_hz = bench_window(args.window_seconds)
    print(f"window redraws (video + 16 EMG rows):{redraw_hz:6.1f} per second (target >= 30)")
    print(f"new video frames shown:              {fps:6.1f} fps (30 fps source)")
    print(f"processing thread rate:              {proc_fps:6.1f} fps")
    print(f"BrainFlow synthetic board delivered: {emg_hz:6.1f} samples/s per channel")
    bare_cpu = bench_bare_model_cpu(args.reference_seconds)
    print_thread_table(bench_demo_threads(args.demo_seconds), args.demo_seconds, bare_cpu)
    return 0


if __name__ == "__main__":
    sys.exit(main())
