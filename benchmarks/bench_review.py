"""Benchmark: reviewing a 30-minute session (8 EMG channels at 1 kHz, 30 fps measures).

Budget (issue 13): the review opens in ≤ 2 s and scrolls smoothly. Figures printed:
loading the session's data, building and first drawing the view, one scroll step (a
10-s window moved and redrawn), switching to the envelope; with, as same-run references,
the raw EMG read alone and the PDF report of the same session.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_review.py [--minutes 30]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

OPEN_BUDGET_S = 2.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    from facetrainer.gui.review.clinician_view import ClinicianView
    from facetrainer.reports.report_command import ReportRequest, make_report
    from facetrainer.storage import create_patient, open_database
    from facetrainer.storage.session_data import load_emg
    from facetrainer.storage.session_review import load_session_review
    from facetrainer.storage.synthetic_history import record_synthetic_session

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = open_database(f"sqlite:///{folder / 'review.sqlite3'}")
        create_patient(db, "BENCH", "left")
        t = time.perf_counter()
        sid = record_synthetic_session(
            db, "BENCH", dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), duration_s=60 * args.minutes,
            fs_hz=1000.0, n_channels=8, fps=30.0, seed=1,
        ).session_id
        print(f"recorded a synthetic {args.minutes:g}-minute session (8 ch @ 1 kHz, 30 fps) "
              f"in {time.perf_counter() - t:.1f} s")

        t = time.perf_counter()
        raw = load_emg(db, sid)
        raw_s = time.perf_counter() - t
        t = time.perf_counter()
        make_report(db, ReportRequest("BENCH", folder / "r.pdf"))
        pdf_s = time.perf_counter() - t
        print(f"reference: raw EMG read ({raw.data_uv.shape[1]} samples × 8): {raw_s:.2f} s; "
              f"PDF report of the session: {pdf_s:.2f} s")

        t = time.perf_counter()
        load_session_review(db, sid)
        load_s = time.perf_counter() - t
        view = ClinicianView(db)
        view.resize(1500, 900)
        view.show()
        app.processEvents()
        t = time.perf_counter()
        session = view.open_session(sid)
        assert session is not None
        app.processEvents()
        session.graphs.grab()  # the first full drawing of every trace
        open_s = time.perf_counter() - t
        verdict = "OK" if open_s <= OPEN_BUDGET_S else "TOO SLOW"
        print(f"session data loaded: {load_s:.2f} s; review opened and drawn: {open_s:.2f} s "
              f"(budget {OPEN_BUDGET_S:g} s) {verdict}; = {open_s / pdf_s:.2f}× the PDF report, "
              f"{open_s / raw_s:.1f}× the raw read")

        plot = session.plots[0]
        span = 10.0
        step = (60 * args.minutes - span) / args.steps
        t = time.perf_counter()
        for k in range(args.steps):
            plot.setXRange(k * step, k * step + span, padding=0)
            app.processEvents()
            session.graphs.grab()
        scroll_ms = 1000 * (time.perf_counter() - t) / args.steps
        plot.setXRange(0, 60 * args.minutes, padding=0)
        app.processEvents()
        t = time.perf_counter()
        session.graphs.grab()
        full_ms = 1000 * (time.perf_counter() - t)
        print(f"scroll step (10-s window moved, all {len(session.plots)} plots redrawn): "
              f"{scroll_ms:.0f} ms; whole session redrawn: {full_ms:.0f} ms")
        t = time.perf_counter()
        session.set_mode("envelope")  # computed on a worker thread
        while session.mode_box.isEnabled() is False:
            app.processEvents()
            time.sleep(0.01)
        session.graphs.grab()
        print(f"switch to the envelope (computed once on a worker thread, then drawn): "
              f"{time.perf_counter() - t:.2f} s")
        view.close()
        db.close()


if __name__ == "__main__":
    main()
