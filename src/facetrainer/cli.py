"""The ``facetrainer`` command: the app by default, plus analysis subcommands.

Subcommands live next to the code they drive; each module exposes
``add_parser(subparsers)`` and its parser sets ``func`` to a ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import TYPE_CHECKING

from facetrainer import DISCLAIMER, __version__

if TYPE_CHECKING:
    from facetrainer.live.config import SessionConfig

# Subcommand name -> the module that adds it. Only the module of the command being run is
# imported (the others pull in scipy, SQLAlchemy, reportlab…), all of them for --help.
SUBCOMMANDS = {
    "analyze": "facetrainer.face.analyze_command",
    "simulate": "facetrainer.simulation.simulate_command",
    "emg": "facetrainer.emg.analyze_command",  # facetrainer emg analyze
    "score": "facetrainer.exercises.score_command",
    "report": "facetrainer.reports.report_command",
    "bids": "facetrainer.reports.bids_command",  # EMG-BIDS export
    "data": "facetrainer.storage.data_command",  # patients, programs, sessions
}
SUBCOMMAND_MODULES = tuple(SUBCOMMANDS.values())


def _add_app_arguments(parser: argparse.ArgumentParser) -> None:
    from facetrainer.emg.source_spec import add_emg_arguments

    v = parser.add_argument_group("video source (default: the built-in demo)")
    vx = v.add_mutually_exclusive_group()
    vx.add_argument("--camera", type=int, metavar="N", help="webcam by index")
    vx.add_argument("--video", metavar="PATH", help="video file, paced at its own frame rate")
    vx.add_argument("--image", metavar="PATH", help="still image, repeated as a stream")
    vx.add_argument("--demo", action="store_true",
                    help="the virtual patient doing a program (the default without hardware)")
    v.add_argument("--no-loop", action="store_true", help="play a video file once")
    v.add_argument("--face", metavar="PATH", help="demo: a face photo of your own")
    v.add_argument("--profile", metavar="P", help="demo: virtual patient profile name or file")
    add_emg_arguments(parser)
    from facetrainer.lsl.scope import add_lsl_arguments

    add_lsl_arguments(parser)
    g = parser.add_argument_group("window")
    g.add_argument("--screenshot", metavar="PATH",
                   help="save a PNG of the main window (offscreen without a display)")
    g.add_argument("--quit-after", type=float, metavar="SECONDS",
                   help="close the window after this many seconds")
    g.add_argument("--data-dir", metavar="DIR", help="where patient data lives (default: the "
                   "user's data folder)")
    g.add_argument("--paths", action="store_true",
                   help="print the folders FaceTrainer uses (data, database, your exercise "
                        "files) and exit")
    g.add_argument("--db", metavar="URL", default=None,
                   help="database URL, e.g. postgresql://host/facetrainer for a clinic server "
                        "(default: SQLite in the data folder; env FACETRAINER_DB_URL)")
    g.add_argument("--patient-mode", action="store_true",
                   help="open the patient's home practice (full screen, large type)")
    g.add_argument("--program", metavar="FILE",
                   help="a program file from your therapist: shown, then taken in for your "
                        "patient code (opens patient mode)")


def _modules_for(argv: list[str] | None) -> tuple[str, ...]:
    """The subcommand modules a command line needs (all when it asks for help)."""
    if argv is None:
        return SUBCOMMAND_MODULES
    for token in argv:
        if token in SUBCOMMANDS:
            return (SUBCOMMANDS[token],)
    if any(t in ("-h", "--help") for t in argv):
        return SUBCOMMAND_MODULES
    return ()


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The full parser; with ``argv``, only the subcommands that command line can use."""
    parser = argparse.ArgumentParser(
        prog="facetrainer",
        description="FaceTrainer: biofeedback for facial neuromuscular retraining. " + DISCLAIMER,
    )
    parser.add_argument("--version", action="version", version=f"facetrainer {__version__}")
    _add_app_arguments(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _modules_for(argv):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.add_parser(sub)
    return parser


def _prepare_process() -> None:
    """Patient data private from the first file on; temporary files of killed runs removed;
    the log file started and uncaught exceptions sent to it."""
    from facetrainer.app_log import install_exception_hooks, start_logging, warn
    from facetrainer.atomic_files import remove_leftovers, set_private_umask

    set_private_umask()
    start_logging()
    install_exception_hooks()
    for path in remove_leftovers():
        warn(f"facetrainer: removed {path} (left by an interrupted run)", __name__)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    _prepare_process()
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if getattr(args, "paths", False) and getattr(args, "func", None) is None:
        from facetrainer.paths import user_paths

        for what, where in user_paths(args.data_dir, args.db).items():
            print(f"{what + ':':<16}{where}")
        return 0
    if getattr(args, "func", None) is not None:
        import logging

        log = logging.getLogger(__name__)
        log.info("command: %s", getattr(args, "command", None))
        try:
            code = int(args.func(args) or 0)
        except KeyboardInterrupt:
            return 130
        # the command printed its own message; the log keeps that it failed
        (log.warning if code else log.info)("command %s exited with %d",
                                            getattr(args, "command", None), code)
        return code
    try:
        config = session_config_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    from facetrainer.gui.app import run_app  # Qt is imported only for the window

    return run_app(args, config)


def session_config_from_args(args: argparse.Namespace) -> SessionConfig:
    """The app's command line as the core's typed configuration (the core never sees
    argparse)."""
    from dataclasses import fields
    from pathlib import Path

    from facetrainer.live.config import EmgConnectOptions, SessionConfig, VideoChoice

    if getattr(args, "camera", None) is not None:
        video = VideoChoice("camera", camera_index=args.camera)
    elif getattr(args, "video", None):
        video = VideoChoice("video", path=Path(args.video), loop=not args.no_loop)
    elif getattr(args, "image", None):
        video = VideoChoice("image", path=Path(args.image))
    elif getattr(args, "demo", False):
        video = VideoChoice("demo")
    else:
        video = VideoChoice("auto")
    options = EmgConnectOptions(
        **{f.name: getattr(args, f.name) for f in fields(EmgConnectOptions) if hasattr(args, f.name)}
    )
    data_dir = getattr(args, "data_dir", None)
    face = getattr(args, "face", None)
    return SessionConfig(
        video=video,
        emg_specs=tuple(getattr(args, "emg", None) or ()),
        emg_options=options,
        demo_face=Path(face) if face else None,
        demo_profile=getattr(args, "profile", None),
        db_url=getattr(args, "db", None),
        data_dir=Path(data_dir) if data_dir else None,
    )


if __name__ == "__main__":
    sys.exit(main())
