"""Benchmark of the exercise engine: cost per video frame and EMG throughput.

Prints (1) the engine's cost per video frame (face measures + landmarks → activation →
ticks → rep state machine and scoring), target ≤ 1 ms, and (2) how many times faster than
real time it handles 16 EMG channels at 2 kHz (engine alone, and with the live session's
filter + envelope chain in front of it), target ≥ 1×.

Run: ``.venv/bin/python benchmarks/bench_engine.py``
"""

from __future__ import annotations

import time
from types import SimpleNamespace

import numpy as np

from facetrainer.emg.processing import EmgProcessor
from facetrainer.exercises.anatomy import MUSCLES as ANATOMY_MUSCLES
from facetrainer.exercises.library import load_library
from facetrainer.exercises.scorer import ExerciseScorer

DURATION_S = 60.0
FPS = 30.0
EMG_FS = 2000.0
EMG_CHUNK_S = 0.02
MUSCLES = tuple(m for m in ANATOMY_MUSCLES if m not in ("corrugator", "masseter"))  # 8 × 2 sides


def activity(t: np.ndarray) -> np.ndarray:
    """Reps every 8 s: 2 s rise, 3 s hold, 2 s fall (smooth)."""
    phase = np.mod(t, 8.0)
    up = np.clip(phase / 2.0, 0, 1)
    down = np.clip((7.0 - phase) / 2.0, 0, 1)
    x = np.minimum(up, down) * (t > 3.0)
    return x * x * (3 - 2 * x)


def bench_video() -> float:
    ex = load_library(include_user=False)["closed_smile"]
    rng = np.random.default_rng(0)
    base_xy = rng.uniform(100, 500, (478, 2))
    midline = SimpleNamespace(normal=np.array([1.0, 0.0]), direction=np.array([0.0, 1.0]))
    t = np.arange(0, DURATION_S, 1 / FPS)
    a = activity(t)
    frames = []
    for k in range(t.size):
        xy = base_xy + rng.normal(0, 0.3, base_xy.shape)
        xy[291] += (8 * a[k], -8 * a[k])  # the left corner moves out and up
        xy[61] += (-6 * a[k], -6 * a[k])
        pf = 10.0 - 3 * a[k]
        measures = {
            "metrics": {
                "palpebral_fissure_mm": {"left": pf, "right": 10.0},
                "upper_lip_height_mm": {"left": 15.0, "right": 15.0},
                "lower_lip_height_mm": {"left": 10.0, "right": 10.0},
            },
            "rejected": None,
            "scale_mm_per_px": 0.25,
        }
        frames.append((float(t[k]), measures, xy))
    scorer = ExerciseScorer(ex, video=True, cued=False)
    t0 = time.perf_counter()
    for tk, m, xy in frames:
        scorer.push_video(tk, m, xy, midline)
    scorer.finish()
    per_frame_ms = (time.perf_counter() - t0) / len(frames) * 1000
    print(
        f"video: {len(frames)} frames, {len(scorer.engine.reps)} reps scored, "
        f"{per_frame_ms:.3f} ms per frame (target ≤ 1 ms)"
    )
    return per_frame_ms


def bench_emg() -> tuple[float, float]:
    ex = load_library(include_user=False)["closed_smile"]
    labels = [f"{m}/{s}" for m in MUSCLES for s in ("left", "right")]
    n = int(DURATION_S * EMG_FS)
    t = np.arange(n) / EMG_FS
    rng = np.random.default_rng(1)
    amp = 5 + 100 * activity(t)
    raw = rng.standard_normal((len(labels), n)) * amp
    step = int(EMG_CHUNK_S * EMG_FS)
    # Engine alone, on envelopes.
    env = np.abs(raw)
    scorer = ExerciseScorer(ex, video=False, emg_channels=labels)
    t0 = time.perf_counter()
    for i in range(0, n, step):
        scorer.push_emg(t[i : i + step], env[:, i : i + step])
    scorer.finish()
    engine_x = DURATION_S / (time.perf_counter() - t0)
    # The live session's worker: filter + envelope, then the engine.
    scorer = ExerciseScorer(ex, video=False, emg_channels=labels)
    proc = EmgProcessor(EMG_FS, len(labels), None)
    t0 = time.perf_counter()
    for i in range(0, n, step):
        _, e = proc.process(raw[:, i : i + step])
        scorer.push_emg(t[i : i + step], e)
    scorer.finish()
    chain_x = DURATION_S / (time.perf_counter() - t0)
    print(
        f"EMG: {len(labels)} channels at {EMG_FS:g} Hz in {EMG_CHUNK_S * 1000:g} ms chunks, "
        f"{len(scorer.engine.reps)} reps: engine {engine_x:.0f}× real time, with filter + "
        f"envelope {chain_x:.0f}× real time (target ≥ 1×)"
    )
    return engine_x, chain_x


if __name__ == "__main__":
    bench_video()
    bench_emg()
