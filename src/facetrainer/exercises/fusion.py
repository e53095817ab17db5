"""Put video and EMG activations on one clock: a fixed tick grid the engine steps on.

Video frames arrive at the camera's rate (with gaps when the face is lost); EMG arrives
in chunks at kHz rates. :class:`BlockAverager` reduces EMG activation to one value per
tick (the mean of the samples in that tick), and :class:`TickMixer` samples every
modality on the grid ``k · tick_s`` (each modality's most recent value, missing when older
than its ``stale_s``) and averages the modalities that cover a signal. A tick is emitted
only once every attached modality has delivered data up to it, so the output depends
on the data and their time stamps, not on how chunks interleave: live and offline agree.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

TICK_S = 0.02  # 50 Hz: far above the envelope's bandwidth (≤ 10 Hz) and video rates


class BlockAverager:
    """Means of (n, k) samples over consecutive ticks of ``tick_s`` (carried across chunks).

    A tick ``[j·tick_s, (j+1)·tick_s)`` is emitted, stamped ``(j+1)·tick_s``, when the
    first sample of a later tick arrives (or at :meth:`flush`).
    """

    def __init__(self, n_channels: int, tick_s: float = TICK_S) -> None:
        self.tick_s = tick_s
        self._sum = np.zeros(n_channels)
        self._count = np.zeros(n_channels)
        self._tick: int | None = None

    def push(self, times_s: np.ndarray, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (tick end times (m,), means (n, m)) completed by this chunk.

        Sample times must not decrease (they come from one source's clock).
        """
        data = np.asarray(data, dtype=float)
        n = data.shape[0]
        if np.asarray(times_s).size == 0:
            return np.empty(0), np.empty((n, 0))
        idx = np.floor(np.asarray(times_s, dtype=float) / self.tick_s + 1e-9).astype(np.int64)
        ticks, start = np.unique(idx, return_index=True)
        sums = np.add.reduceat(np.nan_to_num(data), start, axis=1)
        counts = np.add.reduceat((~np.isnan(data)).astype(float), start, axis=1)
        if self._tick is not None:
            if ticks[0] == self._tick:
                sums[:, 0] += self._sum
                counts[:, 0] += self._count
            else:
                ticks = np.concatenate([[self._tick], ticks])
                sums = np.concatenate([self._sum[:, None], sums], axis=1)
                counts = np.concatenate([self._count[:, None], counts], axis=1)
        self._tick = int(ticks[-1])
        self._sum, self._count = sums[:, -1].copy(), counts[:, -1].copy()
        with np.errstate(invalid="ignore", divide="ignore"):
            means = sums[:, :-1] / counts[:, :-1]
        return (ticks[:-1] + 1) * self.tick_s, means

    def flush(self) -> tuple[np.ndarray, np.ndarray]:
        if self._tick is None:
            return np.empty(0), np.empty((self._sum.size, 0))
        t, v = np.array([(self._tick + 1) * self.tick_s]), self._mean()[:, None]
        self._tick = None
        return t, v

    def _mean(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            m = self._sum / self._count
        self._sum = np.zeros_like(self._sum)
        self._count = np.zeros_like(self._count)
        return m


@dataclass
class Tick:
    """One engine step: fused activation per engine channel, and each modality's own."""

    t_s: float
    values: np.ndarray  # (n_channels,) fused, NaN where nothing covers the channel now
    by_modality: dict[str, np.ndarray]


class TickMixer:
    """Samples modalities on the tick grid and fuses them.

    Parameters
    ----------
    n_channels : int
        Engine channels (signal × side).
    rows : dict modality → ndarray (n_channels,) of int
        For each modality, which row of its pushed array feeds each engine channel
        (-1: the modality does not cover it).
    stale_s : dict modality → float
        A modality's value older than this at a tick counts as missing (face lost, EMG
        stalled).
    """

    def __init__(
        self,
        n_channels: int,
        rows: dict[str, np.ndarray],
        stale_s: dict[str, float],
        tick_s: float = TICK_S,
    ) -> None:
        self.n = n_channels
        self.rows = {m: np.asarray(r, dtype=int) for m, r in rows.items()}
        self.stale_s = stale_s
        self.tick_s = tick_s
        self._queues: dict[str, deque[tuple[float, np.ndarray]]] = {m: deque() for m in rows}
        self._last: dict[str, tuple[float, np.ndarray] | None] = {m: None for m in rows}
        self._latest_t: dict[str, float] = {m: -math.inf for m in rows}
        self._ended: set[str] = set()
        self._next_tick: int | None = None

    def push(self, modality: str, times_s: np.ndarray, values: np.ndarray) -> list[Tick]:
        """Add a modality's samples (values (n_rows, k) at times (k,)); return ready ticks."""
        q = self._queues[modality]
        for j, t in enumerate(np.asarray(times_s, dtype=float)):
            if t <= self._latest_t[modality]:
                continue  # out-of-order or repeated stamp: keep time monotonic
            q.append((float(t), values[:, j]))
            self._latest_t[modality] = float(t)
            if self._next_tick is None:
                self._next_tick = math.ceil(t / self.tick_s - 1e-9)
        return self._emit()

    def end(self, modality: str) -> list[Tick]:
        """The modality will send nothing more (end of file, source stopped)."""
        self._ended.add(modality)
        return self._emit()

    def finish(self) -> list[Tick]:
        """Emit every tick up to the last data of any modality."""
        self._ended.update(self._queues)
        return self._emit()

    def _horizon(self) -> float:
        live = [self._latest_t[m] for m in self._queues if m not in self._ended]
        if live:
            return min(live)
        known = [t for t in self._latest_t.values() if t > -math.inf]
        return max(known) if known else -math.inf

    def _emit(self) -> list[Tick]:
        if self._next_tick is None:
            return []
        horizon = self._horizon()
        out: list[Tick] = []
        while (self._next_tick * self.tick_s) <= horizon + 1e-9:
            t = self._next_tick * self.tick_s
            out.append(self._tick_at(t))
            self._next_tick += 1
        return out

    def _tick_at(self, t: float) -> Tick:
        by_mod: dict[str, np.ndarray] = {}
        for m, q in self._queues.items():
            while q and q[0][0] <= t + 1e-9:
                self._last[m] = q.popleft()
            v = np.full(self.n, np.nan)
            last = self._last[m]
            if last is not None and t - last[0] <= self.stale_s[m] + 1e-9:
                rows = self.rows[m]
                ok = rows >= 0
                v[ok] = last[1][rows[ok]]
            by_mod[m] = v
        stack = np.vstack(list(by_mod.values()))
        with np.errstate(invalid="ignore"):
            count = (~np.isnan(stack)).sum(axis=0)
            fused = np.where(count > 0, np.nansum(stack, axis=0) / np.maximum(count, 1), np.nan)
        return Tick(t, fused, by_mod)
