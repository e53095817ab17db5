"""Capture-to-screen latency of the video and the EMG traces in the running window.

Runs the main window (offscreen unless a display is set) on the live-session model with
the demo (the virtual patient's video and EMG) for ``--seconds`` after ``--warmup``, and
prints, from the window's own records (``FrameView.latency``, ``EmgView.latency``):

- the reference, measured in the same run: capture -> processed frame published by the
  processing thread (tracking, measures, overlay), p50/p95/p99;
- capture -> paint of each frame shown, p50/p95/p99 (target p95 <= 50 ms), and how many
  of the processed frames reached the screen;
- EMG sample stamped -> traces updated with it, p50/p95 (target p95 <= 60 ms).

    PYTHONPATH=src .venv/bin/python benchmarks/bench_latency.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import os
import sys

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from facetrainer import clock
from facetrainer.latency_log import LatencyLog
from facetrainer.live.config import SessionConfig, VideoChoice
from facetrainer.live.session_model import LiveSessionModel


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--warmup", type=float, default=5.0, help="start-up left out (s)")
    args = ap.parse_args()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from facetrainer.gui.event_loop import prepare_application
    from facetrainer.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    prepare_application(app)
    model = LiveSessionModel(SessionConfig(video=VideoChoice(kind="demo")))
    published = LatencyLog()
    counts = {"published": 0, "painted": 0}

    def on_processed(pf) -> None:  # noqa: ANN001 - a ProcessedFrame, on the processing thread
        if measuring:
            published.add(clock.now() - pf.frame.timestamp_s)
            counts["published"] += 1

    model.pipeline.processor.listeners.append(on_processed)
    window = MainWindow(model, argparse.Namespace())
    window.resize(1280, 800)
    window.show()
    window.start()
    measuring = False

    def begin() -> None:
        nonlocal measuring
        window.live_view.latency.clear()
        window.emg_view.latency.clear()
        counts["painted"] = len(window.live_view.latency)
        measuring = True

    def end() -> None:
        nonlocal measuring
        measuring = False
        counts["painted"] = len(window.live_view.latency)
        window.close()
        app.quit()

    QTimer.singleShot(int(args.warmup * 1000), begin)
    QTimer.singleShot(int((args.warmup + args.seconds) * 1000), end)
    app.exec()
    load = os.getloadavg()[0]
    print(f"demo in the main window for {args.seconds:g} s (after {args.warmup:g} s), load {load:.1f}")
    p = published.percentiles_ms()
    print(
        f"  reference, capture -> processed: p50 {p[0]:.0f} ms, p95 {p[1]:.0f}, p99 {p[2]:.0f} "
        f"({counts['published']} frames)"
    )
    v = window.live_view.latency.percentiles_ms()
    shown = counts["painted"] / max(counts["published"], 1) * 100
    print(
        f"  capture -> paint:     p50 {v[0]:.0f} ms, p95 {v[1]:.0f}, p99 {v[2]:.0f} "
        f"(target p95 <= 50 ms); {counts['painted']} frames painted = {shown:.0f} % of those "
        f"processed; paint adds {v[0] - p[0]:.0f} ms at the median"
    )
    e = window.emg_view.latency.percentiles_ms((50.0, 95.0))
    print(
        f"  EMG sample -> traces: p50 {e[0]:.0f} ms, p95 {e[1]:.0f} (target p95 <= 60 ms), "
        f"{len(window.emg_view.latency)} refreshes"
    )


if __name__ == "__main__":
    main()
