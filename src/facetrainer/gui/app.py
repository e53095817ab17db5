"""Start the GUI: choose sources from the command line, build the pipeline, show the window."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from facetrainer.capture.sample_faces import astronaut_portrait
from facetrainer.capture.video_sources import (
    CameraSource,
    ImageSource,
    VideoFileSource,
    VideoSource,
)
from facetrainer.emg.brainflow_source import SYNTHETIC_BOARD_ID, BrainFlowSource
from facetrainer.emg.source import EmgSource, EmgSourceError
from facetrainer.emg.source_spec import emg_source_from_spec
from facetrainer.pipeline import Pipeline


def _camera_present() -> bool:
    """True when the OS lists a video device (probing OpenCV without one only prints noise)."""
    if sys.platform.startswith("linux"):
        return any(Path("/dev").glob("video*"))
    return True


def demo_factory(args: argparse.Namespace) -> Callable[[], tuple[VideoSource, EmgSource | None]]:
    """The built-in demo: the virtual patient when available, else a still face + synthetic EMG."""

    def make() -> tuple[VideoSource, EmgSource | None]:
        try:
            from facetrainer.simulation.demo import create_demo_sources
        except ModuleNotFoundError as exc:
            if exc.name is None or not exc.name.startswith("facetrainer.simulation"):
                raise
            face = getattr(args, "face", None)
            video = ImageSource(face) if face else ImageSource(astronaut_portrait(),
                                                              name="astronaut (demo)")
            return video, BrainFlowSource(SYNTHETIC_BOARD_ID)
        return create_demo_sources(face_path=getattr(args, "face", None),
                                   profile=getattr(args, "profile", None), seed=0)

    return make


def build_pipeline(args: argparse.Namespace) -> Pipeline:
    """Sources chosen by the command line; failures are reported and the rest still runs."""
    pipeline = Pipeline()
    demo = demo_factory(args)
    emg_specs = [s for s in (getattr(args, "emg", None) or [])]
    video: VideoSource | None
    demo_emg: EmgSource | None = None
    if getattr(args, "camera", None) is not None:
        video = CameraSource(args.camera)
    elif getattr(args, "video", None):
        video = VideoFileSource(args.video, loop=not getattr(args, "no_loop", False))
    elif getattr(args, "image", None):
        video = ImageSource(args.image)
    elif not getattr(args, "demo", False) and _camera_present():
        video = CameraSource(0)
    else:
        video, demo_emg = demo()
    pipeline.set_video_source(video)
    if emg_specs:
        for spec in emg_specs:
            if spec.strip().lower() == "none":
                continue
            if spec.strip().lower() == "virtual":
                if demo_emg is None:
                    _, demo_emg = demo()
                if demo_emg is not None:
                    pipeline.add_emg_source(demo_emg)
                continue
            try:
                pipeline.add_emg_source(emg_source_from_spec(spec, args))
            except (EmgSourceError, ImportError) as exc:
                print(f"facetrainer: EMG source {spec!r} not started: {exc}", file=sys.stderr)
    elif demo_emg is not None:
        pipeline.add_emg_source(demo_emg)
    return pipeline


def _install_analysis_stages(pipeline: Pipeline) -> None:
    """Per-frame analysis stages from the core, when present."""
    try:
        from facetrainer.face.live import FaceAnalysisStage
    except ModuleNotFoundError as exc:
        if exc.name != "facetrainer.face.live":
            raise
        return
    pipeline.processor.stages.append(FaceAnalysisStage())


def run_app(args: argparse.Namespace) -> int:
    """Open the main window; with ``--screenshot``/``--quit-after`` save a PNG and exit."""
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless and os.environ.get("QT_QPA_PLATFORM") is None:
        if args.screenshot or args.quit_after:
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        else:
            print("facetrainer: no display found; starting offscreen (use --screenshot PATH "
                  "--quit-after SECONDS to see the window)", file=sys.stderr)
            os.environ["QT_QPA_PLATFORM"] = "offscreen"

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from facetrainer.gui.garbage_collector import install_garbage_collector
    from facetrainer.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("FaceTrainer")
    # Before any thread starts: cyclic garbage is then only ever collected on this thread.
    install_garbage_collector(app)
    pipeline = build_pipeline(args)
    _install_analysis_stages(pipeline)
    window = MainWindow(pipeline, args, demo_factory=demo_factory(args))
    window.show()
    window.start()
    exit_code = 0

    quit_after = args.quit_after
    if args.screenshot and quit_after is None:
        quit_after = 4.0
    if quit_after is not None:
        def finish() -> None:
            nonlocal exit_code
            if args.screenshot:
                if not window.save_screenshot(args.screenshot):
                    print(f"facetrainer: could not write screenshot {args.screenshot}",
                          file=sys.stderr)
                    exit_code = 1
                else:
                    print(f"facetrainer: screenshot saved to {args.screenshot}")
            window.close()
            app.quit()

        QTimer.singleShot(int(quit_after * 1000), finish)
    app.exec()
    return exit_code
