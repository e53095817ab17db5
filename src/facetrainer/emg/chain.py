"""The one EMG processing chain of a stream: mains detection, causal filters, envelope.

raw µV ──(mains lines detected on the first ``MAINS_DETECT_S``)──▶ band-pass + notches
(:class:`~facetrainer.emg.processing.EmgProcessor`, filter state carried from chunk to chunk)
──▶ filtered µV ──▶ envelope µV

The live display, the live exercise engine, the recorder's derived values and offline scoring
of a recording all use this class with the same settings, so a set scored live and the same
recording scored offline see the same envelopes (issue 10: they used to run three chains, and
only the display's had a mains notch).

Streaming equals batch: every decision happens at a fixed *sample index* (mains detection
after exactly ``MAINS_DETECT_S`` of samples, re-checks every ``MAINS_RECHECK_S``), never at a
chunk boundary, so the output does not depend on how the samples were chunked.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from facetrainer.emg.mains import detect_mains_lines
from facetrainer.emg.processing import SETTLE_S, EmgProcessor, ProcessingSettings

MAINS_DETECT_S = 2.0
"""Mains is looked for on the first 2 s (median of Welch segments at 0.5 Hz resolution; one
second holds a single segment and calls random noise peaks mains). When mains is found, the
chain is rebuilt with notches, run over those 2 s, and its output from ``SETTLE_S`` (1 s) on
is *revised* (:meth:`EmgChain.take_revision`): so the output is settled from one second on
whether or not mains was found, and live scoring, which starts there once the revision is
in, loses no more of a set than offline scoring always did."""
MAINS_RECHECK_S = 10.0
"""A channel without mains is looked at again every 10 s (a cable moved, a lamp came on)."""

MainsSetting = float | None | Literal["auto"]


class EmgChain:
    """Causal EMG chain of one stream; ``process(raw) -> (filtered, envelope)``.

    Parameters
    ----------
    fs_hz, n_channels
        The stream's rate and channel count.
    settings
        Filter, envelope and onset settings (the same object live and offline).
    mains_hz
        ``"auto"`` (detect 50/60 Hz and harmonics per channel), a frequency (notch every
        harmonic below Nyquist) or None (no notch).
    is_envelope
        The device sends a hardware envelope: no band-pass and no notch.
    """

    def __init__(
        self,
        fs_hz: float,
        n_channels: int,
        settings: ProcessingSettings | None = None,
        mains_hz: MainsSetting = "auto",
        *,
        is_envelope: bool = False,
    ) -> None:
        if not np.isfinite(fs_hz) or fs_hz <= 0:
            raise ValueError(f"fs_hz must be a positive rate, got {fs_hz!r}")
        if n_channels < 1:
            raise ValueError(f"n_channels must be >= 1, got {n_channels!r}")
        if mains_hz != "auto" and mains_hz is not None and not float(mains_hz) > 0:
            raise ValueError(f"mains_hz must be 'auto', None or a frequency, got {mains_hz!r}")
        self.fs_hz = float(fs_hz)
        self.n_channels = int(n_channels)
        self.settings = settings or ProcessingSettings()
        self.is_envelope = bool(is_envelope)
        self.mains_setting: MainsSetting = mains_hz
        auto = mains_hz == "auto" and not is_envelope
        fixed = None if mains_hz == "auto" else mains_hz
        self._mains: list[float | None] = [fixed] * self.n_channels
        self._lines: list[tuple[int, ...] | None] = [None] * self.n_channels
        self._detect_n = max(1, int(round(MAINS_DETECT_S * self.fs_hz)))
        self._recheck_n = max(1, int(round(MAINS_RECHECK_S * self.fs_hz)))
        self._next_check_n = self._detect_n if auto else -1
        self._history = np.zeros((self.n_channels, 0))  # the newest raw samples, for detection
        self.n_seen = 0
        self.n_rebuilds = 0
        settle_n = int(round(SETTLE_S * self.fs_hz))
        # Where the output can be trusted: known at once without detection, else once the
        # first detection decided whether the chain needed notches.
        self.settled_index: int | None = None if auto else settle_n
        self._settle_n = settle_n
        self._revision: tuple[int, np.ndarray, np.ndarray] | None = None
        self.processor = self._build()

    # -- public ------------------------------------------------------------------------
    @property
    def filter(self):  # noqa: ANN201 - EmgFilter | None; the display shows its band
        return self.processor.filter

    @property
    def mains_hz(self) -> tuple[float | None, ...]:
        """The mains frequency notched on each channel (None: none found or none asked)."""
        return tuple(self._mains)

    @property
    def mains_lines(self) -> tuple[tuple[int, ...] | None, ...]:
        return tuple(self._lines)

    def process(self, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Filter and envelope the next chunk (n_channels, n) µV; returns both, same shape."""
        x = np.asarray(raw, dtype=np.float64)
        if x.ndim != 2 or x.shape[0] != self.n_channels:
            raise ValueError(f"raw must have shape ({self.n_channels}, n), got {x.shape}")
        if self._next_check_n < 0:
            filtered, env = self.processor.process(x)
            self.n_seen += x.shape[1]
            return filtered, env
        pieces: list[tuple[np.ndarray, np.ndarray]] = []
        chunk_start = self.n_seen
        start = 0
        while start < x.shape[1]:
            if self._next_check_n >= 0:
                take = min(x.shape[1] - start, self._next_check_n - self.n_seen)
            else:
                take = x.shape[1] - start
            part = x[:, start : start + take]
            pieces.append(self.processor.process(part))
            if self.n_seen + take > self._next_check_n - self._detect_n:
                self._remember(part)  # only the window the next check looks at
            self.n_seen += take
            start += take
            if self.n_seen == self._next_check_n:
                self._check_mains()
        if not pieces:
            empty = np.zeros((self.n_channels, 0))
            return empty, empty
        filtered = np.hstack([p[0] for p in pieces])
        env = np.hstack([p[1] for p in pieces])
        if self._revision is not None:
            self._revise_chunk(chunk_start, filtered, env)
        return filtered, env

    def take_revision(self) -> tuple[int, np.ndarray, np.ndarray] | None:
        """Once, after mains was found on the first ``MAINS_DETECT_S``: ``(start_index,
        filtered, envelope)`` replacing output already returned for samples from
        ``start_index`` (``SETTLE_S`` in) up to the chunk that decided; else None."""
        revision, self._revision = self._revision, None
        if revision is None or revision[1].shape[1] == 0:
            return None
        return revision

    def _revise_chunk(self, chunk_start: int, filtered: np.ndarray, env: np.ndarray) -> None:
        """Patch this chunk's own part of the revision; keep the earlier part for the caller."""
        assert self._revision is not None
        start, rev_f, rev_e = self._revision
        lo = max(start, chunk_start)
        hi = min(start + rev_f.shape[1], chunk_start + filtered.shape[1])
        if hi > lo:
            filtered[:, lo - chunk_start : hi - chunk_start] = rev_f[:, lo - start : hi - start]
            env[:, lo - chunk_start : hi - chunk_start] = rev_e[:, lo - start : hi - start]
        keep = max(0, min(chunk_start, start + rev_f.shape[1]) - start)
        self._revision = (start, rev_f[:, :keep], rev_e[:, :keep])

    def prime(self, raw: np.ndarray) -> None:
        """Run samples that came before this chain's first chunk through it (a stream that
        was already running): the filters settle and mains is decided, output discarded."""
        x = np.asarray(raw, dtype=np.float64)
        if x.shape[1]:
            self.process(x)

    # -- internals ---------------------------------------------------------------------
    def _build(self) -> EmgProcessor:
        return EmgProcessor(
            self.fs_hz,
            self.n_channels,
            self._mains,
            self.settings,
            is_envelope=self.is_envelope,
            mains_harmonics=self._lines,
        )

    def _remember(self, part: np.ndarray) -> None:
        self._history = np.hstack([self._history, part])[:, -self._detect_n :]

    def _check_mains(self) -> None:
        """Decide mains on the last ``MAINS_DETECT_S`` of raw samples; on news, rebuild the
        filters with the notches and prime them on those samples."""
        raw = self._history
        found, lines = detect_mains_lines(raw, self.fs_hz)
        changed = False
        for ch, mains in enumerate(found):
            if self._mains[ch] is None and mains is not None:
                self._mains[ch] = mains
                self._lines[ch] = lines[ch]
                changed = True
        if changed:
            self.processor = self._build()
            first = self.n_seen - raw.shape[1]  # sample index of raw[:, 0]
            if self.settled_index is None and first <= self._settle_n < self.n_seen:
                # The first decision: output from SETTLE_S on is redone with the notches.
                k = self._settle_n - first
                self.processor.process(raw[:, :k])
                rev_f, rev_e = self.processor.process(raw[:, k:])
                self._revision = (self._settle_n, rev_f, rev_e)
            else:
                self.processor.process(raw)
            self.n_rebuilds += 1
        if self.settled_index is None:
            self.settled_index = self._settle_n
        missing = any(m is None for m in self._mains)
        self._next_check_n = self.n_seen + self._recheck_n if missing else -1
