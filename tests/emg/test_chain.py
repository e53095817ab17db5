"""The one EMG chain: streaming equals batch, mains decided at a sample index, settled point;
and an EMG source that survives a consumer that raises."""

from __future__ import annotations

import numpy as np
import pytest

from facetrainer.emg.chain import MAINS_DETECT_S, EmgChain
from facetrainer.emg.processing import SETTLE_S
from facetrainer.emg.synthetic_signals import make_synthetic_emg
from facetrainer.source_status import SourceState

from .conftest import wait_until

FS_HZ = 977.0  # an odd rate: nothing may assume round numbers
DURATION_S = 14.0
CHUNK_EQUALITY_ATOL_UV = 1e-9
HUM_FREE_ENVELOPE_RTOL = 0.15  # settled envelope with hum vs the same EMG without hum


def _emg(mains_hz: float | None, seed: int = 4) -> np.ndarray:
    return make_synthetic_emg(
        FS_HZ, DURATION_S, n_channels=2, bursts_s=[(5.0, 7.0)], rest_uv=4.0, burst_uv=50.0,
        mains_hz=mains_hz, mains_uv=40.0 if mains_hz else 0.0, offset_uv=200.0, seed=seed,
    ).data_uv  # fmt: skip


def _in_chunks(chain: EmgChain, raw: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, ...]:
    """Process in chunks and apply the chain's revision, as a stream's rings do."""
    out_f, out_e = np.full(raw.shape, np.nan), np.full(raw.shape, np.nan)
    i = 0
    for size in sizes:
        f, e = chain.process(raw[:, i : i + size])
        out_f[:, i : i + f.shape[1]], out_e[:, i : i + e.shape[1]] = f, e
        revision = chain.take_revision()
        if revision is not None:
            start, rf, re = revision
            out_f[:, start : start + rf.shape[1]], out_e[:, start : start + re.shape[1]] = rf, re
        i += size
        if i >= raw.shape[1]:
            break
    return out_f, out_e


@pytest.mark.parametrize("mains_hz", [50.0, 60.0, None])
def test_random_chunks_give_the_same_output_as_one_block(mains_hz):
    raw = _emg(mains_hz)
    whole = _in_chunks(EmgChain(FS_HZ, 2), raw, np.array([raw.shape[1]]))
    rng = np.random.default_rng(7)
    sizes = rng.integers(1, 400, size=raw.shape[1])  # more than enough chunks
    chunked = _in_chunks(EmgChain(FS_HZ, 2), raw, sizes)
    for a, b in zip(whole, chunked, strict=True):
        assert a.shape == b.shape == raw.shape
        np.testing.assert_allclose(a, b, rtol=0, atol=CHUNK_EQUALITY_ATOL_UV)


@pytest.mark.parametrize("mains_hz", [50.0, 60.0])
def test_mains_is_found_and_the_settled_envelope_matches_the_hum_free_one(mains_hz):
    """Mains is decided after MAINS_DETECT_S; the output from SETTLE_S on is revised with
    the notches, so it is settled from one second on, as without hum."""
    chain = EmgChain(FS_HZ, 2)
    raw = _emg(mains_hz)
    sizes = np.random.default_rng(1).integers(1, 300, size=raw.shape[1])
    _, env = _in_chunks(chain, raw, sizes)
    _, clean_env = EmgChain(FS_HZ, 2, mains_hz=None).process(_emg(None))
    assert chain.mains_hz == (mains_hz, mains_hz) and chain.n_rebuilds == 1
    assert chain.settled_index == int(round(SETTLE_S * FS_HZ)) < MAINS_DETECT_S * FS_HZ
    settled = slice(chain.settled_index, None)
    rest = slice(chain.settled_index, int(4.5 * FS_HZ))
    burst = slice(int(5.5 * FS_HZ), int(6.5 * FS_HZ))
    for ch in range(2):
        assert np.isfinite(env[ch, settled]).all()
        for part in (rest, burst):
            assert np.mean(env[ch, part]) == pytest.approx(
                np.mean(clean_env[ch, part]), rel=HUM_FREE_ENVELOPE_RTOL
            )


def test_without_hum_the_output_is_settled_after_one_second():
    chain = EmgChain(FS_HZ, 2)
    assert chain.settled_index is None  # not known before mains detection decided
    chain.process(_emg(None)[:, : int(MAINS_DETECT_S * FS_HZ) + 1])
    assert chain.mains_hz == (None, None) and chain.n_rebuilds == 0
    assert chain.settled_index == int(round(SETTLE_S * FS_HZ))
    fixed = EmgChain(FS_HZ, 2, mains_hz=50.0)
    assert fixed.settled_index == int(round(SETTLE_S * FS_HZ)) and fixed.mains_hz == (50.0, 50.0)


def test_a_hardware_envelope_is_passed_through_without_detection():
    raw = np.abs(_emg(50.0))
    chain = EmgChain(FS_HZ, 2, is_envelope=True)
    filtered, env = chain.process(raw)
    np.testing.assert_array_equal(env, raw)
    assert chain.filter is None and chain.mains_hz == (None, None)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fs_hz": 0.0}, "fs_hz"),
        ({"n_channels": 0}, "n_channels"),
        ({"mains_hz": -50.0}, "mains_hz"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    args = {"fs_hz": FS_HZ, "n_channels": 2} | kwargs
    with pytest.raises(ValueError, match=message):
        EmgChain(**args)


def test_a_wrongly_shaped_chunk_is_named():
    with pytest.raises(ValueError, match=r"shape \(2, n\)"):
        EmgChain(FS_HZ, 2).process(np.zeros((3, 10)))


def test_a_consumer_that_raises_is_reported_once_and_the_others_get_every_sample(
    array_source_factory,
):
    raw = _emg(None)
    src = array_source_factory(raw, FS_HZ, chunk=50)
    received: list[int] = []
    calls = {"broken": 0}
    reported = []

    def broken(data, times):
        calls["broken"] += 1
        raise OSError("disk full")

    src.subscribe(broken)
    src.subscribe(lambda data, times: received.append(data.shape[1]))
    src.on_consumer_error.append(reported.append)
    src.start()
    assert wait_until(lambda: src.status.state == SourceState.FINISHED, 20.0)
    assert calls["broken"] == 1
    assert sum(received) == raw.shape[1]
    assert len(reported) == 1 and src.consumer_errors == reported
    assert "broken" in reported[0].consumer and "OSError: disk full" in reported[0].message
    assert src.ring.total_written == raw.shape[1]
