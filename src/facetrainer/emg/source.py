"""The interface every EMG source implements, and its acquisition thread.

A source pulls chunks from its device on its own thread, stamps them on the app clock,
appends them to a ring buffer (for display) and hands every chunk to its subscribers
(the stream's processing chain, recording): no sample is dropped between device and
subscribers. A subscriber that raises is reported once (``consumer_errors`` and the
``on_consumer_error`` callbacks, with its name), unsubscribed, and the acquisition and the
other subscribers keep running.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from facetrainer import clock
from facetrainer.emg.ring_buffer import RingBuffer
from facetrainer.source_status import SourceState, SourceStatus, StatusHolder

ChunkListener = Callable[[np.ndarray, np.ndarray], None]
"""Called on the source thread with (data (n_channels, n) in µV, times_s (n,))."""

log = logging.getLogger(__name__)

RING_SECONDS = 60.0  # at least 30 s per channel are kept, as the spine requires


@dataclass(frozen=True)
class ConsumerError:
    """A consumer (chunk listener, frame listener) that raised and was unsubscribed."""

    source: str  # the stream it listened to
    consumer: str  # the listener's qualified name
    message: str  # the exception, as ``Type: text``

    def __str__(self) -> str:
        return f"{self.consumer} on {self.source} failed and was stopped: {self.message}"


def consumer_name(listener: Callable) -> str:
    """A readable name of a callback (bound method ``Class.method``, function, or repr)."""
    owner = getattr(listener, "__self__", None)
    name = getattr(listener, "__qualname__", None) or getattr(listener, "__name__", None)
    if owner is not None and name is not None:
        return name if "." in name else f"{type(owner).__name__}.{name}"
    return name or repr(listener)


class EmgSourceError(RuntimeError):
    """An EMG source could not be opened or configured; the message says what and why."""


@dataclass(frozen=True)
class EmgStreamInfo:
    """What a source delivers: rate and channel names (from the device's description)."""

    fs_hz: float
    channel_names: tuple[str, ...]
    units: str = "uV"
    extra: dict = field(default_factory=dict)

    @property
    def n_channels(self) -> int:
        return len(self.channel_names)


class EmgSource:
    """Base class for EMG sources.

    Subclasses implement :meth:`_open` (returns an :class:`EmgStreamInfo`),
    :meth:`_read_chunk` (returns the samples that arrived since the last call as
    (n_channels, n) float µV, possibly empty, or None when a finite source ended) and
    :meth:`_close`. ``poll_interval_s`` sets how often the thread polls.
    """

    poll_interval_s = 0.01

    def __init__(self, name: str) -> None:
        self.name = name
        self.info: EmgStreamInfo | None = None
        self.ring: RingBuffer | None = None
        self._status = StatusHolder(name)
        self._listeners: list[ChunkListener] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.n_samples = 0
        self._next_sample_time: float | None = None
        self.consumer_errors: list[ConsumerError] = []
        self.on_consumer_error: list[Callable[[ConsumerError], None]] = []

    # -- to override -----------------------------------------------------------------
    def _open(self) -> EmgStreamInfo:
        raise NotImplementedError

    def _read_chunk(self) -> np.ndarray | None:
        raise NotImplementedError

    def _close(self) -> None:
        """Release the device."""

    # -- public ----------------------------------------------------------------------
    @property
    def status(self) -> SourceStatus:
        return self._status.status

    def subscribe(self, listener: ChunkListener) -> None:
        """Receive every chunk (on the source thread; keep the callback short: a slow
        listener delays acquisition, so consumers that do real work read the rings by
        sample index instead, see :meth:`facetrainer.emg.live.LiveEmg.read_envelope_since`)."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: ChunkListener) -> None:
        """Stop calling ``listener`` (no error when it is not subscribed)."""
        try:
            self._listeners.remove(listener)
        except ValueError:
            pass

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"emg:{self.name}", daemon=True)
        self._thread.start()

    def wait_ready(self, timeout_s: float = 10.0) -> bool:
        """Wait until the source is open (or has failed); True when it streams."""
        self._ready.wait(timeout_s)
        return self.info is not None and self.status.state == SourceState.STREAMING

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _stamp(self, n: int) -> np.ndarray:
        """Sample times for n new samples: evenly spaced at fs, ending at or before now.

        Devices deliver in bursts; spacing samples at the nominal rate keeps timestamps
        smooth. They are re-anchored to the arrival when the estimate falls more than
        0.25 s behind it, and never run ahead of it: no sample is stamped after it
        arrived. An estimate anchored on a late first chunk (a device still starting), or
        a device clock faster than nominal, would otherwise stamp later chunks in the
        future (the EMG-to-screen delay read negative, and EMG led the video). Such a
        chunk is spread between the previous chunk's last stamp and now instead, so the
        times stay increasing.
        """
        assert self.info is not None
        dt = 1.0 / self.info.fs_hz
        t_now = clock.now()
        start = self._next_sample_time
        if start is None or start + (n - 1) * dt < t_now - 0.25:
            start = t_now - (n - 1) * dt
        if start + (n - 1) * dt <= t_now:
            times = start + dt * np.arange(n)
        else:  # ahead of the clock: end this chunk now
            last = start - dt  # the previous chunk's last stamp (before now)
            end = max(t_now, last + n * 1e-6)  # (two reads of the clock can be equal)
            times = last + (end - last) * (np.arange(1, n + 1) / n)
        self._next_sample_time = float(times[-1]) + dt
        return times

    def _deliver(self, data: np.ndarray) -> None:
        times = self._stamp(data.shape[1])
        assert self.ring is not None
        self.ring.write(data, times)
        self.n_samples += data.shape[1]
        for listener in list(self._listeners):
            try:
                listener(data, times)
            except Exception as exc:  # noqa: BLE001 - one consumer must not stop the stream
                self._drop_consumer(listener, exc)

    def _drop_consumer(self, listener: ChunkListener, exc: Exception) -> None:
        self.unsubscribe(listener)
        error = ConsumerError(self.name, consumer_name(listener), f"{type(exc).__name__}: {exc}")
        self.consumer_errors.append(error)
        log.error("%s", error)
        for callback in list(self.on_consumer_error):
            try:
                callback(error)
            except Exception:  # noqa: BLE001 - reporting must not stop acquisition
                log.exception("reporting %s failed", error)

    def _run(self) -> None:
        self._status.set(SourceState.CONNECTING)
        try:
            info = self._open()
        except Exception as exc:  # noqa: BLE001 - reported, the app keeps running
            self._status.set(SourceState.FAILED, str(exc))
            self._ready.set()
            return
        self.info = info
        self.ring = RingBuffer(info.n_channels, int(np.ceil(RING_SECONDS * info.fs_hz)))
        self._status.set(SourceState.STREAMING)
        self._ready.set()
        try:
            while not self._stop.is_set():
                chunk = self._read_chunk()
                if chunk is None:
                    self._status.set(SourceState.FINISHED, "end of recording")
                    return
                if chunk.shape[1]:
                    self._deliver(np.asarray(chunk, dtype=np.float64))
                self._stop.wait(self.poll_interval_s)
            # Drain what the device still holds so that nothing received is lost.
            chunk = self._read_chunk()
            if chunk is not None and chunk.shape[1]:
                self._deliver(np.asarray(chunk, dtype=np.float64))
        except Exception as exc:  # noqa: BLE001
            self._status.set(SourceState.DISCONNECTED, str(exc))
        finally:
            try:
                self._close()
            except Exception:  # noqa: BLE001, S110 - closing a dead device may fail too
                pass
