"""The vectorised live chain: all channels at once equal each channel alone, chunks equal whole.

The filter runs every channel through one kernel call per distinct cascade and the onset
detector follows the runs of all channels at once; these tests pin that doing so changes
nothing against filtering or detecting each channel by itself, in chunks of any size.
"""

from __future__ import annotations

import numpy as np

from facetrainer.emg.filters import EmgFilter
from facetrainer.emg.mains import detect_mains_lines
from facetrainer.emg.onsets import OnsetDetector
from facetrainer.emg.processing import EmgProcessor
from facetrainer.emg.synthetic_signals import make_synthetic_emg

FILTER_ATOL_UV = 1e-9  # µV, on signals of tens to hundreds of µV
FS_HZ = 1000.0


def _recording(n_channels: int, seed: int) -> np.ndarray:
    """Channels with bursts at different times, mains on the even ones, a gap on one."""
    rows = []
    for ch in range(n_channels):
        start = 1.0 + 0.23 * ch
        sig = make_synthetic_emg(
            FS_HZ,
            6.0,
            bursts_s=[(start, start + 0.8), (start + 2.0, start + 2.5)],
            rest_uv=4.0,
            burst_uv=50.0,
            mains_hz=50.0 if ch % 2 == 0 else None,
            mains_uv=25.0,
            offset_uv=200.0 * ch,
            seed=seed + ch,
        )
        rows.append(sig.data_uv[0])
    data = np.vstack(rows)
    data[1, int(2.0 * FS_HZ) : int(2.1 * FS_HZ)] = np.nan
    return data


def _stream(step, data: np.ndarray, rng: np.random.Generator) -> list:
    out, i = [], 0
    while i < data.shape[1]:
        size = int(rng.integers(1, 120))
        out.append(step(data[:, i : i + size], i))
        i += size
    return out


def test_channels_with_different_notches_in_any_order_filter_as_each_alone():
    data = _recording(5, seed=20)
    mains = [50.0, None, 60.0, None, 50.0]  # groups interleaved: rows reordered inside
    lines = [(1, 3), None, None, None, (1,)]
    together = EmgFilter(FS_HZ, 5, mains, mains_harmonics=lines)
    rng = np.random.default_rng(5)
    streamed = np.hstack(_stream(lambda x, _i: together.process(x), data, rng))
    for ch in range(5):
        alone = EmgFilter(FS_HZ, 1, mains[ch], mains_harmonics=[lines[ch]])
        expected = alone.process(data[ch : ch + 1])[0]
        np.testing.assert_allclose(streamed[ch], expected, atol=FILTER_ATOL_UV, equal_nan=True)


def test_auto_notched_chain_with_onsets_streams_as_it_runs_whole():
    data = _recording(6, seed=40)
    mains, lines = detect_mains_lines(data[:, : int(2 * FS_HZ)], FS_HZ)
    assert mains[0] == 50.0 and mains[1] is None  # the even channels carry mains
    times = np.arange(data.shape[1]) / FS_HZ
    on, off = np.full(6, 20.0), np.full(6, 12.0)

    def run(chunked: bool) -> tuple[np.ndarray, list]:
        proc = EmgProcessor(FS_HZ, 6, mains, mains_harmonics=lines)
        det = OnsetDetector(FS_HZ, 6)
        det.set_thresholds(on, off)
        rng = np.random.default_rng(9)
        bursts: list = []

        def step(x: np.ndarray, i: int) -> np.ndarray:
            _, env = proc.process(x)
            bursts.extend(det.process(env, times[i : i + x.shape[1]]))
            return env

        envs = _stream(step, data, rng) if chunked else [step(data, 0)]
        return np.hstack(envs), bursts

    env_whole, bursts_whole = run(chunked=False)
    env_chunks, bursts_chunks = run(chunked=True)
    np.testing.assert_allclose(env_chunks, env_whole, atol=FILTER_ATOL_UV, equal_nan=True)
    key = lambda b: (b.channel, b.onset_s, b.offset_s)  # noqa: E731
    assert [key(b) for b in sorted(bursts_chunks, key=key)] == [
        key(b) for b in sorted(bursts_whole, key=key)
    ]
    np.testing.assert_allclose(
        [b.peak_uv for b in sorted(bursts_chunks, key=key)],
        [b.peak_uv for b in sorted(bursts_whole, key=key)],
        atol=FILTER_ATOL_UV,
    )
    assert {b.channel for b in bursts_whole} == set(range(6))


def test_detector_on_all_channels_finds_what_it_finds_on_each_channel_alone():
    rng = np.random.default_rng(17)
    fs = 500.0
    n_ch = 7
    env = np.abs(rng.standard_normal((n_ch, 6000))) + np.repeat(
        rng.integers(0, 2, (n_ch, 60)) * 8.0, 100, axis=1
    )
    env[2, 1000:1030] = np.nan  # a gap inside or next to a burst ends it
    env[4, :] += np.linspace(0, 3, 6000)  # a slow drift across the thresholds
    times = np.arange(env.shape[1]) / fs
    on, off = np.linspace(4.0, 6.0, n_ch), np.linspace(2.5, 3.5, n_ch)
    together = OnsetDetector(fs, n_ch)
    together.set_thresholds(on, off)
    found = [
        b
        for chunk in _stream(lambda x, i: together.process(x, times[i : i + x.shape[1]]), env, rng)
        for b in chunk
    ]
    for ch in range(n_ch):
        alone = OnsetDetector(fs, 1)
        alone.set_thresholds(on[ch : ch + 1], off[ch : ch + 1])
        expected = [
            (b.onset_s, b.offset_s, b.peak_uv) for b in alone.process(env[ch : ch + 1], times)
        ]
        got = [(b.onset_s, b.offset_s, b.peak_uv) for b in found if b.channel == ch]
        assert got == expected, ch
        assert len(expected) >= 5


def test_mains_lines_of_all_channels_at_once_equal_each_channel_alone():
    data = _recording(6, seed=60)
    rng = np.random.default_rng(2)
    t = np.arange(data.shape[1]) / FS_HZ
    data[1] += 30.0 * np.sin(2 * np.pi * 60.0 * t)  # a 60 Hz channel among 50 Hz ones
    data[3] += 20.0 * np.sin(2 * np.pi * 50.0 * t) + 10.0 * np.sin(2 * np.pi * 100.0 * t + 1)
    data[5] += rng.normal(0, 1, data.shape[1])
    together = detect_mains_lines(data, FS_HZ)
    alone = [detect_mains_lines(data[ch : ch + 1], FS_HZ) for ch in range(6)]
    assert together[0] == [a[0][0] for a in alone]
    assert together[1] == [a[1][0] for a in alone]
    assert together[0][:4] == [50.0, 60.0, 50.0, 50.0]
    assert together[1][3] is not None and 2 in together[1][3]  # the 100 Hz line is notched
