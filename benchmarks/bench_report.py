"""Benchmarks of issue #7: report speed and the recorder's CPU cost.

1. The PDF for a 30-minute session (8 EMG channels at 1 kHz, 30 fps measures): ≤ 3 s.
2. Recording in real time 16 channels at 2 kHz plus 30 fps measures: ≤ 10 % of a core
   (CPU time of the recorder's callbacks on the source threads plus its writer thread,
   divided by wall time), with every sample committed.

Run: ``.venv/bin/python benchmarks/bench_report.py [--record-s 20] [--session-min 30]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from facetrainer import clock
from facetrainer.exercises.anatomy import REGIONS
from facetrainer.face.measures import MEASURE_NAMES
from facetrainer.reports.report_command import ReportRequest, make_report
from facetrainer.storage import SessionRecorder, create_patient, open_database
from facetrainer.storage.session_data import session_counts
from facetrainer.storage.synthetic_history import record_synthetic_session

PDF_BUDGET_S = 3.0
CPU_BUDGET = 0.10
MEASURES = MEASURE_NAMES


def bench_pdf(folder: Path, minutes: float) -> float:
    db = open_database(f"sqlite:///{folder / 'pdf.sqlite3'}")
    create_patient(db, "BENCH", "left")
    t = time.perf_counter()
    record_synthetic_session(
        db,
        "BENCH",
        dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC),
        duration_s=60.0 * minutes,
        fs_hz=1000.0,
        n_channels=8,
        fps=30.0,
        seed=1,
    )
    print(
        f"recorded a synthetic {minutes:g}-minute session (8 ch @ 1 kHz, 30 fps) in "
        f"{time.perf_counter() - t:.1f} s (faster than real time)"
    )
    t = time.perf_counter()
    make_report(db, ReportRequest("BENCH", folder / "report.pdf"))
    pdf_s = time.perf_counter() - t
    print(
        f"PDF report of the {minutes:g}-minute session: {pdf_s:.2f} s "
        f"(budget {PDF_BUDGET_S:.1f} s) {'OK' if pdf_s <= PDF_BUDGET_S else 'TOO SLOW'}"
    )
    t = time.perf_counter()
    make_report(
        db,
        ReportRequest(
            "BENCH",
            folder / "report2.pdf",
            csv_dir=folder / "csv",
            edf_dir=folder / "edf",
            json_path=folder / "report.json",
        ),
    )
    print(f"PDF + CSV + JSON + EDF+ of the same session: {time.perf_counter() - t:.2f} s")
    db.close()
    return pdf_s


def _raw_chunk(data: np.ndarray, times: np.ndarray) -> tuple[int, bytes, bytes]:
    """The pre-schema-4 storage (plain float32/float64 bytes): the same-run reference."""
    from facetrainer.storage.emg_codec import CODEC_RAW

    data32 = np.ascontiguousarray(data, dtype=np.float32)
    return CODEC_RAW, data32.tobytes(), np.asarray(times, dtype=np.float64).tobytes()


def bench_recording(
    folder: Path,
    seconds: float,
    fs_hz: float = 2000.0,
    n_channels: int = 16,
    fps: float = 30.0,
    compressed: bool = True,
) -> float:
    import facetrainer.storage.flush_batch as flush_batch
    from facetrainer.storage.emg_codec import encode_chunk

    flush_batch.encode_chunk = encode_chunk if compressed else _raw_chunk  # type: ignore
    label = "compressed EMG" if compressed else "raw EMG (reference)"
    db = open_database(f"sqlite:///{folder / f'rec_{int(compressed)}.sqlite3'}")
    create_patient(db, "BENCH", "left")
    rec = SessionRecorder(db, "BENCH")
    sid = rec.start()
    rec.add_emg_stream(0, fs_hz, [f"ch{i}" for i in range(n_channels)])
    callback_cpu = [0.0, 0.0]
    stop = threading.Event()
    rng = np.random.default_rng(0)
    # 10 ms device polls; 1 s of distinct noise cycled, so that a flush (0.25 s) never holds
    # a repeated block that would flatter the compression
    pool = rng.normal(0, 20, (100, n_channels, int(fs_hz * 0.01))).astype(np.float32)
    chunk = pool[0]

    def emg_thread() -> None:
        sent = 0
        t_start = clock.now()
        while not stop.is_set():
            due = int((clock.now() - t_start) * fs_hz)
            while sent + chunk.shape[1] <= due:
                c0 = time.thread_time()
                block = pool[(sent // chunk.shape[1]) % len(pool)]
                rec.on_emg(0, block, t_start + (sent + np.arange(chunk.shape[1])) / fs_hz)
                callback_cpu[0] += time.thread_time() - c0
                sent += chunk.shape[1]
            time.sleep(0.01)

    def frame_thread() -> None:
        k = 0
        t_start = clock.now()
        while not stop.is_set():
            metrics = {m: {"left": 20.0 + 0.01 * k, "right": 21.0} for m in MEASURES}
            pf = SimpleNamespace(
                frame=SimpleNamespace(timestamp_s=clock.now()),
                face=True,
                results={
                    "measures": {"metrics": metrics, "symmetry": dict.fromkeys(REGIONS, 0.9)},
                    "activation": dict.fromkeys(REGIONS, 0.3),
                },
            )
            c0 = time.thread_time()
            rec.on_frame(pf)
            callback_cpu[1] += time.thread_time() - c0
            k += 1
            time.sleep(max(0.0, t_start + k / fps - clock.now()))

    threads = [threading.Thread(target=emg_thread), threading.Thread(target=frame_thread)]
    w0 = time.perf_counter()
    for t in threads:
        t.start()
    max_lag = 0.0
    while time.perf_counter() - w0 < seconds:
        time.sleep(0.1)
        if rec.stats.last_flush_s:
            max_lag = max(max_lag, clock.now() - rec.stats.last_flush_s)
    stop.set()
    for t in threads:
        t.join()
    wall = time.perf_counter() - w0
    rec.stop()
    cpu = rec.stats.writer_cpu_s + sum(callback_cpu)
    share = cpu / wall
    counts = session_counts(db, sid)
    with db.engine.connect() as conn:
        stored = conn.exec_driver_sql(
            "SELECT SUM(LENGTH(data) + LENGTH(times)) FROM emg_chunks"
        ).scalar()
    hours = counts["emg_samples"] / fs_hz / 3600
    print(f"[{label}] EMG stored: {stored / n_channels / hours / 1e6:.2f} MB per channel-hour")
    print(
        f"[{label}] recording {seconds:g} s of {n_channels} ch @ {fs_hz:g} Hz + {fps:g} fps measures: "
        f"{counts['emg_samples']} samples and {counts['frames']} frames committed, "
        f"{rec.stats.frames_dropped} frames dropped, longest time since a commit "
        f"{max_lag:.2f} s"
    )
    print(
        f"[{label}] recorder CPU: writer {rec.stats.writer_cpu_s:.3f} s + callbacks "
        f"{sum(callback_cpu):.3f} s over {wall:.1f} s = {100 * share:.1f} % of a core "
        f"(budget {100 * CPU_BUDGET:.0f} %) {'OK' if share <= CPU_BUDGET else 'TOO HIGH'}"
    )
    db.close()
    return share


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--record-s", type=float, default=20.0, help="real-time recording length")
    ap.add_argument("--session-min", type=float, default=30.0, help="report session length")
    ap.add_argument("--recording-only", action="store_true", help="skip the PDF benchmark")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.recording_only:
            bench_pdf(Path(tmp), args.session_min)
        raw = bench_recording(Path(tmp), args.record_s, compressed=False)
        packed = bench_recording(Path(tmp), args.record_s)
        print(
            f"compression and checks cost {100 * (packed - raw):+.2f} % of a core at 16 ch × "
            f"2 kHz (same run; budget 5 %)"
        )


if __name__ == "__main__":
    main()
