"""Benchmark: a session bundle of a 30-minute session (8 EMG channels at 1 kHz, 30 fps).

Prints the bundle's size and the time to export it, to import it into an empty database
and to import it again (nothing new), with the raw EMG read of the same session as the
same-run reference.

Run: ``.venv/bin/python benchmarks/bench_bundle.py [--minutes 30]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from facetrainer.storage import create_patient, open_database
from facetrainer.storage.bundle import export_bundle
from facetrainer.storage.bundle_import import import_bundle
from facetrainer.storage.session_data import load_emg
from facetrainer.storage.synthetic_history import record_synthetic_session


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        home = open_database(f"sqlite:///{folder / 'home.sqlite3'}")
        create_patient(home, "BENCH", "left")
        sid = record_synthetic_session(
            home, "BENCH", dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC),
            duration_s=60 * args.minutes, fs_hz=1000.0, n_channels=8, fps=30.0, seed=1,
        ).session_id
        t = time.perf_counter()
        raw = load_emg(home, sid)
        raw_s = time.perf_counter() - t
        t = time.perf_counter()
        out = export_bundle(home, "BENCH", folder / "b.ftbundle")
        export_s = time.perf_counter() - t
        clinic = open_database(f"sqlite:///{folder / 'clinic.sqlite3'}")
        t = time.perf_counter()
        first = import_bundle(clinic, out.path)
        import_s = time.perf_counter() - t
        t = time.perf_counter()
        again = import_bundle(clinic, out.path)
        again_s = time.perf_counter() - t
        raw_mb = raw.data_uv.nbytes / 1e6
        print(f"reference: raw EMG read ({raw_mb:.0f} MB float32): {raw_s:.2f} s")
        print(f"bundle of a {args.minutes:g}-minute session: {out.size_bytes / 1e6:.1f} MB "
              f"({out.size_bytes / 1e6 / raw_mb:.2f}× the raw EMG); export {export_s:.2f} s "
              f"({export_s / raw_s:.1f}× the raw read)")
        print(f"import into an empty database: {import_s:.2f} s ({import_s / raw_s:.1f}× the raw "
              f"read; {first.sessions_added} session, {first.emg_samples} EMG samples); "
              f"again: {again_s:.2f} s, {again.sessions_present} present, nothing added")
        home.close()
        clinic.close()


if __name__ == "__main__":
    main()
