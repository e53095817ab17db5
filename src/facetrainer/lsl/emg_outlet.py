"""The raw and envelope LSL outlets of one EMG source (see :mod:`facetrainer.lsl.outlet`)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from facetrainer.lsl.outlet import LslPublisher

log = logging.getLogger(__name__)

MAX_BUFFERED_S = 30  # liblsl keeps this much for slow receivers, then drops the oldest
# EMG goes out in 40 ms batches rather than one per source chunk (10 ms): liblsl's
# per-push wake-ups, not the data, dominate the outlet's CPU cost (bench_lsl_outlet.py).
SEND_EVERY_S = 0.04


def _add_channels(info: Any, labels: list[str], unit: str, kind: str) -> None:
    channels = info.desc().append_child("channels")
    for label in labels:
        ch = channels.append_child("channel")
        ch.append_child_value("label", label)
        ch.append_child_value("unit", unit)
        ch.append_child_value("type", kind)
    acq = info.desc().append_child("acquisition")
    acq.append_child_value("manufacturer", "FaceTrainer")


class EmgOutlets:
    """The raw and envelope outlets of one EMG source (created once it streams).

    The publisher's sender thread calls :meth:`send` every ``SEND_EVERY_S``: it reads
    what arrived since the last call from the source's ring buffer and from its
    :class:`~facetrainer.emg.live.LiveEmg` envelope ring (both keep ≥ 60 s, so nothing is
    lost between calls) and pushes it, so publishing never runs on, or slows, the
    acquisition thread.
    """

    def __init__(self, publisher: LslPublisher, source: Any, montage: Any,
                 live: Any = None) -> None:
        from facetrainer.emg.live import live_for

        self.publisher = publisher
        self.source = source
        self.montage = montage
        # The source's one processing chain (a live-session model passes its own stream).
        self.live = live if live is not None else live_for(source, montage)
        self.raw: Any = None
        self.env: Any = None
        # Publish from now on: a source already streaming does not replay its last minute.
        self._raw_counter = source.ring.total_written if source.ring is not None else 0
        env_ring = self.live.envelope
        self._env_counter = env_ring.total_written if env_ring is not None else 0
        self.n_samples = 0
        self.n_lost = 0

    def labels(self) -> list[str]:
        info = self.source.info
        names = list(info.channel_names)
        montage = self.montage or getattr(self.live, "montage", None)
        if montage is None:
            return names
        placements = montage.placements_for(names)
        return [p.label if p is not None else n for p, n in zip(placements, names, strict=True)]

    def _open(self) -> None:
        pylsl = self.publisher.pylsl
        info = self.source.info
        labels = self.labels()
        uid = self.publisher.source_id
        outlets = []
        for what in ("raw", "envelope"):
            si = pylsl.StreamInfo(
                f"FaceTrainer EMG {what} ({self.source.name})", "EMG", len(labels),
                float(info.fs_hz), pylsl.cf_float32, f"{uid}-emg-{what}-{id(self.source):x}",
            )
            _add_channels(si, labels, "microvolts", "EMG")
            si.desc().append_child_value("filtering", "none" if what == "raw" else
                                         "FaceTrainer band-pass, notch and envelope")
            outlets.append(pylsl.StreamOutlet(si, 0, MAX_BUFFERED_S))
        self.raw, self.env = outlets
        log.info("LSL: publishing EMG of %s (%d channels at %g Hz)", self.source.name,
                 len(labels), info.fs_hz)

    def send(self) -> None:
        ring = self.source.ring
        if ring is None or self.source.info is None:
            return  # not streaming yet
        if self.raw is None:
            self._open()
        offset = self.publisher.clock_offset_s
        data, times, self._raw_counter, lost = ring.read_since(self._raw_counter)
        self.n_lost += lost
        if data.shape[1]:
            self.raw.push_chunk(np.ascontiguousarray(data.T, dtype=np.float32),
                                float(times[-1]) + offset)
            self.n_samples += data.shape[1]
        env_ring = self.live.envelope
        if env_ring is not None:
            env, env_t, self._env_counter, _ = env_ring.read_since(self._env_counter)
            if env.shape[1]:
                self.env.push_chunk(np.ascontiguousarray(env.T, dtype=np.float32),
                                    float(env_t[-1]) + offset)

    def close(self) -> None:
        self.raw = self.env = None  # liblsl withdraws a stream when its outlet is freed
