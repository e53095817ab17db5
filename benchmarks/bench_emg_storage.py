"""Bytes per channel-hour of stored raw EMG, raw vs compressed, and the codec's CPU cost.

Three kinds of EMG, cut into the recorder's flush-sized chunks (0.25 s):

- the virtual patient's EMG (12 channels at 1 kHz, the demo): float32 with noisy mantissas;
- integer ADC counts (16 channels at 2 kHz, an Arduino-style 10-bit converter);
- BrainFlow's synthetic board (16 channels at 250 Hz, sines plus noise).

Times are stamped as an EMG source stamps them (evenly at the nominal rate). Figures are
ratios to the raw size measured in the same run; the CPU cost is the encoding time of
16 channels × 2 kHz divided by the wall time that EMG spans (budget: 5 % of a core).

Run: ``.venv/bin/python benchmarks/bench_emg_storage.py [--seconds 60]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from facetrainer.storage.emg_codec import decode_chunk, encode_chunk

CHUNK_S = 0.25


def virtual_patient_emg(seconds: float) -> tuple[np.ndarray, float]:
    from facetrainer.simulation.emg_synth import DEFAULT_MONTAGE, EmgSynthesizer
    from facetrainer.simulation.patient import VirtualPatient
    from facetrainer.simulation.profile import load_profile
    from facetrainer.simulation.protocol import build_timeline

    timeline = build_timeline(["closed_smile", "brow_raise"], reps=3, seed=0)
    patient = VirtualPatient(load_profile("synkinesis_left"), timeline, seed=0)
    synth = EmgSynthesizer(patient, DEFAULT_MONTAGE, fs_hz=1000.0, seed=0)
    return synth.generate(int(seconds * 1000)).astype(np.float32), 1000.0


def adc_counts(seconds: float) -> tuple[np.ndarray, float]:
    rng = np.random.default_rng(0)
    n = int(seconds * 2000)
    burst = np.sin(np.arange(n) / 2000 * 2 * np.pi * 0.2).clip(0, None)
    x = 512 + rng.normal(0, 8, (16, n)) * (1 + 6 * burst)
    return np.round(x).clip(0, 1023).astype(np.float32), 2000.0


def synthetic_board(seconds: float) -> tuple[np.ndarray, float]:
    from brainflow.board_shim import BoardIds, BoardShim, BrainFlowInputParams

    BoardShim.disable_board_logger()
    board_id = BoardIds.SYNTHETIC_BOARD.value
    fs = float(BoardShim.get_sampling_rate(board_id))
    rows = BoardShim.get_emg_channels(board_id)
    board = BoardShim(board_id, BrainFlowInputParams())
    board.prepare_session()
    board.start_stream()
    time.sleep(min(seconds, 5.0))
    data = board.get_board_data()
    board.stop_stream()
    board.release_session()
    x = data[rows].astype(np.float32)
    reps = int(np.ceil(seconds * fs / x.shape[1]))
    return np.tile(x, reps)[:, : int(seconds * fs)], fs


def measure(name: str, data: np.ndarray, fs_hz: float) -> float:
    n_ch, n = data.shape
    step = int(CHUNK_S * fs_hz)
    times = 5000.0 + np.arange(n) / fs_hz
    raw = stored = 0
    t_enc = 0.0
    for i in range(0, n, step):
        d, t = data[:, i : i + step], times[i : i + step]
        raw += d.nbytes + t.nbytes
        t0 = time.perf_counter()
        codec, blob, tblob = encode_chunk(d, t)
        t_enc += time.perf_counter() - t0
        stored += len(blob) + len(tblob)
        back, back_t = decode_chunk(codec, blob, tblob, n_ch, d.shape[1])
        assert np.array_equal(back.view(np.uint32), np.ascontiguousarray(d).view(np.uint32))
        assert np.array_equal(back_t, t)
    hours = n / fs_hz / 3600
    per_ch_h_raw = raw / n_ch / hours / 1e6
    per_ch_h = stored / n_ch / hours / 1e6
    print(
        f"{name:42s} raw {per_ch_h_raw:6.2f} MB/channel-hour → {per_ch_h:6.2f} "
        f"(ratio {stored / raw:.3f}); encoding {t_enc / (n / fs_hz) * 100:.2f} % of a core"
    )
    return t_enc / (n / fs_hz)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60.0)
    a = ap.parse_args()
    measure("virtual patient, 12 ch at 1 kHz (float µV)", *virtual_patient_emg(a.seconds))
    cost = measure("ADC counts, 16 ch at 2 kHz (10-bit)", *adc_counts(a.seconds))
    measure("BrainFlow synthetic board, 16 ch at 250 Hz", *synthetic_board(a.seconds))
    rng = np.random.default_rng(1)
    noisy = rng.normal(0, 30, (16, int(a.seconds * 2000))).astype(np.float32)
    worst = measure("white noise, 16 ch at 2 kHz (worst case)", noisy, 2000.0)
    print(f"codec cost at 16 ch × 2 kHz: {max(cost, worst) * 100:.2f} % of a core (budget 5 %)")


if __name__ == "__main__":
    main()
