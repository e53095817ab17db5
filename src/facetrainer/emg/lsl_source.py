"""EMG from a Lab Streaming Layer stream (``--emg lsl:NAME_OR_TYPE``), e.g. OpenBCI GUI's.

The stream is resolved by name or type on this machine (LSL's scope, see
:mod:`facetrainer.lsl.scope`); its rate, channel labels and unit come from its metadata
(``<channels><channel><label/><unit/>``), else ``ch1..chN`` and µV. Samples keep the
sender's timestamps: LSL's clock corrections (clock sync and de-jitter) map them onto this
machine's LSL clock, which is then shifted onto FaceTrainer's clock, so the EMG lines up
with the video like any other source's samples.

When the sender goes away the status turns DISCONNECTED (the samples received so far
stay in the ring buffer) and the stream is looked for again every
``reconnect_interval_s`` until a stream of the same name or type, channel count and rate
returns, as the serial source does with its port.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

from facetrainer import clock
from facetrainer.emg.source import EmgSource, EmgSourceError, EmgStreamInfo
from facetrainer.source_status import SourceState

log = logging.getLogger(__name__)

_UNIT_TO_UV = {"microvolts": 1.0, "microvolt": 1.0, "uv": 1.0, "µv": 1.0, "μv": 1.0,
               "millivolts": 1e3, "millivolt": 1e3, "mv": 1e3, "volts": 1e6, "volt": 1e6,
               "v": 1e6, "nanovolts": 1e-3, "nv": 1e-3}
_NUMERIC_FORMATS = {1: "float32", 2: "double64", 4: "int32", 5: "int16", 6: "int8", 7: "int64"}


def _quote(text: str) -> str:
    """An XPath string literal for LSL's resolve predicate."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    raise EmgSourceError(f"LSL stream name {text!r} holds both kinds of quote")


def stream_predicate(query: str) -> str:
    """Resolve predicate matching a stream by name, type or source id."""
    q = _quote(query)
    return f"name={q} or type={q} or source_id={q}"


def list_streams(timeout_s: float = 1.0) -> list[dict[str, Any]]:
    """The LSL streams visible from here: name, type, channels, rate, source id, host.

    For a chooser in the GUI; raises :class:`facetrainer.lsl.scope.LslError` without LSL.
    """
    from facetrainer.lsl.scope import configured_pylsl

    pylsl = configured_pylsl()
    out = []
    for info in pylsl.resolve_streams(timeout_s):
        out.append({"name": info.name(), "type": info.type(),
                    "n_channels": info.channel_count(), "fs_hz": info.nominal_srate(),
                    "source_id": info.source_id(), "hostname": info.hostname()})
    return out


class LslEmgSource(EmgSource):
    """An LSL stream as an EMG source (see the module docstring)."""

    poll_interval_s = 0.005
    reconnect_interval_s = 0.5

    def __init__(self, query: str, resolve_timeout_s: float = 5.0) -> None:
        query = query.strip()
        if not query:
            raise EmgSourceError("--emg lsl:NAME_OR_TYPE needs a stream name or type")
        super().__init__(f"LSL {query}")
        self.query = query
        self.resolve_timeout_s = float(resolve_timeout_s)
        self._pylsl: Any = None
        self._lost_error: type[Exception] = RuntimeError
        self._inlet: Any = None
        self._scale = np.ones(0)
        self._times: np.ndarray | None = None
        self._offset_s = 0.0
        self._next_reconnect = 0.0
        self._resolver: Any = None
        self.n_reconnects = 0

    # -- opening ---------------------------------------------------------------------
    def _acceptable(self, found: list[Any]) -> Any:
        """The first stream that is not FaceTrainer's own output matched only by its type
        (``--lsl`` with ``--emg lsl:EMG`` would otherwise read back what it publishes)."""
        from facetrainer.lsl import scope as lsl_scope

        for info in found:
            own = info.source_id().startswith(f"{lsl_scope.DEFAULT_SOURCE_ID}-")
            named = self.query in (info.name(), info.source_id())
            if named or not own:
                return info
        return None

    def _resolve(self, timeout_s: float) -> Any:
        found = self._pylsl.resolve_bypred(stream_predicate(self.query), 1, timeout_s)
        return self._acceptable(list(found))

    def _make_inlet(self, info: Any) -> Any:
        pylsl = self._pylsl
        flags = pylsl.proc_clocksync | pylsl.proc_dejitter | pylsl.proc_monotonize
        inlet = pylsl.StreamInlet(info, 30, 0, False, processing_flags=flags)
        inlet.open_stream(self.resolve_timeout_s)
        return inlet

    def _open(self) -> EmgStreamInfo:
        from facetrainer.lsl.scope import LslError, configured_pylsl, configured_scope

        try:
            self._pylsl = configured_pylsl()
            from pylsl.util import LostError

            self._lost_error = LostError
        except LslError as exc:
            raise EmgSourceError(str(exc)) from exc
        info = self._resolve(self.resolve_timeout_s)
        if info is None:
            raise EmgSourceError(
                f"no LSL stream named or typed {self.query!r} found within "
                f"{self.resolve_timeout_s:g} s (discovery scope: {configured_scope()}; "
                "is the sender running on this machine?)"
            )
        fs = float(info.nominal_srate())
        if fs <= 0:
            raise EmgSourceError(
                f"LSL stream {info.name()!r} has an irregular rate; EMG needs a fixed rate"
            )
        if info.channel_format() not in _NUMERIC_FORMATS:
            raise EmgSourceError(f"LSL stream {info.name()!r} does not carry numbers")
        self._inlet = self._make_inlet(info)
        full = self._inlet.info(self.resolve_timeout_s)
        names, scale, notes = _channel_metadata(full, info.channel_count())
        self._scale = scale
        self._offset_s = float(self._pylsl.local_clock()) - clock.now()
        self.name = f"LSL {info.name()}"
        log.info("LSL inlet: %s (%s, %d channels at %g Hz, from %s)", info.name(),
                 info.type(), len(names), fs, info.hostname())
        return EmgStreamInfo(fs, tuple(names), extra={
            "lsl_name": info.name(), "lsl_type": info.type(), "source_id": info.source_id(),
            "hostname": info.hostname(), "notes": notes})

    # -- streaming -------------------------------------------------------------------
    def _read_chunk(self) -> np.ndarray | None:
        assert self.info is not None
        n_ch = self.info.n_channels
        if self._inlet is None:
            self._try_reconnect()
            return np.zeros((n_ch, 0))
        try:
            data, stamps = self._inlet.pull_chunk(0.0, 4096, as_numpy=True)
        except self._lost_error:
            self._lost()
            return np.zeros((n_ch, 0))
        if data is None or len(stamps) == 0:
            return np.zeros((n_ch, 0))
        self._times = np.asarray(stamps, dtype=np.float64) - self._offset_s
        return np.asarray(data, dtype=np.float64).T * self._scale[:, None]

    def _stamp(self, n: int) -> np.ndarray:
        """The sender's timestamps (LSL clock, corrected) on FaceTrainer's clock."""
        times = self._times
        if times is None or times.size != n:
            return super()._stamp(n)
        self._times = None
        return times

    def _lost(self) -> None:
        self._close_inlet()
        self._next_reconnect = 0.0
        # A continuous resolver looks for the stream in the background, so the source
        # thread never blocks on discovery while it waits.
        self._resolver = self._pylsl.ContinuousResolver(
            pred=stream_predicate(self.query), forget_after=2.0
        )
        self._status.set(
            SourceState.DISCONNECTED,
            f"LSL stream {self.query!r} disappeared; looking for it again",
        )
        log.warning("LSL inlet: stream %r lost", self.query)

    def _try_reconnect(self) -> None:
        now = time.monotonic()
        if now < self._next_reconnect:
            return
        self._next_reconnect = now + self.reconnect_interval_s
        found = self._resolver.results() if self._resolver is not None else []
        info = self._acceptable(list(found))
        if info is None:
            return
        assert self.info is not None
        if info.channel_count() != self.info.n_channels or info.nominal_srate() != self.info.fs_hz:
            self._status.set(
                SourceState.DISCONNECTED,
                f"LSL stream {self.query!r} is back with {info.channel_count()} channels at "
                f"{info.nominal_srate():g} Hz, not {self.info.n_channels} at "
                f"{self.info.fs_hz:g} Hz; waiting for the original",
            )
            return
        try:
            self._inlet = self._make_inlet(info)
        except Exception as exc:  # noqa: BLE001 - the sender may vanish again meanwhile
            log.info("LSL inlet: reopening %r failed: %s", self.query, exc)
            return
        self.n_reconnects += 1
        self._resolver = None
        self._next_sample_time = None
        self._status.set(SourceState.STREAMING, f"LSL stream {self.query!r} reconnected")
        log.info("LSL inlet: stream %r reconnected", self.query)

    def _close_inlet(self) -> None:
        inlet, self._inlet = self._inlet, None
        if inlet is not None:
            try:
                inlet.close_stream()
            except Exception:  # noqa: BLE001, S110 - the connection is already gone
                pass

    def _close(self) -> None:
        self._close_inlet()


def _channel_metadata(info: Any, n_ch: int) -> tuple[list[str], np.ndarray, list[str]]:
    """Channel labels and µV scale factors from an LSL stream's ``desc/channels``."""
    names: list[str] = []
    units: list[str] = []
    ch = info.desc().child("channels").child("channel")
    while not ch.empty() and len(names) < n_ch:
        names.append(ch.child_value("label").strip())
        units.append(ch.child_value("unit").strip())
        ch = ch.next_sibling()
    notes = []
    if len(names) != n_ch or not all(names) or len(set(names)) != n_ch:
        names = [f"ch{i + 1}" for i in range(n_ch)]
    scale = np.ones(n_ch)
    unknown = set()
    for i, unit in enumerate(units[:n_ch]):
        if not unit:
            continue
        factor = _UNIT_TO_UV.get(unit.lower())
        if factor is None:
            unknown.add(unit)
        else:
            scale[i] = factor
    if unknown:
        notes.append(f"unit(s) {', '.join(sorted(unknown))} read as µV")
    return names, scale, notes
