"""Start the GUI: build the live-session model from the configuration, show the window.

``facetrainer.cli`` turns the command line into a
:class:`~facetrainer.live.config.SessionConfig`; everything live is wired by the headless
:class:`~facetrainer.live.session_model.LiveSessionModel` (read that module to see the whole
pipeline); the window and its panels only draw it.
"""

from __future__ import annotations

import argparse
import os
import sys

from facetrainer.live.config import SessionConfig
from facetrainer.live.session_model import LiveSessionModel


def run_app(args: argparse.Namespace, config: SessionConfig) -> int:
    """Open the main window on a model built from ``config``; with ``--screenshot``/
    ``--quit-after`` (in ``args``) save a PNG and exit."""
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

    from facetrainer.gui.event_loop import prepare_application
    from facetrainer.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("FaceTrainer")
    # Before any thread starts: cyclic garbage is then only ever collected on this thread.
    prepare_application(app)
    model = LiveSessionModel(config)
    for problem in model.problems:
        print(f"facetrainer: {problem}", file=sys.stderr)
    # The panels (storage, reports, exercises…) load once the first face is on screen,
    # except where one is needed at once: patient mode and a program file open a panel.
    immediate = bool(getattr(args, "patient_mode", False) or getattr(args, "program", None))
    window = MainWindow(model, args, defer_panels=not immediate)
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
