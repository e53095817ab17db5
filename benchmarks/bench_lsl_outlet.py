"""CPU cost of publishing to Lab Streaming Layer: 16 EMG channels at 2 kHz plus 30 fps face
measures (target: the outlet adds at most 2 % of one core).

Each configuration runs in real time for ``--seconds``; the process's CPU time over wall
time gives its share of one core (liblsl's own threads included). The reference is the
same EMG source with FaceTrainer's live processing (LiveEmg) and a 30 fps frame listener,
without LSL; the outlet's cost is the difference, measured alternately in the same run
(median of ``--repeats``). With ``--receiver`` a second process pulls every stream, as
LabRecorder would, so liblsl also serves the data (the receiver's own CPU is not counted).

    .venv/bin/python benchmarks/bench_lsl_outlet.py [--seconds 4] [--repeats 3] [--receiver]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import numpy as np

from facetrainer.emg.live import live_for
from facetrainer.emg.source import EmgSource, EmgStreamInfo
from facetrainer.lsl.outlet import LslPublisher
from facetrainer.lsl.scope import configured_pylsl

FS_HZ = 2000.0
N_CH = 16
FPS = 30.0

RECEIVER = r"""
import sys, time, pylsl
pylsl.set_config_filename(sys.argv[1])
streams = [s for s in pylsl.resolve_streams(2.0) if s.name().startswith("FaceTrainer")]
inlets = [pylsl.StreamInlet(s) for s in streams]
for i in inlets: i.open_stream(5)
print(len(inlets), flush=True)
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    for i in inlets: i.pull_chunk(0.0, 10000)
    time.sleep(0.02)
"""


class PacedSource(EmgSource):
    """16 channels of noise at 2 kHz, delivered as the clock advances (10 ms polls)."""

    def __init__(self) -> None:
        super().__init__("bench")
        self._rng = np.random.default_rng(0)
        self._t0 = 0.0
        self._sent = 0

    def _open(self) -> EmgStreamInfo:
        self._t0 = time.monotonic()
        return EmgStreamInfo(FS_HZ, tuple(f"ch{i + 1}" for i in range(N_CH)))

    def _read_chunk(self) -> np.ndarray:
        due = int((time.monotonic() - self._t0) * FS_HZ)
        n, self._sent = due - self._sent, due
        return self._rng.normal(0, 20, (N_CH, n))


def run(seconds: float, with_lsl: bool) -> tuple[float, int]:
    """(share of one core, EMG samples published) for one configuration."""
    src = PacedSource()
    live_for(src)
    processor = SimpleNamespace(listeners=[])
    publisher = None
    if with_lsl:
        publisher = LslPublisher(source_id="bench")
        publisher.attach(SimpleNamespace(emg_sources=[src], processor=processor))
    stop = threading.Event()
    values = np.ones((8, 2))

    def frames() -> None:
        while not stop.is_set():
            pf = SimpleNamespace(results={"measures": SimpleNamespace(values=values),
                                          "activation": {}},
                                 frame=SimpleNamespace(timestamp_s=time.monotonic()))
            for listener in processor.listeners:
                listener(pf)
            stop.wait(1 / FPS)

    src.start()
    src.wait_ready()
    t = threading.Thread(target=frames, daemon=True)
    t.start()
    time.sleep(0.5)  # filters and outlets set up
    cpu0, wall0 = time.process_time(), time.monotonic()
    time.sleep(seconds)
    cpu1, wall1 = time.process_time(), time.monotonic()
    stop.set()
    src.stop()
    t.join()
    n = publisher.n_emg_samples if publisher else 0
    if publisher:
        publisher.close()
    return (cpu1 - cpu0) / (wall1 - wall0), n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--receiver", action="store_true")
    a = ap.parse_args()
    configured_pylsl()
    from facetrainer.lsl.scope import CONFIG_FILE, user_config_folder

    base, lsl = [], []
    for _ in range(a.repeats):
        base.append(run(a.seconds, False)[0])
        receiver = None
        if a.receiver:
            receiver = subprocess.Popen(
                [sys.executable, "-c", RECEIVER, str(user_config_folder() / CONFIG_FILE),
                 str(a.seconds + 3)], stdout=subprocess.PIPE, text=True)
        share, n = run(a.seconds, True)
        lsl.append(share)
        if receiver is not None:
            receiver.wait(30)
    b, w = statistics.median(base), statistics.median(lsl)
    print(f"{N_CH} ch x {FS_HZ:g} Hz EMG + {FPS:g} fps measures, {a.seconds:g} s x "
          f"{a.repeats}{' with a receiver process' if a.receiver else ''}")
    print(f"reference (source + LiveEmg + frame listener): {100 * b:.2f} % of a core "
          f"(runs: {', '.join(f'{100 * x:.2f}' for x in base)})")
    print(f"with the LSL outlet:                          {100 * w:.2f} % of a core "
          f"(runs: {', '.join(f'{100 * x:.2f}' for x in lsl)})")
    print(f"outlet cost: {100 * (w - b):+.2f} % of a core "
          f"(= {w / b:.3f} x the reference); last run published {n} EMG samples")


if __name__ == "__main__":
    main()
