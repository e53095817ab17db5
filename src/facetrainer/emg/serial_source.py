"""EMG from a serial device speaking a simple text protocol (Arduino + MyoWare-style sensors).

Protocol, one line per sample::

    [timestamp] v1 v2 ... vN <newline>

- values separated by a comma, or by spaces/tabs (one kind per line); integers or
  decimals (``512``, ``-3.25``, ``1e2``); ``nan`` marks a missing sample;
- with ``has_timestamp`` the first column is the device's clock in milliseconds
  (``millis()``; ``timestamp_scale_s`` changes the unit). A jump of more than 1.5 sample
  periods inserts NaN samples for the lost ones (at most one second's worth), so gaps
  show as gaps - but never more than the host clock saw pass (the nominal rate times the
  time since the last samples arrived, plus ``_GAP_SLACK_S``). A timestamp that runs
  backwards, or jumps further than that, is counted as ``bad_timestamp`` and repaired:
  the sample is kept at the nominal rate. Two consecutive lines one period apart after
  a bad timestamp (a device reset or counter wrap) become the new time base;
- a value that is infinite or beyond ``MAX_ABS_UV`` is counted as ``out_of_range`` and
  replaced by NaN (a missing sample), so it cannot poison the filters;
- lines end in ``\\n``, ``\\r\\n`` or ``\\r``; empty lines and lines starting with ``#``
  are ignored;
- values are in µV unless ``scale_uv`` says how many µV one unit is (e.g. ADC counts).

Bad input never stops the stream: each bad line is skipped and counted in
:attr:`SerialEmgSource.errors` (``partial_line``: a first line after (re)connecting that does
not parse, or an unfinished line left when the port vanished; ``garbage``: bytes that are not
printable ASCII, or a line longer than ``MAX_LINE_BYTES``; ``wrong_columns``;
``not_a_number``), and the counts appear in the status message. When the port
disappears the status turns DISCONNECTED, the samples received so far stay in the ring
buffer, and the port is reopened every ``reconnect_interval_s`` until it returns.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from facetrainer.emg.recording_io import MAX_FS_HZ, MIN_FS_HZ
from facetrainer.emg.source import EmgSource, EmgSourceError, EmgStreamInfo
from facetrainer.source_status import SourceState

MAX_LINE_BYTES = 4096
MAX_CHANNELS = 64  # a text line of 4096 bytes holds no more than this many sensible values
# skipped lines, then repaired input (the sample is kept: timestamp or value replaced)
SKIP_KINDS = ("partial_line", "garbage", "wrong_columns", "not_a_number")
REPAIR_KINDS = ("bad_timestamp", "out_of_range")
ERROR_KINDS = SKIP_KINDS + REPAIR_KINDS
# |value| beyond this (µV, after scale_uv) is no surface EMG: 1e300 would overflow the
# envelope's square and leave it NaN for good, so it becomes a missing sample
MAX_ABS_UV = 1e7
_MAX_GAP_S = 1.0
# a device-clock gap is filled with NaN only as far as the host clock saw time pass
# (plus this slack for buffering): a corrupted timestamp cannot insert a second of NaN
_GAP_SLACK_S = 0.05
_PRINTABLE = frozenset(range(0x20, 0x7F)) | {0x09}


class SerialEmgSource(EmgSource):
    """A serial port (USB CDC, FTDI, pseudo-terminal) streaming text lines of samples.

    Parameters
    ----------
    port
        Device path (``/dev/ttyUSB0``, ``COM3``, a pty or a udev symlink).
    baud
        Baud rate (ignored by USB CDC devices and pseudo-terminals).
    fs_hz
        The device's sampling rate (the protocol does not carry it).
    channel_names
        One name per value column.
    has_timestamp
        Lines start with the device's timestamp column.
    is_envelope
        The device sends a hardware envelope (processing must not band-pass it).
    """

    poll_interval_s = 0.005
    reconnect_interval_s = 0.5

    def __init__(
        self,
        port: str,
        baud: int = 115200,
        fs_hz: float = 1000.0,
        channel_names: tuple[str, ...] = ("ch1", "ch2"),
        has_timestamp: bool = False,
        is_envelope: bool = False,
        *,
        scale_uv: float = 1.0,
        timestamp_scale_s: float = 1e-3,
        name: str | None = None,
    ) -> None:
        if not port:
            raise EmgSourceError("serial EMG needs a port, e.g. /dev/ttyUSB0")
        if not (np.isfinite(fs_hz) and MIN_FS_HZ <= fs_hz <= MAX_FS_HZ):
            raise EmgSourceError(
                f"serial EMG: sampling rate (--serial-fs) must be from {MIN_FS_HZ:g} to "
                f"{MAX_FS_HZ:g} Hz, got {fs_hz!r}"
            )
        if len(channel_names) > MAX_CHANNELS:
            raise EmgSourceError(
                f"serial EMG: {len(channel_names)} channels (--serial-n-channels): allowed "
                f"1 to {MAX_CHANNELS}"
            )
        if int(baud) <= 0:
            raise EmgSourceError(f"serial EMG: baud must be positive, got {baud!r}")
        if not channel_names:
            raise EmgSourceError("serial EMG: needs at least one channel name")
        super().__init__(name or f"serial {port}")
        self.port = port
        self.baud = int(baud)
        self.fs_hz = float(fs_hz)
        self.channel_names = tuple(channel_names)
        self.has_timestamp = has_timestamp
        self.is_envelope = is_envelope
        self.scale_uv = float(scale_uv)
        self.timestamp_scale_s = float(timestamp_scale_s)
        self._serial = None
        self._buffer = bytearray()
        self._discard_first_fragment = True
        self._last_device_time_s: float | None = None
        self._last_raw_time_s: float | None = None
        self._last_timestamp_bad = False
        self._skipping_long_line = False
        self.host_clock = time.monotonic  # replaceable in tests
        self._gap_budget = _GAP_SLACK_S * self.fs_hz  # samples of NaN the host time allows
        self._budget_time: float | None = None
        self._errors = dict.fromkeys(ERROR_KINDS, 0)
        self._errors_lock = threading.Lock()
        self.n_disconnects = 0
        self._next_reconnect = 0.0
        self._reported_errors: dict[str, int] = {}

    # -- public ----------------------------------------------------------------------
    @property
    def errors(self) -> dict[str, int]:
        """Counts of skipped input by kind (see :data:`ERROR_KINDS`)."""
        with self._errors_lock:
            return dict(self._errors)

    def error_summary(self) -> str:
        """Skipped lines and repaired input by kind, e.g. for the status bar ("" if none)."""
        errors = self.errors
        skipped = [f"{errors[k]} {k.replace('_', ' ')}" for k in SKIP_KINDS if errors[k]]
        repaired = [f"{errors[k]} {k.replace('_', ' ')}" for k in REPAIR_KINDS if errors[k]]
        parts = []
        if skipped:
            n_values = len(self.channel_names) + (1 if self.has_timestamp else 0)
            parts.append(f"skipped: {', '.join(skipped)} (expecting {n_values} values per line)")
        if repaired:
            parts.append(f"repaired: {', '.join(repaired)}")
        return "; ".join(parts)

    # -- EmgSource -------------------------------------------------------------------
    def _open_port(self):  # -> serial.Serial
        import serial

        return serial.Serial(self.port, self.baud, timeout=0)

    def _open(self) -> EmgStreamInfo:
        import serial

        try:
            self._serial = self._open_port()
        except (serial.SerialException, OSError, ValueError) as exc:
            raise EmgSourceError(f"cannot open serial port {self.port!r}: {exc}") from exc
        return EmgStreamInfo(
            self.fs_hz,
            self.channel_names,
            extra={"port": self.port, "is_envelope": self.is_envelope},
        )

    def _close(self) -> None:
        if self._serial is not None:
            try:
                self._serial.close()
            finally:
                self._serial = None

    def _read_chunk(self) -> np.ndarray | None:
        import serial

        if self._serial is None:
            self._try_reconnect()
            return np.zeros((len(self.channel_names), 0))
        try:
            waiting = self._serial.in_waiting
            data = self._serial.read(max(waiting, 1))
        except (serial.SerialException, OSError) as exc:
            self._lose_port(exc)
            return np.zeros((len(self.channel_names), 0))
        chunk = self._parse(bytes(data))
        self._report_errors()
        return chunk

    # -- connection ------------------------------------------------------------------
    def _lose_port(self, exc: BaseException) -> None:
        if self._buffer.strip():
            self._count("partial_line")
        self._buffer.clear()
        self._close()
        self.n_disconnects += 1
        self._last_device_time_s = None
        self._last_raw_time_s = None
        self._skipping_long_line = False
        self._next_reconnect = 0.0
        self._status.set(
            SourceState.DISCONNECTED, f"serial port {self.port} disappeared ({exc}); reconnecting"
        )

    def _try_reconnect(self) -> None:
        import time

        import serial

        now = time.monotonic()
        if now < self._next_reconnect:
            return
        self._next_reconnect = now + self.reconnect_interval_s
        try:
            self._serial = self._open_port()
        except (serial.SerialException, OSError, ValueError):
            return
        self._discard_first_fragment = True
        self._skipping_long_line = False
        summary = self.error_summary()
        self._status.set(
            SourceState.STREAMING,
            f"serial port {self.port} reconnected" + (f"; {summary}" if summary else ""),
        )

    # -- parsing ---------------------------------------------------------------------
    def _count(self, kind: str, n: int = 1) -> None:
        with self._errors_lock:
            self._errors[kind] += n

    def _report_errors(self) -> None:
        errors = self.errors
        if errors != self._reported_errors and self.status.state == SourceState.STREAMING:
            self._reported_errors = errors
            self._status.set(SourceState.STREAMING, self.error_summary())

    def _parse(self, data: bytes) -> np.ndarray:
        """Complete lines of ``data`` (plus what was buffered) → samples (n_ch, n)."""
        n_ch = len(self.channel_names)
        self._refill_gap_budget()
        self._buffer += data.replace(b"\r", b"\n")
        last_nl = self._buffer.rfind(b"\n")
        if last_nl < 0:
            if len(self._buffer) > MAX_LINE_BYTES:
                if not self._skipping_long_line:
                    self._count("garbage")
                self._skipping_long_line = True  # its tail, up to the newline, goes too
                self._buffer.clear()
            return np.zeros((n_ch, 0))
        complete = bytes(self._buffer[:last_nl])
        del self._buffer[: last_nl + 1]
        lines = complete.split(b"\n")
        if self._skipping_long_line:
            lines.pop(0)  # the end of a runaway line is not a sample
            self._skipping_long_line = False
            self._discard_first_fragment = False
        rows: list[list[float]] = []
        if self._discard_first_fragment and lines:
            # Connecting mid-stream usually cuts the first line: if it does not parse, it
            # counts as a partial line rather than as garbage or a wrong column count.
            self._discard_first_fragment = False
            before = self.errors
            first = self._parse_line(lines.pop(0), n_ch)
            if first is None:
                with self._errors_lock:
                    for kind, n in before.items():
                        if self._errors[kind] != n:
                            self._errors[kind] = n
                            self._errors["partial_line"] += 1
            else:
                rows.extend(first)
        for raw in lines:
            row = self._parse_line(raw, n_ch)
            if row is not None:
                rows.extend(row)
        if not rows:
            return np.zeros((n_ch, 0))
        out = np.asarray(rows, dtype=np.float64).T
        if self.scale_uv != 1.0:
            out = out * self.scale_uv
        bad = np.isinf(out) | (np.abs(np.nan_to_num(out)) > MAX_ABS_UV)
        if bad.any():
            self._count("out_of_range", int(np.count_nonzero(bad)))
            out[bad] = np.nan
        return out

    def _refill_gap_budget(self) -> None:
        """Host time passed since the last read allows that many samples of NaN gap."""
        now = self.host_clock()
        if self._budget_time is not None:
            cap = (_MAX_GAP_S + _GAP_SLACK_S) * self.fs_hz
            self._gap_budget = min(cap, self._gap_budget + (now - self._budget_time) * self.fs_hz)
        self._budget_time = now

    def _parse_line(self, raw: bytes, n_ch: int) -> list[list[float]] | None:
        """One line → its sample (preceded by NaN rows for a timestamp gap), or None."""
        line = raw.strip()
        if not line or line.startswith(b"#"):
            return None
        if len(line) > MAX_LINE_BYTES or not _PRINTABLE.issuperset(line):
            self._count("garbage")
            return None
        text = line.decode("ascii")
        fields = [f.strip() for f in text.split(",")] if "," in text else text.split()
        expected = n_ch + (1 if self.has_timestamp else 0)
        if len(fields) != expected:
            self._count("wrong_columns")
            return None
        try:
            values = [float(f) for f in fields]
        except ValueError:
            self._count("not_a_number")
            return None
        # each sample uses up one sample period of the host time seen (the floor keeps a
        # device clock that runs a little fast from starving real gaps for long)
        self._gap_budget = max(-_GAP_SLACK_S * self.fs_hz, self._gap_budget - 1.0)
        if not self.has_timestamp:
            return [values]
        sample = values[1:]
        return self._place(values[0] * self.timestamp_scale_s, sample, n_ch)

    def _place(self, t_s: float, sample: list[float], n_ch: int) -> list[list[float]]:
        """A timestamped sample, preceded by NaN rows for lost samples (see module doc)."""
        period = 1.0 / self.fs_hz
        last, last_raw = self._last_device_time_s, self._last_raw_time_s
        self._last_raw_time_s = t_s
        if last is None or not np.isfinite(last):
            self._last_device_time_s = t_s if np.isfinite(t_s) else None
            if not np.isfinite(t_s):
                self._count("bad_timestamp")
            return [sample]
        step = t_s - last
        raw_step = t_s - last_raw if last_raw is not None else np.nan
        if 0.5 * period < step <= 1.5 * period:  # on time
            self._last_device_time_s, self._last_timestamp_bad = t_s, False
            return [sample]
        if self._last_timestamp_bad and 0.5 * period < raw_step <= 1.5 * period:
            # two lines agree on a new clock (device reset, counter wrap): follow it
            self._last_device_time_s, self._last_timestamp_bad = t_s, False
            return [sample]
        lost = int(round(step * self.fs_hz)) - 1 if np.isfinite(step) else -1
        if step > 1.5 * period and lost <= min(self._gap_budget, _MAX_GAP_S * self.fs_hz):
            self._gap_budget -= lost
            self._last_device_time_s, self._last_timestamp_bad = t_s, False
            return [[float("nan")] * n_ch] * lost + [sample]
        # backwards, duplicate, non-finite or further ahead than the host saw time pass
        self._count("bad_timestamp")
        self._last_device_time_s = last + period  # the nominal rate carries on
        self._last_timestamp_bad = True
        return [sample]
