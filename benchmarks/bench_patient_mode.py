"""Patient mode speed: shown frames per second of the live face and the app's CPU use, with
the therapist window on the same pipeline in the same run as the reference.

The virtual patient (demo sources, face analysis stage) feeds one pipeline. First the main
(therapist) window runs for ``--seconds``; then, as the mode switch does, it is hidden and
patient mode runs a home practice on the same pipeline (live sets through the exercise
engine, cues, recording, best-rep clips) for as long. Figures: frames processed by the
pipeline per second, frames shown per second, process CPU seconds per second (100 % = one
core), and patient/therapist ratios.

Run: ``QT_QPA_PLATFORM=offscreen PYTHONPATH=src python benchmarks/bench_patient_mode.py``
(target: patient mode ≥ 25 shown fps).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def measure(app, seconds: float, shown) -> dict[str, float]:  # noqa: ANN001
    """Run the event loop for ``seconds``; frames shown (``shown()`` counter) and CPU."""
    n0, c0, t0 = shown(), time.process_time(), time.perf_counter()
    g0 = time.thread_time()  # this (the GUI) thread's CPU time
    while time.perf_counter() - t0 < seconds:
        app.processEvents()
        time.sleep(0.002)
    wall = time.perf_counter() - t0
    n = max(shown() - n0, 1)
    return {
        "shown_fps": (shown() - n0) / wall,
        "cpu_pct": 100 * (time.process_time() - c0) / wall,
        "gui_ms_per_frame": 1000 * (time.thread_time() - g0) / n,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, default=15.0)
    args = p.parse_args(argv)

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from facetrainer.exercises.live_set_runner import LiveSetRunner
    from facetrainer.face.live import FaceAnalysisStage
    from facetrainer.gui.main_window import MainWindow
    from facetrainer.gui.patient_mode import PatientWindow
    from facetrainer.gui.patient_settings import AppSettings
    from facetrainer.pipeline import Pipeline
    from facetrainer.simulation.demo import create_demo_sources
    from facetrainer.storage import create_patient, open_database
    from facetrainer.storage.programs import ProgramItem, ProgramSpec, save_program

    app = QApplication.instance() or QApplication(sys.argv[:1])
    folder = Path(tempfile.mkdtemp(prefix="ft-bench-patient-"))
    db = open_database(f"sqlite:///{folder / 'b.sqlite3'}")
    create_patient(db, "BENCH1", "left")
    save_program(db, ProgramSpec("Bench", 1, [ProgramItem("closed_smile", reps=20)]), "BENCH1")
    video, emg = create_demo_sources(program=["closed_smile"], reps=20)
    pipeline = Pipeline()
    pipeline.set_video_source(video)
    pipeline.add_emg_source(emg)
    pipeline.processor.stages.append(FaceAnalysisStage())
    import argparse as ap

    url = f"sqlite:///{folder / 'b.sqlite3'}"
    main_window = MainWindow(pipeline, ap.Namespace(data_dir=str(folder), db=url))
    main_window.resize(1366, 768)
    main_window.show()
    main_window.start()
    proc = pipeline.processor
    measure(app, 3.0, lambda: main_window.n_frames_drawn)  # warm-up: tracker, first frames
    p0 = proc.n_processed
    ref = measure(app, args.seconds, lambda: main_window.n_frames_drawn)
    ref["processed_fps"] = (proc.n_processed - p0) / args.seconds

    settings = AppSettings(QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat))
    settings.patient_code = "BENCH1"
    model = main_window.model
    model.set_affected_side("left")
    model.open_database()
    patient = PatientWindow(db, settings, lambda: LiveSetRunner(model), model=model, intro_s=1.0)
    patient.resize(1366, 768)
    from facetrainer.gui.patient_launcher import _pause_demo_following

    _pause_demo_following(main_window, True)  # as the mode switch does
    main_window.hide()
    patient.show()
    patient.start_practice()
    measure(app, 3.0, lambda: patient.frames_shown)
    p0 = proc.n_processed
    pat = measure(app, args.seconds, lambda: patient.frames_shown)
    pat["processed_fps"] = (proc.n_processed - p0) / args.seconds
    reps = len(patient.home.runner.results[0].reps) if patient.home else 0

    print(f"patient mode vs therapist window, same pipeline, {args.seconds:g} s each "
          f"(virtual patient, 640x480 @ 30 fps, EMG 12 ch @ 1 kHz, {os.cpu_count()} CPUs)")  # fmt: skip
    print(f"{'':22s}{'therapist':>12s}{'patient':>12s}{'ratio':>8s}")
    for key, label in (("processed_fps", "pipeline frames/s"), ("shown_fps", "shown frames/s"),
                       ("cpu_pct", "process CPU %"),
                       ("gui_ms_per_frame", "GUI CPU ms/frame")):  # fmt: skip
        print(f"{label:22s}{ref[key]:12.1f}{pat[key]:12.1f}{pat[key] / max(ref[key], 1e-9):8.2f}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; GUI capacity "
          f"(1000 / GUI ms per frame): patient {1000 / pat['gui_ms_per_frame']:.0f} fps, "
          f"therapist {1000 / ref['gui_ms_per_frame']:.0f} fps")  # fmt: skip
    print(f"reps scored during the patient run: {reps}; practice state: "
          f"{patient.home.runner.state if patient.home else '-'}")  # fmt: skip
    patient.close()
    main_window.close()
    pipeline.stop()
    db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
