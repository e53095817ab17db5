"""Compact, lossless storage of raw EMG chunks: byte-shuffled blocks compressed with zstd.

A stored EMG chunk is ``data`` (float32 µV, channels × samples) and ``times`` (float64
app-clock seconds, one per sample). Stored raw they cost 4 bytes per channel and sample plus
8 bytes per sample for the time, which for 12 channels at 1 kHz is about 200 MB per hour.

Measured on this machine (``benchmarks/bench_emg_storage.py``): lossless compression of
float32 EMG whose every mantissa bit is noise gains little (a virtual-patient recording
shrinks to about 0.85 of its float32 size, whatever the zstd level, also after XOR-ing
neighbouring samples); integer ADC counts (an Arduino's 10-bit values) shrink to about a
quarter; the per-sample times, evenly spaced with rare re-anchoring, shrink ~100-fold when
their float64 bit patterns are stored as second differences. So:

- **data**: the float32 bytes are transposed to sample-major order and byte-shuffled (all
  first bytes, then all second bytes, …: sign/exponent bytes of neighbouring samples are
  alike and compress; noisy low mantissa bytes stay as they are), then zstd level 1;
- **times**: the float64 bit patterns as int64, first value, first difference, then second
  differences (wrapping int64 arithmetic, exact), byte-shuffled, zstd level 1.

Both round-trip bit for bit (NaN gaps and infinities included). ``CODEC_RAW`` chunks (those
written before schema version 4) are read as they are; :func:`decode_chunk` reads both, and
migration 4 (:func:`recompress_raw_chunks`) converts them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

CODEC_RAW = 0  # float32 data and float64 times as plain bytes (schema ≤ 2)
CODEC_ZSTD_SHUFFLE = 1  # this module's format
ZSTD_LEVEL = 1  # level 3 or 9 gains < 1 % on EMG and costs 1.2-3x the time
_MAGIC_DATA = b"E1"
_MAGIC_TIMES = b"T1"


class EmgCodecError(ValueError):
    """A stored chunk cannot be decoded (damaged, or written by a newer FaceTrainer)."""


def _shuffle(raw: bytes, width: int) -> bytes:
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, width).T.tobytes()


def _unshuffle(raw: bytes, width: int) -> bytes:
    return np.frombuffer(raw, dtype=np.uint8).reshape(width, -1).T.tobytes()


def _compress(raw: bytes) -> bytes:
    import zstandard

    return zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(raw)


def _decompress(blob: bytes, expected: int) -> bytes:
    import zstandard

    try:
        raw = zstandard.ZstdDecompressor().decompress(blob, max_output_size=expected)
    except zstandard.ZstdError as exc:
        raise EmgCodecError(f"damaged EMG chunk: {exc}") from None
    if len(raw) != expected:
        raise EmgCodecError(f"damaged EMG chunk: {len(raw)} bytes, expected {expected}")
    return raw


def encode_data(data_uv: np.ndarray) -> bytes:
    """(n_channels, n) EMG → compressed bytes (float32, lossless for float32 input)."""
    x = np.ascontiguousarray(np.asarray(data_uv, dtype=np.float32).T)  # sample-major
    return _MAGIC_DATA + _compress(_shuffle(x.tobytes(), 4))


def decode_data(blob: bytes, n_channels: int, n_samples: int) -> np.ndarray:
    """Bytes from :func:`encode_data` → (n_channels, n_samples) float32."""
    if blob[:2] != _MAGIC_DATA:
        raise EmgCodecError("EMG chunk data: unknown format (written by a newer FaceTrainer?)")
    raw = _unshuffle(_decompress(blob[2:], 4 * n_channels * n_samples), 4)
    return np.frombuffer(raw, dtype=np.float32).reshape(n_samples, n_channels).T.copy()


def encode_times(times_s: np.ndarray) -> bytes:
    """(n,) float64 times → compressed bytes (bit-exact)."""
    bits = np.ascontiguousarray(np.asarray(times_s, dtype=np.float64)).view(np.int64)
    d = bits.copy()
    with np.errstate(over="ignore"):
        d[1:] = np.diff(bits)  # int64 wraps: exact inverse by cumulative sums
        d[2:] = np.diff(d[1:])
    return _MAGIC_TIMES + _compress(_shuffle(d.tobytes(), 8))


def decode_times(blob: bytes, n_samples: int) -> np.ndarray:
    """Bytes from :func:`encode_times` → (n_samples,) float64."""
    if blob[:2] != _MAGIC_TIMES:
        raise EmgCodecError("EMG chunk times: unknown format (written by a newer FaceTrainer?)")
    d = np.frombuffer(_unshuffle(_decompress(blob[2:], 8 * n_samples), 8), dtype=np.int64)
    d = d.copy()
    with np.errstate(over="ignore"):
        if n_samples > 2:
            d[2:] = np.cumsum(d[2:], dtype=np.int64) + d[1]
        if n_samples > 1:
            d[1:] = np.cumsum(d[1:], dtype=np.int64) + d[0]
    return d.view(np.float64)


def encode_chunk(data_uv: np.ndarray, times_s: np.ndarray) -> tuple[int, bytes, bytes]:
    """(codec, data bytes, times bytes) of one chunk, as stored in ``emg_chunks``."""
    return CODEC_ZSTD_SHUFFLE, encode_data(data_uv), encode_times(times_s)


def decode_chunk(
    codec: int | None, data: bytes, times: bytes, n_channels: int, n_samples: int
) -> tuple[np.ndarray, np.ndarray]:
    """A stored chunk → (data (n_channels, n_samples) float32, times (n_samples,) float64)."""
    if codec in (None, CODEC_RAW):
        a = np.frombuffer(data, dtype=np.float32)
        t = np.frombuffer(times, dtype=np.float64)
        if a.size != n_channels * n_samples or t.size != n_samples:
            raise EmgCodecError(
                f"damaged EMG chunk: {a.size} values and {t.size} times for "
                f"{n_channels}×{n_samples}"
            )
        return a.reshape(n_channels, n_samples), t
    if codec == CODEC_ZSTD_SHUFFLE:
        return decode_data(data, n_channels, n_samples), decode_times(times, n_samples)
    raise EmgCodecError(f"EMG chunk codec {codec} is unknown (written by a newer FaceTrainer?)")


def recompress_raw_chunks(conn: Any, batch: int = 64) -> tuple[int, int]:
    """Re-store every ``CODEC_RAW`` chunk compressed (migration 4); return (bytes before,
    bytes after). Runs inside the migration's transaction, ``batch`` chunks at a time so a
    long history never sits in memory at once."""
    from sqlalchemy import text

    before = after = 0
    last_id = 0
    while True:
        rows = conn.execute(
            text(
                "SELECT id, n_channels, n_samples, data, times FROM emg_chunks "
                "WHERE codec = 0 AND id > :last ORDER BY id LIMIT :n"
            ),
            {"last": last_id, "n": batch},
        ).all()
        if not rows:
            return before, after
        for chunk_id, n_ch, n, data, times in rows:
            a, t = decode_chunk(CODEC_RAW, bytes(data), bytes(times), n_ch, n)
            codec, blob, tblob = encode_chunk(a, t)
            conn.execute(
                text("UPDATE emg_chunks SET codec = :c, data = :d, times = :t WHERE id = :i"),
                {"c": codec, "d": blob, "t": tblob, "i": chunk_id},
            )
            before += len(data) + len(times)
            after += len(blob) + len(tblob)
            last_id = chunk_id
